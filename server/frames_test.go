package server_test

import (
	"fmt"
	"strings"
	"testing"

	"gatehouse/internal/gatetest"
	"gatehouse/server"
	"gatehouse/server/ws"
)

var rawMaskKey = [4]byte{0x37, 0xfa, 0x21, 0x3d}

// rawFrame is a masked client frame; fin false makes it a fragment.
func rawFrame(op ws.Opcode, payload string, fin bool) []byte {
	b := ws.AppendMaskedFrame(nil, op, []byte(payload), rawMaskKey)
	if !fin {
		b[0] &^= 0x80
	}
	return b
}

// TestBadFrames sends frames RFC 6455 forbids and checks the close code, and
// that the server drops the connection after it.
func TestBadFrames(t *testing.T) {
	t.Parallel()
	srv := rawStart(t, func(c *server.Config) { c.MaxMessage = 2048 })
	heartbeat := `{"op":1,"d":null}`
	rsv := rawFrame(ws.OpText, heartbeat, true)
	rsv[0] |= 0x40
	cases := []struct {
		name  string
		frame []byte
		code  ws.CloseCode
	}{
		{"unmasked", ws.AppendFrame(nil, ws.OpText, []byte(heartbeat)), 1002},
		{"rsv1", rsv, 1002},
		{"opcode 3", rawFrame(ws.Opcode(3), heartbeat, true), 1002},
		{"opcode 11", rawFrame(ws.Opcode(11), "", true), 1002},
		{"fragmented ping", rawFrame(ws.OpPing, "hi", false), 1002},
		{"continuation first", rawFrame(ws.OpContinuation, heartbeat, true), 1002},
		{"text inside fragmented", append(rawFrame(ws.OpText, `{"op":`, false), rawFrame(ws.OpText, heartbeat, true)...), 1002},
		{"ping over 125", rawFrame(ws.OpPing, strings.Repeat("p", 126), true), 1002},
		{"close code 999", rawFrame(ws.OpClose, "\x03\xe7", true), 1002},
		{"invalid utf-8", rawFrame(ws.OpText, "{\"op\":1,\"d\":\"\xff\xfe\"}", true), 1007},
		{"invalid utf-8 across fragments", append(rawFrame(ws.OpText, "{\"op\":1,\"d\":\"\xe2\x82", false), rawFrame(ws.OpContinuation, "\"}", true)...), 1007},
		{"over MaxMessage", rawFrame(ws.OpText, strings.Repeat(" ", 2049), true), 1009},
		{"fragments over MaxMessage", append(rawFrame(ws.OpText, strings.Repeat(" ", 1500), false), rawFrame(ws.OpContinuation, strings.Repeat(" ", 1500), true)...), 1009},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			g := gatetest.DialGateway(t, srv, rawQuery)
			g.Hello()
			g.Write(tc.frame)
			if code, reason := g.ExpectClose(); code != tc.code {
				t.Fatalf("closed with %d %q, want %d", code, reason, tc.code)
			}
			if !g.Closed(gatetest.Wait) {
				t.Fatal("connection left open after a protocol error")
			}
		})
	}
}

// TestPingPong checks a ping is answered with a pong carrying its payload,
// before and after Identify.
func TestPingPong(t *testing.T) {
	t.Parallel()
	srv := rawStart(t, nil)
	g := gatetest.DialGateway(t, srv, rawQuery)
	g.Hello()
	rawPing(t, g, "before identify")
	g.Identify(401, nil)
	rawPing(t, g, "")
	rawPing(t, g, strings.Repeat("z", 125))
}

func rawPing(t *testing.T, g *gatetest.Gateway, payload string) {
	t.Helper()
	g.Write(rawFrame(ws.OpPing, payload, true))
	ev, err := g.Next(gatetest.Wait)
	if err != nil || ev.Kind != ws.KindPong || string(ev.Payload) != payload {
		t.Fatalf("want pong %q, got %v %q (%v)", payload, ev.Kind, ev.Payload, err)
	}
}

