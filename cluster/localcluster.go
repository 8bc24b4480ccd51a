package cluster

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// LocalCluster is a NATS cluster of in-process servers with JetStream on
// loopback: what the multi-node tests and `make bench-cluster` run gateway
// processes against, and a way to try cluster mode on one machine. Each
// server has its own client port, route port and store directory; the
// routes are a full mesh named up front, so any server can be shut down and
// started again. Not safe for concurrent use.
type LocalCluster struct {
	Servers []*server.Server // nil where shut down
	opts    []*server.Options
	log     *slog.Logger
}

// localClusterReady bounds the wait for the JetStream meta group.
const localClusterReady = 60 * time.Second

// StartLocalCluster starts n servers (n ≥ 1) storing under dir/<name>.
// It returns once every server accepts clients and JetStream answers.
// Ports are picked free and then bound by the servers; if another process
// takes one in between, the start is tried again on other ports.
func StartLocalCluster(n int, dir string, log *slog.Logger) (*LocalCluster, error) {
	if n < 1 {
		return nil, errors.New("cluster: a local cluster needs at least one server")
	}
	if log == nil {
		log = slog.Default()
	}
	var err error
	for attempt := 0; attempt < 3; attempt++ {
		var c *LocalCluster
		if c, err = startLocalCluster(n, filepath.Join(dir, "try"+strconv.Itoa(attempt)), log); err == nil {
			return c, nil
		}
	}
	return nil, err
}

func startLocalCluster(n int, dir string, log *slog.Logger) (*LocalCluster, error) {
	ports, err := freePorts(2 * n)
	if err != nil {
		return nil, err
	}
	routes := make([]string, n)
	for i := range routes {
		routes[i] = "nats-route://127.0.0.1:" + strconv.Itoa(ports[n+i])
	}
	c := &LocalCluster{Servers: make([]*server.Server, n), opts: make([]*server.Options, n), log: log}
	for i := 0; i < n; i++ {
		name := "gh" + strconv.Itoa(i)
		o := &server.Options{
			ServerName: name,
			Host:       "127.0.0.1", Port: ports[i],
			JetStream: true, StoreDir: filepath.Join(dir, name),
			NoSigs: true,
		}
		if n > 1 {
			o.Cluster = server.ClusterOpts{Name: "gatehouse", Host: "127.0.0.1", Port: ports[n+i]}
			o.Routes = server.RoutesFromStr(strings.Join(routes, ","))
		}
		c.opts[i] = o
		if err := c.Start(i); err != nil {
			c.Close()
			return nil, err
		}
	}
	if err := c.waitJetStream(); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

// Start (re)starts server i with its original options and store.
func (c *LocalCluster) Start(i int) error {
	if c.Servers[i] != nil {
		return nil
	}
	o := *c.opts[i]
	srv, err := server.NewServer(&o)
	if err != nil {
		return fmt.Errorf("cluster: local server %d: %w", i, err)
	}
	srv.SetLoggerV2(slogAdapter{c.log.With("component", "nats-"+o.ServerName)}, false, false, false)
	srv.Start()
	if !srv.ReadyForConnections(localClusterReady) {
		srv.Shutdown()
		return fmt.Errorf("cluster: local server %d not ready", i)
	}
	c.Servers[i] = srv
	return nil
}

// Shutdown stops server i (its clients reconnect to the others).
func (c *LocalCluster) Shutdown(i int) {
	if s := c.Servers[i]; s != nil {
		s.Shutdown()
		s.WaitForShutdown()
		c.Servers[i] = nil
	}
}

// Close stops every server.
func (c *LocalCluster) Close() {
	for i := range c.Servers {
		c.Shutdown(i)
	}
}

// URL is server i's client URL.
func (c *LocalCluster) URL(i int) string {
	return "nats://127.0.0.1:" + strconv.Itoa(c.opts[i].Port)
}

// URLs is every client URL, comma-separated, as --nats-url takes them.
func (c *LocalCluster) URLs() string {
	u := make([]string, len(c.opts))
	for i := range u {
		u[i] = c.URL(i)
	}
	return strings.Join(u, ",")
}

// Name is server i's name (as JetStream reports stream leaders).
func (c *LocalCluster) Name(i int) string { return c.opts[i].ServerName }

// waitJetStream polls until the meta leader counts every server as a
// JetStream peer (else an R3 bucket cannot be placed yet) and JetStream
// answers through every server.
func (c *LocalCluster) waitJetStream() error {
	deadline := time.Now().Add(localClusterReady)
	for len(c.Servers) > 1 {
		peers := 0
		for _, s := range c.Servers {
			peers = max(peers, len(s.JetStreamClusterPeers()))
		}
		if peers == len(c.Servers) {
			break
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("cluster: the JetStream meta leader knows %d of %d servers", peers, len(c.Servers))
		}
		time.Sleep(50 * time.Millisecond)
	}
	for i := range c.Servers {
		nc, err := nats.Connect(c.URL(i), nats.Timeout(2*time.Second))
		if err != nil {
			return fmt.Errorf("cluster: local server %d: %w", i, err)
		}
		js, err := jetstream.New(nc)
		if err != nil {
			nc.Close()
			return err
		}
		for {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			_, err = js.AccountInfo(ctx)
			cancel()
			if err == nil {
				break
			}
			if time.Now().After(deadline) {
				nc.Close()
				return fmt.Errorf("cluster: JetStream not ready on local server %d: %w", i, err)
			}
			time.Sleep(100 * time.Millisecond)
		}
		nc.Close()
	}
	return nil
}

// freePorts reserves n distinct loopback ports by listening on port 0, then
// releases them for the servers to bind (a small window another process
// could take one in; fine on a test machine).
func freePorts(n int) ([]int, error) {
	lns := make([]net.Listener, 0, n)
	defer func() {
		for _, l := range lns {
			_ = l.Close()
		}
	}()
	ports := make([]int, 0, n)
	for i := 0; i < n; i++ {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("cluster: free port: %w", err)
		}
		lns = append(lns, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}
