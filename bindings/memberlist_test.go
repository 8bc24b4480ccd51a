//go:build cgo

package bindings

import (
	"runtime"
	"testing"
	"time"

	"gatehouse/core/memberlist"
	"gatehouse/core/memberlist/memberlisttest"
)

// TestMemberListConformance runs the seam's conformance suite against the
// Rust core through cgo.
func TestMemberListConformance(t *testing.T) {
	memberlisttest.Run(t, NewMemberList)
}

// TestMemberListSameAsGo runs the same churn through the Rust core and the
// Go baseline and requires identical row changes for every batch.
func TestMemberListSameAsGo(t *testing.T) {
	for _, seed := range memberlisttest.Seeds(t, 4) {
		memberlisttest.Same(t, NewMemberList, memberlist.NewGoList, seed, memberlisttest.ChurnSize{Users: 2000, Steps: 3000})
	}
}

// TestMemberListLongBatch sends one batch longer than MaxChangesPerCall,
// which crosses several times but must read as one batch.
func TestMemberListLongBatch(t *testing.T) {
	l, _ := NewMemberList(0)
	defer l.Close()
	g, _ := memberlist.NewGoList(0)
	batch := []memberlist.Change{{Kind: memberlist.SetOrder, Order: []memberlist.GroupID{memberlist.GroupOnline}}}
	for u := range 3*MaxChangesPerCall + 5 {
		name := memberlist.AppendSortName(nil, "Member "+string(rune('A'+u%26)))
		batch = append(batch, memberlist.Change{Kind: memberlist.Upsert, User: uint64(u), Group: memberlist.GroupOnline, Name: name})
	}
	got, resync, err := l.Apply(nil, batch)
	want, _, _ := g.Apply(nil, batch)
	if err != nil || resync || len(got) != len(want) {
		t.Fatalf("err %v resync %v: %d row changes, want %d", err, resync, len(got), len(want))
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("row change %d: %v, want %v", i, got[i], want[i])
		}
	}
}

// TestMemberListSteadyStateAllocatesNothing checks the Go side of a batch
// allocates nothing once its buffers have grown.
func TestMemberListSteadyStateAllocatesNothing(t *testing.T) {
	l, _ := NewMemberList(100)
	defer l.Close()
	batch := []memberlist.Change{{Kind: memberlist.SetOrder, Order: []memberlist.GroupID{memberlist.GroupOnline, memberlist.GroupOffline}}}
	for u := range 32 {
		batch = append(batch, memberlist.Change{Kind: memberlist.Upsert, User: uint64(u), Group: memberlist.GroupOnline, Name: []byte{byte('a' + u%26), 'x'}})
	}
	out, _, _ := l.Apply(nil, batch)
	flip := batch[1:]
	allocs := testing.AllocsPerRun(100, func() {
		for i := range flip {
			if flip[i].Group == memberlist.GroupOnline {
				flip[i].Group = memberlist.GroupOffline
			} else {
				flip[i].Group = memberlist.GroupOnline
			}
		}
		var err error
		out, _, err = l.Apply(out[:0], flip)
		if err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Fatalf("%.1f allocations per batch", allocs)
	}
}

// TestMemberListFinalizerFrees checks a dropped list's handle is freed by
// the finalizer safety net.
func TestMemberListFinalizerFrees(t *testing.T) {
	before := liveMemberLists.Load()
	for range 10 {
		l, err := NewMemberList(10)
		if err != nil {
			t.Fatal(err)
		}
		_, _, _ = l.Apply(nil, []memberlist.Change{{Kind: memberlist.Upsert, User: 1, Group: 1, Name: []byte("a")}})
	}
	deadline := time.Now().Add(5 * time.Second)
	for liveMemberLists.Load() > before && time.Now().Before(deadline) {
		runtime.GC()
		time.Sleep(10 * time.Millisecond)
	}
	if n := liveMemberLists.Load(); n > before {
		t.Fatalf("%d handles still live", n-before)
	}
}

// TestMemberListMemory checks the memory report is live and closes to zero.
func TestMemberListMemory(t *testing.T) {
	l, _ := NewMemberList(0)
	m := l.(*MemberList)
	_, _, _ = l.Apply(nil, []memberlist.Change{{Kind: memberlist.Upsert, User: 1, Group: 1, Name: []byte("a long sort name")}})
	heap, names := m.Memory()
	if heap <= 0 || names != len("a long sort name")-8 {
		t.Fatalf("memory %d, names %d", heap, names)
	}
	l.Close()
	if heap, names := m.Memory(); heap != 0 || names != 0 {
		t.Fatal("memory after Close")
	}
}
