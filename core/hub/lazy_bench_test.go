package hub

import (
	"fmt"
	"testing"

	"gatehouse/core/session"
)

// BenchmarkLazyPresence: one presence flip (online ↔ offline, random
// member) per iteration in a guild with 100 sessions holding rows 0–99 of
// the open channel's list: the actor's whole path (mark, flush, Apply on
// the pure-Go list, plan, render, serialise, hand to sessions). Reports
// the op bytes and whole-dispatch bytes sent per change, over all 100
// sessions, and the op bytes per dispatch.
// Guilds over 1000 members leave offline members out, so most flips
// insert or delete a row somewhere in the list.
func BenchmarkLazyPresence(b *testing.B) {
	for _, members := range []int{10_000, 100_000} {
		for _, allShifts := range []bool{false, true} {
			b.Run(fmt.Sprintf("members=%d/allShifts=%v", members, allShifts), func(b *testing.B) {
				w := newPropWorld(b, 1, members, allShifts)
				z := w.a.lazy
				z.deps.send = func(*session.Session, []byte) {}
				req := []lazyChannelReq{{ch: 201, chunks: []int{0}}}
				for i := range 100 {
					s := &session.Session{ID: fmt.Sprint("b", i), UserID: uint64(1 + i%propClients)}
					w.a.sessions.add(s)
					w.a.lazyRequest(s, req)
				}
				before := w.h.LazyStats()
				var uids []presenceChange
				for i := 0; i < 4096; i++ {
					uid, _ := w.randomMember()
					uids = append(uids, presenceChange{uid: uid})
				}
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					c := uids[i%len(uids)]
					if _, on := w.pres[c.uid]; on {
						delete(w.pres, c.uid)
					} else {
						w.pres[c.uid] = "online"
					}
					w.a.lazyPresenceChanges([]presenceChange{c})
					w.flushGathered()
				}
				b.StopTimer()
				st := w.h.LazyStats()
				ops := float64(st.OpBytes - before.OpBytes)
				b.ReportMetric(ops/float64(b.N), "B-ops/change")
				b.ReportMetric(float64(st.Bytes-before.Bytes)/float64(b.N), "B-sent/change")
				b.ReportMetric(float64(st.Dispatches-before.Dispatches)/float64(b.N), "dispatches/change")
				b.ReportMetric(float64(st.SyncFallbacks-before.SyncFallbacks)/float64(b.N), "fallbacks/change")
				if d := st.Dispatches - before.Dispatches; d > 0 {
					b.ReportMetric(ops/float64(d), "B-ops/dispatch")
				}
			})
		}
	}
}
