package loadgen

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/bytedance/sonic"

	"gatehouse/server/ws"
)

// LazySpec is the op 14 (lazy member list request) every session sends
// once its guild's GUILD_CREATE arrives, as a client that opens a channel
// does: Ranges of Channel's member list in Guild (PROTOCOL.md, "Lazy
// member lists"). The sessions then count every GUILD_MEMBER_LIST_UPDATE:
// bytes, ops by kind, and SYNCs beyond the one that answers the request
// (the server's fallbacks and resyncs). Gateway protocol only.
type LazySpec struct {
	Guild, Channel uint64
	Ranges         [][2]int64 // inclusive row ranges
	chunks         []int64    // the 100-row chunks the server will keep, ascending
	guildKey       []byte     // `"id":"<guild>"`, found in the guild's GUILD_CREATE
}

// lazyChunk and lazyMaxChunks mirror the server's normalisation: ranges
// become the lowest three 100-row chunks they touch.
const (
	lazyChunk     = 100
	lazyMaxChunks = 3
)

// ParseLazy reads "GUILD:CHANNEL:A-B[,A-B...]", e.g.
// "41771983423143937:41771983423143938:0-99".
func ParseLazy(s string) (*LazySpec, error) {
	f := strings.Split(s, ":")
	if len(f) != 3 {
		return nil, fmt.Errorf("loadgen: --lazy %q: want GUILD:CHANNEL:A-B[,A-B...]", s)
	}
	g, err1 := strconv.ParseUint(f[0], 10, 64)
	ch, err2 := strconv.ParseUint(f[1], 10, 64)
	if err1 != nil || err2 != nil || g == 0 || ch == 0 {
		return nil, fmt.Errorf("loadgen: --lazy %q: bad guild or channel id", s)
	}
	l := &LazySpec{Guild: g, Channel: ch}
	for _, r := range strings.Split(f[2], ",") {
		a, b, ok := strings.Cut(strings.TrimSpace(r), "-")
		x, err1 := strconv.ParseInt(a, 10, 64)
		y, err2 := strconv.ParseInt(b, 10, 64)
		if !ok || err1 != nil || err2 != nil || x < 0 || y < x {
			return nil, fmt.Errorf("loadgen: --lazy %q: range %q is not A-B with 0 <= A <= B", s, r)
		}
		l.Ranges = append(l.Ranges, [2]int64{x, y})
	}
	return l, l.check()
}

// check computes the chunks the server will hold for the ranges.
func (l *LazySpec) check() error {
	if len(l.Ranges) == 0 {
		return errors.New("loadgen: lazy request without ranges")
	}
	l.chunks = l.chunks[:0]
	for _, r := range l.Ranges {
		for c := r[0] / lazyChunk; c <= r[1]/lazyChunk; c++ {
			l.chunks = append(l.chunks, c)
		}
	}
	// Sort, dedupe and keep the lowest few (small: insertion sort).
	for i := 1; i < len(l.chunks); i++ {
		for j := i; j > 0 && l.chunks[j] < l.chunks[j-1]; j-- {
			l.chunks[j], l.chunks[j-1] = l.chunks[j-1], l.chunks[j]
		}
	}
	out := l.chunks[:0]
	for _, c := range l.chunks {
		if len(out) == 0 || out[len(out)-1] != c {
			out = append(out, c)
		}
	}
	l.chunks = out[:min(len(out), lazyMaxChunks)]
	l.guildKey = appendUint([]byte(`"id":"`), l.Guild)
	l.guildKey = append(l.guildKey, '"')
	return nil
}

// appendPayload appends the op 14 message.
func (l *LazySpec) appendPayload(b []byte) []byte {
	b = append(b, `{"op":14,"d":{"guild_id":"`...)
	b = appendUint(b, l.Guild)
	b = append(b, `","typing":true,"activities":true,"channels":{"`...)
	b = appendUint(b, l.Channel)
	b = append(b, `":[`...)
	for i, r := range l.Ranges {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '[')
		b = strconv.AppendInt(b, r[0], 10)
		b = append(b, ',')
		b = strconv.AppendInt(b, r[1], 10)
		b = append(b, ']')
	}
	return append(b, `]}}}`...)
}

// LazyStats counts the member list traffic the sessions received.
type LazyStats struct {
	Requested int64 `json:"requested"` // op 14s sent
	Synced    int64 `json:"synced"`    // sessions that got a SYNC for every chunk asked
	// Dispatches is GUILD_MEMBER_LIST_UPDATEs; Bytes their whole messages
	// as decoded (after transport decompression).
	Dispatches int64 `json:"dispatches"`
	Bytes      int64 `json:"bytes"`
	Ops        int64 `json:"ops"`
	// Syncs is every SYNC op; LaterSyncs those for a chunk the session had
	// already been sent: the server's fallbacks and resyncs, as a client
	// sees them.
	Syncs       int64 `json:"syncs"`
	LaterSyncs  int64 `json:"later_syncs"`
	Inserts     int64 `json:"inserts"`
	Deletes     int64 `json:"deletes"`
	Updates     int64 `json:"updates"`
	Invalidates int64 `json:"invalidates"`
	// Malformed is dispatches whose ops did not decode, or named an
	// unknown op: counted as ErrJSON errors too.
	Malformed int64 `json:"malformed"`
}

