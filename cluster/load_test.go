package cluster

import (
	"context"
	"fmt"
	"math"
	"os"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"gatehouse/core/guild"
	"gatehouse/core/protocol"
	"gatehouse/core/store"
)

// makeMembers builds n members with user ids from 1, a few roles each.
func makeMembers(n int) []*guild.Member {
	ms := make([]*guild.Member, n)
	for i := range ms {
		uid := protocol.Snowflake(i + 1)
		ms[i] = testMember(uid, protocol.Snowflake(100+i%5), protocol.Snowflake(200+i%3))
	}
	return ms
}

// putInBatches writes ms with PutMembers in batches of 1000, as the bulk
// ingest endpoint does.
func putInBatches(tb testing.TB, st store.Store, gid protocol.Snowflake, ms []*guild.Member) uint64 {
	tb.Helper()
	var rev uint64
	for b := range slices.Chunk(ms, 1000) {
		r, err := st.PutMembers(ctxT(tb), gid, b)
		if err != nil {
			tb.Fatal(err)
		}
		rev = r
	}
	return rev
}

func TestLoadGuildLarge(t *testing.T) {
	st := connectEngine(t, runJSServer(t)).Store()
	// A generous bound: this only guards against a hang. Under -race on a
	// loaded 2-core machine writing 20,000 members took over 30 s.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	const gid, n = 4000, 20000
	if _, err := st.PutGuild(ctx, testGuild(gid)); err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		if _, err := st.PutRole(ctx, gid, testRole(protocol.Snowflake(100+i))); err != nil {
			t.Fatal(err)
		}
	}
	ms := makeMembers(n)
	rev := putInBatches(t, st, gid, ms)
	snap, err := st.LoadGuild(ctx, gid)
	if err != nil {
		t.Fatal(err)
	}
	if snap.Rev != rev || len(snap.Members) != n || len(snap.Roles) != 5 {
		t.Fatalf("snapshot rev %d (want %d), %d members, %d roles", snap.Rev, rev, len(snap.Members), len(snap.Roles))
	}
	slices.SortFunc(snap.Members, func(a, b guild.Member) int { return int(a.UserID) - int(b.UserID) })
	for i, m := range snap.Members {
		if !reflect.DeepEqual(&m, ms[i]) {
			t.Fatalf("member %d = %+v, want %+v", i, m, *ms[i])
		}
	}
	got, err := st.UserGuilds(ctx, protocol.Snowflake(n))
	if err != nil || !slices.Equal(got, []protocol.Snowflake{gid}) {
		t.Fatalf("UserGuilds of the last member = %v, %v", got, err)
	}
}

// BenchmarkPutMembers measures the pipelined bulk write, members/s.
func BenchmarkPutMembers(b *testing.B) {
	e := embedded(b, b.TempDir())
	st := e.Store()
	ms := makeMembers(10000)
	var gid protocol.Snowflake
	b.ResetTimer()
	for b.Loop() {
		gid++
		putInBatches(b, st, gid, ms)
	}
	b.ReportMetric(float64(b.N*len(ms))/b.Elapsed().Seconds(), "members/s")
}

// BenchmarkLoadGuild measures LoadGuild of one guild: time, bytes
// allocated per load, and the live heap the snapshot holds. The million
// member case runs when GATEHOUSE_BENCH_1M=1 (it writes ~200 MB first).
func BenchmarkLoadGuild(b *testing.B) {
	sizes := []int{100000}
	if os.Getenv("GATEHOUSE_BENCH_1M") == "1" {
		sizes = append(sizes, 1000000)
	}
	for _, n := range sizes {
		b.Run(fmt.Sprintf("members=%d", n), func(b *testing.B) {
			e := embedded(b, b.TempDir())
			st := e.Store()
			ctx := ctxT(b)
			const gid = 1
			if _, err := st.PutGuild(ctx, testGuild(gid)); err != nil {
				b.Fatal(err)
			}
			start := time.Now()
			putInBatches(b, st, gid, makeMembers(n))
			b.Logf("wrote %d members in %s (%.0f members/s)", n, time.Since(start), float64(n)/time.Since(start).Seconds())
			var live float64
			prevRate := runtime.MemProfileRate
			runtime.MemProfileRate = 4096
			defer func() { runtime.MemProfileRate = prevRate }()
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				lctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
				snap, err := st.LoadGuild(lctx, gid)
				cancel()
				if err != nil || len(snap.Members) != n {
					b.Fatalf("LoadGuild: %v", err)
				}
				b.StopTimer()
				live = inUseBy("(*KVStore).LoadGuild")
				runtime.KeepAlive(snap)
				b.StartTimer()
			}
			b.ReportMetric(live/float64(n), "live-B/member")
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "members/s")
		})
	}
}

// inUseBy estimates the live heap allocated under a function, from the
// memory profile, so that the in-process server's own heap (which shares
// ours and grows and shrinks its caches meanwhile) is not counted. Samples
// are scaled as pprof scales them.
func inUseBy(fn string) float64 {
	runtime.GC()
	runtime.GC() // the profile lags by up to two cycles
	var recs []runtime.MemProfileRecord
	n, _ := runtime.MemProfile(nil, true)
	for {
		recs = make([]runtime.MemProfileRecord, n+64)
		var ok bool
		if n, ok = runtime.MemProfile(recs, true); ok {
			recs = recs[:n]
			break
		}
	}
	rate := float64(runtime.MemProfileRate)
	var total float64
	for _, r := range recs {
		if r.InUseBytes() == 0 || r.AllocObjects == 0 {
			continue
		}
		frames := runtime.CallersFrames(r.Stack())
		for {
			f, more := frames.Next()
			if strings.Contains(f.Function, fn) {
				avg := float64(r.AllocBytes) / float64(r.AllocObjects)
				total += float64(r.InUseBytes()) / (1 - math.Exp(-avg/rate))
				break
			}
			if !more {
				break
			}
		}
	}
	return total
}
