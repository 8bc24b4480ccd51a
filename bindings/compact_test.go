//go:build cgo

package bindings

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"

	"gatehouse/core/compress"
)

// smallSendMax is the Rust core's SMALL_SEND_MAX: the largest message a
// hibernating compact stream sends (uncompressed) without waking.
const smallSendMax = 128

// compactCodec is one compact format and parameter set under test.
type compactCodec struct {
	name    string
	mode    compress.Mode
	newPool func() (*CompactPool, error)
	// windowed streams keep no plaintext while hibernating: a MessageLog
	// gives them their window (open).
	windowed bool
}

// open makes a stream of c from p, and the function to call with every
// message after Compress has taken it (a windowed stream's log records
// it; the others need nothing).
func (c compactCodec) open(p *CompactPool) (compress.Compact, func([]byte), error) {
	if !c.windowed {
		s, err := p.NewCompactStream()
		return s, func([]byte) {}, err
	}
	log := compress.NewMessageLog(512, 256<<10)
	s, err := p.NewWindowedStream(log)
	return s, log.Record, err
}

func compactCodecs() []compactCodec {
	zlibAt := func(level int) compactCodec {
		o := compress.ZlibOptions{Level: level, WindowBits: 15, MemLevel: 8}
		return compactCodec{name: fmt.Sprintf("compact-zlib/level%d", level), mode: compress.ZlibStream,
			newPool: func() (*CompactPool, error) {
				return NewCompactZlibPool(o, compress.CompactOptions{MaxIdleContexts: 2})
			}}
	}
	zstdAt := func(preset string) compactCodec {
		o, err := compress.ZstdPreset(preset)
		return compactCodec{name: "compact-zstd/" + preset, mode: compress.ZstdStream,
			newPool: func() (*CompactPool, error) {
				if err != nil {
					return nil, err
				}
				return NewCompactZstdPool(o, compress.CompactOptions{MaxIdleContexts: 2})
			}}
	}
	windowed := func(c compactCodec) compactCodec {
		c.name, c.windowed = c.name+"/windowed", true
		return c
	}
	// The windowed codecs come last: some tests take the first three.
	return []compactCodec{zlibAt(1), zlibAt(6), zstdAt("discord"), zstdAt("lean"),
		windowed(zstdAt("discord")), windowed(zstdAt("lean"))}
}

// compactRun sends msgs on one compact stream, hibernating before a
// message with probability idle, and checks every message's output with
// the decoders of newVerifier as soon as it is made. It returns how many
// times the stream hibernated. It may run on any goroutine that owns p.
func compactRun(c compactCodec, p *CompactPool, msgs [][]byte, idle float64, r *rand.Rand) (int, error) {
	s, record, err := c.open(p)
	if err != nil {
		return 0, err
	}
	defer s.Close()
	v := newVerifier(c.mode)
	var dst []byte
	hibernations := 0
	for i, msg := range msgs {
		if r.Float64() < idle {
			hibernations++
			if err := s.Hibernate(); err != nil {
				return 0, fmt.Errorf("%s: hibernate before message %d: %w", c.name, i, err)
			}
			if !s.Hibernating() && i > 0 {
				return 0, fmt.Errorf("%s: not hibernating after Hibernate", c.name)
			}
			if n := s.StateBytes(); n > compress.IdleStateLimit {
				return 0, fmt.Errorf("%s: %d bytes of state while hibernating", c.name, n)
			}
		}
		asleep := s.Hibernating()
		out, err := s.Compress(dst[:0], msg)
		if err != nil {
			return 0, fmt.Errorf("%s: message %d (%d B): %w", c.name, i, len(msg), err)
		}
		record(msg)
		// Only a small message goes out without waking a stream, and what it
		// adds keeps the stream within the idle limit.
		if s.Hibernating() {
			if !asleep || len(msg) > smallSendMax {
				return 0, fmt.Errorf("%s: message %d (%d B) left the stream hibernating", c.name, i, len(msg))
			}
			if n := s.StateBytes(); n > compress.IdleStateLimit {
				return 0, fmt.Errorf("%s: %d bytes of state while hibernating", c.name, n)
			}
		}
		if err := v.check(msg, out); err != nil {
			return 0, fmt.Errorf("%s: message %d (%d B): %w", c.name, i, len(msg), err)
		}
		dst = out
	}
	if err := v.finish(); err != nil {
		return 0, fmt.Errorf("%s: %w", c.name, err)
	}
	return hibernations, nil
}

