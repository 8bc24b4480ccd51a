package loadgen

import (
	"bytes"
	"sync/atomic"
	"testing"
	"time"
)

// parseTagPlain is parseTag's first form, kept as the reference its faster
// search must agree with: the first occurrence of the whole prefix.
func parseTagPlain(msg []byte) (class, index int, sentNS int64, ok bool) {
	i := bytes.Index(msg, tagPrefix)
	if i < 0 {
		return 0, 0, 0, false
	}
	return parseTagValue(msg[i+len(tagPrefix):])
}

// FuzzParseTag checks parseTag against parseTagPlain on any bytes.
func FuzzParseTag(f *testing.F) {
	f.Add([]byte(`{"content":"hi","nonce":"gh:3:41:1767322445000000006","id":"1"}`))
	f.Add([]byte(`{"xnonce":"gh:1:1:5","nonce":"gh:2:7:100"}`))
	f.Add([]byte(`nonce":"gh:1:1:1"`))
	f.Fuzz(func(t *testing.T, msg []byte) {
		c1, i1, s1, ok1 := parseTag(msg)
		c2, i2, s2, ok2 := parseTagPlain(msg)
		if c1 != c2 || i1 != i2 || s1 != s2 || ok1 != ok2 {
			t.Fatalf("parseTag(%q) = %d %d %d %v, plain %d %d %d %v", msg, c1, i1, s1, ok1, c2, i2, s2, ok2)
		}
	})
}

// TestTagRoundTrip checks that a tag made by Tag is found again inside a
// message, whatever surrounds it.
func TestTagRoundTrip(t *testing.T) {
	sent := time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC).UnixNano()
	tag := Tag(3, 41, sent)
	msg := []byte(`{"t":"MESSAGE_CREATE","s":9,"op":0,"d":{"content":"hi","nonce":"` + tag + `","id":"1"}}`)
	class, index, got, ok := parseTag(msg)
	if !ok || class != 3 || index != 41 || got != sent {
		t.Fatalf("parseTag = %d %d %d %v, want 3 41 %d true", class, index, got, ok, sent)
	}
	// Another key ending in the same letters, earlier in the message, is
	// not the nonce.
	decoy := []byte(`{"xnonce":"gh:1:1:5","nonce":"` + tag + `"}`)
	if class, index, got, ok := parseTag(decoy); !ok || class != 3 || index != 41 || got != sent {
		t.Fatalf("after a decoy: parseTag = %d %d %d %v, want 3 41 %d true", class, index, got, ok, sent)
	}
}

// TestParseTagRejects checks that malformed or foreign nonces are not
// counted as deliveries.
func TestParseTagRejects(t *testing.T) {
	for _, msg := range []string{
		`{"nonce":"12345"}`,
		`{"nonce":"gh:8:1:100"}`,                  // class out of range
		`{"nonce":"gh:1:1"}`,                      // no time
		`{"nonce":"gh:1:x:100"}`,                  // not a number
		`{"nonce":"gh:1:1:100x"}`,                 // trailing junk
		`{"nonce":"gh:1:1:100`,                    // unterminated
		`{"nonce":"gh:1:1:99999999999999999999"}`, // overflow
		`{"content":"no nonce"}`,
	} {
		if c, i, s, ok := parseTag([]byte(msg)); ok {
			t.Errorf("parseTag(%s) = %d %d %d, want rejected", msg, c, i, s)
		}
	}
}

// TestClassStats records deliveries of tracked and untracked messages and
// checks counts, the slowest delivery per message and first/last times.
func TestClassStats(t *testing.T) {
	r := &Runner{}
	for i := range r.classes {
		r.classes[i].count = make([]atomic.Uint32, 2)
		r.classes[i].slowest = make([]atomic.Int64, 2)
	}
	c := &r.classes[1]
	c.record(0, 1000, 1500) // 500 ns
	c.record(0, 1000, 3000) // 2000 ns
	c.record(1, 2000, 2100) // 100 ns
	c.record(5, 2000, 2200) // untracked index: histogram only
	res := r.classResults()
	if len(res) != 1 || res[0].Class != 1 || res[0].Count != 4 {
		t.Fatalf("class results %+v", res)
	}
	cr := res[0]
	if cr.FirstUnixNS != 1500 || cr.LastUnixNS != 3000 {
		t.Fatalf("first %d last %d, want 1500 3000", cr.FirstUnixNS, cr.LastUnixNS)
	}
	want := [][3]int64{{0, 2, 2000}, {1, 1, 100}}
	if len(cr.Messages) != 2 || cr.Messages[0] != want[0] || cr.Messages[1] != want[1] {
		t.Fatalf("messages %v, want %v", cr.Messages, want)
	}
	if cr.Latency.MaxNS != 2000 || cr.Latency.MinNS != 100 {
		t.Fatalf("latency min %d max %d", cr.Latency.MinNS, cr.Latency.MaxNS)
	}
}

