package hub

import (
	"crypto/rand"
	"encoding/hex"
	"sync"
	"sync/atomic"
	"time"

	"gatehouse/core/guild"
	"gatehouse/core/protocol"
)

// presences is the cluster-wide presence view of this node. Every node
// publishes, per user, its own contribution (the merge of the user's
// sessions there) keyed by (user, node), and announces itself with a
// heartbeat; every node merges all contributions into one presence per
// user. A node silent for the TTL, or one that says goodbye, stops
// counting: its contributions are dropped and the merged presences that
// change are dispatched. See docs/deploy.md for the wire.
//
// Concurrency: merged is guarded by mu (read by any goroutine through
// get). peers and byUser belong to the table goroutine (runTable), which
// also does every fan-out, so PRESENCE_UPDATEs for a user leave in the
// order their causes arrived. The local side (local) has its own mutex.
type presences struct {
	node string
	hb   time.Duration
	ttl  time.Duration

	local localPresence

	mu     sync.Mutex
	merged map[protocol.Snowflake]presence // non-offline users only

	in         chan presenceInput
	syncWanted atomic.Bool // a peer asked this node for a snapshot
	warm       atomic.Bool // every peer heard from has been synced (PresenceWarm)
	started    time.Time
	hbStop     chan struct{} // ends the heartbeat goroutine
	hbDone     chan struct{}
	stopOnce   sync.Once

	// Table goroutine only.
	peers  map[string]*peer
	byUser map[protocol.Snowflake]map[string]struct{} // user → nodes contributing
}

// presenceInput is a user-subject event for the table, stamped when it
// arrived (a backlog in front of the table must not age a live peer).
type presenceInput struct {
	at time.Time
	ev guild.Event
}

// peer is what this node knows of one node's contributions.
type peer struct {
	seen   time.Time // last message from it
	seq    uint64    // its last contribution seq applied
	known  bool      // seq holds something heard from it
	synced bool      // every contribution up to seq is applied
	asked  time.Time // last snapshot request
	users  map[protocol.Snowflake]presence

	snap    map[protocol.Snowflake]presence // snapshot being assembled
	snapSeq uint64
	snapGot int
}

func newPresences(cfg Config) *presences {
	node := cfg.NodeID
	if node == "" {
		var b [6]byte
		_, _ = rand.Read(b[:])
		node = hex.EncodeToString(b[:])
	}
	return &presences{
		node: node, hb: cfg.NodeHeartbeat, ttl: cfg.NodeTTL, started: time.Now(),
		local:  localPresence{published: make(map[protocol.Snowflake]presence)},
		merged: make(map[protocol.Snowflake]presence),
		in:     make(chan presenceInput, 4096),
		hbStop: make(chan struct{}),
		hbDone: make(chan struct{}),
		peers:  make(map[string]*peer),
		byUser: make(map[protocol.Snowflake]map[string]struct{}),
	}
}

// get is a user's merged presence; false when offline.
func (p *presences) get(uid protocol.Snowflake) (presence, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	v, ok := p.merged[uid]
	return v, ok
}

// NodeID is this node's name in cross-node presence.
func (h *Hub) NodeID() string { return h.presence.node }

// PresenceWarm reports whether this node knows the cluster's presence: two
// heartbeat intervals have passed since start (every live node has been
// heard) and every node heard from has sent its snapshot — or the node TTL
// has passed on top of that, since a peer that never answers must not keep
// this node unready forever. Until then a GUILD_CREATE would list too few
// presences, so the node reports itself unready. Once true it stays true.
// Any goroutine.
func (h *Hub) PresenceWarm() bool { return h.presence.warm.Load() }

// checkWarm latches warm once the conditions of PresenceWarm hold. Table
// goroutine only.
func (h *Hub) checkWarm(now time.Time) {
	p := h.presence
	since := now.Sub(p.started)
	if p.warm.Load() || since < 2*p.hb {
		return
	}
	var waiting []string
	for node, pr := range p.peers {
		if !pr.synced {
			waiting = append(waiting, node)
		}
	}
	if len(waiting) > 0 && since < 2*p.hb+p.ttl {
		return
	}
	if len(waiting) > 0 {
		h.log.Warn("hub: ready without every node's presence snapshot", "nodes", waiting)
	}
	p.warm.Store(true)
}

// startPresence runs the table and heartbeat goroutines.
func (h *Hub) startPresence() {
	h.wg.Add(1)
	go h.runTable()
	go h.runHeartbeat()
}

