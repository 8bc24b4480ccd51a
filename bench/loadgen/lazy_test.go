package loadgen

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"gatehouse/bindings/purego"
	"gatehouse/internal/gatetest"
)

func TestParseLazy(t *testing.T) {
	l, err := ParseLazy("7:8:0-99,250-420")
	if err != nil {
		t.Fatal(err)
	}
	if l.Guild != 7 || l.Channel != 8 || len(l.Ranges) != 2 || l.Ranges[1] != [2]int64{250, 420} {
		t.Fatalf("parsed %+v", l)
	}
	// The server keeps the lowest three 100-row chunks the ranges touch.
	if fmt.Sprint(l.chunks) != "[0 2 3]" {
		t.Fatalf("chunks %v, want [0 2 3]", l.chunks)
	}
	var op struct {
		Op int `json:"op"`
		D  struct {
			GuildID  string             `json:"guild_id"`
			Channels map[string][][]int `json:"channels"`
		} `json:"d"`
	}
	if err := json.Unmarshal(l.appendPayload(nil), &op); err != nil {
		t.Fatal(err)
	}
	if op.Op != 14 || op.D.GuildID != "7" || fmt.Sprint(op.D.Channels["8"]) != "[[0 99] [250 420]]" {
		t.Fatalf("op 14 payload decoded as %+v", op)
	}
	for _, bad := range []string{"", "7:8", "7:8:", "0:8:0-99", "7:x:0-99", "7:8:99-0", "7:8:-1-5", "7:8:0-99,", "7:8:0-99:1"} {
		if _, err := ParseLazy(bad); err == nil {
			t.Errorf("ParseLazy(%q) accepted", bad)
		}
	}
}

// TestLazySessions runs sessions with a lazy request against a whole
// node: each gets the SYNC of its chunk, and a member who joins at the
// top of the list reaches every session as an INSERT, with no SYNC beyond
// the first and no error.
func TestLazySessions(t *testing.T) {
	n := gatetest.StartNode(t, purego.Factory(), nil)
	const guild, channel, conns = 7100, 7101, 12
	const base = 7_200_000
	gatetest.MustIngest(t, n, "PUT", "/users/7000", `{"username":"owner"}`)
	gatetest.MustIngest(t, n, "PUT", fmt.Sprintf("/guilds/%d", guild),
		fmt.Sprintf(`{"name":"Lazy","owner_id":"7000","channels":[{"id":"%d","type":0,"name":"general"}]}`, channel))
	var nd strings.Builder
	for i := 0; i < conns+30; i++ {
		fmt.Fprintf(&nd, `{"user":{"id":"%d","username":"member%03d"}}`+"\n", base+i, i)
	}
	gatetest.MustIngest(t, n, "POST", fmt.Sprintf("/guilds/%d/members:batch", guild), nd.String())

	l, err := ParseLazy(fmt.Sprintf("%d:%d:0-99", guild, channel))
	if err != nil {
		t.Fatal(err)
	}
	r, err := New(Config{URL: "ws://" + n.Server.WSAddr(), Secret: gatetest.Secret, Conns: conns, UserBase: base, Intents: 1, Lazy: l})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Start(); err != nil {
		t.Fatal(err)
	}
	defer r.Stop(time.Second)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := r.WaitSetup(ctx); err != nil {
		t.Fatalf("setup: %v (stats %+v)", err, r.Stats())
	}
	waitLazy := func(what string, ok func(*LazyStats) bool) *LazyStats {
		t.Helper()
		deadline := time.Now().Add(20 * time.Second)
		for {
			s := r.Stats()
			if ok(s.Lazy) {
				return s.Lazy
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: lazy stats %+v, errors %v", what, *s.Lazy, s.Errors)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	waitLazy("every session synced", func(s *LazyStats) bool { return s.Synced == conns })
	// "aaa" sorts before every "member…": offline, it joins the offline
	// group's rows, inside every session's chunk (a guild this small
	// lists offline members).
	gatetest.MustIngest(t, n, "PUT", fmt.Sprintf("/guilds/%d/members/7001", guild), `{"user":{"id":"7001","username":"aaa"}}`)
	got := waitLazy("an INSERT to every session", func(s *LazyStats) bool { return s.Inserts >= conns })
	if got.Requested != conns || got.Syncs != conns || got.LaterSyncs != 0 || got.Malformed != 0 {
		t.Fatalf("lazy stats %+v: want %d requests and SYNCs, no later SYNC, nothing malformed", *got, conns)
	}
	if got.Bytes <= 0 || got.Ops < got.Syncs+got.Inserts {
		t.Fatalf("lazy stats %+v: bytes and ops not counted", *got)
	}
	if s := r.Stats(); s.ErrorTotal() != 0 {
		t.Fatalf("errors %v", s.Errors)
	}
}
