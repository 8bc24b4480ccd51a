package memberlisttest

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"
	"testing"

	"gatehouse/core/memberlist"
)

const (
	online  = memberlist.GroupOnline
	offline = memberlist.GroupOffline
)

// Run is the conformance suite every memberlist.List passes.
func Run(t *testing.T, newList memberlist.New) {
	t.Run("Examples", func(t *testing.T) { examples(t, newList) })
	t.Run("Invalid", func(t *testing.T) { invalid(t, newList) })
	t.Run("Close", func(t *testing.T) { closing(t, newList) })
	t.Run("Churn", func(t *testing.T) {
		for _, seed := range Seeds(t, 8) {
			Churn(t, newList, seed, ChurnSize{Users: 300, Steps: 1500})
		}
	})
	t.Run("ChurnLarge", func(t *testing.T) {
		if testing.Short() {
			t.Skip("short")
		}
		for _, seed := range Seeds(t, 1) {
			Churn(t, newList, seed, ChurnSize{Users: 12000, Steps: 2000})
		}
	})
}

// Seeds are the churn seeds: MEMBERLIST_SEED=n replays one, otherwise n
// fixed ones.
func Seeds(t testing.TB, n int) []uint64 {
	if s := os.Getenv("MEMBERLIST_SEED"); s != "" {
		seed, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("MEMBERLIST_SEED: %v", err)
		}
		return []uint64{seed}
	}
	seeds := make([]uint64, n)
	for i := range seeds {
		seeds[i] = uint64(i)*7919 + 1
	}
	return seeds
}

