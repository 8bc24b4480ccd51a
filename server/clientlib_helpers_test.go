package server_test

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"gatehouse/bindings"
	"gatehouse/core/protocol"
	"gatehouse/core/session"
	"gatehouse/internal/gatetest"
	"gatehouse/server"
	"gatehouse/server/ws"
)

// This file is the scenario shared by the client-library tests: one real
// gatehouse server, one unmodified client library driven through a small
// adapter (libClient), and evidence taken only from what the library itself
// reports (its READY, RESUMED, heartbeat ACK and dispatch callbacks with the
// sequence numbers it saw) plus the server's session registry.

// libCheckFor polls f every step until it returns nil or total has passed, as
// nats-server's tests do; it never sleeps as an assertion.
func libCheckFor(t testing.TB, total, step time.Duration, f func() error) {
	t.Helper()
	deadline := time.Now().Add(total)
	var err error
	for time.Now().Before(deadline) {
		if err = f(); err == nil {
			return
		}
		time.Sleep(step)
	}
	t.Fatalf("condition not met within %v: %v", total, err)
}

// libDispatch is one op 0 dispatch as the library reported it. Content is
// the message content the library decoded, for MESSAGE_CREATE.
type libDispatch struct {
	T       string
	S       int
	Content string
}

// libDispatchLog collects dispatches from the library's callback goroutine; the
// test reads snapshots.
type libDispatchLog struct {
	mu      sync.Mutex
	entries []libDispatch
}

func (l *libDispatchLog) add(e libDispatch) {
	l.mu.Lock()
	l.entries = append(l.entries, e)
	l.mu.Unlock()
}

// setContent attaches content to the entry with sequence s (libraries that
// report the typed event after the raw one).
func (l *libDispatchLog) setContent(s int, content string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for i := len(l.entries) - 1; i >= 0; i-- {
		if l.entries[i].S == s {
			l.entries[i].Content = content
			return
		}
	}
	l.entries = append(l.entries, libDispatch{T: "?content-without-dispatch", S: s, Content: content})
}

func (l *libDispatchLog) snapshot() []libDispatch {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]libDispatch(nil), l.entries...)
}

// libOfType returns the entries of type t, in arrival order.
func libOfType(es []libDispatch, t string) []libDispatch {
	var out []libDispatch
	for _, e := range es {
		if e.T == t {
			out = append(out, e)
		}
	}
	return out
}

// libCheckNoGap verifies the library saw s = 1, 2, 3, ... with nothing missing,
// repeated or reordered.
func libCheckNoGap(es []libDispatch) error {
	for i, e := range es {
		if e.S != i+1 {
			return fmt.Errorf("dispatch %d (%s) has s=%d, want %d; all: %s", i, e.T, e.S, i+1, libBrief(es))
		}
	}
	return nil
}

// libBrief lists dispatches as T:s, for failure messages.
func libBrief(es []libDispatch) string {
	parts := make([]string, len(es))
	for i, e := range es {
		parts[i] = e.T + ":" + strconv.Itoa(e.S)
	}
	return "[" + strings.Join(parts, " ") + "]"
}

// libGate is the dialer handed to the library (both use gorilla's
// websocket.Dialer, whose NetDialContext is an exported option). While the
// gate is shut, new connections wait, so events dispatched during that time
// are provably sent while the client is away. Every connection is tapped:
// the server's frames are counted by kind as they reach the library.
type libGate struct {
	mu     sync.Mutex
	shut   bool
	opened chan struct{} // closed when the gate opens; replaced when it shuts
	dials  atomic.Int32

	text, binary atomic.Int64
	closes       sync.Map // server close code (ws.CloseCode) -> struct{}
}

func newLibGate() *libGate {
	g := &libGate{opened: make(chan struct{})}
	close(g.opened)
	return g
}

// Shut makes later dials wait until Open.
func (g *libGate) Shut() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if !g.shut {
		g.shut = true
		g.opened = make(chan struct{})
	}
}