// stopPresence stops heartbeats and tells the other nodes this one is
// gone, so they drop its users at once rather than after the TTL.
func (h *Hub) stopPresence() {
	p := h.presence
	p.stopOnce.Do(func() {
		close(p.hbStop)
		<-p.hbDone
		h.publishNode(nodeMsg{Kind: nodeDown}, true)
	})
}

// onPresenceEvent queues a presence event for the table goroutine. Runs on
// the broker's goroutine; blocks when the table is behind (backpressure
// into the subscription's bounded queue, as the actors do).
func (h *Hub) onPresenceEvent(ev *guild.Event) {
	select {
	case h.presence.in <- presenceInput{at: time.Now(), ev: *ev}:
	case <-h.ctx.Done():
	}
}

// runTable is the table goroutine: apply events, and expire silent peers
// once the queue is empty (a heartbeat may be waiting in it). Warmth is
// checked after every event and on idle ticks.
func (h *Hub) runTable() {
	defer h.wg.Done()
	p := h.presence
	every := min(max(p.ttl/4, 50*time.Millisecond), time.Second)
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case in := <-p.in:
			h.apply(in)
			// Everything that arrived before in has been applied (the
			// queue is FIFO), so its stamp may stand for now: warmth
			// must not wait for a tick that finds the queue empty,
			// which a steady stream of heartbeats on a loaded machine
			// can postpone past any deadline.
			h.checkWarm(in.at)
		case now := <-tick.C:
			if len(p.in) == 0 {
				h.expire(now)
				h.checkWarm(now)
			}
		case <-h.ctx.Done():
			return
		}
	}
}

// peer returns the record of node, creating it, and marks it seen at.
func (p *presences) peer(node string, at time.Time) *peer {
	pr := p.peers[node]
	if pr == nil {
		pr = &peer{users: make(map[protocol.Snowflake]presence)}
		p.peers[node] = pr
	}
	if at.After(pr.seen) {
		pr.seen = at
	}
	return pr
}

// apply handles one user-subject presence event. Table goroutine only.
func (h *Hub) apply(in presenceInput) {
	p := h.presence
	switch in.ev.Type {
	case "PRESENCE_UPDATE":
		var c contribution
		if err := protocol.Unmarshal(in.ev.Data, &c); err != nil || c.Node == "" {
			h.log.Warn("hub: undecodable presence", "err", err)
			return
		}
		pr := p.peer(c.Node, in.at)
		switch {
		case pr.synced && c.Seq == pr.seq+1:
		case !pr.known && c.Seq == 1: // its first contribution: nothing before it
			pr.synced = true
		default:
			pr.synced = false
		}
		pr.known, pr.seq = true, c.Seq
		if pr.snap != nil && c.Seq > pr.snapSeq {
			pr.snap = nil // a part was lost; the next request starts over
		}
		h.fanPresence(h.contribute(c.Node, pr, in.ev.ID, c.presence(), nil))
		if !pr.synced {
			h.askSnapshot(c.Node, pr, in.at)
		}
	case "PRESENCE_NODE":
		var m nodeMsg
		if err := protocol.Unmarshal(in.ev.Data, &m); err != nil || m.Node == "" {
			h.log.Warn("hub: undecodable node message", "err", err)
			return
		}
		h.applyNode(&m, in.at)
	}
}

// applyNode handles heartbeats, snapshot requests, snapshots and goodbyes.
func (h *Hub) applyNode(m *nodeMsg, at time.Time) {
	p := h.presence
	switch m.Kind {
	case nodeHeartbeat:
		pr := p.peer(m.Node, at)
		switch {
		case !pr.known && m.Seq == 0: // nothing published yet
			pr.known, pr.synced = true, true
			h.log.Info("hub: presence peer joined", "node", m.Node)
		case pr.synced && m.Seq != pr.seq:
			pr.synced = false // a contribution went missing
		}
		if !pr.synced {
			h.askSnapshot(m.Node, pr, at)
		}
	case nodeSync:
		p.peer(m.Node, at)
		if m.Target == p.node {
			p.syncWanted.Store(true)
		}
	case nodeSnapshot:
		h.applySnapshot(m, at)
	case nodeDown:
		if m.Node != p.node {
			h.dropPeer(m.Node, "node said goodbye")
		}
	}
}

