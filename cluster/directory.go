package cluster

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"gatehouse/core/protocol"
)

// directory answers, from memory, the two questions every Identify asks the
// store: does this user have a record, and which guilds is the user in
// (docs/state.md, "Directory"). Two long-lived metadata-only watches keep it
// current — all of gh_users, and the guild and member keys of gh_guilds —
// and this node's own writes are applied as soon as they are acknowledged
// (write-through), so a client identifying here right after an ingest
// write sees it.
//
// Revision rule: a change applies only when it is newer than what the
// directory holds for its key. What the watch applied is as new as the
// watch's position (pos); a write-through newer than pos is remembered,
// with its revision, in the pending maps until the watch has passed it,
// and a guild deleted by write-through likewise. That keeps revisions only
// for the few keys where the two sources can disagree, not for every key.
//
// Concurrency: mu guards every map and position; the read methods take it
// for reading and may be called from any goroutine. Each watch runs on a
// goroutine of its own and applies its entries in batches under mu.
type directory struct {
	mu      sync.RWMutex
	users   map[protocol.Snowflake]cell
	sets    []gidSet // guild sets of users in more than one guild
	free    []uint32 // unused indexes in sets
	rosters map[protocol.Snowflake]*roster
	drops   map[protocol.Snowflake]*drop // guild deletes being walked

	userPos, guildPos uint64 // highest revision each watch has applied

	pendUser   map[protocol.Snowflake]uint64 // user → revision of a write-through
	pendMember map[memberRef]uint64          // membership → revision of a write-through
	pendGuild  map[protocol.Snowflake]uint64 // guild → revision of a write-through delete
	userQ      fifo                          // pendUser entries, to forget once the watch passes them
	guildQ     fifo                          // pendMember and pendGuild entries, likewise

	usersW, guildsW *dirWatch
	nc              *nats.Conn
	timeout         time.Duration
	log             *slog.Logger
	ready           chan struct{} // closed when both watches first have their initial values
	readyOnce       sync.Once
	ctx             context.Context // cancelled by close: ends a watch's setup
	cancel          context.CancelFunc
	wg              sync.WaitGroup
	closeOnce       sync.Once
}

// memberRef names one membership.
type memberRef struct{ guild, user protocol.Snowflake }

// newDirectory makes an empty directory over the two buckets; start runs
// its watches.
func newDirectory(users, guilds jetstream.KeyValue, nc *nats.Conn, timeout time.Duration, log *slog.Logger) *directory {
	d := &directory{
		users:      make(map[protocol.Snowflake]cell),
		rosters:    make(map[protocol.Snowflake]*roster),
		drops:      make(map[protocol.Snowflake]*drop),
		pendUser:   make(map[protocol.Snowflake]uint64),
		pendMember: make(map[memberRef]uint64),
		pendGuild:  make(map[protocol.Snowflake]uint64),
		nc:         nc,
		timeout:    timeout,
		log:        log,
		ready:      make(chan struct{}),
	}
	d.ctx, d.cancel = context.WithCancel(context.Background())
	d.usersW = &dirWatch{name: bucketUsers, kv: users, filters: []string{"u.*"}, apply: d.applyUsers}
	d.guildsW = &dirWatch{name: bucketGuilds, kv: guilds, filters: []string{"g.*", "g.*.m.*"}, apply: d.applyGuilds}
	return d
}

// userKnown reports whether u has a record; ok is false while the users
// watch is loading or catching up, and the caller must ask NATS.
func (d *directory) userKnown(u protocol.Snowflake) (has, ok bool) {
	if d == nil || !d.usersW.synced.Load() {
		return false, false
	}
	d.mu.RLock()
	defer d.mu.RUnlock()
	return d.users[u]&cellRecord != 0, true
}

// userGuilds lists u's guilds in a new slice (nil for none); ok as for
// userKnown.
func (d *directory) userGuilds(u protocol.Snowflake) (gs []protocol.Snowflake, ok bool) {
	if d == nil || !d.guildsW.synced.Load() {
		return nil, false
	}
	d.mu.RLock()
	defer d.mu.RUnlock()
	return d.appendGuilds(nil, u), true
}

// synced reports whether both watches hold their initial values and are
// not catching up after a reconnect.
func (d *directory) synced() bool {
	return d != nil && d.usersW.synced.Load() && d.guildsW.synced.Load()
}

// Write-through: called by KVStore after a write is acknowledged. Each is
// a no-op on a nil directory.

func (d *directory) putUser(u protocol.Snowflake, rev uint64) { d.writeUser(u, true, rev) }
func (d *directory) delUser(u protocol.Snowflake, rev uint64) { d.writeUser(u, false, rev) }

