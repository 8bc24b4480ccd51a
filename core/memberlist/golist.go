package memberlist

import (
	"encoding/binary"
	"slices"
)

// GoList is the pure-Go List: the same structure as the Rust core (one
// counted B+tree per group, a member slab found through a map, the group
// order as a Fenwick tree of row counts), so the side-by-side benchmark
// compares languages and the cgo crossing, not algorithms.
type GoList struct {
	members []member
	free    []int32
	byUser  map[uint64]int32
	groups  []*group
	gfree   []int32
	byGroup map[GroupID]int32
	order   []int32 // group slots, first shown first
	fen     []int   // Fenwick tree (1-based) of each order position's rows
	closed  bool
}

var _ List = (*GoList)(nil)

// member is one member's record; rest is the sort name past its eighth byte.
type member struct {
	uid    uint64
	prefix uint64
	group  int32
	rest   string
}

// group is one group's members; pos is its order position or -1.
type group struct {
	id   GroupID
	pos  int
	tree tree
}

func (g *group) rows() int {
	if g.tree.len == 0 {
		return 0
	}
	return g.tree.len + 1
}

// NewGoList makes an empty GoList with room for about n members.
func NewGoList(n int) (List, error) {
	return &GoList{byUser: make(map[uint64]int32, n), byGroup: map[GroupID]int32{}, fen: []int{0}}, nil
}

// prefixOf is a name's first eight bytes as a big-endian integer.
func prefixOf(name []byte) uint64 {
	var b [8]byte
	copy(b[:], name)
	return binary.BigEndian.Uint64(b[:])
}

// tie orders two members whose prefixes are equal: by the rest of the
// name (none sorts first: with no zero bytes, equal first eight bytes and
// no rest mean the name is those bytes), then by user id.
func (l *GoList) tie(a, b int32) int {
	x, y := &l.members[a], &l.members[b]
	if c := compareStrings(x.rest, y.rest); c != 0 {
		return c
	}
	switch {
	case x.uid < y.uid:
		return -1
	case x.uid > y.uid:
		return 1
	}
	return 0
}

