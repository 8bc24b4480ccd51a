//go:build cgo

package bindings

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"testing"

	"gatehouse/core/compress"
)

// heartbeatACK is op 11 as the gateway sends it.
var heartbeatACK = []byte(`{"t":null,"s":null,"op":11,"d":null}`)

// TestCompactSmallSendsWhileHibernating: an idle connection's traffic —
// heartbeat ACKs and the odd small message between hibernations, with a
// large dispatch now and then — decoded message by message by Go's
// compress/zlib and klauspost's zlib, or klauspost's zstd. Six small
// messages in a row after a hibernation (208 bytes at most, within the
// tail's 256-byte reserve) leave the stream asleep within the idle limit;
// the tail is bounded, so a long enough run wakes it; and a large message
// repeating what went out while asleep costs little, because those bytes
// are in the decoder's window and in the woken context's.
func TestCompactSmallSendsWhileHibernating(t *testing.T) {
	jsonPool, randPool := pools()
	for _, c := range compactCodecs() {
		if c.windowed {
			// No tail to fill: a windowed stream sends every small message
			// raw while asleep; its log keeps them (TestCompactDecodesAcrossIdle).
			continue
		}
		p, err := c.newPool()
		if err != nil {
			t.Fatal(err)
		}
		s, err := p.NewCompactStream()
		if err != nil {
			t.Fatal(err)
		}
		v := newVerifier(c.mode)
		var dst []byte
		send := func(msg []byte) {
			t.Helper()
			if dst, err = s.Compress(dst[:0], msg); err != nil {
				t.Fatal(err)
			}
			if err := v.check(msg, dst); err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
		}
		r := rand.New(rand.NewPCG(3, 3))
		for round := range 8 {
			off := r.IntN(len(jsonPool) - 30_000)
			send(jsonPool[off : off+30_000])
			if err := s.Hibernate(); err != nil {
				t.Fatal(err)
			}
			var sent []byte
			for i := range 6 {
				msg := heartbeatACK
				if i%3 == 2 { // unique bytes: only these can match them later
					off := r.IntN(len(randPool) - 32)
					msg = randPool[off : off+1+r.IntN(32)]
				}
				send(msg)
				sent = append(sent, msg...)
				if !s.Hibernating() {
					t.Fatalf("%s round %d: small message %d woke the stream", c.name, round, i)
				}
				if n := s.StateBytes(); n > compress.IdleStateLimit {
					t.Fatalf("%s round %d: %d bytes of state after %d small sends", c.name, round, n, i+1)
				}
			}
			woke := false
			for range 54 {
				send(heartbeatACK)
				sent = append(sent, heartbeatACK...)
				if woke = !s.Hibernating(); woke {
					break
				}
			}
			if !woke {
				t.Fatalf("%s round %d: 60 small sends and still asleep: the tail is unbounded", c.name, round)
			}
			if err := s.Hibernate(); err != nil {
				t.Fatal(err)
			}
			echo := bytes.Repeat(sent, 2)
			send(echo)
			if len(dst)*10 > len(echo) {
				t.Fatalf("%s round %d: %d B for %d B sent before: not matched in the window",
					c.name, round, len(dst), len(echo))
			}
		}
		if err := v.finish(); err != nil {
			t.Fatal(err)
		}
		s.Close()
		p.Close()
	}
}

// ExampleCompactStream_smallSend shows what a heartbeat ACK costs on the
// wire from a hibernating stream: the message plus a stored block's header
// and the sync-flush marker (zlib), or a raw block's header (zstd).
func ExampleCompactStream_smallSend() {
	for _, mk := range []func() (*CompactPool, error){
		func() (*CompactPool, error) {
			return NewCompactZlibPool(compress.DefaultZlib, compress.CompactOptions{})
		},
		func() (*CompactPool, error) {
			return NewCompactZstdPool(compress.ZstdDiscord, compress.CompactOptions{})
		},
	} {
		p, _ := mk()
		s, _ := p.NewCompactStream()
		ready := bytes.Repeat([]byte(`{"t":"READY","s":1,"op":0,"d":{}}`), 100)
		s.Compress(nil, ready)
		s.Hibernate()
		out, _ := s.Compress(nil, heartbeatACK)
		fmt.Printf("%s: %d B ACK → %d B, still hibernating: %v\n", p.Mode(), len(heartbeatACK), len(out), s.Hibernating())
		s.Close()
		p.Close()
	}
	// Output:
	// zlib-stream: 36 B ACK → 46 B, still hibernating: true
	// zstd-stream: 36 B ACK → 39 B, still hibernating: true
}
