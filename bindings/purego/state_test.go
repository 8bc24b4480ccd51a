package purego

import (
	"runtime"
	"testing"
	"unsafe"

	"gatehouse/core/compress"
)

// TestStateBytesMatchesHeap checks StateBytes against what the Go heap
// really grew by: several streams are built and fed 100 messages, and the
// live heap growth per stream must be within 5% of what StateBytes reports.
// The figures are logged; docs/compression.md quotes the benchmark's.
func TestStateBytesMatchesHeap(t *testing.T) {
	msgs := testMessages(5, 100)
	cases := []struct {
		name string
		mk   func() (compress.Compressor, error)
	}{
		{"zlib-level1", func() (compress.Compressor, error) {
			return NewZlibStream(compress.ZlibOptions{Level: 1, WindowBits: 15, MemLevel: 8})
		}},
		{"zlib-level6", func() (compress.Compressor, error) { return NewZlibStream(compress.DefaultZlib) }},
		{"zlib-level9", func() (compress.Compressor, error) {
			return NewZlibStream(compress.ZlibOptions{Level: 9, WindowBits: 15, MemLevel: 8})
		}},
		{"zstd-discord", func() (compress.Compressor, error) { return NewZstdStream(compress.ZstdDiscord) }},
		{"zstd-balanced", func() (compress.Compressor, error) { return NewZstdStream(compress.ZstdBalanced) }},
		{"zstd-lean", func() (compress.Compressor, error) { return NewZstdStream(compress.ZstdLean) }},
		{"zstd-default", func() (compress.Compressor, error) { return NewZstdStream(compress.ZstdOptions{}) }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			const k = 4
			before := liveHeap()
			streams := make([]compress.Compressor, k)
			for i := range streams {
				c, err := tc.mk()
				if err != nil {
					t.Fatal(err)
				}
				streams[i] = c
			}
			var buf []byte
			for _, c := range streams {
				for _, m := range msgs {
					buf, _ = c.Compress(buf[:0], m)
				}
			}
			buf = nil
			grew := float64(liveHeap()-before) / k
			reported := float64(streams[0].StateBytes())
			t.Logf("StateBytes %.0f, heap growth per stream %.0f", reported, grew)
			if reported < grew*0.95 || reported > grew*1.05 {
				t.Errorf("StateBytes %.0f is not within 5%% of the heap growth %.0f", reported, grew)
			}
			runtime.KeepAlive(streams)
			for _, c := range streams {
				c.Close()
			}
		})
	}
}

// TestStateBytesPayloadIsZero: a payload compressor keeps no encoder
// between messages.
func TestStateBytesPayloadIsZero(t *testing.T) {
	c, err := NewPayloadZlib(compress.DefaultZlib)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Compress(nil, []byte(`{"op":0}`)); err != nil {
		t.Fatal(err)
	}
	if n := c.StateBytes(); n != 0 {
		t.Fatalf("StateBytes = %d, want 0", n)
	}
}

// TestDeepSizeCountsSharedOnce checks the walker on a known shape: two
// slices over one backing array and a pointer into a struct count once.
func TestDeepSizeCountsSharedOnce(t *testing.T) {
	type inner struct{ a [1000]byte }
	type outer struct {
		x, y []byte
		in   *inner
		in2  *inner
	}
	backing := make([]byte, 100<<10)
	o := &outer{x: backing, y: backing[10<<10:], in: &inner{}}
	o.in2 = o.in
	got := deepSize(o)
	want := int(roundAlloc(uintptr(len(backing)))) + 1000 + int(unsafe.Sizeof(outer{}))
	if got != want {
		t.Fatalf("deepSize = %d, want %d", got, want)
	}
	if deepSize(nil) != 0 || deepSize((*outer)(nil)) != 0 {
		t.Fatal("deepSize of nil is not 0")
	}
}

func liveHeap() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}
