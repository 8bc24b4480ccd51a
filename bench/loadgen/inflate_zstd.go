package loadgen

import (
	"github.com/klauspost/compress/zstd"
)

// zstdInflater decodes `compress=zstd-stream` with klauspost's zstd decoder
// in its lowest-memory shape: concurrency 1 (the stream is decoded
// synchronously inside Read, on the event loop, with no goroutines), low-mem
// buffers that grow on demand, and a window cap. Its history still grows to
// the server's window (256 KiB at the discord preset) as the stream goes on,
// which is the price every zstd-stream client pays.
//
// Read decodes at most one block per call when it starts with no output
// pending, which together with jsonEnd keeps it from reading past the
// message (see inflater).
type zstdInflater struct {
	in      feeder
	d       *zstd.Decoder // nil until the first message
	max     int
	maxWind uint64
}

func newZstdInflater(maxMessage int, maxWindow uint64) *zstdInflater {
	return &zstdInflater{max: maxMessage, maxWind: maxWindow}
}

func (z *zstdInflater) Inflate(dst, msg []byte) ([]byte, error) {
	z.in.feed(msg)
	if z.d == nil {
		d, err := zstd.NewReader(&z.in,
			zstd.WithDecoderConcurrency(1),
			zstd.WithDecoderLowmem(true),
			zstd.WithDecoderMaxWindow(z.maxWind),
		)
		if err != nil {
			return dst, err
		}
		z.d = d
	}
	out, err := readMessage(z.d, dst, z.max)
	z.in.release()
	return out, err
}

func (z *zstdInflater) Close() {
	if z.d != nil {
		z.d.Close()
		z.d = nil
	}
	z.in = feeder{}
}
