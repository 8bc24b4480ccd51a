package server_test

import (
	"context"
	"io"
	"log/slog"
	"os"
	"runtime/debug"
	"sync"
	"testing"
	"time"

	"github.com/disgoorg/disgo"
	"github.com/disgoorg/disgo/bot"
	"github.com/disgoorg/disgo/events"
	"github.com/disgoorg/disgo/gateway"
	"github.com/disgoorg/disgo/rest"
	"github.com/gorilla/websocket"

	"gatehouse/internal/gatetest"
	"gatehouse/server"
)

// The disgo tests run the unmodified library (v0.18.15) against a real
// gatehouse, configured only through its options: rest.WithURL for REST
// (disgo.New calls GET /gateway with it), gateway.WithURL for the socket,
// gateway.WithCompress for Identify `compress`, gateway.WithDialer to gate
// and tap connections. disgo v0.18 has no transport compression
// (zlib-stream/zstd-stream); payload compression is its only mode, on by
// default.

// disgoClient adapts a disgo bot.Client to libClient.
type disgoClient struct {
	c      bot.Client
	log    libDispatchLog
	closed bool

	mu        sync.Mutex
	sessionID string
	userID    string
	acks      int
}

func disgoLogger() *slog.Logger {
	var w io.Writer = io.Discard
	if os.Getenv("GATETEST_LOG") != "" {
		w = os.Stderr
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

func newDisgoClient(t *testing.T, srv *server.Server, user uint64, g *libGate, compress bool) *disgoClient {
	dc := &disgoClient{}
	log := disgoLogger()
	c, err := disgo.New(gatetest.Token(user),
		bot.WithLogger(log),
		bot.WithRestClientConfigOpts(rest.WithURL("http://"+srv.HTTPAddr()+"/api/v10")),
		bot.WithGatewayConfigOpts(
			gateway.WithURL(srv.PublicURL()),
			gateway.WithCompress(compress),
			gateway.WithIntents(gateway.IntentGuildMessages|gateway.IntentDirectMessages),
			gateway.WithDialer(&websocket.Dialer{NetDialContext: g.DialContext, HandshakeTimeout: 5 * time.Second}),
			// Raw events carry every dispatch with its s, READY and
			// RESUMED included, in arrival order (listeners run on the
			// reading goroutine: async events are off by default).
			gateway.WithEnableRawEvents(true),
			gateway.WithLogger(log),
		),
		bot.WithEventListenerFunc(func(e *events.Raw) {
			dc.log.add(libDispatch{T: string(e.EventType), S: e.SequenceNumber()})
		}),
		bot.WithEventListenerFunc(func(e *events.MessageCreate) {
			dc.log.setContent(e.SequenceNumber(), e.Message.Content)
		}),
		bot.WithEventListenerFunc(func(e *events.Ready) {
			dc.mu.Lock()
			dc.sessionID, dc.userID = e.SessionID, e.User.ID.String()
			dc.mu.Unlock()
		}),
		bot.WithEventListenerFunc(func(*events.HeartbeatAck) {
			dc.mu.Lock()
			dc.acks++
			dc.mu.Unlock()
		}),
	)
	if err != nil {
		t.Fatalf("disgo.New: %v", err)
	}
	dc.c = c
	t.Cleanup(func() {
		if !dc.closed {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			c.Close(ctx)
		}
	})
	return dc
}

func (c *disgoClient) Open(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := c.c.OpenGateway(ctx); err != nil {
		t.Fatalf("disgo OpenGateway: %v", err)
	}
}

func (c *disgoClient) Ready() (string, string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.sessionID, c.userID, c.sessionID != ""
}

func (c *disgoClient) Acks() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.acks
}

func (c *disgoClient) Dispatches() []libDispatch { return c.log.snapshot() }

func (c *disgoClient) Close(*testing.T) {
	c.closed = true
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c.c.Close(ctx)
}

// TestDisgoLifecycle: READY, heartbeats, live dispatches, a 4009 kick and
// an op 7 each resumed by the library (at resume_gateway_url) with the away
// events replayed, no gap in s, and Close ending the session; with payload
// compression on (the library's default) and off.
func TestDisgoLifecycle(t *testing.T) {
	if libRaceEnabled() {
		// Its heartbeat goroutine writes gatewayImpl.heartbeatCancel and
		// lastHeartbeatSent with no lock while the listen and reconnect
		// goroutines read and write them (gateway_impl.go:94, 134, 237,
		// 271): the detector reports the library, not gatehouse.
		t.Skip("disgo v0.18.15 races with itself under -race; run this test without -race")
	}
	for _, tc := range []struct {
		name     string
		compress bool
	}{{"compress", true}, {"plain", false}} {
		t.Run(tc.name, func(t *testing.T) {
			srv := startClientLibServer(t)
			g := newLibGate()
			const user = 81234567890123457
			c := newDisgoClient(t, srv, user, g, tc.compress)
			libScenario{user: user, disconnect: []libDisconnect{libKick4009, libOp7}, compressed: tc.compress}.run(t, srv, g, c)
		})
	}
}

// libRaceEnabled reports whether this test binary was built with -race.
func libRaceEnabled() bool {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return false
	}
	for _, s := range bi.Settings {
		if s.Key == "-race" {
			return s.Value == "true"
		}
	}
	return false
}
