// Command gobaseline is the benchmark suite's plain Go peer: the subset of
// the gateway protocol the load generator uses (Hello, Identify → READY,
// heartbeats, MESSAGE_CREATE dispatches with continuous s), served the way
// a first Go implementation would be — net/http, gorilla/websocket, and a
// reader and a writer goroutine per connection — so the suite can show
// what gatehouse's event loops buy for the same idle and broadcast work.
//
// It keeps no guild state: POST /ingest/v1/channels/{id}/messages sends
// the posted body as the d of a MESSAGE_CREATE to every identified
// session. No compression (gorilla has permessage-deflate only, not the
// gateway's zlib-stream or zstd-stream), no resume (op 6 gets op 9).
//
//	gobaseline --addr 127.0.0.1:0 --secret S --heartbeat-interval 41.25s
//
// prints "gobaseline ready addr=HOST:PORT" on stderr once it listens; the
// WebSocket, ingest and /metrics share that one address.
package main

import (
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"gatehouse/core/auth"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "gobaseline:", err)
		os.Exit(1)
	}
}

func run() error {
	addr := flag.String("addr", "127.0.0.1:8090", "listen address for WebSocket, ingest and /metrics")
	secret := flag.String("secret", "", "token signing secret shared with the load generator (required)")
	hb := flag.Duration("heartbeat-interval", 41250*time.Millisecond, "heartbeat interval sent in Hello")
	queue := flag.Int("queue", 256, "messages queued per connection before a slow reader is closed")
	flag.Parse()
	signer, err := auth.NewSigner(*secret)
	if err != nil {
		return errors.New("--secret is required")
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	s := newServer(signer, *hb, *queue, "ws://"+ln.Addr().String())
	srv := &http.Server{Handler: s.routes(), ReadHeaderTimeout: 10 * time.Second}
	fmt.Fprintf(os.Stderr, "gobaseline ready addr=%s\n", ln.Addr())
	go func() {
		sig := make(chan os.Signal, 1)
		signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
		<-sig
		_ = srv.Close()
	}()
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
