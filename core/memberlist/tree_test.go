package memberlist

import (
	"math/rand/v2"
	"testing"
)

// checkNode verifies one subtree: counts, each child's smallest key, fill
// and depth. It returns the subtree's key count and depth.
func checkNode(t *testing.T, l *GoList, x *node, root bool) (int, int) {
	t.Helper()
	if x.n > fanout || (!root && x.n < minFill) {
		t.Fatalf("node of %d entries (root %v)", x.n, root)
	}
	for i := 1; i < x.n; i++ {
		if l.cmp(x.key(i-1), x.key(i)) >= 0 {
			t.Fatalf("keys out of order at %d", i)
		}
	}
	if x.leaf() {
		return x.n, 1
	}
	total, depth := 0, -1
	for i := range x.n {
		kid := x.kids[i]
		n, d := checkNode(t, l, kid, false)
		if n != int(x.counts[i]) || kid.key(0) != x.key(i) {
			t.Fatalf("child %d: count %d vs %d, first key %v vs %v", i, n, x.counts[i], kid.key(0), x.key(i))
		}
		if depth >= 0 && d != depth {
			t.Fatal("leaves at different depths")
		}
		total, depth = total+n, d
	}
	return total, depth + 1
}

// TestGoTreeInvariants churns a list big enough for three-level trees and
// checks every node after growth and after shrinkage.
func TestGoTreeInvariants(t *testing.T) {
	lst, _ := NewGoList(0)
	l := lst.(*GoList)
	r := rand.New(rand.NewPCG(3, 3))
	groups := []GroupID{7, GroupOnline, GroupOffline}
	if _, _, err := l.Apply(nil, []Change{{Kind: SetOrder, Order: groups}}); err != nil {
		t.Fatal(err)
	}
	batchOf := func() []Change {
		b := make([]Change, 8)
		for i := range b {
			u := uint64(r.IntN(30_000))
			if r.IntN(10) == 0 {
				b[i] = Change{Kind: Remove, User: u}
				continue
			}
			name := []byte("username")[:r.IntN(9)]
			for range r.IntN(6) {
				name = append(name, byte('a'+r.IntN(3)))
			}
			b[i] = Change{Kind: Upsert, User: u, Group: groups[r.IntN(3)], Name: name}
		}
		return b
	}
	check := func() {
		for _, g := range l.groups {
			if g == nil || g.tree.root == nil {
				continue
			}
			if n, _ := checkNode(t, l, g.tree.root, true); n != g.tree.len {
				t.Fatalf("tree holds %d keys, len %d", n, g.tree.len)
			}
		}
	}
	var out []RowChange
	for step := range 12_000 {
		var err error
		if out, _, err = l.Apply(out[:0], batchOf()); err != nil {
			t.Fatal(err)
		}
		if step%3000 == 0 {
			check()
		}
	}
	check()
	// Remove everyone: trees shrink back to a leaf, groups are released.
	var batch []Change
	for u := range 30_000 {
		batch = append(batch, Change{Kind: Remove, User: uint64(u)})
	}
	if _, _, err := l.Apply(nil, batch); err != nil {
		t.Fatal(err)
	}
	check()
	if l.Members() != 0 || l.Len() != 0 {
		t.Fatalf("members %d rows %d after removing everyone", l.Members(), l.Len())
	}
}
