package server_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"gatehouse/core/session"
	"gatehouse/internal/gatetest"
	"gatehouse/server"
	"gatehouse/server/ws"
)

// rawQuery is the gateway URL query most raw-socket tests connect with.
const rawQuery = "v=10&encoding=json"

// rawStart starts a gateway for the raw-socket tests. Heartbeats are due
// only every 20 s, so that a slow machine never turns a test about
// something else into a 4009; tests about heartbeats shorten it in mutate.
func rawStart(t *testing.T, mutate func(*server.Config)) *server.Server {
	t.Helper()
	return gatetest.Start(t, rawCompression(), func(c *server.Config) {
		c.Session.HeartbeatInterval = 20 * time.Second
		c.Session.HeartbeatTolerance = 20 * time.Second
		c.Session.ResumeWindow = time.Minute
		if mutate != nil {
			mutate(c)
		}
	})
}

// rawIdentified dials srv, reads Hello and identifies user; it returns the
// client and the session.
func rawIdentified(t *testing.T, srv *server.Server, query string, user uint64) (*gatetest.Gateway, *session.Session) {
	t.Helper()
	g := gatetest.DialGateway(t, srv, query)
	g.Hello()
	id := g.Identify(user, nil)
	s := srv.Manager().Get(id)
	if s == nil {
		t.Fatalf("session %s not registered after READY", id)
	}
	return g, s
}

// rawMessage is the d of a test MESSAGE_CREATE; pad makes it about that many
// bytes longer.
func rawMessage(n int, pad int) []byte {
	b, _ := json.Marshal(map[string]any{
		"id": fmt.Sprint(1000 + n), "channel_id": "77", "guild_id": nil,
		"content": fmt.Sprintf("message %d %s", n, strings.Repeat("lorem ipsum dolor sit amet ", pad/27)),
		"author":  map[string]any{"id": "42", "username": "gatetest", "discriminator": "0"},
	})
	return b
}

// rawExpectMessage reads the next payload and checks that it is the
// MESSAGE_CREATE made by rawMessage(n, pad) with sequence seq.
func rawExpectMessage(t *testing.T, g *gatetest.Gateway, seq uint64, n, pad int) {
	t.Helper()
	m := g.ExpectDispatch("MESSAGE_CREATE", seq)
	if want := rawMessage(n, pad); string(m.D) != string(want) {
		t.Fatalf("s=%d: d is %d bytes %.80q, want %d bytes %.80q", seq, len(m.D), m.D, len(want), want)
	}
}

// rawEchoClose answers the server's close frame with the same code and
// checks that the server then drops the TCP connection.
func rawEchoClose(t *testing.T, g *gatetest.Gateway, code ws.CloseCode) {
	t.Helper()
	g.SendClose(code, "")
	if !g.Closed(gatetest.Wait) {
		t.Fatal("server kept the TCP connection open after the close handshake")
	}
}

// rawDetached polls until s has no connection.
func rawDetached(t *testing.T, s *session.Session) {
	t.Helper()
	gatetest.Eventually(t, gatetest.Wait, func() error {
		if s.Attached() {
			return fmt.Errorf("session %s still attached", s.ID)
		}
		return nil
	})
}
