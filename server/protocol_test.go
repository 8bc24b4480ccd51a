package server_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"gatehouse/core/auth"
	"gatehouse/core/protocol"
	"gatehouse/internal/gatetest"
	"gatehouse/server"
	"gatehouse/server/ws"
)

// rawCloseCase is one way to make the gateway close a connection: connect
// with query, read Hello (unless the query itself is refused), run steps and
// expect a close frame with code whose reason contains reason.
type rawCloseCase struct {
	name   string
	query  string // "" means rawQuery
	noHell bool   // the query is refused: the close comes before Hello
	mutate func(*server.Config)
	steps  func(t *testing.T, srv *server.Server, g *gatetest.Gateway)
	code   ws.CloseCode
	reason string
}

func rawSend(payload string) func(*testing.T, *server.Server, *gatetest.Gateway) {
	return func(_ *testing.T, _ *server.Server, g *gatetest.Gateway) { g.SendText(payload) }
}

func rawIdentifyWith(user uint64, over map[string]any) func(*testing.T, *server.Server, *gatetest.Gateway) {
	return func(_ *testing.T, _ *server.Server, g *gatetest.Gateway) {
		g.SendText(gatetest.IdentifyPayload(gatetest.Token(user), over))
	}
}

// rawAfterIdentify identifies, then sends payload.
func rawAfterIdentify(user uint64, payload string) func(*testing.T, *server.Server, *gatetest.Gateway) {
	return func(_ *testing.T, _ *server.Server, g *gatetest.Gateway) {
		g.Identify(user, nil)
		g.SendText(payload)
	}
}

