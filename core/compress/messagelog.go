package compress

import (
	"unsafe"

	"gatehouse/core/ring"
)

// MessageLog is a WindowSource for callers whose messages never change once
// compressed: it keeps references to the most recent ones, not copies, and
// rebuilds a windowed stream's window from them. The gateway re-encodes
// its frames instead (server's frameLog); benchmarks and tests replaying a
// corpus use this.
//
// Concurrency: owned by the stream's owner, like the stream.
type MessageLog struct {
	msgs     ring.Ring[[]byte] // msgs.Max is the most messages kept
	bytes    int               // total length of the kept messages
	maxBytes int
}

// NewMessageLog makes a log that keeps at most maxRecords messages and
// drops the oldest once the others already hold maxBytes.
func NewMessageLog(maxRecords, maxBytes int) *MessageLog {
	return &MessageLog{msgs: ring.Ring[[]byte]{Max: max(maxRecords, 1)}, maxBytes: maxBytes}
}

// Record notes msg as the stream's latest message. The log keeps msg
// itself: its bytes must not change afterwards.
func (l *MessageLog) Record(msg []byte) {
	if len(msg) == 0 {
		return
	}
	for l.msgs.Len() > 0 && (l.msgs.Full() || l.bytes-len(*l.msgs.At(0)) >= l.maxBytes) {
		l.bytes -= len(*l.msgs.At(0))
		l.msgs.DropOldest()
	}
	l.msgs.Push(msg)
	l.bytes += len(msg)
}

// AppendWindow appends the most recent whole messages whose total length is
// at most max.
func (l *MessageLog) AppendWindow(dst []byte, max int) []byte {
	first, total := l.msgs.Len(), 0
	for first > 0 && total+len(*l.msgs.At(first - 1)) <= max {
		first--
		total += len(*l.msgs.At(first))
	}
	for i := first; i < l.msgs.Len(); i++ {
		dst = append(dst, *l.msgs.At(i)...)
	}
	return dst
}

// StateBytes is the log's own memory: its ring of slice headers.
func (l *MessageLog) StateBytes() int {
	return int(unsafe.Sizeof(*l)) + l.msgs.Cap()*int(unsafe.Sizeof([]byte(nil)))
}
