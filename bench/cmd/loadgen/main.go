// Command loadgen holds N identified gateway sessions against a gatehouse
// (or any Discord-compatible) gateway and reports what happened: READY
// counts, errors by kind, seq gaps and time to READY. See bench/loadgen and
// docs/benchmarks.md.
//
// Machine-readable output: one JSON line on stdout when setup is complete
// ({"event":"setup",...}) and one when done ({"event":"done",...}); the
// full result goes to --json-out. Progress goes to stderr once a second.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"gatehouse/bench/loadgen"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "loadgen:", err)
		os.Exit(1)
	}
}

func run() error {
	var cfg loadgen.Config
	flag.StringVar(&cfg.URL, "url", "ws://127.0.0.1:8080", "gateway URL (ws://host:port; v=10&encoding=json are added)")
	flag.IntVar(&cfg.Conns, "conns", 1000, "sessions to open and identify (at most ~19,000 per process)")
	flag.StringVar(&cfg.Secret, "secret", "", "token signing secret of the server (required)")
	flag.Uint64Var(&cfg.UserBase, "user-base", 1_000_000, "session i identifies as user user-base+i")
	flag.StringVar(&cfg.Compress, "compress", "none", "none, zlib-stream or zstd-stream")
	flag.Float64Var(&cfg.Rate, "rate", 0, "new connections per second (0: as fast as possible)")
	flag.IntVar(&cfg.Dialers, "dialers", 64, "concurrent connects")
	flag.IntVar(&cfg.EventLoops, "event-loops", 0, "gnet client event loops (default: one per core)")
	flag.Uint64Var(&cfg.Intents, "intents", 513, "intents sent in Identify")
	flag.BoolVar(&cfg.IdentifyBarrier, "identify-barrier", false, "connect all and wait for every Hello, then send every Identify at once (identify storm)")
	flag.DurationVar(&cfg.SetupTimeout, "setup-timeout", time.Minute, "a session not READY this long after its dial counts as failed")
	sources := flag.String("source-addrs", "", "local addresses to dial from, round robin: 127.0.0.2,127.0.0.3 or 127.0.0.2-127.0.0.9")
	hold := flag.Duration("hold", 10*time.Second, "how long to hold the sessions after setup; negative: until SIGINT/SIGTERM")
	grace := flag.Duration("close-grace", 5*time.Second, "at the end, how long to wait for the server to answer close 1000 before dropping the sockets")
	flag.StringVar(&cfg.Protocol, "protocol", "gateway", "gateway (Discord's gateway protocol) or centrifugo (Centrifugo's JSON client protocol)")
	flag.StringVar(&cfg.Channel, "channel", "bench", "centrifugo: the channel every connection subscribes to")
	flag.BoolVar(&cfg.Resume, "resume", false, "resume after op 7, a dropped connection, or SIGUSR1 (which drops every connection at once)")
	flag.IntVar(&cfg.TrackMessages, "track-messages", 0, "tagged messages per class to count one by one (see bench/loadgen/latency.go)")
	lazy := flag.String("lazy", "", "after its guild's GUILD_CREATE each session sends op 14 for GUILD:CHANNEL:A-B[,A-B...] and counts GUILD_MEMBER_LIST_UPDATE")
	progressJSON := flag.Duration("progress-json", 0, "also print a JSON progress line on stdout at this interval (0: none)")
	jsonOut := flag.String("json-out", "", "write the result as JSON to this file")
	progress := flag.Duration("progress", time.Second, "progress line interval on stderr (0: none)")
	flag.Parse()
	if cfg.Secret == "" {
		return errors.New("--secret is required (the server's token secret)")
	}
	if *sources != "" {
		addrs, err := loadgen.ParseSourceAddrs(*sources)
		if err != nil {
			return err
		}
		cfg.SourceAddrs = addrs
	}
	if *lazy != "" {
		l, err := loadgen.ParseLazy(*lazy)
		if err != nil {
			return err
		}
		cfg.Lazy = l
	}
	if err := checkFileLimit(cfg.Conns, cfg.Dialers); err != nil {
		return err
	}
	r, err := loadgen.New(cfg)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	if err := r.Start(); err != nil {
		return err
	}
	if *progress > 0 {
		go report(ctx, r, *progress)
	}
	if *progressJSON > 0 {
		go reportJSON(ctx, r, *progressJSON)
	}
	if cfg.Resume {
		go dropOnSignal(ctx, r)
	}
	setupErr := r.WaitSetup(ctx)
	if setupErr == nil {
		st := r.Stats()
		emit(map[string]any{"event": "setup", "ready": st.Ready, "failed": st.Failed, "errors": st.Errors,
			"close_codes": st.CloseCodes, "self": loadgen.MeasureSelf()})
		if *hold >= 0 {
			select {
			case <-time.After(*hold):
			case <-ctx.Done():
			}
		} else {
			<-ctx.Done()
		}
	}
	res := r.Stop(*grace)
	if *jsonOut != "" {
		b, err := json.MarshalIndent(res, "", "  ")
		if err != nil {
			return err
		}
		if err := os.WriteFile(*jsonOut, append(b, '\n'), 0o644); err != nil {
			return err
		}
	}
	emit(map[string]any{"event": "done", "ready": res.Stats.Ready, "failed": res.Stats.Failed, "errors": res.Stats.Errors})
	if rr := res.Resume; rr != nil {
		fmt.Fprintf(os.Stderr, "loadgen: resume: %d op 7, %d dropped, %d lost, %d resumed, %d failed, all back in %.2fs, drop→RESUMED p50 %.0fµs p99 %.0fµs\n",
			rr.Reconnects, rr.ForcedDrops, rr.Disconnects, rr.Resumed, rr.Failed, rr.AllBackSeconds, rr.Took.P50US, rr.Took.P99US)
	}
	fmt.Fprintf(os.Stderr, "loadgen: %d/%d READY, %d failed, errors %v, setup %.2fs (%.0f READY/s), hello→READY p50 %.0fµs p99 %.0fµs\n",
		res.Stats.Ready, cfg.Conns, res.Stats.Failed, res.Stats.Errors, res.SetupSeconds, res.ReadyPerSec,
		res.HelloToReady.P50US, res.HelloToReady.P99US)
	if setupErr != nil && !errors.Is(setupErr, context.Canceled) {
		return setupErr
	}
	return nil
}