// applySnapshot assembles a node's snapshot, part by part, and replaces its
// contributions once every part is in.
func (h *Hub) applySnapshot(m *nodeMsg, at time.Time) {
	pr := h.presence.peer(m.Node, at)
	if pr.synced && pr.known && m.Seq == pr.seq {
		return // another node asked; this one is current
	}
	if m.Part == 0 {
		pr.snap, pr.snapSeq, pr.snapGot = make(map[protocol.Snowflake]presence), m.Seq, 0
	} else if pr.snap == nil || pr.snapSeq != m.Seq || m.Part != pr.snapGot {
		pr.snap = nil
		return
	}
	for _, u := range m.Users {
		pr.snap[u.ID] = presence{Status: u.Status, Activities: u.Activities, ClientStatus: u.ClientStatus}
	}
	pr.snapGot++
	if pr.snapGot < m.Parts {
		return
	}
	snap := pr.snap
	pr.snap = nil
	var changes []presenceChange
	for uid := range pr.users {
		if _, ok := snap[uid]; !ok {
			changes = h.contribute(m.Node, pr, uid, offline, changes)
		}
	}
	for uid, v := range snap {
		changes = h.contribute(m.Node, pr, uid, v, changes)
	}
	pr.known, pr.synced, pr.seq = true, true, m.Seq
	h.fanPresence(changes)
}

// askSnapshot asks node for all its contributions: at once the first
// time, then at most once per heartbeat interval or quarter TTL, whichever
// is longer, so that a large snapshot still on its way is not asked for
// again and again.
func (h *Hub) askSnapshot(node string, pr *peer, now time.Time) {
	if now.Sub(pr.asked) < max(h.presence.hb, h.presence.ttl/4) {
		return
	}
	pr.asked = now
	h.publishNode(nodeMsg{Kind: nodeSync, Target: node}, false)
}

// contribute records node's presence for uid and appends the user's new
// merged presence to changes when it changed. Table goroutine only.
func (h *Hub) contribute(node string, pr *peer, uid protocol.Snowflake, v presence, changes []presenceChange) []presenceChange {
	p := h.presence
	if v.Status == "offline" || v.Status == "invisible" || v.Status == "" {
		if _, ok := pr.users[uid]; !ok {
			return changes
		}
		delete(pr.users, uid)
		if ns := p.byUser[uid]; ns != nil {
			delete(ns, node)
			if len(ns) == 0 {
				delete(p.byUser, uid)
			}
		}
	} else {
		if old, ok := pr.users[uid]; ok && old.same(v) {
			return changes
		}
		pr.users[uid] = v
		ns := p.byUser[uid]
		if ns == nil {
			ns = make(map[string]struct{}, 1)
			p.byUser[uid] = ns
		}
		ns[node] = struct{}{}
	}
	return h.remerge(uid, changes)
}

// remerge recomputes uid's merged presence from every node's contribution.
func (h *Hub) remerge(uid protocol.Snowflake, changes []presenceChange) []presenceChange {
	p := h.presence
	best, rank, from := offline, -1, ""
	for node := range p.byUser[uid] {
		v := p.peers[node].users[uid]
		// Equal ranks: the lowest node id wins, so every node picks the
		// same activities.
		if r := statusRank[v.Status]; r > rank || (r == rank && node < from) {
			best, rank, from = v, r, node
		}
	}
	p.mu.Lock()
	old, had := p.merged[uid]
	if best.Status == "offline" {
		delete(p.merged, uid)
	} else {
		p.merged[uid] = best
	}
	p.mu.Unlock()
	if (had && old.same(best)) || (!had && best.Status == "offline") {
		return changes
	}
	return append(changes, presenceChange{uid, best})
}

// dropPeer forgets node and everything it contributed.
func (h *Hub) dropPeer(node, why string) {
	p := h.presence
	pr := p.peers[node]
	if pr == nil {
		return
	}
	delete(p.peers, node)
	var changes []presenceChange
	for uid := range pr.users {
		if ns := p.byUser[uid]; ns != nil {
			delete(ns, node)
			if len(ns) == 0 {
				delete(p.byUser, uid)
			}
		}
		changes = h.remerge(uid, changes)
	}
	h.log.Info("hub: presence peer dropped", "node", node, "why", why, "users", len(pr.users), "changed", len(changes))
	h.fanPresence(changes)
}

// expire drops every other node silent for longer than the TTL. This node
// never expires itself: its own sessions are here whatever NATS says.
func (h *Hub) expire(now time.Time) {
	p := h.presence
	for node, pr := range p.peers {
		if node != p.node && now.Sub(pr.seen) > p.ttl {
			h.dropPeer(node, "no heartbeat within the node TTL")
		}
	}
}
