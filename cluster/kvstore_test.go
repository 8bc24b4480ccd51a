package cluster

import (
	"errors"
	"reflect"
	"slices"
	"testing"

	"github.com/nats-io/nats.go/jetstream"

	"gatehouse/core/guild"
	"gatehouse/core/protocol"
	"gatehouse/core/store"
)

func TestUserRoundTrip(t *testing.T) {
	st := connectEngine(t, runJSServer(t)).Store()
	ctx := ctxT(t)
	u := &guild.User{ID: 1001, Username: "ann", Discriminator: "0", GlobalName: sp("Ann"), Bot: true, PrivilegedIntents: 1 << 8}
	r1, err := st.PutUser(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	got, err := st.GetUser(ctx, 1001)
	if err != nil || !reflect.DeepEqual(got, u) {
		t.Fatalf("GetUser = %+v, %v; want %+v", got, err, u)
	}
	u.Username = "ann2"
	r2, err := st.PutUser(ctx, u)
	if err != nil || r2 <= r1 {
		t.Fatalf("second put: rev %d after %d, %v", r2, r1, err)
	}
	r3, err := st.DeleteUser(ctx, 1001)
	if err != nil || r3 <= r2 {
		t.Fatalf("delete: rev %d after %d, %v", r3, r2, err)
	}
	if _, err := st.GetUser(ctx, 1001); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("GetUser after delete: %v", err)
	}
	if _, err := st.DeleteUser(ctx, 1001); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("second delete: %v", err)
	}
	if _, err := st.PutUser(ctx, nil); err == nil {
		t.Fatal("PutUser(nil) succeeded")
	}
}

func TestGuildRecordsRoundTrip(t *testing.T) {
	st := connectEngine(t, runJSServer(t)).Store()
	ctx := ctxT(t)
	const gid, rid, cid, uid = 500, 501, 502, 503
	var last uint64
	next := func(rev uint64, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		if rev <= last {
			t.Fatalf("revision %d after %d", rev, last)
		}
		last = rev
	}
	if _, err := st.GetGuild(ctx, gid); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("GetGuild before put: %v", err)
	}
	g := testGuild(gid)
	next(st.PutGuild(ctx, g))
	next(st.PutRole(ctx, gid, testRole(rid)))
	next(st.PutChannel(ctx, testChannel(gid, cid)))
	m := testMember(uid, rid)
	m.User = &guild.User{ID: uid, Username: "not stored here"}
	next(st.PutMember(ctx, gid, m))

	gotG, err := st.GetGuild(ctx, gid)
	if err != nil || !reflect.DeepEqual(gotG, g) {
		t.Fatalf("GetGuild = %+v, %v", gotG, err)
	}
	gotM, err := st.GetMember(ctx, gid, uid)
	want := testMember(uid, rid)
	if err != nil || !reflect.DeepEqual(gotM, want) {
		t.Fatalf("GetMember = %+v, %v; want %+v", gotM, err, want)
	}
	if got, err := st.ChannelGuild(ctx, cid); err != nil || got != gid {
		t.Fatalf("ChannelGuild = %d, %v", got, err)
	}
	snap, err := st.LoadGuild(ctx, gid)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(snap.Roles, []guild.Role{*testRole(rid)}) ||
		!reflect.DeepEqual(snap.Channels, []guild.Channel{*testChannel(gid, cid)}) ||
		!reflect.DeepEqual(snap.Members, []guild.Member{*want}) || snap.Rev != last {
		t.Fatalf("LoadGuild = %+v (last rev %d)", snap, last)
	}

	next(st.DeleteRole(ctx, gid, rid))
	next(st.DeleteChannel(ctx, gid, cid))
	next(st.DeleteMember(ctx, gid, uid))
	if _, err := st.ChannelGuild(ctx, cid); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("ChannelGuild after delete: %v", err)
	}
	if _, err := st.GetMember(ctx, gid, uid); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("GetMember after delete: %v", err)
	}
	for name, del := range map[string]func() (uint64, error){
		"role":    func() (uint64, error) { return st.DeleteRole(ctx, gid, rid) },
		"channel": func() (uint64, error) { return st.DeleteChannel(ctx, gid, cid) },
		"member":  func() (uint64, error) { return st.DeleteMember(ctx, gid, uid) },
		"guild":   func() (uint64, error) { return st.DeleteGuild(ctx, gid+1) },
	} {
		if _, err := del(); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("delete missing %s: %v", name, err)
		}
	}
	snap, err = st.LoadGuild(ctx, gid)
	if err != nil || len(snap.Roles)+len(snap.Channels)+len(snap.Members) != 0 || snap.Rev != last {
		t.Fatalf("LoadGuild after deletes = %+v, %v (last rev %d)", snap, err, last)
	}
	for _, err := range []error{
		func() error { _, err := st.PutGuild(ctx, nil); return err }(),
		func() error { _, err := st.PutRole(ctx, gid, nil); return err }(),
		func() error { _, err := st.PutChannel(ctx, nil); return err }(),
		func() error { _, err := st.PutMember(ctx, gid, nil); return err }(),
	} {
		if err == nil {
			t.Error("nil record accepted")
		}
	}
}

