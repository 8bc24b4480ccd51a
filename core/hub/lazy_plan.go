package hub

import (
	"gatehouse/core/memberlist"
)

// lazyPlanMax is the most row changes one range set's plan tracks. Past
// it the chunks are sent whole (SYNC, counted as fallbacks): tracking
// costs a pass over the held segments per row change, and that many
// changes before a chunk's end rewrite most of it anyway.
const lazyPlanMax = 1024

// opKind is a GUILD_MEMBER_LIST_UPDATE op.
type opKind uint8

const (
	opSync opKind = iota + 1
	opInsert
	opDelete
	opUpdate
	opInvalidate
)

// lazyOp is one planned op. Items are rendered later: an INSERT whose row
// ends inside a held chunk (final ≥ 0) carries the row at final after the
// batch; any other INSERT carries a stub of row, the row it inserted
// (right identity, no content: the client holds it only outside its
// chunks, where nothing is promised). UPDATE carries the row at index
// after the batch; SYNC and INVALIDATE cover chunk.
type lazyOp struct {
	kind  opKind
	index int
	final int
	chunk int
	row   memberlist.Row
}

// seg is a run of positions of a client's array that hold the server's
// row: ins < 0 for rows the client held right before the batch (still
// right, shifted with their rows), else a single position holding the row
// of planned INSERT ins.
type seg struct{ a, b, ins int }

// segs is a sorted set of disjoint segs. Every method returns the new set
// built in dst (which must not alias s).
type segs []seg

func (s segs) insertAt(dst segs, i, ins int) segs {
	dst = dst[:0]
	placed := false
	for _, g := range s {
		switch {
		case g.b < i:
			dst = append(dst, g)
		case g.a >= i:
			if !placed {
				dst, placed = append(dst, seg{i, i, ins}), true
			}
			dst = append(dst, seg{g.a + 1, g.b + 1, g.ins})
		default: // g.a < i ≤ g.b: a held run split by the new row
			dst = append(dst, seg{g.a, i - 1, g.ins}, seg{i, i, ins}, seg{i + 1, g.b + 1, g.ins})
			placed = true
		}
	}
	if !placed {
		dst = append(dst, seg{i, i, ins})
	}
	return dst
}

func (s segs) deleteAt(dst segs, i int) segs {
	dst = dst[:0]
	for _, g := range s {
		switch {
		case g.b < i:
		case g.a > i:
			g.a--
			g.b--
		case g.ins >= 0 || g.a == g.b:
			continue // the row at i is gone
		default:
			g.b--
		}
		if n := len(dst); n > 0 && g.ins < 0 && dst[n-1].ins < 0 && dst[n-1].b+1 == g.a {
			dst[n-1].b = g.b
			continue
		}
		dst = append(dst, g)
	}
	return dst
}

// updateAt forgets position i unless it holds a planned INSERT (whose item
// is the row after the batch anyway).
func (s segs) updateAt(dst segs, i int) segs {
	dst = dst[:0]
	for _, g := range s {
		if g.ins >= 0 || i < g.a || i > g.b {
			dst = append(dst, g)
			continue
		}
		if g.a < i {
			dst = append(dst, seg{g.a, i - 1, -1})
		}
		if i < g.b {
			dst = append(dst, seg{i + 1, g.b, -1})
		}
	}
	return dst
}

// prune forgets every position past limit.
func (s segs) prune(limit int) segs {
	for n := len(s); n > 0; n = len(s) {
		g := &s[n-1]
		if g.a > limit {
			s = s[:n-1]
			continue
		}
		if g.b > limit {
			g.b = limit
		}
		break
	}
	return s
}

// lazyFinal is what a plan needs of the list after the batch: the rows in
// held chunks and the encoded size of their items.
type lazyFinal interface {
	// itemLen is the size of the item of the row at index i (i < length).
	itemLen(i int) int
	// row is the row at index i (i < length).
	row(i int) memberlist.Row
}

// lazyPlanner plans ops for one range set. Its buffers are reused.
type lazyPlanner struct {
	ops        []lazyOp
	cur, spare segs
}

