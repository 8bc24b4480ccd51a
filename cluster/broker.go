package cluster

import (
	"fmt"

	"github.com/nats-io/nats.go"

	"gatehouse/core/broker"
	"gatehouse/core/protocol"
)

// Broker subjects. Core NATS, not JetStream: events are transient, state is
// in the KV buckets, and a node that missed events reloads from the store.
const (
	subjectGuildPrefix = "gh.guild." // gh.guild.<gid>: one guild's events
	subjectUsers       = "gh.users"  // user-scoped events (presence)
)

// NATSBroker is the Broker seam over core NATS subjects. Publishes from one
// connection reach each subscriber in publish order. Each subscription's
// handler runs on that subscription's own goroutine, one message at a time;
// the queue in front of it is bounded (pending limits) and NATS drops
// messages past the bound, reporting a slow consumer once per episode
// (logged by the Engine). Safe for concurrent use.
type NATSBroker struct {
	nc           *nats.Conn
	pendingMsgs  int
	pendingBytes int
}

var _ broker.Broker = (*NATSBroker)(nil)

// NewNATSBroker makes a broker over nc whose subscriptions queue at most
// pendingMsgs messages or pendingBytes bytes each.
func NewNATSBroker(nc *nats.Conn, pendingMsgs, pendingBytes int) *NATSBroker {
	return &NATSBroker{nc: nc, pendingMsgs: pendingMsgs, pendingBytes: pendingBytes}
}

func guildSubject(gid protocol.Snowflake) string {
	return string(appendID([]byte(subjectGuildPrefix), gid))
}

// PublishGuild sends ev to every node subscribed to the guild. It returns
// once ev is in the connection's buffer (while reconnecting, the reconnect
// buffer); delivery is at most once.
func (b *NATSBroker) PublishGuild(guildID protocol.Snowflake, ev []byte) error {
	return b.publish(guildSubject(guildID), ev)
}

// PublishUser sends a user-scoped event to every node.
func (b *NATSBroker) PublishUser(ev []byte) error { return b.publish(subjectUsers, ev) }

func (b *NATSBroker) publish(subj string, ev []byte) error {
	if err := b.nc.Publish(subj, ev); err != nil {
		return fmt.Errorf("cluster: publish %s: %w", subj, err)
	}
	return nil
}

// SubscribeGuild delivers the guild's events to fn. fn owns ev.
func (b *NATSBroker) SubscribeGuild(guildID protocol.Snowflake, fn func(ev []byte)) (broker.Subscription, error) {
	return b.subscribe(guildSubject(guildID), fn)
}

// SubscribeUsers delivers user-scoped events to fn. fn owns ev.
func (b *NATSBroker) SubscribeUsers(fn func(ev []byte)) (broker.Subscription, error) {
	return b.subscribe(subjectUsers, fn)
}

func (b *NATSBroker) subscribe(subj string, fn func(ev []byte)) (broker.Subscription, error) {
	sub, err := b.nc.Subscribe(subj, func(m *nats.Msg) { fn(m.Data) })
	if err != nil {
		return nil, fmt.Errorf("cluster: subscribe %s: %w", subj, err)
	}
	if err := sub.SetPendingLimits(b.pendingMsgs, b.pendingBytes); err != nil {
		_ = sub.Unsubscribe()
		return nil, fmt.Errorf("cluster: subscribe %s: %w", subj, err)
	}
	return &natsSub{sub: sub}, nil
}

// natsSub makes Unsubscribe idempotent: nats.go reports a second call, or
// one after the connection closed, as an error, but either way the
// subscription is gone, which is all the caller asked for.
type natsSub struct{ sub *nats.Subscription }

func (s *natsSub) Unsubscribe() error {
	if !s.sub.IsValid() {
		return nil
	}
	if err := s.sub.Unsubscribe(); err != nil && s.sub.IsValid() {
		return fmt.Errorf("cluster: unsubscribe %s: %w", s.sub.Subject, err)
	}
	return nil
}
