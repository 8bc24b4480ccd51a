// Command connbench is `make bench-conn`: it starts gatehouse as its own
// process, holds N identified idle sessions on it with loadgen processes in
// each compression mode, and reports the server's memory per session; then
// it runs an identify storm and reports READY/s. Results go to
// bench/results/conn.json and conn.md. See docs/benchmarks.md.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// options are connbench's flags.
type options struct {
	bin, loadgen, out string
	sizes             []int
	modes             []mode
	stormN            int
	perProc           int
	settle            time.Duration
	compactIdle       time.Duration
	serverEnv         []string // KEY=VALUE added to the server's environment
	heartbeat         time.Duration
	maxConcurrency    int
	identifyWindow    time.Duration
	setupTimeout      time.Duration
	secret            string
	verbose           bool
}

// mode is one compression setting the server is measured in.
type mode struct {
	Name     string `json:"name"`
	Compress string `json:"compress"`    // the loadgen's ?compress=
	Preset   string `json:"zstd_preset"` // the server's --zstd-preset
	// Streams is the server's --compression-streams: "full" (a library
	// stream per connection for its life) or "compact" (docs/compression.md);
	// empty leaves the server's default (mode none, which compresses nothing).
	Streams string `json:"compression_streams,omitempty"`
	// CompactZstd adds the server's --compact-zstd (compact zstd-stream).
	CompactZstd bool `json:"compact_zstd,omitempty"`
}

// compact says whether the connections of m get compact streams, which
// the measurement must let hibernate before it reads memory.
func (m mode) compact() bool {
	return m.Streams == "compact" && (m.Compress == "zlib-stream" || m.Compress == "zstd-stream" && m.CompactZstd)
}

// serverFlags are the compression flags m starts the server with.
func (m mode) serverFlags(compactIdle time.Duration) []string {
	f := []string{"--zstd-preset", m.Preset}
	if m.Streams != "" {
		f = append(f, "--compression-streams", m.Streams)
	}
	if m.CompactZstd {
		f = append(f, "--compact-zstd")
	}
	if m.compact() {
		f = append(f, "--compact-idle", compactIdle.String())
	}
	return f
}

// allModes. zlib-full and the zstd modes without -compact keep a library
// stream per connection for its life (as before compact streams); the
// -compact modes show what hibernating idle streams saves. Each row of the
// report also names the streams the server said it used.
var allModes = []mode{
	{Name: "none", Compress: "none", Preset: "discord"},
	{Name: "zlib-full", Compress: "zlib-stream", Preset: "discord", Streams: "full"},
	{Name: "zlib-compact", Compress: "zlib-stream", Preset: "discord", Streams: "compact"},
	{Name: "zstd-discord", Compress: "zstd-stream", Preset: "discord", Streams: "full"},
	{Name: "zstd-discord-compact", Compress: "zstd-stream", Preset: "discord", Streams: "compact", CompactZstd: true},
	{Name: "zstd-balanced", Compress: "zstd-stream", Preset: "balanced", Streams: "full"},
	{Name: "zstd-lean", Compress: "zstd-stream", Preset: "lean", Streams: "full"},
}

// defaultModes is -modes' default: every mode.
func defaultModes() string {
	names := make([]string, len(allModes))
	for i, m := range allModes {
		names[i] = m.Name
	}
	return strings.Join(names, ",")
}

