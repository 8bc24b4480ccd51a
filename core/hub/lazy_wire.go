package hub

import (
	"strconv"

	"gatehouse/core/guild"
	"gatehouse/core/memberlist"
	"gatehouse/core/protocol"
)

// lazyView renders one list's rows as they are after a batch, each item
// once however many range sets send it. It lives for one flush.
type lazyView struct {
	a     *actor
	l     *lazyList
	rows  map[int][]memberlist.Row // by chunk
	items map[memberlist.Row][]byte
	buf   []memberlist.Row
}

func newLazyView(a *actor, l *lazyList) *lazyView {
	return &lazyView{a: a, l: l, rows: map[int][]memberlist.Row{}, items: map[memberlist.Row][]byte{}}
}

// row is the row at index i (< length).
func (v *lazyView) row(i int) memberlist.Row {
	c := i / lazyChunk
	rs, ok := v.rows[c]
	if !ok {
		rs = v.l.list.Rows(nil, c*lazyChunk, c*lazyChunk+lazyChunk-1)
		v.rows[c] = rs
	}
	return rs[i-c*lazyChunk]
}

func (v *lazyView) itemLen(i int) int { return len(v.item(v.row(i))) }

// item is a row's item: {"group":{...}} or {"member":{..., "presence":...}}.
func (v *lazyView) item(r memberlist.Row) []byte {
	if b, ok := v.items[r]; ok {
		return b
	}
	var b []byte
	if r.Kind == memberlist.RowGroup {
		b = appendGroupItem(nil, memberlist.GroupID(r.ID), int(r.Count))
	} else {
		z := v.a.lazy
		uid := protocol.Snowflake(r.ID)
		if b = z.items[uid]; b == nil {
			if len(z.items) >= lazyItemCache {
				clear(z.items)
			}
			b = v.a.lazyMemberItem(uid)
			z.items[uid] = b
		}
	}
	v.items[r] = b
	return b
}

// lazyItemCache bounds the member items kept between flushes (about 400
// bytes each).
const lazyItemCache = 1 << 16

// stubItem is an INSERT's item for a row the client holds outside its
// chunks: the group as it was, or a member with only its user id.
func stubItem(dst []byte, r memberlist.Row) []byte {
	if r.Kind == memberlist.RowGroup {
		return appendGroupItem(dst, memberlist.GroupID(r.ID), int(r.Count))
	}
	dst = append(dst, `{"member":{"user":{"id":"`...)
	dst = strconv.AppendUint(dst, r.ID, 10)
	return append(dst, `"}}}`...)
}

// appendGroupID writes a group's wire id: the role id, "online" or "offline".
func appendGroupID(dst []byte, g memberlist.GroupID) []byte {
	switch g {
	case memberlist.GroupOnline:
		return append(dst, `"online"`...)
	case memberlist.GroupOffline:
		return append(dst, `"offline"`...)
	}
	dst = append(dst, '"')
	dst = strconv.AppendUint(dst, uint64(g), 10)
	return append(dst, '"')
}

// appendGroup writes {"id","count"}, a groups entry.
func appendGroup(dst []byte, g memberlist.GroupID, count int) []byte {
	dst = append(dst, `{"id":`...)
	dst = appendGroupID(dst, g)
	dst = append(dst, `,"count":`...)
	dst = strconv.AppendInt(dst, int64(count), 10)
	return append(dst, '}')
}

// appendGroupItem writes a group row's item.
func appendGroupItem(dst []byte, g memberlist.GroupID, count int) []byte {
	dst = append(dst, `{"group":`...)
	dst = appendGroup(dst, g, count)
	return append(dst, '}')
}

