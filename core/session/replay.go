package session

import (
	"unsafe"

	"gatehouse/core/protocol"
	"gatehouse/core/ring"
)

// replay is a session's bounded buffer of recent dispatches for Resume. It
// holds at most buf.Max dispatches and maxBytes encoded bytes, evicting
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
	buf      ring.Ring[slot] // buf.Max is the most dispatches kept
	first    uint64          // seq of the oldest kept dispatch when buf.Len() > 0
	bytes    int             // encoded size of the kept dispatches
	maxBytes int
}

// slot is one kept dispatch: its event name and payload without their
// slice and string headers. d is nil for an empty payload.
type slot struct {
	d    unsafe.Pointer
	t    unsafe.Pointer
	dlen uint32
	tlen uint32
}

// newReplay makes a buffer keeping at most maxEvents dispatches (none if
// maxEvents ≤ 0) and maxBytes encoded bytes.
func newReplay(maxEvents, maxBytes int) replay {
	return replay{buf: ring.Ring[slot]{Max: maxEvents}, maxBytes: maxBytes}
}

// maxSlotLen bounds a name or payload a slot can describe; maxBytes is far
// below it, but a slot must never truncate silently.
const maxSlotLen = 1<<32 - 1

func (r *replay) push(f protocol.Frame) {
	size := f.Size()
	if r.buf.Max <= 0 || size > r.maxBytes || len(f.D) > maxSlotLen || len(f.T) > maxSlotLen {
		r.clear()
		return
	}
	n := r.buf.Len()
	if n > 0 && f.S != r.first+uint64(n) {
		// Not the next seq: what is kept no longer leads up to f.
		r.clear()
	}
	for r.buf.Len() > 0 && (r.buf.Full() || r.bytes+size > r.maxBytes) {
		r.popOldest()
	}
	if r.buf.Len() == 0 {
		r.first = f.S
	}
	r.buf.Push(slot{
		d: unsafe.Pointer(unsafe.SliceData(f.D)), dlen: uint32(len(f.D)),
		t: unsafe.Pointer(unsafe.StringData(f.T)), tlen: uint32(len(f.T)),
	})
	r.bytes += size
}

// frame rebuilds the i-th kept dispatch, oldest first, with sequence
// number seq.
func (r *replay) frame(i int, seq uint64) protocol.Frame {
	s := r.buf.At(i)
	f := protocol.Frame{Op: protocol.OpDispatch, S: seq}
	if s.tlen > 0 {
		f.T = unsafe.String((*byte)(s.t), int(s.tlen))
	}
	if s.dlen > 0 {
		f.D = unsafe.Slice((*byte)(s.d), int(s.dlen))
	}
	return f
}

func (r *replay) popOldest() {
	f := r.frame(0, r.first)
	r.bytes -= f.Size()
	r.buf.DropOldest()
	r.first++
}

func (r *replay) clear() {
	r.buf.Reset()
	r.bytes, r.first = 0, 0
}

// after returns the frames with S > seq in order, and whether the buffer
// still holds every dispatch after seq up to last (the newest seq issued).
func (r *replay) after(seq, last uint64) ([]protocol.Frame, bool) {
	if seq == last {
		return nil, true
	}
	n := r.buf.Len()
	if n == 0 {
		return nil, false
	}
	if seq+1 < r.first {
		return nil, false
	}
	if r.first+uint64(n)-1 != last {
		// Dispatches after the newest kept one were not kept (READY): the
		// buffer cannot prove it holds everything.
		return nil, false
	}
	out := make([]protocol.Frame, 0, last-seq)
	for i := range n {
		if s := r.first + uint64(i); s > seq {
			out = append(out, r.frame(i, s))
		}
	}
	return out, true
}
