package node_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"testing"

	"gatehouse/internal/gatetest"
)

// The permission matrix guild. Every expectation below is written by hand
// from Discord's documented algorithm, not computed by core/guild.
const (
	pmGuild = 1000

	pmRoleAdmin = 1001 // ADMINISTRATOR
	pmRoleA     = 1002 // allowed into #private and #roledeny
	pmRoleB     = 1003 // denied from #roledeny

	pmPublic     = 2001 // no overwrites
	pmPrivate    = 2002 // @everyone deny, role A allow, U6 deny, U7 allow
	pmRoleDeny   = 2003 // role B deny, role A allow, U4 allow
	pmMemberDeny = 2004 // U5, owner and admin each denied by a member overwrite
	pmStaff      = 2005 // @everyone deny and nothing else

	pmOwner = 3001
	pmAdmin = 3002
	pmU1    = 3003 // role A
	pmU2    = 3004 // role B; granted MESSAGE_CONTENT but does not ask for it
	pmU3    = 3005 // roles A and B
	pmU4    = 3006 // role B, member allow on #roledeny
	pmU5    = 3007 // no roles, member deny on #memberdeny
	pmU6    = 3008 // role A, member deny on #private
	pmU7    = 3009 // no roles, member allow on #private
)

var pmChannels = []uint64{pmPublic, pmPrivate, pmRoleDeny, pmMemberDeny, pmStaff}

// pmSees is the expected VIEW_CHANNEL matrix, in pmChannels' order:
// public, private, roledeny, memberdeny, staff.
var pmSees = map[uint64][5]bool{
	pmOwner: {true, true, true, true, true},    // owner: everything, own deny ignored
	pmAdmin: {true, true, true, true, true},    // ADMINISTRATOR: everything, own deny ignored
	pmU1:    {true, true, true, true, false},   // role A allow beats @everyone deny
	pmU2:    {true, false, false, true, false}, // role B deny
	pmU3:    {true, true, true, true, false},   // role allows apply after role denies
	pmU4:    {true, false, true, true, false},  // member allow beats role B deny
	pmU5:    {true, false, true, false, false}, // member deny
	pmU6:    {true, false, true, true, false},  // member deny beats role A allow
	pmU7:    {true, true, true, true, false},   // member allow beats @everyone deny
}

// pmContent lists who asks for (and is granted) MESSAGE_CONTENT.
var pmContent = map[uint64]bool{pmAdmin: true, pmU3: true, pmU7: true}

// pmMessage is one message of the matrix: where, by whom, mentioning whom.
type pmMessage struct {
	channel  uint64
	author   uint64
	mentions []uint64
	content  string
}

// pmMessages is posted in this order; #public last, so that its message is
// the marker after which every session has received all it will.
var pmMessages = []pmMessage{
	{pmPrivate, pmOwner, []uint64{pmU1}, "m-private"},
	{pmRoleDeny, pmU5, nil, "m-roledeny"},
	{pmMemberDeny, pmU2, []uint64{pmU5}, "m-memberdeny"}, // U5 is mentioned but cannot see it
	{pmStaff, pmAdmin, nil, "m-staff"},
	{pmPublic, pmU4, []uint64{pmU6}, "m-public"},
}

func setupPermGuild(t *testing.T, put func(method, path, body string)) {
	t.Helper()
	users := []uint64{pmOwner, pmAdmin, pmU1, pmU2, pmU3, pmU4, pmU5, pmU6, pmU7}
	for _, u := range users {
		grant := 0
		if pmContent[u] || u == pmU2 {
			grant = intentMessageContent
		}
		put("PUT", fmt.Sprintf("/users/%d", u), fmt.Sprintf(`{"username":"user%d","privileged_intents":%d}`, u, grant))
	}
	ow := func(id uint64, typ int, allow, deny int) string {
		return fmt.Sprintf(`{"id":"%d","type":%d,"allow":"%d","deny":"%d"}`, id, typ, allow, deny)
	}
	ch := func(id uint64, name string, ows ...string) string {
		b, _ := json.Marshal(name)
		return fmt.Sprintf(`{"id":"%d","type":0,"name":%s,"position":%d,"permission_overwrites":[%s]}`, id, b, id, join(ows))
	}
	guild := fmt.Sprintf(`{"name":"Matrix","owner_id":"%d","roles":[
		{"id":"%d","name":"@everyone","permissions":"%d"},
		{"id":"%d","name":"admin","permissions":"8","position":3},
		{"id":"%d","name":"a","permissions":"0","position":2},
		{"id":"%d","name":"b","permissions":"0","position":1}],"channels":[%s]}`,
		pmOwner, pmGuild, viewChannel|1<<11|1<<16, pmRoleAdmin, pmRoleA, pmRoleB, join([]string{
			ch(pmPublic, "public"),
			ch(pmPrivate, "private", ow(pmGuild, 0, 0, viewChannel), ow(pmRoleA, 0, viewChannel, 0), ow(pmU6, 1, 0, viewChannel), ow(pmU7, 1, viewChannel, 0)),
			ch(pmRoleDeny, "roledeny", ow(pmRoleB, 0, 0, viewChannel), ow(pmRoleA, 0, viewChannel, 0), ow(pmU4, 1, viewChannel, 0)),
			ch(pmMemberDeny, "memberdeny", ow(pmU5, 1, 0, viewChannel), ow(pmOwner, 1, 0, viewChannel), ow(pmAdmin, 1, 0, viewChannel)),
			ch(pmStaff, "staff", ow(pmGuild, 0, 0, viewChannel)),
		}))
	put("PUT", fmt.Sprintf("/guilds/%d", pmGuild), guild)
	roles := map[uint64][]uint64{pmAdmin: {pmRoleAdmin}, pmU1: {pmRoleA}, pmU2: {pmRoleB}, pmU3: {pmRoleA, pmRoleB}, pmU4: {pmRoleB}, pmU6: {pmRoleA}}
	for _, u := range users {
		rs := make([]string, 0, len(roles[u]))
		for _, r := range roles[u] {
			rs = append(rs, fmt.Sprintf(`"%d"`, r))
		}
		put("PUT", fmt.Sprintf("/guilds/%d/members/%d", pmGuild, u), `{"roles":[`+join(rs)+`]}`)
	}
}

