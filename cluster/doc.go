// Package cluster is gatehouse's NATS engine: an embedded nats-server with
// JetStream (the default, in-process, no listener) or a connection to an
// external NATS cluster, the JetStream key-value implementation of the
// store.Store seam (KVStore) and the core-NATS implementation of the
// broker.Broker seam (NATSBroker). Buckets, keys, subjects and revision
// semantics are documented in docs/state.md.
//
// Concurrency: Engine, KVStore and NATSBroker are safe for concurrent use
// by any goroutine. A watch (KVStore.WatchGuild) and a subscription
// (NATSBroker.Subscribe*) each call their callback on one goroutine of
// their own, one call at a time, in order.
package cluster
