package clustertest_test

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"gatehouse/cmd/gatehouse/clustertest"
)

// TestCluster runs issue 8's scenarios in order on one deployment: three
// gatehouse processes on a three-server NATS cluster behind haproxy.
// Each step leaves the deployment whole (three nodes up) for the next.
func TestCluster(t *testing.T) {
	c := startCluster(t)
	a := c.Nodes[0]
	fans := users(900100, 9)
	setupGuild(t, c, a, append(append(fans, users(900300, 10)...), append(users(900400, 12), users(900500, 30)...)...))

	t.Run("FanOut", func(t *testing.T) { testFanOut(t, c, fans) })
	t.Run("ResumeElsewhere", func(t *testing.T) { testResumeElsewhere(t, c) })
	t.Run("Presence", func(t *testing.T) { testPresence(t, c) })
	t.Run("Drain", func(t *testing.T) { testDrain(t, c) })
	t.Run("Kill9", func(t *testing.T) { testKill9(t, c) })
	t.Run("NATSServerLoss", func(t *testing.T) { testNATSLoss(t, c) })
}

// testFanOut: clients spread over the three nodes by haproxy; a message
// ingested on node A reaches every one of them exactly once, in order, and
// #secret reaches the insider (on B) but not the outsider (on C).
func testFanOut(t *testing.T, c *clustertest.Cluster, ids []uint64) {
	a, b, cc := c.Nodes[0], c.Nodes[1], c.Nodes[2]
	cls := connect(t, c, ids, msgIntents)
	spread := byNode(cls)
	for _, n := range c.Nodes {
		if len(spread[n.PublicURL()]) == 0 {
			t.Fatalf("haproxy put no client on %s: %v", n.Name, spread)
		}
		t.Logf("%s holds %d clients", n.Name, len(spread[n.PublicURL()]))
	}
	outsider := connectTo(t, c, cc, gOutsider, msgIntents)
	insider := connectTo(t, c, b, gInside, msgIntents)

	const count = 30
	var want []int
	for i := 1; i <= count; i++ {
		if err := post(c, a, gGeneral, i); err != nil {
			t.Fatal(err)
		}
		want = append(want, i)
	}
	mustDo(t, c, a, "POST", fmt.Sprintf("/channels/%d/messages", gSecret), fmt.Sprintf(`{"author":{"id":"%d"},"content":"seq:1"}`, gOwner))
	marker := count + 1
	if err := post(c, a, gGeneral, marker); err != nil {
		t.Fatal(err)
	}
	want = append(want, marker)
	for _, cl := range append(slices.Clone(cls), outsider, insider) {
		if err := waitSeq(cl, marker, 20*time.Second); err != nil {
			t.Fatal(err)
		}
		if err := checkDelivery(seqs(allEvents(cl), gGeneral), want); err != nil {
			t.Errorf("user %d on %s: %v", cl.User, cl.Current().Node, err)
		}
	}
	// #secret was posted before the marker on the same guild subject from
	// the same node, so whoever may see it has it by now.
	if got := seqs(allEvents(insider), gSecret); len(got) != 1 {
		t.Errorf("insider on %s got %d #secret messages, want 1", b.Name, len(got))
	}
	if got := seqs(allEvents(outsider), gSecret); len(got) != 0 {
		t.Errorf("outsider on %s got #secret messages %v: permissions do not hold across nodes", cc.Name, got)
	}
}

