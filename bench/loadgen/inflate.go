package loadgen

import (
	"errors"
	"fmt"
	"io"
)

// inflater turns one connection's compressed gateway messages back into
// JSON. It is owned by the connection's event loop.
//
// The transport streams never end (zlib-stream is sync-flushed per message,
// zstd-stream is one endless frame flushed per message), and the decoders we
// use (Go's compress/flate, klauspost's zstd) keep any read error for good.
// So an inflater must never ask its decoder for bytes past the end of the
// current message. It reads only while the JSON value it is producing is
// still open (jsonEnd): a gateway message is exactly one JSON object, and
// while it is unfinished the message's own bytes must yield more output.
// Bytes the decoder did not need (the empty stored block after a sync flush,
// when a window flush already handed out the message) stay queued and are
// read at the start of the next message.
type inflater interface {
	// Inflate appends the decompressed message carried by msg to dst.
	Inflate(dst, msg []byte) ([]byte, error)
	// Close releases the decoder.
	Close()
}

// errStarved means the decoder wanted bytes beyond the message: the message
// did not carry a whole JSON value.
var errStarved = errors.New("loadgen: compressed message ends inside its JSON value")

// feeder is the io.Reader and io.ByteReader a decoder reads from: the bytes
// of the messages handed over so far and not yet consumed. When they run out
// it returns errStarved, never io.EOF, since the stream has no end.
type feeder struct {
	buf []byte
	off int
}

func (f *feeder) feed(b []byte) {
	if f.off == len(f.buf) {
		f.buf, f.off = f.buf[:0], 0
	}
	f.buf = append(f.buf, b...)
}

func (f *feeder) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	if f.off == len(f.buf) {
		return 0, errStarved
	}
	n := copy(p, f.buf[f.off:])
	f.off += n
	return n, nil
}

func (f *feeder) ReadByte() (byte, error) {
	if f.off == len(f.buf) {
		return 0, errStarved
	}
	b := f.buf[f.off]
	f.off++
	return b, nil
}

// release drops a large buffer once it is drained, so an idle connection
// keeps no copy of a big message; a small one is kept for reuse.
func (f *feeder) release() {
	if f.off == len(f.buf) {
		f.off = 0
		f.buf = f.buf[:0]
		if cap(f.buf) > 2048 {
			f.buf = nil
		}
	}
}

// readMessage reads from r, appending to dst, until exactly one JSON value
// has come out. maxLen caps the output.
func readMessage(r io.Reader, dst []byte, maxLen int) ([]byte, error) {
	var end jsonEnd
	start := len(dst)
	for {
		if cap(dst)-len(dst) < 512 {
			dst = append(dst, make([]byte, 4096+len(dst))...)[:len(dst)]
		}
		n, err := r.Read(dst[len(dst):cap(dst)])
		done, serr := end.scan(dst[len(dst) : len(dst)+n])
		dst = dst[:len(dst)+n]
		switch {
		case serr != nil:
			return dst, serr
		case done:
			return dst, nil
		case err != nil:
			return dst, err
		case len(dst)-start > maxLen:
			return dst, fmt.Errorf("loadgen: message over %d bytes", maxLen)
		}
	}
}

// jsonEnd finds where one JSON object ends in a stream of bytes without
// parsing it: it tracks nesting depth outside strings. Full validation is
// the JSON decoder's job afterwards.
type jsonEnd struct {
	depth   int
	started bool
	done    bool
	inStr   bool
	esc     bool
}

// errTrailing means a message held bytes after its JSON value.
var errTrailing = errors.New("loadgen: bytes after the JSON value")

// scan consumes b and reports whether the value is complete. Whitespace
// after the value is allowed; anything else is an error.
func (j *jsonEnd) scan(b []byte) (bool, error) {
	for _, c := range b {
		if j.done {
			if !isSpace(c) {
				return true, errTrailing
			}
			continue
		}
		switch {
		case j.inStr:
			switch {
			case j.esc:
				j.esc = false
			case c == '\\':
				j.esc = true
			case c == '"':
				j.inStr = false
			}
		case !j.started:
			if isSpace(c) {
				continue
			}
			if c != '{' {
				return false, fmt.Errorf("loadgen: message starts with %q, not an object", c)
			}
			j.started, j.depth = true, 1
		case c == '"':
			j.inStr = true
		case c == '{' || c == '[':
			j.depth++
		case c == '}' || c == ']':
			j.depth--
			if j.depth == 0 {
				j.done = true
			}
		}
	}
	return j.done, nil
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }
