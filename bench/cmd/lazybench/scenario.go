package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"gatehouse/bench/loadgen"
	"gatehouse/bench/suite"
	"gatehouse/cluster"
)

// benchSecret signs the sessions' tokens; the ingest secret derives from it.
const benchSecret = "lazy-bench-secret"

// nodeID is the stand-in node's name in cross-node presence.
const nodeID = "lazybench-node"

// runBench sets up and measures, filling rep as it goes so that a failure
// still reports what was reached.
func runBench(ctx context.Context, o *options, rep *Report) error {
	p := o.p
	work, err := os.MkdirTemp("", "lazybench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)

	fmt.Fprintf(os.Stderr, "lazybench: NATS server and gatehouse (cluster mode)\n")
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	nats, err := cluster.StartLocalCluster(1, filepath.Join(work, "nats"), log)
	if err != nil {
		return err
	}
	defer nats.Close()
	t, err := suite.StartGatehouse(ctx, suite.GatehouseOptions{Bin: o.bin, Secret: benchSecret, IngestSecret: benchSecret + "-ingest",
		Extra: append([]string{"--nats-url", nats.URLs(), "--replicas", "1", "--node-id", "gateway-under-test"}, p.ServeArgs...)})
	if err != nil {
		return err
	}
	defer t.Stop()
	rep.Compressor = t.Compressor
	fail := func(err error) error {
		rep.ServerLogLines, rep.ServerLogSamples = logCounts(t.LogPath)
		rep.ServerLogTail = suite.Tail(t.LogPath, 12)
		if c := suite.Crash(t.LogPath); c != "" {
			rep.ServerLogTail = c
		}
		return err
	}

	l := newLayout(p.Members, p.Sessions)
	sp := suite.FleetSpec{Loadgen: o.loadgen, URL: t.WSURL, Conns: p.Sessions, PerProc: 19000, Secret: benchSecret,
		UserBase: sessionBase, Compress: p.Compress, Intents: p.Intents, Rate: p.ConnectRate, Setup: o.setupTimeout,
		Dir: work, Tag: "lazy", Verbose: o.verbose,
		Extra: []string{"--lazy", fmt.Sprintf("%d:%d:%s", benchGuild, benchChannel, p.Ranges)}}
	nd, err := newNode(nats.URL(0), nodeID, l, p.Online, p.Seed)
	if err != nil {
		return fail(err)
	}
	defer nd.close()
	rep.Setup.NodeUsers, rep.Setup.OnlineAtStart = l.nodeUsers(), nd.Online()
	rep.Setup.Layout = map[string]int{roleAdmin.name: l.admins, roleMod.name: l.mods, roleHelper.name: l.helpers, roleBooster.name: l.boosters}

	fmt.Fprintf(os.Stderr, "lazybench: loading %d members (%d requests)\n", p.Members, p.Streams)
	t0 := time.Now()
	if err := setupGuild(ctx, t.Ingest); err != nil {
		return fail(fmt.Errorf("guild setup: %w", err))
	}
	if err := loadMembers(ctx, t.Ingest, l, sp.UserIDs(), p.Seed, p.Streams); err != nil {
		return fail(fmt.Errorf("members:batch: %w", err))
	}
	rep.Setup.IngestSeconds = time.Since(t0).Seconds()
	rep.Setup.MembersPerSec = float64(p.Members) / rep.Setup.IngestSeconds
	fmt.Fprintf(os.Stderr, "lazybench: %d members in %.1f s; %d stand-in users online\n", p.Members, rep.Setup.IngestSeconds, rep.Setup.OnlineAtStart)
	if err := waitFor(ctx, time.Minute, func() bool { return nd.snapshots.Load() > 0 }); err != nil {
		return fail(fmt.Errorf("the gateway never asked the stand-in node for its presence snapshot"))
	}

	fmt.Fprintf(os.Stderr, "lazybench: %d sessions, op 14 for rows %s\n", p.Sessions, p.Ranges)
	t1 := time.Now()
	f, err := suite.StartFleet(sp)
	if err != nil {
		_, _ = f.Stop()
		return fail(err)
	}
	results, ferr := measure(ctx, o, rep, t, f, nd, t1)
	rep.Load = suite.Sum(results)
	if ferr != nil {
		return fail(ferr)
	}
	rep.ServerLogLines, rep.ServerLogSamples = logCounts(t.LogPath)
	return nil
}

// measure waits for every session's READY and SYNC, measures the idle
// gateway and then the churn, and stops the fleet.
func measure(ctx context.Context, o *options, rep *Report, t *suite.Target, f *suite.Fleet, nd *node, t1 time.Time) ([]loadgen.Result, error) {
	p := o.p
	stop := func(err error) ([]loadgen.Result, error) {
		res, serr := f.Stop()
		if err == nil {
			err = serr
		}
		return res, err
	}
	lines, err := f.WaitSetup(ctx, o.setupTimeout+time.Minute)
	if err != nil {
		return stop(err)
	}
	rep.Setup.Ready = suite.ReadyOf(lines)
	rep.Setup.ReadySeconds = time.Since(t1).Seconds()
	pr, ok := f.WaitFor(ctx, o.setupTimeout, func(pr suite.Progress) bool {
		// A session sends op 14 on its GUILD_CREATE: once all have, the
		// guild is loaded and the rest is building the list.
		if rep.Setup.GuildCreateSeconds == 0 && pr.Lazy.Requested >= int64(p.Sessions) {
			rep.Setup.GuildCreateSeconds = time.Since(t1).Seconds()
		}
		return pr.Lazy.Synced >= int64(p.Sessions)
	})
	rep.Setup.Synced = pr.Lazy.Synced
	rep.Setup.SyncSeconds = time.Since(t1).Seconds()
	if !ok {
		return stop(fmt.Errorf("%d of %d sessions got their SYNC (%d sent op 14)", pr.Lazy.Synced, p.Sessions, pr.Lazy.Requested))
	}
	fmt.Fprintf(os.Stderr, "lazybench: %d READY, %d synced in %.1f s\n", rep.Setup.Ready, pr.Lazy.Synced, rep.Setup.SyncSeconds)
	rep.Setup.QuiesceSeconds = t.Quiesce(ctx, 30*time.Second).Seconds()
	rep.Setup.Server = t.Sample(ctx, 0)

	// Idle: the gateway with its sessions and the node's heartbeats only.
	pids := append([]int{t.Pid()}, f.Pids()...)
	idle0 := sampleNow(pids, f)
	sleep(ctx, 3*time.Second)
	idle1 := sampleNow(pids, f)
	rep.Idle = window(idle0, idle1, p.Sessions)

	fmt.Fprintf(os.Stderr, "lazybench: churn: %.0f presence changes/s for %.0f s\n", p.Rate, p.Seconds)
	syncs0 := nd.syncRequests.Load()
	c0 := sampleNow(pids, f)
	series := startSeries(ctx, pids, f)
	sent, took := nd.churn(ctx, p.Rate, time.Duration(p.Seconds*float64(time.Second)))
	c1 := sampleNow(pids, f)
	rep.Timeline = series.stop()
	drain := t.Quiesce(ctx, 30*time.Second)
	c2 := sampleNow(pids, f)
	ch := Churn{Window: window(c0, c1, p.Sessions)}
	ch.Published, ch.PublishSeconds = sent, took.Seconds()
	ch.PublishedPerSec = float64(sent) / took.Seconds()
	ch.DrainSeconds = drain.Seconds()
	withDrain := window(c0, c2, p.Sessions)
	if sent > 0 {
		ch.ServerCPUPerChangeUS = withDrain.ServerCPUSeconds / float64(sent) * 1e6
		ch.DispatchesPerChangePerSession = float64(withDrain.Lazy.Dispatches) / float64(sent) / float64(p.Sessions)
	}
	ch.DrainDispatches = withDrain.Lazy.Dispatches - ch.Lazy.Dispatches
	ch.SnapshotRequests = nd.syncRequests.Load() - syncs0 // churn and drain
	ch.PublishErrors = nd.pubErrors.Load()
	ch.OnlineAtEnd = nd.Online()
	rep.Churn = ch
	rep.Final = sampleNow(pids, f).Progress
	fmt.Fprintf(os.Stderr, "lazybench: %d changes in %.1f s; gateway %.2f cores; %s to the sessions; %.0f dispatches/s; drained in %.1f s\n",
		sent, took.Seconds(), ch.ServerCores, rate(ch.BytesPerSec), ch.DispatchesPerSec, ch.DrainSeconds)
	return stop(nil)
}

// logKinds are the server log lines worth counting: presence lost on the
// way (a slow consumer drops NATS messages), a node dropped, any warning.
var logKinds = []string{"slow consumer", "presence peer dropped", "level=ERROR", "level=WARN"}

// presenceDropped is logCounts' key for the presence messages dropped.
const presenceDropped = "presence messages dropped"

// logCounts counts the server log lines of each kind and keeps the first
// few warnings and errors whole. Under "presence dropped" it puts the
// highest count of user-subject messages the gateway's NATS subscription
// reports dropped (the count is cumulative; it is logged once per slow
// consumer episode, so this is a lower bound).
func logCounts(path string) (map[string]int, []string) {
	b, _ := os.ReadFile(path)
	out := map[string]int{}
	var samples []string
	for _, line := range strings.Split(string(b), "\n") {
		for _, k := range logKinds {
			if strings.Contains(line, k) {
				out[k]++
			}
		}
		if strings.Contains(line, "slow consumer") && strings.Contains(line, "subject=gh.users ") {
			if _, v, ok := strings.Cut(line, " dropped="); ok {
				if n, err := strconv.Atoi(strings.Fields(v)[0]); err == nil {
					out[presenceDropped] = max(out[presenceDropped], n)
				}
			}
		}
		if (strings.Contains(line, "level=WARN") || strings.Contains(line, "level=ERROR")) && len(samples) < 8 {
			samples = append(samples, line)
		}
	}
	return out, samples
}

func waitFor(ctx context.Context, limit time.Duration, f func() bool) error {
	deadline := time.Now().Add(limit)
	for !f() {
		if time.Now().After(deadline) || ctx.Err() != nil {
			return fmt.Errorf("timed out")
		}
		time.Sleep(50 * time.Millisecond)
	}
	return nil
}

func sleep(ctx context.Context, d time.Duration) {
	select {
	case <-time.After(d):
	case <-ctx.Done():
	}
}
