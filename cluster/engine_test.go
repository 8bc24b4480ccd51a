package cluster

import (
	"fmt"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
)

func TestHealthyFalseAfterServerShutdown(t *testing.T) {
	srv := runJSServer(t)
	e := connectEngine(t, srv)
	if !e.Healthy() {
		t.Fatal("not healthy while connected")
	}
	srv.Shutdown()
	checkFor(t, 10*time.Second, 20*time.Millisecond, func() error {
		if e.Healthy() {
			return fmt.Errorf("still healthy after server shutdown")
		}
		return nil
	})
}

func TestEmbeddedHealthAndListener(t *testing.T) {
	e, err := StartEmbedded(EmbeddedConfig{DataDir: t.TempDir(), ListenAddr: "127.0.0.1:0"}, WithLogger(quietLogger()))
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	if !e.Healthy() {
		t.Fatal("embedded engine not healthy")
	}
	// Another node can join the embedded server through its listener.
	url := e.ClientURL()
	if url == "" {
		t.Fatal("no client URL with a listen address")
	}
	b, err := Connect(url, WithReplicas(1), WithLogger(quietLogger()))
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	r := make(recv, 1)
	if _, err := b.Broker().SubscribeGuild(3, r.fn); err != nil {
		t.Fatal(err)
	}
	if err := b.Conn().Flush(); err != nil {
		t.Fatal(err)
	}
	if err := e.Broker().PublishGuild(3, []byte("hi")); err != nil {
		t.Fatal(err)
	}
	r.want(t, "hi")

	e.srv.Shutdown()
	checkFor(t, 10*time.Second, 20*time.Millisecond, func() error {
		if e.Healthy() {
			return fmt.Errorf("still healthy after embedded server shutdown")
		}
		return nil
	})
	e.Close()
	if e.Conn().Status() != nats.CLOSED {
		t.Fatalf("connection %v after Close", e.Conn().Status())
	}
}

func TestStartEmbeddedBadConfig(t *testing.T) {
	if _, err := StartEmbedded(EmbeddedConfig{}); err == nil {
		t.Fatal("no data dir accepted")
	}
	for _, addr := range []string{"nohost", "127.0.0.1:x", "127.0.0.1:70000"} {
		if _, err := StartEmbedded(EmbeddedConfig{DataDir: t.TempDir(), ListenAddr: addr}); err == nil {
			t.Fatalf("listen address %q accepted", addr)
		}
	}
	if _, err := Connect("nats://127.0.0.1:1", WithTimeout(time.Second)); err == nil {
		t.Fatal("connect to a closed port succeeded")
	}
}
