package purego

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"testing"

	"gatehouse/bindings/purego/streamcheck"
	"gatehouse/core/compress"
)

// roundTripMessages is the number of messages per stream; the brief asks
// for at least 1,000.
const roundTripMessages = 1200

func TestZlibStreamRoundTrip(t *testing.T) {
	msgs := testMessages(1, roundTripMessages)
	for _, level := range []int{0, 1, 6, 9} {
		t.Run(fmt.Sprintf("level=%d", level), func(t *testing.T) {
			t.Parallel()
			c, err := NewZlibStream(compress.ZlibOptions{Level: level, WindowBits: 15, MemLevel: 8})
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			m := msgs
			if level == 9 {
				m = smallerThan(msgs, 64<<10) // level 9 is slow under -race
			}
			checkStream(t, c, streamcheck.NewZlib(), m)
		})
	}
}

func TestZstdStreamRoundTrip(t *testing.T) {
	msgs := testMessages(2, roundTripMessages)
	for _, name := range []string{"discord", "balanced", "lean", "default"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			o, err := compress.ZstdPreset(name)
			if name == "default" {
				o, err = compress.ZstdOptions{}, nil
			}
			if err != nil {
				t.Fatal(err)
			}
			c, err := NewZstdStream(o)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			checkStream(t, c, streamcheck.NewZstd(), msgs)
		})
	}
}

func TestPayloadZlibRoundTrip(t *testing.T) {
	msgs := testMessages(3, roundTripMessages)
	for _, level := range []int{1, 6} {
		t.Run(fmt.Sprintf("level=%d", level), func(t *testing.T) {
			t.Parallel()
			c, err := NewPayloadZlib(compress.ZlibOptions{Level: level, WindowBits: 15, MemLevel: 8})
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			var buf []byte
			for i, m := range msgs {
				if buf, err = c.Compress(buf[:0], m); err != nil {
					t.Fatalf("message %d: %v", i, err)
				}
				if err := streamcheck.Payload(buf, m); err != nil {
					t.Fatalf("message %d (%d bytes): %v", i, len(m), err)
				}
			}
		})
	}
}

// checkStream compresses msgs on c one at a time and decodes each output
// before the next message is compressed.
func checkStream(t *testing.T, c compress.Compressor, dec *streamcheck.Stream, msgs [][]byte) {
	t.Helper()
	defer dec.Close()
	var buf []byte
	var in, out int
	for i, m := range msgs {
		var err error
		if buf, err = c.Compress(buf[:0], m); err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
		if err := dec.Check(buf, m); err != nil {
			t.Fatalf("message %d (%d bytes): %v", i, len(m), err)
		}
		in, out = in+len(m), out+len(buf)
	}
	t.Logf("%d messages, %d bytes in, %d out", len(msgs), in, out)
}

// TestCompressAppends checks that Compress keeps what dst already holds and
// appends a decodable message after it.
func TestCompressAppends(t *testing.T) {
	prefix := []byte("frame-header:")
	msg := jsonLikeFixed(3000)
	for name, mk := range allModes() {
		t.Run(name, func(t *testing.T) {
			c := mk(t)
			defer c.Close()
			dst := append([]byte(nil), prefix...)
			out, err := c.Compress(dst, msg)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.HasPrefix(out, prefix) || len(out) <= len(prefix) {
				t.Fatalf("output %q does not start with the prefix and add bytes", out[:min(len(out), 20)])
			}
			if err := decodeOne(name, out[len(prefix):], msg); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestCompressNoAlloc checks the seam's promise: with enough spare capacity
// in dst, Compress allocates nothing once the stream is warm.
func TestCompressNoAlloc(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector changes allocation behaviour")
	}
	msg := jsonLikeFixed(1500)
	for name, mk := range allModes() {
		t.Run(name, func(t *testing.T) {
			c := mk(t)
			defer c.Close()
			buf := make([]byte, 0, 64<<10)
			for range 10 { // warm up: encoders allocate tables on first use
				buf, _ = c.Compress(buf[:0], msg)
			}
			allocs := testing.AllocsPerRun(200, func() {
				buf, _ = c.Compress(buf[:0], msg)
			})
			if allocs != 0 {
				t.Fatalf("%v allocations per Compress, want 0", allocs)
			}
		})
	}
}

// smallerThan keeps the messages shorter than n bytes.
func smallerThan(msgs [][]byte, n int) [][]byte {
	var out [][]byte
	for _, m := range msgs {
		if len(m) < n {
			out = append(out, m)
		}
	}
	return out
}

// jsonLikeFixed is one JSON-like message of exactly n bytes.
func jsonLikeFixed(n int) []byte { return jsonLike(rand.New(rand.NewPCG(99, 99)), n) }
