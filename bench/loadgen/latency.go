package loadgen

import (
	"bytes"
	"strconv"
	"sync/atomic"
	"time"
)

// Tagged messages carry their send time so the load generator can measure
// send-to-receipt latency without a clock of its own in the message path.
// A benchmark driver puts
//
//	"nonce":"gh:<class>:<index>:<unix ns at send>"
//
// into the message it publishes (the gateway passes a message's nonce
// through, and a Centrifugo publication's data is passed through whole).
// class (0–7) separates the phases of one run, e.g. a fixed-rate phase and
// a burst; index numbers the messages of a class from 0, so deliveries can
// be counted per message. Sender and receivers share this machine's wall
// clock.

// NumClasses is how many message classes a run can tag.
const NumClasses = 8

// tagPrefix is how a tagged nonce starts inside a message's JSON.
var tagPrefix = []byte(`"nonce":"gh:`)

// Tag is the nonce for message index of class sent at unixNS.
func Tag(class, index int, unixNS int64) string {
	b := make([]byte, 0, 40)
	b = append(b, "gh:"...)
	b = strconv.AppendInt(b, int64(class), 10)
	b = append(b, ':')
	b = strconv.AppendInt(b, int64(index), 10)
	b = append(b, ':')
	b = strconv.AppendInt(b, unixNS, 10)
	return string(b)
}

// tagIndex is where the first tag prefix in msg starts, or -1.
//
// It searches for the rare "gh:" and looks behind it for the rest: a
// pattern starting with '"' (or a common letter) makes bytes.Index stop at
// every quote of the JSON, which was the load generator's largest cost in
// a burst.
func tagIndex(msg []byte) int {
	const mark = len(`"nonce":"`)
	for off := 0; ; {
		j := bytes.Index(msg[off:], tagPrefix[mark:])
		if j < 0 {
			return -1
		}
		i := off + j
		if i >= mark && bytes.Equal(msg[i-mark:i], tagPrefix[:mark]) {
			return i - mark
		}
		off = i + 1
	}
}

// parseTagValue reads "<class>:<index>:<unix ns>" up to the closing quote
// of the nonce.
func parseTagValue(rest []byte) (class, index int, sentNS int64, ok bool) {
	end := bytes.IndexByte(rest, '"')
	if end < 0 {
		return 0, 0, 0, false
	}
	f := rest[:end]
	c, f, ok1 := cutUint(f, ':')
	x, f, ok2 := cutUint(f, ':')
	t, f, ok3 := cutUint(f, 0)
	if !ok1 || !ok2 || !ok3 || len(f) != 0 || c >= NumClasses || x > 1<<31 || t > 1<<62 {
		return 0, 0, 0, false
	}
	return int(c), int(x), int64(t), true
}

// cutUint reads decimal digits up to sep (0: to the end) and returns the
// value and what follows sep.
func cutUint(b []byte, sep byte) (uint64, []byte, bool) {
	var v uint64
	n := 0
	for n < len(b) && b[n] >= '0' && b[n] <= '9' {
		if n == 19 {
			return 0, nil, false
		}
		v = v*10 + uint64(b[n]-'0')
		n++
	}
	if n == 0 {
		return 0, nil, false
	}
	if sep == 0 {
		return v, b[n:], true
	}
	if n == len(b) || b[n] != sep {
		return 0, nil, false
	}
	return v, b[n+1:], true
}

// classStats is one class's deliveries. Any loop goroutine records into it
// (atomics only), so no per-loop copies need merging.
type classStats struct {
	hist  Histogram
	first atomic.Int64 // wall ns of the first receipt, 0 until one
	last  atomic.Int64 // wall ns of the latest receipt
	// count and slowest are per message index (nil unless TrackMessages).
	count   []atomic.Uint32
	slowest []atomic.Int64 // ns
}

// record counts one delivery of message index, received at recvNS (wall).
func (s *classStats) record(index int, sentNS, recvNS int64) {
	lat := recvNS - sentNS
	s.hist.Record(time.Duration(lat))
	s.first.CompareAndSwap(0, recvNS)
	casMax(&s.last, recvNS)
	if index < len(s.count) {
		s.count[index].Add(1)
		casMax(&s.slowest[index], lat)
	}
}

func casMax(a *atomic.Int64, v int64) {
	for {
		m := a.Load()
		if v <= m || a.CompareAndSwap(m, v) {
			return
		}
	}
}

// ClassResult is one class's deliveries as written to a result file.
type ClassResult struct {
	Class int `json:"class"`
	// Count is deliveries received; FirstUnixNS and LastUnixNS are the
	// wall times of the first and last.
	Count       uint64      `json:"count"`
	FirstUnixNS int64       `json:"first_unix_ns"`
	LastUnixNS  int64       `json:"last_unix_ns"`
	Latency     HistSummary `json:"latency"`
	// Messages are the tracked messages that arrived at least once:
	// [index, deliveries, slowest delivery in ns].
	Messages [][3]int64 `json:"messages,omitempty"`
}

// classResults snapshots every class that saw a delivery.
func (r *Runner) classResults() []ClassResult {
	var out []ClassResult
	for i := range r.classes {
		s := &r.classes[i]
		h := s.hist.Summary()
		if h.Count == 0 {
			continue
		}
		cr := ClassResult{Class: i, Count: h.Count, FirstUnixNS: s.first.Load(), LastUnixNS: s.last.Load(), Latency: h}
		for x := range s.count {
			if n := s.count[x].Load(); n > 0 {
				cr.Messages = append(cr.Messages, [3]int64{int64(x), int64(n), s.slowest[x].Load()})
			}
		}
		out = append(out, cr)
	}
	return out
}

// taggedCounts is deliveries per class (classes with none left out).
func (r *Runner) taggedCounts() map[string]int64 {
	var out map[string]int64
	for i := range r.classes {
		if n := r.classes[i].hist.n.Load(); n > 0 {
			if out == nil {
				out = map[string]int64{}
			}
			out[strconv.Itoa(i)] = int64(n)
		}
	}
	return out
}

// noteTagged records a delivery if msg carries a tag. now is the run's
// monotonic clock, turned into wall time from the run's start. at is the
// loop's hint of where the tag sits (see parseTagAt).
func (r *Runner) noteTagged(msg []byte, now int64, at *int) {
	class, index, sent, ok := parseTagAt(msg, at)
	if !ok {
		return
	}
	r.classes[class].record(index, sent, r.startWall+now)
}

// parseTagAt finds a tagged nonce in a message's JSON; it reports ok only
// for a well-formed tag with a class below NumClasses. It looks first where
// *at says the previous message had its tag: the messages of a benchmark
// share one layout, so the nonce of the next one is usually at the same
// offset and finding it costs one comparison instead of a search (the
// search was the loadgen's largest cost in a burst). It sets *at to where
// the tag was found. A message that carries the tag prefix more than once
// may be read at the hinted one rather than the first; benchmark messages
// carry one.
func parseTagAt(msg []byte, at *int) (class, index int, sentNS int64, ok bool) {
	p := *at
	if p < 0 || p > len(msg) || !bytes.HasPrefix(msg[p:], tagPrefix) {
		if p = tagIndex(msg); p < 0 {
			return 0, 0, 0, false
		}
		*at = p
	}
	return parseTagValue(msg[p+len(tagPrefix):])
}
