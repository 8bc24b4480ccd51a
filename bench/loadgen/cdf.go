package loadgen

// CDFPoint is one step of a latency distribution: Fraction of the samples
// took at most US microseconds.
type CDFPoint struct {
	US       float64 `json:"us"`
	Fraction float64 `json:"fraction"`
}

// CDF is the summary's cumulative distribution, one point per non-empty
// bucket at the bucket's upper bound (clamped to the recorded maximum), so
// plots of several runs share the histogram's resolution (about 3%).
func (s *HistSummary) CDF() []CDFPoint {
	if s.Count == 0 {
		return nil
	}
	out := make([]CDFPoint, 0, len(s.Buckets))
	var seen uint64
	for _, b := range s.Buckets {
		seen += b[1]
		_, hi := histBounds(int(b[0]))
		v := min(float64(hi), float64(s.MaxNS))
		out = append(out, CDFPoint{US: v / 1e3, Fraction: float64(seen) / float64(s.Count)})
	}
	return out
}
