package cluster

import (
	"encoding/json"
	"fmt"
	"reflect"
	"testing"
	"time"

	"gatehouse/core/guild"
	"gatehouse/core/protocol"
	"gatehouse/core/store"
)

// collector gathers a watch's changes on a buffered channel.
type collector chan store.Change

func (c collector) fn(ch store.Change) { c <- ch }

// next waits for the next change (a missing change fails, not a slow one:
// the bound is generous).
func (c collector) next(t *testing.T) store.Change {
	t.Helper()
	select {
	case ch := <-c:
		return ch
	case <-time.After(10 * time.Second):
		t.Fatal("no change arrived")
		return store.Change{}
	}
}

// quiet checks nothing more arrives after a write that the watch filter
// excludes has been made and a later included write has been seen.
func (c collector) empty(t *testing.T) {
	t.Helper()
	select {
	case ch := <-c:
		t.Fatalf("unexpected change %+v", ch)
	default:
	}
}

func TestWatchGuildOrderFromRevision(t *testing.T) {
	st := connectEngine(t, runJSServer(t)).Store()
	ctx := ctxT(t)
	const gid = 300
	r0, err := st.PutGuild(ctx, testGuild(gid))
	if err != nil {
		t.Fatal(err)
	}
	warmAsync(t, st)
	base, _ := clientGoroutines()
	c := make(collector, 100)
	stop, err := st.WatchGuild(ctx, gid, r0, c.fn)
	if err != nil {
		t.Fatal(err)
	}
	type step struct {
		kind    store.Kind
		id      protocol.Snowflake
		deleted bool
		rev     uint64
	}
	var want []step
	do := func(kind store.Kind, id protocol.Snowflake, deleted bool) func(uint64, error) {
		return func(rev uint64, err error) {
			t.Helper()
			if err != nil {
				t.Fatal(err)
			}
			want = append(want, step{kind, id, deleted, rev})
		}
	}
	do(store.KindRole, 1, false)(st.PutRole(ctx, gid, testRole(1)))
	do(store.KindMember, 2, false)(st.PutMember(ctx, gid, testMember(2, 1)))
	// A neighbour guild whose id shares a prefix must not leak in.
	if _, err := st.PutGuild(ctx, testGuild(3000)); err != nil {
		t.Fatal(err)
	}
	do(store.KindChannel, 3, false)(st.PutChannel(ctx, testChannel(gid, 3)))
	do(store.KindMember, 2, true)(st.DeleteMember(ctx, gid, 2))
	do(store.KindRole, 1, true)(st.DeleteRole(ctx, gid, 1))
	g := testGuild(gid)
	g.Name = "renamed"
	do(store.KindGuild, gid, false)(st.PutGuild(ctx, g))
	for i, w := range want {
		got := c.next(t)
		if got.Kind != w.kind || got.ID != w.id || got.GuildID != gid || got.Deleted != w.deleted || got.Rev != w.rev {
			t.Fatalf("change %d = %+v, want %+v", i, got, w)
		}
		if w.deleted != (got.Value == nil) {
			t.Fatalf("change %d: deleted %v with value %q", i, w.deleted, got.Value)
		}
	}
	c.empty(t)
	// The member's JSON is the record as written, without its user.
	var m guild.Member
	if _, err := st.PutMember(ctx, gid, testMember(9)); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(c.next(t).Value, &m); err != nil || *m.Nick != "nick-9" || m.User != nil {
		t.Fatalf("member value: %+v, %v", m, err)
	}

	// A second watch from a middle revision sees only what followed it,
	// each key once at its newest revision (history 1).
	c2 := make(collector, 100)
	stop2, err := st.WatchGuild(ctx, gid, want[2].rev, c2.fn)
	if err != nil {
		t.Fatal(err)
	}
	got := []store.Change{c2.next(t), c2.next(t), c2.next(t), c2.next(t)}
	var ids []string
	for _, ch := range got {
		ids = append(ids, fmt.Sprintf("%d/%d/%v", ch.Kind, ch.ID, ch.Deleted))
	}
	wantIDs := []string{"4/2/true", "2/1/true", "1/300/false", "4/9/false"}
	if !reflect.DeepEqual(ids, wantIDs) {
		t.Fatalf("from rev %d: %v, want %v", want[2].rev, ids, wantIDs)
	}

	// DeleteGuild reaches a watcher as one deleted KindGuild change.
	rev, err := st.DeleteGuild(ctx, gid)
	if err != nil {
		t.Fatal(err)
	}
	if ch := c.next(t); ch.Kind != store.KindGuild || !ch.Deleted || ch.Rev != rev {
		t.Fatalf("after DeleteGuild: %+v (rev %d)", ch, rev)
	}
	stop()
	stop()
	stop2()
	goroutinesBack(t, base)
	// After stop nothing more is delivered.
	if _, err := st.PutGuild(ctx, testGuild(gid)); err != nil {
		t.Fatal(err)
	}
	time.Sleep(50 * time.Millisecond)
	c.empty(t)
}

func TestWatchGuildStopFromCallback(t *testing.T) {
	st := connectEngine(t, runJSServer(t)).Store()
	ctx := ctxT(t)
	const gid = 301
	if _, err := st.PutGuild(ctx, testGuild(gid)); err != nil {
		t.Fatal(err)
	}
	warmAsync(t, st)
	base, _ := clientGoroutines()
	calls := make(chan store.Change, 100)
	var stop func()
	ready := make(chan struct{})
	stop, err := st.WatchGuild(ctx, gid, 0, func(c store.Change) {
		<-ready
		calls <- c
		stop()
	})
	if err != nil {
		t.Fatal(err)
	}
	close(ready)
	// From revision 0 the guild record itself comes first.
	first := collector(calls).next(t)
	if first.Kind != store.KindGuild || first.Deleted {
		t.Fatalf("first change %+v", first)
	}
	for i := range 5 {
		if _, err := st.PutRole(ctx, gid, testRole(protocol.Snowflake(i+1))); err != nil {
			t.Fatal(err)
		}
	}
	goroutinesBack(t, base)
	collector(calls).empty(t)

	// The context bounds the setup only: cancelling it later does not end
	// the watch.
	wctx, cancel := contextWithCancel(ctx)
	c := make(collector, 100)
	stop2, err := st.WatchGuild(wctx, gid, 0, c.fn)
	if err != nil {
		t.Fatal(err)
	}
	c.next(t) // the guild
	for range 5 {
		c.next(t) // the roles
	}
	cancel()
	if _, err := st.PutRole(ctx, gid, testRole(99)); err != nil {
		t.Fatal(err)
	}
	if ch := c.next(t); ch.Kind != store.KindRole || ch.ID != 99 {
		t.Fatalf("after cancel: %+v", ch)
	}
	stop2()
	goroutinesBack(t, base)

	// A context already done fails the setup and leaves nothing running.
	if _, err := st.WatchGuild(wctx, gid, 0, c.fn); err == nil {
		t.Fatal("watch started under a cancelled context")
	}
	goroutinesBack(t, base)
}