// plan turns a batch's row changes into the ops that leave every position
// of the held chunks exact (see docs/memberlist.md, "Protocol"). oldLen is
// the length of the client's array before the batch: the list's, or, when
// earlier batches that changed no held row were not sent, a length that
// differs from the list's only past the last held row.
//
// It simulates the client's array as segments of positions known to hold
// the server's row. INSERT and DELETE at or before the last held row are
// sent (they shift held rows); past it they change nothing the client
// holds, so they are left out. UPDATEs are not sent as they come: at the
// end, every held position not known to be right gets the row it now
// holds, as an UPDATE, or the whole chunk as a SYNC when that is fewer
// bytes (a fallback). fallbacks counts the SYNCs. With allShifts the ops
// alone must also leave the array as long as the list: the left-out
// shifts are replaced by their net effect, stub INSERTs or DELETEs at the
// array's end (lengthFix) — a batch of a thousand joins and leaves past
// the held rows costs its net change in length, not a thousand ops.
func (p *lazyPlanner) plan(chunks []int, rcs []memberlist.RowChange, oldLen, newLen int, allShifts bool, fin lazyFinal) (ops []lazyOp, fallbacks int) {
	p.ops = p.ops[:0]
	if len(chunks) == 0 {
		return p.ops, 0
	}
	last := (chunks[len(chunks)-1]+1)*lazyChunk - 1
	relevant := 0
	for _, rc := range rcs {
		if rc.Index <= last {
			relevant++
		}
	}
	if relevant > lazyPlanMax {
		return p.syncAll(chunks, oldLen, newLen, allShifts, fin)
	}
	cur := p.cur[:0]
	for _, c := range chunks {
		a, b := c*lazyChunk, min(c*lazyChunk+lazyChunk-1, oldLen-1)
		if a > b {
			continue
		}
		if n := len(cur); n > 0 && cur[n-1].b+1 == a {
			cur[n-1].b = b
			continue
		}
		cur = append(cur, seg{a, b, -1})
	}
	spare := p.spare[:0]
	clientLen := oldLen
	for _, rc := range rcs {
		i := rc.Index
		switch rc.Op {
		case memberlist.OpInsert:
			if i > last {
				continue
			}
			if i > clientLen {
				// Left-out INSERTs past the chunks, then DELETEs before
				// them, pulled a row the client lacks into reach: send
				// the chunks whole instead.
				return p.syncAll(chunks, oldLen, newLen, allShifts, fin)
			}
			clientLen++
			p.ops = append(p.ops, lazyOp{kind: opInsert, index: i, final: -1, row: rc.Row})
			cur, spare = cur.insertAt(spare, i, len(p.ops)-1), cur
		case memberlist.OpDelete:
			if i > last {
				continue
			}
			if i >= clientLen {
				return p.syncAll(chunks, oldLen, newLen, allShifts, fin)
			}
			clientLen--
			p.ops = append(p.ops, lazyOp{kind: opDelete, index: i})
			cur, spare = cur.deleteAt(spare, i), cur
		case memberlist.OpUpdate:
			cur, spare = cur.updateAt(spare, i), cur
		}
		cur = cur.prune(last)
	}
	p.cur, p.spare = cur, spare

	// Fix each chunk: UPDATE what is not known right, or SYNC it whole.
	// Positions at or past clientLen do not exist on the client (a
	// left-out INSERT past the chunks, then a DELETE before them, shortened
	// its array): they are appended (INSERT) or reached by a SYNC, which
	// pads.
	var fixes []lazyOp
	k := 0 // first seg not wholly before the chunk
	for _, c := range chunks {
		a, b := c*lazyChunk, min(c*lazyChunk+lazyChunk-1, newLen-1)
		if a > b {
			continue
		}
		for k < len(cur) && cur[k].b < a {
			k++
		}
		fixCost := 0
		var bad []int
		j := k
		for i := a; i <= b; i++ {
			if i >= clientLen {
				fixCost += insertOverhead(i) + fin.itemLen(i)
				continue
			}
			for j < len(cur) && cur[j].b < i {
				j++
			}
			if j < len(cur) && cur[j].a <= i {
				continue // right already, or a planned INSERT's row
			}
			bad = append(bad, i)
			fixCost += updateOverhead(i) + fin.itemLen(i)
		}
		// The SYNC's size, summed only until it exceeds the fixes'.
		syncCost := syncOverhead(a, a+lazyChunk-1)
		if fixCost > 0 {
			for i := a; i <= b && syncCost < fixCost; i++ {
				syncCost += fin.itemLen(i) + 1
			}
		}
		missing := b >= clientLen
		if (missing && clientLen < a) || ((missing || len(bad) > 0) && syncCost < fixCost) {
			fixes = append(fixes, lazyOp{kind: opSync, chunk: c})
			fallbacks++
			clientLen = max(clientLen, b+1)
			continue
		}
		for _, i := range bad {
			fixes = append(fixes, lazyOp{kind: opUpdate, index: i})
		}
		for i := clientLen; i <= b; i++ {
			fixes = append(fixes, lazyOp{kind: opInsert, index: i, final: i})
		}
		clientLen = max(clientLen, b+1)
		for j := k; j < len(cur) && cur[j].a <= b; j++ {
			if g := cur[j]; g.ins >= 0 && g.a >= a {
				p.ops[g.ins].final = g.a
			}
		}
	}
	p.ops = append(p.ops, fixes...)
	if allShifts {
		p.ops = lengthFix(p.ops, clientLen, newLen, fin)
	}
	return p.ops, fallbacks
}

