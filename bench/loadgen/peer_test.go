package loadgen

import (
	"bufio"
	"context"
	"crypto/sha1"
	"encoding/base64"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"gatehouse/server/ws"
)

// awaitIdentify, as a peer step, reads client frames until an Identify.
const awaitIdentify = "<await identify>"

// peer is a hand-driven gateway on a real socket for the cases a correct
// server never produces: it upgrades (with a right or wrong accept key),
// sends Hello, then plays steps (frames to send, or awaitIdentify), and
// holds the socket.
func peer(t *testing.T, goodAccept bool, steps ...string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		nc, err := ln.Accept()
		if err != nil {
			return
		}
		defer nc.Close()
		br := bufio.NewReader(nc)
		req, err := http.ReadRequest(br)
		if err != nil {
			return
		}
		key := req.Header.Get("Sec-WebSocket-Key")
		if !goodAccept {
			key += "x"
		}
		h := sha1.Sum([]byte(key + wsGUID))
		fmt.Fprintf(nc, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n",
			base64.StdEncoding.EncodeToString(h[:]))
		_, _ = nc.Write(ws.AppendFrame(nil, ws.OpText, []byte(`{"t":null,"s":null,"op":10,"d":{"heartbeat_interval":60000}}`)))
		_ = nc.SetReadDeadline(time.Now().Add(10 * time.Second))
		var in []byte
		var dec ws.Decoder
		for _, step := range steps {
			if step != awaitIdentify {
				_, _ = nc.Write(ws.AppendFrame(nil, ws.OpText, []byte(step)))
				continue
			}
			for identified := false; !identified; {
				n, ev, err := dec.Decode(in, 0)
				if err != nil {
					return
				}
				if n == 0 {
					var tmp [4096]byte
					k, err := br.Read(tmp[:])
					if err != nil {
						return
					}
					in = append(in, tmp[:k]...)
					continue
				}
				identified = ev.Kind == ws.KindText && strings.Contains(string(ev.Payload), `"op":2`)
				in = in[n:]
			}
		}
		_, _ = br.Discard(1 << 20) // hold until the client goes
	}()
	return "ws://" + ln.Addr().String()
}

func runPeer(t *testing.T, url string) Result {
	t.Helper()
	r, err := New(Config{URL: url, Conns: 1, Secret: "s", UserBase: 7})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Start(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := r.WaitSetup(ctx); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond) // let frames after READY arrive
	return r.Stop(time.Second)
}

const peerReady = `{"t":"READY","s":1,"op":0,"d":{"v":10,"user":{"id":"7"},"session_id":"abc","resume_gateway_url":"ws://x:1"}}`

func TestSeqGapCounted(t *testing.T) {
	res := runPeer(t, peer(t, true, awaitIdentify, peerReady, `{"t":"X","s":2,"op":0,"d":{}}`, `{"t":"X","s":4,"op":0,"d":{}}`))
	if res.Stats.Ready != 1 || res.Stats.Errors["seq_gap"] != 1 {
		t.Fatalf("ready %d errors %v, want one READY and one seq gap", res.Stats.Ready, res.Stats.Errors)
	}
}

// TestInvalidSessionRetried: op 9 answering an Identify is counted, and
// the session identifies again on the same socket and gets READY.
func TestInvalidSessionRetried(t *testing.T) {
	res := runPeer(t, peer(t, true, awaitIdentify, `{"t":null,"s":null,"op":9,"d":false}`, awaitIdentify, peerReady))
	if res.Stats.Ready != 1 || res.Stats.Identifies != 2 || res.Stats.Errors["invalid_session"] != 1 {
		t.Fatalf("ready %d identifies %d errors %v, want READY after a second Identify", res.Stats.Ready, res.Stats.Identifies, res.Stats.Errors)
	}
}

func TestWrongAcceptFails(t *testing.T) {
	res := runPeer(t, peer(t, false))
	if res.Stats.Failed != 1 || res.Stats.Errors["upgrade"] != 1 {
		t.Fatalf("failed %d errors %v, want an upgrade failure", res.Stats.Failed, res.Stats.Errors)
	}
}

func TestBadReadyFails(t *testing.T) {
	// READY for another user.
	res := runPeer(t, peer(t, true, awaitIdentify, `{"t":"READY","s":1,"op":0,"d":{"v":10,"user":{"id":"8"},"session_id":"abc","resume_gateway_url":"ws://x:1"}}`))
	if res.Stats.Failed != 1 || res.Stats.Errors["ready"] != 1 {
		t.Fatalf("failed %d errors %v, want a READY failure", res.Stats.Failed, res.Stats.Errors)
	}
	// READY that is not valid JSON past the fields sonic reads.
	res = runPeer(t, peer(t, true, awaitIdentify, `{"t":"READY","s":1,"op":0,"d":{"v":10,"user":{"id":"7"},"session_id":"abc","resume_gateway_url":"ws://x:1","x":[1,]}}`))
	if res.Stats.Failed != 1 || res.Stats.ErrorTotal() != 1 {
		t.Fatalf("failed %d errors %v, want the invalid READY refused", res.Stats.Failed, res.Stats.Errors)
	}
}
