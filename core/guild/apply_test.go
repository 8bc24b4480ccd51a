package guild

import (
	"errors"
	"testing"
)

func mustApply(t *testing.T, s *State, c Change) Result {
	t.Helper()
	r, err := s.Apply(c)
	if err != nil {
		t.Fatalf("apply %+v: %v", c, err)
	}
	return r
}

func memberChange(uid uint64, nick string, rev uint64) Change {
	return Change{Kind: KindMember, ID: sf(uid), Rev: rev,
		Value: []byte(`{"user":{"id":"` + sf(uid).String() + `"},"nick":"` + nick +
			`","roles":["201"],"joined_at":"2023-01-02T03:04:05.5+00:00","pending":true}`)}
}

func nickOf(t *testing.T, s *State, uid uint64) string {
	t.Helper()
	m, ok := s.Member(sf(uid))
	if !ok {
		return "<absent>"
	}
	if m.Nick == nil {
		return "<nil>"
	}
	return *m.Nick
}

func TestApplyRevisionGuard(t *testing.T) {
	type step struct {
		c      Change
		wantOp Op
		nick   string // member 50's nick afterwards
	}
	del := func(rev uint64) Change { return Change{Kind: KindMember, ID: 50, Deleted: true, Rev: rev} }
	cases := []struct {
		name  string
		steps []step
	}{
		{"at or below the snapshot is stale", []step{
			{memberChange(50, "old", 10), OpNone, "<absent>"},
			{memberChange(50, "old", 3), OpNone, "<absent>"},
			{memberChange(50, "new", 11), OpCreate, "new"},
		}},
		{"duplicate and out of order", []step{
			{memberChange(50, "a", 12), OpCreate, "a"},
			{memberChange(50, "a", 12), OpNone, "a"},
			{memberChange(50, "c", 15), OpUpdate, "c"},
			{memberChange(50, "b", 14), OpNone, "c"},
		}},
		{"delete then stale put", []step{
			{memberChange(50, "a", 12), OpCreate, "a"},
			{del(20), OpDelete, "<absent>"},
			{memberChange(50, "late", 19), OpNone, "<absent>"},
			{del(20), OpNone, "<absent>"},
			{memberChange(50, "back", 21), OpCreate, "back"},
			{memberChange(50, "late", 20), OpNone, "back"},
		}},
		{"delete overtakes the put it follows", []step{
			{del(30), OpNone, "<absent>"},
			{memberChange(50, "early", 29), OpNone, "<absent>"},
			{memberChange(50, "later", 31), OpCreate, "later"},
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := newTestState(t, gID, uOwner, nil, nil, nil)
			for i, st := range tc.steps {
				r := mustApply(t, s, st.c)
				if r.Op != st.wantOp {
					t.Fatalf("step %d (rev %d): op %d want %d", i, st.c.Rev, r.Op, st.wantOp)
				}
				if got := nickOf(t, s, 50); got != st.nick {
					t.Fatalf("step %d (rev %d): nick %q want %q", i, st.c.Rev, got, st.nick)
				}
			}
		})
	}
}

func TestApplyTombstonesAndCompact(t *testing.T) {
	s := newTestState(t, gID, uOwner, nil, nil, []Member{member(50)})
	mustApply(t, s, Change{Kind: KindMember, ID: 50, Deleted: true, Rev: 20})
	mustApply(t, s, Change{Kind: KindRole, ID: 201, Deleted: true, Rev: 21}) // unknown role
	mustApply(t, s, Change{Kind: KindMember, ID: 51, Deleted: true, Rev: 25})
	if n := s.Tombstones(); n != 3 {
		t.Fatalf("tombstones %d want 3", n)
	}
	s.Compact(21)
	if n := s.Tombstones(); n != 1 || s.Floor() != 21 {
		t.Fatalf("after Compact(21): tombstones %d floor %d, want 1 and 21", n, s.Floor())
	}
	// below the floor: stale without a tombstone
	if r := mustApply(t, s, memberChange(50, "late", 19)); r.Op != OpNone {
		t.Fatal("a put below the floor was applied")
	}
	// above the floor, below the kept tombstone
	if r := mustApply(t, s, memberChange(51, "late", 24)); r.Op != OpNone {
		t.Fatal("a put below a kept tombstone was applied")
	}
	s.Compact(5) // never lowers
	if s.Floor() != 21 {
		t.Fatalf("floor lowered to %d", s.Floor())
	}
}