// syncAll sends every chunk whole (and, with allShifts, fixes the array's
// length after them). The client's array is oldLen long before.
func (p *lazyPlanner) syncAll(chunks []int, oldLen, newLen int, allShifts bool, fin lazyFinal) ([]lazyOp, int) {
	p.ops = p.ops[:0]
	clientLen := oldLen
	// Chunks past the list too: an empty SYNC tells the client the range
	// holds nothing now.
	for _, c := range chunks {
		p.ops = append(p.ops, lazyOp{kind: opSync, chunk: c})
		if a, b := c*lazyChunk, min(c*lazyChunk+lazyChunk-1, newLen-1); a <= b {
			clientLen = max(clientLen, b+1) // a SYNC pads the array to its items
		}
	}
	if allShifts {
		p.ops = lengthFix(p.ops, clientLen, newLen, fin)
	}
	return p.ops, len(chunks)
}

// lengthFix appends the ops that bring an array of clientLen rows, past
// every held chunk, to the list's newLen: stub INSERTs of the list's last
// rows, or DELETEs of the array's last rows. Rows there are outside every
// held chunk, where only their number is promised.
func lengthFix(ops []lazyOp, clientLen, newLen int, fin lazyFinal) []lazyOp {
	for ; clientLen < newLen; clientLen++ {
		ops = append(ops, lazyOp{kind: opInsert, index: clientLen, final: -1, row: fin.row(clientLen)})
	}
	for ; clientLen > newLen; clientLen-- {
		ops = append(ops, lazyOp{kind: opDelete, index: clientLen - 1})
	}
	return ops
}

// syncOverhead and updateOverhead are the bytes of a SYNC of range
// [a, b] and of an UPDATE at i, items aside (lazy_wire.go writes them).
func syncOverhead(a, b int) int {
	return len(`{"op":"SYNC","range":[,],"items":[]},`) + digits(a) + digits(b)
}

// insertOverhead is the bytes of an INSERT at i, item aside.
func insertOverhead(i int) int {
	return len(`{"op":"INSERT","index":,"item":},`) + digits(i)
}

func updateOverhead(i int) int {
	return len(`{"op":"UPDATE","index":,"item":},`) + digits(i)
}

// digits is the length of i in decimal.
func digits(i int) int {
	n := 1
	for i >= 10 {
		i /= 10
		n++
	}
	return n
}
