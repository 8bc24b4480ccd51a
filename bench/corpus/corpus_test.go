package corpus

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"
)

// corpus20k is the benchmark's default corpus, built once for the tests.
var corpus20k = sync.OnceValue(func() [][]byte { return Generate(1, 20000) })

type envelopeJSON struct {
	T  string          `json:"t"`
	S  int             `json:"s"`
	Op int             `json:"op"`
	D  json.RawMessage `json:"d"`
}

func TestEveryMessageIsAValidEnvelope(t *testing.T) {
	for i, m := range corpus20k() {
		if !json.Valid(m) {
			t.Fatalf("message %d is not valid JSON:\n%.300s", i, m)
		}
		// t, s and op come before d, with s counting up from 1.
		ty := eventType(m)
		want := fmt.Sprintf(`{"t":%s,"s":%d,"op":0,"d":{`, strconv.Quote(ty), i+1)
		if ty == "?" || !bytes.HasPrefix(m, []byte(want)) {
			t.Fatalf("message %d starts %.80q, want %q", i, m, want)
		}
	}
	// And a sample decodes as an envelope with the same fields.
	for i, m := range corpus20k()[:200] {
		var e envelopeJSON
		if err := json.Unmarshal(m, &e); err != nil {
			t.Fatal(err)
		}
		if e.S != i+1 || e.Op != 0 || e.T != eventType(m) || len(e.D) < 2 {
			t.Fatalf("message %d: t=%q s=%d op=%d", i, e.T, e.S, e.Op)
		}
	}
}

func TestDeterministic(t *testing.T) {
	a, b, c := Generate(7, 2000), Generate(7, 2000), Generate(8, 2000)
	for i := range a {
		if !bytes.Equal(a[i], b[i]) {
			t.Fatalf("seed 7 gave different message %d on a second run", i)
		}
	}
	same := 0
	for i := range a {
		if bytes.Equal(a[i], c[i]) {
			same++
		}
	}
	if same > len(a)/100 {
		t.Fatalf("seeds 7 and 8 share %d of %d messages", same, len(a))
	}
	if p := Generate(7, 50); !bytes.Equal(p[49], a[49]) {
		t.Fatal("a shorter corpus is not a prefix of a longer one")
	}
}

func TestSmallCounts(t *testing.T) {
	if got := Generate(1, 0); len(got) != 0 {
		t.Fatalf("n=0 gave %d messages", len(got))
	}
	got := Generate(1, 3)
	if len(got) != 3 || eventType(got[0]) != "READY" || eventType(got[1]) != "GUILD_CREATE" {
		t.Fatalf("n=3 gave %d messages starting %q", len(got), eventType(got[0]))
	}
}

func TestSessionShape(t *testing.T) {
	msgs := corpus20k()
	if eventType(msgs[0]) != "READY" {
		t.Fatalf("first message is %s, want READY", eventType(msgs[0]))
	}
	var ready struct {
		D struct {
			Guilds []struct{ ID string } `json:"guilds"`
		} `json:"d"`
	}
	if err := json.Unmarshal(msgs[0], &ready); err != nil {
		t.Fatal(err)
	}
	for i := range ready.D.Guilds {
		if ty := eventType(msgs[1+i]); ty != "GUILD_CREATE" {
			t.Fatalf("message %d is %s, want a GUILD_CREATE per READY guild", 1+i, ty)
		}
	}
	s := Summarize(msgs)
	for _, ty := range []string{"READY", "GUILD_CREATE", "MESSAGE_CREATE", "PRESENCE_UPDATE", "TYPING_START", "GUILD_MEMBER_LIST_UPDATE"} {
		if s.ByType[ty].Count == 0 {
			t.Errorf("no %s in 20,000 messages", ty)
		}
	}
}

