package clustertest_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"gatehouse/cluster"
	"gatehouse/cmd/gatehouse/clustertest"
	"gatehouse/cmd/gatehouse/node"
	"gatehouse/core/auth"
	"gatehouse/core/session"
	"gatehouse/server"
)

// buckets are the state buckets (docs/state.md).
var buckets = []string{"gh_users", "gh_guilds", "gh_index"}

// engine connects the test itself to the NATS cluster, as a node does.
func engine(t *testing.T, c *clustertest.Cluster) *cluster.Engine {
	t.Helper()
	e, err := cluster.Connect(c.NATS.URLs(), cluster.WithReplicas(3), cluster.WithLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.Close)
	return e
}

// loadGuild reads the test guild through the Store and returns every
// record as JSON, keyed by kind and id.
func loadGuild(t *testing.T, e *cluster.Engine) map[string]string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	snap, err := e.Store().LoadGuild(ctx, gGuild)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	put := func(k string, v any) {
		b, _ := json.Marshal(v)
		out[k] = string(b)
	}
	put("guild", snap.Guild)
	for _, r := range snap.Roles {
		put("role "+r.ID.String(), r)
	}
	for _, c := range snap.Channels {
		put("channel "+c.ID.String(), c)
	}
	for _, m := range snap.Members {
		put("member "+m.UserID.String(), m)
	}
	return out
}

