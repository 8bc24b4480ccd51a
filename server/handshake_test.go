package server_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"gatehouse/internal/gatetest"
	"gatehouse/server"
)

const rawKey = "dGhlIHNhbXBsZSBub25jZQ=="

// TestHandshakeRejections sends bad upgrade requests over raw TCP and checks
// each gets its HTTP status, a JSON body and a closed socket.
func TestHandshakeRejections(t *testing.T) {
	t.Parallel()
	srv := rawStart(t, func(c *server.Config) { c.MaxHeaderBytes = 4096 })
	req := func(method string, headers ...string) string {
		return method + " /?v=10&encoding=json HTTP/1.1\r\nHost: gatehouse\r\n" + strings.Join(headers, "") + "\r\n"
	}
	up, conn, ver, key := "Upgrade: websocket\r\n", "Connection: Upgrade\r\n", "Sec-WebSocket-Version: 13\r\n", "Sec-WebSocket-Key: "+rawKey+"\r\n"
	cases := []struct {
		name    string
		request string
		status  []int // any of
		header  [2]string
	}{
		{"post", req("POST", up, conn, ver, key), []int{405}, [2]string{"Allow", "GET"}},
		{"no upgrade", req("GET", conn, ver, key), []int{400}, [2]string{}},
		{"upgrade not websocket", req("GET", "Upgrade: h2c\r\n", conn, ver, key), []int{400}, [2]string{}},
		{"no connection", req("GET", up, ver, key), []int{400}, [2]string{}},
		{"no key", req("GET", up, conn, ver), []int{400}, [2]string{}},
		{"short key", req("GET", up, conn, ver, "Sec-WebSocket-Key: c2hvcnQ=\r\n"), []int{400}, [2]string{}},
		{"no version", req("GET", up, conn, key), []int{400, 426}, [2]string{}},
		{"version 8", req("GET", up, conn, "Sec-WebSocket-Version: 8\r\n", key), []int{426}, [2]string{"Sec-WebSocket-Version", "13"}},
		{"http/1.0", strings.Replace(req("GET", up, conn, ver, key), "HTTP/1.1", "HTTP/1.0", 1), []int{400, 505}, [2]string{}},
		{"oversized header", "GET / HTTP/1.1\r\nHost: gatehouse\r\nX-Pad: " + strings.Repeat("a", 5000), []int{431, 400}, [2]string{}},
		{"tls hello", "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", []int{400}, [2]string{}},
		{"garbage", "\x00\x01\x02\x03 hello\r\n\r\n", []int{400}, [2]string{}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := gatetest.DialRaw(t, srv)
			c.Write([]byte(tc.request))
			_ = c.Conn.SetReadDeadline(time.Now().Add(gatetest.Wait))
			resp, err := http.ReadResponse(c.Reader(), nil)
			if err != nil {
				t.Fatalf("no HTTP response: %v", err)
			}
			body, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err != nil {
				t.Fatalf("body: %v", err)
			}
			ok := false
			for _, s := range tc.status {
				ok = ok || resp.StatusCode == s
			}
			if !ok {
				t.Errorf("status %d, want one of %v", resp.StatusCode, tc.status)
			}
			if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type %q", ct)
			}
			var msg struct {
				Message *string `json:"message"`
			}
			if err := json.Unmarshal(body, &msg); err != nil || msg.Message == nil || *msg.Message == "" {
				t.Errorf("body is not a JSON error with a message: %q (%v)", body, err)
			}
			if h := tc.header; h[0] != "" && resp.Header.Get(h[0]) != h[1] {
				t.Errorf("header %s = %q, want %q", h[0], resp.Header.Get(h[0]), h[1])
			}
			if !c.Closed(gatetest.Wait) {
				t.Error("socket left open after the rejection")
			}
		})
	}
}

// TestHandshakeTimeout checks that a silent client and one that sends part
// of a request and stops are dropped, and that a client that completed the
// upgrade is not.
func TestHandshakeTimeout(t *testing.T) {
	t.Parallel()
	srv := rawStart(t, func(c *server.Config) { c.HandshakeTimeout = 200 * time.Millisecond })
	t.Run("silent", func(t *testing.T) {
		t.Parallel()
		c := gatetest.DialRaw(t, srv)
		if !c.Closed(gatetest.Wait) {
			t.Fatal("silent client not dropped")
		}
	})
	t.Run("slow", func(t *testing.T) {
		t.Parallel()
		c := gatetest.DialRaw(t, srv)
		c.Write([]byte("GET /?v=10 HT"))
		if !c.Closed(gatetest.Wait) {
			t.Fatal("slow client not dropped")
		}
	})
	t.Run("upgraded", func(t *testing.T) {
		t.Parallel()
		g := gatetest.DialGateway(t, srv, rawQuery)
		g.Hello()
		// Sleeping past the handshake timeout (several ticks) must not
		// drop an upgraded connection.
		time.Sleep(600 * time.Millisecond)
		g.SendText(`{"op":1,"d":null}`)
		g.Expect(11)
	})
}
