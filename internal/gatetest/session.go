package gatetest

import (
	"bufio"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// Session is one identified gateway session over a raw client, for
// end-to-end tests. It keeps every payload it has read, in order, so a test
// can say what arrived before a marker and what did not arrive at all.
// Like Client it belongs to the test's goroutine.
type Session struct {
	*Gateway
	User  uint64
	Ready Msg
	// Log holds every dispatch read so far (READY first).
	Log []Msg
}

// DialAddr is Dial for a gateway given by address (a node in another
// process, say): a real TCP socket upgraded with query.
func DialAddr(t testing.TB, addr, query string) *Gateway {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	c := &Client{T: t, Conn: conn, br: bufio.NewReaderSize(conn, 64<<10)}
	var key [16]byte
	_, _ = rand.Read(key[:])
	c.Write(fmt.Appendf(nil, "GET /?%s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: %s\r\n\r\n",
		query, addr, base64.StdEncoding.EncodeToString(key[:])))
	resp, err := http.ReadResponse(c.br, nil)
	if err != nil {
		t.Fatalf("upgrade response: %v", err)
	}
	if resp.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("upgrade status %d", resp.StatusCode)
	}
	return &Gateway{Client: c}
}

// ConnectAddr dials the gateway at addr (JSON, no compression), reads
// Hello and identifies as user with intents and the extra Identify keys in
// over. It returns once READY has arrived. The session does not heartbeat:
// run the server with a heartbeat interval longer than the test.
func ConnectAddr(t testing.TB, addr string, user, intents uint64, over map[string]any) *Session {
	t.Helper()
	g := DialAddr(t, addr, "v=10&encoding=json")
	g.Hello()
	o := map[string]any{"intents": intents}
	for k, v := range over {
		o[k] = v
	}
	g.SendText(IdentifyPayload(Token(user), o))
	s := &Session{Gateway: g, User: user}
	s.Ready = s.Until("READY", nil)[0]
	return s
}

// Until reads until a dispatch named name for which match (nil: any)
// holds, and returns the dispatches read on the way, that one last. A close
// frame, a broken socket or Wait without it fails the test.
func (s *Session) Until(name string, match func(Msg) bool) []Msg {
	s.T.Helper()
	var got []Msg
	deadline := time.Now().Add(Wait)
	for {
		left := time.Until(deadline)
		if left <= 0 {
			s.T.Fatalf("user %d: no %s within %v; read %s", s.User, name, Wait, Names(got))
		}
		m, err := s.Read(left)
		if err != nil {
			s.T.Fatalf("user %d: waiting for %s: %v; read %s", s.User, name, err, Names(got))
		}
		if m.Op != 0 {
			continue
		}
		got = append(got, m)
		s.Log = append(s.Log, m)
		if m.Name() == name && (match == nil || match(m)) {
			return got
		}
	}
}

// UntilMessage reads until the MESSAGE_CREATE of message id and returns
// what came before it, that message last. A marker message posted after
// the events under test is how a test proves a session received nothing
// else: one guild's events reach a session in the order they were
// published, so whatever was meant for it arrives before the marker.
func (s *Session) UntilMessage(id string) []Msg {
	s.T.Helper()
	return s.Until("MESSAGE_CREATE", func(m Msg) bool { return Field(m, "id") == id })
}

// Field is a top-level string field of m's d ("" if absent or not a
// string).
func Field(m Msg, key string) string {
	var d map[string]json.RawMessage
	if json.Unmarshal(m.D, &d) != nil {
		return ""
	}
	var v string
	if json.Unmarshal(d[key], &v) != nil {
		return ""
	}
	return v
}

// Named keeps the dispatches called name.
func Named(ms []Msg, name string) []Msg {
	var out []Msg
	for _, m := range ms {
		if m.Name() == name {
			out = append(out, m)
		}
	}
	return out
}

// Names lists the dispatch names of ms, for failure messages.
func Names(ms []Msg) string {
	n := make([]string, len(ms))
	for i, m := range ms {
		n[i] = m.Name()
	}
	return "[" + strings.Join(n, " ") + "]"
}
