package session

import "gatehouse/core/protocol"

// replay is a session's bounded buffer of recent dispatches for Resume. It
// holds at most maxEvents frames and maxBytes encoded bytes, evicting the
// oldest. Guarded by the owning Session's mu.
type replay struct {
	buf       []protocol.Frame // ring, grown on demand up to maxEvents
	head, n   int
	bytes     int
	maxEvents int
	maxBytes  int
}

func (r *replay) push(f protocol.Frame) {
	size := f.Size()
	if r.maxEvents <= 0 || size > r.maxBytes {
		r.clear()
		return
	}
	for r.n > 0 && (r.n == r.maxEvents || r.bytes+size > r.maxBytes) {
		r.popOldest()
	}
	if r.n == len(r.buf) {
		r.grow()
	}
	r.buf[(r.head+r.n)%len(r.buf)] = f
	r.n++
	r.bytes += size
}

func (r *replay) grow() {
	c := len(r.buf) * 2
	if c == 0 {
		c = 4
	}
	if c > r.maxEvents {
		c = r.maxEvents
	}
	nb := make([]protocol.Frame, c)
	for i := 0; i < r.n; i++ {
		nb[i] = r.buf[(r.head+i)%len(r.buf)]
	}
	r.buf, r.head = nb, 0
}

func (r *replay) popOldest() {
	f := &r.buf[r.head]
	r.bytes -= f.Size()
	*f = protocol.Frame{}
	r.head = (r.head + 1) % len(r.buf)
	r.n--
}

func (r *replay) clear() {
	r.buf, r.head, r.n, r.bytes = nil, 0, 0, 0
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
	oldest := r.buf[r.head].S
	if seq+1 < oldest {
		return nil, false
	}
	if oldest+uint64(r.n)-1 != last {
		// Dispatches after the newest kept one were not kept (READY): the
		// buffer cannot prove it holds everything.
		return nil, false
	}
	out := make([]protocol.Frame, 0, last-seq)
	for i := 0; i < r.n; i++ {
		f := r.buf[(r.head+i)%len(r.buf)]
		if f.S > seq {
			out = append(out, f)
		}
	}
	return out, true
}
