package hub

import "sync/atomic"

// LazyStats counts what the lazy member lists sent, summed over every
// guild of the node since it started. Bytes are counted per recipient.
type LazyStats struct {
	// Changes is member changes (joins, leaves, moves, refreshes) applied
	// to lists that had holders.
	Changes int64
	// Dispatches is GUILD_MEMBER_LIST_UPDATE dispatches sent.
	Dispatches int64
	// Bytes is their d's bytes; OpBytes the bytes of their ops arrays.
	Bytes, OpBytes int64
	// Ops is ops sent; Inserts, Deletes and Updates those of each kind.
	Ops, Inserts, Deletes, Updates int64
	// SubscribeSyncs is SYNCs answering op 14 (new chunks); Invalidates
	// INVALIDATEs for chunks no longer subscribed.
	SubscribeSyncs, Invalidates int64
	// SyncFallbacks is SYNCs sent where exact ops would have done: a chunk
	// cheaper to send whole, a batch too large to track, a resync.
	SyncFallbacks int64
	// Resyncs is batches whose group order changed (a hoisted role moved,
	// the guild crossed 1000 members): every holder got SYNCs.
	Resyncs int64
}

// lazyCounters is LazyStats kept with atomics: every actor adds to it.
type lazyCounters struct {
	changes, dispatches, bytes, opBytes       atomic.Int64
	ops, inserts, deletes, updates            atomic.Int64
	subscribeSyncs, invalidates, syncFallback atomic.Int64
	resyncs                                   atomic.Int64
}

// LazyStats returns the counters so far. Any goroutine.
func (h *Hub) LazyStats() LazyStats {
	c := &h.lazyStats
	return LazyStats{
		Changes: c.changes.Load(), Dispatches: c.dispatches.Load(), Bytes: c.bytes.Load(),
		OpBytes: c.opBytes.Load(), Ops: c.ops.Load(), Inserts: c.inserts.Load(),
		Deletes: c.deletes.Load(), Updates: c.updates.Load(),
		SubscribeSyncs: c.subscribeSyncs.Load(), Invalidates: c.invalidates.Load(),
		SyncFallbacks: c.syncFallback.Load(), Resyncs: c.resyncs.Load(),
	}
}

// count adds one dispatch of d (ops the bytes of its ops array) to the
// counters, once per recipient.
func (c *lazyCounters) count(d []byte, opBytes int, ops []lazyOp, fallbacks, recipients int) {
	r := int64(recipients)
	c.dispatches.Add(r)
	c.bytes.Add(r * int64(len(d)))
	c.opBytes.Add(r * int64(opBytes))
	c.ops.Add(r * int64(len(ops)))
	var ins, del, upd, inv, sync int64
	for _, op := range ops {
		switch op.kind {
		case opInsert:
			ins++
		case opDelete:
			del++
		case opUpdate:
			upd++
		case opInvalidate:
			inv++
		case opSync:
			sync++
		}
	}
	c.inserts.Add(r * ins)
	c.deletes.Add(r * del)
	c.updates.Add(r * upd)
	c.invalidates.Add(r * inv)
	c.syncFallback.Add(r * int64(fallbacks))
	c.subscribeSyncs.Add(r * (sync - int64(fallbacks)))
}
