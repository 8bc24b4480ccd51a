package ws

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// TestOurClientAgainstGorillaServer sends our masked client frames to a
// gorilla server (which rejects unmasked or malformed frames) that echoes
// them, and decodes its server frames with ClientDecoder.
func TestOurClientAgainstGorillaServer(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		up := websocket.Upgrader{ReadBufferSize: 1024, WriteBufferSize: 1 << 17}
		c, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer c.Close()
		for {
			k, data, err := c.ReadMessage()
			if err != nil {
				return // a close frame: gorilla's close handler has answered it
			}
			if err := c.WriteMessage(k, data); err != nil {
				return
			}
		}
	}))
	defer srv.Close()

	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(hangGuard))

	var raw [16]byte
	rand.Read(raw[:])
	key := base64.StdEncoding.EncodeToString(raw[:])
	io.WriteString(conn, "GET /ws HTTP/1.1\r\nHost: "+srv.Listener.Addr().String()+
		"\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: "+key+"\r\n\r\n")
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 101 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	if got, want := resp.Header.Get("Sec-WebSocket-Accept"), string(AppendAcceptKey(nil, []byte(key))); got != want {
		t.Fatalf("gorilla's accept %q, ours %q", got, want)
	}

	var (
		dec  ClientDecoder
		pend []byte
		buf  = make([]byte, 4096)
	)
	next := func() rec {
		t.Helper()
		for {
			n, ev, err := dec.Decode(pend, 1<<20)
			if err != nil {
				t.Fatalf("decoding gorilla's frame: %v", err)
			}
			if ev.Kind != KindNone {
				r := rec{ev.Kind, ev.Code, string(ev.Payload)}
				pend = pend[n:]
				return r
			}
			pend = pend[n:]
			k, err := br.Read(buf)
			if err != nil {
				t.Fatalf("read: %v", err)
			}
			pend = append(pend, buf[:k]...)
		}
	}

	keyN := byte(0)
	mkey := func() [4]byte { keyN++; return [4]byte{keyN, 0xA5, ^keyN, 0x3C} }
	for _, n := range []int{0, 1, 125, 126, 5000, 65535, 65536, 70000} {
		for _, op := range []Opcode{OpText, OpBinary} {
			payload := bytes.Repeat([]byte{0xC3}, n) // not UTF-8: fine for binary
			if op == OpText {
				payload = []byte(strings.Repeat("ü", n/2) + strings.Repeat("u", n%2))
			}
			if _, err := conn.Write(AppendMaskedFrame(nil, op, payload, mkey())); err != nil {
				t.Fatal(err)
			}
			if got := next(); got.Kind != kindOf(op) || got.Payload != string(payload) {
				t.Fatalf("echo of %d-byte op %d: kind %v len %d", n, op, got.Kind, len(got.Payload))
			}
		}
	}

	// Fragmented text with a ping between fragments: gorilla answers the
	// ping first, then echoes the whole message.
	var frames []byte
	frames = appendMasked(frames, opText, []byte("frag"), mkey())
	frames = AppendMaskedFrame(frames, OpPing, []byte("are you there"), mkey())
	frames = appendMasked(frames, opCont, []byte("men"), mkey())
	frames = appendMasked(frames, fin|opCont, []byte("ted ✓"), mkey())
	conn.Write(frames)
	if got := next(); got != (rec{Kind: KindPong, Payload: "are you there"}) {
		t.Fatalf("got %v, want pong", got)
	}
	if got := next(); got != (rec{Kind: KindText, Payload: "fragmented ✓"}) {
		t.Fatalf("got %v, want the reassembled text", got)
	}

	conn.Write(AppendMaskedFrame(nil, OpClose, []byte(closePayload(1000, "bye")), mkey()))
	if got := next(); got.Kind != KindClose || got.Code != 1000 {
		t.Fatalf("got %v, want gorilla's close echo 1000", got)
	}
}
