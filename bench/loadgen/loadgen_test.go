package loadgen

import (
	"context"
	"testing"
	"time"

	"gatehouse/bindings/purego"
	"gatehouse/internal/gatetest"
	"gatehouse/server"
)

// setupGuard bounds the wait for every session to be READY or failed. It
// is a hang guard, not a timing: set above the loadgen's own SetupTimeout
// (1 min), so a connection that never gets READY is failed by the loadgen
// and the test reports its counters (dialed, upgraded, hellos, identifies)
// instead of a bare deadline. Setup normally takes well under a second;
// CI once saw the 30 s this used to be run out with -race on 2 busy cores.
const setupGuard = 90 * time.Second

// startGateway runs a test gateway with heartbeat timings a loaded machine
// keeps: a 1 s interval with 3 s of grace. gatetest's 0.5 s with 0.5 s of
// grace is for clients that beat from their own goroutine; the loadgen's
// heartbeats go out from its event loops' ticks, which -race on 2 busy
// cores delays past that, and the server rightly closed those sessions
// with 4009 (seen as TestDispatchesKeepSeq's missing dispatches and
// sessions that never got READY: reproduced with four copies of the test
// running at once).
func startGateway(t *testing.T) *server.Server {
	t.Helper()
	return gatetest.Start(t, purego.Factory(), func(c *server.Config) {
		c.Session.HeartbeatInterval, c.Session.HeartbeatTolerance = time.Second, 3*time.Second
	})
}

// runAgainst runs n sessions against srv and returns the result after hold.
func runAgainst(t *testing.T, srv *server.Server, cfg Config, hold time.Duration) Result {
	t.Helper()
	cfg.URL = "ws://" + srv.WSAddr()
	if cfg.Secret == "" {
		cfg.Secret = gatetest.Secret
	}
	r, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Start(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), setupGuard)
	defer cancel()
	if err := r.WaitSetup(ctx); err != nil {
		t.Fatalf("setup: %v (stats %+v)", err, r.Stats())
	}
	time.Sleep(hold)
	return r.Stop(2 * time.Second)
}

// TestSessionsPerCompression holds 50 sessions in each compression mode
// for longer than a heartbeat interval and checks every one reached READY,
// heartbeated and was acknowledged, and nothing failed.
func TestSessionsPerCompression(t *testing.T) {
	for _, mode := range []string{"none", "zlib-stream", "zstd-stream"} {
		t.Run(mode, func(t *testing.T) {
			srv := startGateway(t)
			res := runAgainst(t, srv, Config{Conns: 50, Compress: mode}, 1500*time.Millisecond)
			s := res.Stats
			if s.Ready != 50 || s.Failed != 0 {
				t.Fatalf("ready %d failed %d, want 50 and 0; errors %v close codes %v", s.Ready, s.Failed, s.Errors, s.CloseCodes)
			}
			if n := s.ErrorTotal(); n != 0 {
				t.Fatalf("errors: %v", s.Errors)
			}
			if s.HeartbeatAcks == 0 || s.HeartbeatsSent < 50 {
				t.Fatalf("heartbeats sent %d, acks %d: want every session to beat", s.HeartbeatsSent, s.HeartbeatAcks)
			}
			if res.HelloToReady.Count != 50 || res.HelloToReady.P99US <= 0 {
				t.Fatalf("hello→ready histogram %+v", res.HelloToReady)
			}
		})
	}
}

// TestDispatchesKeepSeq sends dispatches to every session after READY and
// checks they were all counted with no gap in s.
func TestDispatchesKeepSeq(t *testing.T) {
	srv := startGateway(t)
	cfg := Config{URL: "ws://" + srv.WSAddr(), Secret: gatetest.Secret, Conns: 20, Compress: "zstd-stream"}
	r, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Start(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), setupGuard)
	defer cancel()
	if err := r.WaitSetup(ctx); err != nil {
		t.Fatalf("setup: %v (stats %+v; server sessions %d)", err, r.Stats(), len(srv.Manager().All()))
	}
	sessions := srv.Manager().All()
	if len(sessions) != 20 {
		t.Fatalf("server has %d sessions, want 20 (loadgen stats %+v)", len(sessions), r.Stats())
	}
	for i := 0; i < 3; i++ {
		for _, s := range sessions {
			s.Dispatch("LOADGEN_TEST", []byte(`{"n":"{not a brace}","i":[1,2,{"x":"\"}"}]}`))
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	for r.Stats().Dispatches < 20*4 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	res := r.Stop(2 * time.Second)
	if res.Stats.Dispatches != 20*4 {
		// The errors say whether a session failed (a frame or inflate
		// error ends it) or simply never received its dispatches.
		t.Fatalf("dispatches %d, want %d (READY + 3 each); ready %d failed %d errors %v close codes %v",
			res.Stats.Dispatches, 20*4, res.Stats.Ready, res.Stats.Failed, res.Stats.Errors, res.Stats.CloseCodes)
	}
	if n := res.Stats.ErrorTotal(); n != 0 {
		t.Fatalf("errors: %v", res.Stats.Errors)
	}
}

// TestBadSecretFails checks that refused sessions are counted as failures
// with the server's close code, so a broken run cannot look clean.
func TestBadSecretFails(t *testing.T) {
	srv := startGateway(t)
	res := runAgainst(t, srv, Config{Conns: 10, Secret: "not-the-secret"}, 0)
	s := res.Stats
	if s.Ready != 0 || s.Failed != 10 {
		t.Fatalf("ready %d failed %d, want 0 and 10", s.Ready, s.Failed)
	}
	if s.CloseCodes["4004"] != 10 || s.Errors["server_close"] != 10 {
		t.Fatalf("close codes %v errors %v, want ten 4004s", s.CloseCodes, s.Errors)
	}
}

// TestIdentifyBarrier holds every Identify until all Hellos are in, then
// reports the storm.
func TestIdentifyBarrier(t *testing.T) {
	srv := startGateway(t)
	res := runAgainst(t, srv, Config{Conns: 100, IdentifyBarrier: true}, 0)
	if res.Stats.Ready != 100 || res.Stats.ErrorTotal() != 0 {
		t.Fatalf("ready %d errors %v", res.Stats.Ready, res.Stats.Errors)
	}
	if res.Storm == nil || res.Storm.Identifies != 100 || res.Storm.ReadyPerSec <= 0 {
		t.Fatalf("storm %+v", res.Storm)
	}
	if res.IdentifyToReady.Count != 100 {
		t.Fatalf("identify→ready count %d", res.IdentifyToReady.Count)
	}
}
