package node_test

import (
	"encoding/json"
	"strconv"
	"testing"
	"time"

	"gatehouse/bindings/purego"
	"gatehouse/cmd/gatehouse/node"
	"gatehouse/internal/gatetest"
)

// Intent bits the end-to-end tests ask for, written out so the tests do not
// lean on the code under test for them.
const (
	intentGuilds         = 1 << 0
	intentGuildMembers   = 1 << 1
	intentGuildPresences = 1 << 8
	intentGuildMessages  = 1 << 9
	intentMessageContent = 1 << 15
	viewChannel          = 1 << 10
)

// startNode runs a node whose sessions need no heartbeat for the length of
// a test (gatetest.Session does not send any), so that a slow step in a
// test never closes a session with 4009.
func startNode(t *testing.T) *node.Node {
	t.Helper()
	return gatetest.StartNode(t, purego.Factory(), func(c *node.Config) {
		c.Server.Session.HeartbeatInterval = 10 * time.Minute
	})
}

// postMessage posts a message through ingest and returns its id.
func postMessage(t *testing.T, n *node.Node, channel uint64, body string) string {
	t.Helper()
	b := gatetest.MustIngest(t, n, "POST", "/channels/"+itoa(channel)+"/messages", body)
	var m struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(b, &m); err != nil || m.ID == "" {
		t.Fatalf("message answer without id: %s", b)
	}
	return m.ID
}

func itoa(v uint64) string { return strconv.FormatUint(v, 10) }

// guildCreateOf decodes the parts of GUILD_CREATE the tests compare.
type guildCreateD struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	OwnerID     string `json:"owner_id"`
	MemberCount int    `json:"member_count"`
	Channels    []struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	} `json:"channels"`
	Roles []struct {
		ID          string `json:"id"`
		Name        string `json:"name"`
		Permissions string `json:"permissions"`
	} `json:"roles"`
	Members []struct {
		User struct {
			ID string `json:"id"`
		} `json:"user"`
		Roles []string `json:"roles"`
	} `json:"members"`
	Presences []struct {
		User struct {
			ID string `json:"id"`
		} `json:"user"`
		Status string `json:"status"`
	} `json:"presences"`
}

func decodeGuildCreate(t *testing.T, m gatetest.Msg) guildCreateD {
	t.Helper()
	var g guildCreateD
	if err := json.Unmarshal(m.D, &g); err != nil {
		t.Fatalf("GUILD_CREATE d: %v: %.300s", err, m.D)
	}
	return g
}
