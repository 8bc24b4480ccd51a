package node_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"testing"

	"gatehouse/cmd/gatehouse/node"
	"gatehouse/internal/gatetest"
)

const (
	msGuild   = 4000
	msOther   = 4500 // a guild no session on the node is in
	msPublic  = 4100
	msSecret  = 4101
	msRole    = 4201
	msOwner   = 4001 // never connects
	msWatcher = 4002 // GUILDS | GUILD_MESSAGES | GUILD_MEMBERS
	msPlain   = 4003 // GUILDS | GUILD_MESSAGES
	msNoGuild = 4005 // GUILD_MESSAGES only: no GUILDS intent
	msJoiner  = 4004 // GUILDS | GUILD_MESSAGES, in no guild when it connects
)

// label names a dispatch and the record it is about, e.g.
// "CHANNEL_DELETE:4101", so a test can compare streams as short lists.
func label(m gatetest.Msg) string {
	var d struct {
		ID     string `json:"id"`
		RoleID string `json:"role_id"`
		Role   struct {
			ID string `json:"id"`
		} `json:"role"`
		User struct {
			ID string `json:"id"`
		} `json:"user"`
	}
	_ = json.Unmarshal(m.D, &d)
	id := d.ID
	switch {
	case d.Role.ID != "":
		id = d.Role.ID
	case d.RoleID != "":
		id = d.RoleID
	case d.User.ID != "" && m.Name() != "MESSAGE_CREATE":
		id = d.User.ID
	}
	return m.Name() + ":" + id
}

// stepper runs one change at a time and checks, per session, exactly what
// it received because of it: after the change a marker message goes to
// #public, and every session reads up to it.
type stepper struct {
	t    *testing.T
	n    *node.Node
	sess map[uint64]*gatetest.Session
}

func (st *stepper) step(name string, change func(), want map[uint64][]string) {
	t := st.t
	t.Helper()
	change()
	marker := postMessage(t, st.n, msPublic, fmt.Sprintf(`{"author":{"id":"%d"},"content":"marker %s"}`, msOwner, name))
	for u, s := range st.sess {
		got := s.UntilMessage(marker)
		labels := make([]string, 0, len(got)-1)
		for _, m := range got[:len(got)-1] {
			labels = append(labels, label(m))
		}
		w := want[u]
		if w == nil {
			w = []string{}
		}
		if !slices.Equal(labels, w) {
			t.Errorf("%s: user %d received %v, want %v", name, u, labels, w)
		}
	}
}

