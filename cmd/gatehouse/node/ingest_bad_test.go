package node_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"gatehouse/cmd/gatehouse/node"
	"gatehouse/core/guild"
	"gatehouse/core/protocol"
	"gatehouse/core/store"
	"gatehouse/internal/gatetest"
)

const (
	biGuild   = 9000
	biOther   = 9500 // a second guild, owner of channel 9600
	biChannel = 9100
	biRole    = 9200
	biOwner   = 9001
	biMember  = 9002 // connected through the whole table
	biNoUser  = 9003 // has no user record
)

// biUsers are the user records the snapshot reads: existing ones, and
// every id a rejected request tried to create.
var biUsers = []protocol.Snowflake{biOwner, biMember, biNoUser, 9004, 9700, 9701, 9702, 9703, 9704}

// biChannels are the channel-index entries the snapshot reads.
var biChannels = []protocol.Snowflake{biChannel, 9101, 9102, 9600, 9999}

// snapshotState renders everything a rejected request could have written
// as one comparable string: both guilds whole (records, revision), the
// users, the channel index and the member index.
func snapshotState(t *testing.T, st store.Store) string {
	t.Helper()
	ctx := context.Background()
	var b strings.Builder
	for _, g := range []protocol.Snowflake{biGuild, biOther} {
		s, err := st.LoadGuild(ctx, g)
		if err != nil {
			t.Fatalf("load guild %d: %v", g, err)
		}
		slices.SortFunc(s.Roles, func(a, b guild.Role) int { return int(a.ID) - int(b.ID) })
		slices.SortFunc(s.Channels, func(a, b guild.Channel) int { return int(a.ID) - int(b.ID) })
		slices.SortFunc(s.Members, func(a, b guild.Member) int { return int(a.UserID) - int(b.UserID) })
		j, _ := json.Marshal(s)
		fmt.Fprintf(&b, "guild %d: %s\n", g, j)
		for _, m := range s.Members {
			fmt.Fprintf(&b, "member %d\n", m.UserID)
		}
	}
	for _, u := range biUsers {
		rec, err := st.GetUser(ctx, u)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			t.Fatal(err)
		}
		j, _ := json.Marshal(rec)
		gs, err := st.UserGuilds(ctx, u)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "user %d: %s guilds %v\n", u, j, gs)
	}
	for _, c := range biChannels {
		g, err := st.ChannelGuild(ctx, c)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "channel %d: guild %d\n", c, g)
	}
	return b.String()
}

// badCase is one rejected ingest request: the status and the field the
// JSON error must name.
type badCase struct {
	name, method, path string
	auth               string // "" means the right secret; "-" none
	body               string
	status             int
	field              string
}

func ndjson(lines ...string) string { return strings.Join(lines, "\n") + "\n" }

func batchLine(id int, username string) string {
	return fmt.Sprintf(`{"user":{"id":"%d","username":%q},"roles":[]}`, id, username)
}

