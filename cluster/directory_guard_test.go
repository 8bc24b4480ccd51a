package cluster

import (
	"slices"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"gatehouse/core/protocol"
)

// entry is a watch entry as nats.go delivers it with MetaOnly: a key, an
// operation and a revision. It lets the revision rules be driven in an
// order a live server would only produce by chance.
type entry struct {
	key string
	rev uint64
	del bool
}

func (e entry) Bucket() string     { return "" }
func (e entry) Key() string        { return e.key }
func (e entry) Value() []byte      { return nil }
func (e entry) Revision() uint64   { return e.rev }
func (e entry) Created() time.Time { return time.Time{} }
func (e entry) Delta() uint64      { return 0 }
func (e entry) Operation() jetstream.KeyValueOp {
	if e.del {
		return jetstream.KeyValueDelete
	}
	return jetstream.KeyValuePut
}

// bareDirectory is a directory with no watches running, marked synced, fed
// by hand.
func bareDirectory() *directory {
	d := newDirectory(nil, nil, nil, time.Second, quietLogger())
	d.usersW.synced.Store(true)
	d.guildsW.synced.Store(true)
	return d
}

func (d *directory) feed(w *dirWatch, es ...jetstream.KeyValueEntry) {
	d.applyBatch(w, slices.Clone(es))
}

func wantGuilds(t *testing.T, d *directory, u protocol.Snowflake, want ...protocol.Snowflake) {
	t.Helper()
	got, ok := d.userGuilds(u)
	slices.Sort(got)
	if !ok || !slices.Equal(got, want) {
		t.Fatalf("guilds of %d = %v (synced %v); want %v", u, got, ok, want)
	}
}

func wantUser(t *testing.T, d *directory, u protocol.Snowflake, want bool) {
	t.Helper()
	if has, ok := d.userKnown(u); !ok || has != want {
		t.Fatalf("user %d has record %v (synced %v); want %v", u, has, ok, want)
	}
}

func wantNoPending(t *testing.T, d *directory) {
	t.Helper()
	if n := len(d.pendUser) + len(d.pendMember) + len(d.pendGuild); n != 0 {
		t.Fatalf("%d pending write-throughs after the watch passed them: %v %v %v", n, d.pendUser, d.pendMember, d.pendGuild)
	}
}

func TestDirectoryStaleWatchAfterWriteThrough(t *testing.T) {
	d := bareDirectory()
	// This node deletes user 1 at rev 20; the watch still has the put at
	// rev 15 to deliver, then the delete.
	d.feed(d.usersW, entry{key: "u.1", rev: 10})
	wantUser(t, d, 1, true)
	d.delUser(1, 20)
	wantUser(t, d, 1, false)
	d.feed(d.usersW, entry{key: "u.1", rev: 15})
	wantUser(t, d, 1, false)
	d.feed(d.usersW, entry{key: "u.1", rev: 20, del: true})
	wantUser(t, d, 1, false)
	// A write-through the watch has already passed changes nothing.
	d.putUser(1, 19)
	wantUser(t, d, 1, false)
	d.feed(d.usersW, entry{key: "u.1", rev: 21})
	wantUser(t, d, 1, true)

	// Members: leave at 40 through this node, stale join at 35 from the watch.
	d.putMembers(7, []memberRev{{user: 2, rev: 30}})
	wantGuilds(t, d, 2, 7)
	d.delMember(7, 2, 40)
	d.feed(d.guildsW, entry{key: "g.7.m.2", rev: 35})
	wantGuilds(t, d, 2)
	d.feed(d.guildsW, entry{key: "g.7.m.2", rev: 40, del: true})
	wantGuilds(t, d, 2)
	d.feed(d.guildsW, entry{key: "g.7.m.2", rev: 41})
	wantGuilds(t, d, 2, 7)
	wantNoPending(t, d)
}

func TestDirectoryGuildDeleteOrder(t *testing.T) {
	d := bareDirectory()
	d.feed(d.guildsW,
		entry{key: "g.5", rev: 1}, entry{key: "g.6", rev: 2},
		entry{key: "g.5.m.1", rev: 3}, entry{key: "g.5.m.2", rev: 4}, entry{key: "g.6.m.1", rev: 5},
		entry{key: "g.5.r.9", rev: 6}, // a role: not watched in production, ignored here
	)
	wantGuilds(t, d, 1, 5, 6)
	wantGuilds(t, d, 2, 5)
	// This node deletes guild 5 at rev 20; a member joined through this
	// node at rev 21 (acknowledged first) survives it, and a join at rev 10
	// the watch has not delivered yet is dropped when it comes.
	d.putMembers(5, []memberRev{{user: 3, rev: 21}})
	d.delGuild(5, 20)
	wantGuilds(t, d, 1, 6)
	wantGuilds(t, d, 2)
	wantGuilds(t, d, 3, 5)
	d.feed(d.guildsW, entry{key: "g.5.m.4", rev: 10})
	wantGuilds(t, d, 4)
	d.feed(d.guildsW, entry{key: "g.5", rev: 20, del: true}, entry{key: "g.5.m.3", rev: 21})
	wantGuilds(t, d, 3, 5)
	wantNoPending(t, d)
	// The watch's own guild delete removes every member, however many
	// guilds they are in.
	for g := protocol.Snowflake(100); g < 200; g++ {
		d.feed(d.guildsW, entry{key: "g." + g.String() + ".m.3", rev: 100 + uint64(g)})
	}
	d.feed(d.guildsW, entry{key: "g.5", rev: 400, del: true})
	got, _ := d.userGuilds(3)
	if len(got) != 100 || slices.Contains(got, 5) {
		t.Fatalf("guilds of 3 after the delete of 5: %d, contains 5: %v", len(got), slices.Contains(got, 5))
	}
	if d.rosters[5] != nil {
		t.Fatal("roster of a deleted guild kept")
	}
}

