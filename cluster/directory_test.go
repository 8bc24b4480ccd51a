package cluster

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"
	"time"

	"gatehouse/core/guild"
	"gatehouse/core/protocol"
	"gatehouse/core/store"
)

// dirModel is what the buckets should say after a sequence of writes.
type dirModel struct {
	users   map[protocol.Snowflake]bool
	guilds  map[protocol.Snowflake]bool
	members map[protocol.Snowflake]map[protocol.Snowflake]bool // user → guilds
}

func newDirModel() *dirModel {
	return &dirModel{users: map[protocol.Snowflake]bool{}, guilds: map[protocol.Snowflake]bool{},
		members: map[protocol.Snowflake]map[protocol.Snowflake]bool{}}
}

func (m *dirModel) join(g, u protocol.Snowflake) {
	if m.members[u] == nil {
		m.members[u] = map[protocol.Snowflake]bool{}
	}
	m.members[u][g] = true
}

func (m *dirModel) guildsOf(u protocol.Snowflake) []protocol.Snowflake {
	var gs []protocol.Snowflake
	for g := range m.members[u] {
		gs = append(gs, g)
	}
	slices.Sort(gs)
	return gs
}

// diff compares a directory with the model over user ids 1..nUsers; "" if
// they agree.
func (m *dirModel) diff(d *directory, nUsers int) string {
	all := make([]protocol.Snowflake, nUsers)
	for i := range all {
		all[i] = protocol.Snowflake(i + 1)
	}
	return m.diffUsers(d, all...)
}

// diffUsers compares the given users only.
func (m *dirModel) diffUsers(d *directory, users ...protocol.Snowflake) string {
	for _, u := range users {
		has, ok := d.userKnown(u)
		if !ok {
			return "users watch not synced"
		}
		if has != m.users[u] {
			return fmt.Sprintf("user %d: record %v, want %v", u, has, m.users[u])
		}
		gs, ok := d.userGuilds(u)
		if !ok {
			return "guilds watch not synced"
		}
		slices.Sort(gs)
		if want := m.guildsOf(u); !slices.Equal(gs, want) {
			return fmt.Sprintf("user %d: guilds %v, want %v", u, gs, want)
		}
	}
	return ""
}

// randomWrites makes n random writes through st (users, members in bulk
// and one by one, member and guild deletes) and mirrors them in the model.
// Every store error other than ErrNotFound fails the test; ErrNotFound must
// match the model. after is called after each write with the users it
// touched (all of them for a guild delete).
func randomWrites(t *testing.T, st store.Store, m *dirModel, rng *rand.Rand, n, nUsers, nGuilds int, after func(...protocol.Snowflake)) {
	t.Helper()
	ctx := ctxT(t)
	user := func() protocol.Snowflake { return protocol.Snowflake(1 + rng.IntN(nUsers)) }
	gid := func() protocol.Snowflake { return protocol.Snowflake(1000 + rng.IntN(nGuilds)) }
	check := func(err error, exists bool, what string) {
		t.Helper()
		if exists && err != nil || !exists && !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("%s: %v (exists in model: %v)", what, err, exists)
		}
	}
	all := make([]protocol.Snowflake, nUsers)
	for i := range all {
		all[i] = protocol.Snowflake(i + 1)
	}
	for range n {
		var touched []protocol.Snowflake
		switch op := rng.IntN(20); {
		case op < 4:
			u := user()
			if _, err := st.PutUser(ctx, &guild.User{ID: u, Username: "u" + u.String()}); err != nil {
				t.Fatal(err)
			}
			m.users[u] = true
			touched = append(touched, u)
		case op < 6:
			u := user()
			touched = append(touched, u)
			_, err := st.DeleteUser(ctx, u)
			check(err, m.users[u], "DeleteUser")
			delete(m.users, u)
		case op < 8:
			g := gid()
			if _, err := st.PutGuild(ctx, testGuild(g)); err != nil {
				t.Fatal(err)
			}
			m.guilds[g] = true
		case op < 12:
			g, u := gid(), user()
			if _, err := st.PutMember(ctx, g, testMember(u)); err != nil {
				t.Fatal(err)
			}
			m.join(g, u)
			touched = append(touched, u)
		case op < 14:
			g := gid()
			var ms []*guild.Member
			for range 1 + rng.IntN(8) {
				u := user()
				ms = append(ms, testMember(u))
				m.join(g, u)
				touched = append(touched, u)
			}
			if _, err := st.PutMembers(ctx, g, ms); err != nil {
				t.Fatal(err)
			}
		case op < 18:
			g, u := gid(), user()
			touched = append(touched, u)
			_, err := st.DeleteMember(ctx, g, u)
			check(err, m.members[u][g], "DeleteMember")
			delete(m.members[u], g)
		default:
			g := gid()
			_, err := st.DeleteGuild(ctx, g)
			check(err, m.guilds[g], "DeleteGuild")
			if m.guilds[g] {
				delete(m.guilds, g)
				for _, gs := range m.members {
					delete(gs, g)
				}
			}
			touched = all
		}
		after(touched...)
	}
}

