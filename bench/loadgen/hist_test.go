package loadgen

import (
	"math"
	"testing"
	"time"
)

func TestHistogramQuantiles(t *testing.T) {
	var h Histogram
	for i := 1; i <= 1000; i++ {
		h.Record(time.Duration(i) * time.Microsecond)
	}
	s := h.Summary()
	if s.Count != 1000 || s.MinNS != 1000 || s.MaxNS != 1_000_000 {
		t.Fatalf("count %d min %d max %d", s.Count, s.MinNS, s.MaxNS)
	}
	for _, c := range []struct{ got, want float64 }{{s.P50US, 500}, {s.P90US, 900}, {s.P99US, 990}} {
		if math.Abs(c.got-c.want)/c.want > 0.04 {
			t.Errorf("quantile %.1f µs, want %.0f ± 4%%", c.got, c.want)
		}
	}
	// Merging two halves gives the same figures as one histogram.
	var a, b Histogram
	for i := 1; i <= 1000; i++ {
		if i%2 == 0 {
			a.Record(time.Duration(i) * time.Microsecond)
		} else {
			b.Record(time.Duration(i) * time.Microsecond)
		}
	}
	m := a.Summary()
	m.Merge(b.Summary())
	if m.Count != s.Count || m.P99US != s.P99US || m.MinNS != s.MinNS || m.MaxNS != s.MaxNS {
		t.Fatalf("merged %+v\nwhole %+v", m, s)
	}
}

func TestHistBoundsCoverIndex(t *testing.T) {
	for _, v := range []uint64{0, 1, 31, 32, 33, 63, 64, 1000, 123456789, 1 << 40} {
		i := histIndex(v)
		lo, hi := histBounds(i)
		if v < lo || v >= hi {
			t.Errorf("value %d in bucket %d [%d,%d)", v, i, lo, hi)
		}
	}
}
