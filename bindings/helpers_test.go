//go:build cgo

package bindings

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"strconv"
	"sync"

	stdzlib "compress/zlib"

	kzlib "github.com/klauspost/compress/zlib"
	"github.com/klauspost/compress/zstd"

	"gatehouse/core/compress"
)

// codec is one stream kind and preset under test.
type codec struct {
	name string
	mode compress.Mode
	make func() (*Stream, error)
}

// codecs lists every kind and preset the brief names.
func codecs() []codec {
	zlibAt := func(level int) compress.ZlibOptions {
		return compress.ZlibOptions{Level: level, WindowBits: 15, MemLevel: 8}
	}
	zlibStream := func(level int) codec {
		return codec{"zlib-stream/level" + strconv.Itoa(level), compress.ZlibStream,
			func() (*Stream, error) { return NewZlibStream(zlibAt(level)) }}
	}
	zstdStream := func(preset string) codec {
		o, err := compress.ZstdPreset(preset)
		return codec{"zstd-stream/" + preset, compress.ZstdStream, func() (*Stream, error) {
			if err != nil {
				return nil, err
			}
			return NewZstdStream(o)
		}}
	}
	return []codec{
		zlibStream(1),
		zlibStream(6),
		zstdStream("discord"),
		zstdStream("balanced"),
		zstdStream("lean"),
		{"payload-zlib/level6", compress.PayloadZlib,
			func() (*Stream, error) { return NewPayloadZlib(compress.DefaultZlib) }},
	}
}

// errStarved is what a feeder returns when a decoder asks for bytes that
// have not been fed: the decoder needed more than one message's output.
var errStarved = errors.New("decoder read past the bytes fed so far")

// feeder is the decoder's input: the bytes fed so far and not yet read.
// Reading from an empty feeder fails instead of blocking, so a decoder
// that needs more input than it was given fails the test, not hangs it.
type feeder struct {
	buf []byte
	off int
}

func (f *feeder) feed(p []byte) {
	if f.off == len(f.buf) {
		f.buf, f.off = f.buf[:0], 0
	}
	f.buf = append(f.buf, p...)
}

func (f *feeder) Read(p []byte) (int, error) {
	if f.off == len(f.buf) {
		return 0, errStarved
	}
	n := copy(p, f.buf[f.off:])
	f.off += n
	return n, nil
}

// streamDecoder is one decoder reading a long-lived stream from a feeder.
// It is made lazily, after the first bytes arrive, because zlib readers
// read the stream header as they are made.
type streamDecoder struct {
	name    string
	in      feeder
	newR    func(io.Reader) (io.ReadCloser, error)
	r       io.ReadCloser
	scratch []byte
}

// message feeds one message's output and reads exactly len(msg) bytes.
func (d *streamDecoder) message(msg, out []byte) error {
	d.in.feed(out)
	if len(msg) == 0 {
		return nil
	}
	if d.r == nil {
		r, err := d.newR(&d.in)
		if err != nil {
			return fmt.Errorf("%s: open: %w", d.name, err)
		}
		d.r = r
	}
	if cap(d.scratch) < len(msg) {
		d.scratch = make([]byte, len(msg))
	}
	got := d.scratch[:len(msg)]
	if _, err := io.ReadFull(d.r, got); err != nil {
		return fmt.Errorf("%s: %w", d.name, err)
	}
	if !bytes.Equal(got, msg) {
		return fmt.Errorf("%s: decoded %d bytes differ from the message", d.name, len(msg))
	}
	return nil
}

// finish checks the decoder has no output beyond the messages.
func (d *streamDecoder) finish() error {
	if d.r == nil {
		return nil
	}
	defer d.r.Close()
	var one [1]byte
	if n, err := d.r.Read(one[:]); n != 0 || !errors.Is(err, errStarved) {
		return fmt.Errorf("%s: after the last message: %d bytes, %v", d.name, n, err)
	}
	return nil
}

func stdZlibReader(r io.Reader) (io.ReadCloser, error) { return stdzlib.NewReader(r) }
func kZlibReader(r io.Reader) (io.ReadCloser, error)   { return kzlib.NewReader(r) }
func kZstdReader(r io.Reader) (io.ReadCloser, error) {
	// One goroutine: the streaming decoder then decodes block by block as
	// bytes arrive instead of reading ahead.
	d, err := zstd.NewReader(r, zstd.WithDecoderConcurrency(1))
	if err != nil {
		return nil, err
	}
	return d.IOReadCloser(), nil
}

// verifier checks a stream's outputs one message at a time.
type verifier struct {
	mode     compress.Mode
	decoders []*streamDecoder
}

var zlibSuffix = []byte{0x00, 0x00, 0xff, 0xff}