func compareStrings(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func (l *GoList) Apply(dst []RowChange, changes []Change) ([]RowChange, bool, error) {
	if l.closed {
		return dst, false, ErrClosed
	}
	if err := validateAll(changes); err != nil {
		return dst, false, err
	}
	if len(l.byUser)+Upserts(changes) > MaxMembers {
		return dst, false, ErrFull
	}
	start, resync := len(dst), false
	for i := range changes {
		c := &changes[i]
		switch c.Kind {
		case Upsert:
			dst = l.upsert(dst, c.User, c.Group, c.Name)
		case Remove:
			dst = l.remove(dst, c.User)
		case SetOrder:
			resync = l.setOrder(c.Order) || resync
		}
	}
	if resync {
		dst = dst[:start]
	}
	return dst, resync, nil
}

func (l *GoList) upsert(dst []RowChange, user uint64, gid GroupID, name []byte) []RowChange {
	prefix, rest := prefixOf(name), name[min(len(name), 8):]
	slot, ok := l.byUser[user]
	if !ok {
		g := l.groupSlot(gid)
		slot = l.allocMember(member{uid: user, prefix: prefix, group: g, rest: string(rest)})
		rank := l.treeInsert(&l.groups[g].tree, key{prefix, slot})
		return l.inserted(dst, g, rank, user)
	}
	m := l.members[slot]
	sameName := m.prefix == prefix && m.rest == string(rest)
	g := l.groupSlot(gid)
	if sameName && m.group == g {
		if l.groups[g].pos >= 0 {
			dst = append(dst, RowChange{Op: OpUpdate, Index: l.indexOfSlot(slot), Row: MemberRow(user)})
		}
		return dst
	}
	// The old key leaves its tree before the record changes: ties compare
	// records.
	oldRank := l.treeRemove(&l.groups[m.group].tree, key{m.prefix, slot})
	rec := &l.members[slot]
	rec.group = g
	if !sameName {
		rec.prefix, rec.rest = prefix, string(rest)
	}
	rank := l.treeInsert(&l.groups[g].tree, key{prefix, slot})
	if m.group != g {
		dst = l.removed(dst, m.group, oldRank)
		dst = l.inserted(dst, g, rank, user)
		l.releaseGroup(m.group)
		return dst
	}
	if l.groups[g].pos < 0 {
		return dst
	}
	base := l.firstRow(g) + 1
	if oldRank == rank {
		return append(dst, RowChange{Op: OpUpdate, Index: base + rank, Row: MemberRow(user)})
	}
	return append(dst,
		RowChange{Op: OpDelete, Index: base + oldRank},
		RowChange{Op: OpInsert, Index: base + rank, Row: MemberRow(user)})
}

func (l *GoList) remove(dst []RowChange, user uint64) []RowChange {
	slot, ok := l.byUser[user]
	if !ok {
		return dst
	}
	m := l.members[slot]
	rank := l.treeRemove(&l.groups[m.group].tree, key{m.prefix, slot})
	dst = l.removed(dst, m.group, rank)
	delete(l.byUser, user)
	l.members[slot] = member{}
	l.free = append(l.free, slot)
	l.releaseGroup(m.group)
	return dst
}

func (l *GoList) allocMember(m member) int32 {
	var slot int32
	if n := len(l.free); n > 0 {
		slot = l.free[n-1]
		l.free = l.free[:n-1]
		l.members[slot] = m
	} else {
		slot = int32(len(l.members))
		l.members = append(l.members, m)
	}
	l.byUser[m.uid] = slot
	return slot
}

// removed reports a member that left group g from rank: its row goes,
// then its group's row shows the new count or goes too.
func (l *GoList) removed(dst []RowChange, g int32, rank int) []RowChange {
	grp := l.groups[g]
	n := grp.tree.len
	if grp.pos >= 0 {
		first := l.firstRow(g)
		dst = append(dst, RowChange{Op: OpDelete, Index: first + 1 + rank})
		if n == 0 {
			dst = append(dst, RowChange{Op: OpDelete, Index: first})
		} else {
			dst = append(dst, RowChange{Op: OpUpdate, Index: first, Row: GroupRow(grp.id, n)})
		}
	}
	l.rowsChanged(g, n+1)
	return dst
}

// inserted reports a member that joined group g at rank: its group's row
// appears or shows the new count, then its row appears.
func (l *GoList) inserted(dst []RowChange, g int32, rank int, user uint64) []RowChange {
	grp := l.groups[g]
	n := grp.tree.len
	if grp.pos >= 0 {
		first := l.firstRow(g)
		op := OpUpdate
		if n == 1 {
			op = OpInsert
		}
		dst = append(dst,
			RowChange{Op: op, Index: first, Row: GroupRow(grp.id, n)},
			RowChange{Op: OpInsert, Index: first + 1 + rank, Row: MemberRow(user)})
	}
	l.rowsChanged(g, n-1)
	return dst
}

func (l *GoList) groupSlot(id GroupID) int32 {
	if g, ok := l.byGroup[id]; ok {
		return g
	}
	grp := &group{id: id, pos: -1}
	var g int32
	if n := len(l.gfree); n > 0 {
		g = l.gfree[n-1]
		l.gfree = l.gfree[:n-1]
		l.groups[g] = grp
	} else {
		g = int32(len(l.groups))
		l.groups = append(l.groups, grp)
	}
	l.byGroup[id] = g
	return g
}

// releaseGroup drops a group that has no members and is not in the order.
func (l *GoList) releaseGroup(g int32) {
	grp := l.groups[g]
	if grp.tree.len == 0 && grp.pos < 0 {
		delete(l.byGroup, grp.id)
		l.groups[g] = nil
		l.gfree = append(l.gfree, g)
	}
}

// prefixRows is the number of rows of the first i groups in the order.
func (l *GoList) prefixRows(i int) int {
	s := 0
	for ; i > 0; i &= i - 1 {
		s += l.fen[i]
	}
	return s
}

func (l *GoList) firstRow(g int32) int { return l.prefixRows(l.groups[g].pos) }

// rowsChanged moves a shown group's row count in the Fenwick tree after
// its member count changed from membersBefore.
func (l *GoList) rowsChanged(g int32, membersBefore int) {
	grp := l.groups[g]
	if grp.pos < 0 {
		return
	}
	before := 0
	if membersBefore > 0 {
		before = membersBefore + 1
	}
	d := grp.rows() - before
	for i := grp.pos + 1; i < len(l.fen); i += i & -i {
		l.fen[i] += d
	}
}

// setOrder replaces the order and says whether the shown groups or their
// sequence changed.
func (l *GoList) setOrder(ids []GroupID) bool {
	old := l.order
	shownBefore := l.shown(old)
	for _, g := range old {
		l.groups[g].pos = -1
	}
	l.order = make([]int32, 0, len(ids))
	for p, id := range ids {
		g := l.groupSlot(id)
		l.groups[g].pos = p
		l.order = append(l.order, g)
	}
	changed := !slices.Equal(shownBefore, l.shown(l.order))
	n := len(l.order)
	l.fen = make([]int, n+1)
	for p, g := range l.order {
		i := p + 1
		l.fen[i] += l.groups[g].rows()
		if parent := i + i&-i; parent <= n {
			l.fen[parent] += l.fen[i]
		}
	}
	for _, g := range old {
		l.releaseGroup(g)
	}
	return changed
}

func (l *GoList) shown(order []int32) []GroupID {
	var ids []GroupID
	for _, g := range order {
		if l.groups[g].tree.len > 0 {
			ids = append(ids, l.groups[g].id)
		}
	}
	return ids
}

func (l *GoList) indexOfSlot(slot int32) int {
	m := &l.members[slot]
	return l.firstRow(m.group) + 1 + l.treeRank(&l.groups[m.group].tree, key{m.prefix, slot})
}

func (l *GoList) Len() int {
	if l.closed {
		return 0
	}
	return l.prefixRows(len(l.order))
}

func (l *GoList) Members() int {
	if l.closed {
		return 0
	}
	return len(l.byUser)
}

func (l *GoList) IndexOf(user uint64) (int, bool) {
	if l.closed {
		return 0, false
	}
	slot, ok := l.byUser[user]
	if !ok || l.groups[l.members[slot].group].pos < 0 {
		return 0, false
	}
	return l.indexOfSlot(slot), true
}

func (l *GoList) Rows(dst []Row, start, end int) []Row {
	if l.closed {
		return dst
	}
	start, end = max(start, 0), min(end, l.Len()-1)
	if start > end {
		return dst
	}
	left := end - start + 1
	// Skip whole groups by their row counts; the order is short.
	off := start
	for _, g := range l.order {
		grp := l.groups[g]
		rows := grp.rows()
		if rows == 0 {
			continue
		}
		if off >= rows {
			off -= rows
			continue
		}
		if off == 0 {
			dst = append(dst, GroupRow(grp.id, grp.tree.len))
			if left--; left == 0 {
				return dst
			}
			off = 1
		}
		walk(grp.tree.root, off-1, func(slot int32) bool {
			dst = append(dst, MemberRow(l.members[slot].uid))
			left--
			return left > 0
		})
		if left == 0 {
			return dst
		}
		off = 0
	}
	return dst
}

func (l *GoList) Groups(dst []GroupCount) []GroupCount {
	if l.closed {
		return dst
	}
	for _, g := range l.order {
		if grp := l.groups[g]; grp.tree.len > 0 {
			dst = append(dst, GroupCount{ID: grp.id, Count: grp.tree.len})
		}
	}
	return dst
}

// Close drops the list's memory. Calling it again does nothing.
func (l *GoList) Close() error {
	*l = GoList{closed: true}
	return nil
}
