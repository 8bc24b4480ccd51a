package memberlist

// tree is GoList's counted B+tree of one group's members: the same shape
// as the Rust core's (leaves of 64 keys held as two arrays, inner nodes
// keeping each child's smallest key and key count), so the two differ in
// language, not in algorithm.

const (
	fanout  = 64
	minFill = fanout / 3
)

// key orders a member inside its group: the sort name's first eight bytes
// as a big-endian integer, then the member's slot, which settles ties by
// the rest of the name and the user id.
type key struct {
	prefix uint64
	slot   int32
}

// node is a leaf (kids == nil) or an inner node. For an inner node,
// keys[i] is the smallest key under kids[i] and counts[i] how many keys
// are under it. Arrays hold one entry over capacity for a moment before a
// split.
type node struct {
	n      int
	prefix [fanout + 1]uint64
	slot   [fanout + 1]int32
	counts []int32
	kids   []*node
}

func (x *node) leaf() bool    { return x.kids == nil }
func (x *node) key(i int) key { return key{x.prefix[i], x.slot[i]} }

func newInner() *node {
	return &node{counts: make([]int32, fanout+1), kids: make([]*node, fanout+1)}
}

// cmp orders two keys; 0 only for the same member.
func (l *GoList) cmp(a, b key) int {
	switch {
	case a.prefix < b.prefix:
		return -1
	case a.prefix > b.prefix:
		return 1
	case a.slot == b.slot:
		return 0
	}
	return l.tie(a.slot, b.slot)
}

