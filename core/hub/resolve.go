package hub

import (
	"errors"

	"gatehouse/core/protocol"
	"gatehouse/core/session"
)

// resolveJob is one Identify waiting for its user's records.
type resolveJob struct {
	user uint64
	done func(session.UserInfo)
}

// errBusy answers an Identify when the resolve queue is full: the client
// gets op 9 and identifies again later.
var errBusy = errors.New("hub: identify queue full")

// Resolve implements session.Config.Resolve: a bounded queue served by
// ResolveWorkers goroutines, so event loops never wait on the store.
func (h *Hub) Resolve(user uint64, done func(session.UserInfo)) {
	select {
	case h.resolveQ <- resolveJob{user, done}:
	default:
		done(session.UserInfo{Err: errBusy})
	}
}

func (h *Hub) resolveWorker() {
	defer h.wg.Done()
	for {
		select {
		case j := <-h.resolveQ:
			j.done(h.resolve(j.user))
		case <-h.ctx.Done():
			return
		}
	}
}

func (h *Hub) resolve(user uint64) session.UserInfo {
	id := protocol.Snowflake(user)
	info := session.UserInfo{}
	if u := h.user(id); u != nil {
		info.User = protocolUser(u)
		info.Grants = u.PrivilegedIntents
	}
	guilds, err := h.cfg.Store.UserGuilds(h.ctx, id)
	if err != nil {
		h.log.Warn("hub: user guilds", "user", user, "err", err)
		info.Err = err
		return info
	}
	info.Guilds = guilds
	return info
}
