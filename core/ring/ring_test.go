package ring

import (
	"math/rand/v2"
	"testing"
)

// TestRingAgainstSlice: random pushes and drops keep the same values, in
// the same order, as a plain slice; the buffer never exceeds Max, starts
// at 4 and doubles; dropped slots are zeroed; Reset frees the buffer.
func TestRingAgainstSlice(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, limit := range []int{1, 3, 4, 5, 16, 100} {
		g := Ring[*int]{Max: limit}
		var model []*int
		for step := range 5000 {
			if g.Len() > 0 && (g.Full() || r.IntN(3) == 0) {
				oldest := g.At(0)
				g.DropOldest()
				if *oldest != nil {
					t.Fatalf("max %d step %d: dropped slot still points somewhere", limit, step)
				}
				model = model[1:]
			} else {
				v := step
				g.Push(&v)
				model = append(model, &v)
			}
			if g.Len() != len(model) || g.Cap() > limit || (g.Cap() > 0 && g.Cap() < min(4, limit)) {
				t.Fatalf("max %d step %d: len %d cap %d, model %d", limit, step, g.Len(), g.Cap(), len(model))
			}
			for i, m := range model {
				if *g.At(i) != m {
					t.Fatalf("max %d step %d: value %d differs", limit, step, i)
				}
			}
		}
		g.Reset()
		if g.Len() != 0 || g.Cap() != 0 {
			t.Fatalf("max %d: after Reset len %d cap %d", limit, g.Len(), g.Cap())
		}
	}
}
