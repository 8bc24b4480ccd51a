//go:build cgo

package bindings

import (
	"bytes"
	"errors"
	"math"
	"strings"
	"testing"

	"gatehouse/core/compress"
)

func TestFactory(t *testing.T) {
	f := Rust()
	if f.Name() != "rust" {
		t.Fatalf("Name() = %q", f.Name())
	}
	for _, make := range []func() (compress.Compressor, error){
		func() (compress.Compressor, error) { return f.NewZlibStream(compress.DefaultZlib) },
		func() (compress.Compressor, error) { return f.NewZstdStream(compress.ZstdDiscord) },
		func() (compress.Compressor, error) { return f.NewPayloadZlib(compress.DefaultZlib) },
	} {
		c, err := make()
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := c.(*Stream); !ok {
			t.Fatalf("factory made a %T", c)
		}
		c.Close()
	}
}

func TestCloseIsIdempotentAndCompressAfterCloseFails(t *testing.T) {
	for _, c := range codecs() {
		s, err := c.make()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Compress(nil, []byte("hi")); err != nil {
			t.Fatal(err)
		}
		if err := s.Close(); err != nil {
			t.Fatalf("%s: first Close: %v", c.name, err)
		}
		if err := s.Close(); err != nil {
			t.Fatalf("%s: second Close: %v", c.name, err)
		}
		dst := []byte("keep")
		out, err := s.Compress(dst, []byte("hi"))
		if !errors.Is(err, compress.ErrClosed) {
			t.Fatalf("%s: Compress after Close: %v", c.name, err)
		}
		if string(out) != "keep" {
			t.Fatalf("%s: Compress after Close changed dst to %q", c.name, out)
		}
		if _, err := s.Bound(10); !errors.Is(err, compress.ErrClosed) {
			t.Fatalf("%s: Bound after Close: %v", c.name, err)
		}
		if n := s.StateBytes(); n != 0 {
			t.Fatalf("%s: StateBytes after Close = %d", c.name, n)
		}
	}
}

// TestCompressAllocatesNothingWithCapacity: with dst's spare capacity at
// the bound, Compress allocates nothing on the Go side.
func TestCompressAllocatesNothingWithCapacity(t *testing.T) {
	msg := []byte(strings.Repeat(`{"t":"TYPING_START","s":42,"op":0,"d":{"user_id":"80351110224678912"}}`, 20))
	for _, c := range codecs() {
		s, err := c.make()
		if err != nil {
			t.Fatal(err)
		}
		bound, err := s.Bound(len(msg))
		if err != nil {
			t.Fatal(err)
		}
		dst := make([]byte, 0, bound)
		allocs := testing.AllocsPerRun(200, func() {
			out, err := s.Compress(dst[:0], msg)
			if err != nil || len(out) == 0 {
				t.Fatalf("%s: %d bytes, %v", c.name, len(out), err)
			}
		})
		if allocs != 0 {
			t.Errorf("%s: %.1f allocations per Compress with enough capacity", c.name, allocs)
		}
		s.Close()
	}
}

// TestCompressGrowsShortBuffers: too little spare capacity makes Compress
// grow dst (keeping its contents) rather than fail.
func TestCompressGrowsShortBuffers(t *testing.T) {
	msg := bytes.Repeat([]byte("abcdefgh"), 10_000)
	for _, c := range codecs() {
		s, err := c.make()
		if err != nil {
			t.Fatal(err)
		}
		v := newVerifier(c.mode)
		for _, capacity := range []int{0, 1, 16, 100} {
			dst := append(make([]byte, 0, 3+capacity), "abc"...)
			out, err := s.Compress(dst, msg)
			if err != nil {
				t.Fatalf("%s cap %d: %v", c.name, capacity, err)
			}
			if string(out[:3]) != "abc" {
				t.Fatalf("%s cap %d: prefix lost", c.name, capacity)
			}
			if err := v.check(msg, out[3:]); err != nil {
				t.Fatalf("%s cap %d: %v", c.name, capacity, err)
			}
		}
		s.Close()
	}
}

