package hub

import (
	"bytes"
	"encoding/json"
	"sync"

	"gatehouse/core/guild"
	"gatehouse/core/protocol"
	"gatehouse/core/session"
)

// presences is the node's view of user presence: every PRESENCE_UPDATE
// seen on the broker (from any node), plus what this node last published
// for its own users. Guarded by mu; any goroutine.
type presences struct {
	mu        sync.Mutex
	m         map[protocol.Snowflake]*presence // online users only
	published map[protocol.Snowflake]string    // last status this node published
}

type presence struct {
	Status       string          `json:"status"`
	Activities   json.RawMessage `json:"activities"`
	ClientStatus json.RawMessage `json:"client_status"`
}

// statusRank orders statuses for merging a user's sessions: the most
// present wins. invisible merges as offline: others must not see it.
var statusRank = map[string]int{"online": 4, "dnd": 3, "idle": 2, "invisible": 1, "offline": 0}

// merge folds a user's sessions into one presence.
func merge(ss []*session.Session) presence {
	best := presence{Status: "offline", Activities: json.RawMessage("[]"), ClientStatus: json.RawMessage("{}")}
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

// OnPresence implements session.Config.OnPresence (and runs after READY and
// at session end): recompute the user's presence over this node's sessions
// and publish it when it changed.
func (h *Hub) OnPresence(s *session.Session) { h.publishPresence(s.UserID) }

func (h *Hub) publishPresence(user uint64) {
	p := merge(h.cfg.Sessions(user))
	uid := protocol.Snowflake(user)
	key := p.Status + string(p.Activities)
	h.presence.mu.Lock()
	if h.presence.published == nil {
		h.presence.published = make(map[protocol.Snowflake]string)
	}
	last, seen := h.presence.published[uid]
	if (seen && last == key) || (!seen && p.Status == "offline") {
		h.presence.mu.Unlock()
		return
	}
	if p.Status == "offline" {
		delete(h.presence.published, uid)
	} else {
		h.presence.published[uid] = key
	}
	h.presence.mu.Unlock()
	d, err := protocol.Marshal(p)
	if err != nil {
		return
	}
	b, err := protocol.Marshal(guild.Event{Type: "PRESENCE_UPDATE", ID: uid, Data: d})
	if err != nil {
		return
	}
	if err := h.cfg.Broker.PublishUser(b); err != nil {
		h.log.Warn("hub: publish presence", "user", user, "err", err)
	}
}

// onPresenceEvent records a presence and fans PRESENCE_UPDATE out in every
// loaded guild the user is in.
func (h *Hub) onPresenceEvent(ev *guild.Event) {
	var p presence
	if err := protocol.Unmarshal(ev.Data, &p); err != nil {
		return
	}
	uid := ev.ID
	h.presence.mu.Lock()
	if old := h.presence.m[uid]; old != nil && old.Status == p.Status && bytes.Equal(old.Activities, p.Activities) {
		h.presence.mu.Unlock()
		return
	}
	if p.Status == "offline" {
		delete(h.presence.m, uid)
	} else {
		h.presence.m[uid] = &p
	}
	h.presence.mu.Unlock()
	h.mu.Lock()
	as := make([]*actor, 0, len(h.actors))
	for _, a := range h.actors {
		as = append(as, a)
	}
	h.mu.Unlock()
	for _, a := range as {
		a.post(true, func(a *actor) {
			if a.state == nil || !a.state.HasMember(uid) {
				return
			}
			d, err := guild.PresenceUpdate(a.id, uid, p.Status, p.Activities, p.ClientStatus)
			if err != nil {
				return
			}
			a.fanout("PRESENCE_UPDATE", d, a.state.Audience("PRESENCE_UPDATE", 0, uid), uid)
		})
	}
}

// presenceOf implements guild.PresenceFunc from the presence table.
func (h *Hub) presenceOf(uid protocol.Snowflake) (json.RawMessage, bool) {
	h.presence.mu.Lock()
	p := h.presence.m[uid]
	h.presence.mu.Unlock()
	if p == nil {
		return nil, false
	}
	d, err := guild.PresenceUpdate(0, uid, p.Status, p.Activities, p.ClientStatus)
	if err != nil {
		return nil, false
	}
	return d, true
}
