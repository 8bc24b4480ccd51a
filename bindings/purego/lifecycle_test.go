package purego

import (
	"errors"
	"fmt"
	"sync"
	"testing"

	"gatehouse/bindings/purego/streamcheck"
	"gatehouse/core/compress"
)

type maker func(t *testing.T) compress.Compressor

// allModes makes one stream of each mode through the Factory.
func allModes() map[string]maker {
	f := Factory()
	return map[string]maker{
		"zlib-stream": func(t *testing.T) compress.Compressor {
			return must(t)(f.NewZlibStream(compress.DefaultZlib))
		},
		"zstd-stream": func(t *testing.T) compress.Compressor {
			return must(t)(f.NewZstdStream(compress.ZstdDiscord))
		},
		"payload-zlib": func(t *testing.T) compress.Compressor {
			return must(t)(f.NewPayloadZlib(compress.DefaultZlib))
		},
	}
}

func must(t *testing.T) func(compress.Compressor, error) compress.Compressor {
	return func(c compress.Compressor, err error) compress.Compressor {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
}

// decodeOne decodes the first message of a fresh stream of the named mode.
func decodeOne(mode string, b, want []byte) error {
	switch mode {
	case "zlib-stream":
		return streamcheck.NewZlib().Check(b, want)
	case "zstd-stream":
		d := streamcheck.NewZstd()
		defer d.Close()
		return d.Check(b, want)
	case "payload-zlib":
		return streamcheck.Payload(b, want)
	}
	return fmt.Errorf("unknown mode %q", mode)
}

func TestFactoryName(t *testing.T) {
	if got := Factory().Name(); got != "go" {
		t.Fatalf("Name() = %q, want go", got)
	}
}

func TestCloseIsIdempotentAndFinal(t *testing.T) {
	for name, mk := range allModes() {
		t.Run(name, func(t *testing.T) {
			c := mk(t)
			if _, err := c.Compress(nil, []byte("hello")); err != nil {
				t.Fatal(err)
			}
			for i := range 3 {
				if err := c.Close(); err != nil {
					t.Fatalf("Close #%d: %v", i+1, err)
				}
			}
			dst := []byte("kept")
			out, err := c.Compress(dst, []byte("after close"))
			if !errors.Is(err, compress.ErrClosed) {
				t.Fatalf("Compress after Close: err = %v, want ErrClosed", err)
			}
			if string(out) != "kept" {
				t.Fatalf("Compress after Close changed dst to %q", out)
			}
			if n := c.StateBytes(); n != 0 {
				t.Fatalf("StateBytes after Close = %d, want 0", n)
			}
		})
	}
}

func TestInvalidOptions(t *testing.T) {
	f := Factory()
	zlibBad := []compress.ZlibOptions{
		{Level: -1, WindowBits: 15, MemLevel: 8},
		{Level: 10, WindowBits: 15, MemLevel: 8},
		{Level: 6, WindowBits: 8, MemLevel: 8},
		{Level: 6, WindowBits: 16, MemLevel: 8},
		{Level: 6, WindowBits: 15, MemLevel: 0},
		{Level: 6, WindowBits: 15, MemLevel: 10},
		{},
	}
	for _, o := range zlibBad {
		if _, err := f.NewZlibStream(o); !errors.Is(err, compress.ErrInvalidArgs) {
			t.Errorf("NewZlibStream(%+v): err = %v, want ErrInvalidArgs", o, err)
		}
		if _, err := f.NewPayloadZlib(o); !errors.Is(err, compress.ErrInvalidArgs) {
			t.Errorf("NewPayloadZlib(%+v): err = %v, want ErrInvalidArgs", o, err)
		}
	}
	zstdBad := []compress.ZstdOptions{
		{Level: 23},
		{Level: -200000},
		{Level: 3, WindowLog: 9},
		{Level: 3, WindowLog: 30},
		{Level: 3, HashLog: 5},
		{Level: 3, HashLog: 31},
		{Level: 3, ChainLog: 5},
		{Level: 3, ChainLog: 31},
	}
	for _, o := range zstdBad {
		if _, err := f.NewZstdStream(o); !errors.Is(err, compress.ErrInvalidArgs) {
			t.Errorf("NewZstdStream(%+v): err = %v, want ErrInvalidArgs", o, err)
		}
	}
}

// TestConcurrentStreams runs many streams at once, each on its own
// goroutine, the way event loops would. Under -race it checks that streams
// share nothing unsafely (payload zlib shares its pooled encoders).
func TestConcurrentStreams(t *testing.T) {
	const goroutines, perStream = 48, 60
	small := smallerThan(testMessages(4, 400), 8<<10)
	modes := allModes()
	names := []string{"zlib-stream", "zstd-stream", "payload-zlib"}
	var wg sync.WaitGroup
	errs := make(chan error, goroutines)
	for g := range goroutines {
		name := names[g%len(names)]
		c := modes[name](t)
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer c.Close()
			var dec *streamcheck.Stream
			switch name {
			case "zlib-stream":
				dec = streamcheck.NewZlib()
			case "zstd-stream":
				dec = streamcheck.NewZstd()
			}
			if dec != nil {
				defer dec.Close()
			}
			var buf []byte
			for i := range perStream {
				m := small[(g*7+i)%len(small)]
				var err error
				if buf, err = c.Compress(buf[:0], m); err != nil {
					errs <- fmt.Errorf("%s #%d message %d: %w", name, g, i, err)
					return
				}
				if dec != nil {
					err = dec.Check(buf, m)
				} else {
					err = streamcheck.Payload(buf, m)
				}
				if err != nil {
					errs <- fmt.Errorf("%s #%d message %d: %w", name, g, i, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
