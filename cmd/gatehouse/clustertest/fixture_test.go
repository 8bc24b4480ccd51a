package clustertest_test

import (
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"gatehouse/cmd/gatehouse/clustertest"
)

// The guild every cluster test uses.
const (
	gGuild   = 900000
	gGeneral = 900010 // everyone sees it
	gSecret  = 900011 // @everyone denied VIEW_CHANNEL, role gInsider allowed
	gInsider = 900020 // role
	gOwner   = 900001

	gOutsider = 900200 // member without gInsider: must not see #secret
	gInside   = 900201 // member with gInsider
)

// Intents the clients ask for.
const (
	intentGuilds         = 1
	intentGuildPresences = 1 << 8
	intentGuildMessages  = 1 << 9
	intentMessageContent = 1 << 15
	msgIntents           = intentGuilds | intentGuildMessages | intentMessageContent
)

// nodeArgs are the flags every test node runs with: short node TTL and
// heartbeats so failures show quickly, a slow paced drain so a test can
// watch it, every privileged intent granted, no identify limit.
var nodeArgs = []string{
	"--heartbeat-interval", "5s", "--resume-window", "60s",
	"--node-heartbeat", "250ms", "--node-ttl", "2s",
	"--drain-batch", "1", "--drain-interval", "300ms", "--drain-timeout", "30s",
	"--grant-intents", "33026", "--max-concurrency", "16", "--identify-window", "1ms",
	"--event-loops", "1",
}

// nodeTTL is --node-ttl above.
const nodeTTL = 2 * time.Second

// startCluster brings up NATS ×3, gatehouse ×3 and haproxy, and stops
// them when the test ends (dumping the nodes' logs if it failed).
func startCluster(t *testing.T) *clustertest.Cluster {
	t.Helper()
	needHAProxy(t)
	start := time.Now()
	c, err := clustertest.Start(binary, t.TempDir(), clustertest.Options{NodeArgs: nodeArgs})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("cluster up in %v: haproxy %s, nodes %s %s %s, NATS %s", time.Since(start).Round(time.Millisecond),
		c.LB.Addr, c.Nodes[0].WSAddr, c.Nodes[1].WSAddr, c.Nodes[2].WSAddr, c.NATS.URLs())
	t.Cleanup(func() {
		c.Close()
		// A race in a node is reported in its log (and by exit status 66,
		// which a kill hides).
		for _, n := range c.Nodes {
			if log, _ := os.ReadFile(n.Log); strings.Contains(string(log), "WARNING: DATA RACE") {
				t.Errorf("%s logged a data race:\n%s", n.Name, n.Tail(80))
			}
		}
		if t.Failed() {
			t.Log(c.Logs(40))
		}
	})
	return c
}

