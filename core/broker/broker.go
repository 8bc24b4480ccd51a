// Package broker defines the Broker seam: how events travel between the node
// that ingests them and every node with sessions that may see them. The NATS
// implementation lives in package cluster; subjects are documented in
// docs/state.md.
package broker

import "gatehouse/core/protocol"

// Subscription is a live subscription. Unsubscribe is idempotent.
type Subscription interface {
	Unsubscribe() error
}

// Broker carries encoded events (guild.Event JSON). Publishes from one
// node to one guild arrive at every subscriber in publish order. Handlers run
// on a goroutine owned by the broker, one at a time per subscription, and
// must not block for long. Safe for concurrent use.
type Broker interface {
	PublishGuild(guildID protocol.Snowflake, ev []byte) error
	SubscribeGuild(guildID protocol.Snowflake, fn func(ev []byte)) (Subscription, error)
	// PublishUser carries user-scoped events (presence) to every node.
	PublishUser(ev []byte) error
	SubscribeUsers(fn func(ev []byte)) (Subscription, error)
}