// kvEntries reads every key of the state buckets with its value and
// revision.
func kvEntries(t *testing.T, e *cluster.Engine) map[string]string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out := map[string]string{}
	for _, name := range buckets {
		kv, err := e.JetStream().KeyValue(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		keys, err := kv.ListKeys(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for k := range keys.Keys() {
			v, err := kv.Get(ctx, k)
			if err != nil {
				t.Fatalf("%s %s: %v", name, k, err)
			}
			out[name+" "+k] = fmt.Sprintf("rev %d %s", v.Revision(), v.Value())
		}
	}
	return out
}

// testNATSLoss: shut down the NATS server leading the guild bucket. The
// buckets have three replicas, so nothing is lost; the nodes reconnect to
// the other servers and ingest, fan-out and readiness carry on; no
// gateway client has to reconnect.
func testNATSLoss(t *testing.T, c *clustertest.Cluster) {
	eng := engine(t, c)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	leader := ""
	for _, name := range buckets {
		st, err := eng.JetStream().Stream(ctx, "KV_"+name)
		if err != nil {
			t.Fatal(err)
		}
		info := st.CachedInfo()
		if info.Config.Replicas != 3 || info.Cluster == nil || len(info.Cluster.Replicas) != 2 {
			t.Fatalf("bucket %s: replicas %d, cluster %+v; want 3 replicas", name, info.Config.Replicas, info.Cluster)
		}
		if name == "gh_guilds" {
			leader = info.Cluster.Leader
		}
	}
	guildBefore, kvBefore := loadGuild(t, eng), kvEntries(t, eng)
	cls := connect(t, c, users(900305, 5), msgIntents)

	lost := -1
	for i := range c.NATS.Servers {
		if c.NATS.Name(i) == leader {
			lost = i
		}
	}
	if lost < 0 {
		t.Fatalf("leader %q of KV_gh_guilds is not one of ours", leader)
	}
	c.NATS.Shutdown(lost)
	t.Logf("shut down NATS server %s (leader of KV_gh_guilds) with %d KV entries stored", leader, len(kvBefore))

	// A state write through every node: retried while JetStream elects new
	// leaders, then it must succeed.
	start := time.Now()
	for i, n := range c.Nodes {
		user := 900900 + i
		body := fmt.Sprintf(`{"user":{"id":"%d","username":"late%d"}}`, user, i)
		deadline := time.Now().Add(30 * time.Second)
		for {
			_, err := c.Must(n, "PUT", fmt.Sprintf("/guilds/%d/members/%d", gGuild, user), body)
			if err == nil {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("ingest on %s after losing a NATS server: %v", n.Name, err)
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
	t.Logf("ingest writes succeed on every node %v after the loss", time.Since(start).Round(time.Millisecond))

	// Messages through each node in turn, each seen by every client
	// before the next: fan-out works from every node.
	for i, n := range c.Nodes {
		seq := 6000 + i
		if err := post(c, n, gGeneral, seq); err != nil {
			t.Fatal(err)
		}
		for _, cl := range cls {
			if err := waitSeq(cl, seq, 15*time.Second); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, cl := range cls {
		if n := len(cl.Epochs()); n != 1 {
			t.Errorf("user %d reconnected %d times; losing a NATS server should not drop gateway clients", cl.User, n-1)
		}
	}
	// A node whose connection was on the lost server reconnects and
	// re-opens its directory's watches on the new stream leaders; until
	// they are synced it answers /readyz 503 (identify would read NATS
	// directly meanwhile). Every node must be ready again soon.
	for _, n := range c.Nodes {
		readyBy := time.Now().Add(20 * time.Second)
		for {
			code, body := n.Get("/readyz")
			if code == http.StatusOK {
				t.Logf("%s /readyz 200 %v after the loss", n.Name, time.Since(start).Round(time.Millisecond))
				break
			}
			if time.Now().After(readyBy) {
				t.Errorf("%s /readyz after losing one NATS server: %d %s", n.Name, code, body)
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
	}

	guildAfter, kvAfter := loadGuild(t, eng), kvEntries(t, eng)
	for k, v := range kvBefore {
		if kvAfter[k] != v {
			t.Errorf("KV entry %s lost or changed: before %q, after %q", k, v, kvAfter[k])
		}
	}
	for k, v := range guildBefore {
		if guildAfter[k] != v {
			t.Errorf("guild record %s lost or changed: before %s, after %s", k, v, guildAfter[k])
		}
	}
	added := slices.Sorted(maps.Keys(guildAfter))
	added = slices.DeleteFunc(added, func(k string) bool { _, ok := guildBefore[k]; return ok || k == "guild" })
	if want := []string{"member 900900", "member 900901", "member 900902"}; !slices.Equal(added, want) {
		t.Errorf("records added while a NATS server was down: %v, want %v", added, want)
	}
}

// TestReadyzFollowsNATS: /readyz is 503 while the node's NATS is
// unreachable and 200 again once it is back; /healthz stays 200
// throughout. One NATS server, one node in this process.
func TestReadyzFollowsNATS(t *testing.T) {
	dir := t.TempDir()
	nc, err := cluster.StartLocalCluster(1, dir, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	signer, _ := auth.NewSigner("readyz-secret")
	n, err := node.Start(node.Config{
		NATSURL: nc.URLs(), Replicas: 1, IngestSecret: "readyz-ingest",
		Logger: slog.New(slog.DiscardHandler),
		Server: server.Config{WSAddr: "127.0.0.1:0", HTTPAddr: "127.0.0.1:0", Session: session.Config{Signer: signer}},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		n.Stop(ctx)
	})
	get := func(path string) (int, string) {
		resp, err := http.Get("http://" + n.Server.HTTPAddr() + path)
		if err != nil {
			return 0, err.Error()
		}
		defer resp.Body.Close()
		var b strings.Builder
		buf := make([]byte, 256)
		k, _ := resp.Body.Read(buf)
		b.Write(buf[:k])
		return resp.StatusCode, b.String()
	}
	waitStatus := func(path string, want int) {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for {
			code, body := get(path)
			if code == want {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: %d %s, want %d", path, code, body, want)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	waitStatus("/readyz", http.StatusOK)
	nc.Shutdown(0)
	waitStatus("/readyz", http.StatusServiceUnavailable)
	if code, body := get("/healthz"); code != http.StatusOK {
		t.Fatalf("/healthz without NATS: %d %s", code, body)
	}
	if err := nc.Start(0); err != nil {
		t.Fatal(err)
	}
	waitStatus("/readyz", http.StatusOK)
}