// mustDo sends an ingest request to node n and fails the test unless it
// succeeds.
func mustDo(t *testing.T, c *clustertest.Cluster, n *clustertest.Node, method, path, body string) []byte {
	t.Helper()
	b, err := c.Must(n, method, path, body)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// setupGuild writes the test guild through node n's ingest API: two
// channels (one private to a role), the owner, the outsider and the
// insider, plus members.
func setupGuild(t *testing.T, c *clustertest.Cluster, n *clustertest.Node, members []uint64) {
	t.Helper()
	put := func(method, path, body string) { mustDo(t, c, n, method, path, body) }
	put("PUT", fmt.Sprintf("/users/%d", gOwner), `{"username":"owner"}`)
	put("PUT", fmt.Sprintf("/guilds/%d", gGuild), fmt.Sprintf(`{"name":"Cluster Guild","owner_id":"%d",
		"roles":[{"id":"%d","name":"@everyone","permissions":"68608"},{"id":"%d","name":"insiders","position":1,"permissions":"0"}],
		"channels":[{"id":"%d","type":0,"name":"general","position":0},
			{"id":"%d","type":0,"name":"secret","position":1,"permission_overwrites":[
				{"id":"%d","type":0,"allow":"0","deny":"1024"},{"id":"%d","type":0,"allow":"1024","deny":"0"}]}]}`,
		gOwner, gGuild, gInsider, gGeneral, gSecret, gGuild, gInsider))
	put("PUT", fmt.Sprintf("/guilds/%d/members/%d", gGuild, gOwner), `{}`)
	put("PUT", fmt.Sprintf("/guilds/%d/members/%d", gGuild, gOutsider), fmt.Sprintf(`{"user":{"id":"%d","username":"outsider"}}`, gOutsider))
	put("PUT", fmt.Sprintf("/guilds/%d/members/%d", gGuild, gInside), fmt.Sprintf(`{"user":{"id":"%d","username":"insider"},"roles":["%d"]}`, gInside, gInsider))
	addMembers(t, c, n, members)
}

// addMembers adds users (created inline) to the guild in one batch.
func addMembers(t *testing.T, c *clustertest.Cluster, n *clustertest.Node, users []uint64) {
	t.Helper()
	if len(users) == 0 {
		return
	}
	var b strings.Builder
	for _, u := range users {
		fmt.Fprintf(&b, `{"user":{"id":"%d","username":"u%d"}}`+"\n", u, u)
	}
	mustDo(t, c, n, "POST", fmt.Sprintf("/guilds/%d/members:batch", gGuild), b.String())
}

// users returns n consecutive user ids from base.
func users(base uint64, n int) []uint64 {
	out := make([]uint64, n)
	for i := range out {
		out[i] = base + uint64(i)
	}
	return out
}

// connect starts clients through haproxy one after another (so round
// robin spreads them evenly) and waits for each READY and GUILD_CREATE.
func connect(t *testing.T, c *clustertest.Cluster, ids []uint64, intents uint64) []*clustertest.Client {
	t.Helper()
	out := make([]*clustertest.Client, len(ids))
	for i, u := range ids {
		out[i] = c.Client(u, intents)
		out[i].Start()
		waitGuild(t, out[i])
	}
	t.Cleanup(func() {
		for _, cl := range out {
			cl.Drop()
		}
	})
	return out
}

// connectTo starts a client directly on node n and waits for its guild.
func connectTo(t *testing.T, c *clustertest.Cluster, n *clustertest.Node, u, intents uint64) *clustertest.Client {
	t.Helper()
	cl := c.DirectClient(n, u, intents)
	cl.Start()
	waitGuild(t, cl)
	t.Cleanup(cl.Drop)
	return cl
}

// waitGuild waits for the client's first READY and its GUILD_CREATE.
func waitGuild(t *testing.T, cl *clustertest.Client) {
	t.Helper()
	if _, err := cl.WaitReady(1, 20*time.Second); err != nil {
		t.Fatal(err)
	}
	if _, err := cl.WaitEvent(20*time.Second, "GUILD_CREATE", func(e clustertest.Event) bool { return e.T == "GUILD_CREATE" }); err != nil {
		t.Fatal(err)
	}
}

// byNode groups clients by the node of their current epoch.
func byNode(cls []*clustertest.Client) map[string][]*clustertest.Client {
	m := map[string][]*clustertest.Client{}
	for _, cl := range cls {
		n := cl.Current().Node
		m[n] = append(m[n], cl)
	}
	return m
}

// post sends one message with content "seq:<n>" into channel via node.
func post(c *clustertest.Cluster, n *clustertest.Node, channel uint64, seq int) error {
	_, err := c.Must(n, "POST", fmt.Sprintf("/channels/%d/messages", channel),
		fmt.Sprintf(`{"author":{"id":"%d"},"content":"seq:%d"}`, gOwner, seq))
	return err
}

// poster posts numbered messages into #general through one node, one after
// another, and remembers when each POST began: a message whose POST began
// after a client's READY must reach that client.
type poster struct {
	c     *clustertest.Cluster
	node  *clustertest.Node
	every time.Duration

	mu      sync.Mutex
	started map[int]time.Time // seq → POST start, for POSTs that succeeded
	failed  []error
	next    int
	stop    chan struct{}
	done    chan struct{}
	once    sync.Once
}

func startPoster(c *clustertest.Cluster, n *clustertest.Node, first int, every time.Duration) *poster {
	p := &poster{c: c, node: n, every: every, started: map[int]time.Time{}, next: first, stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(p.done)
		for {
			select {
			case <-p.stop:
				return
			default:
			}
			p.mu.Lock()
			seq := p.next
			p.next++
			p.mu.Unlock()
			at := time.Now()
			err := post(c, n, gGeneral, seq)
			p.mu.Lock()
			if err != nil {
				p.failed = append(p.failed, err)
			} else {
				p.started[seq] = at
			}
			p.mu.Unlock()
			time.Sleep(every)
		}
	}()
	return p
}

// Stop ends the poster and returns the next seq it would have used.
func (p *poster) Stop() int {
	p.once.Do(func() { close(p.stop) })
	<-p.done
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.next
}

// Count is how many messages were posted.
func (p *poster) Count() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.started)
}