// testResumeElsewhere: READY names the node that holds the session, and a
// Resume sent to another node gets op 9 d:false at once.
func testResumeElsewhere(t *testing.T, c *clustertest.Cluster) {
	a, cc := c.Nodes[0], c.Nodes[2]
	cl := connectTo(t, c, a, 900300, msgIntents)
	ep := cl.Current()
	if ep.Node != a.PublicURL() {
		t.Fatalf("resume_gateway_url %q, want %s's --public-url %q", ep.Node, a.Name, a.PublicURL())
	}
	conn, _, err := websocket.DefaultDialer.Dial("ws://"+cc.WSAddr+"/?v=10&encoding=json", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var hello struct{ Op int }
	if err := conn.ReadJSON(&hello); err != nil || hello.Op != 10 {
		t.Fatalf("hello: %v %+v", err, hello)
	}
	seq := uint64(len(ep.Events) + 1)
	if err := conn.WriteJSON(map[string]any{"op": 6, "d": map[string]any{"token": c.Token(900300), "session_id": ep.SessionID, "seq": seq}}); err != nil {
		t.Fatal(err)
	}
	_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	var reply struct {
		Op int             `json:"op"`
		D  json.RawMessage `json:"d"`
	}
	if err := conn.ReadJSON(&reply); err != nil {
		t.Fatal(err)
	}
	if reply.Op != 9 || string(reply.D) != "false" {
		t.Fatalf("resume of %s's session on %s: got op %d d=%s, want op 9 d=false", a.Name, cc.Name, reply.Op, reply.D)
	}
}

// testPresence: a user's presence is the merge of their sessions on every
// node. Online on B and C, the user stays online when the B session ends;
// goes dnd from C; goes offline when the C session ends too. A node that
// joins later learns everyone's presence (its GUILD_CREATE lists them).
func testPresence(t *testing.T, c *clustertest.Cluster) {
	a, b, cc := c.Nodes[0], c.Nodes[1], c.Nodes[2]
	const user, other = 900301, 900302
	obs := connectTo(t, c, a, 900303, intentGuilds|intentGuildPresences)

	onB := connectTo(t, c, b, user, intentGuilds)
	if _, err := waitPresence(obs, user, "online", 10*time.Second); err != nil {
		t.Fatal(err)
	}
	onC := connectTo(t, c, cc, user, intentGuilds)
	// C's contribution for user must be merged on A before B's offline
	// is: READY on C does not say it has reached A (CI once saw B's
	// offline first). C's next contribution (another user) arrives after
	// it on A's subscription, so once that is seen, C's is merged.
	const flush = 900501
	connectTo(t, c, cc, flush, intentGuilds)
	if _, err := waitPresence(obs, flush, "online", 10*time.Second); err != nil {
		t.Fatal(err)
	}
	onB.Stop() // close 1000: the session on B ends, B's contribution goes offline
	// B's next contribution (another user) arrives after the first on A's
	// subscription, so once it is seen B's offline for user has been merged.
	connectTo(t, c, b, other, intentGuilds)
	if _, err := waitPresence(obs, other, "online", 10*time.Second); err != nil {
		t.Fatal(err)
	}
	if st := presenceOf(allEvents(obs), user); slices.Contains(st, "offline") {
		t.Fatalf("user %d went offline while online on %s: %v", user, cc.Name, st)
	}
	if err := onC.Presence("dnd"); err != nil {
		t.Fatal(err)
	}
	if _, err := waitPresence(obs, user, "dnd", 10*time.Second); err != nil {
		t.Fatal(err)
	}
	onC.Stop()
	if _, err := waitPresence(obs, user, "offline", 10*time.Second); err != nil {
		t.Fatal(err)
	}
}

// testDrain: SIGTERM node B while messages are posted continuously. B goes
// unready, sends op 7 in paced batches; its clients reconnect through
// haproxy, fail to resume elsewhere (op 9), identify on A or C and miss no
// message posted after their new READY; B exits 0. Clients of A and C miss
// nothing at all. Then B starts again and learns the cluster's presence.
func testDrain(t *testing.T, c *clustertest.Cluster) {
	a, b := c.Nodes[0], c.Nodes[1]
	cls := connect(t, c, users(900400, 12), msgIntents)
	onB := byNode(cls)[b.PublicURL()]
	if len(onB) == 0 {
		t.Fatalf("no client on %s", b.Name)
	}
	// The admin endpoint wants the admin secret; these do not drain.
	if code, body := b.Do("POST", "/admin/drain", "", nil); code != http.StatusUnauthorized {
		t.Fatalf("POST /admin/drain without a secret: %d %s", code, body)
	}
	if code, body := b.Do("POST", "/admin/drain", "wrong", nil); code != http.StatusForbidden {
		t.Fatalf("POST /admin/drain with a wrong secret: %d %s", code, body)
	}
	if code, body := b.Get("/readyz"); code != http.StatusOK {
		t.Fatalf("readyz before the drain: %d %s", code, body)
	}

	p := startPoster(c, a, 1000, 5*time.Millisecond)
	defer p.Stop()
	if err := waitSeq(cls[0], 1005, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	if err := b.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	sawUnready := false
	for b.Running() && !sawUnready {
		code, body := b.Get("/readyz")
		sawUnready = code == http.StatusServiceUnavailable && string(body) == `{"status":"draining"}`
		time.Sleep(5 * time.Millisecond)
	}
	if !sawUnready {
		t.Errorf("never saw %s's /readyz answer 503 draining before it exited", b.Name)
	}
	code, err := b.Wait(40 * time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if code != 0 {
		t.Fatalf("%s exited with %d after the drain, want 0\n%s", b.Name, code, b.Tail(20))
	}
	for _, cl := range onB {
		if _, err := cl.WaitReady(2, 20*time.Second); err != nil {
			t.Fatal(err)
		}
	}
	// Let messages flow to the new homes for a while, then a marker.
	last := p.Stop() + 1
	time.Sleep(300 * time.Millisecond)
	if err := post(c, a, gGeneral, last); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d messages posted during the drain; %d clients moved off %s", p.Count(), len(onB), b.Name)
	for _, cl := range cls {
		if err := waitSeq(cl, last, 20*time.Second); err != nil {
			t.Fatal(err)
		}
	}
	for _, cl := range cls {
		eps := cl.Epochs()
		moved := slices.Contains(onB, cl)
		if !moved {
			if len(eps) != 1 {
				t.Errorf("user %d on %s reconnected %d times; only %s's clients should", cl.User, eps[0].Node, len(eps)-1, b.Name)
			}
			want := append(p.after(eps[0].ReadyAt), last)
			if err := checkDelivery(seqs(eps[0].Events, gGeneral), want); err != nil {
				t.Errorf("user %d on %s (not drained): %v", cl.User, eps[0].Node, err)
			}
			continue
		}
		if eps[0].Why != "op 7" {
			t.Errorf("user %d: first connection on %s ended by %q, want op 7", cl.User, b.Name, eps[0].Why)
		}
		final := eps[len(eps)-1]
		if final.Node == b.PublicURL() || c.NodeOf(final.Node) == nil {
			t.Errorf("user %d ended on %q, want a node other than %s", cl.User, final.Node, b.Name)
		}
		if eps[1].Resumes == 0 {
			t.Errorf("user %d: its resume on %s was not refused with op 9 before READY", cl.User, eps[1].Node)
		}
		// Every message posted after the new READY arrived once, in order.
		want := append(p.after(final.ReadyAt), last)
		if err := checkDelivery(seqs(final.Events, gGeneral), want); err != nil {
			t.Errorf("user %d moved to %s: %v", cl.User, final.Node, err)
		}
	}
	if len(p.failed) > 0 {
		t.Errorf("%d posts failed during the drain, first: %v", len(p.failed), p.failed[0])
	}

	// B comes back and, through its peers' snapshots, knows who is online.
	if err := b.Start(60 * time.Second); err != nil {
		t.Fatal(err)
	}
	obs := connectTo(t, c, b, 900304, intentGuilds|intentGuildPresences)
	gc, _ := obs.WaitEvent(time.Second, "GUILD_CREATE", func(e clustertest.Event) bool { return e.T == "GUILD_CREATE" })
	var g struct {
		Presences []struct {
			User struct {
				ID string `json:"id"`
			} `json:"user"`
		} `json:"presences"`
	}
	_ = json.Unmarshal(gc.D, &g)
	if len(g.Presences) < len(cls) {
		t.Errorf("restarted %s lists %d presences in GUILD_CREATE, want at least the %d connected clients", b.Name, len(g.Presences), len(cls))
	}
}

// testKill9: kill -9 node C. Its clients reconnect through haproxy within
// 10 s and find the guild intact; users who were only on C go offline for
// an observer on A within the node TTL (plus the sweep); the state in the
// KV buckets is unchanged.
func testKill9(t *testing.T, c *clustertest.Cluster) {
	a, cc := c.Nodes[0], c.Nodes[2]
	eng := engine(t, c)
	before := loadGuild(t, eng)

	obs := connectTo(t, c, a, 900500, intentGuilds|intentGuildPresences)
	gone := []*clustertest.Client{}
	for _, u := range users(900510, 3) {
		cl := c.DirectClient(cc, u, intentGuilds)
		cl.NoReconnect = true
		cl.Start()
		waitGuild(t, cl)
		gone = append(gone, cl)
		if _, err := waitPresence(obs, u, "online", 10*time.Second); err != nil {
			t.Fatal(err)
		}
	}
	cls := connect(t, c, users(900520, 9), msgIntents)
	onC := byNode(cls)[cc.PublicURL()]
	if len(onC) == 0 {
		t.Fatalf("no client on %s", cc.Name)
	}
	gcBefore := guildCreateShape(t, onC[0].Epochs()[0])

	killed := time.Now()
	if err := cc.Kill(); err != nil {
		t.Fatal(err)
	}
	for _, cl := range onC {
		ep, err := cl.WaitReady(2, 10*time.Second)
		if err != nil {
			t.Fatalf("client of killed %s: %v", cc.Name, err)
		}
		if c.NodeOf(ep.Node) == cc {
			t.Fatalf("user %d came back on the killed node", cl.User)
		}
		t.Logf("user %d back on %s %v after the kill", cl.User, ep.Node, ep.ReadyAt.Sub(killed).Round(time.Millisecond))
	}
	for _, cl := range gone {
		at, err := waitPresence(obs, cl.User, "offline", nodeTTL+8*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("user %d offline on %s %v after the kill (node TTL %v)", cl.User, a.Name, at.Sub(killed).Round(time.Millisecond), nodeTTL)
	}
	// Reconnected users are online again: no offline may be the last word.
	for _, cl := range onC {
		if st := presenceOf(allEvents(obs), cl.User); len(st) > 0 && st[len(st)-1] == "offline" {
			if _, err := waitPresence(obs, cl.User, "online", 10*time.Second); err != nil {
				t.Errorf("user %d reconnected but shows offline: %v", cl.User, st)
			}
		}
	}
	for _, cl := range onC {
		if _, err := cl.WaitEvent(10*time.Second, "GUILD_CREATE after reconnect", func(e clustertest.Event) bool { return e.T == "GUILD_CREATE" && e.At.After(killed) }); err != nil {
			t.Fatal(err)
		}
		if got := guildCreateShape(t, cl.Current()); got != gcBefore {
			t.Errorf("user %d's GUILD_CREATE after the kill: %s, before %s", cl.User, got, gcBefore)
		}
	}
	if after := loadGuild(t, eng); !maps.Equal(after, before) {
		t.Errorf("guild state changed across kill -9:\nbefore %s\nafter  %s", before, after)
	}
	if err := post(c, a, gGeneral, 5000); err != nil {
		t.Fatal(err)
	}
	for _, cl := range cls {
		if err := waitSeq(cl, 5000, 10*time.Second); err != nil {
			t.Fatal(err)
		}
	}
	if err := cc.Start(60 * time.Second); err != nil {
		t.Fatal(err)
	}
}

// guildCreateShape summarises the GUILD_CREATE of an epoch: id, name,
// member_count, channel and role ids.
func guildCreateShape(t *testing.T, ep clustertest.Epoch) string {
	t.Helper()
	for _, e := range ep.Events {
		if e.T != "GUILD_CREATE" {
			continue
		}
		var g struct {
			ID          string `json:"id"`
			Name        string `json:"name"`
			MemberCount int    `json:"member_count"`
			Channels    []struct {
				ID string `json:"id"`
			} `json:"channels"`
			Roles []struct {
				ID string `json:"id"`
			} `json:"roles"`
		}
		if err := json.Unmarshal(e.D, &g); err != nil {
			t.Fatal(err)
		}
		var ch, ro []string
		for _, c := range g.Channels {
			ch = append(ch, c.ID)
		}
		for _, r := range g.Roles {
			ro = append(ro, r.ID)
		}
		slices.Sort(ch)
		slices.Sort(ro)
		return fmt.Sprintf("guild %s %q members=%d channels=%v roles=%v", g.ID, g.Name, g.MemberCount, ch, ro)
	}
	t.Fatalf("epoch on %s has no GUILD_CREATE", ep.Node)
	return ""
}
