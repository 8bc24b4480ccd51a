package cluster

import (
	"reflect"
	"slices"
	"testing"

	"gatehouse/core/guild"
	"gatehouse/core/protocol"
)

func TestEmbeddedPersistsAcrossRestart(t *testing.T) {
	dir := t.TempDir()
	e := embedded(t, dir)
	if !e.Healthy() {
		t.Fatal("fresh embedded engine not healthy")
	}
	if e.ClientURL() != "" {
		t.Fatalf("embedded engine listens by default: %s", e.ClientURL())
	}
	st := e.Store()
	ctx := ctxT(t)
	const gid = 7
	u := &guild.User{ID: 1, Username: "u1", Discriminator: "0"}
	if _, err := st.PutUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	if _, err := st.PutGuild(ctx, testGuild(gid)); err != nil {
		t.Fatal(err)
	}
	if _, err := st.PutRole(ctx, gid, testRole(8)); err != nil {
		t.Fatal(err)
	}
	if _, err := st.PutChannel(ctx, testChannel(gid, 9)); err != nil {
		t.Fatal(err)
	}
	putInBatches(t, st, gid, makeMembers(2500))
	if _, err := st.DeleteMember(ctx, gid, 2); err != nil {
		t.Fatal(err)
	}
	before, err := st.LoadGuild(ctx, gid)
	if err != nil {
		t.Fatal(err)
	}
	e.Close()
	e.Close() // idempotent

	e2 := embedded(t, dir)
	st2 := e2.Store()
	if got, err := st2.GetUser(ctx, 1); err != nil || !reflect.DeepEqual(got, u) {
		t.Fatalf("user after restart: %+v, %v", got, err)
	}
	after, err := st2.LoadGuild(ctx, gid)
	if err != nil || !reflect.DeepEqual(after, before) {
		t.Fatalf("guild after restart differs (%v): %d members, rev %d; before %d members, rev %d",
			err, len(after.Members), after.Rev, len(before.Members), before.Rev)
	}
	if got, err := st2.ChannelGuild(ctx, 9); err != nil || got != gid {
		t.Fatalf("ChannelGuild after restart: %d, %v", got, err)
	}
	if got, err := st2.UserGuilds(ctx, 1); err != nil || !slices.Equal(got, []protocol.Snowflake{gid}) {
		t.Fatalf("UserGuilds after restart: %v, %v", got, err)
	}
	if got, err := st2.UserGuilds(ctx, 2); err != nil || len(got) != 0 {
		t.Fatalf("UserGuilds of a removed member after restart: %v, %v", got, err)
	}
	// Revisions go on from where they were.
	rev, err := st2.PutRole(ctx, gid, testRole(10))
	if err != nil || rev <= before.Rev {
		t.Fatalf("revision after restart %d, before %d, %v", rev, before.Rev, err)
	}
}
