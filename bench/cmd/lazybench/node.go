package main

import (
	"context"
	"encoding/json"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"

	"gatehouse/cluster"
	"gatehouse/core/broker"
	"gatehouse/core/hub"
)

// Statuses a stand-in user can have.
const (
	stOffline uint8 = iota
	stOnline
	stIdle
	stDnd
)

var statusNames = [...]string{"offline", "online", "idle", "dnd"}

// activity kinds: what an online user shows besides the status, fixed
// per user: nothing, a custom status or a game.
var activities = []json.RawMessage{
	json.RawMessage(`[]`),
	json.RawMessage(`[{"name":"Custom Status","type":4,"state":"grinding ranked, dm me","emoji":{"name":"🎮"}}]`),
	json.RawMessage(`[{"name":"Minecraft","type":0,"created_at":1718000000000}]`),
}

// node stands in for another gateway node of the cluster: it publishes,
// on the NATS user subject and with the hub's own wire (core/hub's
// exported encoders), the presence of the users whose sessions would be
// on it — heartbeats, a snapshot when asked, and one contribution per
// change — the way a real node does. So a million members need no million
// sockets: the gateway under test sees the presence traffic of a cluster
// in which it holds 1,000 of the sessions.
//
// Concurrency: mu serialises seq and the publishes that carry it, so the
// gateway sees contributions numbered without gaps and heartbeats that
// never run ahead of them.
type node struct {
	id   string
	nc   *nats.Conn
	br   *cluster.NATSBroker
	sub  broker.Subscription
	l    layout
	seed uint64

	mu     sync.Mutex
	seq    uint64
	status []uint8 // per stand-in user j
	online []int32 // users not offline, in no order
	pos    []int32 // j's index in online, -1 when offline
	rng    *rand.Rand
	onSt   [3]float64 // cumulative weights of online, idle, dnd

	syncRequests atomic.Int64 // snapshot requests addressed to this node
	snapshots    atomic.Int64 // snapshots sent
	published    atomic.Int64 // contributions sent
	pubErrors    atomic.Int64
	hbStop       chan struct{}
	hbDone       chan struct{}
}

// newNode connects to NATS as node id with onlineFrac of its users online
// (status online 70 %, idle 20 %, dnd 10 %).
func newNode(url, id string, l layout, onlineFrac float64, seed uint64) (*node, error) {
	// NoEcho: the node does not read back its own 10,000 messages a second.
	nc, err := nats.Connect(url, nats.Name("lazybench-node"), nats.NoEcho())
	if err != nil {
		return nil, err
	}
	n := &node{
		id: id, nc: nc, br: cluster.NewNATSBroker(nc, 1<<16, 64<<20), l: l, seed: seed,
		status: make([]uint8, l.nodeUsers()), pos: make([]int32, l.nodeUsers()),
		rng:    rand.New(rand.NewPCG(seed, 0x1a2b)),
		onSt:   [3]float64{0.7, 0.9, 1},
		hbStop: make(chan struct{}), hbDone: make(chan struct{}),
	}
	for j := range n.pos {
		n.pos[j] = -1
	}
	for j := range n.status {
		if n.rng.Float64() < onlineFrac {
			n.setStatus(j, n.onlineStatus())
		}
	}
	// It says it has published one contribution (the state above): the
	// gateway asks for a snapshot when it first hears the heartbeat.
	n.seq = 1
	n.sub, err = n.br.SubscribeUsers(n.onUserEvent)
	if err != nil {
		nc.Close()
		return nil, err
	}
	go n.heartbeats()
	return n, nil
}

// onlineStatus draws online, idle or dnd. mu held (or before start).
func (n *node) onlineStatus() uint8 {
	x := n.rng.Float64()
	switch {
	case x < n.onSt[0]:
		return stOnline
	case x < n.onSt[1]:
		return stIdle
	}
	return stDnd
}

// setStatus updates user j's status and the online set. mu held.
func (n *node) setStatus(j int, st uint8) {
	was := n.status[j]
	n.status[j] = st
	switch {
	case was == stOffline && st != stOffline:
		n.pos[j] = int32(len(n.online))
		n.online = append(n.online, int32(j))
	case was != stOffline && st == stOffline:
		i := n.pos[j]
		last := n.online[len(n.online)-1]
		n.online[i], n.pos[last] = last, i
		n.online = n.online[:len(n.online)-1]
		n.pos[j] = -1
	}
}

