// Command clusterbench measures gatehouse as a cluster: three gateway
// processes on a three-server NATS cluster behind haproxy, clients spread
// by haproxy, one guild spanning every node. It reports ingest-to-client
// delivery latency (p50/p99) for clients on the ingesting node and on the
// others, against the same run with a single node; deliveries per second
// under sustained posting; and how many NATS messages one guild event
// costs (one per node, not one per session). Results go to
// <out>/cluster.json and <out>/cluster.md.
//
//	go run ./bench/cmd/clusterbench -out bench/results
package main

import (
	"flag"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"gatehouse/cmd/gatehouse/clustertest"
)

// Params are the knobs of a run.
type Params struct {
	Clients       int     `json:"clients"`
	LatencyEvents int     `json:"latency_events"`
	LatencyRate   float64 `json:"latency_rate_per_s"`
	BurstSeconds  float64 `json:"burst_seconds"`
	Posters       int     `json:"burst_posters"`
}

func main() {
	out := flag.String("out", "bench/results", "directory for cluster.json and cluster.md")
	bin := flag.String("bin", "", "gatehouse binary (default: build one with go build)")
	var p Params
	flag.IntVar(&p.Clients, "clients", 150, "gateway clients, spread over the nodes by haproxy")
	flag.IntVar(&p.LatencyEvents, "latency-events", 600, "messages posted at -latency-rate for the latency figures")
	flag.Float64Var(&p.LatencyRate, "latency-rate", 30, "messages per second while measuring latency")
	flag.Float64Var(&p.BurstSeconds, "burst-seconds", 8, "seconds of posting as fast as -posters allow, for deliveries/s")
	flag.IntVar(&p.Posters, "posters", 4, "concurrent ingest clients in the burst")
	flag.Parse()
	env := collectEnv(os.Args[1:])
	if err := run(*out, *bin, p, env); err != nil {
		fmt.Fprintln(os.Stderr, "clusterbench:", err)
		os.Exit(1)
	}
}

func run(out, bin string, p Params, env Env) error {
	tmp, err := os.MkdirTemp("", "clusterbench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	if bin == "" {
		var how string
		if bin, how, err = clustertest.Build(tmp, false); err != nil {
			return err
		}
		env.Build = how
	} else {
		env.Build = bin + " (" + buildSettings(bin) + ")"
	}
	if _, err := clustertest.HAProxyAvailable(); err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	res := Result{Env: env, Params: p}
	for _, nodes := range []int{1, 3} {
		fmt.Fprintf(os.Stderr, "clusterbench: %d node(s), %d clients\n", nodes, p.Clients)
		sc, err := runScenario(bin, filepath.Join(tmp, fmt.Sprint(nodes)), nodes, p, log)
		if err != nil {
			return fmt.Errorf("%d node(s): %w", nodes, err)
		}
		res.Scenarios = append(res.Scenarios, sc)
	}
	res.Finished = time.Now().UTC().Format("2006-01-02 15:04 MST")
	return writeResults(out, &res)
}
