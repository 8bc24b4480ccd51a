package memberlisttest

// Rng is splitmix64, the generator the Rust benchmarks use too, so both
// sides build the same workloads from the same seeds.
type Rng struct{ s uint64 }

func NewRng(seed uint64) *Rng { return &Rng{seed} }

func (r *Rng) Next() uint64 {
	r.s += 0x9e3779b97f4a7c15
	z := r.s
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// Below is a number in [0, n).
func (r *Rng) Below(n uint64) uint64 { return r.Next() % n }
