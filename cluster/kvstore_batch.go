package cluster

import (
	"context"
	"fmt"

	"github.com/nats-io/nats.go/jetstream"

	"gatehouse/core/guild"
	"gatehouse/core/protocol"
)

// pipelineWindow is how many async publishes one PutMembers call keeps in
// flight. The JetStream context allows 4× this many in all, so four bulk
// loads can run at once before PublishAsync stalls.
const pipelineWindow = 1024

// ackWindow is a FIFO of in-flight publishes. push awaits the oldest when
// full, so memory stays bounded however long the batch. Owned by one call.
type ackWindow struct {
	ctx  context.Context
	buf  []pending
	head int
	n    int
	max  uint64 // highest revision of a counted publish
	// acked collects each counted publish's user and revision, for the
	// directory's write-through; nil when there is no directory.
	acked *[]memberRev
}

type pending struct {
	f     jetstream.PubAckFuture
	count bool // a guild-bucket write whose revision the caller gets
	user  protocol.Snowflake
}

func newAckWindow(ctx context.Context, size int) *ackWindow {
	return &ackWindow{ctx: ctx, buf: make([]pending, size)}
}

func (w *ackWindow) push(f jetstream.PubAckFuture, count bool, user protocol.Snowflake) error {
	if w.n == len(w.buf) {
		if err := w.popOldest(); err != nil {
			return err
		}
	}
	w.buf[(w.head+w.n)%len(w.buf)] = pending{f, count, user}
	w.n++
	return nil
}

func (w *ackWindow) popOldest() error {
	p := w.buf[w.head]
	w.buf[w.head] = pending{}
	w.head = (w.head + 1) % len(w.buf)
	w.n--
	rev, err := await(w.ctx, p.f)
	if err != nil {
		return err
	}
	if p.count {
		w.max = max(w.max, rev)
		if w.acked != nil {
			*w.acked = append(*w.acked, memberRev{p.user, rev})
		}
	}
	return nil
}

// drain awaits every publish still in flight.
func (w *ackWindow) drain() (uint64, error) {
	for w.n > 0 {
		if err := w.popOldest(); err != nil {
			return 0, err
		}
	}
	return w.max, nil
}

// PutMembers upserts members with pipelined async publishes: each member's
// record and its user→guild index entry are published without waiting, at
// most pipelineWindow acks outstanding, and every ack is awaited before it
// returns the highest member revision. Users in ms are not written (the
// members bucket holds no User); a nil member is an error. On error some
// members may be written: upserts are idempotent, so the caller retries.
// Every acknowledged member reaches the directory, error or not.
func (s *KVStore) PutMembers(ctx context.Context, guildID protocol.Snowflake, ms []*guild.Member) (uint64, error) {
	select {
	case s.bulk <- struct{}{}:
		defer func() { <-s.bulk }()
	case <-ctx.Done():
		return 0, ctx.Err()
	}
	w := newAckWindow(ctx, min(pipelineWindow, 2*len(ms)+1))
	if s.dir != nil {
		acked := make([]memberRev, 0, len(ms))
		w.acked = &acked
		defer func() { s.dir.putMembers(guildID, acked) }()
	}
	for _, m := range ms {
		if m == nil {
			return 0, errNilRecord
		}
		key := memberKey(guildID, m.UserID)
		rec := *m
		rec.User = nil
		b, err := protocol.Marshal(&rec)
		if err != nil {
			return 0, fmt.Errorf("cluster: encode %s: %w", key, err)
		}
		f, err := s.js.PublishAsync(kvSubject(bucketGuilds, key), b)
		if err != nil {
			return 0, fmt.Errorf("cluster: put %s: %w", key, err)
		}
		if err := w.push(f, true, m.UserID); err != nil {
			return 0, err
		}
		ik := userGuildKey(m.UserID, guildID)
		f, err = s.js.PublishAsync(kvSubject(bucketIndex, ik), nil)
		if err != nil {
			return 0, fmt.Errorf("cluster: put %s: %w", ik, err)
		}
		if err := w.push(f, false, 0); err != nil {
			return 0, err
		}
	}
	return w.drain()
}
