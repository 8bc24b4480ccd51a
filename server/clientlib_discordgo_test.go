package server_test

import (
	"sync"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/gorilla/websocket"

	"gatehouse/internal/gatetest"
	"gatehouse/server"
)

// The discordgo tests run the unmodified library (v0.29.0) against a real
// gatehouse. discordgo has no option for its URLs: it reads package
// variables, so pointDiscordgo reassigns them (and the tests cannot run in
// parallel with each other).

// pointDiscordgo aims discordgo's REST endpoints at srv until the test ends.
// Open calls GET EndpointGateway; the others are set so nothing can reach
// discord.com by accident.
func pointDiscordgo(t *testing.T, srv *server.Server) {
	saved := [...]string{discordgo.EndpointDiscord, discordgo.EndpointAPI, discordgo.EndpointGateway,
		discordgo.EndpointGatewayBot, discordgo.EndpointUsers, discordgo.EndpointApplications}
	t.Cleanup(func() {
		discordgo.EndpointDiscord, discordgo.EndpointAPI, discordgo.EndpointGateway,
			discordgo.EndpointGatewayBot, discordgo.EndpointUsers, discordgo.EndpointApplications =
			saved[0], saved[1], saved[2], saved[3], saved[4], saved[5]
	})
	discordgo.EndpointDiscord = "http://" + srv.HTTPAddr() + "/"
	discordgo.EndpointAPI = discordgo.EndpointDiscord + "api/v" + discordgo.APIVersion + "/"
	discordgo.EndpointGateway = discordgo.EndpointAPI + "gateway"
	discordgo.EndpointGatewayBot = discordgo.EndpointGateway + "/bot"
	discordgo.EndpointUsers = discordgo.EndpointAPI + "users/"
	discordgo.EndpointApplications = discordgo.EndpointAPI + "applications"
}

// discordgoClient adapts a *discordgo.Session to libClient.
type discordgoClient struct {
	s      *discordgo.Session
	log    libDispatchLog
	closed bool

	mu        sync.Mutex
	sessionID string
	userID    string

	lastAck time.Time // last LastHeartbeatAck seen by Acks
	acks    int
}

func newDiscordgoClient(t *testing.T, user uint64, g *libGate, compress bool) *discordgoClient {
	s, err := discordgo.New("Bot " + gatetest.Token(user))
	if err != nil {
		t.Fatal(err)
	}
	// SyncEvents runs handlers on the reading goroutine, in arrival order.
	s.SyncEvents = true
	s.Dialer = &websocket.Dialer{NetDialContext: g.DialContext, HandshakeTimeout: 5 * time.Second}
	s.Compress = compress
	s.Identify.Compress = compress
	s.ShouldReconnectVoiceOnSessionError = false
	c := &discordgoClient{s: s}
	s.AddHandler(func(_ *discordgo.Session, r *discordgo.Ready) {
		c.mu.Lock()
		c.sessionID, c.userID = r.SessionID, r.User.ID
		c.mu.Unlock()
	})
	// The *Event handler sees every op 0 dispatch with the s discordgo stored.
	s.AddHandler(func(_ *discordgo.Session, e *discordgo.Event) {
		d := libDispatch{T: e.Type, S: int(e.Sequence)}
		if m, ok := e.Struct.(*discordgo.MessageCreate); ok {
			d.Content = m.Content
		}
		c.log.add(d)
	})
	t.Cleanup(func() {
		if !c.closed {
			_ = s.Close()
		}
	})
	return c
}

func (c *discordgoClient) Open(t *testing.T) {
	if err := c.s.Open(); err != nil {
		t.Fatalf("discordgo Open: %v", err)
	}
}

func (c *discordgoClient) Ready() (string, string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.sessionID, c.userID, c.sessionID != ""
}

// Acks counts changes of LastHeartbeatAck, which discordgo sets (under its
// lock) on every op 11. Polling may merge two changes into one; that only
// makes the wait longer.
func (c *discordgoClient) Acks() int {
	c.s.RLock()
	last := c.s.LastHeartbeatAck
	c.s.RUnlock()
	if !last.Equal(c.lastAck) {
		if !c.lastAck.IsZero() {
			c.acks++
		}
		c.lastAck = last
	}
	return c.acks
}

func (c *discordgoClient) Dispatches() []libDispatch { return c.log.snapshot() }

func (c *discordgoClient) Close(t *testing.T) {
	c.closed = true
	if err := c.s.Close(); err != nil {
		t.Fatalf("discordgo Close: %v", err)
	}
}

// TestDiscordgoLifecycle: READY, heartbeats, live dispatches, a 4009 kick
// and an op 7 each resumed by the library with the away events replayed, no
// gap in s, and Close ending the session; with payload compression on (the
// library's default) and off.
func TestDiscordgoLifecycle(t *testing.T) {
	for _, tc := range []struct {
		name     string
		compress bool
	}{{"compress", true}, {"plain", false}} {
		t.Run(tc.name, func(t *testing.T) {
			srv := startClientLibServer(t)
			pointDiscordgo(t, srv)
			g := newLibGate()
			const user = 81234567890123456
			c := newDiscordgoClient(t, user, g, tc.compress)
			libScenario{user: user, disconnect: []libDisconnect{libKick4009, libOp7}, compressed: tc.compress}.run(t, srv, g, c)
		})
	}
}
