package hub

import (
	"encoding/json"

	"gatehouse/core/guild"
	"gatehouse/core/protocol"
)

// NodePresence is one user's presence as a node contributes it: what
// another gateway node publishes on the user subject when the merge of the
// user's sessions there changes. Status "offline" withdraws it.
type NodePresence struct {
	User         uint64
	Status       string          // online, idle, dnd, offline
	Activities   json.RawMessage // nil: []
	ClientStatus json.RawMessage // nil: {"desktop": status}, or {} when offline
}

// wire fills the defaults a node's merge would give.
func (p NodePresence) wire() userPresence {
	u := userPresence{ID: protocol.Snowflake(p.User), Status: p.Status, Activities: p.Activities, ClientStatus: p.ClientStatus}
	if u.Activities == nil {
		u.Activities = json.RawMessage("[]")
	}
	if u.ClientStatus == nil {
		u.ClientStatus = json.RawMessage("{}")
		if p.Status != "offline" {
			u.ClientStatus = json.RawMessage(`{"desktop":"` + p.Status + `"}`)
		}
	}
	return u
}

// EncodeContribution is the user-subject message (broker.PublishUser) with
// which node announces its seq-th contribution: p. A node numbers its
// contributions 1, 2, ... with no gap; a receiver that sees one asks for a
// snapshot. This is what another node's Hub publishes, for programs that
// stand in for a node (the lazy member list benchmark).
func EncodeContribution(node string, seq uint64, p NodePresence) ([]byte, error) {
	u := p.wire()
	d, err := protocol.Marshal(contribution{Node: node, Seq: seq, Status: u.Status, Activities: u.Activities, ClientStatus: u.ClientStatus})
	if err != nil {
		return nil, err
	}
	return protocol.Marshal(guild.Event{Type: "PRESENCE_UPDATE", ID: u.ID, Data: d})
}

// EncodeNodeHeartbeat is node's heartbeat: alive, last contribution seq.
// A receiver that has not applied seq asks node for a snapshot.
func EncodeNodeHeartbeat(node string, seq uint64) ([]byte, error) {
	return encodeNodeMsg(nodeMsg{Kind: nodeHeartbeat, Node: node, Seq: seq})
}

// EncodeNodeSnapshot is node's snapshot as of seq: every user it
// contributes (offline ones are left out), in the parts a Hub sends,
// split as publishSnapshot splits them (snapshotParts).
func EncodeNodeSnapshot(node string, seq uint64, users []NodePresence) ([][]byte, error) {
	var us []userPresence
	for _, p := range users {
		if p.Status != "offline" {
			us = append(us, p.wire())
		}
	}
	parts := snapshotParts(us)
	out := make([][]byte, 0, len(parts))
	for i, part := range parts {
		b, err := encodeNodeMsg(nodeMsg{Kind: nodeSnapshot, Node: node, Seq: seq, Part: i, Parts: len(parts), Users: part})
		if err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, nil
}

// DecodeSnapshotRequest reads a user-subject message and returns the node
// asked for a snapshot, and which node asked; ok is false for any other
// message (or one that does not decode).
func DecodeSnapshotRequest(ev []byte) (target, from string, ok bool) {
	var e guild.Event
	if protocol.Unmarshal(ev, &e) != nil || e.Type != "PRESENCE_NODE" {
		return "", "", false
	}
	var m nodeMsg
	if protocol.Unmarshal(e.Data, &m) != nil || m.Kind != nodeSync || m.Target == "" {
		return "", "", false
	}
	return m.Target, m.Node, true
}

func encodeNodeMsg(m nodeMsg) ([]byte, error) {
	d, err := protocol.Marshal(m)
	if err != nil {
		return nil, err
	}
	return protocol.Marshal(guild.Event{Type: "PRESENCE_NODE", Data: d})
}
