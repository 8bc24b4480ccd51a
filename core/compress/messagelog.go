package compress

import "unsafe"

// MessageLog is a WindowSource for callers whose messages never change once
// compressed: it keeps references to the most recent ones, not copies, and
// rebuilds a windowed stream's window from them. The gateway re-encodes
// its frames instead (server's frameLog); benchmarks and tests replaying a
// corpus use this.
//
// Concurrency: owned by the stream's owner, like the stream.
type MessageLog struct {
	ring       [][]byte
	head, n    int
	bytes      int // total length of the kept messages
	maxBytes   int
	maxRecords int
}

// NewMessageLog makes a log that keeps at most maxRecords messages and
// drops the oldest once the others already hold maxBytes.
func NewMessageLog(maxRecords, maxBytes int) *MessageLog {
	return &MessageLog{maxRecords: max(maxRecords, 1), maxBytes: maxBytes}
}

// Record notes msg as the stream's latest message. The log keeps msg
// itself: its bytes must not change afterwards.
func (l *MessageLog) Record(msg []byte) {
	if len(msg) == 0 {
		return
	}
	for l.n > 0 && (l.n == l.maxRecords || l.bytes-len(l.at(0)) >= l.maxBytes) {
		l.bytes -= len(l.at(0))
		l.ring[l.head] = nil
		l.head = (l.head + 1) % len(l.ring)
		l.n--
	}
	if l.n == len(l.ring) {
		l.grow()
	}
	l.ring[(l.head+l.n)%len(l.ring)] = msg
	l.n++
	l.bytes += len(msg)
}

// at is the i-th kept message, oldest first.
func (l *MessageLog) at(i int) []byte { return l.ring[(l.head+i)%len(l.ring)] }

// grow doubles the ring up to maxRecords, keeping the order.
func (l *MessageLog) grow() {
	ring := make([][]byte, min(max(2*len(l.ring), 8), l.maxRecords))
	for i := 0; i < l.n; i++ {
		ring[i] = l.at(i)
	}
	l.ring, l.head = ring, 0
}

// AppendWindow appends the most recent whole messages whose total length is
// at most max.
func (l *MessageLog) AppendWindow(dst []byte, max int) []byte {
	first, total := l.n, 0
	for first > 0 && total+len(l.at(first-1)) <= max {
		first--
		total += len(l.at(first))
	}
	for i := first; i < l.n; i++ {
		dst = append(dst, l.at(i)...)
	}
	return dst
}

// StateBytes is the log's own memory: its ring of slice headers.
func (l *MessageLog) StateBytes() int {
	return int(unsafe.Sizeof(*l)) + cap(l.ring)*int(unsafe.Sizeof([]byte(nil)))
}
