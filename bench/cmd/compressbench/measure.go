package main

import (
	"fmt"
	"runtime"
	"slices"
	"time"
)

// Row is one measured codec/preset.
type Row struct {
	Name           string   `json:"name"`
	Impl           string   `json:"impl"`
	Mode           string   `json:"mode"`
	Params         string   `json:"params"`
	Messages       int      `json:"messages"`
	InputBytes     int64    `json:"input_bytes"`
	OutputBytes    int64    `json:"output_bytes"`
	BytesPerMsg    float64  `json:"bytes_per_msg"`
	Ratio          float64  `json:"ratio"`
	MedianMicros   float64  `json:"us_per_msg_median"`
	MeanMicros     float64  `json:"us_per_msg_mean"`
	MBps           float64  `json:"mb_per_s"`
	StateBytes     int      `json:"state_bytes_after_100"`
	StateSource    string   `json:"state_source"`
	AllocsPerMsg   *float64 `json:"allocs_per_msg"`
	CgoCallsPerMsg float64  `json:"cgo_calls_per_msg,omitempty"`
	CgoOverheadPct float64  `json:"cgo_overhead_pct,omitempty"`
	Verified       bool     `json:"verified"`
	Runs           int      `json:"runs"`
}

// run is one pass of a codec over the corpus.
type run struct {
	total    time.Duration
	per      []time.Duration
	out      int64
	mallocs  uint64
	regrowth int // times dst had to grow inside Compress (an extra cgo call each)
}

// measure compresses msgs on one stream per run, reps times, verifying
// every run message by message, and keeps the fastest run's timings.
func measure(c codec, msgs [][]byte, reps int) (Row, error) {
	var in int64
	bound := 1 << 20
	for _, m := range msgs {
		in += int64(len(m))
		bound += len(m) + len(m)/16 + 256
	}
	arena := make([]byte, 0, bound)
	offsets := make([]int, len(msgs)+1)
	per := make([]time.Duration, len(msgs))
	var best run
	for rep := range reps {
		r, err := runOnce(c, msgs, arena, offsets, per)
		if err != nil {
			return Row{}, fmt.Errorf("%s run %d: %w", c.Name, rep+1, err)
		}
		if err := verify(c, msgs, arena[:offsets[len(msgs)]], offsets); err != nil {
			return Row{}, fmt.Errorf("%s run %d: verification: %w", c.Name, rep+1, err)
		}
		if rep == 0 || r.total < best.total {
			r.per = slices.Clone(per)
			best = r
		}
	}
	n := len(msgs)
	slices.Sort(best.per)
	row := Row{
		Name: c.Name, Impl: c.Impl, Mode: c.Mode, Params: c.Params, Messages: n,
		InputBytes: in, OutputBytes: best.out,
		BytesPerMsg:  float64(best.out) / float64(n),
		Ratio:        float64(in) / float64(best.out),
		MedianMicros: micros(best.per[n/2]),
		MeanMicros:   micros(best.total) / float64(n),
		MBps:         float64(in) / best.total.Seconds() / 1e6,
		Verified:     true, Runs: reps,
	}
	allocs := float64(best.mallocs) / float64(n)
	row.AllocsPerMsg = &allocs
	if c.Cgo {
		row.CgoCallsPerMsg = 1 + float64(best.regrowth)/float64(n)
	}
	state, src, err := stateAfter100(c, msgs)
	if err != nil {
		return Row{}, fmt.Errorf("%s: state: %w", c.Name, err)
	}
	row.StateBytes, row.StateSource = state, src
	return row, nil
}

// runOnce is the timed part: Compress on a fresh stream, appending every
// output to one preallocated arena so nothing else allocates.
func runOnce(c codec, msgs [][]byte, arena []byte, offsets []int, per []time.Duration) (run, error) {
	s, err := c.New()
	if err != nil {
		return run{}, err
	}
	defer s.Close()
	arena = arena[:0]
	var r run
	var m0, m1 runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m0)
	t0 := time.Now()
	for i, m := range msgs {
		before := cap(arena)
		t := time.Now()
		arena, err = s.Compress(arena, m)
		per[i] = time.Since(t)
		if err != nil {
			return run{}, fmt.Errorf("message %d: %w", i, err)
		}
		if cap(arena) != before {
			r.regrowth++
		}
		offsets[i+1] = len(arena)
	}
	r.total = time.Since(t0)
	runtime.ReadMemStats(&m1)
	r.mallocs = m1.Mallocs - m0.Mallocs
	r.out = int64(len(arena))
	return r, nil
}

// verify decodes every message of a run, in order, each from its own bytes.
func verify(c codec, msgs [][]byte, out []byte, offsets []int) error {
	v := c.Checker()
	defer v.Close()
	for i, m := range msgs {
		if err := v.Check(out[offsets[i]:offsets[i+1]], m); err != nil {
			return err
		}
	}
	return nil
}

// stateAfter100 is the stream's state once it has compressed the first 100
// messages (READY, the GUILD_CREATEs and early traffic).
func stateAfter100(c codec, msgs [][]byte) (int, string, error) {
	msgs = msgs[:min(100, len(msgs))]
	if c.HeapState {
		return heapGrowth(c, msgs)
	}
	s, err := c.New()
	if err != nil {
		return 0, "", err
	}
	defer s.Close()
	var buf []byte
	for _, m := range msgs {
		if buf, err = s.Compress(buf[:0], m); err != nil {
			return 0, "", err
		}
	}
	return s.StateBytes(), "StateBytes()", nil
}

// heapGrowth measures how much the live Go heap grows for one stream that
// has compressed msgs, for implementations that cannot say.
func heapGrowth(c codec, msgs [][]byte) (int, string, error) {
	const k = 4 // average a few streams
	before := liveHeap()
	streams := make([]interface{ Close() error }, 0, k)
	buf := make([]byte, 0, 1<<20)
	for range k {
		s, err := c.New()
		if err != nil {
			return 0, "", err
		}
		for _, m := range msgs {
			if buf, err = s.Compress(buf[:0], m); err != nil {
				return 0, "", err
			}
		}
		streams = append(streams, s)
	}
	buf = nil
	grew := (int64(liveHeap()) - int64(before)) / k
	runtime.KeepAlive(streams)
	for _, s := range streams {
		s.Close()
	}
	return int(max(grew, 0)), "heap growth", nil
}

func liveHeap() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

func micros(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1e3 }