// newVerifier picks decoders we did not write: Go's compress/zlib and
// klauspost's zlib for zlib-stream, klauspost's zstd for zstd-stream; a
// payload is opened alone by both zlib readers.
func newVerifier(mode compress.Mode) *verifier {
	v := &verifier{mode: mode}
	switch mode {
	case compress.ZlibStream:
		v.decoders = []*streamDecoder{
			{name: "compress/zlib", newR: stdZlibReader},
			{name: "klauspost/zlib", newR: kZlibReader},
		}
	case compress.ZstdStream:
		v.decoders = []*streamDecoder{{name: "klauspost/zstd", newR: kZstdReader}}
	}
	return v
}

// check verifies one message's output.
func (v *verifier) check(msg, out []byte) error {
	switch v.mode {
	case compress.ZlibStream:
		if !bytes.HasSuffix(out, zlibSuffix) {
			return fmt.Errorf("zlib-stream message does not end in 00 00 ff ff")
		}
	case compress.PayloadZlib:
		for _, open := range []func(io.Reader) (io.ReadCloser, error){stdZlibReader, kZlibReader} {
			r, err := open(bytes.NewReader(out))
			if err != nil {
				return fmt.Errorf("payload: open: %w", err)
			}
			// ReadAll reaches EOF only after the Adler-32 trailer checks out.
			got, err := io.ReadAll(r)
			if err != nil {
				return fmt.Errorf("payload: %w", err)
			}
			if !bytes.Equal(got, msg) {
				return fmt.Errorf("payload: decoded %d bytes, want %d", len(got), len(msg))
			}
		}
		return nil
	}
	for _, d := range v.decoders {
		if err := d.message(msg, out); err != nil {
			return err
		}
	}
	return nil
}

// finish checks no decoder has output left over.
func (v *verifier) finish() error {
	for _, d := range v.decoders {
		if err := d.finish(); err != nil {
			return err
		}
	}
	return nil
}

// Message content comes from two pools sliced at random offsets: gateway-
// shaped JSON text and random bytes. Slicing keeps generation cheap under
// -race; the pools are larger than the largest message.
const poolSize = 2 << 20

var pools = sync.OnceValues(func() (jsonPool, randPool []byte) {
	r := rand.New(rand.NewPCG(7, 7))
	randPool = make([]byte, poolSize)
	for i := range randPool {
		randPool[i] = byte(r.Uint32())
	}
	events := []string{"MESSAGE_CREATE", "PRESENCE_UPDATE", "TYPING_START", "GUILD_MEMBER_UPDATE"}
	names := []string{"Ælfrida", "小明", "night_owl", "Zoë", "🦊fox", "bob"}
	var b bytes.Buffer
	for seq := 1; b.Len() < poolSize; seq++ {
		fmt.Fprintf(&b, `{"t":%q,"s":%d,"op":0,"d":{"id":"%d","guild_id":"%d","channel_id":"%d",`+
			`"author":{"id":"%d","username":%q,"global_name":%q},"content":"msg %d from %s",`+
			`"timestamp":"2025-0%d-1%dT12:%02d:%02d.000000+00:00","mentions":[],"tts":false}}`,
			events[r.IntN(len(events))], seq, r.Uint64()>>2, 1<<50+r.IntN(50), 1<<51+r.IntN(500),
			1<<52+r.IntN(5000), names[r.IntN(len(names))], names[r.IntN(len(names))],
			r.IntN(1e6), names[r.IntN(len(names))], 1+r.IntN(9), r.IntN(10), r.IntN(60), r.IntN(60))
	}
	return b.Bytes()[:poolSize], randPool
})

// messageSize draws 0 B .. 1 MiB, skewed small so that thousands of
// messages stay cheap: 99% log-uniform below 16 KiB (about 7% of them
// empty), 1% log-uniform from 16 KiB to 1 MiB.
func messageSize(r *rand.Rand) int {
	logUniform := func(lo, hi float64) int {
		return int(math.Exp(math.Log(lo) + r.Float64()*(math.Log(hi)-math.Log(lo))))
	}
	if r.IntN(100) == 0 {
		return min(logUniform(16<<10, 1<<20+1), 1<<20)
	}
	return logUniform(1, 16<<10) - 1
}

// message returns a message of n bytes: 70% JSON-like text, 30% random.
func message(r *rand.Rand, n int) []byte {
	jsonPool, randPool := pools()
	pool := jsonPool
	if r.IntN(10) < 3 {
		pool = randPool
	}
	off := r.IntN(len(pool) - n + 1)
	return pool[off : off+n : off+n]
}

// messages draws count messages; the first three are the edge cases: an
// empty first message, the 1 MiB maximum, and another empty one.
func messages(r *rand.Rand, count int) [][]byte {
	out := make([][]byte, count)
	for i := range out {
		n := messageSize(r)
		switch i {
		case 0, 2:
			n = 0
		case 1:
			n = 1 << 20
		}
		out[i] = message(r, n)
	}
	return out
}