func TestDirectorySetsAndRosters(t *testing.T) {
	d := bareDirectory()
	rev := uint64(0)
	member := func(g, u protocol.Snowflake, in bool) {
		rev++
		d.feed(d.guildsW, entry{key: memberKey(g, u), rev: rev, del: !in})
	}
	// A user in 100 guilds (past gidSetIndexed), then out of all but one,
	// ends up inline again; ids that do not fit a cell work too.
	big := protocol.Snowflake(1 << 63)
	for g := protocol.Snowflake(1); g <= 100; g++ {
		member(g, 9, true)
	}
	member(big, 9, true)
	member(50, 9, true) // again: no duplicate
	got, _ := d.userGuilds(9)
	if len(got) != 101 {
		t.Fatalf("%d guilds, want 101", len(got))
	}
	for g := protocol.Snowflake(1); g <= 100; g++ {
		if g != 42 {
			member(g, 9, false)
		}
	}
	wantGuilds(t, d, 9, 42, big)
	member(42, 9, false)
	wantGuilds(t, d, 9, big)
	member(big, 9, false)
	wantGuilds(t, d, 9)
	if len(d.users) != 0 {
		t.Fatalf("empty user kept: %v", d.users)
	}
	// Churn in one guild: the roster stays near its live size.
	for round := range 20 {
		for u := protocol.Snowflake(1); u <= 100; u++ {
			member(1, u, round%2 == 0 || u%10 == 0)
		}
	}
	r := d.rosters[1]
	if r == nil || r.live != 10 || len(r.uids) > 2*r.live+rosterSlack {
		t.Fatalf("roster after churn: %+v", r)
	}
	// A record and a membership share one cell.
	d.feed(d.usersW, entry{key: "u.10", rev: 1})
	wantUser(t, d, 10, true)
	wantGuilds(t, d, 10, 1)
	d.feed(d.usersW, entry{key: "u.10", rev: 2, del: true})
	wantUser(t, d, 10, false)
	wantGuilds(t, d, 10, 1)
}

func TestDirectoryUnsyncedAnswersNothing(t *testing.T) {
	d := newDirectory(nil, nil, nil, time.Second, quietLogger())
	d.putUser(1, 1)
	if _, ok := d.userKnown(1); ok {
		t.Fatal("unsynced directory answered userKnown")
	}
	if _, ok := d.userGuilds(1); ok {
		t.Fatal("unsynced directory answered userGuilds")
	}
	var nilDir *directory
	nilDir.putUser(1, 1)
	nilDir.close()
	if _, ok := nilDir.userKnown(1); ok {
		t.Fatal("nil directory answered")
	}
}

// TestDirectoryChangesDuringGuildDelete: joins and leaves newer than a
// guild's delete, arriving while its members are still being removed (a
// chunk at a time), end up as if they came after it.
func TestDirectoryChangesDuringGuildDelete(t *testing.T) {
	d := bareDirectory()
	const n = 3*dropChunk + 17
	var es []jetstream.KeyValueEntry
	for u := 1; u <= n; u++ {
		es = append(es, entry{key: memberKey(5, protocol.Snowflake(u)), rev: uint64(u)})
	}
	d.feed(d.guildsW, es...)
	wantGuilds(t, d, n, 5)
	// The delete, its first chunk walked, then: an old member (walked)
	// rejoins, a new one joins and leaves, one joins to stay, an old member
	// leaves again.
	const del = n + 1
	d.mu.Lock()
	dr := d.dropGuild(5, del, true)
	if d.dropStep(dr) {
		t.Fatal("walk over after one chunk")
	}
	midWalk := func(u protocol.Snowflake, in bool) {
		if d.hasGuild(u, 5) != in {
			t.Fatalf("mid-walk: user %d in guild 5: %v", u, !in)
		}
	}
	midWalk(1, false)
	midWalk(n, true)
	d.applyGuilds(d.guildsW, []jetstream.KeyValueEntry{
		entry{key: "g.5.m.1", rev: del + 1},
		entry{key: "g.5.m.900000", rev: del + 2},
		entry{key: "g.5.m.900000", rev: del + 3, del: true},
		entry{key: "g.5.m.900001", rev: del + 4},
		entry{key: "g.5.m.2", rev: del + 5, del: true},
		entry{key: "g.5.m.3", rev: del - 1}, // older than the delete: dropped
	})
	d.advance(d.guildsW, del+5)
	d.mu.Unlock()
	// Written through after the delete, before the walk reaches it.
	d.putMembers(5, []memberRev{{user: n, rev: del + 6}})
	d.finishDrop(dr)
	for _, u := range []protocol.Snowflake{2, 3, 4, n - 1, 900000} {
		wantGuilds(t, d, u)
	}
	for _, u := range []protocol.Snowflake{1, 900001, n} {
		wantGuilds(t, d, u, 5)
	}
	r := d.rosters[5]
	if r == nil || r.live != 3 || len(d.drops) != 0 {
		t.Fatalf("roster after the delete %+v, drops %d", r, len(d.drops))
	}
	// The survivors form a proper roster: the next delete removes them.
	d.feed(d.guildsW, entry{key: "g.5", rev: del + 10, del: true})
	for _, u := range []protocol.Snowflake{1, 900001, n} {
		wantGuilds(t, d, u)
	}
	if len(d.users) != 0 || len(d.rosters) != 0 {
		t.Fatalf("left behind: %d users, %d rosters", len(d.users), len(d.rosters))
	}
}
