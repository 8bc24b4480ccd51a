package cluster

import (
	"log/slog"
	"time"
)

// Option tunes an Engine made by StartEmbedded or Connect.
type Option func(*options)

type options struct {
	logger       *slog.Logger
	replicas     int
	name         string
	timeout      time.Duration
	pendingMsgs  int
	pendingBytes int
}

// Defaults for subscription pending limits: a subscriber that falls this far
// behind is a slow consumer and NATS drops its newest messages (see
// docs/state.md).
const (
	DefaultPendingMsgs  = 65536
	DefaultPendingBytes = 64 << 20
)

func defaultOptions(replicas int) options {
	return options{
		logger:       slog.Default(),
		replicas:     replicas,
		name:         "gatehouse",
		timeout:      5 * time.Second,
		pendingMsgs:  DefaultPendingMsgs,
		pendingBytes: DefaultPendingBytes,
	}
}

// WithLogger sets the logger for connection state, slow consumers and (for
// the embedded server) nats-server's own messages.
func WithLogger(l *slog.Logger) Option {
	return func(o *options) {
		if l != nil {
			o.logger = l
		}
	}
}

// WithReplicas sets the replica count of the KV buckets when this Engine
// creates them: 3 for a NATS cluster (the Connect default), 1 for a single
// server (the StartEmbedded default). Existing buckets keep theirs.
func WithReplicas(n int) Option {
	return func(o *options) {
		if n > 0 {
			o.replicas = n
		}
	}
}

// WithName sets the NATS connection name shown in server monitoring.
func WithName(name string) Option {
	return func(o *options) {
		if name != "" {
			o.name = name
		}
	}
}

// WithTimeout bounds each JetStream request made without a context deadline.
func WithTimeout(d time.Duration) Option {
	return func(o *options) {
		if d > 0 {
			o.timeout = d
		}
	}
}

// WithPendingLimits bounds every broker subscription's queue of undelivered
// messages; past either bound NATS drops messages for that subscription.
func WithPendingLimits(msgs, bytes int) Option {
	return func(o *options) {
		if msgs > 0 {
			o.pendingMsgs = msgs
		}
		if bytes > 0 {
			o.pendingBytes = bytes
		}
	}
}