// TestCDF checks the cumulative distribution ends at 1, never decreases
// and stays within the recorded range.
func TestCDF(t *testing.T) {
	var h Histogram
	for i := 1; i <= 1000; i++ {
		h.Record(time.Duration(i) * time.Microsecond)
	}
	s := h.Summary()
	cdf := s.CDF()
	if len(cdf) == 0 || cdf[len(cdf)-1].Fraction != 1 {
		t.Fatalf("cdf ends at %+v", cdf[len(cdf)-1])
	}
	for i := 1; i < len(cdf); i++ {
		if cdf[i].US < cdf[i-1].US || cdf[i].Fraction < cdf[i-1].Fraction {
			t.Fatalf("cdf not monotonic at %d: %+v %+v", i, cdf[i-1], cdf[i])
		}
	}
	if last := cdf[len(cdf)-1].US; last > 1000 {
		t.Fatalf("cdf goes past the max: %v µs", last)
	}
	var empty HistSummary
	if empty.CDF() != nil {
		t.Fatal("empty summary has a CDF")
	}
}

// FuzzParseTagAt checks the hinted search against parseTag for any hint on
// messages that carry the tag prefix at most once, and that a hint it
// leaves finds the same tag again in one comparison.
func FuzzParseTagAt(f *testing.F) {
	f.Add([]byte(`{"content":"hi","nonce":"gh:3:41:1767322445000000006","id":"1"}`), 24)
	f.Add([]byte(`{"xnonce":"gh:1:1:5","nonce":"gh:2:7:100"}`), 3)
	f.Add([]byte(`"nonce":"gh:1:1:1"`), -5)
	f.Fuzz(func(t *testing.T, msg []byte, hint int) {
		if bytes.Count(msg, tagPrefix) > 1 {
			return
		}
		at := hint
		c1, i1, s1, ok1 := parseTagAt(msg, &at)
		c2, i2, s2, ok2 := parseTag(msg)
		if c1 != c2 || i1 != i2 || s1 != s2 || ok1 != ok2 {
			t.Fatalf("parseTagAt(%q, %d) = %d %d %d %v, parseTag %d %d %d %v", msg, hint, c1, i1, s1, ok1, c2, i2, s2, ok2)
		}
		if ok1 {
			again := at
			if c, i, s, ok := parseTagAt(msg, &again); !ok || c != c1 || i != i1 || s != s1 || again != at {
				t.Fatalf("hint %d left by the first call does not find the tag again", at)
			}
		}
	})
}

// TestParseTagAtFollowsTheLayout reads messages whose nonce moves: the
// hint is used when it still points at the tag and replaced when not.
func TestParseTagAtFollowsTheLayout(t *testing.T) {
	at := 0
	for i, msg := range []string{
		`{"a":"x","nonce":"gh:1:2:300"}`,
		`{"a":"y","nonce":"gh:1:3:400"}`,
		`{"a":"longer","nonce":"gh:2:4:500"}`,
		`{"nonce":"gh:3:5:600"}`,
	} {
		c, x, s, ok := parseTagAt([]byte(msg), &at)
		wc, wx, ws, wok := parseTag([]byte(msg))
		if !ok || c != wc || x != wx || s != ws || ok != wok {
			t.Fatalf("message %d: %d %d %d %v, want %d %d %d %v", i, c, x, s, ok, wc, wx, ws, wok)
		}
	}
}

// BenchmarkParseTag times finding the tag in a benchmark MESSAGE_CREATE as
// the gateway sends it, by search and with the hint.
func BenchmarkParseTag(b *testing.B) {
	msg := []byte(`{"attachments":[],"author":{"id":"80351110224678913"},"channel_id":"90000000000000001","content":"Deploy of the gateway to the eu-west pool finished; p99 fan-out latency looks flat, see the dashboard at https://example.invalid/d/gatehouse — ping <@80351110224678912> if anything drifts.","edited_timestamp":null,"embeds":[],"guild_id":"90000000000000000","id":"1310000000000000000","mention_everyone":false,"mention_roles":[],"mentions":[],"nonce":"` + Tag(1, 7, 1767322445000000006) + `","pinned":false,"timestamp":"2026-11-28T22:00:00.000000+00:00","tts":false,"type":0}`)
	b.Run("search", func(b *testing.B) {
		for range b.N {
			if _, _, _, ok := parseTag(msg); !ok {
				b.Fatal("no tag")
			}
		}
	})
	b.Run("hint", func(b *testing.B) {
		at := 0
		for range b.N {
			if _, _, _, ok := parseTagAt(msg, &at); !ok {
				b.Fatal("no tag")
			}
		}
	})
}

// parseTag is parseTagAt without a hint: the plain search the hinted one is
// checked against.
func parseTag(msg []byte) (class, index int, sentNS int64, ok bool) {
	p := tagIndex(msg)
	if p < 0 {
		return 0, 0, 0, false
	}
	return parseTagValue(msg[p+len(tagPrefix):])
}
