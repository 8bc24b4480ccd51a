package gatetest

import (
	"bytes"
	"compress/zlib"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/klauspost/compress/zstd"
)

// StreamDecoder decodes one transport-compressed gateway stream
// (compress=zlib-stream or zstd-stream) message by message, with decoders
// gatehouse did not write: Go's compress/zlib and klauspost's zstd.
//
// One long-lived decoder reads, on its own goroutine, from a feed that holds
// only the bytes of the frames given so far and blocks when they run out.
// Decode feeds one frame and waits until the decoder has consumed all of it
// and is asking for more; whatever it produced by then is the message. A
// frame that was not flushed therefore comes out short, and the next frame
// is never used to finish it: that is the contract a real client relies on.
// The decoder reads its output one byte per Read call because klauspost's
// Read keeps decoding until its buffer is full, which would hide output
// while it waits for the next frame.
//
// Concurrency: Decode and Close are for one goroutine (the test's).
type StreamDecoder struct {
	zlib bool

	mu      sync.Mutex
	cond    *sync.Cond
	in      []byte // fed bytes the decoder has not read
	starved bool   // the decoder wants bytes and in is empty
	closed  bool
	out     []byte // decoded bytes of the current message
	err     error  // the decoder failed; sticky
	done    chan struct{}
	zd      *zstd.Decoder
}

// NewZlibStream decodes compress=zlib-stream with compress/zlib.
func NewZlibStream() *StreamDecoder {
	s := newStream(true)
	go s.run(func(r io.Reader) (io.Reader, error) { return zlib.NewReader(r) })
	return s
}

// NewZstdStream decodes compress=zstd-stream with klauspost's zstd in
// synchronous mode (concurrency 1), so a block is decoded before the next
// one is read.
func NewZstdStream() *StreamDecoder {
	s := newStream(false)
	go s.run(func(r io.Reader) (io.Reader, error) {
		d, err := zstd.NewReader(r, zstd.WithDecoderConcurrency(1))
		if err != nil {
			return nil, err
		}
		s.mu.Lock()
		s.zd = d
		s.mu.Unlock()
		return d, nil
	})
	return s
}

func newStream(isZlib bool) *StreamDecoder {
	s := &StreamDecoder{zlib: isZlib, done: make(chan struct{})}
	s.cond = sync.NewCond(&s.mu)
	return s
}

// syncFlushMarker ends every sync-flushed deflate message.
var syncFlushMarker = []byte{0, 0, 0xff, 0xff}

// Decode feeds one binary frame and returns the message it decodes to,
// waiting up to wait for the decoder to use up the frame.
func (s *StreamDecoder) Decode(frame []byte, wait time.Duration) ([]byte, error) {
	if s.zlib && !bytes.HasSuffix(frame, syncFlushMarker) {
		return nil, fmt.Errorf("zlib-stream frame of %d bytes does not end in 00 00 ff ff", len(frame))
	}
	timedOut := false
	timer := time.AfterFunc(wait, func() {
		s.mu.Lock()
		timedOut = true
		s.cond.Broadcast()
		s.mu.Unlock()
	})
	defer timer.Stop()

	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return nil, s.err
	}
	s.in = append(s.in, frame...)
	s.starved = false
	s.cond.Broadcast()
	for s.err == nil && !(s.starved && len(s.in) == 0) && !timedOut {
		s.cond.Wait()
	}
	if s.err != nil {
		return nil, fmt.Errorf("decoding frame: %w", s.err)
	}
	if timedOut {
		return nil, fmt.Errorf("decoder did not use up a %d-byte frame within %v (%d bytes left)", len(frame), wait, len(s.in))
	}
	out := s.out
	s.out = nil
	return out, nil
}

// Close stops the decoder goroutine and frees the decoder.
func (s *StreamDecoder) Close() {
	s.mu.Lock()
	s.closed = true
	s.cond.Broadcast()
	s.mu.Unlock()
	<-s.done
	s.mu.Lock()
	if s.zd != nil {
		s.zd.Close()
		s.zd = nil
	}
	s.mu.Unlock()
}

var errFeedClosed = errors.New("gatetest: stream decoder closed")

// run is the decoder goroutine.
func (s *StreamDecoder) run(open func(io.Reader) (io.Reader, error)) {
	defer close(s.done)
	r, err := open(feed{s})
	if err != nil {
		s.fail(err)
		return
	}
	var b [1]byte
	for {
		n, err := r.Read(b[:])
		if n > 0 {
			s.mu.Lock()
			s.out = append(s.out, b[0])
			s.mu.Unlock()
		}
		if err != nil {
			s.fail(err)
			return
		}
	}
}

func (s *StreamDecoder) fail(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if errors.Is(err, io.EOF) {
		err = errors.New("compressed stream ended; a gateway stream never ends")
	}
	if s.err == nil {
		s.err = err
	}
	s.cond.Broadcast()
}

// feed is the decoder's input: it blocks, marking the decoder starved, when
// every fed byte has been read. It is an io.ByteReader so compress/flate
// reads it directly, not through a bufio.Reader that would read ahead.
type feed struct{ s *StreamDecoder }

// wait blocks until there is input; s.mu held.
func (f feed) wait() error {
	s := f.s
	for len(s.in) == 0 {
		if s.closed {
			return errFeedClosed
		}
		s.starved = true
		s.cond.Broadcast()
		s.cond.Wait()
	}
	return nil
}

func (f feed) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	s := f.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := f.wait(); err != nil {
		return 0, err
	}
	n := copy(p, s.in)
	s.in = s.in[n:]
	return n, nil
}

func (f feed) ReadByte() (byte, error) {
	s := f.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := f.wait(); err != nil {
		return 0, err
	}
	b := s.in[0]
	s.in = s.in[1:]
	return b, nil
}