func TestUserGuildsFollowsMembership(t *testing.T) {
	st := connectEngine(t, runJSServer(t)).Store()
	ctx := ctxT(t)
	const uid = 77
	check := func(want ...protocol.Snowflake) {
		t.Helper()
		got, err := st.UserGuilds(ctx, uid)
		slices.Sort(got)
		if err != nil || !slices.Equal(got, want) {
			t.Fatalf("UserGuilds = %v, %v; want %v", got, err, want)
		}
	}
	check()
	for _, gid := range []protocol.Snowflake{10, 20, 30} {
		if _, err := st.PutGuild(ctx, testGuild(gid)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := st.PutMember(ctx, 10, testMember(uid)); err != nil {
		t.Fatal(err)
	}
	if _, err := st.PutMembers(ctx, 20, []*guild.Member{testMember(uid), testMember(uid + 1)}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.PutMember(ctx, 30, testMember(uid+1)); err != nil {
		t.Fatal(err)
	}
	check(10, 20)
	if _, err := st.DeleteMember(ctx, 10, uid); err != nil {
		t.Fatal(err)
	}
	check(20)
	if _, err := st.PutMember(ctx, 30, testMember(uid)); err != nil {
		t.Fatal(err)
	}
	check(20, 30)
}

func TestDeleteGuildRemovesEverything(t *testing.T) {
	e := connectEngine(t, runJSServer(t))
	st := e.store
	ctx := ctxT(t)
	const gid, other = 900, 901
	for _, g := range []protocol.Snowflake{gid, other} {
		if _, err := st.PutGuild(ctx, testGuild(g)); err != nil {
			t.Fatal(err)
		}
		if _, err := st.PutRole(ctx, g, testRole(g+1000)); err != nil {
			t.Fatal(err)
		}
		if _, err := st.PutChannel(ctx, testChannel(g, g+2000)); err != nil {
			t.Fatal(err)
		}
		if _, err := st.PutMembers(ctx, g, []*guild.Member{testMember(1), testMember(2), testMember(3)}); err != nil {
			t.Fatal(err)
		}
	}
	before, err := st.LoadGuild(ctx, other)
	if err != nil {
		t.Fatal(err)
	}
	rev, err := st.DeleteGuild(ctx, gid)
	if err != nil || rev == 0 {
		t.Fatalf("DeleteGuild = %d, %v", rev, err)
	}
	if _, err := st.LoadGuild(ctx, gid); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("LoadGuild after delete: %v", err)
	}
	if _, err := st.GetMember(ctx, gid, 1); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("GetMember after delete: %v", err)
	}
	if _, err := st.ChannelGuild(ctx, gid+2000); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("ChannelGuild after delete: %v", err)
	}
	for uid := protocol.Snowflake(1); uid <= 3; uid++ {
		if got, err := st.UserGuilds(ctx, uid); err != nil || !slices.Equal(got, []protocol.Snowflake{other}) {
			t.Fatalf("UserGuilds(%d) = %v, %v", uid, got, err)
		}
	}
	// Nothing of the guild is left in the raw buckets but its delete marker.
	var left []string
	collect := func(e jetstream.KeyValueEntry) error {
		if e.Operation() == jetstream.KeyValuePut {
			left = append(left, e.Key())
		}
		return nil
	}
	if err := scan(ctx, st.guilds, []string{"g.900", "g.900.>"}, collect); err != nil {
		t.Fatal(err)
	}
	if err := scan(ctx, st.index, []string{"u.*.g.900", "ch.2900"}, collect); err != nil {
		t.Fatal(err)
	}
	if len(left) != 0 {
		t.Fatalf("left behind: %v", left)
	}
	after, err := st.LoadGuild(ctx, other)
	if err != nil || !reflect.DeepEqual(after, before) {
		t.Fatalf("other guild changed: %+v, %v", after, err)
	}
	if _, err := st.DeleteGuild(ctx, gid); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("second DeleteGuild: %v", err)
	}
}