func TestApplyRecordsAndResults(t *testing.T) {
	s := newTestState(t, gID, uOwner, []Role{role(gID, view)}, []Channel{text(11)}, []Member{member(uOwner)})

	r := mustApply(t, s, Change{Kind: KindRole, ID: 300, Rev: 11,
		Value: []byte(`{"id":"999","name":"mods","permissions":"1024","position":5,"hoist":true}`)})
	if r.Op != OpCreate || r.EventType() != "GUILD_ROLE_CREATE" {
		t.Fatalf("role create: %+v %s", r, r.EventType())
	}
	if got, ok := s.Role(300); !ok || got.ID != 300 || got.Permissions != view || got.Name != "mods" {
		t.Fatalf("role 300 = %+v (the change id wins over the body's)", got)
	}
	if rs := s.Roles(); len(rs) != 2 || rs[0].ID != gID || rs[1].ID != 300 {
		t.Fatalf("roles not sorted by position: %v", rs)
	}
	r = mustApply(t, s, Change{Kind: KindRole, ID: 300, Rev: 12, Value: []byte(`{"name":"mods2","permissions":"0"}`)})
	if r.Op != OpUpdate || r.Before.(*Role).Name != "mods" || r.After.(*Role).Name != "mods2" {
		t.Fatalf("role update before/after: %+v", r)
	}
	r = mustApply(t, s, Change{Kind: KindRole, ID: 300, Deleted: true, Rev: 13})
	if r.Op != OpDelete || r.EventType() != "GUILD_ROLE_DELETE" || r.Before.(*Role).Name != "mods2" {
		t.Fatalf("role delete: %+v", r)
	}
	if len(s.Roles()) != 1 {
		t.Fatal("sorted roles cache not refreshed after delete")
	}

	r = mustApply(t, s, Change{Kind: KindChannel, ID: 12, Rev: 14, Value: []byte(`{"type":11,"name":"t","parent_id":"11"}`)})
	if r.EventType() != "THREAD_CREATE" {
		t.Fatalf("thread create maps to %s", r.EventType())
	}
	if ch, _ := s.Channel(12); ch.GuildID != gID || ch.ID != 12 {
		t.Fatalf("channel ids not set from the change: %+v", ch)
	}
	r = mustApply(t, s, Change{Kind: KindChannel, ID: 11, Deleted: true, Rev: 15})
	if r.EventType() != "CHANNEL_DELETE" || r.Before.(*Channel).ID != 11 {
		t.Fatalf("channel delete: %+v", r)
	}
	if len(s.Channels()) != 1 {
		t.Fatal("sorted channels cache not refreshed")
	}

	r = mustApply(t, s, memberChange(60, "n", 16))
	if r.EventType() != "GUILD_MEMBER_ADD" || s.MemberCount() != 2 {
		t.Fatalf("member add: %+v count %d", r, s.MemberCount())
	}
	m := r.After.(*Member)
	if m.UserID != 60 || *m.Nick != "n" || len(m.Roles) != 1 || m.Roles[0] != 201 || !m.Pending ||
		m.JoinedAt != "2023-01-02T03:04:05.500000+00:00" {
		t.Fatalf("member after: %+v joined %q", m, m.JoinedAt)
	}
	r = mustApply(t, s, Change{Kind: KindMember, ID: 60, Deleted: true, Rev: 17})
	if r.EventType() != "GUILD_MEMBER_REMOVE" || *r.Before.(*Member).Nick != "n" || s.HasMember(60) {
		t.Fatalf("member remove: %+v", r)
	}
}

func TestApplyGuild(t *testing.T) {
	s := newTestState(t, gID, uOwner, nil, nil, nil)
	if _, err := s.Apply(Change{Kind: KindGuild, ID: 5, Rev: 11, Value: []byte(`{}`)}); !errors.Is(err, ErrWrongGuild) {
		t.Fatalf("wrong guild: %v", err)
	}
	r := mustApply(t, s, Change{Kind: KindGuild, ID: gID, Rev: 11, Value: []byte(`{"id":"5","name":"renamed","owner_id":"2"}`)})
	if r.EventType() != "GUILD_UPDATE" || s.Guild().Name != "renamed" || s.ID() != gID || s.Guild().OwnerID != 2 {
		t.Fatalf("guild update: %+v %+v", r, s.Guild())
	}
	if r.Before.(*Guild).Name != "g" {
		t.Fatalf("guild before: %+v", r.Before)
	}
	r = mustApply(t, s, Change{Kind: KindGuild, ID: gID, Rev: 12, Deleted: true})
	if r.EventType() != "GUILD_DELETE" || !s.Deleted() {
		t.Fatal("guild delete not reported")
	}
	if r := mustApply(t, s, Change{Kind: KindGuild, ID: gID, Rev: 11, Value: []byte(`{"name":"stale"}`)}); r.Op != OpNone || !s.Deleted() {
		t.Fatal("stale guild put revived a deleted guild")
	}
	r = mustApply(t, s, Change{Kind: KindGuild, ID: gID, Rev: 13, Value: []byte(`{"name":"back"}`)})
	if r.Op != OpCreate || r.EventType() != "GUILD_CREATE" || s.Deleted() || s.Guild().Name != "back" {
		t.Fatalf("guild re-created: %+v", r)
	}
}

