package cluster

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats-server/v2/test"

	"gatehouse/core/guild"
	"gatehouse/core/protocol"
	"gatehouse/core/store"
)

// quietLogger drops log lines: background goroutines may log after a test
// ends, when t.Log would panic.
func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// runJSServer starts a real nats-server with JetStream on a free port.
func runJSServer(t testing.TB) *server.Server {
	t.Helper()
	opts := test.DefaultTestOptions
	opts.Port = -1
	opts.JetStream = true
	opts.StoreDir = t.TempDir()
	s := test.RunServer(&opts)
	t.Cleanup(func() {
		s.Shutdown()
		s.WaitForShutdown()
	})
	return s
}

// connectEngine connects an Engine with single-replica buckets to s.
func connectEngine(t testing.TB, s *server.Server, opts ...Option) *Engine {
	t.Helper()
	opts = append([]Option{WithReplicas(1), WithLogger(quietLogger())}, opts...)
	e, err := Connect(s.ClientURL(), opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.Close)
	return e
}

// embedded starts an embedded engine on dir.
func embedded(t testing.TB, dir string) *Engine {
	t.Helper()
	e, err := StartEmbedded(EmbeddedConfig{DataDir: dir}, WithLogger(quietLogger()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.Close)
	return e
}

// checkFor polls fn every step until it returns nil or total has passed.
func checkFor(t testing.TB, total, step time.Duration, fn func() error) {
	t.Helper()
	deadline := time.Now().Add(total)
	for {
		err := fn()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal(err)
		}
		time.Sleep(step)
	}
}

// clientGoroutines counts goroutines outside nats-server: the in-process
// test server starts and ends its own as it pleases, which says nothing
// about leaks of ours or of nats.go.
func clientGoroutines() (int, string) {
	buf := make([]byte, 4<<20)
	all := string(buf[:runtime.Stack(buf, true)])
	var n int
	var ours []string
	for _, g := range strings.Split(all, "\n\n") {
		if !strings.Contains(g, "nats-server/v2/") {
			n++
			ours = append(ours, g)
		}
	}
	return n, strings.Join(ours, "\n\n")
}

// goroutinesBack waits until clientGoroutines is at most base.
func goroutinesBack(t testing.TB, base int) {
	t.Helper()
	checkFor(t, 10*time.Second, 20*time.Millisecond, func() error {
		if n, stacks := clientGoroutines(); n > base {
			return fmt.Errorf("goroutines: %d, baseline %d\n%s", n, base, stacks)
		}
		return nil
	})
}

func ctxT(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func sp(s string) *string { return &s }

func testMember(uid protocol.Snowflake, roles ...protocol.Snowflake) *guild.Member {
	nick := "nick-" + uid.String()
	if roles == nil {
		roles = []protocol.Snowflake{}
	}
	return &guild.Member{UserID: uid, Nick: &nick, Roles: roles, JoinedAt: "2024-01-02T03:04:05.000000+00:00", Flags: int(uid % 7)}
}

func testGuild(gid protocol.Snowflake) *guild.Guild {
	return &guild.Guild{ID: gid, Name: "guild " + gid.String(), OwnerID: 42, AFKTimeout: 300,
		PreferredLocale: "en-US", Features: []string{"COMMUNITY"}, Description: sp("a test guild")}
}

func testChannel(gid, cid protocol.Snowflake) *guild.Channel {
	return &guild.Channel{ID: cid, GuildID: gid, Name: "general", Type: 0, Topic: sp("hi"),
		PermissionOverwrites: []guild.Overwrite{{ID: gid, Type: guild.OverwriteRole, Deny: protocol.PermViewChannel}}}
}

func testRole(rid protocol.Snowflake) *guild.Role {
	return &guild.Role{ID: rid, Name: "role", Hoist: true, Position: 2, Permissions: protocol.PermViewChannel | protocol.PermSendMessages}
}

func contextWithCancel(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithCancel(ctx)
}

// warmAsync makes one pipelined write, so that the goroutines nats.go
// starts on the first async publish (and keeps) exist before a baseline.
func warmAsync(t testing.TB, st store.Store) {
	t.Helper()
	if _, err := st.PutMember(ctxT(t), 1, testMember(1)); err != nil {
		t.Fatal(err)
	}
}
