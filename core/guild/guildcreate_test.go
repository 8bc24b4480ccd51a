package guild

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"testing"

	"gatehouse/core/protocol"
)

// gcOut is the part of GUILD_CREATE the tests read, decoded by the stdlib.
type gcOut struct {
	ID          string            `json:"id"`
	Name        string            `json:"name"`
	OwnerID     string            `json:"owner_id"`
	JoinedAt    *string           `json:"joined_at"`
	Large       bool              `json:"large"`
	Unavailable *bool             `json:"unavailable"`
	MemberCount int               `json:"member_count"`
	Features    []string          `json:"features"`
	Roles       []json.RawMessage `json:"roles"`
	Channels    []struct {
		ID      string `json:"id"`
		GuildID string `json:"guild_id"`
	} `json:"channels"`
	Threads []struct {
		ID string `json:"id"`
	} `json:"threads"`
	Members []struct {
		User struct {
			ID                string `json:"id"`
			Username          string `json:"username"`
			PrivilegedIntents any    `json:"privileged_intents"`
		} `json:"user"`
		Roles    []string `json:"roles"`
		JoinedAt *string  `json:"joined_at"`
	} `json:"members"`
	Presences []struct {
		User struct {
			ID string `json:"id"`
		} `json:"user"`
		Status string `json:"status"`
	} `json:"presences"`
	Emojis      []any `json:"emojis"`
	VoiceStates []any `json:"voice_states"`
}

func decodeGC(t *testing.T, b []byte) gcOut {
	t.Helper()
	var g gcOut
	if err := json.Unmarshal(b, &g); err != nil {
		t.Fatalf("GUILD_CREATE not JSON: %v\n%s", err, b)
	}
	return g
}

func testUsers(uid Snowflake) *User {
	return &User{ID: uid, Username: fmt.Sprintf("user%d", uid), PrivilegedIntents: protocol.IntentsPrivileged}
}

// onlineSet makes a PresenceFunc where the given users are online.
func onlineSet(ids ...uint64) PresenceFunc {
	on := map[Snowflake]bool{}
	for _, id := range ids {
		on[sf(id)] = true
	}
	return func(uid Snowflake) (json.RawMessage, bool) {
		if !on[uid] {
			return nil, false
		}
		if uid%2 == 0 { // half with an object, half bare
			return json.RawMessage(`{"user":{"id":"` + uid.String() + `"},"status":"dnd","activities":[],"client_status":{}}`), true
		}
		return nil, true
	}
}

func matrixState(t testing.TB) *State {
	roles := []Role{role(gID, view|send), role(rA, send), role(rB, 0), role(rAdmin, admin)}
	chans := []Channel{
		text(11),
		text(12, roleOW(gID, 0, view), roleOW(rA, view, 0)),
		{ID: 13, Type: ThreadPublic, ParentID: ptr(sf(12)), Name: "thread"},
		{ID: 14, Type: 14, Name: "directory"}, // a type clients reject
		{ID: 15, Type: ChannelVoice, Name: "voice", Position: 15},
	}
	s := newTestState(t, gID, uOwner, roles, chans, matrixMembers())
	s.guild.Features = nil
	return s
}

func TestGuildCreateSmall(t *testing.T) {
	s := matrixState(t)
	opts := GuildCreateOptions{UserID: uA, Intents: protocol.IntentGuilds | protocol.IntentGuildPresences,
		Users: testUsers, Presence: onlineSet(uA, uB, uOwner)}
	b, err := GuildCreate(s, opts)
	if err != nil {
		t.Fatal(err)
	}
	g := decodeGC(t, b)
	if g.ID != "100" || g.OwnerID != "1" || g.Name != "g" || g.MemberCount != 8 || g.Large ||
		g.Unavailable == nil || *g.Unavailable || g.Features == nil || g.Emojis == nil || g.VoiceStates == nil {
		t.Fatalf("guild fields: %s", b)
	}
	if g.JoinedAt == nil || *g.JoinedAt != "2024-05-06T07:08:09.123456+00:00" {
		t.Fatalf("joined_at %v", g.JoinedAt)
	}
	var chans []string
	for _, c := range g.Channels {
		chans = append(chans, c.ID)
		if c.GuildID != "100" {
			t.Errorf("channel %s guild_id %q", c.ID, c.GuildID)
		}
	}
	if !slices.Equal(chans, []string{"11", "12", "15"}) || len(g.Threads) != 1 || g.Threads[0].ID != "13" {
		t.Fatalf("uA channels %v threads %v", chans, g.Threads)
	}
	if len(g.Members) != 8 || len(g.Roles) != 4 {
		t.Fatalf("members %d roles %d", len(g.Members), len(g.Roles))
	}
	for _, m := range g.Members {
		if m.User.ID == "" || m.User.Username != "user"+m.User.ID || m.User.PrivilegedIntents != nil || m.Roles == nil {
			t.Errorf("member %+v", m)
		}
	}
	var pres []string
	for _, p := range g.Presences {
		pres = append(pres, p.User.ID+":"+p.Status)
	}
	if !slices.Equal(pres, []string{"1:online", "4:dnd", "7:online"}) {
		t.Fatalf("presences %v", pres)
	}

	// uPlain cannot see 12 nor, through it, thread 13.
	opts.UserID = uPlain
	g = decodeGC(t, must(GuildCreate(s, opts)))
	if len(g.Channels) != 2 || len(g.Threads) != 0 {
		t.Fatalf("uPlain channels %v threads %v", g.Channels, g.Threads)
	}
}

