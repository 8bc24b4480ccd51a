package session

import (
	"unsafe"

	"gatehouse/core/protocol"
)

// replay is a session's bounded buffer of recent dispatches for Resume. It
// holds at most maxEvents dispatches and maxBytes encoded bytes, evicting
// the oldest. Guarded by the owning Session's mu.
//
// Every dispatch a busy session receives passes through here, and the ring
// of a session that has had traffic stays full (1,000 entries by default),
// so an entry is kept small: 24 bytes instead of a 56-byte Frame. The
// sequence numbers are implicit (the kept dispatches are consecutive: a
// gap starts the buffer over), and the event name and payload are kept as
// pointer and length. Payloads are shared, read-only, by every recipient,
// so the entry keeps the sender's bytes alive without copying them.
type replay struct {
	buf       []slot // ring, grown on demand up to maxEvents
	head, n   int
	first     uint64 // seq of buf[head] when n > 0
	bytes     int    // encoded size of the kept dispatches
	maxEvents int
	maxBytes  int
}

// slot is one kept dispatch: its event name and payload without their
// slice and string headers. d is nil for an empty payload.
type slot struct {
	d    unsafe.Pointer
	t    unsafe.Pointer
	dlen uint32
	tlen uint32
}

// maxSlotLen bounds a name or payload a slot can describe; maxBytes is far
// below it, but a slot must never truncate silently.
const maxSlotLen = 1<<32 - 1

func (r *replay) push(f protocol.Frame) {
	size := f.Size()
	if r.maxEvents <= 0 || size > r.maxBytes || len(f.D) > maxSlotLen || len(f.T) > maxSlotLen {
		r.clear()
		return
	}
	if r.n > 0 && f.S != r.first+uint64(r.n) {
		// Not the next seq: what is kept no longer leads up to f.
		r.clear()
	}
	for r.n > 0 && (r.n == r.maxEvents || r.bytes+size > r.maxBytes) {
		r.popOldest()
	}
	if r.n == len(r.buf) {
		r.grow()
	}
	if r.n == 0 {
		r.first = f.S
	}
	s := &r.buf[(r.head+r.n)%len(r.buf)]
	s.d, s.dlen = unsafe.Pointer(unsafe.SliceData(f.D)), uint32(len(f.D))
	s.t, s.tlen = unsafe.Pointer(unsafe.StringData(f.T)), uint32(len(f.T))
	r.n++
	r.bytes += size
}

// frame rebuilds the dispatch kept in buf[i] with sequence number seq.
func (r *replay) frame(i int, seq uint64) protocol.Frame {
	s := &r.buf[i]
	f := protocol.Frame{Op: protocol.OpDispatch, S: seq}
	if s.tlen > 0 {
		f.T = unsafe.String((*byte)(s.t), int(s.tlen))
	}
	if s.dlen > 0 {
		f.D = unsafe.Slice((*byte)(s.d), int(s.dlen))
	}
	return f
}

func (r *replay) grow() {
	c := len(r.buf) * 2
	if c == 0 {
		c = 4
	}
	if c > r.maxEvents {
		c = r.maxEvents
	}
	nb := make([]slot, c)
	for i := 0; i < r.n; i++ {
		nb[i] = r.buf[(r.head+i)%len(r.buf)]
	}
	r.buf, r.head = nb, 0
}

func (r *replay) popOldest() {
	f := r.frame(r.head, r.first)
	r.bytes -= f.Size()
	r.buf[r.head] = slot{}
	r.head = (r.head + 1) % len(r.buf)
	r.first++
	r.n--
}

func (r *replay) clear() {
	r.buf, r.head, r.n, r.bytes, r.first = nil, 0, 0, 0, 0
}

// after returns the frames with S > seq in order, and whether the buffer
// still holds every dispatch after seq up to last (the newest seq issued).
func (r *replay) after(seq, last uint64) ([]protocol.Frame, bool) {
	if seq == last {
		return nil, true
	}
	if r.n == 0 {
		return nil, false
	}
	if seq+1 < r.first {
		return nil, false
	}
	if r.first+uint64(r.n)-1 != last {
		// Dispatches after the newest kept one were not kept (READY): the
		// buffer cannot prove it holds everything.
		return nil, false
	}
	out := make([]protocol.Frame, 0, last-seq)
	for i := 0; i < r.n; i++ {
		if s := r.first + uint64(i); s > seq {
			out = append(out, r.frame((r.head+i)%len(r.buf), s))
		}
	}
	return out, true
}
