package hub

import (
	"gatehouse/core/protocol"
)

// LazyRows returns the items of rows start to end (inclusive, clipped) of
// guild g's member list listID, as a client holding them would, and the
// list's length. ok is false when this node keeps no such list (no local
// session holds it). It waits for the guild's actor, so what it returns
// is consistent with every dispatch sent before it: for tests and
// diagnostics, not for hot paths. Any goroutine.
func (h *Hub) LazyRows(g protocol.Snowflake, listID string, start, end int) (items [][]byte, length int, ok bool) {
	h.mu.Lock()
	a := h.actors[g]
	h.mu.Unlock()
	if a == nil {
		return nil, 0, false
	}
	type result struct {
		items  [][]byte
		length int
	}
	out := make(chan result, 1)
	a.post(true, func(a *actor) {
		if a.lazy == nil || a.state == nil {
			close(out)
			return
		}
		l := a.lazy.lists[listID]
		if l == nil {
			close(out)
			return
		}
		r := result{length: l.list.Len()}
		v := newLazyView(a, l)
		for i := max(start, 0); i <= min(end, r.length-1); i++ {
			r.items = append(r.items, v.item(v.row(i)))
		}
		out <- r
	})
	select {
	case r, got := <-out:
		return r.items, r.length, got
	case <-a.done:
	case <-h.ctx.Done():
	}
	return nil, 0, false
}