// TestCloseCodes drives every gateway close code over a raw socket.
func TestCloseCodes(t *testing.T) {
	t.Parallel()
	forger, _ := auth.NewSigner("not-the-gateway-secret")
	bigPayload := `{"op":1,"d":null,"pad":"` + strings.Repeat("x", 4100) + `"}`
	cases := []rawCloseCase{
		{name: "4001 unknown op before identify", steps: rawSend(`{"op":99,"d":null}`), code: 4001},
		{name: "4001 unknown op after identify", steps: rawAfterIdentify(101, `{"op":99,"d":null}`), code: 4001},
		{name: "4001 server-only op", steps: rawAfterIdentify(102, `{"op":10,"d":null}`), code: 4001},
		{name: "4002 invalid json", steps: rawSend(`{"op":1,`), code: 4002},
		{name: "4002 not an object", steps: rawSend(`[1,2,3]`), code: 4002},
		{name: "4002 no op", steps: rawSend(`{"d":null}`), code: 4002},
		{name: "4002 payload over 4096", steps: rawSend(bigPayload), code: 4002, reason: "4096"},
		{name: "4002 identify token not a string", steps: rawSend(`{"op":2,"d":{"token":5,"properties":{},"intents":0}}`), code: 4002},
		{name: "4002 identify d not an object", steps: rawSend(`{"op":2,"d":"token"}`), code: 4002},
		{name: "4002 identify without properties", steps: rawIdentifyWith(103, map[string]any{"properties": nil}), code: 4002},
		{name: "4002 identify bad status", steps: rawIdentifyWith(104, map[string]any{"presence": map[string]any{"status": "asleep", "afk": false, "since": nil, "activities": []any{}}}), code: 4002},
		{name: "4002 encoding etf", query: "v=10&encoding=etf", noHell: true, code: 4002, reason: "etf"},
		{name: "4002 unknown encoding", query: "v=10&encoding=xml", noHell: true, code: 4002, reason: "xml"},
		{name: "4002 unknown compress", query: "v=10&encoding=json&compress=gzip", noHell: true, code: 4002, reason: "gzip"},
		{name: "4003 presence before identify", steps: rawSend(`{"op":3,"d":{"since":null,"activities":[],"status":"online","afk":false}}`), code: 4003},
		{name: "4003 voice state before identify", steps: rawSend(`{"op":4,"d":{"guild_id":"1","channel_id":null,"self_mute":false,"self_deaf":false}}`), code: 4003},
		{name: "4003 request members before identify", steps: rawSend(`{"op":8,"d":{"guild_id":"1","query":"","limit":0}}`), code: 4003},
		{name: "4003 lazy request before identify", steps: rawSend(`{"op":14,"d":{"guild_id":"1","channels":{"2":[[0,99]]}}}`), code: 4003},
		{name: "4004 malformed token", steps: rawIdentifyWith(0, map[string]any{"token": "not-a-token"}), code: 4004},
		{name: "4004 forged token", steps: rawIdentifyWith(0, map[string]any{"token": forger.Mint(105, time.Now())}), code: 4004},
		{name: "4004 resume with forged token", steps: rawSend(gatetest.ResumePayload(forger.Mint(106, time.Now()), "0123", 0)), code: 4004},
		{name: "4005 second identify", steps: rawAfterIdentify(107, gatetest.IdentifyPayload(gatetest.Token(107), nil)), code: 4005},
		{name: "4005 resume after identify", steps: rawAfterIdentify(108, gatetest.ResumePayload(gatetest.Token(108), "0123", 1)), code: 4005},
		{name: "4007 resume seq ahead", code: 4007, steps: func(t *testing.T, srv *server.Server, g *gatetest.Gateway) {
			_, s := rawIdentified(t, srv, rawQuery, 109)
			s.Dispatch("MESSAGE_CREATE", rawMessage(1, 0))
			g.SendText(gatetest.ResumePayload(gatetest.Token(109), s.ID, s.Seq()+1))
		}},
		{name: "4008 payload rate", code: 4008, mutate: func(c *server.Config) { c.Session.PayloadLimit = 5 },
			steps: func(t *testing.T, srv *server.Server, g *gatetest.Gateway) {
				// One write, so the server reads all six at once: the ACKs
				// to the first five must still go out before the close.
				var burst []byte
				for i := 0; i < 6; i++ {
					burst = append(burst, rawFrame(ws.OpText, `{"op":1,"d":null}`, true)...)
				}
				g.Write(burst)
				for i := 0; i < 5; i++ {
					g.Expect(11)
				}
			}},
		{name: "4010 shard id = count", steps: rawIdentifyWith(110, map[string]any{"shard": []int{2, 2}}), code: 4010},
		{name: "4010 shard count 0", steps: rawIdentifyWith(111, map[string]any{"shard": []int{0, 0}}), code: 4010},
		{name: "4010 negative shard", steps: rawIdentifyWith(112, map[string]any{"shard": []int{-1, 1}}), code: 4010},
		{name: "4010 one-element shard", steps: rawIdentifyWith(113, map[string]any{"shard": []int{0}}), code: 4010},
		{name: "4010 three-element shard", steps: rawIdentifyWith(114, map[string]any{"shard": []int{0, 1, 2}}), code: 4010},
		{name: "4011 sharding required", code: 4011,
			mutate: func(c *server.Config) { c.Session.GuildCount = func(uint64) int { return 3000 } },
			steps:  rawIdentifyWith(115, nil)},
		{name: "4012 v=8", query: "v=8&encoding=json", noHell: true, code: 4012},
		{name: "4012 v=abc", query: "v=abc&encoding=json", noHell: true, code: 4012},
		{name: "4013 unknown intent bit", steps: rawIdentifyWith(116, map[string]any{"intents": 1 << 26}), code: 4013},
		{name: "4013 missing intents", steps: rawIdentifyWith(117, map[string]any{"intents": nil}), code: 4013},
		{name: "4014 guild members", steps: rawIdentifyWith(118, map[string]any{"intents": protocol.IntentGuilds | protocol.IntentGuildMembers}), code: 4014},
		{name: "4014 presences", steps: rawIdentifyWith(119, map[string]any{"intents": protocol.IntentGuildPresences}), code: 4014},
		{name: "4014 message content", steps: rawIdentifyWith(120, map[string]any{"intents": protocol.IntentMessageContent}), code: 4014},
		{name: "4014 partial grant", code: 4014,
			mutate: func(c *server.Config) { c.Session.Grants = func(uint64) uint64 { return protocol.IntentGuildMembers } },
			steps:  rawIdentifyWith(121, map[string]any{"intents": protocol.IntentGuildMembers | protocol.IntentGuildPresences})},
	}
	shared := rawStart(t, nil)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := shared
			if tc.mutate != nil {
				srv = rawStart(t, tc.mutate)
			}
			q := tc.query
			if q == "" {
				q = rawQuery
			}
			g := gatetest.DialGateway(t, srv, q)
			if !tc.noHell {
				g.Hello()
			}
			if tc.steps != nil {
				tc.steps(t, srv, g)
			}
			code, reason := g.ExpectClose()
			if code != tc.code {
				t.Fatalf("closed with %d %q, want %d", code, reason, tc.code)
			}
			if reason == "" || !strings.Contains(reason, tc.reason) {
				t.Fatalf("close reason %q, want one containing %q", reason, tc.reason)
			}
			rawEchoClose(t, g, code)
		})
	}
}

