package clustertest_test

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"gatehouse/cluster"
	"gatehouse/cmd/gatehouse/clustertest"
	"gatehouse/core/auth"
)

// TestDrainControls: POST /admin/drain (with the admin secret) starts a
// drain: /readyz turns 503, upgrades get HTTP 503, the connected client
// gets op 7. A client that ignores it keeps the node draining until a
// second signal makes it exit at once with status 1. A node with no
// sessions drains on SIGTERM and exits 0 straight away. One NATS server,
// no load balancer.
func TestDrainControls(t *testing.T) {
	dir := t.TempDir()
	nc, err := cluster.StartLocalCluster(1, dir, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	start := func(name string) *clustertest.Node {
		t.Helper()
		n, err := clustertest.NewNode(binary, clustertest.NodeConfig{
			Name: name, Dir: dir, NATSURL: nc.URLs(), Secret: "drain-secret", Ingest: "drain-ingest",
			Args: []string{"--replicas", "1", "--drain-timeout", "60s", "--node-heartbeat", "100ms", "--admin-secret", "drain-admin"},
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := n.Start(60 * time.Second); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(n.Stop)
		return n
	}

	idle := start("idle")
	if err := idle.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if code, err := idle.Wait(20 * time.Second); err != nil || code != 0 {
		t.Fatalf("idle node after SIGTERM: exit %d, %v\n%s", code, err, idle.Tail(20))
	}

	n := start("stubborn")
	conn, _, err := websocket.DefaultDialer.Dial("ws://"+n.WSAddr+"/?v=10&encoding=json", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	read := func() (op int) {
		t.Helper()
		_ = conn.SetReadDeadline(time.Now().Add(15 * time.Second))
		var m struct{ Op int }
		if err := conn.ReadJSON(&m); err != nil {
			t.Fatal(err)
		}
		return m.Op
	}
	if op := read(); op != 10 {
		t.Fatalf("first op %d, want Hello", op)
	}
	signer, err := auth.NewSigner("drain-secret")
	if err != nil {
		t.Fatal(err)
	}
	token := signer.Mint(4242, time.Now())
	if err := conn.WriteJSON(map[string]any{"op": 2, "d": map[string]any{"token": token, "intents": 1, "properties": map[string]string{"os": "x", "browser": "x", "device": "x"}}}); err != nil {
		t.Fatal(err)
	}
	if op := read(); op != 0 {
		t.Fatalf("after Identify op %d, want READY", op)
	}

	if code, body := n.Do("POST", "/admin/drain", "drain-ingest", nil); code != http.StatusForbidden {
		t.Fatalf("POST /admin/drain with the ingest secret when an admin secret is set: %d %s", code, body)
	}
	code, body := n.Do("POST", "/admin/drain", "drain-admin", nil)
	if code != http.StatusAccepted {
		t.Fatalf("POST /admin/drain: %d %s", code, body)
	}
	var st struct{ Status string }
	if err := json.Unmarshal(body, &st); err != nil || st.Status != "draining" {
		t.Fatalf("POST /admin/drain body %s", body)
	}
	if code, body := n.Get("/readyz"); code != http.StatusServiceUnavailable {
		t.Fatalf("/readyz while draining: %d %s", code, body)
	}
	if code, _ := n.Get("/healthz"); code != http.StatusOK {
		t.Fatalf("/healthz while draining: %d", code)
	}
	_, resp, err := websocket.DefaultDialer.Dial("ws://"+n.WSAddr+"/?v=10&encoding=json", nil)
	if !errors.Is(err, websocket.ErrBadHandshake) || resp == nil || resp.StatusCode != http.StatusServiceUnavailable {
		status := 0
		if resp != nil {
			status = resp.StatusCode
		}
		t.Fatalf("upgrade while draining: %v, status %d; want HTTP 503", err, status)
	}
	for {
		if op := read(); op == 7 {
			break
		}
	}
	// The client ignores op 7: the drain waits (up to its 60 s timeout).
	select {
	case <-n.Done():
		t.Fatalf("node exited while a session was still connected\n%s", n.Tail(20))
	case <-time.After(300 * time.Millisecond):
	}
	if err := n.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if code, err := n.Wait(10 * time.Second); err != nil || code != 1 {
		t.Fatalf("signal during the drain: exit %d, %v; want 1 at once\n%s", code, err, n.Tail(20))
	}
}