func TestApplyBadInputChangesNothing(t *testing.T) {
	s := newTestState(t, gID, uOwner, []Role{role(gID, view)}, nil, []Member{member(50)})
	bad := []Change{
		{Kind: KindMember, ID: 50, Rev: 11, Value: []byte(`{"roles":"nope"}`)},
		{Kind: KindMember, ID: 50, Rev: 11, Value: []byte(`not json`)},
		{Kind: KindRole, ID: gID, Rev: 11, Value: []byte(`{"permissions":"lots"}`)},
		{Kind: KindChannel, ID: 9, Rev: 11, Value: []byte(`[]`)},
		{Kind: KindGuild, ID: gID, Rev: 11, Value: []byte(`{"name":5}`)},
		{Kind: Kind(77), ID: 1, Rev: 11},
		{Kind: KindMember, ID: 50, Rev: 11, Value: nil},
	}
	for i, c := range bad {
		r, err := s.Apply(c)
		if err == nil || r.Op != OpNone {
			t.Errorf("bad change %d: err %v op %d", i, err, r.Op)
		}
	}
	if m, ok := s.Member(50); !ok || m.Nick != nil {
		t.Fatal("member changed by bad input")
	}
	if r, _ := s.Role(gID); r.Permissions != view {
		t.Fatal("role changed by bad input")
	}
	if _, ok := s.Channel(9); ok || s.Guild().Name != "g" || s.Tombstones() != 0 {
		t.Fatal("state changed by bad input")
	}
	// The good change at the same revision still applies afterwards.
	if r := mustApply(t, s, memberChange(50, "ok", 11)); r.Op != OpUpdate {
		t.Fatal("good change after bad ones not applied")
	}
}

func TestJoinedAtUnreadableIsNull(t *testing.T) {
	s := newTestState(t, gID, uOwner, nil, nil, []Member{{UserID: 50, JoinedAt: "yesterday"}})
	m, _ := s.Member(50)
	if m.JoinedAt != "" {
		t.Fatalf("unreadable joined_at became %q", m.JoinedAt)
	}
	b, err := MemberJSON(&m, nil, 0)
	if err != nil || !contains2(string(b), `"joined_at":null`) {
		t.Fatalf("member json %s %v", b, err)
	}
}

func TestRoleSetsShared(t *testing.T) {
	s := newTestState(t, gID, uOwner, nil, nil, []Member{member(1, 5, 3), member(2, 3, 5, 3), member(3, 7), member(4)})
	if n := s.RoleSets(); n != 2 {
		t.Fatalf("role sets %d want 2 ({3,5} and {7})", n)
	}
	r1, _ := s.MemberRoles(1)
	r2, _ := s.MemberRoles(2)
	if len(r1) != 2 || r1[0] != 3 || r1[1] != 5 || &r1[0] != &r2[0] {
		t.Fatalf("roles %v %v: want one sorted, deduplicated, shared set", r1, r2)
	}
	mustApply(t, s, Change{Kind: KindMember, ID: 3, Rev: 11, Value: []byte(`{"roles":["3","5"]}`)})
	if n := s.RoleSets(); n != 1 {
		t.Fatalf("after 3 joins {3,5}: %d sets", n)
	}
	mustApply(t, s, Change{Kind: KindMember, ID: 1, Rev: 12, Deleted: true})
	mustApply(t, s, Change{Kind: KindMember, ID: 2, Rev: 13, Deleted: true})
	if n := s.RoleSets(); n != 1 {
		t.Fatalf("set freed while member 3 holds it: %d", n)
	}
	mustApply(t, s, Change{Kind: KindMember, ID: 3, Rev: 14, Value: []byte(`{"roles":[]}`)})
	if n := s.RoleSets(); n != 0 {
		t.Fatalf("unused sets kept: %d", n)
	}
	// a stale or bad change releases nothing
	mustApply(t, s, Change{Kind: KindMember, ID: 5, Rev: 15, Value: []byte(`{"roles":["9"]}`)})
	mustApply(t, s, Change{Kind: KindMember, ID: 5, Rev: 15, Value: []byte(`{"roles":["9"]}`)})
	if _, err := s.Apply(Change{Kind: KindMember, ID: 5, Rev: 16, Value: []byte(`{"roles":[1}`)}); err == nil {
		t.Fatal("bad member accepted")
	}
	if n := s.RoleSets(); n != 1 || s.roleSets[string([]byte{9, 0, 0, 0, 0, 0, 0, 0})].refs != 1 {
		t.Fatalf("sets %d after stale and bad changes", n)
	}
}
