package main

import (
	"fmt"
	"math"
)

// Target is one line the issue asks the table to show.
type Target struct {
	Name   string `json:"name"`
	Pass   bool   `json:"pass"`
	Detail string `json:"detail"`
}

const (
	targetRef   = "Rust zstd discord within 1% of libzstd reference size"
	targetZlib  = "Rust zlib level 6 ≥ 3× faster than Go compress/flate at no larger size"
	targetCgo   = "cgo overhead < 3% of per-message time"
	zlibHeader  = 2 // the zlib-stream row carries a 2-byte header the raw deflate row lacks
	maxCgoShare = 3.0
)

func findRow(rows []Row, name string) *Row {
	for i := range rows {
		if rows[i].Name == name {
			return &rows[i]
		}
	}
	return nil
}

func targets(rows []Row, noopNs float64) []Target {
	var ts []Target

	rust, ref := findRow(rows, "rust zstd discord"), findRow(rows, "libzstd reference (C)")
	if rust == nil || ref == nil {
		ts = append(ts, Target{targetRef, false, "missing row: " + missing(rust, "rust zstd discord", ref, "libzstd reference (C)")})
	} else {
		diff := float64(rust.OutputBytes-ref.OutputBytes) / float64(ref.OutputBytes) * 100
		ts = append(ts, Target{targetRef, math.Abs(diff) <= 1,
			fmt.Sprintf("rust %d B vs libzstd %d B: %+.3f%%", rust.OutputBytes, ref.OutputBytes, diff)})
	}

	rz, gf := findRow(rows, "rust zlib 6"), findRow(rows, "Go compress/flate 6")
	if rz == nil || gf == nil {
		ts = append(ts, Target{targetZlib, false, "missing row: " + missing(rz, "rust zlib 6", gf, "Go compress/flate 6")})
	} else {
		speed := rz.MBps / gf.MBps
		medSpeed := gf.MedianMicros / rz.MedianMicros
		deflateBytes := rz.OutputBytes - zlibHeader
		ts = append(ts, Target{targetZlib, speed >= 3 && deflateBytes <= gf.OutputBytes,
			fmt.Sprintf("%.2f× by MB/s (%.1f vs %.1f), %.2f× by median µs/msg; %d B vs %d B (%+.2f%%, zlib header excluded)",
				speed, rz.MBps, gf.MBps, medSpeed, deflateBytes, gf.OutputBytes,
				float64(deflateBytes-gf.OutputBytes)/float64(gf.OutputBytes)*100)})
	}

	worst, worstName, n := 0.0, "", 0
	for _, r := range rows {
		if r.CgoCallsPerMsg == 0 {
			continue
		}
		n++
		if r.CgoOverheadPct > worst {
			worst, worstName = r.CgoOverheadPct, r.Name
		}
	}
	if n == 0 {
		ts = append(ts, Target{targetCgo, false, "no Rust rows (built without cgo?)"})
	} else {
		ts = append(ts, Target{targetCgo, worst < maxCgoShare,
			fmt.Sprintf("empty cgo call %.1f ns; worst %.2f%% (%s) over %d Rust rows", noopNs, worst, worstName, n)})
	}
	return ts
}

func missing(a *Row, an string, b *Row, bn string) string {
	switch {
	case a == nil && b == nil:
		return an + ", " + bn
	case a == nil:
		return an
	}
	return bn
}
