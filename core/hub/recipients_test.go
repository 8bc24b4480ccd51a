package hub

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"gatehouse/core/guild"
	"gatehouse/core/protocol"
	"gatehouse/core/session"
)

// TestRecipientsModel: random adds and removes keep every list equal to a
// plain filter of the attached set, and the channel-view cache always
// answers what a fresh walk with Admits answers, across session and guild
// changes.
func TestRecipientsModel(t *testing.T) {
	const (
		gid     = 10
		chOpen  = 20
		chRole  = 21
		roleVIP = 30
	)
	deny := protocol.PermViewChannel
	st := guild.NewState(guild.Guild{ID: gid, Name: "g", OwnerID: 1},
		[]guild.Role{{ID: gid, Permissions: protocol.PermViewChannel}, {ID: roleVIP, Permissions: 0}},
		[]guild.Channel{{ID: chOpen, Type: 0}, {ID: chRole, Type: 0, PermissionOverwrites: []guild.Overwrite{
			{ID: gid, Type: 0, Deny: deny}, {ID: roleVIP, Type: 0, Allow: protocol.PermViewChannel}}}},
		nil, 1)
	intentsPool := []uint64{
		protocol.IntentGuilds | protocol.IntentGuildMessages,
		protocol.IntentGuilds | protocol.IntentGuildPresences,
		protocol.IntentGuildMessages | protocol.IntentGuildMessageTyping,
		0,
	}
	rng := rand.New(rand.NewPCG(7, 11))
	var pool []*session.Session
	for i := range 200 {
		uid := protocol.Snowflake(100 + i%120) // some users hold two sessions
		pool = append(pool, &session.Session{ID: fmt.Sprint("s", i), UserID: uint64(uid), Intents: intentsPool[rng.IntN(len(intentsPool))]})
	}
	rev := uint64(2)
	putMember := func(uid protocol.Snowflake, vip bool) {
		m := guild.Member{UserID: uid}
		if vip {
			m.Roles = []protocol.Snowflake{roleVIP}
		}
		b, err := guild.MemberJSON(&m, &guild.User{ID: uid, Username: fmt.Sprint("u", uid)}, gid)
		if err != nil {
			t.Fatal(err)
		}
		rev++
		if _, err := st.Apply(guild.Change{Kind: guild.KindMember, ID: uid, Value: b, Rev: rev}); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 120 {
		putMember(protocol.Snowflake(100+i), i%3 == 0)
	}
	r := newRecipients()
	in := map[*session.Session]bool{}
	events := []string{"MESSAGE_CREATE", "TYPING_START", "PRESENCE_UPDATE", "GUILD_ROLE_UPDATE", "GUILD_MEMBER_UPDATE", "NOT_AN_EVENT"}
	for step := range 3000 {
		switch k := rng.IntN(10); {
		case k < 4:
			s := pool[rng.IntN(len(pool))]
			r.add(s)
			in[s] = true
		case k < 7:
			s := pool[rng.IntN(len(pool))]
			r.remove(s)
			delete(in, s)
		case k < 8:
			putMember(protocol.Snowflake(100+rng.IntN(120)), rng.IntN(2) == 0)
		default:
		}
		var want []*session.Session
		for _, s := range pool {
			if in[s] {
				want = append(want, s)
			}
		}
		if got := sortedIDs(r.sessions()); !slices.Equal(got, sortedIDs(want)) {
			t.Fatalf("step %d: attached %v, want %v", step, got, sortedIDs(want))
		}
		for _, ev := range events {
			intent, known := guild.EventIntent(ev)
			var wantC []*session.Session
			for _, s := range want {
				if !known || ev == "GUILD_MEMBER_UPDATE" || s.Intents&intent == intent {
					wantC = append(wantC, s)
				}
			}
			if got := sortedIDs(r.candidates(ev)); !slices.Equal(got, sortedIDs(wantC)) {
				t.Fatalf("step %d: candidates(%s) %v, want %v", step, ev, got, sortedIDs(wantC))
			}
		}
		for _, ch := range []protocol.Snowflake{chOpen, chRole, 999} {
			for _, ev := range []string{"MESSAGE_CREATE", "TYPING_START"} {
				aud := st.Audience(ev, ch, 0)
				var wantV []*session.Session
				for _, s := range want {
					if aud.Admits(recipient(s)) {
						wantV = append(wantV, s)
					}
				}
				if got := sortedIDs(r.viewers(st, ev, ch, aud)); !slices.Equal(got, sortedIDs(wantV)) {
					t.Fatalf("step %d: viewers(%s, %d) %v, want %v", step, ev, ch, got, sortedIDs(wantV))
				}
			}
		}
	}
}

func sortedIDs(ss []*session.Session) []string {
	ids := make([]string, len(ss))
	for i, s := range ss {
		ids[i] = s.ID
	}
	slices.Sort(ids)
	return ids
}
