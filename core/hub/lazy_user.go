package hub

import "gatehouse/core/protocol"

// A member-list row shows the user record (username, global_name, avatar)
// and sorts by the display name, which falls back to the record's global
// name and username. So a USER_UPDATE changes rows in every list that holds
// the user, in every guild the user is in, without any guild event: the
// hub finds those guilds and each of their actors treats the user like a
// member whose nick changed (dirty, then lazyFlush: UPDATE in place, or
// DELETE+INSERT when the sort key moved).

// lazyUserUpdated asks the loaded actors of uid's guilds to refresh uid's
// rows. The user cache already holds the new record (onUserEvent puts it
// first), so the actors read it when they rebuild the rows. Runs on the
// broker's goroutine; the guilds come from the store (in memory once the
// cluster store's directory is synced), as Identify's do.
func (h *Hub) lazyUserUpdated(uid protocol.Snowflake) {
	h.mu.Lock()
	loaded := len(h.actors)
	h.mu.Unlock()
	if loaded == 0 {
		return
	}
	guilds, err := h.cfg.Store.UserGuilds(h.ctx, uid)
	if err != nil {
		h.log.Warn("hub: user guilds for member lists", "user", uid, "err", err)
		return
	}
	as := make([]*actor, 0, len(guilds))
	h.mu.Lock()
	for _, g := range guilds {
		if a := h.actors[g]; a != nil && !a.stopped() {
			as = append(as, a)
		}
	}
	h.mu.Unlock()
	for _, a := range as {
		a.post(true, func(a *actor) { a.lazyUserChanged(uid) })
	}
}

// lazyUserChanged refreshes uid's rows after its user record changed: only
// when some list of this guild holds uid, as a dirty member (the same path
// as a nick change). Actor only.
func (a *actor) lazyUserChanged(uid protocol.Snowflake) {
	z := a.lazy
	if z == nil || a.state == nil {
		return
	}
	for _, l := range z.lists {
		if _, held := l.entries[uid]; held {
			z.dirty[uid] = struct{}{}
			a.lazyFlush()
			return
		}
	}
}
