// Package node assembles one gatehouse node: the engine (embedded or
// external NATS), the hub, the ingest API and the gateway server. The binary
// and the end-to-end tests build nodes the same way through Start.
package node

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"

	"gatehouse/cluster"
	"gatehouse/core/compress"
	"gatehouse/core/hub"
	"gatehouse/core/protocol"
	"gatehouse/core/session"
	"gatehouse/server"
	"gatehouse/server/ingest"
)

// Config is a node's configuration.
type Config struct {
	Server       server.Config // gateway and REST; Session holds the session settings
	DataDir      string        // embedded NATS stores JetStream under DataDir/nats
	NATSURL      string        // external NATS (comma-separated); empty: embedded
	Replicas     int           // KV replicas with an external NATS (default 3)
	IngestSecret string        // Authorization: Bearer for /ingest/v1
	WorkerID     uint16        // snowflake worker id for generated message ids
	Logger       *slog.Logger
	Hub          hub.Config // Store, Broker and Sessions are filled in
	// LazyLean keeps Hub.LazyAllShifts as given instead of forcing the
	// literal member-list contract on.
	LazyLean bool
}

// Node is a running node.
type Node struct {
	Engine *cluster.Engine
	Hub    *hub.Hub
	Server *server.Server
	log    *slog.Logger
}

// Start builds and starts a node. On error everything started is stopped.
func Start(cfg Config) (n *Node, err error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.IngestSecret == "" {
		return nil, errors.New("node: ingest secret is required")
	}
	n = &Node{log: cfg.Logger}
	started := n // the returns below set n to nil
	defer func() {
		if err != nil {
			started.Stop(context.Background())
		}
	}()
	if cfg.NATSURL != "" {
		reps := cfg.Replicas
		if reps <= 0 {
			reps = 3
		}
		n.Engine, err = cluster.Connect(cfg.NATSURL, cluster.WithLogger(cfg.Logger), cluster.WithReplicas(reps))
	} else {
		if cfg.DataDir == "" {
			return nil, errors.New("node: data dir is required for the embedded engine")
		}
		n.Engine, err = cluster.StartEmbedded(cluster.EmbeddedConfig{DataDir: filepath.Join(cfg.DataDir, "nats")}, cluster.WithLogger(cfg.Logger))
	}
	if err != nil {
		return nil, fmt.Errorf("node: engine: %w", err)
	}

	hc := cfg.Hub
	hc.Store, hc.Broker, hc.Logger = n.Engine.Store(), n.Engine.Broker(), cfg.Logger
	if hc.MemberLists == nil {
		hc.MemberLists = DefaultMemberLists()
	}
	// PROTOCOL.md's contract: after every dispatch the client's array is as
	// long as the list from the ops alone, so each dispatch carries the net
	// length change past the held rows (the leaner mode, where clients size
	// their array from groups, is
	// Config.Hub.LazyAllShifts=false for deployments whose clients do that).
	if !cfg.LazyLean {
		hc.LazyAllShifts = true
	}
	hc.Sessions = func(user uint64) []*session.Session {
		if n.Server == nil || n.Server.Manager() == nil {
			return nil
		}
		return n.Server.Manager().ByUser(user)
	}
	if n.Hub, err = hub.New(hc); err != nil {
		return nil, fmt.Errorf("node: hub: %w", err)
	}

	api, err := ingest.New(ingest.Config{
		Secret: cfg.IngestSecret, Store: n.Engine.Store(), Broker: n.Engine.Broker(),
		IDs: protocol.NewSnowflakeGen(cfg.WorkerID), Logger: cfg.Logger,
	})
	if err != nil {
		return nil, err
	}
	sc := cfg.Server
	sc.Logger = cfg.Logger
	extra := sc.Session.Grants
	n.Hub.SessionHooks(&sc.Session)
	if extra != nil {
		// Grants configured on the command line add to the user records'.
		resolve := sc.Session.Resolve
		sc.Session.Resolve = func(user uint64, done func(session.UserInfo)) {
			resolve(user, func(info session.UserInfo) {
				info.Grants |= extra(user)
				done(info)
			})
		}
	}
	sc.Routes = api.Register
	// Ready once this node knows the cluster's presence (else its first
	// GUILD_CREATEs would miss presences) and while NATS answers.
	sc.Ready = func() bool { return n.Hub.PresenceWarm() && n.Engine.Healthy() }
	sc.Counters = func(emit func(name, help string, v int64)) {
		st := n.Hub.LazyStats()
		emit("gatehouse_member_list_changes_total", "Member changes applied to member lists that had holders.", st.Changes)
		emit("gatehouse_member_list_dispatches_total", "GUILD_MEMBER_LIST_UPDATE dispatches sent.", st.Dispatches)
		emit("gatehouse_member_list_bytes_total", "Bytes of GUILD_MEMBER_LIST_UPDATE d sent, per recipient.", st.Bytes)
		emit("gatehouse_member_list_ops_total", "GUILD_MEMBER_LIST_UPDATE ops sent.", st.Ops)
		emit("gatehouse_member_list_sync_fallbacks_total", "SYNCs sent where exact ops would have done (chunk cheaper whole, batch too large, resync).", st.SyncFallbacks)
		emit("gatehouse_member_list_resyncs_total", "Member list batches that changed the group order: every holder got SYNCs.", st.Resyncs)
	}
	if sc.Compression == nil {
		sc.Compression = DefaultCompression()
	}
	if n.Server, err = server.New(sc); err != nil {
		return nil, err
	}
	if err = n.Server.Start(); err != nil {
		n.Server = nil
		return nil, err
	}
	return n, nil
}

// Stop stops the server, the hub and the engine, in that order.
func (n *Node) Stop(ctx context.Context) {
	if n.Server != nil {
		if err := n.Server.Stop(ctx); err != nil {
			n.log.Warn("node: server stop", "err", err)
		}
	}
	if n.Hub != nil {
		n.Hub.Close()
	}
	if n.Engine != nil {
		n.Engine.Close()
	}
}

// compile-time check that the default factory satisfies the seam.
var _ compress.Factory = DefaultCompression()
