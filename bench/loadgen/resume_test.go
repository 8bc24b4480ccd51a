package loadgen

import (
	"context"
	"strconv"
	"testing"
	"time"

	"gatehouse/bindings/purego"
	"gatehouse/internal/gatetest"
	"gatehouse/server"
)

// waitFor polls cond every 20 ms until it holds or limit passes.
func waitFor(t *testing.T, limit time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestDropAllResumes drops every connection while dispatches keep coming
// and checks that every session resumes on a new connection, receives
// every dispatch it missed in order (no seq gap), and that tagged messages
// are all counted once per session.
func TestDropAllResumes(t *testing.T) {
	srv := gatetest.Start(t, purego.Factory(), func(c *server.Config) { c.Session.ResumeWindow = time.Minute })
	const n = 20
	r, err := New(Config{URL: "ws://" + srv.WSAddr(), Secret: gatetest.Secret, Conns: n, Resume: true, TrackMessages: 8})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Start(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := r.WaitSetup(ctx); err != nil {
		t.Fatal(err)
	}
	send := func(from, to int) {
		for _, s := range srv.Manager().All() {
			for i := from; i < to; i++ {
				s.Dispatch("MESSAGE_CREATE", []byte(`{"content":"x","nonce":"`+Tag(3, i, time.Now().UnixNano())+`","i":`+strconv.Itoa(i)+`}`))
			}
		}
	}
	send(0, 2)
	r.DropAll()
	send(2, 6) // while the sessions are away: replayed on resume
	waitFor(t, 20*time.Second, "every session resumed", func() bool { return r.Stats().Resumed == n })
	send(6, 8)
	waitFor(t, 20*time.Second, "every tagged message", func() bool { return r.Stats().Tagged["3"] == n*8 })
	res := r.Stop(2 * time.Second)
	if e := res.Stats.Errors; len(e) != 0 {
		t.Fatalf("errors %v", e)
	}
	rr := res.Resume
	if rr == nil || rr.ForcedDrops != n || rr.Resumed != n || rr.Failed != 0 || rr.AllBackSeconds <= 0 || rr.Took.Count != n {
		t.Fatalf("resume result %+v", rr)
	}
	if len(res.Deliveries) != 1 || len(res.Deliveries[0].Messages) != 8 {
		t.Fatalf("deliveries %+v", res.Deliveries)
	}
	for _, m := range res.Deliveries[0].Messages {
		if m[1] != n {
			t.Fatalf("message %d delivered %d times, want %d", m[0], m[1], n)
		}
	}
}

// TestOp7WithoutResumeIsAnError keeps the old meaning of op 7 when resume
// is off: it is counted, so a run that was asked to reconnect says so.
func TestOp7WithoutResumeIsAnError(t *testing.T) {
	srv := gatetest.Start(t, purego.Factory(), nil)
	r, err := New(Config{URL: "ws://" + srv.WSAddr(), Secret: gatetest.Secret, Conns: 5})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Start(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := r.WaitSetup(ctx); err != nil {
		t.Fatal(err)
	}
	for _, s := range srv.Manager().All() {
		s.Reconnect()
	}
	waitFor(t, 10*time.Second, "five op 7s", func() bool { return r.Stats().Errors["reconnect"] == 5 })
	res := r.Stop(2 * time.Second)
	if res.Resume != nil {
		t.Fatalf("resume result without Resume: %+v", res.Resume)
	}
}
