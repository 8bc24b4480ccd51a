package main

import (
	"bytes"
	"fmt"
	"log/slog"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"

	"gatehouse/cmd/gatehouse/clustertest"
)

// The benchmark guild.
const (
	benchGuild   = 700000
	benchChannel = 700010
	benchOwner   = 700001
	userBase     = 710000
)

// nodeArgs: every privileged intent granted, no identify limit, heartbeats
// rare enough not to matter, quiet logs.
var nodeArgs = []string{
	"--grant-intents", "33026", "--max-concurrency", "64", "--identify-window", "1ms",
	"--heartbeat-interval", "30s", "--log-level", "warn",
}

// Stats summarise latencies in milliseconds.
type Stats struct {
	N   int     `json:"n"`
	P50 float64 `json:"p50_ms"`
	P90 float64 `json:"p90_ms"`
	P99 float64 `json:"p99_ms"`
	Max float64 `json:"max_ms"`
}

// Scenario is one deployment's figures.
type Scenario struct {
	Nodes          int            `json:"nodes"`
	Sessions       map[string]int `json:"sessions_per_node"`
	LatencyEvents  int            `json:"latency_events"`
	LatencyMissing int            `json:"latency_missing_deliveries"`
	// Latency is ingest POST start → MESSAGE_CREATE read by the client:
	// "ingest node" for clients on the node that took the POST, "other
	// nodes" for the rest (cross-node), "all".
	Latency map[string]Stats `json:"latency"`

	BurstEvents      int     `json:"burst_events"`
	BurstDeliveries  int64   `json:"burst_deliveries"`
	BurstSeconds     float64 `json:"burst_seconds"`
	EventsPerSec     float64 `json:"burst_events_per_s"`
	DeliveriesPerSec float64 `json:"burst_deliveries_per_s"`
	BurstFailed      int     `json:"burst_failed_posts"`

	// NATS: what one guild event costs on the bus.
	PublishesPerEvent float64 `json:"nats_publishes_per_event"`
	NodeSubscriptions int     `json:"nats_node_subscriptions_on_guild_subject"`
	// GuildMsgsPerEvent: messages delivered through the nodes'
	// subscriptions on the guild subject, per event.
	GuildMsgsPerEvent float64 `json:"nats_guild_messages_to_nodes_per_event"`
	// NodeMsgsPerEvent: every message delivered to the nodes per event,
	// the ingesting node's JetStream request replies included.
	NodeMsgsPerEvent    float64 `json:"nats_all_messages_to_nodes_per_event"`
	IdleNodeMsgsPerSec  float64 `json:"nats_idle_messages_to_nodes_per_s"`
	SessionsOnGuild     int     `json:"sessions_in_guild"`
	ConnectSeconds      float64 `json:"connect_seconds"`
	LatencyPostErrors   int     `json:"latency_post_errors"`
	LatencySecondsTaken float64 `json:"latency_phase_seconds"`
}

// bench is one scenario's moving parts.
type bench struct {
	c       *clustertest.Cluster
	p       Params
	clients []*clustertest.Client
	local   []atomic.Bool  // client i sits on the ingesting node
	sent    []atomic.Int64 // seq → POST start, unix ns

	mu       sync.Mutex
	lat      map[string][]float64
	latCount atomic.Int64
	burstN   atomic.Int64
	lastAt   atomic.Int64
	firstLat int // seqs ≤ this are the latency phase
}

