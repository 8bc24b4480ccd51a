package streamcheck

import (
	"errors"
	"io"
)

// ErrStarved means a decoder needed bytes beyond the current message to
// produce it, so the message would not decode on arrival.
var ErrStarved = errors.New("streamcheck: decoder needs bytes beyond the message")

// feeder is the io.Reader the decoders read from. It holds only the bytes of
// the current message and returns ErrStarved, not EOF, when they run out. It
// implements io.ByteReader so compress/flate reads it directly instead of
// through a bufio.Reader that could hide how far it read.
type feeder struct {
	buf []byte
}

func (f *feeder) feed(b []byte) { f.buf = append(f.buf, b...) }

func (f *feeder) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	if len(f.buf) == 0 {
		return 0, ErrStarved
	}
	n := copy(p, f.buf)
	f.buf = f.buf[n:]
	return n, nil
}

func (f *feeder) ReadByte() (byte, error) {
	if len(f.buf) == 0 {
		return 0, ErrStarved
	}
	b := f.buf[0]
	f.buf = f.buf[1:]
	return b, nil
}

var _ io.ByteReader = (*feeder)(nil)