func badCases() []badCase {
	big := `{"username":"` + strings.Repeat("a", 1<<20) + `"}`
	bigMsg := `{"author":{"id":"9001"},"content":"` + strings.Repeat("a", 1<<20) + `"}`
	return []badCase{
		// Authentication, on every kind of route.
		{"no auth", "PUT", "/users/9004", "-", `{"username":"x"}`, 401, "Authorization"},
		{"wrong secret", "PUT", "/users/9004", "Bearer wrong", `{"username":"x"}`, 403, "Authorization"},
		{"not bearer", "PUT", "/guilds/9000/members/9002", "Basic " + gatetest.IngestSecret, `{}`, 403, "Authorization"},
		{"no auth batch", "POST", "/guilds/9000/members:batch", "-", ndjson(batchLine(9700, "a")), 401, "Authorization"},
		{"no auth message", "POST", "/channels/9100/messages", "-", `{"author":{"id":"9001"},"content":"x"}`, 401, "Authorization"},
		{"unknown route", "GET", "/nothing", "", ``, 404, ""},

		// Users.
		{"user malformed", "PUT", "/users/9004", "", `{"username":`, 400, "body"},
		{"user empty body", "PUT", "/users/9004", "", ``, 400, "body"},
		{"user not object", "PUT", "/users/9004", "", `["x"]`, 400, "body"},
		{"user wrong type", "PUT", "/users/9004", "", `{"username":5}`, 400, "username"},
		{"user missing username", "PUT", "/users/9004", "", `{}`, 400, "username"},
		{"user bad path id", "PUT", "/users/abc", "", `{"username":"x"}`, 400, "user_id"},
		{"user zero id", "PUT", "/users/0", "", `{"username":"x"}`, 400, "user_id"},
		{"user bad body id", "PUT", "/users/9004", "", `{"id":"x9","username":"x"}`, 400, "id"},
		{"user mismatched id", "PUT", "/users/9004", "", `{"id":"9005","username":"x"}`, 400, "id"},
		{"user bad intents", "PUT", "/users/9004", "", `{"username":"x","privileged_intents":1}`, 400, "privileged_intents"},
		{"user too large", "PUT", "/users/9004", "", big, 413, "body"},
		{"user delete unknown", "DELETE", "/users/9004", "", ``, 404, ""},

		// Guilds: nothing is written unless every role and channel is valid.
		{"guild short name", "PUT", "/guilds/9000", "", `{"name":"x","owner_id":"9001"}`, 400, "name"},
		{"guild no owner", "PUT", "/guilds/9000", "", `{"name":"Renamed"}`, 400, "owner_id"},
		{"guild bad owner", "PUT", "/guilds/9000", "", `{"name":"Renamed","owner_id":"x1"}`, 400, "owner_id"},
		{"guild mismatched id", "PUT", "/guilds/9000", "", `{"id":"9001","name":"Renamed","owner_id":"9001"}`, 400, "id"},
		{"guild zero id", "PUT", "/guilds/0", "", `{"name":"Renamed","owner_id":"9001"}`, 400, "guild_id"},
		{"guild bad role", "PUT", "/guilds/9000", "", `{"name":"Renamed","owner_id":"9001","roles":[{"id":"9201","name":"ok"},{"id":"9202","name":""}]}`, 400, "roles[1].name"},
		{"guild duplicate role", "PUT", "/guilds/9000", "", `{"name":"Renamed","owner_id":"9001","roles":[{"id":"9201","name":"a"},{"id":"9201","name":"b"}]}`, 400, "roles[1].id"},
		{"guild bad channel", "PUT", "/guilds/9000", "", `{"name":"Renamed","owner_id":"9001","channels":[{"id":"9101","type":0,"name":"ok"},{"id":"9102","type":99,"name":"bad"}]}`, 400, "channels[1].type"},
		{"guild foreign channel", "PUT", "/guilds/9000", "", `{"name":"Renamed","owner_id":"9001","channels":[{"id":"9600","type":0,"name":"theirs"}]}`, 400, "channels[0].id"},
		{"guild channel wrong guild", "PUT", "/guilds/9000", "", `{"name":"Renamed","owner_id":"9001","channels":[{"id":"9101","type":0,"name":"x","guild_id":"9500"}]}`, 400, "channels[0].guild_id"},
		{"guild wrong type", "PUT", "/guilds/9000", "", `{"name":"Renamed","owner_id":"9001","afk_timeout":"long"}`, 400, "afk_timeout"},
		{"guild too large", "PUT", "/guilds/9000", "", big, 413, "body"},
		{"guild delete unknown", "DELETE", "/guilds/9999", "", ``, 404, "guild_id"},

		// Roles.
		{"role bad color", "PUT", "/guilds/9000/roles/9201", "", `{"name":"r","color":-1}`, 400, "color"},
		{"role bad permissions", "PUT", "/guilds/9000/roles/9201", "", `{"name":"r","permissions":"lots"}`, 400, "permissions"},
		{"role mismatched id", "PUT", "/guilds/9000/roles/9201", "", `{"id":"9202","name":"r"}`, 400, "id"},
		{"role bad path id", "PUT", "/guilds/9000/roles/-1", "", `{"name":"r"}`, 400, "role_id"},
		{"role unknown guild", "PUT", "/guilds/9999/roles/9201", "", `{"name":"r"}`, 404, "guild_id"},
		{"role delete everyone", "DELETE", "/guilds/9000/roles/9000", "", ``, 400, "role_id"},
		{"role delete unknown guild", "DELETE", "/guilds/9999/roles/9200", "", ``, 404, "guild_id"},

		// Channels.
		{"channel bad type", "PUT", "/guilds/9000/channels/9101", "", `{"type":99,"name":"x"}`, 400, "type"},
		{"channel no name", "PUT", "/guilds/9000/channels/9101", "", `{"type":0}`, 400, "name"},
		{"channel bad overwrite", "PUT", "/guilds/9000/channels/9101", "", `{"type":0,"name":"x","permission_overwrites":[{"id":"9002","type":3}]}`, 400, "permission_overwrites[0].type"},
		{"channel overwrite bad id", "PUT", "/guilds/9000/channels/9101", "", `{"type":0,"name":"x","permission_overwrites":[{"id":"me","type":1}]}`, 400, "permission_overwrites[0].id"},
		{"channel wrong guild", "PUT", "/guilds/9000/channels/9101", "", `{"type":0,"name":"x","guild_id":"9500"}`, 400, "guild_id"},
		{"channel of another guild", "PUT", "/guilds/9000/channels/9600", "", `{"type":0,"name":"x"}`, 400, "id"},
		{"channel unknown guild", "PUT", "/guilds/9999/channels/9101", "", `{"type":0,"name":"x"}`, 404, "guild_id"},
		{"channel delete foreign", "DELETE", "/guilds/9000/channels/9600", "", ``, 404, "channel_id"},
		{"channel delete unknown", "DELETE", "/guilds/9000/channels/9999", "", ``, 404, "channel_id"},

		// Members.
		{"member no user record", "PUT", "/guilds/9000/members/9003", "", `{}`, 400, "user"},
		{"member zero role", "PUT", "/guilds/9000/members/9002", "", `{"roles":["0"]}`, 400, "roles[0]"},
		{"member roles wrong type", "PUT", "/guilds/9000/members/9002", "", `{"roles":"9200"}`, 400, "roles"},
		{"member bad role id", "PUT", "/guilds/9000/members/9002", "", `{"roles":["9200","r1"]}`, 400, "roles[1]"},
		{"member bad joined_at", "PUT", "/guilds/9000/members/9002", "", `{"joined_at":"yesterday"}`, 400, "joined_at"},
		{"member empty nick", "PUT", "/guilds/9000/members/9002", "", `{"nick":""}`, 400, "nick"},
		{"member mismatched user", "PUT", "/guilds/9000/members/9003", "", `{"user":{"id":"9004","username":"x"}}`, 400, "user.id"},
		{"member bad inline user", "PUT", "/guilds/9000/members/9003", "", `{"user":{"id":"9003","username":""}}`, 400, "user.username"},
		{"member unknown guild", "PUT", "/guilds/9999/members/9002", "", `{}`, 404, "guild_id"},
		{"member delete not member", "DELETE", "/guilds/9000/members/9004", "", ``, 404, "user_id"},

		// Batches: one bad line anywhere rejects the whole batch.
		{"batch bad middle line", "POST", "/guilds/9000/members:batch", "", ndjson(batchLine(9700, "a"), batchLine(9701, "b"), batchLine(9702, ""), batchLine(9703, "d")), 400, "line 3: user.username"},
		{"batch malformed line", "POST", "/guilds/9000/members:batch", "", ndjson(batchLine(9700, "a"), `{"user":`, batchLine(9703, "d")), 400, "line 2: body"},
		{"batch wrong type", "POST", "/guilds/9000/members:batch", "", ndjson(batchLine(9700, "a"), `{"user":{"id":"9701","username":"b"},"roles":"x"}`), 400, "line 2: roles"},
		{"batch line without user", "POST", "/guilds/9000/members:batch", "", ndjson(batchLine(9700, "a"), `{"nick":"n"}`), 400, "line 2: user"},
		{"batch bad id", "POST", "/guilds/9000/members:batch", "", ndjson(batchLine(9700, "a"), `{"user":{"id":"x","username":"b"}}`), 400, "line 2: user.id"},
		{"batch line too long", "POST", "/guilds/9000/members:batch", "", ndjson(batchLine(9700, "a"), `{"user":{"id":"9701","username":"`+strings.Repeat("b", 70<<10)+`"}}`), 413, "line 2"},
		{"batch empty", "POST", "/guilds/9000/members:batch", "", ``, 400, "body"},
		{"batch unknown guild", "POST", "/guilds/9999/members:batch", "", ndjson(batchLine(9700, "a")), 404, "guild_id"},

		// Messages and typing.
		{"message no author", "POST", "/channels/9100/messages", "", `{"content":"x"}`, 400, "author.id"},
		{"message no content", "POST", "/channels/9100/messages", "", `{"author":{"id":"9001"}}`, 400, "content"},
		{"message unknown author", "POST", "/channels/9100/messages", "", `{"author":{"id":"9003"},"content":"x"}`, 400, "author.username"},
		{"message bad author id", "POST", "/channels/9100/messages", "", `{"author":{"id":"nine"},"content":"x"}`, 400, "author.id"},
		{"message unknown channel", "POST", "/channels/9999/messages", "", `{"author":{"id":"9001"},"content":"x"}`, 404, "channel_id"},
		{"message mismatched channel", "POST", "/channels/9100/messages", "", `{"author":{"id":"9001"},"content":"x","channel_id":"9600"}`, 400, "channel_id"},
		{"message wrong guild", "POST", "/channels/9100/messages", "", `{"author":{"id":"9001"},"content":"x","guild_id":"9500"}`, 400, "guild_id"},
		{"message too long", "POST", "/channels/9100/messages", "", `{"author":{"id":"9001"},"content":"` + strings.Repeat("a", 4001) + `"}`, 400, "content"},
		{"message mention without id", "POST", "/channels/9100/messages", "", `{"author":{"id":"9001"},"content":"x","mentions":[{"username":"y"}]}`, 400, "mentions"},
		{"message too large", "POST", "/channels/9100/messages", "", bigMsg, 413, "body"},
		{"edit bad id", "PATCH", "/channels/9100/messages/abc", "", `{"content":"x"}`, 400, "message_id"},
		{"edit mismatched id", "PATCH", "/channels/9100/messages/5", "", `{"id":"6","content":"x"}`, 400, "id"},
		{"edit unknown channel", "PATCH", "/channels/9999/messages/5", "", `{"content":"x"}`, 404, "channel_id"},
		{"delete message unknown channel", "DELETE", "/channels/9999/messages/5", "", ``, 404, "channel_id"},
		{"typing no user", "POST", "/channels/9100/typing", "", `{}`, 400, "user_id"},
		{"typing not member", "POST", "/channels/9100/typing", "", `{"user_id":"9003"}`, 400, "user_id"},
		{"typing unknown channel", "POST", "/channels/9999/typing", "", `{"user_id":"9002"}`, 404, "channel_id"},
	}
}