func join(s []string) string {
	out := ""
	for i, x := range s {
		if i > 0 {
			out += ","
		}
		out += x
	}
	return out
}

// TestPermissionMatrix: nine users with every kind of overwrite each see,
// in GUILD_CREATE and in MESSAGE_CREATE over their own socket, exactly the
// channels the hand-written matrix says; message content is blanked unless
// the user has MESSAGE_CONTENT, wrote the message or is mentioned in it.
func TestPermissionMatrix(t *testing.T) {
	n := startNode(t)
	setupPermGuild(t, func(method, path, body string) { gatetest.MustIngest(t, n, method, path, body) })

	users := []uint64{pmOwner, pmAdmin, pmU1, pmU2, pmU3, pmU4, pmU5, pmU6, pmU7}
	sess := map[uint64]*gatetest.Session{}
	for _, u := range users {
		intents := uint64(intentGuilds | intentGuildMessages)
		if pmContent[u] {
			intents |= intentMessageContent
		}
		s := gatetest.Connect(t, n, u, intents, nil)
		s.Until("GUILD_CREATE", nil)
		sess[u] = s
	}
	// GUILD_CREATE lists exactly the visible channels.
	for _, u := range users {
		s := sess[u]
		gcs := gatetest.Named(s.Log, "GUILD_CREATE")
		if len(gcs) != 1 {
			t.Fatalf("user %d: %d GUILD_CREATEs", u, len(gcs))
		}
		gc := decodeGuildCreate(t, gcs[0])
		var got, want []string
		for _, c := range gc.Channels {
			got = append(got, c.ID)
		}
		for i, c := range pmChannels {
			if pmSees[u][i] {
				want = append(want, itoa(c))
			}
		}
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Errorf("user %d: GUILD_CREATE channels %v, want %v", u, got, want)
		}
	}

	ids := make([]string, len(pmMessages))
	for i, m := range pmMessages {
		var mentions []string
		for _, u := range m.mentions {
			mentions = append(mentions, fmt.Sprintf(`{"id":"%d","username":"user%d"}`, u, u))
		}
		ids[i] = postMessage(t, n, m.channel, fmt.Sprintf(`{"author":{"id":"%d"},"content":%q,"mentions":[%s]}`, m.author, m.content, join(mentions)))
	}
	marker := ids[len(ids)-1]

	for _, u := range users {
		got := gatetest.Named(sess[u].UntilMessage(marker), "MESSAGE_CREATE")
		byID := map[string]gatetest.Msg{}
		for _, m := range got {
			id := gatetest.Field(m, "id")
			if _, dup := byID[id]; dup {
				t.Errorf("user %d: message %s twice", u, id)
			}
			byID[id] = m
		}
		for i, pm := range pmMessages {
			ci := slices.Index(pmChannels, pm.channel)
			m, ok := byID[ids[i]]
			if ok != pmSees[u][ci] {
				t.Errorf("user %d: MESSAGE_CREATE in %d received=%v, want %v", u, pm.channel, ok, pmSees[u][ci])
				continue
			}
			if !ok {
				continue
			}
			wantContent := ""
			if pmContent[u] || pm.author == u || slices.Contains(pm.mentions, u) {
				wantContent = pm.content
			}
			if c := gatetest.Field(m, "content"); c != wantContent {
				t.Errorf("user %d: message in %d has content %q, want %q", u, pm.channel, c, wantContent)
			}
			if gatetest.Field(m, "channel_id") != itoa(pm.channel) || gatetest.Field(m, "guild_id") != itoa(pmGuild) {
				t.Errorf("user %d: message ids: %.200s", u, m.D)
			}
		}
		for id := range byID {
			if !slices.Contains(ids, id) {
				t.Errorf("user %d: unexpected message %s", u, id)
			}
		}
	}
}
