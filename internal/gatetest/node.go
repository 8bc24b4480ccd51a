package gatetest

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"gatehouse/cmd/gatehouse/node"
	"gatehouse/core/compress"
	"gatehouse/core/session"
	"gatehouse/server"
)

// StartNode runs a whole node — embedded NATS with JetStream in a temp dir,
// the hub, the ingest API and the gateway — with short test timings.
// mutate adjusts the config first. The node stops when the test ends.
func StartNode(t testing.TB, factory compress.Factory, mutate func(*node.Config)) *node.Node {
	t.Helper()
	cfg := node.Config{
		DataDir:      t.TempDir(),
		IngestSecret: IngestSecret,
		Logger:       slog.New(slog.NewTextHandler(logWriter(), &slog.HandlerOptions{Level: slog.LevelWarn})),
		Server: server.Config{
			WSAddr: "127.0.0.1:0", HTTPAddr: "127.0.0.1:0",
			Session: session.Config{
				Signer: Signer, HeartbeatInterval: 500 * time.Millisecond, HeartbeatTolerance: 500 * time.Millisecond,
				ResumeWindow: 5 * time.Second, MaxConcurrency: 16, IdentifyWindow: time.Millisecond,
			},
			Compression:  factory,
			TickInterval: 50 * time.Millisecond,
		},
	}
	if mutate != nil {
		mutate(&cfg)
	}
	n, err := node.Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		n.Stop(ctx)
	})
	return n
}

// Ingest sends one ingest request to n and returns the status and body.
func Ingest(t testing.TB, n *node.Node, method, path, body string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, "http://"+n.Server.HTTPAddr()+"/ingest/v1"+path, bytes.NewBufferString(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+IngestSecret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// MustIngest is Ingest that fails the test on a non-2xx answer.
func MustIngest(t testing.TB, n *node.Node, method, path, body string) []byte {
	t.Helper()
	code, b := Ingest(t, n, method, path, body)
	if code/100 != 2 {
		t.Fatalf("%s %s: %d %s", method, path, code, b)
	}
	return b
}
