//go:build cgo

package bindings

import (
	"math/rand/v2"
	"testing"
)

// BenchmarkNoop times one empty cgo call (gh_noop): the fixed cost every
// Compress pays on top of the compression itself.
func BenchmarkNoop(b *testing.B) {
	for b.Loop() {
		Noop()
	}
}

// BenchmarkCompress compresses ~1 KB JSON-like messages through each codec
// and reports compressed bytes per message and the stream's state bytes.
// The corpus benchmark (bench/) gives the realistic figures; this one is
// for quick comparisons while working on the Rust core.
func BenchmarkCompress(b *testing.B) {
	r := rand.New(rand.NewPCG(5, 5))
	jsonPool, _ := pools()
	msgs := make([][]byte, 256)
	for i := range msgs {
		n := 512 + r.IntN(1024)
		off := r.IntN(len(jsonPool) - n)
		msgs[i] = jsonPool[off : off+n : off+n]
	}
	for _, c := range codecs() {
		b.Run(c.name, func(b *testing.B) {
			s, err := c.make()
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			dst := make([]byte, 0, 4096)
			var in, out int
			i := 0
			for b.Loop() {
				msg := msgs[i%len(msgs)]
				res, err := s.Compress(dst[:0], msg)
				if err != nil {
					b.Fatal(err)
				}
				in, out, i = in+len(msg), out+len(res), i+1
			}
			b.SetBytes(int64(in / max(i, 1)))
			b.ReportMetric(float64(out)/float64(max(i, 1)), "B/msg")
			b.ReportMetric(float64(in)/float64(max(out, 1)), "ratio")
			b.ReportMetric(float64(s.StateBytes()), "state-B")
		})
	}
}
