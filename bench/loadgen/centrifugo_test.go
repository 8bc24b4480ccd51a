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

// centPeer is a hand-driven server speaking Centrifugo's JSON client
// protocol as its documentation and its Go server library frame it: it
// answers the connect and subscribe commands by id, then sends one
// WebSocket message holding two publications and a ping (newline-separated
// replies), and reports what the client sent back after that.
func centPeer(t *testing.T, sentAt int64) (url string, afterPing <-chan string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	got := make(chan string, 1)
	go func() {
		nc, err := ln.Accept()
		if err != nil {
			return
		}
		defer nc.Close()
		_ = nc.SetDeadline(time.Now().Add(10 * time.Second))
		br := bufio.NewReader(nc)
		req, err := http.ReadRequest(br)
		if err != nil || req.URL.Path != "/connection/websocket" {
			return
		}
		h := sha1.Sum([]byte(req.Header.Get("Sec-WebSocket-Key") + wsGUID))
		fmt.Fprintf(nc, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n",
			base64.StdEncoding.EncodeToString(h[:]))
		var dec ws.Decoder
		var in []byte
		next := func() string {
			for {
				n, ev, err := dec.Decode(in, 0)
				if err != nil {
					return ""
				}
				if n > 0 {
					in = in[n:]
					if ev.Kind == ws.KindText {
						return string(ev.Payload)
					}
					continue
				}
				var tmp [4096]byte
				k, err := br.Read(tmp[:])
				if err != nil {
					return ""
				}
				in = append(in, tmp[:k]...)
			}
		}
		send := func(s string) { _, _ = nc.Write(ws.AppendFrame(nil, ws.OpText, []byte(s))) }
		if c := next(); !strings.Contains(c, `"id":1`) || !strings.Contains(c, `"connect"`) {
			return
		}
		send(`{"id":1,"connect":{"client":"c1","version":"6.9.1","ping":25,"pong":true}}`)
		if c := next(); !strings.Contains(c, `"id":2`) || !strings.Contains(c, `"subscribe":{"channel":"bench"}`) {
			return
		}
		send(`{"id":2,"subscribe":{}}`)
		pub := func(i int) string {
			return `{"push":{"channel":"bench","pub":{"data":{"content":"x","nonce":"` + Tag(1, i, sentAt) + `"}}}}`
		}
		send(pub(0) + "\n" + pub(1) + "\n{}")
		got <- next()
		_, _ = br.Discard(1 << 20)
	}()
	return "ws://" + ln.Addr().String(), got
}

// TestCentrifugoProtocol connects, subscribes, counts both publications of
// a batched message with their latency, and answers the ping with a pong.
func TestCentrifugoProtocol(t *testing.T) {
	url, afterPing := centPeer(t, time.Now().UnixNano())
	r, err := New(Config{URL: url, Conns: 1, Secret: "s", Protocol: ProtocolCentrifugo, TrackMessages: 4})
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
	select {
	case pong := <-afterPing:
		if pong != "{}" {
			t.Fatalf("client answered the ping with %q, want {}", pong)
		}
	case <-ctx.Done():
		t.Fatal("no pong")
	}
	res := r.Stop(time.Second)
	if res.Stats.Ready != 1 || res.Stats.ErrorTotal() != 0 || res.Stats.Dispatches != 2 {
		t.Fatalf("ready %d dispatches %d errors %v, want 1 subscribed, 2 publications, no errors", res.Stats.Ready, res.Stats.Dispatches, res.Stats.Errors)
	}
	if len(res.Deliveries) != 1 || res.Deliveries[0].Count != 2 || len(res.Deliveries[0].Messages) != 2 {
		t.Fatalf("deliveries %+v", res.Deliveries)
	}
}

// TestCentrifugoRefusesGatewayOptions: compression, resume and the
// identify barrier belong to the gateway protocol.
func TestCentrifugoRefusesGatewayOptions(t *testing.T) {
	for _, c := range []Config{
		{Compress: "zlib-stream"}, {Resume: true}, {IdentifyBarrier: true},
	} {
		c.URL, c.Conns, c.Secret, c.Protocol = "ws://127.0.0.1:1", 1, "s", ProtocolCentrifugo
		if _, err := New(c); err == nil {
			t.Errorf("New(%+v) accepted", c)
		}
	}
	if _, err := New(Config{URL: "ws://127.0.0.1:1", Conns: 1, Secret: "s", Protocol: "mqtt"}); err == nil {
		t.Error("unknown protocol accepted")
	}
}
