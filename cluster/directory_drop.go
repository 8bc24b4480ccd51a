package cluster

import (
	"gatehouse/core/protocol"
)

// dropChunk is how many members a guild delete removes per hold of the
// directory's lock. Removing one costs ~70 ns while the map fits in cache
// and ~1 µs when a million-entry map does not (BenchmarkDirectoryGuildDelete,
// loaded 2-core VM), so a hold stays within a few milliseconds and
// identifies are not stalled for the whole walk (~1 s at 1,000,000).
const dropChunk = 4096

// drop is a guild delete being applied: the members it had (uids, walked
// from next) leave it a chunk at a time. Joins and leaves of the guild that
// are newer than the delete may arrive meanwhile; the members they add are
// in the guild's new roster and in rejoined, which the walk skips.
type drop struct {
	guild    protocol.Snowflake
	rev      uint64
	uids     []protocol.Snowflake
	next     int
	rejoined map[protocol.Snowflake]struct{}
}

// dropGuild applies a guild's delete marker: every membership older than
// it goes. Memberships newer than it (a member written through with a
// higher revision, or a join after the delete) stay. It only registers the
// drop; the caller runs finishDrop after releasing mu. Lock held.
//
// When this delete (or a newer one) is already applied, it returns the
// drop still being walked for g, if any, so the caller helps finish it:
// a write-through delete whose watch entry got there first must still
// return with the members gone, not while the watch goroutine walks.
func (d *directory) dropGuild(g protocol.Snowflake, rev uint64, watch bool) *drop {
	if p, ok := d.pendGuild[g]; ok && rev <= p {
		return d.drops[g]
	}
	if !watch {
		if rev <= d.guildPos {
			return d.drops[g]
		}
		d.pendGuild[g] = rev
		d.guildQ.push(pendRef{kind: pendKindGuild, ref: memberRef{guild: g}, rev: rev})
	}
	dr := d.drops[g]
	if dr != nil && rev <= dr.rev {
		return dr
	}
	r := d.rosters[g]
	if dr == nil && r == nil {
		return nil
	}
	delete(d.rosters, g)
	if dr == nil {
		dr = &drop{guild: g, rejoined: make(map[protocol.Snowflake]struct{})}
		d.drops[g] = dr
	} else {
		// A second delete while the first is walking: the members joined
		// since the first are now older than a delete too.
		dr.uids, dr.next = dr.uids[dr.next:], 0
		clear(dr.rejoined)
	}
	dr.rev = rev
	if r != nil {
		dr.uids = append(dr.uids, r.uids...)
	}
	return dr
}

// finishDrop walks a drop to its end, a chunk per lock hold. Several
// goroutines may walk the same drop; each chunk is taken under mu.
func (d *directory) finishDrop(dr *drop) {
	if dr == nil {
		return
	}
	for done := false; !done; {
		d.mu.Lock()
		done = d.dropStep(dr)
		d.mu.Unlock()
	}
}

// dropStep removes the next chunk of members; true when the drop is over.
// Lock held.
func (d *directory) dropStep(dr *drop) bool {
	g := dr.guild
	end := min(dr.next+dropChunk, len(dr.uids))
	for _, u := range dr.uids[dr.next:end] {
		if _, ok := dr.rejoined[u]; ok {
			continue
		}
		if p, ok := d.pendMember[memberRef{g, u}]; ok && p > dr.rev {
			// Written through after the delete, before the walk got here.
			if d.hasGuild(u, g) {
				d.rosterAdd(g, u)
				dr.rejoined[u] = struct{}{}
			}
			continue
		}
		d.removeGuild(u, g)
	}
	dr.next = end
	if end < len(dr.uids) {
		return false
	}
	if d.drops[g] == dr {
		delete(d.drops, g)
	}
	return true
}

// joinDuring and leaveDuring apply a membership change newer than a drop
// in progress for its guild. Lock held.
func (d *directory) joinDuring(dr *drop, g, u protocol.Snowflake) {
	if _, ok := dr.rejoined[u]; ok {
		return
	}
	d.addGuild(u, g) // may be there already, from before the delete
	d.rosterAdd(g, u)
	dr.rejoined[u] = struct{}{}
}

func (d *directory) leaveDuring(dr *drop, g, u protocol.Snowflake) {
	if _, ok := dr.rejoined[u]; ok {
		delete(dr.rejoined, u)
		d.leave(g, u)
		return
	}
	d.removeGuild(u, g) // a membership from before the delete: in no roster now
}
