package server_test

import (
	"fmt"
	"net"
	"testing"
	"time"

	"gatehouse/internal/gatetest"
	"gatehouse/server"
)

// rawVanish drops the client's TCP connection with no close frame (an RST,
// as when a client's network goes away) and waits until the server sees it.
func rawVanish(t *testing.T, g *gatetest.Gateway, srvSession interface{ Attached() bool }) {
	t.Helper()
	if tc, ok := g.Conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = g.Conn.Close()
	gatetest.Eventually(t, gatetest.Wait, func() error {
		if srvSession.Attached() {
			return fmt.Errorf("session still attached")
		}
		return nil
	})
}

// TestVanishResumeWithinWindow: a client that disappears without a close
// frame resumes on a new socket, gets what was dispatched meanwhile in
// order, then RESUMED, with no gap in s.
func TestVanishResumeWithinWindow(t *testing.T) {
	t.Parallel()
	srv := rawStart(t, nil)
	g, s := rawIdentified(t, srv, rawQuery, 501)
	s.Dispatch("MESSAGE_CREATE", rawMessage(1, 0))
	rawExpectMessage(t, g, 2, 1, 0)
	rawVanish(t, g, s)
	for i := 2; i <= 4; i++ {
		if !s.Dispatch("MESSAGE_CREATE", rawMessage(i, 0)) {
			t.Fatal("detached session refused a dispatch")
		}
	}
	g2 := gatetest.DialGateway(t, srv, rawQuery)
	g2.Hello()
	g2.SendText(gatetest.ResumePayload(gatetest.Token(501), s.ID, 2))
	for i := 2; i <= 4; i++ {
		rawExpectMessage(t, g2, uint64(i+1), i, 0)
	}
	g2.ExpectDispatch("RESUMED", 6)
	s.Dispatch("MESSAGE_CREATE", rawMessage(5, 0))
	rawExpectMessage(t, g2, 7, 5, 0)
	if !s.Attached() {
		t.Fatal("resumed session not attached")
	}
}

// TestVanishResumeAfterWindow: once the resume window has passed the
// session is gone and a resume gets op 9 d:false, on a socket that then
// takes a fresh Identify.
func TestVanishResumeAfterWindow(t *testing.T) {
	t.Parallel()
	srv := rawStart(t, func(c *server.Config) { c.Session.ResumeWindow = 300 * time.Millisecond })
	g, s := rawIdentified(t, srv, rawQuery, 502)
	rawVanish(t, g, s)
	gatetest.Eventually(t, gatetest.Wait, func() error {
		if srv.Manager().Get(s.ID) != nil {
			return fmt.Errorf("session %s not expired yet", s.ID)
		}
		return nil
	})
	g2 := gatetest.DialGateway(t, srv, rawQuery)
	g2.Hello()
	g2.SendText(gatetest.ResumePayload(gatetest.Token(502), s.ID, 1))
	rawExpectInvalid(t, g2)
	g2.Identify(502, nil)
}

// TestHeartbeatTimeout: a client that stops heartbeating is closed with 4009
// and its session stays resumable.
func TestHeartbeatTimeout(t *testing.T) {
	t.Parallel()
	srv := rawStart(t, func(c *server.Config) {
		c.Session.HeartbeatInterval = 500 * time.Millisecond
		c.Session.HeartbeatTolerance = 1500 * time.Millisecond
	})
	g, s := rawIdentified(t, srv, rawQuery, 503)
	// Past the interval the server asks for a heartbeat (op 1) once, then
	// gives up at interval + tolerance.
	g.Expect(1)
	if code, _ := g.ExpectClose(); code != 4009 {
		t.Fatalf("closed with %d, want 4009", code)
	}
	rawEchoClose(t, g, 4009)
	rawDetached(t, s)
	s.Dispatch("MESSAGE_CREATE", rawMessage(1, 0))
	g2 := gatetest.DialGateway(t, srv, rawQuery)
	g2.Hello()
	g2.SendText(gatetest.ResumePayload(gatetest.Token(503), s.ID, 1))
	rawExpectMessage(t, g2, 2, 1, 0)
	g2.ExpectDispatch("RESUMED", 3)
}

// TestResumeReplacesLiveConnection: resuming while the old connection is
// still up moves the session to the new one and closes the old one with a
// resumable code.
func TestResumeReplacesLiveConnection(t *testing.T) {
	t.Parallel()
	srv := rawStart(t, nil)
	g1, s := rawIdentified(t, srv, rawQuery, 504)
	g2 := gatetest.DialGateway(t, srv, rawQuery)
	g2.Hello()
	g2.SendText(gatetest.ResumePayload(gatetest.Token(504), s.ID, 1))
	g2.ExpectDispatch("RESUMED", 2)
	code, _ := g1.ExpectClose()
	if code != 4009 {
		t.Fatalf("old connection closed with %d, want 4009", code)
	}
	rawEchoClose(t, g1, code)
	s.Dispatch("MESSAGE_CREATE", rawMessage(1, 0))
	rawExpectMessage(t, g2, 3, 1, 0)
	if !s.Attached() {
		t.Fatal("closing the old connection detached the resumed session")
	}
}

// TestResumeWrongUser: a valid token of another user cannot take a session.
func TestResumeWrongUser(t *testing.T) {
	t.Parallel()
	srv := rawStart(t, nil)
	_, s := rawIdentified(t, srv, rawQuery, 505)
	g := gatetest.DialGateway(t, srv, rawQuery)
	g.Hello()
	g.SendText(gatetest.ResumePayload(gatetest.Token(506), s.ID, 1))
	rawExpectInvalid(t, g)
	if srv.Manager().Get(s.ID) == nil || !s.Attached() {
		t.Fatal("a failed resume by another user disturbed the session")
	}
}