func runScenario(bin, dir string, nodes int, p Params, log *slog.Logger) (sc Scenario, err error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return sc, err
	}
	c, err := clustertest.Start(bin, dir, clustertest.Options{Nodes: nodes, NodeArgs: nodeArgs, Logger: log})
	if err != nil {
		return sc, err
	}
	defer c.Close()
	b := &bench{c: c, p: p, local: make([]atomic.Bool, p.Clients), sent: make([]atomic.Int64, 1<<21),
		lat: map[string][]float64{}, firstLat: p.LatencyEvents}
	sc.Nodes = nodes
	if err := b.setup(); err != nil {
		return sc, err
	}
	start := time.Now()
	if err := b.connect(); err != nil {
		return sc, err
	}
	sc.ConnectSeconds = time.Since(start).Seconds()
	sc.Sessions = map[string]int{}
	for i, cl := range b.clients {
		node := c.NodeOf(cl.Current().Node)
		if node == nil {
			return sc, fmt.Errorf("client %d on unknown node %q", cl.User, cl.Current().Node)
		}
		sc.Sessions[node.Name]++
		b.local[i].Store(node == c.Nodes[0])
	}
	sc.SessionsOnGuild = len(b.clients)

	mon, err := newMonitor(c)
	if err != nil {
		return sc, err
	}
	defer mon.close()
	sc.NodeSubscriptions, _ = mon.guildSubs()
	idle0, t0 := mon.nodeOutMsgs(), time.Now()
	time.Sleep(3 * time.Second)
	sc.IdleNodeMsgsPerSec = float64(mon.nodeOutMsgs()-idle0) / time.Since(t0).Seconds()

	sc.LatencyEvents = p.LatencyEvents
	t1 := time.Now()
	sc.LatencyPostErrors = b.latencyPhase()
	sc.LatencySecondsTaken = time.Since(t1).Seconds()
	want := int64(p.LatencyEvents * len(b.clients))
	b.settle(func() bool { return b.latCount.Load() >= want })
	sc.LatencyMissing = int(want - b.latCount.Load())
	b.mu.Lock()
	sc.Latency = map[string]Stats{}
	var all []float64
	for k, v := range b.lat {
		sc.Latency[k] = stats(v)
		all = append(all, v...)
	}
	sc.Latency["all"] = stats(all)
	b.mu.Unlock()

	_, guild0 := mon.guildSubs()
	pub0, out0, tb := mon.published.Load(), mon.nodeOutMsgs(), time.Now()
	events, failed, posting := b.burstPhase()
	b.settle(func() bool { return b.burstN.Load() >= int64(events*len(b.clients)) })
	sc.BurstEvents, sc.BurstFailed = events, failed
	sc.BurstDeliveries = b.burstN.Load()
	last := time.Unix(0, b.lastAt.Load())
	sc.BurstSeconds = last.Sub(tb).Seconds()
	sc.EventsPerSec = float64(events) / posting.Seconds()
	sc.DeliveriesPerSec = float64(sc.BurstDeliveries) / sc.BurstSeconds
	took := time.Since(tb).Seconds()
	if events > 0 {
		sc.PublishesPerEvent = float64(mon.published.Load()-pub0) / float64(events)
		sc.NodeMsgsPerEvent = (float64(mon.nodeOutMsgs()-out0) - sc.IdleNodeMsgsPerSec*took) / float64(events)
		_, guild1 := mon.guildSubs()
		sc.GuildMsgsPerEvent = float64(guild1-guild0) / float64(events)
	}
	for _, cl := range b.clients {
		cl.Drop()
	}
	return sc, nil
}

// setup writes the guild and every client's membership through node A.
func (b *bench) setup() error {
	a := b.c.Nodes[0]
	if _, err := b.c.Must(a, "PUT", fmt.Sprintf("/users/%d", benchOwner), `{"username":"owner"}`); err != nil {
		return err
	}
	if _, err := b.c.Must(a, "PUT", fmt.Sprintf("/guilds/%d", benchGuild), fmt.Sprintf(
		`{"name":"Bench Guild","owner_id":"%d","channels":[{"id":"%d","type":0,"name":"general"}]}`, benchOwner, benchChannel)); err != nil {
		return err
	}
	var nd strings.Builder
	fmt.Fprintf(&nd, `{"user":{"id":"%d","username":"owner"}}`+"\n", benchOwner)
	for i := 0; i < b.p.Clients; i++ {
		fmt.Fprintf(&nd, `{"user":{"id":"%d","username":"u%d"}}`+"\n", userBase+i, i)
	}
	_, err := b.c.Must(a, "POST", fmt.Sprintf("/guilds/%d/members:batch", benchGuild), nd.String())
	return err
}

// connect opens every client through haproxy, 20 at a time, and waits for
// each GUILD_CREATE.
func (b *bench) connect() error {
	const intents = 1 | 1<<9 | 1<<15 // GUILDS, GUILD_MESSAGES, MESSAGE_CONTENT
	for i := 0; i < b.p.Clients; i++ {
		cl := b.c.Client(uint64(userBase+i), intents)
		cl.Discard = true
		idx := i
		cl.OnDispatch = func(_ *clustertest.Client, ev clustertest.Event) { b.observe(idx, ev) }
		b.clients = append(b.clients, cl)
	}
	for lo := 0; lo < len(b.clients); lo += 20 {
		hi := min(lo+20, len(b.clients))
		for _, cl := range b.clients[lo:hi] {
			cl.Start()
		}
		for _, cl := range b.clients[lo:hi] {
			if _, err := cl.WaitEvent(60*time.Second, "GUILD_CREATE", func(e clustertest.Event) bool { return e.T == "GUILD_CREATE" }); err != nil {
				return err
			}
		}
	}
	return nil
}

var contentSeq = []byte(`"content":"seq:`)

// observe runs on a client's reader for every dispatch: it finds the seq
// in the content and records the latency or counts the delivery.
func (b *bench) observe(idx int, ev clustertest.Event) {
	if ev.T != "MESSAGE_CREATE" {
		return
	}
	i := bytes.Index(ev.D, contentSeq)
	if i < 0 {
		return
	}
	rest := ev.D[i+len(contentSeq):]
	j := bytes.IndexByte(rest, '"')
	if j < 0 {
		return
	}
	seq, err := strconv.Atoi(string(rest[:j]))
	if err != nil || seq <= 0 || seq >= len(b.sent) {
		return
	}
	b.lastAt.Store(ev.At.UnixNano())
	if seq > b.firstLat {
		b.burstN.Add(1)
		return
	}
	sent := b.sent[seq].Load()
	if sent == 0 {
		return
	}
	ms := float64(ev.At.UnixNano()-sent) / 1e6
	k := "other nodes"
	if b.local[idx].Load() {
		k = "ingest node"
	}
	b.mu.Lock()
	b.lat[k] = append(b.lat[k], ms)
	b.mu.Unlock()
	b.latCount.Add(1)
}