// TestCompactDecodesAcrossIdle: streams of 500 messages of 0 B to 1 MiB
// (JSON-like and random), with the stream hibernated before none, some,
// half or every message, decoded message by message by Go's compress/zlib
// and klauspost's decoders.
func TestCompactDecodesAcrossIdle(t *testing.T) {
	for _, c := range compactCodecs() {
		p, err := c.newPool()
		if err != nil {
			t.Fatal(err)
		}
		for k, idle := range []float64{0, 0.05, 0.5, 1} {
			r := rand.New(rand.NewPCG(uint64(k), 13))
			if _, err := compactRun(c, p, messages(r, 500), idle, r); err != nil {
				t.Fatal(err)
			}
		}
		if err := p.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

// TestCompactIdleStateWithinLimit: after traffic of any kind, a hibernating
// stream reports at most 16 KiB, and an active one reports its context.
func TestCompactIdleStateWithinLimit(t *testing.T) {
	jsonPool, randPool := pools()
	for _, c := range compactCodecs() {
		p, err := c.newPool()
		if err != nil {
			t.Fatal(err)
		}
		for name, src := range map[string][]byte{"json": jsonPool, "random": randPool} {
			s, record, err := c.open(p)
			if err != nil {
				t.Fatal(err)
			}
			if n := s.StateBytes(); n > 1024 {
				t.Fatalf("%s %s: fresh stream holds %d bytes", c.name, name, n)
			}
			var dst []byte
			for i := range 20 {
				msg := src[i*5000 : (i+1)*5000]
				if dst, err = s.Compress(dst[:0], msg); err != nil {
					t.Fatal(err)
				}
				record(msg)
			}
			active := s.StateBytes()
			if active < 100<<10 {
				t.Fatalf("%s %s: active stream reports only %d bytes", c.name, name, active)
			}
			if err := s.Hibernate(); err != nil {
				t.Fatal(err)
			}
			// A packed stream keeps its recent plaintext; a windowed one
			// only its log's references (20 × 24 B) and a few words.
			if n := s.StateBytes(); n > compress.IdleStateLimit || (n < 1024) != c.windowed {
				t.Fatalf("%s %s: hibernating stream holds %d bytes (active: %d)", c.name, name, n, active)
			}
			t.Logf("%s %s: active %d B, hibernating %d B", c.name, name, active, s.StateBytes())
			s.Close()
		}
		if p.StateBytes() == 0 {
			t.Fatalf("%s: pool reports no memory though it keeps contexts", c.name)
		}
		p.Close()
	}
}

// TestCompactClose: Close is idempotent on both handles; a stream whose
// pool is closed refuses work but can still be closed.
func TestCompactClose(t *testing.T) {
	for _, c := range compactCodecs() {
		p, err := c.newPool()
		if err != nil {
			t.Fatal(err)
		}
		s, err := p.NewCompactStream()
		if err != nil {
			t.Fatal(err)
		}
		s2, err := p.NewCompactStream()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Compress(nil, []byte("hello")); err != nil {
			t.Fatal(err)
		}
		if _, err := s2.Compress(nil, []byte("hello")); err != nil {
			t.Fatal(err)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Compress(nil, []byte("x")); !errors.Is(err, compress.ErrClosed) {
			t.Fatalf("%s: Compress after Close: %v", c.name, err)
		}
		if err := s.Hibernate(); !errors.Is(err, compress.ErrClosed) {
			t.Fatalf("%s: Hibernate after Close: %v", c.name, err)
		}
		if s.StateBytes() != 0 || !s.Hibernating() {
			t.Fatalf("%s: closed stream reports state", c.name)
		}
		p.Close()
		p.Close()
		if _, err := s2.Compress(nil, []byte("x")); !errors.Is(err, compress.ErrClosed) {
			t.Fatalf("%s: Compress after pool Close: %v", c.name, err)
		}
		if _, err := p.NewStream(); !errors.Is(err, compress.ErrClosed) {
			t.Fatalf("%s: NewStream after pool Close: %v", c.name, err)
		}
		if p.StateBytes() != 0 {
			t.Fatalf("%s: closed pool reports state", c.name)
		}
		s2.Close()
	}
}

func TestCompactBadOptions(t *testing.T) {
	for _, o := range []compress.ZlibOptions{{Level: 10, WindowBits: 15, MemLevel: 8}, {Level: 6, WindowBits: 16, MemLevel: 8}, {Level: 6, WindowBits: 15, MemLevel: 1 << 40}} {
		if _, err := NewCompactZlibPool(o, compress.CompactOptions{}); !errors.Is(err, compress.ErrInvalidArgs) {
			t.Fatalf("%+v: %v", o, err)
		}
	}
	for _, o := range []compress.ZstdOptions{{Level: 6, WindowLog: 28}, {Level: 6, WindowLog: -1}, {Level: 99}, {Level: 6, HashLog: 1 << 40}} {
		if _, err := NewCompactZstdPool(o, compress.CompactOptions{}); !errors.Is(err, compress.ErrInvalidArgs) {
			t.Fatalf("%+v: %v", o, err)
		}
	}
	if _, err := NewCompactZlibPool(compress.DefaultZlib, compress.CompactOptions{MaxIdleContexts: -1}); !errors.Is(err, compress.ErrInvalidArgs) {
		t.Fatalf("negative MaxIdleContexts: %v", err)
	}
}

func TestCompactFactory(t *testing.T) {
	f, ok := Rust().(compress.CompactFactory)
	if !ok {
		t.Fatal("Rust() is not a CompactFactory")
	}
	zl, err := f.NewCompactZlibPool(compress.DefaultZlib, compress.CompactOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer zl.Close()
	zs, err := f.NewCompactZstdPool(compress.ZstdDiscord, compress.CompactOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer zs.Close()
	for p, mode := range map[compress.CompactPool]compress.Mode{zl: compress.ZlibStream, zs: compress.ZstdStream} {
		if p.Mode() != mode {
			t.Fatalf("mode %v, want %v", p.Mode(), mode)
		}
		s, err := p.NewStream()
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := s.(*CompactStream); !ok {
			t.Fatalf("pool made a %T", s)
		}
		s.Close()
	}
}

// TestCompactWindowedRefusals: only zstd pools make windowed streams, and
// only with a source.
func TestCompactWindowedRefusals(t *testing.T) {
	z, err := NewCompactZlibPool(compress.DefaultZlib, compress.CompactOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer z.Close()
	if _, err := z.NewWindowedStream(compress.NewMessageLog(8, 1<<10)); !errors.Is(err, compress.ErrInvalidArgs) {
		t.Fatalf("zlib pool made a windowed stream: %v", err)
	}
	zs, err := NewCompactZstdPool(compress.ZstdDiscord, compress.CompactOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer zs.Close()
	if _, err := zs.NewWindowedStream(nil); !errors.Is(err, compress.ErrInvalidArgs) {
		t.Fatalf("windowed stream without a source: %v", err)
	}
	s, err := zs.NewWindowedStream(compress.NewMessageLog(8, 1<<10))
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
}
