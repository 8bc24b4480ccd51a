package cluster

import (
	"context"
	"errors"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// storeOpenTimeout bounds openStore's retries.
const storeOpenTimeout = 90 * time.Second

// openStore opens (or creates) the buckets. A NATS cluster that has just
// formed, or is electing a new meta leader, times out JetStream requests
// or answers "unavailable" / "no suitable peers" for a while; nodes started
// together with it must wait rather than fail, so those are retried until
// storeOpenTimeout (replicas above the cluster's size end up here too, and
// fail after it, with the error). Other errors fail at once.
func (e *Engine) openStore(js jetstream.JetStream) (*KVStore, error) {
	deadline := time.Now().Add(storeOpenTimeout)
	for attempt := 1; ; attempt++ {
		ctx, cancel := context.WithTimeout(context.Background(), 4*e.opts.timeout)
		st, err := NewKVStore(ctx, js, e.opts.replicas)
		cancel()
		if err == nil || !transientJS(err) || time.Now().After(deadline) {
			return st, err
		}
		e.log.Warn("nats: JetStream not answering yet, retrying", "attempt", attempt, "err", err)
		time.Sleep(time.Second)
	}
}

// JetStream API error codes that mean "not yet": the cluster has no meta
// leader, or does not yet know enough servers to place the replicas.
const (
	jsErrClusterNotAvailable = 10008
	jsErrNoSuitablePeers     = 10005
)

// transientJS reports errors that mean "JetStream cannot answer yet".
func transientJS(err error) bool {
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, nats.ErrTimeout) ||
		errors.Is(err, nats.ErrNoResponders) || errors.Is(err, jetstream.ErrNoHeartbeat) {
		return true
	}
	var ae jetstream.JetStreamError
	if errors.As(err, &ae) && ae.APIError() != nil {
		c := ae.APIError()
		return c.Code == 503 || c.ErrorCode == jsErrClusterNotAvailable || c.ErrorCode == jsErrNoSuitablePeers
	}
	return false
}