// TestFragmentedIdentify splits Identify over three fragments with a ping
// between them: the pong comes back at once and READY follows.
func TestFragmentedIdentify(t *testing.T) {
	t.Parallel()
	srv := rawStart(t, nil)
	g := gatetest.DialGateway(t, srv, rawQuery)
	g.Hello()
	id := gatetest.IdentifyPayload(gatetest.Token(402), nil)
	a, b := len(id)/3, 2*len(id)/3
	g.Write(rawFrame(ws.OpText, id[:a], false))
	g.Write(rawFrame(ws.OpPing, "mid-message", true))
	ev, err := g.Next(gatetest.Wait)
	if err != nil || ev.Kind != ws.KindPong || string(ev.Payload) != "mid-message" {
		t.Fatalf("want pong between fragments, got %v %q (%v)", ev.Kind, ev.Payload, err)
	}
	g.Write(rawFrame(ws.OpContinuation, id[a:b], false))
	g.Write(rawFrame(ws.OpContinuation, id[b:], true))
	g.ExpectDispatch("READY", 1)
	// Fragments and control frames in a single write decode the same way.
	g.Write(append(append(rawFrame(ws.OpText, `{"op":1,`, false), rawFrame(ws.OpPing, "x", true)...), rawFrame(ws.OpContinuation, `"d":1}`, true)...))
	ev, err = g.Next(gatetest.Wait)
	if err != nil || ev.Kind != ws.KindPong {
		t.Fatalf("want pong, got %v (%v)", ev.Kind, err)
	}
	g.Expect(11)
}

// TestClientCloseEndsSession checks that a client close with 1000 or 1001 is
// echoed and ends the session.
func TestClientCloseEndsSession(t *testing.T) {
	t.Parallel()
	srv := rawStart(t, nil)
	for i, code := range []ws.CloseCode{1000, 1001} {
		t.Run(fmt.Sprint(code), func(t *testing.T) {
			t.Parallel()
			g, s := rawIdentified(t, srv, rawQuery, uint64(410+i))
			g.SendClose(code, "bye")
			if got, _ := g.ExpectClose(); got != code {
				t.Fatalf("server echoed %d, want %d", got, code)
			}
			if !g.Closed(gatetest.Wait) {
				t.Fatal("server kept the connection after echoing the close")
			}
			gatetest.Eventually(t, gatetest.Wait, func() error {
				if srv.Manager().Get(s.ID) != nil {
					return fmt.Errorf("session %s still registered", s.ID)
				}
				return nil
			})
			if s.Dispatch("MESSAGE_CREATE", rawMessage(1, 0)) {
				t.Fatal("an ended session accepted a dispatch")
			}
			g2 := gatetest.DialGateway(t, srv, rawQuery)
			g2.Hello()
			g2.SendText(gatetest.ResumePayload(gatetest.Token(uint64(410+i)), s.ID, 1))
			rawExpectInvalid(t, g2)
		})
	}
}

// TestClientCloseKeepsSession checks that any other client close code is
// echoed and leaves the session resumable.
func TestClientCloseKeepsSession(t *testing.T) {
	t.Parallel()
	srv := rawStart(t, nil)
	g, s := rawIdentified(t, srv, rawQuery, 420)
	g.SendClose(4000, "reconnecting")
	if got, _ := g.ExpectClose(); got != 4000 {
		t.Fatalf("server echoed %d, want 4000", got)
	}
	if !g.Closed(gatetest.Wait) {
		t.Fatal("server kept the connection after echoing the close")
	}
	rawDetached(t, s)
	s.Dispatch("MESSAGE_CREATE", rawMessage(1, 0))
	g2 := gatetest.DialGateway(t, srv, rawQuery)
	g2.Hello()
	g2.SendText(gatetest.ResumePayload(gatetest.Token(420), s.ID, 1))
	rawExpectMessage(t, g2, 2, 1, 0)
	g2.ExpectDispatch("RESUMED", 3)
}

// TestServerCloseAnsweredWith1000 checks that a client answering the
// server's close (here a kick with 4009) with 1000 keeps its session: only
// a close the client starts ends it.
func TestServerCloseAnsweredWith1000(t *testing.T) {
	t.Parallel()
	srv := rawStart(t, nil)
	g, s := rawIdentified(t, srv, rawQuery, 421)
	s.Kick(4009)
	if code, _ := g.ExpectClose(); code != 4009 {
		t.Fatalf("kick closed with %d", code)
	}
	rawEchoClose(t, g, 1000)
	rawDetached(t, s)
	if srv.Manager().Get(s.ID) == nil {
		t.Fatal("session ended by the client's answer to a server close")
	}
	g2 := gatetest.DialGateway(t, srv, rawQuery)
	g2.Hello()
	g2.SendText(gatetest.ResumePayload(gatetest.Token(421), s.ID, 1))
	g2.ExpectDispatch("RESUMED", 2)
}