// lazyMemberItem renders a member's item from the guild state, the user
// record and the presence as they are now. A member the state no longer
// holds (never the case after a flush) gets its bare user.
func (a *actor) lazyMemberItem(uid protocol.Snowflake) []byte {
	m, ok := a.state.Member(uid)
	if !ok {
		return stubItem(nil, memberlist.MemberRow(uint64(uid)))
	}
	mj, err := guild.MemberJSON(&m, a.lazy.deps.user(uid), 0)
	if err != nil || len(mj) < 2 {
		return stubItem(nil, memberlist.MemberRow(uint64(uid)))
	}
	p, online := a.lazy.deps.presence(uid)
	if !online || len(p) == 0 {
		if p, err = guild.PresenceUpdate(0, uid, "offline", nil, nil); err != nil {
			return stubItem(nil, memberlist.MemberRow(uint64(uid)))
		}
	}
	b := make([]byte, 0, len(mj)+len(p)+len(`{"member":,"presence":}}`))
	b = append(b, `{"member":`...)
	b = append(b, mj[:len(mj)-1]...) // the member object without its '}'
	b = append(b, `,"presence":`...)
	b = append(b, p...)
	return append(b, `}}`...)
}

// appendListHead writes a dispatch's d up to its ops array, opened.
func (a *actor) appendListHead(dst []byte, l *lazyList) []byte {
	dst = append(dst, `{"id":"`...)
	dst = append(dst, l.id...) // "everyone" or decimal digits: nothing to escape
	dst = append(dst, `","guild_id":"`...)
	dst = strconv.AppendUint(dst, uint64(a.id), 10)
	dst = append(dst, `","member_count":`...)
	dst = strconv.AppendInt(dst, int64(len(l.entries)), 10)
	dst = append(dst, `,"online_count":`...)
	dst = strconv.AppendInt(dst, int64(l.online), 10)
	dst = append(dst, `,"groups":[`...)
	for i, g := range l.list.Groups(nil) {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendGroup(dst, g.ID, g.Count)
	}
	return append(dst, `],"ops":[`...)
}

// appendOps writes planned ops, comma-separated, rendering items from v.
func appendOps(dst []byte, ops []lazyOp, v *lazyView, length int) []byte {
	for n, op := range ops {
		if n > 0 {
			dst = append(dst, ',')
		}
		switch op.kind {
		case opInsert:
			dst = append(dst, `{"op":"INSERT","index":`...)
			dst = strconv.AppendInt(dst, int64(op.index), 10)
			dst = append(dst, `,"item":`...)
			if op.final >= 0 {
				dst = append(dst, v.item(v.row(op.final))...)
			} else {
				dst = stubItem(dst, op.row)
			}
			dst = append(dst, '}')
		case opDelete:
			dst = append(dst, `{"op":"DELETE","index":`...)
			dst = strconv.AppendInt(dst, int64(op.index), 10)
			dst = append(dst, '}')
		case opUpdate:
			dst = append(dst, `{"op":"UPDATE","index":`...)
			dst = strconv.AppendInt(dst, int64(op.index), 10)
			dst = append(dst, `,"item":`...)
			dst = append(dst, v.item(v.row(op.index))...)
			dst = append(dst, '}')
		case opSync:
			a := op.chunk * lazyChunk
			dst = appendRange(append(dst, `{"op":"SYNC","range":`...), a)
			dst = append(dst, `,"items":[`...)
			for i := a; i < min(a+lazyChunk, length); i++ {
				if i > a {
					dst = append(dst, ',')
				}
				dst = append(dst, v.item(v.row(i))...)
			}
			dst = append(dst, `]}`...)
		case opInvalidate:
			dst = appendRange(append(dst, `{"op":"INVALIDATE","range":`...), op.chunk*lazyChunk)
			dst = append(dst, '}')
		}
	}
	return dst
}

// appendRange writes the inclusive range of the chunk starting at a.
func appendRange(dst []byte, a int) []byte {
	dst = append(dst, '[')
	dst = strconv.AppendInt(dst, int64(a), 10)
	dst = append(dst, ',')
	dst = strconv.AppendInt(dst, int64(a+lazyChunk-1), 10)
	return append(dst, ']')
}