// TestIntentsAccepted checks the other side of 4011 and 4014: a sharded
// identify of a big user, and privileged intents that are granted.
func TestIntentsAccepted(t *testing.T) {
	t.Parallel()
	srv := rawStart(t, func(c *server.Config) {
		c.Session.GuildCount = func(uint64) int { return 3000 }
		c.Session.Grants = func(user uint64) uint64 {
			if user == 201 {
				return protocol.IntentsPrivileged
			}
			return 0
		}
	})
	all := protocol.IntentsAll
	g := gatetest.DialGateway(t, srv, rawQuery)
	g.Hello()
	g.SendText(gatetest.IdentifyPayload(gatetest.Token(201), map[string]any{"intents": all, "shard": []int{1, 2}}))
	m := g.ExpectDispatch("READY", 1)
	var ready struct {
		Shard []int `json:"shard"`
	}
	if err := json.Unmarshal(m.D, &ready); err != nil || len(ready.Shard) != 2 || ready.Shard[0] != 1 || ready.Shard[1] != 2 {
		t.Fatalf("READY shard: %s", m.D)
	}
	if s := srv.Manager().ByUser(201); len(s) != 1 || s[0].Intents != all {
		t.Fatalf("session intents not kept: %v", s)
	}
}

// TestInvalidSessionKeepsSocket checks op 9 d:false for an unknown session
// and that the socket then accepts a fresh Identify.
func TestInvalidSessionKeepsSocket(t *testing.T) {
	t.Parallel()
	srv := rawStart(t, nil)
	g := gatetest.DialGateway(t, srv, rawQuery)
	g.Hello()
	g.SendText(gatetest.ResumePayload(gatetest.Token(301), "no-such-session", 3))
	rawExpectInvalid(t, g)
	g.Identify(301, nil)
	g.SendText(`{"op":1,"d":1}`)
	g.Expect(11)
}

// TestResumeTooOldSeq checks op 9 d:false when the seq is older than the
// replay buffer, that the session is gone, and that the socket then accepts a
// fresh Identify.
func TestResumeTooOldSeq(t *testing.T) {
	t.Parallel()
	srv := rawStart(t, func(c *server.Config) { c.Session.ReplayMaxEvents = 2 })
	g1, s := rawIdentified(t, srv, rawQuery, 302)
	for i := 1; i <= 5; i++ {
		s.Dispatch("MESSAGE_CREATE", rawMessage(i, 0))
		rawExpectMessage(t, g1, uint64(1+i), i, 0)
	}
	_ = g1.Conn.Close()
	rawDetached(t, s)

	g2 := gatetest.DialGateway(t, srv, rawQuery)
	g2.Hello()
	g2.SendText(gatetest.ResumePayload(gatetest.Token(302), s.ID, 1))
	rawExpectInvalid(t, g2)
	if srv.Manager().Get(s.ID) != nil {
		t.Fatal("session still registered after a failed resume")
	}
	g2.Identify(302, nil)
}

// TestIdentifyRateLimit checks max_concurrency: a second identify of the
// same bucket within the window gets op 9, and the socket stays usable.
func TestIdentifyRateLimit(t *testing.T) {
	t.Parallel()
	srv := rawStart(t, func(c *server.Config) {
		c.Session.IdentifyWindow = time.Minute
		c.Session.MaxConcurrency = 1
	})
	rawIdentified(t, srv, rawQuery, 303)
	g := gatetest.DialGateway(t, srv, rawQuery)
	g.Hello()
	g.SendText(gatetest.IdentifyPayload(gatetest.Token(303), nil))
	rawExpectInvalid(t, g)
	g.SendText(`{"op":1,"d":null}`)
	g.Expect(11)
	g.Identify(304, nil) // another user's bucket is free
}

// rawExpectInvalid reads op 9 and checks d is false.
func rawExpectInvalid(t *testing.T, g *gatetest.Gateway) {
	t.Helper()
	m := g.Expect(9)
	if string(m.D) != "false" {
		t.Fatalf("op 9 d = %s, want false", m.D)
	}
}
