package server

import (
	"unsafe"

	"gatehouse/core/protocol"
	"gatehouse/core/ring"
)

// frameLog is a windowed compact stream's compress.WindowSource: it keeps
// references to the last frames the connection's stream compressed and
// re-encodes them, byte for byte as they were sent, when the stream wakes.
// The stream itself then keeps no plaintext while idle.
//
// What it keeps alive: a frame's event name and payload, which the session
// shares read-only with every recipient and with its Resume buffer
// (protocol.Frame: D never changes once sent), so a slot costs 32 bytes,
// not the frame; a run of identical frames (the heartbeat ACKs of an idle
// connection) shares one slot. The log keeps at most frameLogSlots slots
// and drops the oldest once the others cover frameLogBytes, the most a
// woken stream asks for. READY, which the Resume buffer does not keep so
// that idle sessions do not pay for it, is not referenced either, nor is
// any frame over frameLogBigFrame: the log forgets everything up to it,
// and windows start after it.
//
// Concurrency: loop only, like the stream it serves (appendFrame records,
// the stream's Compress reads).
type frameLog struct {
	slots ring.Ring[logSlot] // at most frameLogSlots
	bytes int                // encoded size of the kept frames
}

func newFrameLog() *frameLog {
	return &frameLog{slots: ring.Ring[logSlot]{Max: frameLogSlots}}
}

// logSlot is one kept frame without its slice and string headers, sent
// rep times in a row.
type logSlot struct {
	d, t unsafe.Pointer
	s    uint64
	dlen uint32
	tlen uint8
	op   uint8
	rep  uint16
}

const (
	// frameLogSlots bounds the log (32 B a slot: 12 KiB). Windows of small
	// frames end there: 384 presence updates of 300 B make a 112 KiB window.
	frameLogSlots = 384
	// frameLogBytes is what a woken windowed stream asks for (bindings:
	// 256 KiB, Discord's zstd window).
	frameLogBytes = 256 << 10
	// frameLogBigFrame is the largest frame the log references.
	frameLogBigFrame = 64 << 10
	// maxLogName and maxLogOp bound what a slot can describe; a frame
	// past them (none in the protocol) is treated as a big one.
	maxLogName = 1<<8 - 1
	maxLogOp   = 1<<8 - 1
	maxLogRep  = 1<<16 - 1
)

// record notes f as the last frame the stream compressed.
func (l *frameLog) record(f *protocol.Frame) {
	size := f.Size()
	if size > frameLogBigFrame || len(f.T) > maxLogName || f.Op < 0 || f.Op > maxLogOp ||
		f.Op == protocol.OpDispatch && f.T == "READY" {
		// A window must be a suffix of what the client decoded: without
		// this frame, nothing before it can be used either.
		l.clear()
		return
	}
	s := logSlot{s: f.S, op: uint8(f.Op), dlen: uint32(len(f.D)), tlen: uint8(len(f.T)), rep: 1}
	if len(f.D) > 0 {
		s.d = unsafe.Pointer(unsafe.SliceData(f.D))
	}
	if len(f.T) > 0 {
		s.t = unsafe.Pointer(unsafe.StringData(f.T))
	}
	if n := l.slots.Len(); n > 0 {
		last := l.slots.At(n - 1)
		if last.rep < maxLogRep && last.d == s.d && last.t == s.t && last.s == s.s &&
			last.dlen == s.dlen && last.tlen == s.tlen && last.op == s.op {
			last.rep++
			l.bytes += size
			return
		}
	}
	l.push(s, size)
}

func (l *frameLog) push(s logSlot, size int) {
	for l.slots.Len() > 0 && (l.slots.Full() || l.bytes-l.size(0) >= frameLogBytes) {
		l.popOldest()
	}
	l.slots.Push(s)
	l.bytes += size
}

// frame rebuilds the i-th kept frame, oldest first.
func (l *frameLog) frame(i int) protocol.Frame {
	s := l.slots.At(i)
	f := protocol.Frame{Op: protocol.Op(s.op), S: s.s}
	if s.tlen > 0 {
		f.T = unsafe.String((*byte)(s.t), int(s.tlen))
	}
	if s.dlen > 0 {
		f.D = unsafe.Slice((*byte)(s.d), int(s.dlen))
	}
	return f
}

// size is the encoded size of the i-th kept frame, repeats included.
func (l *frameLog) size(i int) int {
	f := l.frame(i)
	return f.Size() * int(l.slots.At(i).rep)
}

func (l *frameLog) popOldest() {
	l.bytes -= l.size(0)
	l.slots.DropOldest()
}

func (l *frameLog) clear() {
	for l.slots.Len() > 0 {
		l.popOldest()
	}
}

// AppendWindow appends the most recent whole frames whose encoded total
// is at most max, encoded as they were sent.
func (l *frameLog) AppendWindow(dst []byte, max int) []byte {
	// first is the oldest slot used, of which only the last reps repeats.
	first, reps, total := l.slots.Len(), 0, 0
	for first > 0 {
		f := l.frame(first - 1)
		one, rep := f.Size(), int(l.slots.At(first-1).rep)
		fit := min(rep, (max-total)/one)
		if fit == 0 {
			break
		}
		first, reps, total = first-1, fit, total+fit*one
		if fit < rep {
			break
		}
	}
	for i := first; i < l.slots.Len(); i++ {
		f := l.frame(i)
		n := int(l.slots.At(i).rep)
		if i == first {
			n = reps
		}
		for range n {
			dst = f.AppendTo(dst)
		}
	}
	return dst
}

// StateBytes is the log's own memory: the value and its ring.
func (l *frameLog) StateBytes() int {
	return int(unsafe.Sizeof(*l)) + l.slots.Cap()*int(unsafe.Sizeof(logSlot{}))
}