// after lists the seqs whose POST began after at, ascending.
func (p *poster) after(at time.Time) []int {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []int
	for s, t := range p.started {
		if t.After(at) {
			out = append(out, s)
		}
	}
	sort.Ints(out)
	return out
}

// seqs extracts the seq of every MESSAGE_CREATE in channel, in order.
func seqs(evs []clustertest.Event, channel uint64) []int {
	var out []int
	for _, e := range evs {
		if e.T != "MESSAGE_CREATE" {
			continue
		}
		var m struct {
			ChannelID string `json:"channel_id"`
			Content   string `json:"content"`
		}
		if json.Unmarshal(e.D, &m) != nil || m.ChannelID != strconv.FormatUint(channel, 10) {
			continue
		}
		if n, err := strconv.Atoi(strings.TrimPrefix(m.Content, "seq:")); err == nil {
			out = append(out, n)
		}
	}
	return out
}

// checkDelivery says what is wrong with got (the seqs one epoch received)
// given the seqs it must hold: got must be strictly increasing (exactly
// once, in publish order) and contain every wanted seq.
func checkDelivery(got, want []int) error {
	for i := 1; i < len(got); i++ {
		if got[i] <= got[i-1] {
			return fmt.Errorf("seq %d after %d: duplicate or out of order", got[i], got[i-1])
		}
	}
	have := make(map[int]bool, len(got))
	for _, s := range got {
		have[s] = true
	}
	var missing []int
	for _, s := range want {
		if !have[s] {
			missing = append(missing, s)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("missing %d of %d messages, first %v", len(missing), len(want), missing[:min(len(missing), 10)])
	}
	return nil
}

// waitSeq waits until the client's current epoch holds message seq.
func waitSeq(cl *clustertest.Client, seq int, d time.Duration) error {
	_, err := cl.WaitEvent(d, fmt.Sprintf("message seq:%d", seq), func(e clustertest.Event) bool {
		if e.T != "MESSAGE_CREATE" {
			return false
		}
		for _, s := range seqs([]clustertest.Event{e}, gGeneral) {
			if s == seq {
				return true
			}
		}
		return false
	})
	return err
}

// presenceOf finds PRESENCE_UPDATEs for user in events, as statuses in
// order.
func presenceOf(evs []clustertest.Event, user uint64) []string {
	var out []string
	for _, e := range evs {
		if e.T != "PRESENCE_UPDATE" {
			continue
		}
		var p struct {
			User struct {
				ID string `json:"id"`
			} `json:"user"`
			Status string `json:"status"`
		}
		if json.Unmarshal(e.D, &p) == nil && p.User.ID == strconv.FormatUint(user, 10) {
			out = append(out, p.Status)
		}
	}
	return out
}

// allEvents concatenates every epoch's events.
func allEvents(cl *clustertest.Client) []clustertest.Event {
	var out []clustertest.Event
	for _, e := range cl.Epochs() {
		out = append(out, e.Events...)
	}
	return out
}

// waitPresence waits until observer has seen status for user (in order
// after any earlier statuses) and returns when it arrived.
func waitPresence(obs *clustertest.Client, user uint64, status string, d time.Duration) (time.Time, error) {
	e, err := obs.WaitEvent(d, fmt.Sprintf("PRESENCE_UPDATE %d %s", user, status), func(e clustertest.Event) bool {
		st := presenceOf([]clustertest.Event{e}, user)
		return len(st) == 1 && st[0] == status
	})
	return e.At, err
}
