package guild

import (
	"fmt"
	"testing"

	"gatehouse/core/protocol"
)

// Members of the matrix guild (guild id 100, owner 1).
const (
	gID      = 100
	uOwner   = 1
	uAdmin   = 2 // role rAdmin
	uPlain   = 3 // no roles
	uA       = 4 // rA
	uAB      = 5 // rA, rB
	uUnknown = 6 // a role id no role has
	uB       = 7 // rB
	uA2      = 8 // rA, like uA but without uA's member overwrites
	uOutside = 9 // not a member

	rAdmin   = 202
	rA       = 201
	rB       = 203
	rUnknown = 999
)

func matrixMembers() []Member {
	return []Member{
		member(uOwner), member(uAdmin, rAdmin), member(uPlain), member(uA, rA),
		member(uAB, rA, rB), member(uUnknown, rUnknown), member(uB, rB), member(uA2, rA),
	}
}

type matrixCase struct {
	name     string
	roles    []Role
	channels []Channel
	// want lists, per channel, the users who can view it; every other
	// (member or outsider, channel) pair must be invisible.
	want map[uint64][]uint64
}

func TestPermissionMatrix(t *testing.T) {
	everyoneView := role(gID, view|send)
	stdRoles := []Role{everyoneView, role(rA, send), role(rB, 0), role(rAdmin, admin)}
	all := []uint64{uOwner, uAdmin, uPlain, uA, uAB, uUnknown, uB, uA2}
	cases := []matrixCase{
		{
			name:  "standard roles",
			roles: stdRoles,
			channels: []Channel{
				text(11),
				// deny on @everyone, allow on a role
				text(12, roleOW(gID, 0, view), roleOW(rA, view, 0)),
				// role deny beaten by member allow
				text(13, roleOW(rA, 0, view), memberOW(uA, view, 0)),
				// role overwrites combine: allow of one role beats deny of another
				text(14, roleOW(gID, 0, view), roleOW(rA, view, 0), roleOW(rB, 0, view)),
				// admin and owner ignore every deny, their own included
				text(15, roleOW(gID, 0, view), roleOW(rAdmin, 0, view), memberOW(uOwner, 0, view), memberOW(uAdmin, 0, view)),
				// member deny on a public channel
				text(16, memberOW(uPlain, 0, view)),
				// an overwrite for a role nobody has, and one for an unknown role id
				text(17, roleOW(gID, 0, view), roleOW(rUnknown, view, 0), roleOW(888, view, 0)),
				// member allow beats @everyone deny; @everyone allow does not beat role deny
				text(18, roleOW(gID, view, 0), roleOW(rB, 0, view), memberOW(uAB, view, 0)),
			},
			want: map[uint64][]uint64{
				11: all,
				12: {uOwner, uAdmin, uA, uAB, uA2},
				13: {uOwner, uAdmin, uPlain, uA, uUnknown, uB},
				14: {uOwner, uAdmin, uA, uAB, uA2},
				15: {uOwner, uAdmin},
				16: {uOwner, uAdmin, uA, uAB, uUnknown, uB, uA2},
				17: {uOwner, uAdmin},
				18: {uOwner, uAdmin, uPlain, uA, uAB, uUnknown, uA2},
			},
		},
		{
			name:  "view only through a role",
			roles: []Role{role(gID, send), role(rA, view), role(rB, 0), role(rAdmin, admin)},
			channels: []Channel{
				text(21),
				text(22, roleOW(gID, view, 0)),
				text(23, roleOW(rA, 0, view)),
				text(24, memberOW(uB, view, 0)),
			},
			want: map[uint64][]uint64{
				21: {uOwner, uAdmin, uA, uAB, uA2},
				22: all,
				23: {uOwner, uAdmin},
				24: {uOwner, uAdmin, uA, uAB, uB, uA2},
			},
		},
		{
			name:  "missing @everyone role",
			roles: []Role{role(rA, view), role(rAdmin, admin)},
			channels: []Channel{
				text(31),
				// the @everyone overwrite applies even without the role
				text(32, roleOW(gID, view, 0)),
			},
			want: map[uint64][]uint64{
				31: {uOwner, uAdmin, uA, uAB, uA2},
				32: all,
			},
		},
		{
			name:  "administrator on @everyone",
			roles: []Role{role(gID, admin)},
			channels: []Channel{
				text(41, roleOW(gID, 0, view), memberOW(uPlain, 0, view)),
			},
			want: map[uint64][]uint64{41: all},
		},
		{
			name:  "threads follow their parent, categories do not",
			roles: stdRoles,
			channels: []Channel{
				{ID: 51, Type: ChannelCategory, PermissionOverwrites: []Overwrite{roleOW(gID, 0, view)}},
				// child of a private category, with its own (unsynced) overwrites
				{ID: 52, Type: ChannelText, ParentID: ptr(sf(51))},
				{ID: 53, Type: ChannelText, PermissionOverwrites: []Overwrite{roleOW(gID, 0, view), roleOW(rA, view, 0)}},
				{ID: 54, Type: ThreadPublic, ParentID: ptr(sf(53)),
					PermissionOverwrites: []Overwrite{roleOW(gID, view, 0)}}, // ignored: threads use the parent
				{ID: 55, Type: ThreadPublic, ParentID: ptr(sf(777))}, // parent unknown
				{ID: 56, Type: ThreadPrivate},                        // no parent
			},
			want: map[uint64][]uint64{
				51: {uOwner, uAdmin},
				52: all,
				53: {uOwner, uAdmin, uA, uAB, uA2},
				54: {uOwner, uAdmin, uA, uAB, uA2},
				55: {uOwner, uAdmin},
				56: {uOwner, uAdmin},
			},
		},
	}
	users := append(all, uOutside)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := newTestState(t, gID, uOwner, tc.roles, tc.channels, matrixMembers())
			for _, ch := range tc.channels {
				// one Audience per channel, asked for every user, so its
				// per-role-set memo is exercised
				aud := s.Audience("MESSAGE_CREATE", ch.ID, 0)
				for _, u := range users {
					want := contains(tc.want[uint64(ch.ID)], u)
					if got := s.CanView(sf(u), ch.ID); got != want {
						t.Errorf("channel %d user %d: CanView=%v want %v (perms %b)",
							ch.ID, u, got, want, s.ChannelPermissions(sf(u), ch.ID))
					}
					if got := aud.Admits(Recipient{UserID: sf(u), Intents: protocol.IntentGuildMessages}); got != want {
						t.Errorf("channel %d user %d: Audience admits %v want %v", ch.ID, u, got, want)
					}
				}
			}
			for _, u := range users {
				if s.CanView(sf(u), 424242) {
					t.Errorf("user %d sees an unknown channel", u)
				}
			}
		})
	}
}

