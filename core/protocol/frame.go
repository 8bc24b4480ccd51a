package protocol

// Frame is one outbound gateway payload before encoding. D is serialised
// once per event and shared, read-only, by every recipient's Frame; only the
// small envelope (t, s, op) is per session. Frames are what outbound queues
// and replay buffers hold, so a broadcast costs one copy of d, not one per
// session.
type Frame struct {
	Op Op
	T  string // event name, op 0 only
	S  uint64 // sequence, op 0 only
	// D is the raw JSON of d; nil encodes as null. It never changes once the
	// frame is sent: the session's Resume buffer and a compact stream's frame
	// log (server/framelog.go) keep it and encode it again.
	D []byte
}

// AppendTo appends the JSON envelope of f.
func (f *Frame) AppendTo(dst []byte) []byte {
	if f.Op == OpDispatch {
		return AppendDispatch(dst, f.T, f.S, f.D)
	}
	return AppendOp(dst, f.Op, f.D)
}

// Size is the exact encoded length of f.
func (f *Frame) Size() int {
	d := len(f.D)
	if d == 0 {
		d = 4
	}
	if f.Op == OpDispatch {
		// {"t":"T","s":S,"op":0,"d":D}
		return len(`{"t":"","s":,"op":0,"d":}`) + len(f.T) + uintLen(f.S) + d
	}
	// {"t":null,"s":null,"op":N,"d":D}
	return len(`{"t":null,"s":null,"op":,"d":}`) + uintLen(uint64(f.Op)) + d
}

// uintLen is the number of decimal digits of v. Size runs for every frame
// queued, replay-buffered and evicted, so it counts instead of formatting.
func uintLen(v uint64) int {
	n := 1
	for v >= 10000 {
		v /= 10000
		n += 4
	}
	for v >= 10 {
		v /= 10
		n++
	}
	return n
}