func mustNew(t testing.TB, newList memberlist.New, n int) memberlist.List {
	t.Helper()
	l, err := newList(n)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

func up(user uint64, g memberlist.GroupID, name string) memberlist.Change {
	return memberlist.Change{Kind: memberlist.Upsert, User: user, Group: g, Name: []byte(name)}
}

func rm(user uint64) memberlist.Change { return memberlist.Change{Kind: memberlist.Remove, User: user} }

func order(ids ...memberlist.GroupID) memberlist.Change {
	return memberlist.Change{Kind: memberlist.SetOrder, Order: ids}
}

func ins(i int, r memberlist.Row) memberlist.RowChange {
	return memberlist.RowChange{Op: memberlist.OpInsert, Index: i, Row: r}
}

func upd(i int, r memberlist.Row) memberlist.RowChange {
	return memberlist.RowChange{Op: memberlist.OpUpdate, Index: i, Row: r}
}

func del(i int) memberlist.RowChange { return memberlist.RowChange{Op: memberlist.OpDelete, Index: i} }

var (
	member = memberlist.MemberRow
	group  = memberlist.GroupRow
)

// examples pins the exact row changes of the basic moves.
func examples(t *testing.T, newList memberlist.New) {
	l := mustNew(t, newList, 0)
	step := func(c memberlist.Change, want ...memberlist.RowChange) {
		t.Helper()
		got, resync, err := l.Apply(nil, []memberlist.Change{c})
		if err != nil || resync {
			t.Fatalf("%+v: err %v resync %v", c, err, resync)
		}
		if !slices.Equal(got, want) {
			t.Fatalf("%+v:\n got  %v\n want %v", c, got, want)
		}
	}
	step(order(online, offline))
	step(up(1, online, "bob"), ins(0, group(online, 1)), ins(1, member(1)))
	step(up(2, online, "alice"), upd(0, group(online, 2)), ins(1, member(2)))
	step(up(2, online, "alicia"), upd(1, member(2)))
	step(up(2, online, "alicia"), upd(1, member(2)))
	step(up(2, online, "carol"), del(1), ins(2, member(2)))
	step(up(1, offline, "bob"), del(1), upd(0, group(online, 1)), ins(2, group(offline, 1)), ins(3, member(1)))
	step(rm(2), del(1), del(0))
	step(rm(2))
	step(up(3, 77, "dave"))
	if _, ok := l.IndexOf(3); ok || l.Members() != 2 {
		t.Fatalf("member of a group outside the order is shown")
	}
	got, resync, err := l.Apply([]memberlist.RowChange{del(9)}, []memberlist.Change{up(4, online, "eve"), order(77, online, offline)})
	if err != nil || !resync || !slices.Equal(got, []memberlist.RowChange{del(9)}) {
		t.Fatalf("reorder: got %v resync %v err %v", got, resync, err)
	}
	want := []memberlist.Row{group(77, 1), member(3), group(online, 1), member(4), group(offline, 1), member(1)}
	if rows := l.Rows(nil, 0, 99); !slices.Equal(rows, want) {
		t.Fatalf("rows %v, want %v", rows, want)
	}
	if rows := l.Rows(nil, 2, 3); !slices.Equal(rows, want[2:4]) {
		t.Fatalf("rows 2..3 %v", rows)
	}
	if i, ok := l.IndexOf(1); !ok || i != 5 || l.Len() != 6 {
		t.Fatalf("IndexOf(1) = %d %v, Len %d", i, ok, l.Len())
	}
	wantG := []memberlist.GroupCount{{ID: 77, Count: 1}, {ID: online, Count: 1}, {ID: offline, Count: 1}}
	if g := l.Groups(nil); !slices.Equal(g, wantG) {
		t.Fatalf("groups %v", g)
	}
}

// invalid checks that a batch with a bad change is refused whole.
func invalid(t *testing.T, newList memberlist.New) {
	l := mustNew(t, newList, 0)
	long := make([]byte, memberlist.MaxNameLen+1)
	for i := range long {
		long[i] = 'a'
	}
	many := make([]memberlist.GroupID, memberlist.MaxOrderLen+1)
	for i := range many {
		many[i] = memberlist.GroupID(i)
	}
	bad := []memberlist.Change{
		{Kind: memberlist.Upsert, User: 1, Group: online, Name: long},
		up(1, online, "a\x00b"),
		order(5, 6, 5),
		{Kind: memberlist.SetOrder, Order: many},
		{Kind: 9},
	}
	for _, b := range bad {
		dst := []memberlist.RowChange{del(1)}
		got, resync, err := l.Apply(dst, []memberlist.Change{order(online), up(9, online, "ok"), b})
		if !errors.Is(err, memberlist.ErrInvalidChange) || resync || !slices.Equal(got, dst) {
			t.Fatalf("%+v: err %v resync %v dst %v", b, err, resync, got)
		}
		if l.Len() != 0 || l.Members() != 0 {
			t.Fatalf("%+v: refused batch changed the list", b)
		}
	}
	if _, _, err := l.Apply(nil, []memberlist.Change{up(1, online, string(long[:memberlist.MaxNameLen]))}); err != nil {
		t.Fatalf("name of exactly MaxNameLen: %v", err)
	}
}

func closing(t *testing.T, newList memberlist.New) {
	l, err := newList(0)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := l.Apply(nil, []memberlist.Change{order(online), up(1, online, "a")}); err != nil {
		t.Fatal(err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if _, _, err := l.Apply(nil, []memberlist.Change{rm(1)}); !errors.Is(err, memberlist.ErrClosed) {
		t.Fatalf("Apply after Close: %v", err)
	}
	if l.Len() != 0 || l.Members() != 0 || len(l.Rows(nil, 0, 9)) != 0 || len(l.Groups(nil)) != 0 {
		t.Fatal("reads after Close are not empty")
	}
	if _, ok := l.IndexOf(1); ok {
		t.Fatal("IndexOf after Close")
	}
}

// ChurnSize is how big a churn run is.
type ChurnSize struct {
	Users int
	Steps int
}

// Churn runs random batches of joins, leaves, presence flips, renames,
// role moves and reorders against the model, with a client that keeps its
// copy of the rows only through the returned row changes. After every
// batch the client's rows must equal the model's; reads are checked every
// few steps. A failure names the seed: MEMBERLIST_SEED=seed replays it.
func Churn(t *testing.T, newList memberlist.New, seed uint64, size ChurnSize) {
	t.Helper()
	l := mustNew(t, newList, size.Users)
	w := NewChurn(seed, size.Users)
	var client []memberlist.Row
	var out []memberlist.RowChange
	fail := func(step int, format string, args ...any) {
		t.Helper()
		t.Fatalf("seed %d step %d (replay: MEMBERLIST_SEED=%d): %s", seed, step, seed, fmt.Sprintf(format, args...))
	}
	for step := range size.Steps {
		batch := w.Batch()
		var err error
		var resync bool
		out, resync, err = l.Apply(out[:0], batch)
		if err != nil {
			fail(step, "apply: %v", err)
		}
		wantResync := false
		for _, c := range batch {
			wantResync = w.Model.Apply(c) || wantResync
		}
		if resync != wantResync {
			fail(step, "resync %v, want %v", resync, wantResync)
		}
		if len(out) > memberlist.WorstRows(batch) {
			fail(step, "%d row changes for a batch of %d", len(out), len(batch))
		}
		if resync {
			if len(out) != 0 {
				fail(step, "row changes with a resync")
			}
			client = l.Rows(client[:0], 0, l.Len())
		} else if client, err = Replay(client, out); err != nil {
			fail(step, "%v", err)
		}
		if step%50 != 0 && step != size.Steps-1 && size.Users > 1000 {
			continue
		}
		want := w.Model.Rows()
		if !slices.Equal(client, want) {
			fail(step, "client rows differ from the model:\n got  %v\n want %v", head(client), head(want))
		}
		if got := l.Rows(nil, 0, len(want)+5); !slices.Equal(got, want) {
			fail(step, "Rows differ from the model")
		}
		if l.Len() != len(want) || l.Members() != len(w.Model.Members) {
			fail(step, "Len %d Members %d, want %d %d", l.Len(), l.Members(), len(want), len(w.Model.Members))
		}
		if g := l.Groups(nil); !slices.Equal(g, w.Model.Groups()) {
			fail(step, "Groups %v, want %v", g, w.Model.Groups())
		}
		for range 20 {
			u := w.rng.Below(uint64(size.Users) + 10)
			i, ok := l.IndexOf(u)
			at := slices.Index(want, memberlist.MemberRow(u))
			if ok != (at >= 0) || (ok && i != at) {
				fail(step, "IndexOf(%d) = %d %v, want %d", u, i, ok, at)
			}
		}
		start := int(w.rng.Below(uint64(len(want) + 3)))
		end := start + int(w.rng.Below(120))
		if got := l.Rows(nil, start, end); !slices.Equal(got, want[min(start, len(want)):min(end+1, len(want))]) {
			fail(step, "Rows(%d, %d) differ", start, end)
		}
	}
}

func head(rows []memberlist.Row) []memberlist.Row { return rows[:min(len(rows), 12)] }

// Same runs one churn through two implementations and requires identical
// row changes and resyncs for every batch: the Rust core and the Go
// baseline are interchangeable behind the seam.
func Same(t *testing.T, a, b memberlist.New, seed uint64, size ChurnSize) {
	t.Helper()
	la, lb := mustNew(t, a, size.Users), mustNew(t, b, size.Users)
	w := NewChurn(seed, size.Users)
	var oa, ob []memberlist.RowChange
	for step := range size.Steps {
		batch := w.Batch()
		for _, c := range batch {
			w.Model.Apply(c)
		}
		var ra, rb bool
		var ea, eb error
		oa, ra, ea = la.Apply(oa[:0], batch)
		ob, rb, eb = lb.Apply(ob[:0], batch)
		if ea != nil || eb != nil || ra != rb || !slices.Equal(oa, ob) {
			t.Fatalf("seed %d step %d (replay: MEMBERLIST_SEED=%d): implementations differ:\n a %v %v %v\n b %v %v %v",
				seed, step, seed, oa, ra, ea, ob, rb, eb)
		}
	}
}
