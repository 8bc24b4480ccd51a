package loadgen

import (
	"bytes"
	"compress/zlib"
	"errors"
	"io"
)

// syncFlush ends every zlib-stream message.
var syncFlush = []byte{0, 0, 0xff, 0xff}

// zlibInflater decodes `compress=zlib-stream` with Go's compress/zlib. Its
// memory is the inflater's 32 KiB window plus Huffman tables, about 42 KiB
// per connection once the first message has arrived.
type zlibInflater struct {
	in  feeder
	r   io.ReadCloser // nil until the first message brings the zlib header
	max int
}

func newZlibInflater(maxMessage int) *zlibInflater { return &zlibInflater{max: maxMessage} }

func (z *zlibInflater) Inflate(dst, msg []byte) ([]byte, error) {
	if !bytes.HasSuffix(msg, syncFlush) {
		return dst, errors.New("loadgen: zlib-stream message does not end in 00 00 ff ff")
	}
	z.in.feed(msg)
	if z.r == nil {
		r, err := zlib.NewReader(&z.in)
		if err != nil {
			return dst, err
		}
		z.r = r
	}
	out, err := readMessage(z.r, dst, z.max)
	z.in.release()
	return out, err
}

func (z *zlibInflater) Close() {
	z.r = nil
	z.in = feeder{}
}
