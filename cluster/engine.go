package cluster

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"gatehouse/core/broker"
	"gatehouse/core/store"
)

// Engine is one gateway node's link to NATS: the connection, the KV store
// and the broker over it, and the embedded server when there is one. Safe
// for concurrent use; Close is idempotent.
type Engine struct {
	srv    *server.Server // nil when connected to an external NATS
	nc     *nats.Conn
	js     jetstream.JetStream
	store  *KVStore
	broker *NATSBroker
	log    *slog.Logger
	opts   options

	closed    chan struct{} // closed by the connection's ClosedHandler
	closeOnce sync.Once
}

// Connect joins an external NATS (urls is a comma-separated list, as
// --nats-url takes it). The first connection must succeed; after that the
// connection reconnects forever. KV buckets default to 3 replicas.
func Connect(urls string, opts ...Option) (*Engine, error) {
	o := defaultOptions(3)
	for _, f := range opts {
		f(&o)
	}
	e := &Engine{log: o.logger, opts: o, closed: make(chan struct{})}
	nc, err := nats.Connect(urls, e.natsOptions(nats.MaxReconnects(-1), nats.ReconnectWait(time.Second))...)
	if err != nil {
		return nil, fmt.Errorf("cluster: connect %s: %w", urls, err)
	}
	if err := e.init(nc); err != nil {
		nc.Close()
		return nil, err
	}
	e.log.Info("nats connected", "url", nc.ConnectedUrlRedacted(), "server", nc.ConnectedServerName(), "replicas", o.replicas)
	return e, nil
}

// natsOptions are the connection options shared by both engines: handlers
// that log each state change once, and slow-consumer reports.
func (e *Engine) natsOptions(extra ...nats.Option) []nats.Option {
	log := e.log
	return append([]nats.Option{
		nats.Name(e.opts.name),
		nats.DrainTimeout(e.opts.timeout),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			log.Warn("nats disconnected", "err", err)
		}),
		nats.ReconnectHandler(func(nc *nats.Conn) {
			log.Info("nats reconnected", "url", nc.ConnectedUrlRedacted(), "server", nc.ConnectedServerName())
		}),
		nats.ClosedHandler(func(*nats.Conn) {
			log.Info("nats connection closed")
			close(e.closed)
		}),
		nats.ErrorHandler(func(_ *nats.Conn, sub *nats.Subscription, err error) {
			logAsyncError(log, sub, err)
		}),
	}, extra...)
}

// logAsyncError reports errors NATS finds outside any call: above all a
// slow consumer, whose messages NATS has started to drop.
func logAsyncError(log *slog.Logger, sub *nats.Subscription, err error) {
	if sub == nil {
		log.Error("nats async error", "err", err)
		return
	}
	dropped, _ := sub.Dropped()
	if errors.Is(err, nats.ErrSlowConsumer) {
		log.Warn("nats slow consumer: dropping messages", "subject", sub.Subject, "dropped", dropped)
		return
	}
	log.Error("nats subscription error", "subject", sub.Subject, "err", err)
}

// init builds JetStream, the store and the broker over a live connection.
func (e *Engine) init(nc *nats.Conn) error {
	e.nc = nc
	js, err := jetstream.New(nc,
		jetstream.WithDefaultTimeout(e.opts.timeout),
		jetstream.WithPublishAsyncTimeout(e.opts.timeout),
		jetstream.WithPublishAsyncMaxPending(4*pipelineWindow))
	if err != nil {
		return fmt.Errorf("cluster: jetstream: %w", err)
	}
	e.js = js
	st, err := e.openStore(js)
	if err != nil {
		return err
	}
	e.store = st
	st.openDirectory(nc, e.opts.timeout, directorySyncWait, e.log)
	e.broker = NewNATSBroker(nc, e.opts.pendingMsgs, e.opts.pendingBytes)
	return nil
}

// Store is the guild state store.
func (e *Engine) Store() store.Store { return e.store }

// Broker carries events between nodes.
func (e *Engine) Broker() broker.Broker { return e.broker }

// Conn is the NATS connection (for subjects beyond the seams, e.g. presence
// heartbeats in a cluster).
func (e *Engine) Conn() *nats.Conn { return e.nc }

// JetStream is the JetStream context over Conn.
func (e *Engine) JetStream() jetstream.JetStream { return e.js }

// ClientURL is the embedded server's client URL when it listens, else "".
func (e *Engine) ClientURL() string {
	if e.srv == nil || e.srv.Addr() == nil {
		return ""
	}
	return e.srv.ClientURL()
}

// Healthy reports whether the connection is up, JetStream answers and the
// store's directory is synced. It makes one request, bounded by the
// engine's timeout (at most 2 s).
func (e *Engine) Healthy() bool {
	if e.nc == nil || !e.nc.IsConnected() {
		return false
	}
	ctx, cancel := context.WithTimeout(context.Background(), min(e.opts.timeout, 2*time.Second))
	defer cancel()
	_, err := e.js.AccountInfo(ctx)
	return err == nil && e.store.DirectorySynced()
}

// Close drains the connection (pending publishes and handler calls finish),
// then shuts the embedded server down and waits for it.
func (e *Engine) Close() {
	e.closeOnce.Do(func() {
		e.store.closeDirectory()
		if err := e.nc.Drain(); err != nil {
			e.nc.Close()
		}
		select {
		case <-e.closed:
		case <-time.After(2 * e.opts.timeout):
			e.nc.Close()
		}
		if e.srv != nil {
			e.srv.Shutdown()
			e.srv.WaitForShutdown()
		}
	})
}