// lowerBound is the first position in a leaf whose key is not below k.
func (l *GoList) lowerBound(x *node, k key) int {
	lo, run := 0, 0
	for _, p := range x.prefix[:x.n] {
		if p < k.prefix {
			lo++
		} else if p == k.prefix {
			run++
		}
	}
	hi := lo + run
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		if l.cmp(x.key(mid), k) < 0 {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	return lo
}

// child is the child of an inner node to descend into for k.
func (l *GoList) child(x *node, k key) int {
	lo, hi := 0, x.n
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		if l.cmp(x.key(mid), k) <= 0 {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	return max(lo-1, 0)
}

func (x *node) before(i int) int {
	s := 0
	for _, c := range x.counts[:i] {
		s += int(c)
	}
	return s
}

func (x *node) total() int {
	if x.leaf() {
		return x.n
	}
	return x.before(x.n)
}

// insertAt opens position i and puts k there (with a child for inner nodes).
func (x *node) insertAt(i int, k key, count int32, kid *node) {
	copy(x.prefix[i+1:x.n+1], x.prefix[i:x.n])
	copy(x.slot[i+1:x.n+1], x.slot[i:x.n])
	x.prefix[i], x.slot[i] = k.prefix, k.slot
	if !x.leaf() {
		copy(x.counts[i+1:x.n+1], x.counts[i:x.n])
		copy(x.kids[i+1:x.n+1], x.kids[i:x.n])
		x.counts[i], x.kids[i] = count, kid
	}
	x.n++
}

func (x *node) removeAt(i int) {
	copy(x.prefix[i:], x.prefix[i+1:x.n])
	copy(x.slot[i:], x.slot[i+1:x.n])
	if !x.leaf() {
		copy(x.counts[i:], x.counts[i+1:x.n])
		copy(x.kids[i:], x.kids[i+1:x.n])
		x.kids[x.n-1] = nil
	}
	x.n--
}

// moveTail moves entries from `at` on to the start of an empty node y.
func (x *node) moveTail(at int, y *node) {
	m := x.n - at
	copy(y.prefix[:m], x.prefix[at:x.n])
	copy(y.slot[:m], x.slot[at:x.n])
	if !x.leaf() {
		copy(y.counts[:m], x.counts[at:x.n])
		copy(y.kids[:m], x.kids[at:x.n])
		clear(x.kids[at:x.n])
	}
	y.n, x.n = m, at
}

// shift moves k entries between neighbours a and b (a before b): from a's
// end to b's start when k > 0, from b's start to a's end when k < 0.
func shift(a, b *node, k int) {
	if k > 0 {
		copy(b.prefix[k:b.n+k], b.prefix[:b.n])
		copy(b.slot[k:b.n+k], b.slot[:b.n])
		copy(b.prefix[:k], a.prefix[a.n-k:a.n])
		copy(b.slot[:k], a.slot[a.n-k:a.n])
		if !a.leaf() {
			copy(b.counts[k:b.n+k], b.counts[:b.n])
			copy(b.kids[k:b.n+k], b.kids[:b.n])
			copy(b.counts[:k], a.counts[a.n-k:a.n])
			copy(b.kids[:k], a.kids[a.n-k:a.n])
			clear(a.kids[a.n-k : a.n])
		}
		a.n, b.n = a.n-k, b.n+k
		return
	}
	k = -k
	copy(a.prefix[a.n:a.n+k], b.prefix[:k])
	copy(a.slot[a.n:a.n+k], b.slot[:k])
	copy(b.prefix[:b.n-k], b.prefix[k:b.n])
	copy(b.slot[:b.n-k], b.slot[k:b.n])
	if !a.leaf() {
		copy(a.counts[a.n:a.n+k], b.counts[:k])
		copy(a.kids[a.n:a.n+k], b.kids[:k])
		copy(b.counts[:b.n-k], b.counts[k:b.n])
		copy(b.kids[:b.n-k], b.kids[k:b.n])
		clear(b.kids[b.n-k : b.n])
	}
	a.n, b.n = a.n+k, b.n-k
}

// tree is one group's members in order.
type tree struct {
	root *node
	len  int
}

func (l *GoList) treeInsert(t *tree, k key) int {
	if t.root == nil {
		t.root = &node{}
	}
	rank, split, sep, cnt := l.insertRec(t.root, k)
	t.len++
	if split != nil {
		root := newInner()
		root.insertAt(0, t.root.key(0), int32(t.len-cnt), t.root)
		root.insertAt(1, sep, int32(cnt), split)
		t.root = root
	}
	return rank
}

func (l *GoList) insertRec(x *node, k key) (rank int, split *node, sep key, cnt int) {
	if x.leaf() {
		pos := l.lowerBound(x, k)
		x.insertAt(pos, k, 0, nil)
		if x.n <= fanout {
			return pos, nil, key{}, 0
		}
		right := &node{}
		x.moveTail(x.n/2, right)
		return pos, right, right.key(0), right.n
	}
	i := l.child(x, k)
	if l.cmp(k, x.key(i)) < 0 {
		x.prefix[i], x.slot[i] = k.prefix, k.slot // i == 0: k is the new smallest
	}
	before := x.before(i)
	r, s, sk, sc := l.insertRec(x.kids[i], k)
	x.counts[i]++
	if s == nil {
		return before + r, nil, key{}, 0
	}
	x.counts[i] -= int32(sc)
	x.insertAt(i+1, sk, int32(sc), s)
	if x.n <= fanout {
		return before + r, nil, key{}, 0
	}
	right := newInner()
	x.moveTail(x.n/2, right)
	return before + r, right, right.key(0), right.total()
}

func (l *GoList) treeRemove(t *tree, k key) int {
	rank := l.removeRec(t.root, k)
	t.len--
	for !t.root.leaf() && t.root.n == 1 {
		t.root = t.root.kids[0]
	}
	return rank
}

func (l *GoList) removeRec(x *node, k key) int {
	if x.leaf() {
		pos := l.lowerBound(x, k)
		if pos >= x.n || x.slot[pos] != k.slot {
			panic("memberlist: key not in tree")
		}
		x.removeAt(pos)
		return pos
	}
	i := l.child(x, k)
	before := x.before(i)
	r := l.removeRec(x.kids[i], k)
	x.counts[i]--
	kid := x.kids[i]
	x.prefix[i], x.slot[i] = kid.prefix[0], kid.slot[0]
	if kid.n < minFill {
		fixUnderfull(x, i)
	}
	return before + r
}

// fixUnderfull merges child i with a neighbour when both fit in one node,
// and otherwise shares their entries evenly.
func fixUnderfull(x *node, i int) {
	a := i
	if i+1 >= x.n {
		a = i - 1
	}
	p, q := x.kids[a], x.kids[a+1]
	if p.n+q.n <= fanout {
		shift(p, q, -q.n)
		x.counts[a] += x.counts[a+1]
		x.removeAt(a + 1)
		return
	}
	shift(p, q, p.n-(p.n+q.n)/2)
	x.counts[a], x.counts[a+1] = int32(p.total()), int32(q.total())
	x.prefix[a+1], x.slot[a+1] = q.prefix[0], q.slot[0]
}

func (l *GoList) treeRank(t *tree, k key) int {
	x, rank := t.root, 0
	for !x.leaf() {
		i := l.child(x, k)
		rank += x.before(i)
		x = x.kids[i]
	}
	return rank + l.lowerBound(x, k)
}

// walk calls f with the slot of every key from rank start on until f
// returns false.
func walk(x *node, start int, f func(slot int32) bool) bool {
	if x.leaf() {
		for _, s := range x.slot[min(start, x.n):x.n] {
			if !f(s) {
				return false
			}
		}
		return true
	}
	for i := 0; i < x.n; i++ {
		c := int(x.counts[i])
		if start >= c {
			start -= c
			continue
		}
		if !walk(x.kids[i], start, f) {
			return false
		}
		start = 0
	}
	return true
}
