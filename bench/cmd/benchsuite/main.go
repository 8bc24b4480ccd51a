// Command benchsuite is `make bench`: every benchmark scenario in one run
// — conn, identify, fanout, memberlist, compress, resume, and the peers
// side by side (Centrifugo and a plain Go baseline) — with one report:
// bench/results/<date>/report.md, results.json and PNG plots. Each
// scenario also runs alone with -scenarios. See docs/benchmarks.md.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"gatehouse/bench/suite"
)

// allScenarios in the order they run: CPU-only ones first, then the ones
// that hold connections.
var allScenarios = []string{"compress", "memberlist", "conn", "identify", "fanout", "peers", "resume", "cluster"}

// options are the suite's flags.
type options struct {
	out        string
	scenarios  map[string]bool
	quick      bool
	bin        string
	loadgen    string
	gobaseline string
	writefloor string
	peersDir   string
	centrifugo bool
	makeCmd    string
	goCmd      string
	verbose    bool
	sizes      []int // fanout and peers; nil: by -quick
	resumeN    int
	perProc    int
	sources    string
	fresh      bool
	rewrite    bool
}

func main() {
	o, err := parseFlags()
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchsuite:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	rep, dir, err := run(ctx, o)
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchsuite:", err)
		os.Exit(1)
	}
	fmt.Fprintf(os.Stderr, "benchsuite: wrote %s in %.0f s\n", filepath.Join(dir, "report.md"), rep.ElapsedSeconds)
	for _, t := range rep.Targets {
		fmt.Fprintf(os.Stderr, "  %-10s %s: %s\n", t.Result(), t.Scenario, t.Name)
	}
}

func parseFlags() (*options, error) {
	o := &options{}
	flag.StringVar(&o.out, "out", "bench/results", "results go to <out>/<date>/")
	sc := flag.String("scenarios", strings.Join(allScenarios, ","), "scenarios to run: "+strings.Join(allScenarios, ", "))
	flag.BoolVar(&o.quick, "quick", false, "reduced sizes everywhere (1,000 and 5,000 sessions); the report says so")
	flag.StringVar(&o.bin, "bin", "bin/gatehouse", "gatehouse binary")
	flag.StringVar(&o.loadgen, "loadgen", "bin/loadgen", "loadgen binary")
	flag.StringVar(&o.gobaseline, "gobaseline", "bin/gobaseline", "plain Go baseline binary (bench/peers/gobaseline)")
	flag.StringVar(&o.writefloor, "writefloor", "bin/writefloor", "bench/cmd/writefloor binary: the machine's write floor beside fan-out (empty: skip)")
	flag.StringVar(&o.peersDir, "peers-dir", "bin/peers", "cache for the Centrifugo build (gitignored)")
	flag.BoolVar(&o.centrifugo, "centrifugo", true, "measure Centrifugo in the peers scenario (installs it on first use)")
	flag.StringVar(&o.makeCmd, "make", "make", "make, to run the scenarios that have their own make targets")
	flag.StringVar(&o.goCmd, "go", "go", "go command, to install Centrifugo")
	flag.BoolVar(&o.verbose, "v", false, "forward the loadgens' progress lines")
	sz := flag.String("sizes", "", "sessions for fanout and peers, e.g. 1000,5000 (default: 1000,5000,19000; -quick: 1000,5000)")
	flag.IntVar(&o.resumeN, "resume-sessions", 0, "sessions in the resume scenario (default 10000; -quick: 2000)")
	flag.BoolVar(&o.rewrite, "rewrite", false, "run nothing: render report.md and the plots again from the day's results.json and scenario files")
	flag.BoolVar(&o.fresh, "fresh", false, "ignore an earlier results.json of the same day (default: keep the scenarios not run again)")
	flag.IntVar(&o.perProc, "per-proc", 10000, "sessions per loadgen process (at most 19,000 under a 20,000 open-file limit)")
	flag.StringVar(&o.sources, "source-addrs", "", "loadgen --source-addrs for fanout, peers and resume, e.g. 127.0.0.2-127.0.0.40")
	flag.Parse()
	if *sz != "" {
		for _, f := range strings.Split(*sz, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(f))
			if err != nil || n <= 0 || n > 1_000_000 {
				return nil, fmt.Errorf("-sizes: bad size %q", f)
			}
			o.sizes = append(o.sizes, n)
		}
	}
	o.scenarios = map[string]bool{}
	for _, s := range strings.Split(*sc, ",") {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		if s == "all" {
			for _, a := range allScenarios {
				o.scenarios[a] = true
			}
			continue
		}
		known := false
		for _, a := range allScenarios {
			known = known || a == s
		}
		if !known {
			return nil, fmt.Errorf("-scenarios: unknown scenario %q (%s)", s, strings.Join(allScenarios, ", "))
		}
		o.scenarios[s] = true
	}
	return o, nil
}

