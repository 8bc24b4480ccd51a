package cluster

import (
	"context"
	"errors"
	"fmt"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"gatehouse/core/protocol"
	"gatehouse/core/store"
)

// KVStore is the Store seam over three JetStream KV buckets (docs/state.md).
// Every bucket keeps one revision per key (history 1): the cache needs the
// newest record, never older ones. Safe for concurrent use.
type KVStore struct {
	js     jetstream.JetStream
	users  jetstream.KeyValue
	guilds jetstream.KeyValue
	index  jetstream.KeyValue
	// indexStream purges index keys outright: nothing watches the index, so
	// a delete marker there would only be a tombstone to skip forever.
	indexStream jetstream.Stream
	// guildStream purges a deleted guild's sub-records in one request.
	guildStream jetstream.Stream
	// dir answers GetUser's "no record" and UserGuilds from memory once
	// synced; nil (a store made by NewKVStore alone) asks NATS every time.
	// Engine opens it (directory_store.go).
	dir *directory
	// bulk admits at most maxBulkLoads PutMembers pipelines at once: each
	// keeps up to pipelineWindow publishes in flight, and the JetStream
	// context's async limit (4 × pipelineWindow) must not be reached, or
	// PublishAsync stalls and fails the load. Later callers wait their turn.
	bulk chan struct{}
}

// maxBulkLoads is how many bulk member loads run at once; the fourth
// window's worth of the async limit is left to single-record writes.
const maxBulkLoads = 3

var _ store.Store = (*KVStore)(nil)

// KV operation headers, as the KV clients write them (nats.go keeps its
// constants private). A delete is published by hand because
// KeyValue.Delete does not return the revision of its marker.
const (
	kvOpHeader = "KV-Operation"
	kvOpDelete = "DEL"
)

// NewKVStore opens (creating when missing) the buckets with the given
// replica count. An existing bucket keeps its configuration.
func NewKVStore(ctx context.Context, js jetstream.JetStream, replicas int) (*KVStore, error) {
	s := &KVStore{js: js, bulk: make(chan struct{}, maxBulkLoads)}
	var err error
	if s.users, err = openBucket(ctx, js, bucketUsers, "gatehouse users", replicas); err != nil {
		return nil, err
	}
	if s.guilds, err = openBucket(ctx, js, bucketGuilds, "gatehouse guilds, roles, channels, members", replicas); err != nil {
		return nil, err
	}
	if s.index, err = openBucket(ctx, js, bucketIndex, "gatehouse channel→guild and user→guilds indexes", replicas); err != nil {
		return nil, err
	}
	if s.indexStream, err = js.Stream(ctx, "KV_"+bucketIndex); err != nil {
		return nil, fmt.Errorf("cluster: index stream: %w", err)
	}
	if s.guildStream, err = js.Stream(ctx, "KV_"+bucketGuilds); err != nil {
		return nil, fmt.Errorf("cluster: guild stream: %w", err)
	}
	return s, nil
}

func openBucket(ctx context.Context, js jetstream.JetStream, name, desc string, replicas int) (jetstream.KeyValue, error) {
	kv, err := js.KeyValue(ctx, name)
	if err == nil {
		return kv, nil
	}
	if !errors.Is(err, jetstream.ErrBucketNotFound) {
		return nil, fmt.Errorf("cluster: open bucket %s: %w", name, err)
	}
	kv, err = js.CreateKeyValue(ctx, jetstream.KeyValueConfig{
		Bucket:      name,
		Description: desc,
		History:     1,
		Storage:     jetstream.FileStorage,
		Replicas:    replicas,
	})
	if errors.Is(err, jetstream.ErrBucketExists) { // another node won the race
		kv, err = js.KeyValue(ctx, name)
	}
	if err != nil {
		return nil, fmt.Errorf("cluster: create bucket %s with %d replicas (a single NATS server needs 1): %w", name, replicas, err)
	}
	return kv, nil
}

// get reads a key's value; a missing or deleted key is store.ErrNotFound.
func get(ctx context.Context, kv jetstream.KeyValue, key string) ([]byte, uint64, error) {
	e, err := kv.Get(ctx, key)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return nil, 0, store.ErrNotFound
	}
	if err != nil {
		return nil, 0, fmt.Errorf("cluster: get %s: %w", key, err)
	}
	return e.Value(), e.Revision(), nil
}

// put writes a record's JSON.
func put(ctx context.Context, kv jetstream.KeyValue, key string, v any) (uint64, error) {
	b, err := protocol.Marshal(v)
	if err != nil {
		return 0, fmt.Errorf("cluster: encode %s: %w", key, err)
	}
	rev, err := kv.Put(ctx, key, b)
	if err != nil {
		return 0, fmt.Errorf("cluster: put %s: %w", key, err)
	}
	return rev, nil
}

// del writes a delete marker for an existing key and returns its revision;
// a key that is missing or already deleted is store.ErrNotFound, so a
// rejected delete writes nothing.
func (s *KVStore) del(ctx context.Context, bucket string, kv jetstream.KeyValue, key string) (uint64, error) {
	if _, _, err := get(ctx, kv, key); err != nil {
		return 0, err
	}
	m := nats.NewMsg(kvSubject(bucket, key))
	m.Header.Set(kvOpHeader, kvOpDelete)
	ack, err := s.js.PublishMsg(ctx, m)
	if err != nil {
		return 0, fmt.Errorf("cluster: delete %s: %w", key, err)
	}
	return ack.Sequence, nil
}

// dropIndex removes index keys matching a subject filter (wildcards
// allowed) with no marker left behind.
func (s *KVStore) dropIndex(ctx context.Context, keyFilter string) error {
	err := s.indexStream.Purge(ctx, jetstream.WithPurgeSubject(kvSubject(bucketIndex, keyFilter)))
	if err != nil {
		return fmt.Errorf("cluster: drop index %s: %w", keyFilter, err)
	}
	return nil
}

// await waits for one async publish and returns its revision.
func await(ctx context.Context, f jetstream.PubAckFuture) (uint64, error) {
	select {
	case ack := <-f.Ok():
		return ack.Sequence, nil
	case err := <-f.Err():
		return 0, fmt.Errorf("cluster: put %s: %w", f.Msg().Subject, err)
	case <-ctx.Done():
		return 0, ctx.Err()
	}
}
