package memberlist_test

import (
	"fmt"
	"runtime"
	"testing"

	"gatehouse/core/memberlist"
	"gatehouse/core/memberlist/memberlisttest"
)

// BenchmarkGoList times the pure-Go baseline on the shared workload:
// batches of 32 presence flips or nick changes at 10k, 100k and 1M
// members. `make bench-memberlist` gives the p50/p99 figures.
func BenchmarkGoList(b *testing.B) {
	for _, n := range []int{10_000, 100_000, 1_000_000} {
		w := memberlisttest.NewWorld(n)
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		l, _ := memberlist.NewGoList(n)
		if err := w.Build(l); err != nil {
			b.Fatal(err)
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		perMember := float64(after.HeapAlloc-before.HeapAlloc-uint64(w.NameBytes)) / float64(n)
		for _, op := range []memberlisttest.BenchOp{memberlisttest.Presence, memberlisttest.Nick} {
			b.Run(fmt.Sprintf("members=%d/%v", n, op), func(b *testing.B) {
				var out []memberlist.RowChange
				for b.Loop() {
					out, _, _ = l.Apply(out[:0], w.Next(op))
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*memberlisttest.BenchBatch), "ns/change")
				b.ReportMetric(perMember, "B/member")
			})
		}
		l.Close()
	}
}
