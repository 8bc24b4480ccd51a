package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"gatehouse/bench/loadgen"
)

// memRow is one mode × N measurement.
type memRow struct {
	Mode        string `json:"mode"`
	Compress    string `json:"compress"`
	Preset      string `json:"zstd_preset"`
	N           int    `json:"n"`
	Skipped     string `json:"skipped,omitempty"`
	Error       string `json:"error,omitempty"`
	Compression string `json:"server_compressor,omitempty"`
	// Streams is what the server said it gives compressed connections
	// (its ready line's streams=): "full", "compact:zlib", "compact:zlib,zstd".
	Streams     string   `json:"server_streams,omitempty"`
	ServerFlags []string `json:"server_flags"` // the mode's compression flags
	// IdleWaitSeconds is how long the compact modes waited after the last
	// READY for their streams to hibernate before the loaded reading.
	IdleWaitSeconds float64          `json:"idle_wait_seconds,omitempty"`
	Ready           int64            `json:"ready"`
	Failed          int64            `json:"failed"`
	Errors          map[string]int64 `json:"errors,omitempty"`
	CloseCodes      map[string]int64 `json:"close_codes,omitempty"`
	Base            sample           `json:"base"`   // server with 0 sessions, after a warm-up
	Loaded          sample           `json:"loaded"` // server holding the sessions
	// RSSPerSession and HeapPerSession are (loaded − base) / READY sessions, in bytes.
	RSSPerSession     float64             `json:"rss_per_session"`
	HeapPerSession    float64             `json:"heap_inuse_per_session"`
	SetupSeconds      float64             `json:"setup_seconds"`
	ReadyPerSec       float64             `json:"ready_per_sec"`
	HelloToReady      loadgen.HistSummary `json:"hello_to_ready"`
	LoadgenRSSPerConn float64             `json:"loadgen_rss_per_conn"`
}

// warmup opens and properly closes a few sessions so that one-time costs
// (JIT-compiled JSON codecs, event-loop buffers, first compressor) are in
// the baseline rather than spread over the measured sessions.
func warmup(ctx context.Context, o *options, work string, g *gateway, m mode, userBase uint64) error {
	f, err := startFleet(o, work, fleetSpec{url: g.wsURL, conns: 20, compress: m.Compress,
		hold: "0s", grace: "5s", userBase: userBase, tag: "warmup"})
	if err != nil {
		return err
	}
	f.wait(60 * time.Second)
	return g.waitIdle(ctx, 10*time.Second)
}

// measureMemory holds n idle sessions in mode m on a fresh gateway and
// reports the gateway's memory per session.
func measureMemory(ctx context.Context, o *options, work string, m mode, n int, userBase uint64, prev []memRow) (row memRow) {
	row = memRow{Mode: m.Name, Compress: m.Compress, Preset: m.Preset, N: n, ServerFlags: m.serverFlags(o.compactIdle)}
	if why := tooBig(n, prev); why != "" {
		row.Skipped = why
		return row
	}
	fmt.Fprintf(os.Stderr, "connbench: %s, %d sessions\n", m.Name, n)
	g, err := startGateway(ctx, o, m)
	if err != nil {
		row.Error = err.Error()
		return row
	}
	defer g.stop()
	row.Compression, row.Streams = g.compression, g.streams
	fail := func(err error) memRow {
		row.Error = err.Error() + "\nserver log tail:\n" + tail(g.logPath, 10)
		return row
	}
	if err := warmup(ctx, o, work, g, m, userBase); err != nil {
		return fail(fmt.Errorf("warm-up: %w", err))
	}
	if row.Base, err = g.settle(ctx, o.settle); err != nil {
		return fail(err)
	}
	f, err := startFleet(o, work, fleetSpec{url: g.wsURL, conns: n, compress: m.Compress,
		hold: "-1s", grace: "0s", userBase: userBase + 10_000, tag: m.Name})
	if err != nil {
		_, _ = f.stop()
		return fail(err)
	}
	lines, setupErr := f.waitSetup(ctx, o.setupTimeout+time.Minute)
	if setupErr == nil && m.compact() {
		var ready int64
		for _, l := range lines {
			ready += l.Ready
		}
		var waited time.Duration
		waited, setupErr = g.waitHibernated(ctx, o.compactIdle, ready, 2*time.Minute)
		row.IdleWaitSeconds = waited.Seconds()
	}
	if setupErr == nil {
		row.Loaded, err = g.settle(ctx, o.settle)
	}
	results, stopErr := f.stop()
	fillFromResults(&row, results)
	var lgRSS uint64
	for _, l := range lines {
		lgRSS += l.Self.RSSBytes
	}
	row.LoadgenRSSPerConn = float64(lgRSS) / float64(n)
	switch {
	case setupErr != nil:
		return fail(setupErr)
	case err != nil:
		return fail(err)
	case stopErr != nil:
		return fail(stopErr)
	}
	if row.Ready > 0 {
		row.RSSPerSession = (float64(row.Loaded.RSSBytes) - float64(row.Base.RSSBytes)) / float64(row.Ready)
		row.HeapPerSession = (float64(row.Loaded.HeapInuseBytes) - float64(row.Base.HeapInuseBytes)) / float64(row.Ready)
	}
	return row
}

