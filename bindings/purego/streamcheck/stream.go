package streamcheck

import (
	"bytes"
	"compress/flate"
	"compress/zlib"
	"errors"
	"fmt"
	"io"

	"github.com/klauspost/compress/zstd"
)

// syncMarker ends every sync-flushed deflate message.
var syncMarker = []byte{0, 0, 0xff, 0xff}

// Stream checks one compressed stream, message by message, in order.
//
// Concurrency: not safe for concurrent use; use one Stream per stream.
type Stream struct {
	kind kind
	in   feeder
	dec  io.Reader
	zd   *zstd.Decoder
	got  []byte
	n    int // messages checked so far
	err  error
}

type kind uint8

const (
	kindZlib kind = iota
	kindFlate
	kindZstd
)

// NewZlib checks a zlib-stream (RFC 1950 header, sync-flushed messages) with
// Go's compress/zlib.
func NewZlib() *Stream { return &Stream{kind: kindZlib} }

// NewFlate checks a raw deflate stream (no zlib header) with Go's
// compress/flate.
func NewFlate() *Stream { return &Stream{kind: kindFlate} }

// NewZstd checks a zstd-stream with klauspost's zstd decoder.
func NewZstd() *Stream { return &Stream{kind: kindZstd} }

// Check feeds the compressed bytes of the next message and reports whether
// exactly want comes out of them. After the first failure every later call
// returns that failure: the stream is broken from there on.
func (s *Stream) Check(compressed, want []byte) error {
	if s.err != nil {
		return s.err
	}
	s.err = s.check(compressed, want)
	s.n++
	return s.err
}

// Close releases the decoder.
func (s *Stream) Close() {
	if s.zd != nil {
		s.zd.Close()
		s.zd = nil
	}
}

func (s *Stream) check(compressed, want []byte) error {
	s.in.feed(compressed)
	if s.dec == nil {
		if len(want) == 0 && len(compressed) == 0 {
			return nil // nothing sent yet; the decoder starts with the first bytes
		}
		if err := s.open(); err != nil {
			return fmt.Errorf("message %d: opening decoder: %w", s.n, err)
		}
	}
	if cap(s.got) < len(want) {
		s.got = make([]byte, len(want))
	}
	got := s.got[:len(want)]
	if n, err := io.ReadFull(s.dec, got); err != nil {
		return fmt.Errorf("message %d: decoded %d of %d bytes: %w", s.n, n, len(want), err)
	}
	if !bytes.Equal(got, want) {
		return fmt.Errorf("message %d: decoded bytes differ from the input (first at %d)", s.n, firstDiff(got, want))
	}
	// Clients find the end of a zlib-stream message by this suffix.
	if s.kind != kindZstd && !bytes.HasSuffix(compressed, syncMarker) {
		return fmt.Errorf("message %d: does not end in 00 00 ff ff", s.n)
	}
	return nil
}

func (s *Stream) open() error {
	switch s.kind {
	case kindZlib:
		r, err := zlib.NewReader(&s.in)
		if err != nil {
			return err
		}
		s.dec = r
	case kindFlate:
		s.dec = flate.NewReader(&s.in)
	case kindZstd:
		d, err := zstd.NewReader(&s.in, zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxWindow(1<<29))
		if err != nil {
			return err
		}
		s.zd, s.dec = d, d
	default:
		return errors.New("unknown stream kind")
	}
	return nil
}

func firstDiff(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}
