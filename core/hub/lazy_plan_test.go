package hub

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"gatehouse/core/memberlist"
)

// cell is a row as the plan test models it: identity and content version
// (-1 on the client: content unknown).
type cell struct {
	id  uint64
	ver int
}

// fakeFinal is the rows after a batch, with an item size per row.
type fakeFinal []cell

func (f fakeFinal) itemLen(i int) int { return 40 + int(f[i].id%50) }

func (f fakeFinal) row(i int) memberlist.Row { return memberlist.MemberRow(f[i].id) }

// planClient applies planned ops to a client's array the way
// lazyclient.Apply does, failing on any op a client could not apply.
func planClient(arr []cell, ops []lazyOp, fin fakeFinal) ([]cell, int, error) {
	for n, op := range ops {
		switch op.kind {
		case opInsert:
			if op.index < 0 || op.index > len(arr) {
				return nil, 0, fmt.Errorf("op %d: INSERT at %d into %d rows", n, op.index, len(arr))
			}
			c := cell{op.row.ID, -1}
			if op.final >= 0 {
				c = fin[op.final]
			}
			arr = slices.Insert(arr, op.index, c)
		case opDelete:
			if op.index < 0 || op.index >= len(arr) {
				return nil, 0, fmt.Errorf("op %d: DELETE at %d of %d rows", n, op.index, len(arr))
			}
			arr = slices.Delete(arr, op.index, op.index+1)
		case opUpdate:
			if op.index < 0 || op.index >= len(arr) {
				return nil, 0, fmt.Errorf("op %d: UPDATE at %d of %d rows", n, op.index, len(arr))
			}
			arr[op.index] = fin[op.index]
		case opSync:
			a := op.chunk * lazyChunk
			for i := a; i < min(a+lazyChunk, len(fin)); i++ {
				for len(arr) <= i {
					arr = append(arr, cell{0, -1})
				}
				arr[i] = fin[i]
			}
		default:
			return nil, 0, fmt.Errorf("op %d: unexpected kind %d", n, op.kind)
		}
	}
	afterOps := len(arr)
	for len(arr) < len(fin) {
		arr = append(arr, cell{0, -1})
	}
	return arr[:len(fin)], afterOps, nil
}

// TestLazyPlanRandom: random batches of row changes at random places
// around random chunk sets, in both modes; after the planned ops (and
// sizing from groups) every held position holds the server's row and
// content, every op is applicable, and with every shift sent the ops
// alone give the length. Fallback SYNCs and op bytes are logged.
func TestLazyPlanRandom(t *testing.T) {
	for _, allShifts := range []bool{false, true} {
		t.Run(fmt.Sprintf("allShifts=%v", allShifts), func(t *testing.T) {
			seeds := uint64(200)
			if raceEnabled {
				seeds = 100
			}
			for seed := uint64(1); seed <= seeds; seed++ {
				planSeed(t, seed, allShifts)
			}
		})
	}
}

