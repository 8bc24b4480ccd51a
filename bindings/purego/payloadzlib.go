package purego

import (
	"sync"

	"github.com/klauspost/compress/zlib"

	"gatehouse/core/compress"
)

// PayloadZlib is Identify `compress: true`: every message is a complete,
// independent zlib stream. Because nothing carries over between messages,
// the encoder is borrowed from a pool shared by every connection at the same
// level and returned after each message; a connection holds no encoder.
//
// Concurrency: not safe for concurrent use; see compress.Compressor. The
// shared pools are safe for concurrent use.
type PayloadZlib struct {
	pool   *sync.Pool
	closed bool
}

var _ compress.Compressor = (*PayloadZlib)(nil)

// payloadWriter is one pooled encoder with the sink it writes to.
type payloadWriter struct {
	w   *zlib.Writer
	out sink
}

// payloadPools holds one pool per zlib level 0..9.
var payloadPools [10]sync.Pool

func init() {
	for level := range payloadPools {
		payloadPools[level].New = func() any {
			pw := &payloadWriter{}
			// The level was range-checked, so NewWriterLevel cannot fail.
			pw.w, _ = zlib.NewWriterLevel(&pw.out, level)
			return pw
		}
	}
}

// NewPayloadZlib makes a payload compressor. WindowBits and MemLevel are
// checked and ignored (see the package comment).
func NewPayloadZlib(o compress.ZlibOptions) (*PayloadZlib, error) {
	if err := checkZlib(o); err != nil {
		return nil, err
	}
	return &PayloadZlib{pool: &payloadPools[o.Level]}, nil
}

// Compress appends one complete zlib stream holding msg to dst.
func (p *PayloadZlib) Compress(dst, msg []byte) ([]byte, error) {
	if p.closed {
		return dst, compress.ErrClosed
	}
	pw := p.pool.Get().(*payloadWriter)
	pw.w.Reset(&pw.out)
	pw.out.buf = dst
	_, err := pw.w.Write(msg)
	if err == nil {
		err = pw.w.Close()
	}
	dst = pw.out.take()
	p.pool.Put(pw)
	return dst, err
}

// StateBytes is zero: between messages a payload compressor holds no
// encoder. The pooled encoders are shared by the process (see state.go).
func (p *PayloadZlib) StateBytes() int { return 0 }

// Close marks the compressor closed; it holds nothing to free.
func (p *PayloadZlib) Close() error {
	p.closed = true
	return nil
}
