package memberlisttest

import (
	"gatehouse/core/memberlist"
)

// The benchmark workload, identical to rustlib/core/benches/memberlist.rs
// (same generator, same seeds, same draws in the same order), so the Rust
// native, Rust-through-cgo and pure-Go figures describe the same lists.

// BenchBatch is how many changes one benchmark batch applies: a burst of
// presence updates as the hub's guild actor collects them.
const BenchBatch = 32

// BenchRoles are the hoisted roles, highest first.
var BenchRoles = []memberlist.GroupID{1005, 1004, 1003, 1002, 1001}

// BenchOp is a benchmark workload.
type BenchOp int

const (
	// Presence flips a random member between offline and its online group
	// (a hoisted role for one in ten, else online).
	Presence BenchOp = iota
	// Nick renames a random member in place.
	Nick
)

func (o BenchOp) String() string {
	if o == Presence {
		return "presence"
	}
	return "nick"
}

// World is n members and what the workload knows of each.
type World struct {
	N      int
	home   []memberlist.GroupID
	online []bool
	names  [][]byte
	spare  [][]byte
	rng    *Rng
	picked [BenchBatch]int
	batch  []memberlist.Change
	// NameBytes is the sum over members of their name bytes past the
	// eighth: what the lists store besides the keys' eight bytes.
	NameBytes int
}

// benchName is a folded display name: 3–16 lowercase letters and digits,
// one in sixteen sharing the stem "discorduser" so prefixes tie.
func benchName(r *Rng) []byte {
	var s []byte
	if r.Below(16) == 0 {
		s = []byte("discorduser")
	}
	n := 3 + int(r.Below(14))
	for len(s) < n {
		s = append(s, "abcdefghijklmnopqrstuvwxyz0123456789"[r.Below(36)])
	}
	return s
}

// BenchUser is member i's snowflake-like user id.
func BenchUser(i int) uint64 {
	return ((1_420_070_400_000 + uint64(i)*7) << 22) | (uint64(i) & 0xfff)
}

// NewWorld draws the workload for n members.
func NewWorld(n int) *World {
	r := NewRng(uint64(n))
	w := &World{N: n, rng: r, home: make([]memberlist.GroupID, n), online: make([]bool, n),
		names: make([][]byte, n), spare: make([][]byte, 4096), batch: make([]memberlist.Change, BenchBatch)}
	for i := range w.home {
		w.home[i] = memberlist.GroupOnline
		if r.Below(100) < 10 {
			w.home[i] = BenchRoles[r.Below(5)]
		}
	}
	for i := range w.online {
		w.online[i] = r.Below(2) == 0
	}
	for i := range w.names {
		w.names[i] = benchName(r)
		w.NameBytes += max(len(w.names[i])-8, 0)
	}
	for i := range w.spare {
		w.spare[i] = benchName(r)
	}
	return w
}

func (w *World) group(i int) memberlist.GroupID {
	if w.online[i] {
		return w.home[i]
	}
	return memberlist.GroupOffline
}

// Build fills an empty list with every member, 256 per batch.
func (w *World) Build(l memberlist.List) error {
	order := append(append([]memberlist.GroupID{}, BenchRoles...), memberlist.GroupOnline, memberlist.GroupOffline)
	out, _, err := l.Apply(nil, []memberlist.Change{{Kind: memberlist.SetOrder, Order: order}})
	if err != nil {
		return err
	}
	batch := make([]memberlist.Change, 0, 256)
	for start := 0; start < w.N; start += 256 {
		batch = batch[:0]
		for i := start; i < min(start+256, w.N); i++ {
			batch = append(batch, memberlist.Change{Kind: memberlist.Upsert, User: BenchUser(i), Group: w.group(i), Name: w.names[i]})
		}
		if out, _, err = l.Apply(out[:0], batch); err != nil {
			return err
		}
	}
	return nil
}

// Next draws the next batch of BenchBatch changes of the given kind. The
// slice is reused by the next call.
func (w *World) Next(op BenchOp) []memberlist.Change {
	n := uint64(w.N)
	for k := range w.picked {
		i := int(w.rng.Below(n))
		w.picked[k] = i
		if op == Presence {
			w.online[i] = !w.online[i]
		} else {
			s := w.rng.Below(uint64(len(w.spare)))
			w.NameBytes += max(len(w.spare[s])-8, 0) - max(len(w.names[i])-8, 0)
			w.names[i], w.spare[s] = w.spare[s], w.names[i]
		}
	}
	for k, i := range w.picked {
		w.batch[k] = memberlist.Change{Kind: memberlist.Upsert, User: BenchUser(i), Group: w.group(i), Name: w.names[i]}
	}
	return w.batch
}
