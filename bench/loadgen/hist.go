package loadgen

import (
	"math/bits"
	"sync/atomic"
	"time"
)

// histSubBits sets the histogram's precision: 2^histSubBits buckets per
// power of two, so a bucket is at most 1/32 (about 3%) wide relative to its
// values. Percentiles are reported as bucket midpoints.
const (
	histSubBits = 5
	histSub     = 1 << histSubBits
	// histBuckets covers 0 ns to about 2^41 ns (36 minutes); larger values
	// land in the last bucket.
	histBuckets = histSub + (41-histSubBits)*histSub
)

// Histogram records durations in log-linear buckets. Record may be called
// from any goroutine (atomic adds); it never allocates, so the event loops
// use one shared histogram instead of merging per-loop copies.
type Histogram struct {
	counts [histBuckets]atomic.Uint64
	n      atomic.Uint64
	sum    atomic.Uint64 // ns
	max    atomic.Uint64 // ns
	min    atomic.Uint64 // ns + 1, so zero means unset
}

func histIndex(v uint64) int {
	if v < histSub {
		return int(v)
	}
	e := bits.Len64(v) - histSubBits - 1
	i := histSub + e*histSub + int((v>>uint(e))&(histSub-1))
	if i >= histBuckets {
		return histBuckets - 1
	}
	return i
}

// histBounds is the value range [lo, hi) of bucket i.
func histBounds(i int) (lo, hi uint64) {
	if i < histSub {
		return uint64(i), uint64(i) + 1
	}
	e := uint((i - histSub) / histSub)
	m := uint64((i-histSub)%histSub) + histSub
	return m << e, (m + 1) << e
}

// Record adds one duration; negative durations count as zero.
func (h *Histogram) Record(d time.Duration) {
	v := uint64(max(d, 0))
	h.counts[histIndex(v)].Add(1)
	h.n.Add(1)
	h.sum.Add(v)
	for {
		m := h.max.Load()
		if v <= m || h.max.CompareAndSwap(m, v) {
			break
		}
	}
	for {
		m := h.min.Load()
		if (m != 0 && v+1 >= m) || h.min.CompareAndSwap(m, v+1) {
			break
		}
	}
}

// HistSummary is a histogram as written to result files: the figures people
// read, plus the non-empty buckets so results of several processes can be
// merged exactly (Merge) before percentiles are taken.
type HistSummary struct {
	Count   uint64      `json:"count"`
	MeanUS  float64     `json:"mean_us"`
	MinUS   float64     `json:"min_us"`
	P50US   float64     `json:"p50_us"`
	P90US   float64     `json:"p90_us"`
	P99US   float64     `json:"p99_us"`
	MaxUS   float64     `json:"max_us"`
	SumNS   uint64      `json:"sum_ns"`
	MinNS   uint64      `json:"min_ns"`
	MaxNS   uint64      `json:"max_ns"`
	Buckets [][2]uint64 `json:"buckets"` // [bucket index, count], non-empty only
}

// Summary snapshots h. Concurrent Records may or may not be included.
func (h *Histogram) Summary() HistSummary {
	s := HistSummary{SumNS: h.sum.Load(), MaxNS: h.max.Load()}
	if m := h.min.Load(); m != 0 {
		s.MinNS = m - 1
	}
	for i := range h.counts {
		if c := h.counts[i].Load(); c != 0 {
			s.Buckets = append(s.Buckets, [2]uint64{uint64(i), c})
			s.Count += c
		}
	}
	s.fill()
	return s
}

// Merge adds o's samples to s and recomputes its percentiles.
func (s *HistSummary) Merge(o HistSummary) {
	if o.Count == 0 {
		return
	}
	if s.Count == 0 || o.MinNS < s.MinNS {
		s.MinNS = o.MinNS
	}
	s.MaxNS = max(s.MaxNS, o.MaxNS)
	s.SumNS += o.SumNS
	counts := map[uint64]uint64{}
	for _, b := range s.Buckets {
		counts[b[0]] += b[1]
	}
	for _, b := range o.Buckets {
		counts[b[0]] += b[1]
	}
	s.Buckets = s.Buckets[:0]
	s.Count = 0
	for i := uint64(0); i < histBuckets; i++ {
		if c := counts[i]; c != 0 {
			s.Buckets = append(s.Buckets, [2]uint64{i, c})
			s.Count += c
		}
	}
	s.fill()
}

// Quantile is the q-quantile (0..1) in ns: the midpoint of the bucket that
// holds it, clamped to the recorded min and max.
func (s *HistSummary) Quantile(q float64) float64 {
	if s.Count == 0 {
		return 0
	}
	rank := uint64(q*float64(s.Count-1)) + 1
	var seen uint64
	for _, b := range s.Buckets {
		seen += b[1]
		if seen >= rank {
			lo, hi := histBounds(int(b[0]))
			v := float64(lo+hi-1) / 2
			return min(max(v, float64(s.MinNS)), float64(s.MaxNS))
		}
	}
	return float64(s.MaxNS)
}

func (s *HistSummary) fill() {
	const us = 1e3
	if s.Count == 0 {
		s.MeanUS, s.MinUS, s.P50US, s.P90US, s.P99US, s.MaxUS = 0, 0, 0, 0, 0, 0
		return
	}
	s.MeanUS = float64(s.SumNS) / float64(s.Count) / us
	s.MinUS = float64(s.MinNS) / us
	s.MaxUS = float64(s.MaxNS) / us
	s.P50US = s.Quantile(0.50) / us
	s.P90US = s.Quantile(0.90) / us
	s.P99US = s.Quantile(0.99) / us
}
