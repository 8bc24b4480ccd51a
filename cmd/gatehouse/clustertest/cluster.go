package clustertest

import (
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"gatehouse/cluster"
	"gatehouse/core/auth"
)

// Cluster is a whole deployment on loopback: a NATS cluster of in-process
// servers, gatehouse nodes as child processes and haproxy in front.
type Cluster struct {
	Dir    string
	NATS   *cluster.LocalCluster
	Nodes  []*Node
	LB     *HAProxy
	Signer *auth.Signer
	Secret string // token signing secret shared by the nodes
	Ingest string // ingest and admin secret
}

// Options size a Cluster.
type Options struct {
	Nodes       int           // gatehouse processes (default 3)
	NATSServers int           // NATS servers (default 3)
	NodeArgs    []string      // extra flags for every node
	CheckEvery  time.Duration // haproxy health check interval (default 250 ms)
	Logger      *slog.Logger  // for the NATS servers (default: discard)
}

// Start brings a Cluster up in dir with the binary bin. On error what was
// started is stopped.
func Start(bin, dir string, o Options) (c *Cluster, err error) {
	if o.Nodes <= 0 {
		o.Nodes = 3
	}
	if o.NATSServers <= 0 {
		o.NATSServers = 3
	}
	if o.CheckEvery <= 0 {
		o.CheckEvery = 250 * time.Millisecond
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	c = &Cluster{Dir: dir, Secret: "clustertest-secret", Ingest: "clustertest-ingest"}
	started := c
	defer func() {
		if err != nil {
			started.Close()
		}
	}()
	if c.Signer, err = auth.NewSigner(c.Secret); err != nil {
		return nil, err
	}
	if c.NATS, err = cluster.StartLocalCluster(o.NATSServers, filepath.Join(dir, "nats"), o.Logger); err != nil {
		return nil, err
	}
	// Start the nodes together: each start waits on JetStream. A port
	// picked free can be taken by another process before the node binds
	// it; such a start is tried again on other ports.
	c.Nodes = make([]*Node, o.Nodes)
	errs := make([]error, o.Nodes)
	var wg sync.WaitGroup
	for i := range c.Nodes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for attempt := 0; attempt < 3; attempt++ {
				n, err := NewNode(bin, NodeConfig{
					Name: string(rune('a' + i)), Dir: dir, NATSURL: c.NATS.URLs(),
					Secret: c.Secret, Ingest: c.Ingest, Args: o.NodeArgs,
				})
				if err != nil {
					errs[i] = err
					return
				}
				c.Nodes[i], errs[i] = n, n.Start(90*time.Second)
				if errs[i] == nil || !strings.Contains(errs[i].Error(), "address already in use") {
					return
				}
			}
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	backends := make([]Backend, len(c.Nodes))
	for i, n := range c.Nodes {
		backends[i] = BackendOf(n)
	}
	if c.LB, err = StartHAProxy(dir, backends, o.CheckEvery); err != nil {
		return nil, err
	}
	return c, nil
}

// Close stops haproxy, every node and the NATS servers.
func (c *Cluster) Close() {
	c.LB.Stop()
	for _, n := range c.Nodes {
		if n != nil {
			n.Stop()
		}
	}
	if c.NATS != nil {
		c.NATS.Close()
	}
}

// Token mints a gateway token for user.
func (c *Cluster) Token(user uint64) string { return c.Signer.Mint(user, time.Now()) }

// Client makes (but does not start) a client for user that connects
// through haproxy.
func (c *Cluster) Client(user, intents uint64) *Client {
	return NewClient(c.LB.Addr, c.Token(user), user, intents)
}

// DirectClient makes a client that connects to node n itself, not through
// haproxy.
func (c *Cluster) DirectClient(n *Node, user, intents uint64) *Client {
	return NewClient(n.WSAddr, c.Token(user), user, intents)
}

// Do sends an ingest request to node n (path below /ingest/v1).
func (c *Cluster) Do(n *Node, method, path, body string) (int, []byte) {
	return n.Do(method, "/ingest/v1"+path, c.Ingest, []byte(body))
}

// Must is Do that returns an error unless the answer is 2xx.
func (c *Cluster) Must(n *Node, method, path, body string) ([]byte, error) {
	code, b := c.Do(n, method, path, body)
	if code/100 != 2 {
		return b, fmt.Errorf("%s %s on %s: %d %s", method, path, n.Name, code, b)
	}
	return b, nil
}

// NodeOf is the node whose public URL is url, or nil.
func (c *Cluster) NodeOf(url string) *Node {
	for _, n := range c.Nodes {
		if n.PublicURL() == url {
			return n
		}
	}
	return nil
}

// Logs is the tail of every node's log, for failure messages.
func (c *Cluster) Logs(lines int) string {
	var b strings.Builder
	for _, n := range c.Nodes {
		if n == nil {
			continue
		}
		b.WriteString(n.Tail(lines))
		b.WriteString("\n")
	}
	return b.String()
}
