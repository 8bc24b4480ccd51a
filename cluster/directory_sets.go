package cluster

import (
	"slices"

	"gatehouse/core/protocol"
)

// cell is a user's entry in the directory's one map: whether the user has a
// record, and the user's guilds. One guild is stored inline, so a member of
// a single guild costs one map slot and no allocation, and the map holds no
// pointers for the garbage collector to scan. A user in more guilds has a
// gidSet, which the low bits index.
type cell uint64

const (
	cellRecord cell = 1 << 63 // the user has a record in gh_users
	cellSet    cell = 1 << 62 // the low bits index directory.sets
	cellLow         = cellSet - 1
)

// inlinable reports whether a guild id fits in a cell's low bits (0 means
// "no guild"). Real snowflakes stay below 2^62 until 2084; anything else
// goes to a gidSet.
func inlinable(g protocol.Snowflake) bool { return g != 0 && cell(g) <= cellLow }

// gidSetIndexed is the size past which a gidSet keeps a position map: a
// bot may be in 100,000 guilds, and a linear scan per join would be
// quadratic in its guild count.
const gidSetIndexed = 32

// gidSet is the guilds of a user in more than one, in no order.
type gidSet struct {
	ids []protocol.Snowflake
	at  map[protocol.Snowflake]int32 // index in ids; nil while small
}

func (s *gidSet) find(g protocol.Snowflake) int {
	if s.at != nil {
		if i, ok := s.at[g]; ok {
			return int(i)
		}
		return -1
	}
	return slices.Index(s.ids, g)
}

func (s *gidSet) add(g protocol.Snowflake) bool {
	if s.find(g) >= 0 {
		return false
	}
	s.ids = append(s.ids, g)
	switch {
	case s.at != nil:
		s.at[g] = int32(len(s.ids) - 1)
	case len(s.ids) > gidSetIndexed:
		s.at = make(map[protocol.Snowflake]int32, len(s.ids))
		for i, id := range s.ids {
			s.at[id] = int32(i)
		}
	}
	return true
}

func (s *gidSet) remove(g protocol.Snowflake) bool {
	i := s.find(g)
	if i < 0 {
		return false
	}
	last := len(s.ids) - 1
	s.ids[i] = s.ids[last]
	s.ids = s.ids[:last]
	if s.at != nil {
		delete(s.at, g)
		if i < last {
			s.at[s.ids[i]] = int32(i)
		}
		if len(s.ids) < gidSetIndexed/2 {
			s.at = nil
		}
	}
	return true
}

// roster is a guild's members as the directory knows them, for removing a
// deleted guild from every member (DeleteGuild purges member records
// without per-member markers). A member who leaves stays in uids, and one
// who rejoins is appended again, so removal costs nothing; compact drops
// both once they are half the list. live counts the real members.
type roster struct {
	uids []protocol.Snowflake
	live int
}

// rosterSlack is how many stale entries a small roster may carry before
// it is compacted.
const rosterSlack = 32

// The methods below run with directory.mu held for writing.

// putCell stores a user's cell, deleting the entry when nothing is left.
func (d *directory) putCell(u protocol.Snowflake, c cell) {
	if c == 0 {
		delete(d.users, u)
		return
	}
	d.users[u] = c
}

func (d *directory) newSet(ids ...protocol.Snowflake) cell {
	s := gidSet{ids: slices.Clone(ids)}
	if n := len(d.free); n > 0 {
		i := d.free[n-1]
		d.free = d.free[:n-1]
		d.sets[i] = s
		return cell(i)
	}
	d.sets = append(d.sets, s)
	return cell(len(d.sets) - 1)
}

func (d *directory) freeSet(i cell) {
	d.sets[i] = gidSet{}
	d.free = append(d.free, uint32(i))
}

// hasGuild reports whether u is a member of g.
func (d *directory) hasGuild(u, g protocol.Snowflake) bool {
	c := d.users[u]
	if c&cellSet != 0 {
		return d.sets[c&cellLow].find(g) >= 0
	}
	return c&cellLow != 0 && protocol.Snowflake(c&cellLow) == g
}

// addGuild records u as a member of g; false if it already was.
func (d *directory) addGuild(u, g protocol.Snowflake) bool {
	c := d.users[u]
	switch {
	case c&cellSet != 0:
		return d.sets[c&cellLow].add(g)
	case c&cellLow == 0 && inlinable(g):
		c |= cell(g)
	case c&cellLow == 0:
		c |= cellSet | d.newSet(g)
	case protocol.Snowflake(c&cellLow) == g:
		return false
	default:
		c = c&cellRecord | cellSet | d.newSet(protocol.Snowflake(c&cellLow), g)
	}
	d.users[u] = c
	return true
}

// removeGuild drops g from u's guilds; false if u was not a member.
func (d *directory) removeGuild(u, g protocol.Snowflake) bool {
	c, ok := d.users[u]
	if !ok {
		return false
	}
	if c&cellSet == 0 {
		if c&cellLow == 0 || protocol.Snowflake(c&cellLow) != g {
			return false
		}
		d.putCell(u, c&cellRecord)
		return true
	}
	i := c & cellLow
	s := &d.sets[i]
	if !s.remove(g) {
		return false
	}
	switch {
	case len(s.ids) == 1 && inlinable(s.ids[0]):
		c = c&cellRecord | cell(s.ids[0])
		d.freeSet(i)
	case len(s.ids) == 0:
		c &= cellRecord
		d.freeSet(i)
	}
	d.putCell(u, c)
	return true
}

// appendGuilds appends u's guilds to dst.
func (d *directory) appendGuilds(dst []protocol.Snowflake, u protocol.Snowflake) []protocol.Snowflake {
	c := d.users[u]
	if c&cellSet != 0 {
		return append(dst, d.sets[c&cellLow].ids...)
	}
	if c&cellLow != 0 {
		dst = append(dst, protocol.Snowflake(c&cellLow))
	}
	return dst
}

// join makes u a member of g in both indexes.
func (d *directory) join(g, u protocol.Snowflake) {
	if d.addGuild(u, g) {
		d.rosterAdd(g, u)
	}
}

// rosterAdd counts u as a live member in g's roster.
func (d *directory) rosterAdd(g, u protocol.Snowflake) {
	r := d.rosters[g]
	if r == nil {
		r = &roster{}
		d.rosters[g] = r
	}
	r.uids = append(r.uids, u)
	r.live++
}

// leave removes u from g in both indexes.
func (d *directory) leave(g, u protocol.Snowflake) {
	if !d.removeGuild(u, g) {
		return
	}
	r := d.rosters[g]
	if r == nil {
		return
	}
	r.live--
	switch {
	case r.live <= 0:
		delete(d.rosters, g)
	case len(r.uids) >= 2*r.live+rosterSlack:
		d.compact(g, r)
	}
}

// compact rewrites a roster to its live members, each once. Sorting makes
// duplicates adjacent without a set; it runs after at least half the list
// has gone stale, so its cost is amortised over those removals.
func (d *directory) compact(g protocol.Snowflake, r *roster) {
	slices.Sort(r.uids)
	uids := slices.Compact(r.uids)
	uids = slices.DeleteFunc(uids, func(u protocol.Snowflake) bool { return !d.hasGuild(u, g) })
	r.uids = slices.Clone(uids) // release the old, larger array
	r.live = len(r.uids)
}
