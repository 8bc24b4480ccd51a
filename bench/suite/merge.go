package suite

import (
	"slices"

	"gatehouse/bench/loadgen"
)

// Totals are several loadgen processes' results added up.
type Totals struct {
	Ready        int64               `json:"ready"`
	Failed       int64               `json:"failed"`
	Errors       map[string]int64    `json:"errors,omitempty"`
	CloseCodes   map[string]int64    `json:"close_codes,omitempty"`
	SetupSeconds float64             `json:"setup_seconds"` // the slowest process's
	HelloToReady loadgen.HistSummary `json:"-"`
	LoadgenRSS   uint64              `json:"loadgen_rss_bytes"`
}

// Sum adds up results.
func Sum(results []loadgen.Result) Totals {
	t := Totals{Errors: map[string]int64{}, CloseCodes: map[string]int64{}}
	for _, r := range results {
		t.Ready += r.Stats.Ready
		t.Failed += r.Stats.Failed
		for k, v := range r.Stats.Errors {
			t.Errors[k] += v
		}
		for k, v := range r.Stats.CloseCodes {
			t.CloseCodes[k] += v
		}
		t.SetupSeconds = max(t.SetupSeconds, r.SetupSeconds)
		t.HelloToReady.Merge(r.HelloToReady)
		t.LoadgenRSS += r.Process.RSSBytes
	}
	return t
}

// Deliveries are one class of tagged messages as every process received
// them.
type Deliveries struct {
	Class       int
	Count       uint64
	FirstUnixNS int64
	LastUnixNS  int64
	Latency     loadgen.HistSummary
	// PerMessage is deliveries and the slowest delivery (ns) per tracked
	// message index.
	PerMessage map[int64][2]int64
}

// MergeDeliveries merges class across results.
func MergeDeliveries(results []loadgen.Result, class int) Deliveries {
	d := Deliveries{Class: class, PerMessage: map[int64][2]int64{}}
	for _, r := range results {
		for _, c := range r.Deliveries {
			if c.Class != class {
				continue
			}
			d.Count += c.Count
			if c.FirstUnixNS != 0 && (d.FirstUnixNS == 0 || c.FirstUnixNS < d.FirstUnixNS) {
				d.FirstUnixNS = c.FirstUnixNS
			}
			d.LastUnixNS = max(d.LastUnixNS, c.LastUnixNS)
			d.Latency.Merge(c.Latency)
			for _, m := range c.Messages {
				pm := d.PerMessage[m[0]]
				pm[0] += m[1]
				pm[1] = max(pm[1], m[2])
				d.PerMessage[m[0]] = pm
			}
		}
	}
	return d
}

// Completeness checks messages 0..messages-1 against sessions recipients
// each: how many reached every session, and how many deliveries are
// missing in all (more deliveries than sessions, a duplicate, counts as
// none missing for that message but is reported by the seq checks).
func (d Deliveries) Completeness(messages int, sessions int64) (complete int, missing int64) {
	for i := 0; i < messages; i++ {
		got := d.PerMessage[int64(i)][0]
		if got >= sessions {
			complete++
		} else {
			missing += sessions - got
		}
	}
	return complete, missing
}

// SlowestUS is, per tracked message, the time until its last delivery
// (µs), sorted: when each message was fully delivered.
func (d Deliveries) SlowestUS() []float64 {
	out := make([]float64, 0, len(d.PerMessage))
	for _, pm := range d.PerMessage {
		out = append(out, float64(pm[1])/1e3)
	}
	slices.Sort(out)
	return out
}

// Median of sorted values (0 for none).
func Median(sorted []float64) float64 {
	n := len(sorted)
	switch {
	case n == 0:
		return 0
	case n%2 == 1:
		return sorted[n/2]
	}
	return (sorted[n/2-1] + sorted[n/2]) / 2
}
