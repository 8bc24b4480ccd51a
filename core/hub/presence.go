package hub

import (
	"bytes"
	"encoding/json"
	"sync"

	"gatehouse/core/guild"
	"gatehouse/core/protocol"
	"gatehouse/core/session"
)

// presence is a user's presence as others see it.
type presence struct {
	Status       string          `json:"status"`
	Activities   json.RawMessage `json:"activities"`
	ClientStatus json.RawMessage `json:"client_status"`
}

// offline is the presence of a user with no session anywhere.
var offline = presence{Status: "offline", Activities: json.RawMessage("[]"), ClientStatus: json.RawMessage("{}")}

func (p presence) same(q presence) bool {
	return p.Status == q.Status && bytes.Equal(p.Activities, q.Activities) && bytes.Equal(p.ClientStatus, q.ClientStatus)
}

// statusRank orders statuses for merging a user's sessions (and then the
// nodes' contributions): the most present wins. invisible merges as
// offline: others must not see it.
var statusRank = map[string]int{"online": 4, "dnd": 3, "idle": 2, "invisible": 1, "offline": 0}

// merge folds a user's sessions on this node into one presence.
func merge(ss []*session.Session) presence {
	best := offline
	bestRank := -1
	for _, s := range ss {
		p := s.Presence()
		status, acts := "online", []protocol.Activity(nil)
		if p != nil {
			status, acts = p.Status, p.Activities
		}
		if r := statusRank[status]; r > bestRank {
			bestRank = r
			best.Status = status
			if b, err := protocol.Marshal(acts); err == nil && acts != nil {
				best.Activities = b
			} else {
				best.Activities = json.RawMessage("[]")
			}
		}
	}
	if best.Status == "invisible" {
		best.Status = "offline"
	}
	if best.Status != "offline" {
		best.ClientStatus = json.RawMessage(`{"desktop":"` + best.Status + `"}`)
	}
	return best
}

// contribution is one node's presence for one user: the d of a
// PRESENCE_UPDATE on the user subject. Seq numbers every contribution a
// node publishes (1, 2, ...), so a receiver that misses one notices.
type contribution struct {
	Node         string          `json:"node"`
	Seq          uint64          `json:"seq"`
	Status       string          `json:"status"`
	Activities   json.RawMessage `json:"activities"`
	ClientStatus json.RawMessage `json:"client_status"`
}

func (c *contribution) presence() presence {
	return presence{Status: c.Status, Activities: c.Activities, ClientStatus: c.ClientStatus}
}

// localPresence is what this node contributes: per user, the merge of the
// user's sessions here. mu serialises recompute and publish, so publish
// order is seq order and a stale merge never overtakes a newer one. Lock
// order: localPresence.mu → session.Manager.mu → session.Session.mu.
type localPresence struct {
	mu        sync.Mutex
	seq       uint64
	published map[protocol.Snowflake]presence // non-offline contributions last published
	closed    bool                            // the node said goodbye; publish nothing more
}

// OnPresence implements session.Config.OnPresence (and runs after READY and
// at session end): recompute the user's presence over this node's sessions
// and publish this node's contribution when it changed.
func (h *Hub) OnPresence(s *session.Session) { h.publishPresence(s.UserID) }

func (h *Hub) publishPresence(user uint64) {
	uid := protocol.Snowflake(user)
	lp := &h.presence.local
	lp.mu.Lock()
	defer lp.mu.Unlock()
	if lp.closed {
		return
	}
	p := merge(h.cfg.Sessions(user))
	last, seen := lp.published[uid]
	if (seen && last.same(p)) || (!seen && p.Status == "offline") {
		return
	}
	if p.Status == "offline" {
		delete(lp.published, uid)
	} else {
		lp.published[uid] = p
	}
	lp.seq++
	d, err := protocol.Marshal(contribution{Node: h.presence.node, Seq: lp.seq, Status: p.Status, Activities: p.Activities, ClientStatus: p.ClientStatus})
	if err != nil {
		return
	}
	b, err := protocol.Marshal(guild.Event{Type: "PRESENCE_UPDATE", ID: uid, Data: d})
	if err != nil {
		return
	}
	// A lost publish is repaired by the receivers: the next heartbeat's seq
	// shows the gap and they ask for a snapshot.
	if err := h.cfg.Broker.PublishUser(b); err != nil {
		h.log.Warn("hub: publish presence", "user", user, "err", err)
	}
}

// presenceOf implements guild.PresenceFunc from the cluster-wide merge.
func (h *Hub) presenceOf(uid protocol.Snowflake) (json.RawMessage, bool) {
	p, ok := h.presence.get(uid)
	// This node's own contribution counts before its echo comes back
	// through NATS, so a session's GUILD_CREATE always sees its own user.
	lp := &h.presence.local
	lp.mu.Lock()
	if mine, here := lp.published[uid]; here && (!ok || statusRank[mine.Status] > statusRank[p.Status]) {
		p, ok = mine, true
	}
	lp.mu.Unlock()
	if !ok {
		return nil, false
	}
	d, err := guild.PresenceUpdate(0, uid, p.Status, p.Activities, p.ClientStatus)
	if err != nil {
		return nil, false
	}
	return d, true
}

// presenceChange is a user's new merged presence, to fan out.
type presenceChange struct {
	uid protocol.Snowflake
	p   presence
}

// fanPresence dispatches PRESENCE_UPDATE for each change in every loaded
// guild the user is in: one post per guild actor per batch, however many
// users changed (a node that dies takes thousands with it).
func (h *Hub) fanPresence(changes []presenceChange) {
	if len(changes) == 0 {
		return
	}
	h.mu.Lock()
	as := make([]*actor, 0, len(h.actors))
	for _, a := range h.actors {
		as = append(as, a)
	}
	h.mu.Unlock()
	for _, a := range as {
		a.post(true, func(a *actor) {
			if a.state == nil {
				return
			}
			for _, c := range changes {
				if !a.state.HasMember(c.uid) {
					continue
				}
				d, err := guild.PresenceUpdate(a.id, c.uid, c.p.Status, c.p.Activities, c.p.ClientStatus)
				if err != nil {
					continue
				}
				a.fanout("PRESENCE_UPDATE", d, a.state.Audience("PRESENCE_UPDATE", 0, c.uid), c.uid)
			}
			a.lazyPresenceChanges(changes)
		})
	}
}
