package suite

import (
	"context"
	"fmt"
	"os"
	"time"
)

// PeersConfig is the side-by-side scenario: gatehouse, the plain Go
// baseline and Centrifugo each hold N idle subscribers (memory per
// connection), then broadcast to them (latency, deliveries/s, CPU per
// delivery), with the same load generator and the same procedure.
type PeersConfig struct {
	Gatehouse, Gobaseline, Centrifugo string // binaries; "" skips that server
	Loadgen                           string
	Sizes                             []int
	PerProc                           int
	ConnectRate                       float64
	Phases                            PhaseConfig
	Settle                            time.Duration
	SetupTimeout                      time.Duration
	Verbose                           bool
	SourceAddrs                       string // the loadgens' --source-addrs
}

// PeerRow is one server × size.
type PeerRow struct {
	Kind  string `json:"server"`
	N     int    `json:"n"`
	Error string `json:"error,omitempty"`
	Load  Totals `json:"load"`
	// Base is after a 20-connection warm-up with every connection gone;
	// Loaded holds the N idle connections.
	Base   ServerSample `json:"base"`
	Loaded ServerSample `json:"loaded"`
	// RSSPerConn is (Loaded − Base) RSS / connections READY.
	RSSPerConn float64  `json:"rss_per_conn"`
	Phases     []*Phase `json:"phases"`
}

// Phase returns the row's phase called name (nil if not run).
func (r *PeerRow) Phase(name string) *Phase {
	for _, p := range r.Phases {
		if p.Name == name {
			return p
		}
	}
	return nil
}

// PeersSecret is the token secret of the peers scenario.
const PeersSecret = "peers-bench-secret"

// classWarmup tags warm-up messages, which no report reads.
const classWarmup = 7

// RunPeers measures each server at each size on a fresh process.
func RunPeers(ctx context.Context, c PeersConfig, work string) []PeerRow {
	var rows []PeerRow
	base := uint64(5_000_000_000)
	for _, kind := range []string{"gatehouse", "gobaseline", "centrifugo"} {
		bin := map[string]string{"gatehouse": c.Gatehouse, "gobaseline": c.Gobaseline, "centrifugo": c.Centrifugo}[kind]
		if bin == "" {
			continue
		}
		for _, n := range c.Sizes {
			if ctx.Err() != nil {
				return rows
			}
			base += 100_000_000
			fmt.Fprintf(os.Stderr, "peers: %s, %d connections\n", kind, n)
			row := peerOne(ctx, c, work, kind, bin, n, base)
			if row.Error != "" {
				fmt.Fprintf(os.Stderr, "peers: %s %d: error: %s\n", kind, n, row.Error)
			}
			for _, p := range row.Phases {
				fmt.Fprintf(os.Stderr, "peers: %s %d: %s/conn; %s: %d/%d delivered, %.0f/s, p50 %s p99 %s, CPU %.0f ns/delivery\n",
					kind, n, KiB(row.RSSPerConn), p.Name, p.Delivered, p.Expected, p.DeliveriesPerSec, Dur(p.Latency.P50US), Dur(p.Latency.P99US), p.CPUPerDeliveryNS)
			}
			rows = append(rows, row)
		}
	}
	return rows
}

func startPeer(ctx context.Context, kind, bin string) (*Target, error) {
	switch kind {
	case "gatehouse":
		return StartGatehouse(ctx, GatehouseOptions{Bin: bin, Secret: PeersSecret, IngestSecret: PeersSecret + "-ingest"})
	case "gobaseline":
		return StartGobaseline(ctx, bin, PeersSecret)
	}
	return StartCentrifugo(ctx, bin)
}

func peerOne(ctx context.Context, c PeersConfig, work, kind, bin string, n int, userBase uint64) (row PeerRow) {
	row = PeerRow{Kind: kind, N: n}
	t, err := startPeer(ctx, kind, bin)
	if err != nil {
		row.Error = err.Error()
		return row
	}
	defer t.Stop()
	fail := func(err error) PeerRow {
		row.Error = err.Error() + "\nserver log tail:\n" + Tail(t.LogPath, 8)
		return row
	}
	sp := FleetSpec{Loadgen: c.Loadgen, URL: t.WSURL, Conns: n, PerProc: c.PerProc, Secret: PeersSecret,
		UserBase: userBase, Protocol: t.Protocol, Intents: 513 | MessageContentIntent, Track: TrackFor(c.Phases, n),
		Rate: c.ConnectRate, Setup: c.SetupTimeout, Dir: work, Tag: "peers-" + kind, Verbose: c.Verbose, SourceAddrs: c.SourceAddrs}
	if t.Protocol == "centrifugo" {
		sp.Intents = 0
	}
	if kind == "gatehouse" {
		if err := t.SetupGuild(ctx, sp.UserIDs()); err != nil {
			return fail(fmt.Errorf("guild setup: %w", err))
		}
	}
	// Warm-up: 20 connections come and go (closed properly), so one-time
	// costs land in the baseline, not on the measured connections.
	warm := sp
	warm.Conns, warm.Hold, warm.Tag, warm.Track = 20, "0s", sp.Tag+"-warmup", 0
	if wf, err := StartFleet(warm); err == nil {
		wf.Wait(60 * time.Second)
	}
	row.Base = t.Sample(ctx, c.Settle)
	f, err := StartFleet(sp)
	if err != nil {
		_, _ = f.Stop()
		return fail(err)
	}
	lines, setupErr := f.WaitSetup(ctx, c.SetupTimeout+time.Minute)
	if setupErr == nil {
		row.Loaded = t.Sample(ctx, c.Settle)
		ready := ReadyOf(lines)
		if ready > 0 {
			row.RSSPerConn = (float64(row.Loaded.RSSBytes) - float64(row.Base.RSSBytes)) / float64(ready)
		}
		for i := 0; i < 3; i++ {
			_ = t.Publish(ctx, classWarmup, i)
		}
		time.Sleep(500 * time.Millisecond)
		t.Quiesce(ctx, 15*time.Second)
		row.Phases = RunPhases(ctx, t, f, ready, c.Phases, n)
	}
	results, stopErr := f.Stop()
	row.Load = Sum(results)
	Finish(row.Phases, results)
	switch {
	case setupErr != nil:
		return fail(setupErr)
	case stopErr != nil:
		return fail(stopErr)
	}
	return row
}