// presence is user j's presence now. mu held.
func (n *node) presence(j int) hub.NodePresence {
	p := hub.NodePresence{User: nodeBase + uint64(j), Status: statusNames[n.status[j]]}
	if n.status[j] != stOffline {
		p.Activities = activities[mix(n.seed, uint64(j), 3)%uint64(len(activities))]
	}
	return p
}

// Online is how many stand-in users are online now.
func (n *node) Online() int {
	n.mu.Lock()
	defer n.mu.Unlock()
	return len(n.online)
}

// onUserEvent answers the snapshot requests addressed to this node (on
// the subscription's goroutine).
func (n *node) onUserEvent(ev []byte) {
	target, _, ok := hub.DecodeSnapshotRequest(ev)
	if !ok || target != n.id {
		return
	}
	n.syncRequests.Add(1)
	n.mu.Lock()
	defer n.mu.Unlock()
	users := make([]hub.NodePresence, 0, len(n.online))
	for _, j := range n.online {
		users = append(users, n.presence(int(j)))
	}
	parts, err := hub.EncodeNodeSnapshot(n.id, n.seq, users)
	if err != nil {
		n.pubErrors.Add(1)
		return
	}
	for _, p := range parts {
		if n.br.PublishUser(p) != nil {
			n.pubErrors.Add(1)
		}
	}
	n.snapshots.Add(1)
}

// heartbeats announces the node every second, as a gateway does by
// default (--node-heartbeat 1s; the gateway drops a node silent for 5 s).
func (n *node) heartbeats() {
	defer close(n.hbDone)
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		n.heartbeat()
		select {
		case <-t.C:
		case <-n.hbStop:
			return
		}
	}
}

func (n *node) heartbeat() {
	n.mu.Lock()
	defer n.mu.Unlock()
	b, err := hub.EncodeNodeHeartbeat(n.id, n.seq)
	if err == nil {
		err = n.br.PublishUser(b)
	}
	if err != nil {
		n.pubErrors.Add(1)
	}
}

// change makes one presence change and publishes it. mu held. The mix
// keeps the online count steady: 40 % an online user goes offline, 40 %
// an offline one comes online, 20 % an online one changes status.
func (n *node) change() {
	x := n.rng.Float64()
	var j int
	switch {
	case x < 0.4 && len(n.online) > 0:
		j = int(n.online[n.rng.IntN(len(n.online))])
		n.setStatus(j, stOffline)
	case x < 0.8 || len(n.online) == 0:
		for {
			j = n.rng.IntN(len(n.status))
			if n.status[j] == stOffline {
				break
			}
		}
		n.setStatus(j, n.onlineStatus())
	default:
		j = int(n.online[n.rng.IntN(len(n.online))])
		st := n.status[j]
		for st == n.status[j] {
			st = n.onlineStatus()
		}
		n.setStatus(j, st)
	}
	n.seq++
	b, err := hub.EncodeContribution(n.id, n.seq, n.presence(j))
	if err == nil {
		err = n.br.PublishUser(b)
	}
	if err != nil {
		n.pubErrors.Add(1)
		return
	}
	n.published.Add(1)
}

// churn publishes rate changes a second for d, in steps of 5 ms, catching
// up after any stall so the count is right over the whole window. It
// returns how many it published and how long it took.
func (n *node) churn(ctx context.Context, rate float64, d time.Duration) (int64, time.Duration) {
	start := time.Now()
	t := time.NewTicker(5 * time.Millisecond)
	defer t.Stop()
	var sent int64
	for {
		el := time.Since(start)
		if el > d {
			el = d
		}
		due := int64(el.Seconds() * rate)
		if due > sent {
			n.mu.Lock()
			for ; sent < due; sent++ {
				n.change()
			}
			n.mu.Unlock()
		}
		if el >= d || ctx.Err() != nil {
			_ = n.nc.Flush()
			return sent, time.Since(start)
		}
		select {
		case <-t.C:
		case <-ctx.Done():
		}
	}
}

// close stops the heartbeats and leaves NATS (the gateway drops the
// node's users after its TTL; the run is over by then).
func (n *node) close() {
	close(n.hbStop)
	<-n.hbDone
	_ = n.sub.Unsubscribe()
	n.nc.Close()
}
