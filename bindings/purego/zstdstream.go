package purego

import (
	"github.com/klauspost/compress/zstd"

	"gatehouse/core/compress"
)

// ZstdStream is `compress=zstd-stream`: one zstd frame for the life of the
// connection, never ended; every message is flushed as its own block(s) so it
// decodes on arrival.
//
// Concurrency: not safe for concurrent use; see compress.Compressor.
type ZstdStream struct {
	enc    *zstd.Encoder
	out    sink
	closed bool
}

var _ compress.Compressor = (*ZstdStream)(nil)

// NewZstdStream starts a zstd stream. Level maps to zstd.EncoderLevel,
// WindowLog to the window size; HashLog and ChainLog are checked and ignored.
//
// The encoder runs with concurrency 1: the stream is driven by one event
// loop, and klauspost's concurrent mode would add goroutines and buffers per
// connection. WithLowerEncoderMem keeps the history at window+block instead
// of at least 1 MiB, which matters more per connection than the little speed
// it costs. The frame checksum is off because the frame never ends, so it
// would never be written.
func NewZstdStream(o compress.ZstdOptions) (*ZstdStream, error) {
	if err := checkZstd(o); err != nil {
		return nil, err
	}
	level := o.Level
	if level == 0 {
		level = zstdDefault
	}
	s := &ZstdStream{}
	opts := []zstd.EOption{
		zstd.WithEncoderLevel(zstd.EncoderLevelFromZstd(level)),
		zstd.WithEncoderConcurrency(1),
		zstd.WithEncoderCRC(false),
		zstd.WithLowerEncoderMem(true),
	}
	if o.WindowLog != 0 {
		opts = append(opts, zstd.WithWindowSize(1<<o.WindowLog))
	}
	enc, err := zstd.NewWriter(&s.out, opts...)
	if err != nil {
		return nil, err
	}
	s.enc = enc
	return s, nil
}

// Compress appends msg, compressed and flushed, to dst. An empty msg adds
// nothing.
func (s *ZstdStream) Compress(dst, msg []byte) ([]byte, error) {
	if s.closed {
		return dst, compress.ErrClosed
	}
	s.out.buf = dst
	if _, err := s.enc.Write(msg); err != nil {
		return s.out.take(), err
	}
	err := s.enc.Flush()
	return s.out.take(), err
}

// StateBytes reports the memory the encoder holds, measured by walking it
// (deepSize). Its match tables are allocated at construction, its history on
// the first message. Call it for metrics, not per message.
func (s *ZstdStream) StateBytes() int {
	if s.closed {
		return 0
	}
	return deepSize(s)
}

// Close drops the encoder without ending the frame: ending it would only
// add bytes nobody reads. With concurrency 1 the encoder owns no goroutines.
func (s *ZstdStream) Close() error {
	s.closed = true
	s.enc = nil
	return nil
}
