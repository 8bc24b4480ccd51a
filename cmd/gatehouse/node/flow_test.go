package node_test

import (
	"strings"
	"testing"
	"time"

	"gatehouse/bindings/purego"
	"gatehouse/cmd/gatehouse/node"
	"gatehouse/internal/gatetest"
	"gatehouse/server/ws"
)

// TestGuildFlow: state pushed through ingest shows up in READY and
// GUILD_CREATE, and a message reaches the member over a real socket.
func TestGuildFlow(t *testing.T) {
	n := gatetest.StartNode(t, purego.Factory(), func(c *node.Config) {
		// This client sends no heartbeats.
		c.Server.Session.HeartbeatInterval = time.Minute
	})
	gatetest.MustIngest(t, n, "PUT", "/users/1001", `{"username":"alice"}`)
	gatetest.MustIngest(t, n, "PUT", "/guilds/5000", `{"name":"Guild","owner_id":"1001","channels":[{"id":"5001","type":0,"name":"general"}]}`)
	gatetest.MustIngest(t, n, "PUT", "/guilds/5000/members/1001", `{"nick":"al"}`)

	c := gatetest.Dial(t, n.Server, "v=10&encoding=json")
	if _, err := c.Next(2 * time.Second); err != nil {
		t.Fatal(err)
	}
	c.SendText(`{"op":2,"d":{"token":"` + gatetest.Token(1001) + `","properties":{"os":"l","browser":"t","device":"t"},"intents":513}}`)
	next := func(want string) string {
		t.Helper()
		for {
			ev, err := c.Next(3 * time.Second)
			if err != nil {
				t.Fatalf("waiting for %s: %v", want, err)
			}
			if ev.Kind == ws.KindText && strings.Contains(string(ev.Payload), `"t":"`+want+`"`) {
				return string(ev.Payload)
			}
		}
	}
	ready := next("READY")
	if !strings.Contains(ready, `"guilds":[{"id":"5000","unavailable":true}]`) || !strings.Contains(ready, `"username":"alice"`) {
		t.Fatalf("READY: %s", ready)
	}
	gc := next("GUILD_CREATE")
	if !strings.Contains(gc, `"name":"general"`) {
		t.Fatalf("GUILD_CREATE: %s", gc)
	}
	gatetest.MustIngest(t, n, "POST", "/channels/5001/messages", `{"author":{"id":"1001"},"content":"hi there"}`)
	msg := next("MESSAGE_CREATE")
	if !strings.Contains(msg, `"content":""`) {
		// Without MESSAGE_CONTENT the author still sees their own content.
		if !strings.Contains(msg, `"content":"hi there"`) {
			t.Fatalf("MESSAGE_CREATE: %s", msg)
		}
	}
}