// TestDirectoryMatchesStore checks the directory against a model of the
// buckets after random writes: on the engine that wrote them (write-through:
// at once, no waiting) and on a second engine on the same server (its
// watches: within a poll), and checks that the store's NATS answers agree.
func TestDirectoryMatchesStore(t *testing.T) {
	srv := runJSServer(t)
	a := connectEngine(t, srv)
	b := connectEngine(t, srv)
	rng := rand.New(rand.NewPCG(3, 4))
	m := newDirModel()
	const nUsers, nGuilds = 40, 6
	for round := range 6 {
		// The writer's directory has each write the moment it returns.
		randomWrites(t, a.Store(), m, rng, 150, nUsers, nGuilds, func(us ...protocol.Snowflake) {
			if d := m.diffUsers(a.store.dir, us...); d != "" {
				t.Fatalf("round %d, writer's directory right after a write: %s", round, d)
			}
		})
		if d := m.diff(a.store.dir, nUsers); d != "" {
			t.Fatalf("round %d, writer's directory: %s", round, d)
		}
		checkFor(t, 10*time.Second, 20*time.Millisecond, func() error {
			if d := m.diff(b.store.dir, nUsers); d != "" {
				return fmt.Errorf("round %d, watcher's directory: %s", round, d)
			}
			return nil
		})
	}
	// The NATS answers (a store with no directory) agree with the model.
	plain, err := NewKVStore(ctxT(t), a.JetStream(), 1)
	if err != nil {
		t.Fatal(err)
	}
	ctx := ctxT(t)
	for u := protocol.Snowflake(1); u <= nUsers; u++ {
		_, err := plain.GetUser(ctx, u)
		if m.users[u] != (err == nil) {
			t.Fatalf("NATS GetUser(%d): %v, model %v", u, err, m.users[u])
		}
		gs, err := plain.UserGuilds(ctx, u)
		slices.Sort(gs)
		if err != nil || !slices.Equal(gs, m.guildsOf(u)) {
			t.Fatalf("NATS UserGuilds(%d) = %v, %v; model %v", u, gs, err, m.guildsOf(u))
		}
	}
	// A third engine loads everything at start (initial values).
	c := connectEngine(t, srv)
	if d := m.diff(c.store.dir, nUsers); d != "" {
		t.Fatalf("new engine's directory: %s", d)
	}
	// The writer forgets its write-throughs once its watches pass them.
	checkFor(t, 10*time.Second, 20*time.Millisecond, func() error {
		d := a.store.dir
		d.mu.RLock()
		defer d.mu.RUnlock()
		if n := len(d.pendUser) + len(d.pendMember) + len(d.pendGuild); n > 0 {
			return fmt.Errorf("%d write-throughs still pending after the watch caught up", n)
		}
		return nil
	})
}