func contains(list []uint64, v uint64) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

func TestBasePermissions(t *testing.T) {
	s := newTestState(t, gID, uOwner,
		[]Role{role(gID, view), role(rA, send), role(rAdmin, admin)}, nil, matrixMembers())
	cases := []struct {
		uid  uint64
		want Permissions
	}{
		{uOwner, PermAll},
		{uAdmin, PermAll},
		{uPlain, view},
		{uA, view | send},
		{uAB, view | send},
		{uUnknown, view},
		{uOutside, 0},
	}
	for _, tc := range cases {
		if got := s.BasePermissions(sf(tc.uid)); got != tc.want {
			t.Errorf("user %d: base %b want %b", tc.uid, got, tc.want)
		}
	}
	if fmt.Sprint(uint64(PermAll)) != "9007199254740991" {
		t.Errorf("PermAll = %d, want 2^53-1", PermAll)
	}
}

func TestOwnerChangeMovesAllPermissions(t *testing.T) {
	s := newTestState(t, gID, uOwner, []Role{role(gID, 0)},
		[]Channel{text(11, roleOW(gID, 0, view))}, matrixMembers())
	if !s.CanView(uOwner, 11) || s.CanView(uPlain, 11) {
		t.Fatal("setup: only the owner sees channel 11")
	}
	g := *s.Guild()
	g.OwnerID = uPlain
	b, _ := jsonOf(g)
	if _, err := s.Apply(Change{Kind: KindGuild, ID: gID, Value: b, Rev: 11}); err != nil {
		t.Fatal(err)
	}
	if s.CanView(uOwner, 11) || !s.CanView(uPlain, 11) {
		t.Fatal("after the owner change only the new owner sees channel 11")
	}
}
