package cluster

import (
	"errors"
	"net"
	"slices"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats-server/v2/test"

	"gatehouse/core/guild"
	"gatehouse/core/protocol"
)

// restartableServer runs a JetStream server that can be stopped and started
// again on the same port and store, as a NATS node restart looks to its
// clients.
type restartableServer struct {
	opts server.Options
	srv  *server.Server
}

func startRestartable(t *testing.T) *restartableServer {
	t.Helper()
	r := &restartableServer{opts: test.DefaultTestOptions}
	r.opts.ServerName = "dirtest"
	r.opts.Port = -1
	r.opts.JetStream = true
	r.opts.StoreDir = t.TempDir()
	r.start()
	r.opts.Port = r.srv.Addr().(*net.TCPAddr).Port
	t.Cleanup(r.stop)
	return r
}

func (r *restartableServer) start() {
	o := r.opts
	r.srv = test.RunServer(&o)
}

func (r *restartableServer) stop() {
	r.srv.Shutdown()
	r.srv.WaitForShutdown()
}

// TestDirectorySurvivesServerRestart: after the server restarts (its
// ephemeral consumers gone), the directory's watches come back and carry
// another node's writes again; while they catch up the directory reports
// itself unsynced rather than answer from a stale copy.
func TestDirectorySurvivesServerRestart(t *testing.T) {
	rs := startRestartable(t)
	a := connectEngine(t, rs.srv) // the watcher
	b := connectEngine(t, rs.srv) // the writer
	ctx := ctxT(t)
	if _, err := b.Store().PutUser(ctx, &guild.User{ID: 1, Username: "one"}); err != nil {
		t.Fatal(err)
	}
	sees := func(what string, fn func() bool) {
		t.Helper()
		checkFor(t, 30*time.Second, 50*time.Millisecond, func() error {
			if !fn() {
				return errors.New("watcher does not see " + what)
			}
			return nil
		})
	}
	sees("user 1", func() bool { has, ok := a.store.dir.userKnown(1); return ok && has })

	rs.stop()
	rs.start()
	checkFor(t, 30*time.Second, 50*time.Millisecond, func() error {
		if !a.Healthy() || !b.Healthy() {
			return errors.New("engines not back after the restart")
		}
		return nil
	})
	ctx = ctxT(t)
	if _, err := b.Store().PutGuild(ctx, testGuild(60)); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Store().PutMember(ctx, 60, testMember(2)); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Store().DeleteUser(ctx, 1); err != nil {
		t.Fatal(err)
	}
	sees("the writes after the restart", func() bool {
		gs, ok := a.store.dir.userGuilds(2)
		has, uok := a.store.dir.userKnown(1)
		return ok && uok && !has && slices.Equal(gs, []protocol.Snowflake{60})
	})
}