// TestDirectoryGuildDelete: a deleted guild leaves every member's list at
// once on the deleting node and through the watch on another, whatever the
// guild's size; the members' other guilds stay.
func TestDirectoryGuildDelete(t *testing.T) {
	srv := runJSServer(t)
	a := connectEngine(t, srv)
	b := connectEngine(t, srv)
	st := a.Store()
	ctx := ctxT(t)
	const gid, other = 500, 501
	for _, g := range []protocol.Snowflake{gid, other} {
		if _, err := st.PutGuild(ctx, testGuild(g)); err != nil {
			t.Fatal(err)
		}
	}
	putInBatches(t, st, gid, makeMembers(3000))
	if _, err := st.PutMember(ctx, other, testMember(7)); err != nil {
		t.Fatal(err)
	}
	both := func(fn func(d *directory) error) {
		t.Helper()
		if err := fn(a.store.dir); err != nil {
			t.Fatalf("writer: %v", err)
		}
		checkFor(t, 10*time.Second, 20*time.Millisecond, func() error { return fn(b.store.dir) })
	}
	both(func(d *directory) error {
		for u := protocol.Snowflake(1); u <= 3000; u++ {
			want := []protocol.Snowflake{gid}
			if u == 7 {
				want = []protocol.Snowflake{gid, other}
			}
			gs, _ := d.userGuilds(u)
			slices.Sort(gs)
			if !slices.Equal(gs, want) {
				return fmt.Errorf("user %d in %v, want %v", u, gs, want)
			}
		}
		return nil
	})
	if _, err := st.DeleteGuild(ctx, gid); err != nil {
		t.Fatal(err)
	}
	both(func(d *directory) error {
		for u := protocol.Snowflake(1); u <= 3000; u++ {
			gs, _ := d.userGuilds(u)
			if (u == 7) != slices.Equal(gs, []protocol.Snowflake{other}) || u != 7 && len(gs) != 0 {
				return fmt.Errorf("after delete, user %d in %v", u, gs)
			}
		}
		d.mu.RLock()
		defer d.mu.RUnlock()
		if d.rosters[gid] != nil || d.drops[gid] != nil {
			return errors.New("roster or drop of the deleted guild kept")
		}
		return nil
	})
	// The same id again is a new guild.
	if _, err := st.PutGuild(ctx, testGuild(gid)); err != nil {
		t.Fatal(err)
	}
	if _, err := st.PutMember(ctx, gid, testMember(9)); err != nil {
		t.Fatal(err)
	}
	both(func(d *directory) error {
		if gs, _ := d.userGuilds(9); !slices.Equal(gs, []protocol.Snowflake{gid}) {
			return fmt.Errorf("rejoined member in %v", gs)
		}
		return nil
	})
}

// TestDirectoryGoroutines: the directory's watches end with Close, and an
// engine's Close takes everything it started with it.
func TestDirectoryGoroutines(t *testing.T) {
	srv := runJSServer(t)
	base, _ := clientGoroutines()
	e := connectEngine(t, srv)
	warmAsync(t, e.Store())
	withEngine, _ := clientGoroutines()
	d := newDirectory(e.store.users, e.store.guilds, e.Conn(), time.Second, quietLogger())
	d.start()
	if !d.waitSynced(10 * time.Second) {
		t.Fatal("second directory did not sync")
	}
	if has, ok := d.userKnown(1); !ok || has {
		t.Fatalf("userKnown(1) = %v, %v", has, ok)
	}
	d.close()
	d.close()
	goroutinesBack(t, withEngine)
	e.Close()
	goroutinesBack(t, base)
}

// BenchmarkDirectoryWatchLatency measures how long another node's write
// takes to reach this node's directory: a PutUser on one engine, then a
// spin until a second engine's directory has it. ns/op includes the
// write's round trip; ns-after-ack is the time from the ack on.
func BenchmarkDirectoryWatchLatency(b *testing.B) {
	srv := runJSServer(b)
	a, w := connectEngine(b, srv), connectEngine(b, srv)
	ctx := ctxT(b)
	u := protocol.Snowflake(1 << 41)
	var afterAck time.Duration
	for b.Loop() {
		u++
		if _, err := a.Store().PutUser(ctx, &guild.User{ID: u, Username: "x"}); err != nil {
			b.Fatal(err)
		}
		acked := time.Now()
		for {
			if has, ok := w.store.dir.userKnown(u); ok && has {
				break
			}
			runtime.Gosched()
		}
		afterAck += time.Since(acked)
	}
	b.ReportMetric(float64(afterAck.Nanoseconds())/float64(b.N), "ns-after-ack/op")
}
