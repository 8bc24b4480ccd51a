package hub

import (
	"encoding/json"
	"time"

	"gatehouse/core/protocol"
)

// nodeMsg is the d of a PRESENCE_NODE event on the user subject: how nodes
// keep each other's presence contributions complete and current.
type nodeMsg struct {
	Kind string `json:"kind"`
	Node string `json:"node"` // sender
	// Seq is the sender's last contribution seq (heartbeat, snapshot).
	Seq uint64 `json:"seq,omitempty"`
	// Target is the node asked for a snapshot (sync).
	Target string `json:"target,omitempty"`
	// Part of Parts, and the users in this part (snapshot).
	Part  int            `json:"part,omitempty"`
	Parts int            `json:"parts,omitempty"`
	Users []userPresence `json:"users,omitempty"`
}

// Kinds of nodeMsg.
const (
	nodeHeartbeat = "heartbeat" // I am alive; my last seq is Seq
	nodeSync      = "sync"      // Target: send a snapshot
	nodeSnapshot  = "snapshot"  // all my contributions as of Seq
	nodeDown      = "down"      // I am leaving: drop my contributions
)

// userPresence is one user in a snapshot.
type userPresence struct {
	ID           protocol.Snowflake `json:"id"`
	Status       string             `json:"status"`
	Activities   json.RawMessage    `json:"activities"`
	ClientStatus json.RawMessage    `json:"client_status"`
}

// snapshotPart and snapshotPartBytes bound one snapshot message: about
// 100 B per user without activities, so a part stays far below NATS's 1 MB
// default max payload; users with large activities close a part sooner.
const (
	snapshotPart      = 2000
	snapshotPartBytes = 256 << 10
)

// publishNode sends a node message from this node. last marks the goodbye:
// after it, this node publishes no more contributions.
func (h *Hub) publishNode(m nodeMsg, last bool) {
	lp := &h.presence.local
	lp.mu.Lock()
	defer lp.mu.Unlock()
	if lp.closed {
		return
	}
	lp.closed = last
	h.publishNodeLocked(m)
}

// publishNodeLocked sends m stamped with this node's id and seq.
// local.mu held, so Seq is consistent with the contributions sent so far.
func (h *Hub) publishNodeLocked(m nodeMsg) {
	m.Node = h.presence.node
	if m.Kind == nodeHeartbeat || m.Kind == nodeSnapshot {
		m.Seq = h.presence.local.seq
	}
	b, err := encodeNodeMsg(m)
	if err != nil {
		return
	}
	if err := h.cfg.Broker.PublishUser(b); err != nil {
		h.log.Warn("hub: publish node presence", "kind", m.Kind, "err", err)
	}
}

// runHeartbeat announces this node every NodeHeartbeat and answers
// snapshot requests (coalesced: many requests within a short while get one
// snapshot, which every node hears). It is separate from the table
// goroutine so that a table busy fanning out never delays a heartbeat.
func (h *Hub) runHeartbeat() {
	p := h.presence
	defer close(p.hbDone)
	h.publishNode(nodeMsg{Kind: nodeHeartbeat}, false)
	hb := time.NewTicker(p.hb)
	defer hb.Stop()
	poll := time.NewTicker(min(p.hb, 100*time.Millisecond))
	defer poll.Stop()
	for {
		select {
		case <-hb.C:
			h.publishNode(nodeMsg{Kind: nodeHeartbeat}, false)
		case <-poll.C:
			if p.syncWanted.Swap(false) {
				h.publishSnapshot()
			}
		case <-p.hbStop:
			return
		}
	}
}

// publishSnapshot sends every contribution of this node, in parts.
func (h *Hub) publishSnapshot() {
	lp := &h.presence.local
	lp.mu.Lock()
	defer lp.mu.Unlock()
	if lp.closed {
		return
	}
	users := make([]userPresence, 0, len(lp.published))
	for uid, v := range lp.published {
		users = append(users, userPresence{ID: uid, Status: v.Status, Activities: v.Activities, ClientStatus: v.ClientStatus})
	}
	parts := snapshotParts(users)
	for i, part := range parts {
		h.publishNodeLocked(nodeMsg{Kind: nodeSnapshot, Part: i, Parts: len(parts), Users: part})
	}
}

// snapshotParts splits a snapshot's users into the parts it is sent in: at
// most snapshotPart users and about snapshotPartBytes each. There is always
// at least one part (maybe empty), so a receiver learns the snapshot's end.
func snapshotParts(users []userPresence) [][]userPresence {
	var parts [][]userPresence
	var cur []userPresence
	size := 0
	for _, u := range users {
		n := 96 + len(u.Activities) + len(u.ClientStatus)
		if len(cur) > 0 && (len(cur) == snapshotPart || size+n > snapshotPartBytes) {
			parts, cur, size = append(parts, cur), nil, 0
		}
		cur, size = append(cur, u), size+n
	}
	return append(parts, cur)
}
