package cluster

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/nats-io/nats.go/jetstream"

	"gatehouse/core/guild"
	"gatehouse/core/protocol"
	"gatehouse/core/store"
)

var errWatchEnded = errors.New("cluster: watch ended before its initial values (connection closed?)")

// stopWatch unsubscribes and drains the watcher until nats.go closes its
// channel: its callback blocks on a full channel, so a stop without a drain
// could strand the subscription's goroutine.
func stopWatch(w jetstream.KeyWatcher) {
	_ = w.Stop()
	for range w.Updates() {
	}
}

// scan calls fn for the current entry of every key matching filters, in
// revision order, and returns when the watch reports it has sent them all.
// It is how many keys are read in one request stream instead of a Get each.
func scan(ctx context.Context, kv jetstream.KeyValue, filters []string, fn func(jetstream.KeyValueEntry) error, opts ...jetstream.WatchOpt) error {
	// WatchFiltered rewrites its slice into subjects; keep ours for errors.
	w, err := kv.WatchFiltered(ctx, slices.Clone(filters), opts...)
	if err != nil {
		return fmt.Errorf("cluster: watch %v: %w", filters, err)
	}
	defer stopWatch(w)
	for {
		select {
		case e, ok := <-w.Updates():
			if !ok {
				return errWatchEnded
			}
			if e == nil {
				return nil
			}
			if err := fn(e); err != nil {
				return err
			}
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// LoadGuild reads the guild record and all its roles, channels and members
// with one watch over g.<gid> and g.<gid>.>, stopped at its initial-values
// marker. Rev is the highest revision seen, delete markers included, so a
// WatchGuild from Rev misses nothing. A guild without its record is
// store.ErrNotFound.
func (s *KVStore) LoadGuild(ctx context.Context, id protocol.Snowflake) (*store.Snapshot, error) {
	gk := guildKey(id)
	snap := &store.Snapshot{}
	found := false
	err := scan(ctx, s.guilds, []string{gk, gk + ".>"}, func(e jetstream.KeyValueEntry) error {
		snap.Rev = max(snap.Rev, e.Revision())
		if e.Operation() != jetstream.KeyValuePut {
			return nil
		}
		kind, _, rid, ok := parseGuildKey(e.Key())
		if !ok {
			return nil
		}
		switch kind {
		case store.KindGuild:
			found = true
			return decode(e.Key(), e.Value(), &snap.Guild)
		case store.KindRole:
			snap.Roles = append(snap.Roles, guild.Role{})
			return decode(e.Key(), e.Value(), &snap.Roles[len(snap.Roles)-1])
		case store.KindChannel:
			snap.Channels = append(snap.Channels, guild.Channel{})
			return decode(e.Key(), e.Value(), &snap.Channels[len(snap.Channels)-1])
		case store.KindMember:
			if snap.Members == nil {
				// Delta is how many entries follow this one: size the
				// slice once instead of growing it through a million.
				snap.Members = make([]guild.Member, 0, e.Delta()+1)
			}
			snap.Members = append(snap.Members, guild.Member{})
			m := &snap.Members[len(snap.Members)-1]
			if err := decode(e.Key(), e.Value(), m); err != nil {
				return err
			}
			m.UserID, m.User = rid, nil
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, store.ErrNotFound
	}
	return snap, nil
}

// WatchGuild calls fn for every change to the guild's records with a
// revision above fromRev, in revision order, on one goroutine. With history
// 1 a key changed several times since fromRev is seen once, at its newest
// revision. Deletes and purges arrive as Deleted changes; a deleted
// KindGuild means the whole guild is gone (DeleteGuild purges the rest
// without per-record markers). ctx bounds only the setup: a watch outlives
// the request that started it, and stop alone ends it. After stop returns fn
// is not called again, though a call already running finishes; stop may be
// called from fn and more than once. A watch survives reconnects (its
// ordered consumer resumes after the last revision it delivered) and ends
// silently when the connection is closed.
func (s *KVStore) WatchGuild(ctx context.Context, id protocol.Snowflake, fromRev uint64, fn func(store.Change)) (func(), error) {
	gk := guildKey(id)
	sctx, detach := detachable(ctx)
	w, err := s.guilds.WatchFiltered(sctx, []string{gk, gk + ".>"}, jetstream.ResumeFromRevision(fromRev+1))
	if !detach() && err == nil {
		stopWatch(w)
		err = ctx.Err()
	}
	if err != nil {
		return nil, fmt.Errorf("cluster: watch %s: %w", gk, err)
	}
	var quit atomic.Bool
	var once sync.Once
	stop := func() {
		once.Do(func() {
			quit.Store(true)
			_ = w.Stop()
		})
	}
	go func() {
		// Drain to the end even after stop (see stopWatch).
		for e := range w.Updates() {
			if e == nil || quit.Load() {
				continue
			}
			kind, gid, rid, ok := parseGuildKey(e.Key())
			if !ok {
				continue
			}
			c := store.Change{Kind: kind, GuildID: gid, ID: rid, Rev: e.Revision()}
			if e.Operation() == jetstream.KeyValuePut {
				c.Value = e.Value()
			} else {
				c.Deleted = true
			}
			fn(c)
		}
	}()
	return stop, nil
}
