// Command fanoutbench is `make bench-fanout`: one guild, N sessions held by
// loadgen processes, tagged messages posted through the ingest API, per
// compression mode; it reports deliveries per second, send-to-receipt
// latency and server CPU per delivery, and judges the fan-out targets.
// Results go to fanout.json and fanout.md in -out. See docs/benchmarks.md.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"gatehouse/bench/suite"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "fanoutbench:", err)
		os.Exit(1)
	}
}

func run() error {
	c := suite.FanoutConfig{Phases: suite.DefaultPhases}
	flag.StringVar(&c.Bin, "bin", "bin/gatehouse", "gatehouse binary")
	flag.StringVar(&c.Loadgen, "loadgen", "bin/loadgen", "loadgen binary")
	flag.StringVar(&c.WriteFloor, "writefloor", "", "bench/cmd/writefloor binary: measure the machine's write floor at each size (empty: skip)")
	out := flag.String("out", "bench/results", "directory for fanout.json and fanout.md")
	sizes := flag.String("sizes", "1000,5000,19000", "sessions in the guild")
	modes := flag.String("modes", "none,zlib-stream,zstd-stream", "compression modes")
	quick := flag.Bool("quick", false, "1,000 and 5,000 sessions only")
	flag.IntVar(&c.PerProc, "per-proc", 10000, "sessions per loadgen process")
	flag.Float64Var(&c.ConnectRate, "connect-rate", 1500, "connects per second per loadgen process")
	flag.IntVar(&c.Phases.Single, "single", c.Phases.Single, "messages sent one at a time")
	flag.Float64Var(&c.Phases.Rate, "rate", c.Phases.Rate, "messages per second in the rate phase")
	flag.DurationVar(&c.Phases.RateFor, "rate-for", c.Phases.RateFor, "length of the rate phase")
	flag.IntVar(&c.Phases.Burst, "burst", 0, "messages in the burst (0: about a million deliveries)")
	flag.IntVar(&c.Phases.Posters, "posters", c.Phases.Posters, "concurrent posts in the burst")
	flag.DurationVar(&c.SetupTimeout, "setup-timeout", 2*time.Minute, "a session not READY this long after its dial fails")
	flag.BoolVar(&c.Verbose, "v", false, "forward the loadgens' progress lines")
	flag.StringVar(&c.SourceAddrs, "source-addrs", "", "loadgen --source-addrs, e.g. 127.0.0.2-127.0.0.40 (past ~28,000 connections)")
	flag.Parse()
	if *quick {
		*sizes = "1000,5000"
	}
	var err error
	if c.Sizes, err = parseSizes(*sizes); err != nil {
		return err
	}
	for _, m := range strings.Split(*modes, ",") {
		m = strings.TrimSpace(m)
		if m != "none" && m != "zlib-stream" && m != "zstd-stream" {
			return fmt.Errorf("-modes: unknown mode %q", m)
		}
		c.Modes = append(c.Modes, m)
	}
	for _, p := range []string{c.Bin, c.Loadgen} {
		if _, err := os.Stat(p); err != nil {
			return fmt.Errorf("%s is missing: build it first (make bench-fanout does)", p)
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	rep, err := suite.FanoutReportOf(ctx, c, suite.NewHeader("bench-fanout"))
	if err != nil {
		return err
	}
	if err := rep.Write(*out); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "fanoutbench: wrote %s/fanout.json and fanout.md in %.0fs\n", *out, rep.ElapsedSeconds)
	for _, v := range rep.Targets {
		fmt.Fprintf(os.Stderr, "  %s: %s — %s\n", v.Result(), v.Name, v.Figure)
	}
	return ctx.Err()
}

func parseSizes(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n <= 0 || n > 1_000_000 {
			return nil, fmt.Errorf("-sizes: bad size %q", f)
		}
		out = append(out, n)
	}
	return out, nil
}