// readReport reads an earlier results.json.
func readReport(path string) (*suite.Report, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var r suite.Report
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, err
	}
	return &r, nil
}

func run(ctx context.Context, o *options) (*suite.Report, string, error) {
	start := time.Now()
	rep := &suite.Report{Header: suite.NewHeader("bench")}
	dir := filepath.Join(o.out, time.Now().UTC().Format("2006-01-02"))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, "", err
	}
	if o.rewrite {
		prev, err := readReport(filepath.Join(dir, "results.json"))
		if err != nil {
			return nil, "", err
		}
		return prev, dir, finish(prev, dir)
	}
	if o.sizes != nil || o.resumeN != 0 {
		rep.Reduced = fmt.Sprintf("sizes set by hand: fanout and peers %v, resume %d sessions. ", o.sizes, o.resumeN)
	}
	if o.quick {
		rep.Reduced += "-quick: 1,000 and 5,000 sessions only (conn: every mode at 1,000 and 5,000, identify storm of 5,000; fanout, peers: 1,000 and 5,000; resume: 2,000; memberlist: 10,000 and 100,000 members, end to end 100,000 members and 10 s of churn, 250,000 and 20 s in the full suite; `make bench-lazy` runs 1,000,000). The full suite adds 19,000 sessions (1,000,000 members)."
	}
	if !o.fresh {
		if prev, err := readReport(filepath.Join(dir, "results.json")); err == nil {
			rep.Carry(prev, func(name string) bool {
				for _, part := range strings.Split(name, " + ") {
					if o.scenarios[part] {
						return true
					}
				}
				return false
			})
		}
	}
	var skipped []string
	for _, name := range allScenarios {
		if !o.scenarios[name] {
			continue
		}
		if name == "identify" && o.scenarios["conn"] {
			continue // one connbench run measures both
		}
		if ctx.Err() != nil {
			break
		}
		fmt.Fprintf(os.Stderr, "benchsuite: scenario %s\n", name)
		t0 := time.Now()
		sr := runScenario(ctx, o, name, dir, rep)
		sr.Seconds = time.Since(t0).Seconds()
		if sr.Status == "skipped" {
			skipped = append(skipped, name)
		}
		rep.Scenarios = append(rep.Scenarios, sr)
		fmt.Fprintf(os.Stderr, "benchsuite: %s: %s in %.0f s %s\n", name, sr.Status, sr.Seconds, sr.Note)
	}
	if len(skipped) > 0 {
		note := "skipped: " + strings.Join(skipped, ", ")
		if rep.Reduced == "" {
			rep.Reduced = note
		} else {
			rep.Reduced += " " + note + "."
		}
	}
	rep.ElapsedSeconds = time.Since(start).Seconds()
	if err := finish(rep, dir); err != nil {
		return nil, "", err
	}
	return rep, dir, ctx.Err()
}

// finish reads the other scenarios' files, judges, draws and writes the
// report.
func finish(rep *suite.Report, dir string) error {
	var errs []string
	if err := rep.LoadExternal(dir); err != nil {
		errs = append(errs, err.Error())
	}
	rep.CollectTargets()
	for _, err := range rep.WritePlots(dir) {
		errs = append(errs, err.Error())
	}
	if len(errs) > 0 {
		fmt.Fprintln(os.Stderr, "benchsuite: report:", strings.Join(errs, "; "))
	}
	return rep.Write(dir)
}
