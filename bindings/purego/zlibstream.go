package purego

import (
	"github.com/klauspost/compress/zlib"

	"gatehouse/core/compress"
)

// ZlibStream is `compress=zlib-stream`: one zlib stream for the life of the
// connection, sync-flushed after every message so each output ends in
// 00 00 ff ff and inflates on arrival.
//
// Concurrency: not safe for concurrent use; see compress.Compressor.
type ZlibStream struct {
	w      *zlib.Writer
	out    sink
	closed bool
}

var _ compress.Compressor = (*ZlibStream)(nil)

// NewZlibStream starts a zlib stream. WindowBits and MemLevel are checked
// and ignored (see the package comment).
func NewZlibStream(o compress.ZlibOptions) (*ZlibStream, error) {
	if err := checkZlib(o); err != nil {
		return nil, err
	}
	s := &ZlibStream{}
	w, err := zlib.NewWriterLevel(&s.out, o.Level)
	if err != nil {
		return nil, err
	}
	s.w = w
	return s, nil
}

// Compress appends msg, deflated and sync-flushed, to dst.
func (s *ZlibStream) Compress(dst, msg []byte) ([]byte, error) {
	if s.closed {
		return dst, compress.ErrClosed
	}
	s.out.buf = dst
	if _, err := s.w.Write(msg); err != nil {
		return s.out.take(), err
	}
	err := s.w.Flush()
	return s.out.take(), err
}

// StateBytes reports the memory the encoder holds, measured by walking it
// (deepSize). klauspost's deflate allocates its tables on the first message,
// so a fresh stream is small. It costs a walk of a few dozen objects: call it
// for metrics, not per message.
func (s *ZlibStream) StateBytes() int {
	if s.closed {
		return 0
	}
	return deepSize(s)
}

// Close drops the encoder. The stream is not finished (no final block, no
// Adler-32 trailer): the connection is going away and nobody reads it.
func (s *ZlibStream) Close() error {
	s.closed = true
	s.w = nil
	return nil
}
