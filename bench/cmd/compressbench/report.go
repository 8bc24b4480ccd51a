package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"gatehouse/bench/corpus"
)

// Report is bench/results/compress.json.
type Report struct {
	Env     Env          `json:"env"`
	Corpus  CorpusInfo   `json:"corpus"`
	Method  []string     `json:"method"`
	NoopNs  float64      `json:"cgo_noop_ns"`
	Rows    []Row        `json:"rows"`
	Compact []CompactRow `json:"compact_rows"`
	Targets []Target     `json:"targets"`
}

// CorpusInfo names the corpus exactly enough to rebuild it.
type CorpusInfo struct {
	Generator string         `json:"generator"`
	Seed      int64          `json:"seed"`
	Summary   corpus.Summary `json:"summary"`
}

// method is printed with every report so the figures cannot be misread.
func method(reps int) []string {
	return []string{
		"Each row compresses the whole corpus message by message on ONE stream (one connection), as the gateway does.",
		fmt.Sprintf("Each row runs %d times on a fresh stream; the fastest run's timings are kept (the machine is shared). Sizes do not vary between runs.", reps),
		"Every run is verified: each message's output is decoded on its own, in order, by a decoder we did not write (Go compress/zlib or compress/flate, klauspost zstd; libzstd for the C reference), outside the timed loop.",
		"µs/msg median: median of per-message Compress times. µs/msg mean and MB/s: wall time of the whole Compress loop ÷ messages, and input bytes ÷ that time.",
		"state: bytes of compression state per stream after its first 100 messages — StateBytes() for gatehouse streams, ZSTD_sizeof_CCtx for libzstd, live-heap growth for stdlib flate (it cannot say).",
		"allocs/msg: Go heap allocations during the Compress loop ÷ messages (runtime.MemStats.Mallocs); dst is preallocated.",
		"cgo overhead: median empty cgo call (bindings.Noop, timed in batches of 1000) × cgo calls per message ÷ median µs/msg.",
		"compact rows: Compress is timed per message (a message after a hibernation includes waking: unpacking the retained window and priming a pooled context with it); Hibernate (packing the window, returning the context) is timed apart and spread over the messages in 'incl. hibernation'. Idle state is StateBytes() right after each hibernation. Hibernation points are drawn from a fixed seed. Time targets compare thread CPU time per message (CLOCK_THREAD_CPUTIME_ID, goroutine locked to its thread; Compress plus Hibernate) with the full stream of the same parameters measured by the same loop: on a shared machine wall-clock means mostly measure the other tenants.",
	}
}

func writeReports(dir string, rep Report) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	js, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "compress.json"), append(js, '\n'), 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "compress.md"), []byte(markdown(rep)), 0o644)
}

func markdown(rep Report) string {
	var b strings.Builder
	e := rep.Env
	fmt.Fprintf(&b, "# Compression benchmark\n\n")
	fmt.Fprintf(&b, "- command: `%s`\n- commit: %s\n- date: %s\n", e.Command, e.Commit, e.Date)
	fmt.Fprintf(&b, "- machine: %s, %d cores; %s; %s; libzstd %s; load average at start %s\n", e.CPU, e.Cores, e.Go, orNA(e.Rustc), orNA(e.Libzstd), orNA(e.Load))
	s := rep.Corpus.Summary
	fmt.Fprintf(&b, "- corpus: %s, seed %d: %d messages, %d bytes (mean %.0f B)\n\n",
		rep.Corpus.Generator, rep.Corpus.Seed, s.Count, s.TotalBytes, float64(s.TotalBytes)/float64(max(s.Count, 1)))

	b.WriteString("| codec | mode | bytes/msg | ratio | µs/msg (median) | µs/msg (mean) | MB/s | state after 100 msgs | allocs/msg | cgo overhead |\n")
	b.WriteString("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, r := range rep.Rows {
		allocs, cgo := "–", "–"
		if r.AllocsPerMsg != nil {
			allocs = fmt.Sprintf("%.2f", *r.AllocsPerMsg)
		}
		if r.CgoCallsPerMsg > 0 {
			cgo = fmt.Sprintf("%.2f%%", r.CgoOverheadPct)
		}
		fmt.Fprintf(&b, "| %s | %s | %.1f | %.2f | %.2f | %.2f | %.1f | %s | %s | %s |\n",
			r.Name, r.Mode, r.BytesPerMsg, r.Ratio, r.MedianMicros, r.MeanMicros, r.MBps, size(r.StateBytes, r.StateSource), allocs, cgo)
	}
	b.WriteString("\n")
	compactMarkdown(&b, rep)
	for _, t := range rep.Targets {
		v := "FAIL"
		if t.Pass {
			v = "PASS"
		}
		fmt.Fprintf(&b, "- **%s** — %s: %s\n", v, t.Name, t.Detail)
	}
	b.WriteString("\nParameters:\n\n")
	for _, r := range rep.Rows {
		fmt.Fprintf(&b, "- %s: %s\n", r.Name, r.Params)
	}
	b.WriteString("\nCorpus by type:\n\n| type | count | bytes | mean | min | max |\n|---|---:|---:|---:|---:|---:|\n")
	for _, t := range s.Types() {
		st := s.ByType[t]
		fmt.Fprintf(&b, "| %s | %d | %d | %d | %d | %d |\n", t, st.Count, st.Bytes, st.Bytes/st.Count, st.Min, st.Max)
	}
	b.WriteString("\nMethod:\n\n")
	for _, m := range rep.Method {
		fmt.Fprintf(&b, "- %s\n", m)
	}
	return b.String()
}

// size formats a byte count as KiB/MiB, marking heap-measured figures.
func size(n int, source string) string {
	var s string
	switch {
	case n >= 1<<20:
		s = fmt.Sprintf("%.2f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		s = fmt.Sprintf("%.0f KiB", float64(n)/(1<<10))
	default:
		s = fmt.Sprintf("%d B", n)
	}
	if source == "heap growth" {
		s += " (heap)"
	}
	return s
}

func orNA(s string) string {
	if s == "" {
		return "n/a"
	}
	return s
}