func main() {
	o, err := parseFlags()
	if err != nil {
		fmt.Fprintln(os.Stderr, "connbench:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, o); err != nil {
		fmt.Fprintln(os.Stderr, "connbench:", err)
		os.Exit(1)
	}
}

func parseFlags() (*options, error) {
	o := &options{}
	flag.StringVar(&o.bin, "bin", "bin/gatehouse", "gatehouse binary to measure")
	flag.StringVar(&o.loadgen, "loadgen", "bin/loadgen", "loadgen binary")
	flag.StringVar(&o.out, "out", "bench/results", "directory for conn.json and conn.md")
	sizes := flag.String("sizes", "1000,5000,19000", "session counts to hold")
	quick := flag.Bool("quick", false, "only 1,000 and 5,000 sessions, storm of 5,000")
	modes := flag.String("modes", defaultModes(), "compression modes to measure")
	flag.IntVar(&o.stormN, "storm", 0, "identify storm size (0: the largest of -sizes; negative: no storm)")
	flag.IntVar(&o.perProc, "per-proc", 19000, "sessions per loadgen process (each process has a 20,000 open-file limit)")
	flag.DurationVar(&o.settle, "settle", 3*time.Second, "wait between the two /metrics readings of a measurement")
	flag.DurationVar(&o.compactIdle, "compact-idle", 2*time.Second, "server --compact-idle for the compact modes (short, so that sessions hibernate soon after READY)")
	serverEnv := flag.String("server-env", "", "KEY=VALUE[,KEY=VALUE...] added to the server's environment (e.g. GLIBC_TUNABLES=glibc.malloc.trim_threshold=0); the report names them")
	flag.DurationVar(&o.heartbeat, "heartbeat-interval", 41250*time.Millisecond, "server heartbeat interval (idle sessions)")
	flag.IntVar(&o.maxConcurrency, "max-concurrency", 1024, "server --max-concurrency")
	flag.DurationVar(&o.identifyWindow, "identify-window", time.Millisecond, "server --identify-window")
	flag.DurationVar(&o.setupTimeout, "setup-timeout", 2*time.Minute, "a session not READY this long after its dial fails")
	flag.StringVar(&o.secret, "secret", "connbench-secret", "token secret shared by the server and the loadgens")
	flag.BoolVar(&o.verbose, "v", false, "forward the loadgens' per-second progress lines")
	flag.Parse()
	if *quick {
		*sizes = "1000,5000"
	}
	for _, s := range strings.Split(*sizes, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n <= 0 {
			return nil, fmt.Errorf("-sizes: bad size %q", s)
		}
		o.sizes = append(o.sizes, n)
	}
	for _, name := range strings.Split(*modes, ",") {
		found := false
		for _, m := range allModes {
			if m.Name == strings.TrimSpace(name) {
				o.modes, found = append(o.modes, m), true
			}
		}
		if !found {
			return nil, fmt.Errorf("-modes: unknown mode %q", name)
		}
	}
	if o.stormN == 0 {
		for _, n := range o.sizes {
			o.stormN = max(o.stormN, n)
		}
	}
	for _, p := range []string{o.bin, o.loadgen} {
		if _, err := os.Stat(p); err != nil {
			return nil, fmt.Errorf("%s is missing: build it first (make bench-conn does: make build, go build -o bin/loadgen ./bench/cmd/loadgen)", p)
		}
	}
	if *serverEnv != "" {
		for _, kv := range strings.Split(*serverEnv, ",") {
			if k, _, ok := strings.Cut(kv, "="); !ok || k == "" {
				return nil, fmt.Errorf("-server-env: %q is not KEY=VALUE", kv)
			}
			o.serverEnv = append(o.serverEnv, kv)
		}
	}
	if o.compactIdle <= 0 {
		return nil, errors.New("-compact-idle must be positive")
	}
	if o.perProc <= 0 || o.perProc > 19000 {
		return nil, errors.New("-per-proc must be in 1..19000")
	}
	return o, nil
}

func run(ctx context.Context, o *options) error {
	started := time.Now()
	rep := &report{
		Command: commandLine(), Commit: gitCommit(), Date: started.UTC().Format(time.RFC3339),
		Machine: describeMachine(), Binary: describeBinary(o.bin),
		Settings: settings{
			HeartbeatInterval: o.heartbeat.String(), MaxConcurrency: o.maxConcurrency,
			IdentifyWindow: o.identifyWindow.String(), Settle: o.settle.String(), PerProcess: o.perProc,
			CompactIdle: o.compactIdle.String(), ServerEnv: o.serverEnv,
		},
	}
	work, err := os.MkdirTemp("", "connbench-results-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)

	userBase := uint64(1_000_000)
	for _, m := range o.modes {
		for _, n := range o.sizes {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			userBase += 100_000_000
			row := measureMemory(ctx, o, work, m, n, userBase, rep.rowsOf(m.Name))
			rep.Memory = append(rep.Memory, row)
			logRow(row)
		}
	}
	if ctx.Err() == nil && o.stormN > 0 {
		userBase += 100_000_000
		st := measureStorm(ctx, o, work, o.stormN, userBase)
		rep.Identify = &st
		logStorm(st)
	}
	rep.ElapsedSeconds = time.Since(started).Seconds()
	rep.judge()
	if err := rep.write(o.out); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "connbench: wrote %s/conn.json and conn.md in %.0fs\n", o.out, rep.ElapsedSeconds)
	return ctx.Err()
}