// Add sums o into s (several processes).
func (s *LazyStats) Add(o LazyStats) {
	s.Requested += o.Requested
	s.Synced += o.Synced
	s.Dispatches += o.Dispatches
	s.Bytes += o.Bytes
	s.Ops += o.Ops
	s.Syncs += o.Syncs
	s.LaterSyncs += o.LaterSyncs
	s.Inserts += o.Inserts
	s.Deletes += o.Deletes
	s.Updates += o.Updates
	s.Invalidates += o.Invalidates
	s.Malformed += o.Malformed
}

// lazyCounters is LazyStats kept with atomics (every loop adds to it).
type lazyCounters struct {
	requested, synced, dispatches, bytes, ops, syncs, laterSyncs atomic.Int64
	inserts, deletes, updates, invalidates, malformed            atomic.Int64
}

func (c *lazyCounters) snapshot() *LazyStats {
	return &LazyStats{
		Requested: c.requested.Load(), Synced: c.synced.Load(), Dispatches: c.dispatches.Load(),
		Bytes: c.bytes.Load(), Ops: c.ops.Load(), Syncs: c.syncs.Load(), LaterSyncs: c.laterSyncs.Load(),
		Inserts: c.inserts.Load(), Deletes: c.deletes.Load(), Updates: c.updates.Load(),
		Invalidates: c.invalidates.Load(), Malformed: c.malformed.Load(),
	}
}

// lazyWire is the part of GUILD_MEMBER_LIST_UPDATE's d the sessions read;
// the items are skipped by the decoder.
type lazyWire struct {
	Ops []struct {
		Op    string  `json:"op"`
		Range []int64 `json:"range"`
	} `json:"ops"`
}

// onLazy handles the dispatches that matter to a lazy request: the
// guild's GUILD_CREATE sends op 14 (once per connection), and each
// GUILD_MEMBER_LIST_UPDATE is counted. It reports whether the dispatch was
// a member list update. Loop only.
func (c *conn) onLazy(t string, d []byte, size int) bool {
	r := c.lp.r
	l := r.cfg.Lazy
	switch t {
	case "GUILD_CREATE":
		if !c.lazySent && bytes.Contains(d, l.guildKey) {
			c.lazySent = true
			b := l.appendPayload(c.lp.pay[:0])
			c.lp.pay = b
			c.send(ws.OpText, b)
			r.lazy.requested.Add(1)
		}
		return false
	case "GUILD_MEMBER_LIST_UPDATE":
	default:
		return false
	}
	lc := &r.lazy
	lc.dispatches.Add(1)
	lc.bytes.Add(int64(size))
	var w lazyWire
	if err := sonic.ConfigStd.Unmarshal(d, &w); err != nil {
		lc.malformed.Add(1)
		r.c.errs[ErrJSON].Add(1)
		return true
	}
	lc.ops.Add(int64(len(w.Ops)))
	for _, op := range w.Ops {
		switch op.Op {
		case "SYNC":
			lc.syncs.Add(1)
			c.lazySync(op.Range)
		case "INSERT":
			lc.inserts.Add(1)
		case "DELETE":
			lc.deletes.Add(1)
		case "UPDATE":
			lc.updates.Add(1)
		case "INVALIDATE":
			lc.invalidates.Add(1)
		default:
			lc.malformed.Add(1)
			r.c.errs[ErrJSON].Add(1)
		}
	}
	return true
}

// lazySync notes a SYNC of rng: the first for each chunk answers the
// request, any later one is a fallback or resync. Loop only.
func (c *conn) lazySync(rng []int64) {
	r := c.lp.r
	l := r.cfg.Lazy
	if len(rng) != 2 {
		r.lazy.malformed.Add(1)
		r.c.errs[ErrJSON].Add(1)
		return
	}
	bit := uint8(0)
	for i, ch := range l.chunks {
		if rng[0] == ch*lazyChunk {
			bit = 1 << i
		}
	}
	if bit == 0 || c.lazyGot&bit != 0 {
		r.lazy.laterSyncs.Add(1)
		return
	}
	c.lazyGot |= bit
	if c.lazyGot == uint8(1)<<len(l.chunks)-1 {
		r.lazy.synced.Add(1)
	}
}
