package cluster

import (
	"fmt"
	"runtime"
	"testing"

	"gatehouse/core/protocol"
)

// heapAfter runs build and returns the live heap it added, kept alive.
func heapAfter(build func() *directory) (uint64, *directory) {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	d := build()
	runtime.GC()
	runtime.ReadMemStats(&after)
	return after.HeapAlloc - before.HeapAlloc, d
}

// fillDirectory applies n memberships through the watch path: n/perUser
// users, each in perUser guilds of n/perUser members, and each with a
// record, as an ingest of a guild's members writes them.
func fillDirectory(n, perUser int) *directory {
	d := bareDirectory()
	d.mu.Lock()
	defer d.mu.Unlock()
	rev := uint64(0)
	users := n / perUser
	for i := 0; i < users; i++ {
		u := protocol.Snowflake(1<<40 + i)
		rev++
		d.setUser(u, true, rev, true)
		for g := 0; g < perUser; g++ {
			rev++
			d.setMember(protocol.Snowflake(1<<50+g), u, true, rev, true)
		}
	}
	d.advance(d.guildsW, rev)
	return d
}

// TestDirectoryMemoryPerMembership measures the live heap of 100,000
// memberships: one guild of 100,000 members with records (the case that
// must stay at tens of bytes), and 10,000 users in 10 guilds each.
func TestDirectoryMemoryPerMembership(t *testing.T) {
	const n = 100_000
	for _, c := range []struct {
		perUser int
		limit   float64 // bytes per membership that fail the test
	}{{1, 64}, {10, 64}} {
		t.Run(fmt.Sprintf("guilds_per_user=%d", c.perUser), func(t *testing.T) {
			bytes, d := heapAfter(func() *directory { return fillDirectory(n, c.perUser) })
			per := float64(bytes) / n
			t.Logf("%d memberships, %d users, %d guilds per user: %d B live heap, %.1f B per membership",
				n, n/c.perUser, c.perUser, bytes, per)
			if got, _ := d.userGuilds(protocol.Snowflake(1 << 40)); len(got) != c.perUser {
				t.Fatalf("first user in %d guilds, want %d", len(got), c.perUser)
			}
			if per > c.limit {
				t.Fatalf("%.1f B per membership, above %.0f", per, c.limit)
			}
			runtime.KeepAlive(d)
		})
	}
}

// BenchmarkDirectoryMemory reports bytes per membership of one large guild
// (members with records, one guild each) and the time to apply each.
func BenchmarkDirectoryMemory(b *testing.B) {
	for _, n := range []int{100_000, 1_000_000} {
		b.Run(fmt.Sprintf("members=%d", n), func(b *testing.B) {
			var bytes uint64
			for range b.N {
				var d *directory
				bytes, d = heapAfter(func() *directory { return fillDirectory(n, 1) })
				runtime.KeepAlive(d)
			}
			b.ReportMetric(float64(bytes)/float64(n), "B/membership")
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/membership")
		})
	}
}

// BenchmarkDirectoryGuildDelete times removing a deleted guild from every
// member (a chunk of dropChunk members per hold of the lock).
func BenchmarkDirectoryGuildDelete(b *testing.B) {
	for _, n := range []int{100_000, 1_000_000} {
		b.Run(fmt.Sprintf("members=%d", n), func(b *testing.B) {
			for range b.N {
				b.StopTimer()
				d := fillDirectory(n, 1)
				b.StartTimer()
				d.mu.Lock()
				dr := d.dropGuild(1<<50, 1<<60, true)
				d.mu.Unlock()
				d.finishDrop(dr)
				if len(d.users) != n || len(d.rosters) != 0 || len(d.drops) != 0 {
					b.Fatalf("%d users, %d rosters, %d drops left", len(d.users), len(d.rosters), len(d.drops))
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/member")
		})
	}
}
