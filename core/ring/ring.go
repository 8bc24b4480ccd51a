// Package ring is the bounded FIFO the gateway keeps small per-connection
// histories in (a session's Resume buffer, a compact stream's frame log):
// a circular buffer of at most Max values that starts empty and doubles
// as it fills, so a short-lived owner does not pay for the whole bound.
package ring

// Ring holds at most Max values, oldest first. The zero value with Max set
// is empty and allocates nothing until the first Push.
//
// Concurrency: none; a Ring belongs to whoever owns the structure it is in.
type Ring[T any] struct {
	// Max bounds the values held; Push on a full ring is the caller's bug.
	Max     int
	buf     []T
	head, n int
}

// Len is how many values the ring holds.
func (r *Ring[T]) Len() int { return r.n }

// Full reports whether the ring holds Max values.
func (r *Ring[T]) Full() bool { return r.n >= r.Max }

// Cap is how many values the ring has room for before it grows again: its
// memory is Cap times the size of T.
func (r *Ring[T]) Cap() int { return len(r.buf) }

// At is the i-th value, oldest first (0 ≤ i < Len), in place.
func (r *Ring[T]) At(i int) *T { return &r.buf[(r.head+i)%len(r.buf)] }

// Push adds v as the newest value, growing the ring if it is out of room.
// The ring must not be Full: drop the oldest first.
func (r *Ring[T]) Push(v T) {
	if r.n == len(r.buf) {
		r.grow()
	}
	r.buf[(r.head+r.n)%len(r.buf)] = v
	r.n++
}

// DropOldest forgets the oldest value (zeroed, so nothing it points to is
// kept alive). The ring must not be empty.
func (r *Ring[T]) DropOldest() {
	var zero T
	r.buf[r.head] = zero
	r.head = (r.head + 1) % len(r.buf)
	r.n--
}

// Reset empties the ring and gives its memory back.
func (r *Ring[T]) Reset() {
	r.buf, r.head, r.n = nil, 0, 0
}

// grow doubles the buffer (from 4) up to Max, keeping the order.
func (r *Ring[T]) grow() {
	buf := make([]T, min(max(2*len(r.buf), 4), r.Max))
	for i := range r.n {
		buf[i] = *r.At(i)
	}
	r.buf, r.head = buf, 0
}