func TestInvalidOptionsAreRefused(t *testing.T) {
	f := Rust()
	zlibBad := []compress.ZlibOptions{
		{Level: 1000, WindowBits: 15, MemLevel: 8},
		{Level: 6, WindowBits: 99, MemLevel: 8},
		{Level: 6, WindowBits: 15, MemLevel: 0},
		{Level: 1<<32 + 6, WindowBits: 15, MemLevel: 8}, // 6 once truncated to int32
		{Level: 6, WindowBits: math.MinInt64, MemLevel: 8},
	}
	for _, o := range zlibBad {
		if _, err := f.NewZlibStream(o); !errors.Is(err, compress.ErrInvalidArgs) {
			t.Errorf("zlib %+v: %v", o, err)
		}
		if _, err := f.NewPayloadZlib(o); !errors.Is(err, compress.ErrInvalidArgs) {
			t.Errorf("payload %+v: %v", o, err)
		}
	}
	zstdBad := []compress.ZstdOptions{
		{Level: 1000},
		{Level: 3, WindowLog: 99},
		{Level: 3, WindowLog: -1},
		{Level: 3, HashLog: 31},
		{Level: 3, ChainLog: 1 << 33},
	}
	for _, o := range zstdBad {
		if _, err := f.NewZstdStream(o); !errors.Is(err, compress.ErrInvalidArgs) {
			t.Errorf("zstd %+v: %v", o, err)
		}
	}
}

// TestStateBytesAfter100Messages reports each preset's memory per stream
// and checks the ordering the presets promise.
func TestStateBytesAfter100Messages(t *testing.T) {
	msg := []byte(strings.Repeat(`{"t":"PRESENCE_UPDATE","op":0,"d":{"status":"online"}}`, 30))
	sizes := map[string]int{}
	for _, c := range codecs() {
		s, err := c.make()
		if err != nil {
			t.Fatal(err)
		}
		fresh := s.StateBytes()
		var dst []byte
		for range 100 {
			if dst, err = s.Compress(dst[:0], msg); err != nil {
				t.Fatal(err)
			}
		}
		sizes[c.name] = s.StateBytes()
		t.Logf("%-22s %9d bytes fresh, %9d after 100 messages", c.name, fresh, sizes[c.name])
		s.Close()
	}
	if !(sizes["zstd-stream/discord"] > sizes["zstd-stream/balanced"] &&
		sizes["zstd-stream/balanced"] > sizes["zstd-stream/lean"]) {
		t.Errorf("zstd presets out of order: %v", sizes)
	}
	// Discord's setting holds about 1.4 MB per stream in libzstd.
	if d := sizes["zstd-stream/discord"]; d < 1_000_000 || d > 2_000_000 {
		t.Errorf("zstd discord state %d bytes, want about 1.4 MB", d)
	}
	// zlib-rs at windowBits 15 / memLevel 8 allocates 380,032 bytes.
	if z := sizes["zlib-stream/level6"]; z < 380_032 || z > 381_000 {
		t.Errorf("zlib state %d bytes, want 380,032 plus the handle", z)
	}
}

func TestStatusErrors(t *testing.T) {
	for st, want := range map[Status]error{
		StatusNullArgument: compress.ErrInvalidArgs,
		StatusInvalidArg:   compress.ErrInvalidArgs,
		StatusTooLarge:     compress.ErrTooLarge,
		StatusOutOfMemory:  ErrOutOfMemory,
		StatusInternal:     ErrBroken,
		StatusPanic:        ErrBroken,
		Status(99):         ErrBroken,
	} {
		if !errors.Is(st, want) {
			t.Errorf("status %d (%v) does not unwrap to %v", st, st, want)
		}
		if !strings.HasPrefix(st.Error(), "bindings: ") {
			t.Errorf("status %d: %q", st, st.Error())
		}
	}
}
