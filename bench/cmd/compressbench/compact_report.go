package main

import (
	"fmt"
	"strings"
)

// compactMarkdown writes the compact-stream table and how to read it.
func compactMarkdown(b *strings.Builder, rep Report) {
	if len(rep.Compact) == 0 {
		return
	}
	b.WriteString("Compact streams (hold at most 16 KiB while idle; see docs/compression.md). Each row runs the corpus on one stream, hibernating it before the messages its idle pattern picks, as the gateway does after 5 s without traffic:\n\n")
	b.WriteString("| codec | idle pattern | hibernations | bytes/msg | ratio | µs/msg (median) | µs/msg (mean) | CPU µs/msg | CPU µs per hibernation | CPU µs/msg incl. hibernation | idle state (mean / max) | vs full stream: bytes | vs full stream: CPU time (median of runs paired with a baseline run; baseline median) |\n")
	b.WriteString("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, r := range rep.Compact {
		vsBytes, vsTime := "–", "–"
		if base := findRow(rep.Rows, r.Baseline); base != nil {
			vsBytes = fmt.Sprintf("%+.2f%%", float64(r.OutputBytes-base.OutputBytes)/float64(base.OutputBytes)*100)
		}
		if r.BaselineCPUMicros > 0 {
			vsTime = fmt.Sprintf("%.2f× (%.2f µs)", r.CPURatio, r.BaselineCPUMicros)
		}
		fmt.Fprintf(b, "| %s | %s | %d | %.1f | %.2f | %.2f | %.2f | %.2f | %.1f | %.2f | %d B / %d B | %s | %s |\n",
			r.Name, r.Pattern, r.Hibernations, r.BytesPerMsg, r.Ratio, r.MedianMicros, r.MeanMicros,
			r.CPUMicros, r.HibernateCPU, r.CPUAllMicros, r.IdleStateMean, r.IdleStateMax, vsBytes, vsTime)
	}
	b.WriteString("\n")
}
