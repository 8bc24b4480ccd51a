// Package gatetest starts real gatehouse servers and speaks to them over real
// sockets, for tests in any package. It is test support: production code does
// not import it.
package gatetest

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"gatehouse/core/auth"
	"gatehouse/core/compress"
	"gatehouse/core/session"
	"gatehouse/server"
	"gatehouse/server/ws"
)

// Secret signs every test token.
const Secret = "gatetest-secret"

// Signer mints tokens for tests.
var Signer, _ = auth.NewSigner(Secret)

// Token mints a token for user.
func Token(user uint64) string { return Signer.Mint(user, time.Now()) }

// Start runs a gateway on loopback with short test timings; mutate adjusts
// the config first. The server stops when the test ends.
func Start(t testing.TB, factory compress.Factory, mutate func(*server.Config)) *server.Server {
	t.Helper()
	cfg := server.Config{
		WSAddr: "127.0.0.1:0", HTTPAddr: "127.0.0.1:0",
		Session: session.Config{
			Signer: Signer, HeartbeatInterval: 500 * time.Millisecond, HeartbeatTolerance: 500 * time.Millisecond,
			ResumeWindow: 5 * time.Second, MaxConcurrency: 16, IdentifyWindow: time.Millisecond,
		},
		Compression:  factory,
		TickInterval: 50 * time.Millisecond,
		Logger:       slog.New(slog.NewTextHandler(logWriter(), &slog.HandlerOptions{Level: slog.LevelWarn})),
	}
	if mutate != nil {
		mutate(&cfg)
	}
	srv, err := server.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Stop(ctx)
	})
	return srv
}

func logWriter() io.Writer {
	if os.Getenv("GATETEST_LOG") != "" {
		return os.Stderr
	}
	return io.Discard
}

// Client is a raw WebSocket client over a real TCP socket: it writes masked
// frames with ws.AppendMaskedFrame and reads with ws.ClientDecoder. Not safe
// for concurrent use.
type Client struct {
	T    testing.TB
	Conn net.Conn
	br   *bufio.Reader
	buf  []byte
	dec  ws.ClientDecoder
}

// Dial opens a socket to srv and completes the upgrade with query.
func Dial(t testing.TB, srv *server.Server, query string) *Client {
	t.Helper()
	c := DialRaw(t, srv)
	var key [16]byte
	_, _ = rand.Read(key[:])
	req := fmt.Sprintf("GET /?%s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: %s\r\n\r\n",
		query, srv.WSAddr(), base64.StdEncoding.EncodeToString(key[:]))
	c.Write([]byte(req))
	resp, err := http.ReadResponse(c.br, nil)
	if err != nil {
		t.Fatalf("upgrade response: %v", err)
	}
	if resp.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("upgrade status %d", resp.StatusCode)
	}
	return c
}

// DialRaw opens a TCP socket to srv's gateway port, nothing more.
func DialRaw(t testing.TB, srv *server.Server) *Client {
	t.Helper()
	conn, err := net.DialTimeout("tcp", srv.WSAddr(), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return &Client{T: t, Conn: conn, br: bufio.NewReaderSize(conn, 64<<10)}
}

// Reader is the buffered reader over the socket (for raw HTTP reads).
func (c *Client) Reader() *bufio.Reader { return c.br }

// Write writes raw bytes.
func (c *Client) Write(b []byte) {
	c.T.Helper()
	_ = c.Conn.SetWriteDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.Conn.Write(b); err != nil {
		c.T.Fatalf("write: %v", err)
	}
}

// Send writes one masked frame.
func (c *Client) Send(op ws.Opcode, payload []byte) {
	c.T.Helper()
	var key [4]byte
	_, _ = rand.Read(key[:])
	c.Write(ws.AppendMaskedFrame(nil, op, payload, key))
}

// SendText writes one masked text frame.
func (c *Client) SendText(s string) { c.T.Helper(); c.Send(ws.OpText, []byte(s)) }

// Next reads the next server event, waiting up to d. The payload is a copy.
func (c *Client) Next(d time.Duration) (ws.Event, error) {
	deadline := time.Now().Add(d)
	for {
		if len(c.buf) > 0 {
			n, ev, err := c.dec.Decode(c.buf, 1<<30)
			if err != nil {
				return ws.Event{}, err
			}
			if n > 0 {
				ev.Payload = append([]byte(nil), ev.Payload...)
				c.buf = append(c.buf[:0], c.buf[n:]...)
				if ev.Kind != ws.KindNone {
					return ev, nil
				}
				continue
			}
		}
		_ = c.Conn.SetReadDeadline(deadline)
		var tmp [32 << 10]byte
		n, err := c.br.Read(tmp[:])
		c.buf = append(c.buf, tmp[:n]...)
		if err != nil && n == 0 {
			return ws.Event{}, err
		}
	}
}

// ExpectClose reads until a close frame and returns its code; it fails the
// test if data frames other than those allowed by skip arrive first.
func (c *Client) ExpectClose(d time.Duration) ws.CloseCode {
	c.T.Helper()
	for {
		ev, err := c.Next(d)
		if err != nil {
			c.T.Fatalf("waiting for close: %v", err)
		}
		if ev.Kind == ws.KindClose {
			return ev.Code
		}
	}
}

// Closed reports whether the server closed the TCP connection within d
// (reading and dropping anything still in flight).
func (c *Client) Closed(d time.Duration) bool {
	deadline := time.Now().Add(d)
	_ = c.Conn.SetReadDeadline(deadline)
	var tmp [4096]byte
	for {
		_, err := c.br.Read(tmp[:])
		if err != nil {
			return !strings.Contains(err.Error(), "timeout")
		}
	}
}

// IngestSecret authorises test ingest requests.
const IngestSecret = "gatetest-ingest"