// TestSizeMix checks the mix the benchmark relies on: mostly 200 B–2 KB
// events, occasional 10–100 KB ones, rare bigger ones.
func TestSizeMix(t *testing.T) {
	msgs := corpus20k()
	var mid, large, huge int
	for _, m := range msgs {
		switch n := len(m); {
		case n >= 200 && n <= 2048:
			mid++
		case n > 100<<10:
			huge++
		case n >= 10<<10:
			large++
		}
		if len(m) > 1<<20 {
			t.Fatalf("a %d-byte message; nothing should exceed 1 MiB", len(m))
		}
	}
	t.Logf("200B–2KB: %d, 10–100KB: %d, >100KB: %d of %d", mid, large, huge, len(msgs))
	if mid < len(msgs)*75/100 {
		t.Errorf("only %d of %d messages are 200 B–2 KB", mid, len(msgs))
	}
	if large < 10 || large > len(msgs)/100 {
		t.Errorf("%d messages of 10–100 KB; want occasional (10 to 1%%)", large)
	}
	if huge < 1 || huge > len(msgs)/500 {
		t.Errorf("%d messages over 100 KB; want rare (1 to 0.2%%)", huge)
	}
}

// TestUsersRepeat checks the property that makes stream compression win:
// the same people write again and again.
func TestUsersRepeat(t *testing.T) {
	authors := map[string]int{}
	total := 0
	for _, m := range corpus20k() {
		if eventType(m) != "MESSAGE_CREATE" {
			continue
		}
		var e struct {
			D struct {
				Author struct{ ID string } `json:"author"`
			} `json:"d"`
		}
		if err := json.Unmarshal(m, &e); err != nil {
			t.Fatal(err)
		}
		authors[e.D.Author.ID]++
		total++
	}
	if len(authors) > total/3 {
		t.Fatalf("%d distinct authors for %d messages: too little repetition", len(authors), total)
	}
	if len(authors) < 50 {
		t.Fatalf("only %d distinct authors: too little variety", len(authors))
	}
}

// TestSnowflakesMatchTimestamps checks that a message id encodes the time
// its timestamp says, within the session.
func TestSnowflakesMatchTimestamps(t *testing.T) {
	sessionStart := time.UnixMilli(start)
	n := 0
	for _, m := range corpus20k() {
		if eventType(m) != "MESSAGE_CREATE" {
			continue
		}
		var e struct {
			D struct {
				ID        string `json:"id"`
				Timestamp string `json:"timestamp"`
			} `json:"d"`
		}
		if err := json.Unmarshal(m, &e); err != nil {
			t.Fatal(err)
		}
		id, err := strconv.ParseUint(e.D.ID, 10, 64)
		if err != nil {
			t.Fatalf("id %q: %v", e.D.ID, err)
		}
		ts, err := time.Parse(time.RFC3339Nano, e.D.Timestamp)
		if err != nil {
			t.Fatalf("timestamp %q: %v", e.D.Timestamp, err)
		}
		idTime := time.UnixMilli(int64(id>>22) + discordEpoch)
		if !idTime.Equal(ts) {
			t.Fatalf("id %s is from %v, timestamp says %v", e.D.ID, idTime, ts)
		}
		if ts.Before(sessionStart) || ts.After(sessionStart.Add(24*time.Hour)) {
			t.Fatalf("timestamp %v outside the session", ts)
		}
		n++
	}
	if n == 0 {
		t.Fatal("no messages checked")
	}
}

func TestSummarize(t *testing.T) {
	msgs := Generate(3, 500)
	s := Summarize(msgs)
	count, total := 0, 0
	for _, ty := range s.Types() {
		st := s.ByType[ty]
		count += st.Count
		total += st.Bytes
		if st.Min > st.Max || st.Min <= 0 {
			t.Errorf("%s: min %d max %d", ty, st.Min, st.Max)
		}
	}
	want := 0
	for _, m := range msgs {
		want += len(m)
	}
	if s.Count != 500 || count != 500 || s.TotalBytes != want || total != want {
		t.Fatalf("summary count %d/%d bytes %d/%d, want 500 and %d", s.Count, count, s.TotalBytes, total, want)
	}
	if eventType([]byte(`{"x":1}`)) != "?" {
		t.Fatal("a message without a leading t is not reported as ?")
	}
}
