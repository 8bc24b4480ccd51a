// Command memberlistbench measures the member list three ways on one
// workload — the Rust core natively (its criterion bench writes JSON that
// this command reads), the Rust core through cgo with one crossing per
// batch, and the pure-Go baseline — at 10k, 100k and 1M members, and
// writes bench/results/memberlist.{json,md}: ns per change p50/p99 and
// bytes per member, with the targets marked PASS or FAIL.
//
// Usage: make bench-memberlist, or
//
//	go run ./bench/cmd/memberlistbench -rust target/memberlist-native.json -out bench/results
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"

	"gatehouse/bindings"
	"gatehouse/core/memberlist"
	"gatehouse/core/memberlist/memberlisttest"
)

// Result is one implementation, size and workload.
type Result struct {
	Impl            string  `json:"impl"`
	Members         int     `json:"members"`
	Op              string  `json:"op"`
	Batch           int     `json:"batch"`
	P50             float64 `json:"p50_ns"`
	P99             float64 `json:"p99_ns"`
	Mean            float64 `json:"mean_ns"`
	WallP50         float64 `json:"wall_p50_ns"`
	RowsPerChange   float64 `json:"rows_per_change"`
	BytesPerMember  float64 `json:"bytes_per_member"`
	NameBytesMember float64 `json:"name_bytes_per_member"`
	BuildNsMember   float64 `json:"build_ns_per_member"`
}

// impl is one implementation under measurement.
type impl struct {
	name string
	new  memberlist.New
}

// Report is the whole output.
type Report struct {
	Env     Env      `json:"env"`
	Results []Result `json:"results"`
	Targets []Target `json:"targets"`
}

func main() {
	out := flag.String("out", "bench/results", "directory for memberlist.json and memberlist.md")
	rust := flag.String("rust", "", "JSON written by the Rust criterion bench (MEMBERLIST_BENCH_JSON)")
	sizes := flag.String("sizes", "10000,100000,1000000", "list sizes")
	batches := flag.Int("batches", 4000, "timed batches of 32 changes per workload")
	only := flag.String("impls", "rust-cgo,go", "implementations to time, taking turns batch by batch (rust-cgo alone shows the ABI's cost without the Go list's cache traffic between its batches)")
	flag.Parse()
	log.SetFlags(0)
	env := collectEnv(os.Args[1:])

	var results []Result
	if *rust != "" {
		b, err := os.ReadFile(*rust)
		if err != nil {
			log.Fatalf("memberlistbench: %v (run the Rust bench first: make bench-memberlist)", err)
		}
		if err := json.Unmarshal(b, &results); err != nil {
			log.Fatalf("memberlistbench: %s: %v", *rust, err)
		}
	}
	all := []impl{
		{"rust-cgo", bindings.NewMemberList},
		{"go", memberlist.NewGoList},
	}
	var impls []impl
	for _, name := range strings.Split(*only, ",") {
		i := slices.IndexFunc(all, func(im impl) bool { return im.name == strings.TrimSpace(name) })
		if i < 0 {
			log.Fatalf("memberlistbench: -impls: unknown %q (rust-cgo, go)", name)
		}
		impls = append(impls, all[i])
	}
	for _, s := range strings.Split(*sizes, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil {
			log.Fatalf("memberlistbench: size %q: %v", s, err)
		}
		rs, err := measureSize(impls, n, *batches)
		if err != nil {
			log.Fatalf("memberlistbench: n=%d: %v", n, err)
		}
		results = append(results, rs...)
	}
	rep := Report{Env: env, Results: results, Targets: targets(results)}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		log.Fatal(err)
	}
	js, _ := json.MarshalIndent(rep, "", "  ")
	if err := os.WriteFile(filepath.Join(*out, "memberlist.json"), append(js, '\n'), 0o644); err != nil {
		log.Fatal(err)
	}
	md := markdown(rep)
	if err := os.WriteFile(filepath.Join(*out, "memberlist.md"), []byte(md), 0o644); err != nil {
		log.Fatal(err)
	}
	fmt.Print(md)
}

// built is one implementation's list at one size and its memory.
type built struct {
	name         string
	subject      memberlisttest.Subject
	bytes, names float64
	build        float64
}

// build makes a list of n members with one implementation.
func build(name string, newList memberlist.New, n int) (built, error) {
	w := memberlisttest.NewWorld(n)
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	runtime.LockOSThread()
	start := memberlisttest.ThreadCPU()
	l, err := newList(n)
	if err != nil {
		return built{}, err
	}
	if err := w.Build(l); err != nil {
		return built{}, err
	}
	b := built{name: name, subject: memberlisttest.Subject{List: l, World: w},
		build: float64(memberlisttest.ThreadCPU()-start) / float64(n)}
	runtime.UnlockOSThread()
	runtime.GC()
	runtime.ReadMemStats(&after)
	if m, ok := l.(interface{ Memory() (int, int) }); ok {
		heap, nb := m.Memory()
		b.bytes, b.names = float64(heap-nb)/float64(n), float64(nb)/float64(n)
	} else {
		// The Go list's share of the heap, less the same name bytes (past
		// the eighth) that the Rust list stores.
		b.bytes = (float64(after.HeapAlloc) - float64(before.HeapAlloc) - float64(w.NameBytes)) / float64(n)
		b.names = float64(w.NameBytes) / float64(n)
	}
	return b, nil
}

// measureSize builds every implementation's list at size n and times both
// workloads on them, the implementations taking turns batch by batch.
func measureSize(impls []impl, n, batches int) ([]Result, error) {
	var bs []built
	for _, im := range impls {
		b, err := build(im.name, im.new, n)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", im.name, err)
		}
		defer b.subject.List.Close()
		bs = append(bs, b)
	}
	subjects := make([]memberlisttest.Subject, len(bs))
	for i, b := range bs {
		subjects[i] = b.subject
	}
	var rs []Result
	for _, op := range []memberlisttest.BenchOp{memberlisttest.Presence, memberlisttest.Nick} {
		figs, err := memberlisttest.Measure(subjects, op, batches)
		if err != nil {
			return nil, err
		}
		for i, f := range figs {
			b := bs[i]
			log.Printf("%s n=%d %v: p50 %.0f ns, p99 %.0f ns per change (thread CPU); %.1f B/member", b.name, n, op, f.P50, f.P99, b.bytes)
			rs = append(rs, Result{Impl: b.name, Members: n, Op: op.String(), Batch: memberlisttest.BenchBatch,
				P50: f.P50, P99: f.P99, Mean: f.Mean, WallP50: f.WallP50, RowsPerChange: f.RowsPerChange,
				BytesPerMember: b.bytes, NameBytesMember: b.names, BuildNsMember: b.build})
		}
	}
	return rs, nil
}
