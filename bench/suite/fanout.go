package suite

import (
	"context"
	"fmt"
	"os"
	"time"
)

// FanoutConfig is the fan-out scenario: one guild, N sessions in it, tagged
// messages posted through the ingest API, per compression mode.
type FanoutConfig struct {
	Bin, Loadgen string
	Sizes        []int
	Modes        []string // none, zlib-stream, zstd-stream
	PerProc      int      // sessions per loadgen process
	ConnectRate  float64  // connects per second per loadgen process
	Phases       PhaseConfig
	SetupTimeout time.Duration
	Verbose      bool
	SourceAddrs  string // the loadgens' --source-addrs
	WriteFloor   string // bench/cmd/writefloor binary; empty: no floor measured
}

// FanoutRow is one mode × size.
type FanoutRow struct {
	Mode       string       `json:"mode"`
	N          int          `json:"n"`
	Procs      int          `json:"loadgen_processes"`
	Error      string       `json:"error,omitempty"`
	Compressor string       `json:"server_compressor,omitempty"`
	Load       Totals       `json:"load"`
	Server     ServerSample `json:"server"` // after setup
	Phases     []*Phase     `json:"phases"`
}

// Phase returns the row's phase called name (nil if not run).
func (r *FanoutRow) Phase(name string) *Phase {
	for _, p := range r.Phases {
		if p.Name == name {
			return p
		}
	}
	return nil
}

// FanoutSecret is the token secret of the benchmark's servers and loadgens.
const FanoutSecret = "fanout-bench-secret"

// RunFanout measures every mode × size on a fresh gatehouse each.
func RunFanout(ctx context.Context, c FanoutConfig, work string) []FanoutRow {
	var rows []FanoutRow
	base := uint64(1_000_000)
	for _, mode := range c.Modes {
		for _, n := range c.Sizes {
			if ctx.Err() != nil {
				return rows
			}
			base += 100_000_000
			fmt.Fprintf(os.Stderr, "fanout: %s, %d sessions\n", mode, n)
			row := fanoutOne(ctx, c, work, mode, n, base)
			logFanoutRow(row)
			rows = append(rows, row)
		}
	}
	return rows
}

func fanoutOne(ctx context.Context, c FanoutConfig, work, mode string, n int, userBase uint64) (row FanoutRow) {
	row = FanoutRow{Mode: mode, N: n}
	t, err := StartGatehouse(ctx, GatehouseOptions{Bin: c.Bin, Secret: FanoutSecret, IngestSecret: FanoutSecret + "-ingest"})
	if err != nil {
		row.Error = err.Error()
		return row
	}
	defer t.Stop()
	row.Compressor = t.Compressor
	fail := func(err error) FanoutRow {
		row.Error = err.Error() + "\nserver log tail:\n" + Tail(t.LogPath, 8)
		return row
	}
	sp := FleetSpec{Loadgen: c.Loadgen, URL: t.WSURL, Conns: n, PerProc: c.PerProc, Secret: FanoutSecret,
		UserBase: userBase, Compress: mode, Intents: 513 | MessageContentIntent, Track: TrackFor(c.Phases, n),
		Rate: c.ConnectRate, Setup: c.SetupTimeout, Dir: work, Tag: "fanout-" + mode, Verbose: c.Verbose, SourceAddrs: c.SourceAddrs}
	row.Procs = len(sp.Split())
	if err := t.SetupGuild(ctx, sp.UserIDs()); err != nil {
		return fail(fmt.Errorf("guild setup: %w", err))
	}
	f, err := StartFleet(sp)
	if err != nil {
		_, _ = f.Stop()
		return fail(err)
	}
	lines, setupErr := f.WaitSetup(ctx, c.SetupTimeout+time.Minute)
	if setupErr == nil {
		row.Server = t.Sample(ctx, time.Second)
		ready := ReadyOf(lines)
		// Warm-up: a few untimed messages, so one-time costs (a first
		// compressor flush, JIT-compiled codecs) are not in the figures.
		for i := 0; i < 3; i++ {
			_ = t.Ingest.PostUntagged(ctx, benchAuthor)
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

func logFanoutRow(r FanoutRow) {
	if r.Error != "" {
		fmt.Fprintf(os.Stderr, "fanout: %s %d: error: %s\n", r.Mode, r.N, r.Error)
	}
	for _, p := range r.Phases {
		fmt.Fprintf(os.Stderr, "fanout: %s %d %s: %d msgs, %d/%d delivered, %.0f/s, p50 %s p99 %s max %s, CPU %.0f ns/delivery\n",
			r.Mode, r.N, p.Name, p.Messages, p.Delivered, p.Expected, p.DeliveriesPerSec,
			Dur(p.Latency.P50US), Dur(p.Latency.P99US), Dur(p.Latency.MaxUS), p.CPUPerDeliveryNS)
	}
}
