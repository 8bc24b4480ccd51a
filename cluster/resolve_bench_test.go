package cluster

import (
	"sync/atomic"
	"testing"

	"gatehouse/core/protocol"
)

// BenchmarkIdentifyLookups measures what the hub asks the store per
// Identify — the user record and the user's guilds — for users with no
// record and no guilds (an identify storm of new bots), in parallel.
func BenchmarkIdentifyLookups(b *testing.B) {
	e := embedded(b, b.TempDir())
	st := e.Store()
	ctx := ctxT(b)
	// A populated index, so the guild walk has other users' keys to skip.
	putInBatches(b, st, 7, makeMembers(2000))
	var next atomic.Uint64
	next.Store(1 << 40)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			id := protocol.Snowflake(next.Add(1))
			if _, err := st.GetUser(ctx, id); err == nil {
				b.Fatal("unexpected user")
			}
			if gs, err := st.UserGuilds(ctx, id); err != nil || len(gs) != 0 {
				b.Fatal(gs, err)
			}
		}
	})
}