func (d *directory) writeUser(u protocol.Snowflake, has bool, rev uint64) {
	if d == nil {
		return
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.setUser(u, has, rev, false)
}

// memberRev is one member written by PutMembers, with its revision.
type memberRev struct {
	user protocol.Snowflake
	rev  uint64
}

func (d *directory) putMembers(g protocol.Snowflake, ms []memberRev) {
	if d == nil || len(ms) == 0 {
		return
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, m := range ms {
		d.setMember(g, m.user, true, m.rev, false)
	}
}

func (d *directory) delMember(g, u protocol.Snowflake, rev uint64) {
	if d == nil {
		return
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.setMember(g, u, false, rev, false)
}

func (d *directory) delGuild(g protocol.Snowflake, rev uint64) {
	if d == nil {
		return
	}
	d.mu.Lock()
	dr := d.dropGuild(g, rev, false)
	d.mu.Unlock()
	d.finishDrop(dr)
}

// The methods below run with mu held for writing. watch says whether the
// change comes from the watch (in revision order, always past pos) or from
// a write-through (any order, possibly behind the watch).

// setUser applies a user record's put (has) or delete.
func (d *directory) setUser(u protocol.Snowflake, has bool, rev uint64, watch bool) {
	if p, ok := d.pendUser[u]; ok && rev <= p {
		return
	}
	if !watch {
		if rev <= d.userPos {
			return // the watch has applied this write or a newer one
		}
		d.pendUser[u] = rev
		d.userQ.push(pendRef{kind: pendKindUser, ref: memberRef{user: u}, rev: rev})
	}
	c := d.users[u]
	if has {
		c |= cellRecord
	} else {
		c &^= cellRecord
	}
	d.putCell(u, c)
}

// setMember applies a member record's put (in) or delete.
func (d *directory) setMember(g, u protocol.Snowflake, in bool, rev uint64, watch bool) {
	if p, ok := d.pendGuild[g]; ok && rev <= p {
		return // the guild was deleted after this write
	}
	dr := d.drops[g]
	if dr != nil && rev <= dr.rev {
		return
	}
	k := memberRef{g, u}
	if p, ok := d.pendMember[k]; ok && rev <= p {
		return
	}
	if !watch {
		if rev <= d.guildPos {
			return
		}
		d.pendMember[k] = rev
		d.guildQ.push(pendRef{kind: pendKindMember, ref: k, rev: rev})
	}
	switch {
	case dr != nil && in:
		d.joinDuring(dr, g, u)
	case dr != nil:
		d.leaveDuring(dr, g, u)
	case in:
		d.join(g, u)
	default:
		d.leave(g, u)
	}
}

// advance records that a watch has applied everything up to pos and
// forgets the write-throughs it has passed: from now on every change it
// delivers is newer than them.
func (d *directory) advance(w *dirWatch, pos uint64) {
	if w == d.usersW {
		d.userPos = max(d.userPos, pos)
		d.userQ.popThrough(d.userPos, d.forget)
		return
	}
	d.guildPos = max(d.guildPos, pos)
	d.guildQ.popThrough(d.guildPos, d.forget)
}

// forget drops a pending entry unless a newer write replaced it.
func (d *directory) forget(p pendRef) {
	var m map[protocol.Snowflake]uint64
	var k protocol.Snowflake
	switch p.kind {
	case pendKindMember:
		if d.pendMember[p.ref] == p.rev {
			delete(d.pendMember, p.ref)
		}
		return
	case pendKindUser:
		m, k = d.pendUser, p.ref.user
	case pendKindGuild:
		m, k = d.pendGuild, p.ref.guild
	}
	if m[k] == p.rev {
		delete(m, k)
	}
}

// pendRef is a write-through in a fifo.
type pendRef struct {
	ref  memberRef
	rev  uint64
	kind uint8
}

const (
	pendKindUser uint8 = iota
	pendKindMember
	pendKindGuild
)

// fifo is a queue of pendRefs in roughly increasing revision order
// (concurrent writers may apply theirs slightly out of order, which only
// delays forgetting the later one).
type fifo struct {
	q    []pendRef
	head int
}

func (f *fifo) push(p pendRef) { f.q = append(f.q, p) }

// popThrough calls fn for each entry at the front with rev ≤ pos, and
// removes it.
func (f *fifo) popThrough(pos uint64, fn func(pendRef)) {
	for f.head < len(f.q) && f.q[f.head].rev <= pos {
		fn(f.q[f.head])
		f.head++
	}
	switch {
	case f.head == len(f.q):
		f.q, f.head = f.q[:0], 0
		if cap(f.q) > 4096 {
			f.q = nil // a bulk load's queue is not kept for ever
		}
	case f.head > 1024 && f.head > len(f.q)/2:
		f.q = append(f.q[:0], f.q[f.head:]...)
		f.head = 0
	}
}
