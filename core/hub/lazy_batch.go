package hub

import "time"

// lazySoon flushes the member lists within Config.LazyBatch instead of
// now: changes that arrive meanwhile (presence, mostly) join the same
// flush, so each group of holders gets one GUILD_MEMBER_LIST_UPDATE with
// all their ops. Any other flush (an op 14 request, a member or role
// change) takes the gathered changes along, and the timer then finds
// nothing to do. Actor goroutine only.
func (a *actor) lazySoon() {
	if a.h.cfg.LazyBatch < 0 {
		a.lazyFlush()
		return
	}
	if a.lazyT == nil {
		a.lazyT = time.NewTimer(a.h.cfg.LazyBatch)
	}
}