// TestIngestRejectsBadRequests: every request in the table gets its
// status and a JSON error naming the field at fault, and changes nothing —
// neither the store (both guilds whole, users, indexes, compared before
// and after each request) nor what a connected member receives.
func TestIngestRejectsBadRequests(t *testing.T) {
	n := startNode(t)
	setupBadIngest(t, n)
	watcher := gatetest.Connect(t, n, biMember, intentGuilds|intentGuildMembers|intentGuildMessages|intentMessageContent|1<<11, nil)
	watcher.Until("GUILD_CREATE", nil)
	st := n.Engine.Store()
	before := snapshotState(t, st)

	for _, c := range badCases() {
		auth := "Bearer " + gatetest.IngestSecret
		switch c.auth {
		case "-":
			auth = ""
		case "":
		default:
			auth = c.auth
		}
		code, body := gatetest.IngestAt(t, n.Server.HTTPAddr(), auth, c.method, c.path, []byte(c.body))
		var e struct {
			Error *struct {
				Field   string `json:"field"`
				Message string `json:"message"`
			} `json:"error"`
		}
		if err := json.Unmarshal(body, &e); err != nil || e.Error == nil || e.Error.Message == "" {
			t.Errorf("%s: answer is not a JSON error: %d %.200s", c.name, code, body)
			continue
		}
		if code != c.status || e.Error.Field != c.field {
			t.Errorf("%s: %d field %q (%s), want %d field %q", c.name, code, e.Error.Field, e.Error.Message, c.status, c.field)
		}
		if after := snapshotState(t, st); after != before {
			t.Fatalf("%s changed the state:\nbefore %s\nafter  %s", c.name, before, after)
		}
	}

	// Nothing was published either: the member's next dispatch is this.
	marker := postMessage(t, n, biChannel, `{"author":{"id":"9001"},"content":"end"}`)
	if got := watcher.UntilMessage(marker); len(got) != 1 {
		t.Errorf("rejected requests reached the member: %s", gatetest.Names(got))
	}
}

func setupBadIngest(t *testing.T, n *node.Node) {
	t.Helper()
	must := func(method, path, body string) { gatetest.MustIngest(t, n, method, path, body) }
	must("PUT", "/users/9001", `{"username":"owner"}`)
	must("PUT", "/users/9002", `{"username":"member","privileged_intents":32770}`)
	must("PUT", "/guilds/9000", `{"name":"Table","owner_id":"9001","roles":[{"id":"9200","name":"role"}],"channels":[{"id":"9100","type":0,"name":"general"}]}`)
	must("PUT", "/guilds/9500", `{"name":"Other","owner_id":"9001","channels":[{"id":"9600","type":0,"name":"theirs"}]}`)
	must("PUT", "/guilds/9000/members/9001", `{}`)
	must("PUT", "/guilds/9000/members/9002", `{"roles":["9200"]}`)
}
