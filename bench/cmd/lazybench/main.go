// Command lazybench is `make bench-lazy`: the lazy member list end to end.
// A 1,000,000-member guild on the built gateway (bin/gatehouse, its own
// process, in cluster mode on a NATS server this program runs), 1,000
// loadgen sessions that each ask op 14 for rows 0–99 of the guild's
// channel, and 10,000 presence changes a second published on NATS by a
// stand-in for another gateway node, the way a cluster carries them. It
// reports the gateway's CPU while the presence churns, the bytes and
// GUILD_MEMBER_LIST_UPDATE ops the sessions receive, and judges the
// target "the presence-churn scenario under one core" (issue 5). Results
// go to lazy.json and lazy.md in -out. See docs/memberlist.md.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"gatehouse/bench/benchenv"
	"gatehouse/bench/suite"
)

// Params are the knobs of a run.
type Params struct {
	Members     int     `json:"members"`
	Sessions    int     `json:"sessions"`
	Online      float64 `json:"online_fraction"`
	Rate        float64 `json:"presence_changes_per_s"`
	Seconds     float64 `json:"churn_seconds"`
	Ranges      string  `json:"ranges"`
	Compress    string  `json:"compress"`
	Intents     uint64  `json:"intents"`
	Streams     int     `json:"ingest_streams"`
	Seed        uint64  `json:"seed"`
	ConnectRate float64 `json:"connect_rate"`
	Quick       bool    `json:"quick"`
	// ServeArgs are passed on to gatehouse serve after the bench's own.
	ServeArgs []string `json:"serve_args,omitempty"`
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "lazybench:", err)
		os.Exit(1)
	}
}

func run() error {
	var o options
	p := &o.p
	flag.StringVar(&o.bin, "bin", "bin/gatehouse", "gatehouse binary")
	flag.StringVar(&o.loadgen, "loadgen", "bin/loadgen", "loadgen binary")
	out := flag.String("out", "bench/results", "directory for lazy.json and lazy.md")
	flag.IntVar(&p.Members, "members", 1_000_000, "members of the guild (owner and sessions included)")
	flag.IntVar(&p.Sessions, "sessions", 1000, "WebSocket sessions subscribed to the member list")
	flag.Float64Var(&p.Online, "online", 0.15, "fraction of the members online at the start (kept steady by the churn)")
	flag.Float64Var(&p.Rate, "rate", 10000, "presence changes per second")
	churn := flag.Duration("duration", 30*time.Second, "how long the presence churns")
	flag.StringVar(&p.Ranges, "ranges", "0-99", "rows each session subscribes to (op 14), A-B[,A-B...]")
	flag.StringVar(&p.Compress, "compress", "none", "the sessions' transport compression: none, zlib-stream, zstd-stream")
	flag.Uint64Var(&p.Intents, "intents", 1, "intents the sessions identify with (1: GUILDS; no GUILD_PRESENCES, as a user client in a large guild)")
	flag.IntVar(&p.Streams, "ingest-streams", 4, "concurrent members:batch requests loading the guild (at most 4)")
	flag.Uint64Var(&p.Seed, "seed", 1, "seed of names, roles and the churn")
	flag.Float64Var(&p.ConnectRate, "connect-rate", 500, "session connects per second")
	flag.BoolVar(&p.Quick, "quick", false, "100,000 members and 10 s of churn")
	flag.DurationVar(&o.setupTimeout, "setup-timeout", 4*time.Minute, "longest wait for the sessions' READY and SYNC")
	flag.BoolVar(&o.verbose, "v", false, "forward the loadgen's progress lines")
	serveArgs := flag.String("serve-args", "", "more flags for gatehouse serve, space-separated")
	rewriteOnly := flag.Bool("rewrite", false, "only render -out/lazy.md again from -out/lazy.json")
	flag.Parse()
	if *rewriteOnly {
		return rewrite(*out)
	}
	if p.Quick {
		p.Members, *churn = 100_000, 10*time.Second
	}
	p.Seconds = churn.Seconds()
	p.ServeArgs = strings.Fields(*serveArgs)
	if err := o.check(); err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	h := suite.NewHeader("bench-lazy")
	h.Commit = benchenv.Commit()
	rep := &Report{Header: h, Params: *p}
	start := time.Now()
	err := runBench(ctx, &o, rep)
	rep.ElapsedSeconds = time.Since(start).Seconds()
	rep.LoadAvgEnd = benchenv.LoadAvg()
	if err != nil {
		rep.Error = err.Error()
	}
	rep.judge()
	if werr := rep.write(*out); werr != nil {
		return werr
	}
	fmt.Fprintf(os.Stderr, "lazybench: wrote %s/lazy.json and lazy.md in %.0fs\n", *out, rep.ElapsedSeconds)
	for _, v := range rep.Targets {
		fmt.Fprintf(os.Stderr, "  %s: %s — %s\n", v.Result(), v.Name, v.Figure)
	}
	if err != nil {
		return err
	}
	return ctx.Err()
}

// options are the run's settings besides the reported Params.
type options struct {
	p            Params
	bin, loadgen string
	setupTimeout time.Duration
	verbose      bool
}

func (o *options) check() error {
	p := &o.p
	switch {
	case p.Sessions < 1 || p.Sessions > 19000:
		return fmt.Errorf("-sessions %d: want 1..19000 (one loadgen process)", p.Sessions)
	case p.Members < p.Sessions+2000 || p.Members > 2_000_000:
		return fmt.Errorf("-members %d: want sessions+2000..2,000,000", p.Members)
	case p.Online <= 0 || p.Online >= 0.9:
		return fmt.Errorf("-online %g: want a fraction in (0, 0.9)", p.Online)
	case p.Rate <= 0 || p.Seconds <= 0:
		return fmt.Errorf("-rate and -duration must be positive")
	case p.Streams < 1 || p.Streams > 4:
		// The gateway's JetStream context allows four bulk loads in flight
		// (cluster.pipelineWindow); a fifth fails with "stalled with too
		// many outstanding async published messages".
		return fmt.Errorf("-ingest-streams %d: want 1..4", p.Streams)
	}
	for _, f := range []string{o.bin, o.loadgen} {
		if _, err := os.Stat(f); err != nil {
			return fmt.Errorf("%s is missing: build it first (make bench-lazy does)", f)
		}
	}
	return nil
}