// emit writes one JSON line on stdout for a driving process.
func emit(v any) {
	b, _ := json.Marshal(v)
	fmt.Println(string(b))
}

// report prints a progress line every interval until ctx ends.
func report(ctx context.Context, r *loadgen.Runner, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	var lastMsgs int64
	last := time.Now()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			s := r.Stats()
			rate := float64(s.Messages-lastMsgs) / now.Sub(last).Seconds()
			lastMsgs, last = s.Messages, now
			fmt.Fprintf(os.Stderr, "loadgen: up %d/%d ready %d failed %d events/s %.0f heartbeats %d/%d acked errors %d\n",
				s.Open, s.Conns, s.Ready, s.Failed, rate, s.HeartbeatAcks, s.HeartbeatsSent, s.ErrorTotal())
		}
	}
}

// reportJSON prints the live counters as a JSON line on stdout every
// interval, for a driving process that waits on deliveries.
func reportJSON(ctx context.Context, r *loadgen.Runner, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			s := r.Stats()
			emit(map[string]any{"event": "progress", "ready": s.Ready, "failed": s.Failed, "open": s.Open,
				"dispatches": s.Dispatches, "tagged": s.Tagged, "resumed": s.Resumed, "resuming": s.Resuming,
				"errors": s.ErrorTotal(), "errors_by_kind": s.Errors, "messages": s.Messages, "bytes_in": s.BytesIn, "lazy": s.Lazy})
		}
	}
}

// dropOnSignal drops every connection at once on each SIGUSR1; the
// sessions then resume (--resume).
func dropOnSignal(ctx context.Context, r *loadgen.Runner) {
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, syscall.SIGUSR1)
	defer signal.Stop(ch)
	for {
		select {
		case <-ctx.Done():
			return
		case <-ch:
			fmt.Fprintln(os.Stderr, "loadgen: SIGUSR1: dropping every connection")
			r.DropAll()
		}
	}
}

// checkFileLimit refuses a connection count the open-file limit cannot
// hold: each socket is a file, and each connect in flight briefly two.
func checkFileLimit(conns, dialers int) error {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return nil
	}
	need := uint64(conns + 2*dialers + 64)
	if need > lim.Cur {
		return fmt.Errorf("%d connections need about %d open files but the limit is %d; run several loadgen processes with disjoint --user-base ranges (or raise ulimit -n)", conns, need, lim.Cur)
	}
	return nil
}