// Open lets waiting and later dials through.
func (g *libGate) Open() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.shut {
		g.shut = false
		close(g.opened)
	}
}

// DialContext has the signature of websocket.Dialer.NetDialContext.
func (g *libGate) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	g.mu.Lock()
	opened := g.opened
	g.mu.Unlock()
	select {
	case <-opened:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	var d net.Dialer
	c, err := d.DialContext(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	g.dials.Add(1)
	return &libTapConn{Conn: c, g: g}, nil
}

// summary describes what crossed the wire, for -v output.
func (g *libGate) summary() string {
	var codes []int
	g.closes.Range(func(k, _ any) bool { codes = append(codes, int(k.(ws.CloseCode))); return true })
	sort.Ints(codes)
	return fmt.Sprintf("%d dials, %d text and %d binary frames, server close codes %v",
		g.dials.Load(), g.text.Load(), g.binary.Load(), codes)
}

// sawClose reports whether the server sent a close frame with code.
func (g *libGate) sawClose(code ws.CloseCode) bool {
	_, ok := g.closes.Load(code)
	return ok
}

// libTapConn counts the WebSocket frames the server sends on one connection,
// decoding a copy of the bytes the library reads. Read is called only by the
// library's single reader goroutine.
type libTapConn struct {
	net.Conn
	g       *libGate
	upgrade bool // the HTTP 101 response has been skipped
	broken  bool
	buf     []byte
	dec     ws.ClientDecoder
}

func (c *libTapConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if n > 0 && !c.broken {
		c.observe(p[:n])
	}
	return n, err
}

func (c *libTapConn) observe(b []byte) {
	c.buf = append(c.buf, b...)
	if !c.upgrade {
		i := bytes.Index(c.buf, []byte("\r\n\r\n"))
		if i < 0 {
			return
		}
		c.upgrade = true
		c.buf = append(c.buf[:0], c.buf[i+4:]...)
	}
	for {
		n, ev, err := c.dec.Decode(c.buf, 1<<30)
		if err != nil {
			c.broken = true
			return
		}
		if n == 0 {
			return
		}
		c.buf = append(c.buf[:0], c.buf[n:]...)
		switch ev.Kind {
		case ws.KindText:
			c.g.text.Add(1)
		case ws.KindBinary:
			c.g.binary.Add(1)
		case ws.KindClose:
			c.g.closes.Store(ev.Code, struct{}{})
		}
	}
}

// libClient adapts one client library to the scenario. Every method is
// called from the test goroutine.
type libClient interface {
	// Open connects and identifies; READY may arrive after it returns.
	Open(t *testing.T)
	// Ready returns the session id and user id the library took from READY,
	// ok false until it has one.
	Ready() (sessionID, userID string, ok bool)
	// Acks is how many heartbeat ACKs the library has observed.
	Acks() int
	// Dispatches is every op 0 dispatch the library has reported, in order.
	Dispatches() []libDispatch
	// Close is the library's own graceful close.
	Close(t *testing.T)
}

// libDisconnect is one way the server takes a session's connection away.
// wire, when not zero, is the close code the library must have received.
type libDisconnect struct {
	name string
	do   func(*session.Session)
	wire ws.CloseCode
}

var (
	libKick4009 = libDisconnect{"kick-4009", func(s *session.Session) { s.Kick(protocol.CloseSessionTimedOut) }, 4009}
	libOp7      = libDisconnect{"op7-reconnect", func(s *session.Session) { s.Reconnect() }, 0}
)

// libScenario is the lifecycle every library must survive.
type libScenario struct {
	user       uint64
	disconnect []libDisconnect
	// compressed says whether payload compression (Identify compress:true)
	// is on: then large dispatches must reach the library as binary frames.
	compressed bool
}

// clientLibInterval is the heartbeat interval the libraries are given. Not
// shorter: disgo v0.18 dereferences its last sequence (nil before the first
// dispatch) when its first heartbeat fires, one interval after Hello, so
// READY must reliably arrive within it; discordgo reconnects (closing with
// 1000, which ends the session) when no ACK came for 5 intervals.
const clientLibInterval = 500 * time.Millisecond

// libWait is the deadline for any single step; generous for -race on 2 cores.
const libWait = 15 * time.Second

// startClientLibServer runs a gateway for a library test. Compression is
// the Rust core's, so payload compression is checked by each library's own
// compress/zlib.
func startClientLibServer(t *testing.T) *server.Server {
	return gatetest.Start(t, bindings.Rust(), func(c *server.Config) {
		c.Session.HeartbeatInterval = clientLibInterval
		// The ACKs the library reports are the heartbeat evidence; the
		// tolerance only keeps a slow -race run from timing the session out.
		c.Session.HeartbeatTolerance = 3 * time.Second
		c.Session.ResumeWindow = 30 * time.Second
	})
}

// libMessageJSON is a Discord message object as MESSAGE_CREATE carries it.
func libMessageJSON(id, channel, author uint64, content string) []byte {
	return []byte(`{"id":"` + strconv.FormatUint(id, 10) + `","channel_id":"` + strconv.FormatUint(channel, 10) +
		`","author":{"id":"` + strconv.FormatUint(author, 10) + `","username":"sender","discriminator":"0","global_name":null,"avatar":null,"bot":false}` +
		`,"content":` + strconv.Quote(content) +
		`,"timestamp":"2024-05-01T12:00:00.000000+00:00","edited_timestamp":null,"tts":false,"mention_everyone":false` +
		`,"mentions":[],"mention_roles":[],"attachments":[],"embeds":[],"pinned":false,"type":0,"flags":0}`)
}

// libSnowflake is a valid snowflake created at 2024-05-01T12:00Z with n
// (below 1<<22) in its worker/sequence bits.
func libSnowflake(n uint64) uint64 { return (uint64(1714564800000-1420070400000) << 22) | n }

// libSender dispatches numbered MESSAGE_CREATEs and remembers their contents.
type libSender struct {
	n    uint64
	sent []string
}

// send dispatches count messages to s; the middle one is over 1 KiB so that
// payload compression (PayloadMinLen 1024) applies to it.
func (m *libSender) send(t *testing.T, s *session.Session, label string, count int) {
	t.Helper()
	for i := 0; i < count; i++ {
		m.n++
		content := fmt.Sprintf("%s #%d", label, m.n)
		if i == count/2 {
			content += " " + strings.Repeat("padding ", 200)
		}
		if !s.Dispatch("MESSAGE_CREATE", libMessageJSON(libSnowflake(m.n), libSnowflake(1<<20), libSnowflake(1<<21), content)) {
			t.Fatalf("dispatch %q: session ended", label)
		}
		m.sent = append(m.sent, content)
	}
}

// waitMessages waits until the library has reported every sent message.
func (m *libSender) waitMessages(t *testing.T, c libClient) {
	t.Helper()
	libCheckFor(t, libWait, 10*time.Millisecond, func() error {
		got := libOfType(c.Dispatches(), "MESSAGE_CREATE")
		if len(got) < len(m.sent) {
			return fmt.Errorf("library has %d of %d messages", len(got), len(m.sent))
		}
		return nil
	})
	got := libOfType(c.Dispatches(), "MESSAGE_CREATE")
	if len(got) != len(m.sent) {
		t.Fatalf("library has %d messages, sent %d", len(got), len(m.sent))
	}
	for i, e := range got {
		if e.Content != m.sent[i] {
			t.Fatalf("message %d: library has %.40q, sent %.40q", i, e.Content, m.sent[i])
		}
	}
}

// run drives c through the lifecycle against srv.
func (sc libScenario) run(t *testing.T, srv *server.Server, g *libGate, c libClient) {
	mgr := srv.Manager()

	// 1. Connect and READY: the ids the library reports are the server's.
	c.Open(t)
	var sid, uid string
	libCheckFor(t, libWait, 10*time.Millisecond, func() error {
		var ok bool
		if sid, uid, ok = c.Ready(); !ok {
			return fmt.Errorf("no READY yet")
		}
		return nil
	})
	if want := strconv.FormatUint(sc.user, 10); uid != want {
		t.Fatalf("READY user id %q, want %q", uid, want)
	}
	sess := mgr.Get(sid)
	if sess == nil {
		t.Fatalf("READY session id %q is not a live session on the server", sid)
	}
	if byUser := mgr.ByUser(sc.user); len(byUser) != 1 || byUser[0] != sess {
		t.Fatalf("server has %d sessions for the user, want exactly the READY one", len(byUser))
	}

	// 2. Heartbeats: three ACKs the library itself observed, and the server
	// still holds the connection.
	base := c.Acks()
	libCheckFor(t, libWait, 10*time.Millisecond, func() error {
		if n := c.Acks() - base; n < 3 {
			return fmt.Errorf("library observed %d heartbeat ACKs since READY", n)
		}
		return nil
	})
	if !sess.Attached() {
		t.Fatal("session detached during heartbeating")
	}

	// 3. Live dispatches, in order.
	var m libSender
	m.send(t, sess, "live", 5)
	m.waitMessages(t, c)

	// 4. Disconnects: events sent while the client is away are replayed on
	// its own resume, before RESUMED.
	for i, d := range sc.disconnect {
		g.Shut()
		d.do(sess)
		libCheckFor(t, libWait, 5*time.Millisecond, func() error {
			if sess.Attached() {
				return fmt.Errorf("%s: session still attached", d.name)
			}
			return nil
		})
		before := len(c.Dispatches())
		m.send(t, sess, "away-"+d.name, 4)
		g.Open()
		libCheckFor(t, libWait, 10*time.Millisecond, func() error {
			if n := len(libOfType(c.Dispatches(), "RESUMED")); n < i+1 {
				return fmt.Errorf("%s: library reported %d RESUMED, want %d", d.name, n, i+1)
			}
			return nil
		})
		m.waitMessages(t, c)
		after := c.Dispatches()[before:]
		if len(after) < 5 || after[4].T != "RESUMED" {
			t.Fatalf("%s: want the 4 away messages replayed then RESUMED, got %s", d.name, libBrief(after))
		}
		if mgr.Get(sid) != sess {
			t.Fatalf("%s: the server no longer has the session", d.name)
		}
		if d.wire != 0 && !g.sawClose(d.wire) {
			t.Fatalf("%s: no close %d reached the library", d.name, d.wire)
		}
		m.send(t, sess, "after-"+d.name, 3)
		m.waitMessages(t, c)
	}

	// No gap in s, the last s is the server's, and nothing unexpected.
	es := c.Dispatches()
	if err := libCheckNoGap(es); err != nil {
		t.Fatal(err)
	}
	if last := uint64(es[len(es)-1].S); last != sess.Seq() {
		t.Fatalf("library's last s %d, server's %d", last, sess.Seq())
	}
	if es[0].T != "READY" || len(libOfType(es, "READY")) != 1 {
		t.Fatalf("want exactly one READY, first: %s", libBrief(es))
	}
	if n := len(libOfType(es, "RESUMED")); n != len(sc.disconnect) {
		t.Fatalf("%d RESUMED, want %d", n, len(sc.disconnect))
	}
	if n := int(g.dials.Load()); n != 1+len(sc.disconnect) {
		t.Fatalf("library dialled %d times, want %d", n, 1+len(sc.disconnect))
	}
	switch bin := g.binary.Load(); {
	case sc.compressed && bin == 0:
		t.Fatal("payload compression on, but no binary frame reached the library")
	case !sc.compressed && bin != 0:
		t.Fatalf("payload compression off, but %d binary frames reached the library", bin)
	}

	t.Logf("wire: %s", g.summary())

	// 5. The library's close ends the session on the server.
	c.Close(t)
	libCheckFor(t, libWait, 10*time.Millisecond, func() error {
		if mgr.Get(sid) != nil {
			return fmt.Errorf("session %s still live after the library closed", sid)
		}
		return nil
	})
}
