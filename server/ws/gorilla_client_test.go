package ws

import (
	"bufio"
	"errors"
	"io"
	mrand "math/rand/v2"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// These tests check our codec against gorilla/websocket, a WebSocket
// implementation we did not write: gorilla's client frames (masked,
// fragmented by its write buffer, control frames between fragments) go
// through our upgrade parser and Decoder, and our server frames and accept
// key go through gorilla's reader and handshake checks; then the reverse with
// our client encoder against a gorilla server (gorilla_server_test.go).

// hangGuard bounds a test that would otherwise block forever on a bug. It is
// not a timing assertion: nothing is expected to come near it.
const hangGuard = 30 * time.Second

// serverLog is what ourServer saw.
type serverLog struct {
	path, query, host string
	events            []rec
	err               error
	midMessage        bool // a read ended with fragments of a message reassembled
}

// ourServer is a miniature of the gnet loop: reads of pseudo-random sizes
// are appended to a pending buffer, ParseUpgrade then Decode consume from its
// front, and every message is echoed with our encoder.
func ourServer(conn net.Conn, seed uint64) (log serverLog) {
	rng := mrand.New(mrand.NewPCG(seed, 1))
	var (
		pend     []byte
		read     = make([]byte, 8192)
		upgraded bool
		dec      Decoder
	)
	defer dec.Reset()
	for {
		k, err := conn.Read(read[:1+rng.IntN(len(read))])
		if err != nil {
			log.err = err
			return log
		}
		pend = append(pend, read[:k]...)
		off := 0
		if !upgraded {
			n, req, err := ParseUpgrade(pend, UpgradeLimits{})
			if err != nil {
				conn.Write(RejectResponse(err))
				log.err = err
				return log
			}
			if n == 0 {
				continue
			}
			log.path, log.query, log.host = string(req.Path), string(req.Query), string(req.Host)
			if _, err := conn.Write(AcceptResponse(req.Key, nil)); err != nil {
				log.err = err
				return log
			}
			upgraded, off = true, n
		}
		for {
			n, ev, err := dec.Decode(pend[off:], 1<<20)
			if err != nil {
				ce := err.(*CloseError)
				conn.Write(AppendClose(nil, ce.Code, ce.Reason))
				log.err = err
				return log
			}
			if n == 0 {
				break
			}
			off += n
			if ev.Kind == KindNone {
				continue
			}
			log.events = append(log.events, rec{ev.Kind, ev.Code, string(ev.Payload)})
			var out []byte
			switch ev.Kind {
			case KindText:
				out = AppendFrame(nil, OpText, ev.Payload)
			case KindBinary:
				// Header and payload written separately, as the lead does
				// with a shared payload.
				out = append(AppendHeader(nil, OpBinary, len(ev.Payload)), ev.Payload...)
			case KindPing:
				out = AppendFrame(nil, OpPong, ev.Payload)
			case KindClose:
				conn.Write(AppendClose(nil, ev.Code, string(ev.Payload)))
				io.Copy(io.Discard, conn) // gorilla answers our close; drain until the test hangs up
				return log
			}
			if out != nil {
				if _, err := conn.Write(out); err != nil {
					log.err = err
					return log
				}
			}
		}
		log.midMessage = log.midMessage || (dec.frag != nil && !dec.frag.done)
		pend = append(pend[:0], pend[off:]...)
	}
}

func TestGorillaClientAgainstOurCodec(t *testing.T) {
	// A small write buffer makes gorilla fragment every message longer than
	// it; a large one makes it send 16- and 64-bit lengths in one frame.
	for _, wbuf := range []int{512, 1 << 17} {
		t.Run("writeBuffer="+strconv.Itoa(wbuf), func(t *testing.T) {
			gorillaRoundTrip(t, wbuf, uint64(wbuf))
		})
	}
}

func gorillaRoundTrip(t *testing.T, writeBuffer int, seed uint64) {
	srvConn, cliConn := net.Pipe()
	defer srvConn.Close()
	defer cliConn.Close()
	srvConn.SetDeadline(time.Now().Add(hangGuard))
	cliConn.SetDeadline(time.Now().Add(hangGuard))

	logc := make(chan serverLog, 1)
	go func() { logc <- ourServer(srvConn, seed) }()

	dialer := websocket.Dialer{
		NetDial:          func(string, string) (net.Conn, error) { return cliConn, nil },
		WriteBufferSize:  writeBuffer,
		HandshakeTimeout: hangGuard,
	}
	conn, resp, err := dialer.Dial("ws://gatehouse.test:4000/api/gateway?v=10&encoding=json", nil)
	if err != nil {
		t.Fatalf("gorilla rejected our handshake: %v", err)
	}
	resp.Body.Close()

	unicodeText := strings.Repeat("héllo wörld 世界 🎉 ", 300) // ~6 KB, multibyte runes cut by fragment edges
	bin := make([]byte, 70000)
	for i := range bin {
		bin[i] = byte(i * 7)
	}
	type msg struct {
		kind int
		data string
	}
	sent := []msg{
		{websocket.TextMessage, "hello"},
		{websocket.TextMessage, ""},
		{websocket.BinaryMessage, string(bin[:256])},
		{websocket.TextMessage, unicodeText},
		{websocket.BinaryMessage, string(bin[:65535])},
		{websocket.BinaryMessage, string(bin)},
	}

	// Reader: gorilla needs one goroutine reading while we write.
	var (
		mu     sync.Mutex
		pongs  []string
		echoes []msg
	)
	conn.SetPongHandler(func(s string) error { mu.Lock(); pongs = append(pongs, s); mu.Unlock(); return nil })
	readDone := make(chan error, 1)
	go func() {
		for {
			k, data, err := conn.ReadMessage()
			if err != nil {
				readDone <- err
				return
			}
			mu.Lock()
			echoes = append(echoes, msg{k, string(data)})
			mu.Unlock()
		}
	}()

	for _, m := range sent {
		if err := conn.WriteMessage(m.kind, []byte(m.data)); err != nil {
			t.Fatal(err)
		}
	}
	// A message written in parts with a ping sent in the middle: with the
	// small buffer the ping goes out between two fragments.
	w, err := conn.NextWriter(websocket.TextMessage)
	if err != nil {
		t.Fatal(err)
	}
	part1, part2 := strings.Repeat("a", 2000), strings.Repeat("b", 2000)
	w.Write([]byte(part1))
	if err := conn.WriteControl(websocket.PingMessage, []byte("mid"), time.Now().Add(hangGuard)); err != nil {
		t.Fatal(err)
	}
	w.Write([]byte(part2))
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	sent = append(sent, msg{websocket.TextMessage, part1 + part2})
	if err := conn.WriteControl(websocket.PongMessage, []byte("unsolicited"), time.Now().Add(hangGuard)); err != nil {
		t.Fatal(err)
	}
	if err := conn.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(4000, "bye")); err != nil {
		t.Fatal(err)
	}

	rerr := <-readDone
	var ce *websocket.CloseError
	if !errors.As(rerr, &ce) || ce.Code != 4000 || ce.Text != "bye" {
		t.Fatalf("gorilla read %v, want our close 4000 \"bye\" echoed", rerr)
	}
	cliConn.Close()
	log := <-logc

	if writeBuffer < 1024 && !log.midMessage {
		t.Error("gorilla's fragments never reached the reassembly buffer")
	}
	if log.path != "/api/gateway" || log.query != "v=10&encoding=json" || log.host != "gatehouse.test:4000" {
		t.Errorf("handshake: path %q query %q host %q", log.path, log.query, log.host)
	}
	var want []rec
	for i, m := range sent {
		if i == len(sent)-1 {
			want = append(want, rec{Kind: KindPing, Payload: "mid"})
		}
		k := KindText
		if m.kind == websocket.BinaryMessage {
			k = KindBinary
		}
		want = append(want, rec{Kind: k, Payload: m.data})
	}
	want = append(want, rec{Kind: KindPong, Payload: "unsolicited"}, rc(4000, "bye"))
	if !(outcome{events: log.events}).equal(outcome{events: want}) {
		t.Fatalf("our decoder saw %d events %.300v\nwant %d %.300v", len(log.events), log.events, len(want), want)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(echoes) != len(sent) {
		t.Fatalf("gorilla read %d echoes, want %d", len(echoes), len(sent))
	}
	for i := range sent {
		if echoes[i] != sent[i] {
			t.Fatalf("echo %d differs: kind %d len %d, want kind %d len %d", i, echoes[i].kind, len(echoes[i].data), sent[i].kind, len(sent[i].data))
		}
	}
	if len(pongs) != 1 || pongs[0] != "mid" {
		t.Fatalf("gorilla got pongs %q, want [mid]", pongs)
	}
}

// TestGorillaReadsOurReject checks gorilla's client reads our 426 as an
// HTTP response carrying the version we speak.
func TestGorillaReadsOurReject(t *testing.T) {
	srvConn, cliConn := net.Pipe()
	defer srvConn.Close()
	defer cliConn.Close()
	srvConn.SetDeadline(time.Now().Add(hangGuard))
	go func() {
		br := bufio.NewReader(srvConn)
		var pend []byte
		for {
			b, err := br.ReadByte()
			if err != nil {
				return
			}
			pend = append(pend, b)
			if n, _, _ := ParseUpgrade(pend, UpgradeLimits{}); n > 0 {
				srvConn.Write(RejectResponse(ErrVersion))
				srvConn.Close()
				return
			}
		}
	}()
	dialer := websocket.Dialer{NetDial: func(string, string) (net.Conn, error) { return cliConn, nil }, HandshakeTimeout: hangGuard}
	_, resp, err := dialer.Dial("ws://h/", nil)
	if !errors.Is(err, websocket.ErrBadHandshake) || resp == nil || resp.StatusCode != 426 {
		t.Fatalf("err %v resp %v, want bad handshake with 426", err, resp)
	}
	if resp.Header.Get("Sec-WebSocket-Version") != "13" {
		t.Fatalf("426 lacks Sec-WebSocket-Version: 13")
	}
}
