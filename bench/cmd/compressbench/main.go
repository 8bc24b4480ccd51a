// Command compressbench measures every compression codec gatehouse can use
// on a deterministic corpus of gateway traffic and writes
// compress.json and compress.md to -out. See docs/compression.md.
//
//	go run ./bench/cmd/compressbench -out bench/results [-n 20000] [-seed 1]
package main

import (
	"flag"
	"fmt"
	"os"

	"gatehouse/bench/corpus"
	"gatehouse/core/compress"
)

func main() {
	out := flag.String("out", "", "directory for compress.json and compress.md (required)")
	n := flag.Int("n", 20000, "messages in the corpus")
	seed := flag.Int64("seed", 1, "corpus seed")
	reps := flag.Int("reps", 3, "runs per codec; the fastest is kept")
	ref := flag.String("ref", "bench/ref/zstdref.c", "source of the libzstd reference program")
	cc := flag.String("cc", "cc", "C compiler for the reference program")
	flag.Parse()
	if *out == "" || *n < 100 || *reps < 1 {
		fmt.Fprintln(os.Stderr, "compressbench: -out is required, -n must be ≥ 100 and -reps ≥ 1")
		flag.Usage()
		os.Exit(2)
	}
	if err := benchmark(*out, *n, *seed, *reps, *ref, *cc); err != nil {
		fmt.Fprintln(os.Stderr, "compressbench:", err)
		os.Exit(1)
	}
}

func benchmark(outDir string, n int, seed int64, reps int, refSrc, cc string) error {
	env := collectEnv(os.Args[1:])
	msgs := corpus.Generate(seed, n)
	sum := corpus.Summarize(msgs)
	fmt.Printf("corpus: %d messages, %d bytes\n", sum.Count, sum.TotalBytes)

	bin, cleanup, err := buildRef(cc, refSrc)
	if err != nil {
		return err
	}
	defer cleanup()

	if !rustAvailable {
		fmt.Fprintln(os.Stderr, "compressbench: built without cgo: no Rust rows")
	}
	noop := noopNanos()
	var rows []Row
	for _, c := range append(rustCodecs(), goCodecs()...) {
		row, err := measure(c, msgs, reps)
		if err != nil {
			return err
		}
		if c.Cgo {
			row.CgoOverheadPct = noop * row.CgoCallsPerMsg / (row.MedianMicros * 1e3) * 100
		}
		fmt.Printf("%-30s %9.1f B/msg  ratio %5.2f  %7.2f µs/msg  %7.1f MB/s  state %s\n",
			row.Name, row.BytesPerMsg, row.Ratio, row.MedianMicros, row.MBps, size(row.StateBytes, row.StateSource))
		rows = append(rows, row)
	}
	refRow, libzstd, err := runRef(bin, msgs, compress.ZstdDiscord, reps)
	if err != nil {
		return err
	}
	env.Libzstd = libzstd
	fmt.Printf("%-30s %9.1f B/msg  ratio %5.2f  %7.2f µs/msg  %7.1f MB/s  state %s\n",
		refRow.Name, refRow.BytesPerMsg, refRow.Ratio, refRow.MedianMicros, refRow.MBps, size(refRow.StateBytes, refRow.StateSource))
	rows = append(rows, refRow)

	compactRows, err := measureCompactAll(msgs, reps, rustCodecs())
	if err != nil {
		return err
	}

	rep := Report{
		Env:     env,
		Corpus:  CorpusInfo{Generator: "gatehouse/bench/corpus.Generate", Seed: seed, Summary: sum},
		Method:  method(reps),
		NoopNs:  noop,
		Rows:    rows,
		Compact: compactRows,
		Targets: append(targets(rows, noop), compactTargets(rows, compactRows)...),
	}
	for _, t := range rep.Targets {
		v := "FAIL"
		if t.Pass {
			v = "PASS"
		}
		fmt.Printf("%s  %s: %s\n", v, t.Name, t.Detail)
	}
	if err := writeReports(outDir, rep); err != nil {
		return err
	}
	fmt.Printf("wrote %s/compress.json and %s/compress.md\n", outDir, outDir)
	return nil
}
