package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"gatehouse/bench/loadgen"
	"gatehouse/core/auth"
)

// TestBaselineServesTheLoadGenerator runs the load generator against the
// baseline: every session identifies and heartbeats, and every broadcast
// arrives at every session in seq order with its tag.
func TestBaselineServesTheLoadGenerator(t *testing.T) {
	signer, _ := auth.NewSigner("s")
	s := newServer(signer, time.Second, 64, "ws://127.0.0.1:1")
	hs := httptest.NewServer(s.routes())
	defer hs.Close()
	const n = 20
	r, err := loadgen.New(loadgen.Config{URL: "ws" + strings.TrimPrefix(hs.URL, "http"), Conns: n, Secret: "s", TrackMessages: 3})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Start(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := r.WaitSetup(ctx); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		body := `{"content":"x","nonce":"` + loadgen.Tag(1, i, time.Now().UnixNano()) + `"}`
		resp, err := http.Post(hs.URL+"/ingest/v1/channels/1/messages", "application/json", strings.NewReader(body))
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("post: %v %v", err, resp)
		}
		resp.Body.Close()
	}
	for deadline := time.Now().Add(10 * time.Second); r.Stats().Tagged["1"] < 3*n && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(1200 * time.Millisecond) // past a heartbeat interval
	res := r.Stop(time.Second)
	if res.Stats.Ready != n || res.Stats.ErrorTotal() != 0 || res.Stats.HeartbeatAcks == 0 {
		t.Fatalf("ready %d errors %v acks %d", res.Stats.Ready, res.Stats.Errors, res.Stats.HeartbeatAcks)
	}
	if len(res.Deliveries) != 1 || res.Deliveries[0].Count != 3*n {
		t.Fatalf("deliveries %+v", res.Deliveries)
	}
}

// TestBaselineRefusesBadToken closes a session whose token does not verify.
func TestBaselineRefusesBadToken(t *testing.T) {
	signer, _ := auth.NewSigner("s")
	hs := httptest.NewServer(newServer(signer, time.Second, 64, "ws://x:1").routes())
	defer hs.Close()
	r, err := loadgen.New(loadgen.Config{URL: "ws" + strings.TrimPrefix(hs.URL, "http"), Conns: 3, Secret: "other", SetupTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Start(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	_ = r.WaitSetup(ctx)
	res := r.Stop(time.Second)
	if res.Stats.Ready != 0 || res.Stats.Failed != 3 {
		t.Fatalf("ready %d failed %d, want every session refused", res.Stats.Ready, res.Stats.Failed)
	}
}