// fillFromResults merges the loadgen processes' results into row.
func fillFromResults(row *memRow, results []loadgen.Result) {
	row.Errors, row.CloseCodes = map[string]int64{}, map[string]int64{}
	var setup float64
	for _, r := range results {
		row.Ready += r.Stats.Ready
		row.Failed += r.Stats.Failed
		for k, v := range r.Stats.Errors {
			row.Errors[k] += v
		}
		for k, v := range r.Stats.CloseCodes {
			row.CloseCodes[k] += v
		}
		row.HelloToReady.Merge(r.HelloToReady)
		setup = max(setup, r.SetupSeconds)
	}
	row.SetupSeconds = setup
	if setup > 0 {
		row.ReadyPerSec = float64(row.Ready) / setup
	}
}

// tooBig says why n sessions would not fit in this machine's memory, judged
// from the largest earlier measurement of the same mode ("" if they fit or
// nothing is known yet). The estimate counts the server and the loadgens,
// with a 30% margin and 1 GiB spare.
func tooBig(n int, prev []memRow) string {
	var ref *memRow
	for i := range prev {
		if prev[i].Skipped == "" && prev[i].Error == "" && prev[i].RSSPerSession > 0 {
			ref = &prev[i]
		}
	}
	if ref == nil {
		return ""
	}
	per := ref.RSSPerSession + ref.LoadgenRSSPerConn
	need := float64(n)*per*1.3 + float64(1<<30)
	avail := float64(meminfo("MemAvailable"))
	if avail == 0 || need <= avail {
		return ""
	}
	return fmt.Sprintf("would need ~%.1f GiB (server %.0f KiB + loadgen %.0f KiB per session, measured at %d) but %.1f GiB is available",
		need/(1<<30), ref.RSSPerSession/1024, ref.LoadgenRSSPerConn/1024, ref.N, avail/(1<<30))
}

// stormResult is the identify storm.
type stormResult struct {
	N           int              `json:"n"`
	Error       string           `json:"error,omitempty"`
	Compression string           `json:"server_compressor,omitempty"`
	Ready       int64            `json:"ready"`
	Failed      int64            `json:"failed"`
	Identifies  int64            `json:"identifies"` // more than N when op 9 made sessions retry
	Errors      map[string]int64 `json:"errors,omitempty"`
	// ReadyPerSec is READYs per second from the barrier's release to the
	// last READY: every socket is already open and has its Hello, so only
	// Identify → READY work is in flight.
	ReadyPerSec     float64             `json:"ready_per_sec"`
	Seconds         float64             `json:"seconds"`
	IdentifyToReady loadgen.HistSummary `json:"identify_to_ready"`
	// ConnectReadyPerSec is the same sessions measured from the first dial
	// to the last READY: TCP connects, upgrades and Hellos included.
	ConnectReadyPerSec float64 `json:"connect_ready_per_sec"`
}

// measureStorm opens n sockets in mode none, waits for every Hello, then
// releases every Identify at once.
func measureStorm(ctx context.Context, o *options, work string, n int, userBase uint64) (st stormResult) {
	st.N = n
	fmt.Fprintf(os.Stderr, "connbench: identify storm, %d sessions\n", n)
	g, err := startGateway(ctx, o, allModes[0])
	if err != nil {
		st.Error = err.Error()
		return st
	}
	defer g.stop()
	st.Compression = g.compression
	if err := warmup(ctx, o, work, g, allModes[0], userBase); err != nil {
		st.Error = "warm-up: " + err.Error()
		return st
	}
	f, err := startFleet(o, work, fleetSpec{url: g.wsURL, conns: n, compress: "none", barrier: true,
		hold: "0s", grace: "0s", userBase: userBase + 10_000, tag: "storm"})
	if err != nil {
		_, _ = f.stop()
		st.Error = err.Error()
		return st
	}
	_, setupErr := f.waitSetup(ctx, o.setupTimeout+time.Minute)
	results, stopErr := f.stop()
	st.Errors = map[string]int64{}
	var first float64
	for _, r := range results {
		st.Ready += r.Stats.Ready
		st.Failed += r.Stats.Failed
		st.Identifies += r.Stats.Identifies
		for k, v := range r.Stats.Errors {
			st.Errors[k] += v
		}
		st.IdentifyToReady.Merge(r.IdentifyToReady)
		if r.Storm != nil {
			st.Seconds = max(st.Seconds, r.Storm.Seconds)
		}
		first = max(first, r.SetupSeconds)
	}
	if st.Seconds > 0 {
		st.ReadyPerSec = float64(st.Ready) / st.Seconds
	}
	if first > 0 {
		st.ConnectReadyPerSec = float64(st.Ready) / first
	}
	if setupErr != nil {
		st.Error = setupErr.Error()
	} else if stopErr != nil {
		st.Error = stopErr.Error()
	}
	return st
}
