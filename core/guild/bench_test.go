package guild

import (
	"fmt"
	"runtime"
	"testing"

	"gatehouse/core/protocol"
)

// benchMembers makes n members: every one with 1–2 roles, one in ten with
// a nick, as a community guild looks.
func benchMembers(n int) []Member {
	ms := make([]Member, n)
	for i := range ms {
		m := Member{UserID: sf(uint64(1_000_000 + i)), JoinedAt: "2024-05-06T07:08:09.123456+00:00",
			Roles: []Snowflake{sf(uint64(201 + i%3))}}
		if i%2 == 0 {
			m.Roles = append(m.Roles, 204)
		}
		if i%10 == 0 {
			m.Nick = ptr(fmt.Sprintf("nick%d", i))
		}
		ms[i] = m
	}
	return ms
}

func heapInUse() uint64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// BenchmarkStateMemory reports the heap a State holds per member (B/member).
func BenchmarkStateMemory(b *testing.B) {
	for _, n := range []int{100_000} {
		b.Run(fmt.Sprintf("members=%d", n), func(b *testing.B) {
			ms := benchMembers(n)
			roles := []Role{role(gID, view), role(201, 0), role(202, 0), role(203, 0), role(204, 0)}
			var perMember float64
			for i := 0; i < b.N; i++ {
				before := heapInUse()
				s := NewState(Guild{ID: gID}, roles, nil, ms, 1)
				after := heapInUse()
				if s.MemberCount() != n {
					b.Fatal("members lost")
				}
				perMember = float64(after-before) / float64(n)
				runtime.KeepAlive(s)
			}
			b.ReportMetric(perMember, "B/member")
		})
	}
}

// BenchmarkAdmits is the per-recipient cost of deciding a MESSAGE_CREATE
// in a channel with role and member overwrites.
func BenchmarkAdmits(b *testing.B) {
	const n = 19_000
	ms := benchMembers(n)
	roles := []Role{role(gID, view|protocol.PermSendMessages), role(201, 0), role(202, 0), role(203, 0), role(204, 0)}
	ch := text(11, roleOW(gID, 0, view), roleOW(201, view, 0), roleOW(204, view, 0), memberOW(1_000_001, 0, view))
	s := NewState(Guild{ID: gID}, roles, []Channel{ch}, ms, 1)
	rs := make([]Recipient, n)
	for i := range rs {
		rs[i] = Recipient{UserID: ms[i].UserID, Intents: protocol.IntentGuildMessages}
	}
	b.ResetTimer()
	admitted := 0
	for i := 0; i < b.N; i++ {
		a := s.Audience("MESSAGE_CREATE", 11, 0)
		admitted = 0
		for _, r := range rs {
			if a.Admits(r) {
				admitted++
			}
		}
	}
	if admitted == 0 || admitted == n {
		b.Fatalf("admitted %d of %d: the overwrites should split the guild", admitted, n)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/recipient")
}

// BenchmarkMembersChunks is op 8 for every member of a 100k guild.
func BenchmarkMembersChunks(b *testing.B) {
	ms := benchMembers(100_000)
	s := NewState(Guild{ID: gID}, nil, nil, ms, 1)
	users := func(uid Snowflake) *User { return &User{ID: uid, Username: "someone"} }
	b.ResetTimer()
	var total int
	for i := 0; i < b.N; i++ {
		total = 0
		if err := MembersChunks(s, ChunkRequest{}, users, nil, func(d []byte) error { total += len(d); return nil }); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(total)/100_000, "B/member-json")
}