// TestMembershipChangesWhileConnected: joining and leaving a guild while
// connected produces GUILD_CREATE / GUILD_DELETE for the member and
// GUILD_MEMBER_ADD/UPDATE/REMOVE only for sessions with GUILD_MEMBERS (and
// the member itself for its own update); role and channel changes reach
// exactly the sessions allowed to see them, and a channel that becomes
// visible or hidden is created or deleted for that session. Joining a
// guild no session on the node is in works too, and deleting a guild
// sends GUILD_DELETE.
func TestMembershipChangesWhileConnected(t *testing.T) {
	n := startNode(t)
	for _, u := range []uint64{msOwner, msWatcher, msPlain, msNoGuild, msJoiner} {
		grant := 0
		if u == msWatcher {
			grant = intentGuildMembers
		}
		gatetest.MustIngest(t, n, "PUT", fmt.Sprintf("/users/%d", u), fmt.Sprintf(`{"username":"user%d","privileged_intents":%d}`, u, grant))
	}
	gatetest.MustIngest(t, n, "PUT", fmt.Sprintf("/guilds/%d", msGuild), fmt.Sprintf(`{"name":"Members","owner_id":"%d","channels":[{"id":"%d","type":0,"name":"public"}]}`, msOwner, msPublic))
	gatetest.MustIngest(t, n, "PUT", fmt.Sprintf("/guilds/%d", msOther), fmt.Sprintf(`{"name":"Elsewhere","owner_id":"%d","channels":[{"id":"4501","type":0,"name":"general"}]}`, msOwner))
	for _, u := range []uint64{msOwner, msWatcher, msPlain, msNoGuild} {
		gatetest.MustIngest(t, n, "PUT", fmt.Sprintf("/guilds/%d/members/%d", msGuild, u), `{}`)
	}
	gatetest.MustIngest(t, n, "PUT", fmt.Sprintf("/guilds/%d/members/%d", msOther, msOwner), `{}`)

	st := &stepper{t: t, n: n, sess: map[uint64]*gatetest.Session{}}
	for u, intents := range map[uint64]uint64{
		msWatcher: intentGuilds | intentGuildMessages | intentGuildMembers,
		msPlain:   intentGuilds | intentGuildMessages,
		msNoGuild: intentGuildMessages,
	} {
		s := gatetest.Connect(t, n, u, intents, nil)
		s.Until("GUILD_CREATE", nil)
		st.sess[u] = s
	}
	joiner := gatetest.Connect(t, n, msJoiner, intentGuilds|intentGuildMessages, nil)
	var ready struct {
		Guilds []json.RawMessage `json:"guilds"`
	}
	if err := json.Unmarshal(joiner.Ready.D, &ready); err != nil || len(ready.Guilds) != 0 {
		t.Fatalf("joiner READY guilds: %s", joiner.Ready.D)
	}

	path := func(format string, a ...any) string { return fmt.Sprintf(format, a...) }
	ingest := func(method, p, body string) func() {
		return func() { gatetest.MustIngest(t, n, method, p, body) }
	}
	g, j, pl := itoa(msGuild), itoa(msJoiner), itoa(msPlain)
	sc := itoa(msSecret)

	st.step("join", func() {
		gatetest.MustIngest(t, n, "PUT", path("/guilds/%d/members/%d", msGuild, msJoiner), `{}`)
		joiner.Until("GUILD_CREATE", nil)
		st.sess[msJoiner] = joiner
	}, map[uint64][]string{msWatcher: {"GUILD_MEMBER_ADD:" + j}})
	if gc := decodeGuildCreate(t, gatetest.Named(joiner.Log, "GUILD_CREATE")[0]); gc.ID != g || gc.MemberCount != 5 {
		t.Errorf("joiner GUILD_CREATE: id %s, member_count %d", gc.ID, gc.MemberCount)
	}

	st.step("member update", ingest("PUT", path("/guilds/%d/members/%d", msGuild, msJoiner), `{"nick":"joe"}`),
		map[uint64][]string{msWatcher: {"GUILD_MEMBER_UPDATE:" + j}, msJoiner: {"GUILD_MEMBER_UPDATE:" + j}})

	st.step("guild update", ingest("PUT", path("/guilds/%d", msGuild), fmt.Sprintf(`{"name":"Renamed","owner_id":"%d"}`, msOwner)),
		map[uint64][]string{msWatcher: {"GUILD_UPDATE:" + g}, msPlain: {"GUILD_UPDATE:" + g}, msJoiner: {"GUILD_UPDATE:" + g}})

	everyone := func(t string) map[uint64][]string {
		return map[uint64][]string{msWatcher: {t}, msPlain: {t}, msJoiner: {t}}
	}
	r := itoa(msRole)
	st.step("role create", ingest("PUT", path("/guilds/%d/roles/%d", msGuild, msRole), `{"name":"new","permissions":"0"}`), everyone("GUILD_ROLE_CREATE:"+r))
	st.step("role update", ingest("PUT", path("/guilds/%d/roles/%d", msGuild, msRole), `{"name":"renamed","permissions":"0"}`), everyone("GUILD_ROLE_UPDATE:"+r))
	st.step("role delete", ingest("DELETE", path("/guilds/%d/roles/%d", msGuild, msRole), ``), everyone("GUILD_ROLE_DELETE:"+r))

	secret := func(ows string) string {
		return fmt.Sprintf(`{"type":0,"name":"secret","permission_overwrites":[%s]}`, ows)
	}
	st.step("hidden channel create", ingest("PUT", path("/guilds/%d/channels/%d", msGuild, msSecret),
		secret(fmt.Sprintf(`{"id":"%d","type":0,"allow":"0","deny":"%d"},{"id":"%d","type":1,"allow":"%d","deny":"0"}`, msGuild, viewChannel, msWatcher, viewChannel))),
		map[uint64][]string{msWatcher: {"CHANNEL_CREATE:" + sc}})
	st.step("channel opened", ingest("PUT", path("/guilds/%d/channels/%d", msGuild, msSecret), secret(``)),
		map[uint64][]string{msWatcher: {"CHANNEL_UPDATE:" + sc}, msPlain: {"CHANNEL_CREATE:" + sc}, msJoiner: {"CHANNEL_CREATE:" + sc}})
	st.step("channel hidden from one", ingest("PUT", path("/guilds/%d/channels/%d", msGuild, msSecret),
		secret(fmt.Sprintf(`{"id":"%s","type":1,"allow":"0","deny":"%d"}`, pl, viewChannel))),
		map[uint64][]string{msWatcher: {"CHANNEL_UPDATE:" + sc}, msPlain: {"CHANNEL_DELETE:" + sc}, msJoiner: {"CHANNEL_UPDATE:" + sc}})
	st.step("channel delete", ingest("DELETE", path("/guilds/%d/channels/%d", msGuild, msSecret), ``),
		map[uint64][]string{msWatcher: {"CHANNEL_DELETE:" + sc}, msJoiner: {"CHANNEL_DELETE:" + sc}})

	// Leaving: the member gets GUILD_DELETE and then nothing of the guild.
	delete(st.sess, msJoiner)
	st.step("leave", func() {
		gatetest.MustIngest(t, n, "DELETE", path("/guilds/%d/members/%d", msGuild, msJoiner), ``)
		got := joiner.Until("GUILD_DELETE", nil)
		if len(got) != 1 || gatetest.Field(got[0], "id") != g {
			t.Errorf("joiner before GUILD_DELETE: %v", gatetest.Names(got))
		}
	}, map[uint64][]string{msWatcher: {"GUILD_MEMBER_REMOVE:" + j}})

	// Joining a guild nobody on this node is in: the node has no actor for
	// it yet, and the member must still get GUILD_CREATE.
	gatetest.MustIngest(t, n, "PUT", path("/guilds/%d/members/%d", msOther, msJoiner), `{}`)
	got := joiner.Until("GUILD_CREATE", nil)
	if len(got) != 1 {
		t.Errorf("joiner before second GUILD_CREATE: %v", gatetest.Names(got))
	}
	if gc := decodeGuildCreate(t, got[len(got)-1]); gc.ID != itoa(msOther) || len(gc.Channels) != 1 {
		t.Errorf("second GUILD_CREATE: %+v", gc)
	}
	// ...and its messages from then on.
	id := postMessage(t, n, 4501, fmt.Sprintf(`{"author":{"id":"%d"},"content":"welcome"}`, msOwner))
	if got := joiner.UntilMessage(id); len(got) != 1 {
		t.Errorf("joiner before the welcome message: %v", gatetest.Names(got))
	}
	// Deleting the guild ends it for its member.
	gatetest.MustIngest(t, n, "DELETE", path("/guilds/%d", msOther), ``)
	if got := joiner.Until("GUILD_DELETE", nil); len(got) != 1 || gatetest.Field(got[0], "id") != itoa(msOther) {
		t.Errorf("joiner before GUILD_DELETE of the deleted guild: %v", gatetest.Names(got))
	}
}
