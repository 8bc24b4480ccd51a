package hub

import (
	"context"
	"fmt"
	"log/slog"
	"testing"

	"github.com/nats-io/nats-server/v2/test"

	"gatehouse/cluster"
	"gatehouse/core/guild"
	"gatehouse/core/protocol"
	"gatehouse/core/session"
)

// TestPrefetchUsers: against a real JetStream store, prefetchUsers puts
// every record it was asked for in the cache, the right one, and caches
// ids without a record as known-missing.
func TestPrefetchUsers(t *testing.T) {
	opts := test.DefaultTestOptions
	opts.Port, opts.JetStream, opts.StoreDir = -1, true, t.TempDir()
	srv := test.RunServer(&opts)
	t.Cleanup(srv.Shutdown)
	e, err := cluster.Connect(srv.ClientURL(), cluster.WithReplicas(1), cluster.WithLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.Close)
	st := e.Store()
	ctx := context.Background()
	const n = 500
	var ids []protocol.Snowflake
	for i := range n {
		id := protocol.Snowflake(1000 + i)
		ids = append(ids, id)
		if i%5 == 0 {
			continue // no record
		}
		if _, err := st.PutUser(ctx, &guild.User{ID: id, Username: fmt.Sprint("user", i)}); err != nil {
			t.Fatal(err)
		}
	}
	h, err := New(Config{Store: st, Broker: e.Broker(), Logger: slog.New(slog.DiscardHandler), Sessions: func(uint64) []*session.Session { return nil }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(h.Close)
	h.prefetchUsers(ids)
	for i, id := range ids {
		e, ok := h.users.get(id)
		if !ok {
			t.Fatalf("user %d not prefetched", id)
		}
		switch {
		case i%5 == 0 && e.u != nil:
			t.Fatalf("user %d has no record, cached %+v", id, e.u)
		case i%5 != 0 && (e.u == nil || e.u.Username != fmt.Sprint("user", i)):
			t.Fatalf("user %d cached as %+v", id, e.u)
		}
	}
}
