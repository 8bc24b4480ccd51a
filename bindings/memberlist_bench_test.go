//go:build cgo

package bindings

import (
	"fmt"
	"testing"

	"gatehouse/core/memberlist"
	"gatehouse/core/memberlist/memberlisttest"
)

// BenchmarkMemberList times the Rust core through cgo, one crossing per
// batch of 32, on the workload BenchmarkGoList uses. `make
// bench-memberlist` gives the p50/p99 figures.
func BenchmarkMemberList(b *testing.B) {
	for _, n := range []int{10_000, 100_000, 1_000_000} {
		w := memberlisttest.NewWorld(n)
		l, _ := NewMemberList(n)
		if err := w.Build(l); err != nil {
			b.Fatal(err)
		}
		heap, names := l.(*MemberList).Memory()
		perMember := float64(heap-names) / float64(n)
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