func planSeed(t *testing.T, seed uint64, allShifts bool) {
	rng := rand.New(rand.NewPCG(seed, 7))
	next := uint64(1)
	var chunks []int
	for c := 0; c < 8; c++ {
		if rng.IntN(3) == 0 {
			chunks = append(chunks, c)
		}
	}
	if len(chunks) == 0 {
		chunks = []int{rng.IntN(8)}
	}
	// Even seeds keep the list's end near the last held row, where a
	// client's array that lags the list (batches not sent) matters.
	edge := seed%2 == 0
	n := rng.IntN(700)
	if edge {
		n = max(0, (chunks[len(chunks)-1]+1)*lazyChunk+rng.IntN(13)-6)
	}
	server := make([]cell, n)
	for i := range server {
		server[i] = cell{next, 0}
		next++
	}
	client := slices.Clone(server)
	var p lazyPlanner
	var fallbacks, ops int
	for step := 0; step < 200; step++ {
		// The client knows its chunks; everything else is garbage.
		for i := range client {
			if !slices.Contains(chunks, i/lazyChunk) {
				client[i] = cell{999999, -1}
			}
		}
		oldLen := len(server)
		var rcs []memberlist.RowChange
		k := 1 + rng.IntN(12)
		if edge {
			k = 1 + rng.IntN(3)
		}
		if rng.IntN(50) == 0 {
			k = 400 + rng.IntN(1000) // past lazyPlanMax sometimes
		}
		target := (chunks[len(chunks)-1] + 1) * lazyChunk
		for range k {
			// Cluster around a chunk edge half the time.
			pos := func(limit int) int {
				if limit <= 0 {
					return 0
				}
				if edge && rng.IntN(2) == 0 {
					return max(0, limit-1-rng.IntN(4))
				}
				if rng.IntN(2) == 0 {
					c := chunks[rng.IntN(len(chunks))]
					e := c*lazyChunk + []int{0, lazyChunk - 1, lazyChunk}[rng.IntN(3)] + rng.IntN(5) - 2
					return min(max(e, 0), limit-1)
				}
				return rng.IntN(limit)
			}
			r := rng.IntN(10)
			if edge && len(server) > target+4 && r < 4 {
				r = 5 // back towards the last held row: delete
			} else if edge && len(server) < target-4 && r >= 4 && r < 7 {
				r = 0 // insert
			}
			switch {
			case r < 4 || len(server) == 0:
				i := pos(len(server) + 1)
				server = slices.Insert(server, i, cell{next, 0})
				rcs = append(rcs, memberlist.RowChange{Op: memberlist.OpInsert, Index: i, Row: memberlist.MemberRow(next)})
				next++
			case r < 7:
				i := pos(len(server))
				server = slices.Delete(server, i, i+1)
				rcs = append(rcs, memberlist.RowChange{Op: memberlist.OpDelete, Index: i})
			default:
				i := pos(len(server))
				c := server[i]
				if rng.IntN(4) == 0 {
					c = cell{next, 0} // UPDATE may replace the row
					next++
				} else {
					c.ver++
				}
				server[i] = c
				rcs = append(rcs, memberlist.RowChange{Op: memberlist.OpUpdate, Index: i, Row: memberlist.MemberRow(c.id)})
			}
		}
		fin := fakeFinal(slices.Clone(server))
		// The client's array: the list's length as of the last batch that
		// sent it something (a batch with no ops is not sent).
		planned, fb := p.plan(chunks, rcs, len(client), len(server), allShifts, fin)
		fallbacks += fb
		ops += len(planned)
		got := client
		if len(planned) > 0 {
			var afterOps int
			var err error
			got, afterOps, err = planClient(client, planned, fin)
			if err != nil {
				t.Fatalf("seed %d step %d chunks %v (len %d→%d, client %d): %v", seed, step, chunks, oldLen, len(server), len(client), err)
			}
			if allShifts && afterOps != len(server) {
				t.Fatalf("seed %d step %d: ops alone leave %d rows, list has %d", seed, step, afterOps, len(server))
			}
		} else if allShifts && len(client) != len(server) {
			t.Fatalf("seed %d step %d: nothing sent, client has %d rows, list %d", seed, step, len(client), len(server))
		}
		for _, c := range chunks {
			for i := c * lazyChunk; i < min(c*lazyChunk+lazyChunk, len(server)); i++ {
				if i >= len(got) {
					t.Fatalf("seed %d step %d chunks %v: row %d of %d missing from the client's %d", seed, step, chunks, i, len(server), len(got))
				}
				if got[i] != server[i] || got[i].ver < 0 {
					t.Fatalf("seed %d step %d chunks %v (len %d→%d): row %d is %v, server %v\nchanges %v\nops %v",
						seed, step, chunks, oldLen, len(server), i, got[i], server[i], rcs, planned)
				}
			}
		}
		client = got
	}
	if seed == 1 {
		t.Logf("seed 1: %d ops, %d fallback SYNCs over 200 batches", ops, fallbacks)
	}
}

// TestNormaliseRanges: inclusive ranges become the lowest three 100-row
// chunks they touch; malformed ranges are skipped.
func TestNormaliseRanges(t *testing.T) {
	cases := []struct {
		in   [][]int64
		want []int
	}{
		{[][]int64{{0, 99}}, []int{0}},
		{[][]int64{{0, 99}, {100, 199}}, []int{0, 1}},
		{[][]int64{{50, 150}}, []int{0, 1}},
		{[][]int64{{300, 399}, {0, 0}}, []int{0, 3}},
		{[][]int64{{0, 1 << 40}}, []int{0, 1, 2}},
		{[][]int64{{0, 99}, {100, 199}, {200, 299}, {300, 399}}, []int{0, 1, 2}},
		{[][]int64{{5, 1}, {-1, 5}, {1}}, nil},
		{[][]int64{{1 << 62, 1 << 62}}, nil},
	}
	for _, c := range cases {
		if got := normaliseRanges(c.in); !slices.Equal(got, c.want) {
			t.Errorf("normaliseRanges(%v) = %v, want %v", c.in, got, c.want)
		}
	}
}

// TestParseLazyRequest: bad requests are decode errors, channel order is
// by id.
func TestParseLazyRequest(t *testing.T) {
	g, chans, err := parseLazyRequest([]byte(`{"guild_id":"5","channels":{"9":[[0,99]],"7":[]},"typing":true,"activities":true}`))
	if err != nil || g != 5 || len(chans) != 2 || chans[0].ch != 7 || chans[0].chunks != nil || chans[1].ch != 9 || !slices.Equal(chans[1].chunks, []int{0}) {
		t.Fatalf("parse: %v %v %+v", g, err, chans)
	}
	for _, bad := range []string{`{}`, `{"guild_id":"x"}`, `{"guild_id":"5","channels":{"x":[[0,99]]}}`, `{"guild_id":"5","channels":{"1":"no"}}`, `[`} {
		if _, _, err := parseLazyRequest([]byte(bad)); err == nil {
			t.Errorf("parseLazyRequest(%s) accepted", bad)
		}
	}
}
