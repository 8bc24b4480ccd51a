//go:build cgo

package bindings

import (
	"bytes"
	"math/rand/v2"
	"testing"
)

// TestMessageByMessage compresses 5,000 messages of 0 B to 1 MiB per codec
// and preset and hands each message's output alone to decoders we did not
// write, which must give back exactly that message before they see any
// later byte.
func TestMessageByMessage(t *testing.T) {
	const count = 5000
	for i, c := range codecs() {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			seed := uint64(1000 + i)
			msgs := messages(rand.New(rand.NewPCG(seed, seed)), count)
			s, err := c.make()
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			v := newVerifier(c.mode)
			var dst []byte
			var in, out int
			for k, msg := range msgs {
				// Mostly reuse one buffer; every 5th message starts from
				// nil (the grow path), every 7th appends after a prefix.
				base := dst[:0]
				switch {
				case k%5 == 0:
					base = nil
				case k%7 == 0:
					base = append(base, "pre"...)
				}
				res, err := s.Compress(base, msg)
				if err != nil {
					t.Fatalf("seed %d message %d (%d bytes): %v", seed, k, len(msg), err)
				}
				if !bytes.Equal(res[:len(base)], base) {
					t.Fatalf("message %d: Compress changed the bytes already in dst", k)
				}
				if err := v.check(msg, res[len(base):]); err != nil {
					t.Fatalf("seed %d message %d (%d bytes): %v", seed, k, len(msg), err)
				}
				in, out = in+len(msg), out+len(res)-len(base)
				dst = res
			}
			if err := v.finish(); err != nil {
				t.Fatal(err)
			}
			t.Logf("%d messages, %d bytes in, %d out (ratio %.2f), state %d bytes",
				count, in, out, float64(in)/float64(out), s.StateBytes())
		})
	}
}
