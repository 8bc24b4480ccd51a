package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"gatehouse/cmd/gatehouse/node"
	"gatehouse/server"
)

// stopTimeout bounds the stop that follows a drain (listeners, hub, NATS).
const stopTimeout = 10 * time.Second

// waitAndDrain blocks until SIGTERM, SIGINT or POST /admin/drain, then
// drains the node (unready, op 7 in paced batches, wait for the sessions to
// leave) and stops it; the caller then exits 0. A second signal during the
// drain exits at once with status 1: the operator chose not to wait.
func waitAndDrain(log *slog.Logger, n *node.Node, cfg server.DrainConfig) {
	sig := make(chan os.Signal, 2)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	select {
	case s := <-sig:
		log.Info("draining on signal", "signal", s.String())
	case <-n.Server.DrainRequested():
		log.Info("draining on POST /admin/drain")
	}
	go func() {
		s := <-sig
		log.Warn("second signal: exiting without waiting", "signal", s.String())
		os.Exit(1)
	}()
	n.Server.Drain(context.Background(), cfg)
	ctx, cancel := context.WithTimeout(context.Background(), stopTimeout)
	defer cancel()
	n.Stop(ctx)
	log.Info("stopped")
}

// defaultNodeID is <hostname>-<6 random hex>: readable in logs, and fresh
// for every process, as cross-node presence requires.
func defaultNodeID() string {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "gatehouse"
	}
	var b [3]byte
	_, _ = rand.Read(b[:])
	return host + "-" + hex.EncodeToString(b[:])
}