// post sends message seq through node n.
func (b *bench) post(n *clustertest.Node, seq int) error {
	b.sent[seq].Store(time.Now().UnixNano())
	_, err := b.c.Must(n, "POST", fmt.Sprintf("/channels/%d/messages", benchChannel),
		fmt.Sprintf(`{"author":{"id":"%d"},"content":"seq:%d"}`, benchOwner, seq))
	return err
}

// latencyPhase posts the latency events through node A at the set rate.
func (b *bench) latencyPhase() (errs int) {
	every := time.Duration(float64(time.Second) / b.p.LatencyRate)
	next := time.Now()
	for seq := 1; seq <= b.p.LatencyEvents; seq++ {
		time.Sleep(time.Until(next))
		next = next.Add(every)
		if b.post(b.c.Nodes[0], seq) != nil {
			errs++
		}
	}
	return errs
}

// burstPhase posts as fast as Posters concurrent clients can, spread over
// every node's ingest, for BurstSeconds.
func (b *bench) burstPhase() (events, failed int, took time.Duration) {
	var next atomic.Int64
	next.Store(int64(b.firstLat))
	var ok, bad atomic.Int64
	stop := time.Now().Add(time.Duration(b.p.BurstSeconds * float64(time.Second)))
	start := time.Now()
	var wg sync.WaitGroup
	for k := 0; k < b.p.Posters; k++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			n := b.c.Nodes[k%len(b.c.Nodes)]
			for time.Now().Before(stop) {
				seq := int(next.Add(1))
				if seq >= len(b.sent) {
					return
				}
				if b.post(n, seq) != nil {
					bad.Add(1)
				} else {
					ok.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	return int(ok.Load()), int(bad.Load()), time.Since(start)
}

// settle waits until done holds, or until deliveries stop arriving for
// 5 s (some were lost; the figures say how many).
func (b *bench) settle(done func() bool) {
	last, lastChange := b.lastAt.Load(), time.Now()
	for !done() {
		time.Sleep(20 * time.Millisecond)
		if l := b.lastAt.Load(); l != last {
			last, lastChange = l, time.Now()
		} else if time.Since(lastChange) > 5*time.Second {
			return
		}
	}
}

// stats sorts v and summarises it.
func stats(v []float64) Stats {
	if len(v) == 0 {
		return Stats{}
	}
	sort.Float64s(v)
	q := func(p float64) float64 { return v[min(len(v)-1, int(p*float64(len(v))))] }
	return Stats{N: len(v), P50: q(0.50), P90: q(0.90), P99: q(0.99), Max: v[len(v)-1]}
}

// monitor counts guild events on the bus and reads the NATS servers'
// per-connection counters for the gateway nodes' connections.
type monitor struct {
	c         *clustertest.Cluster
	nc        *nats.Conn
	published atomic.Int64
}

func newMonitor(c *clustertest.Cluster) (*monitor, error) {
	m := &monitor{c: c}
	nc, err := nats.Connect(c.NATS.URLs(), nats.Name("clusterbench-monitor"))
	if err != nil {
		return nil, err
	}
	if _, err := nc.Subscribe(fmt.Sprintf("gh.guild.%d", benchGuild), func(*nats.Msg) { m.published.Add(1) }); err != nil {
		nc.Close()
		return nil, err
	}
	if err := nc.Flush(); err != nil {
		nc.Close()
		return nil, err
	}
	m.nc = nc
	return m, nil
}

func (m *monitor) close() { m.nc.Close() }

// gatewayConns lists the gateway nodes' client connections on every
// server (the nodes name their connections "gatehouse").
func (m *monitor) gatewayConns() []*server.ConnInfo {
	var out []*server.ConnInfo
	for _, s := range m.c.NATS.Servers {
		if s == nil {
			continue
		}
		cz, err := s.Connz(&server.ConnzOptions{SubscriptionsDetail: true, Limit: 10000})
		if err != nil {
			continue
		}
		for _, ci := range cz.Conns {
			if ci.Name == "gatehouse" {
				out = append(out, ci)
			}
		}
	}
	return out
}

// guildSubs counts the gateway nodes' subscriptions on the guild's subject
// and the messages the servers delivered through them.
func (m *monitor) guildSubs() (subs int, msgs int64) {
	subj := fmt.Sprintf("gh.guild.%d", benchGuild)
	for _, ci := range m.gatewayConns() {
		for _, s := range ci.SubsDetail {
			if s.Subject == subj {
				subs++
				msgs += s.Msgs
			}
		}
	}
	return subs, msgs
}

// nodeOutMsgs is the messages the servers have delivered to the gateway
// nodes so far.
func (m *monitor) nodeOutMsgs() int64 {
	var n int64
	for _, ci := range m.gatewayConns() {
		n += ci.OutMsgs
	}
	return n
}