func must(b []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return b
}

func TestGuildCreateWithoutPresenceIntent(t *testing.T) {
	s := matrixState(t)
	g := decodeGC(t, must(GuildCreate(s, GuildCreateOptions{UserID: uB, Intents: protocol.IntentGuilds | protocol.IntentGuildMembers,
		Users: testUsers, Presence: onlineSet(uA, uB)})))
	if len(g.Members) != 1 || g.Members[0].User.ID != "7" || len(g.Presences) != 0 || g.Presences == nil {
		t.Fatalf("without GUILD_PRESENCES: members %+v presences %v", g.Members, g.Presences)
	}
}

func TestGuildCreateLarge(t *testing.T) {
	var ms []Member
	for uid := uint64(1000); uid < 1300; uid++ {
		ms = append(ms, member(uid))
	}
	s := newTestState(t, gID, 1000, []Role{role(gID, view)}, []Channel{text(11)}, ms)
	online := []uint64{1001, 1002, 1010, 1299, 5000 /* not a member */}
	for _, tc := range []struct {
		name      string
		threshold int
		withIter  bool
		large     bool
		members   int
	}{
		{"threshold 250 via presence scan", 250, false, true, 5},
		{"threshold 250 via online iterator", 250, true, true, 5},
		{"threshold 0 means 50", 0, false, true, 5},
		{"threshold 1000 clamps to 250", 1000, false, true, 5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := GuildCreateOptions{UserID: 1100, Intents: protocol.IntentGuilds | protocol.IntentGuildPresences,
				LargeThreshold: tc.threshold, Users: testUsers, Presence: onlineSet(online...)}
			if tc.withIter {
				o.Online = func(yield func(Snowflake) bool) {
					for _, id := range online {
						if !yield(sf(id)) {
							return
						}
					}
				}
			}
			g := decodeGC(t, must(GuildCreate(s, o)))
			var ids []string
			for _, m := range g.Members {
				ids = append(ids, m.User.ID)
			}
			if g.Large != tc.large || !slices.Equal(ids, []string{"1001", "1002", "1010", "1100", "1299"}) ||
				len(g.Presences) != 4 || g.MemberCount != 300 {
				t.Fatalf("large %v members %v presences %d count %d", g.Large, ids, len(g.Presences), g.MemberCount)
			}
		})
	}
	// 40 members are not large at the default threshold: all are sent.
	small := newTestState(t, gID, 1000, nil, nil, ms[:40])
	g := decodeGC(t, must(GuildCreate(small, GuildCreateOptions{UserID: 1001, Intents: protocol.IntentGuildPresences})))
	if g.Large || len(g.Members) != 40 {
		t.Fatalf("40 members: large %v members %d", g.Large, len(g.Members))
	}
}

func TestGuildCreatePresenceCap(t *testing.T) {
	ms := make([]Member, PresenceMemberCap+1)
	for i := range ms {
		ms[i] = Member{UserID: sf(uint64(i + 1))}
	}
	s := newTestState(t, gID, 1, nil, nil, ms)
	g := decodeGC(t, must(GuildCreate(s, GuildCreateOptions{UserID: 5, Intents: protocol.IntentGuildPresences,
		Presence: func(Snowflake) (json.RawMessage, bool) { return nil, true }})))
	if len(g.Members) != 1 || len(g.Presences) != 0 || !g.Large || g.JoinedAt != nil {
		t.Fatalf("over the cap: members %d presences %d large %v joined %v", len(g.Members), len(g.Presences), g.Large, g.JoinedAt)
	}
}

func TestGuildCreateNotMember(t *testing.T) {
	s := matrixState(t)
	if _, err := GuildCreate(s, GuildCreateOptions{UserID: uOutside}); !errors.Is(err, ErrNotMember) {
		t.Fatalf("non-member: %v", err)
	}
}

func TestClampLargeThreshold(t *testing.T) {
	for in, want := range map[int]int{-1: 50, 0: 50, 10: 50, 50: 50, 100: 100, 250: 250, 251: 250} {
		if got := ClampLargeThreshold(in); got != want {
			t.Errorf("ClampLargeThreshold(%d) = %d want %d", in, got, want)
		}
	}
}
