package loadgen

import (
	"bytes"
	"math/rand/v2"
	"testing"

	"gatehouse/server/ws"
)

// TestFrameNeedEveryPrefix cuts server frames of many sizes (7-bit, 16-bit
// and 64-bit lengths) at every point and checks that frameNeed asks for
// exactly the bytes that complete the header, then the frame.
func TestFrameNeedEveryPrefix(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, n := range []int{0, 1, 125, 126, 127, 300, 65535, 65536, 70000} {
		frame := ws.AppendFrame(nil, ws.OpText, bytes.Repeat([]byte{'a' + byte(rng.IntN(26))}, n))
		hdr := len(frame) - n
		for p := 0; p <= len(frame); p++ {
			if p > 200 && p < len(frame)-200 && p%997 != 0 {
				continue
			}
			need := frameNeed(frame[:p], 1<<20)
			switch {
			case p < 2 && need != 2-p,
				p >= 2 && p < hdr && need != hdr-p,
				p >= hdr && need != len(frame)-p:
				t.Fatalf("payload %d, prefix %d of %d (header %d): need %d", n, p, len(frame), hdr, need)
			}
		}
	}
}

// FuzzFrameNeed checks frameNeed against the decoder we use: when it says a
// frame is whole the decoder takes a frame or refuses the bytes, and when
// it asks for more the decoder takes nothing (or refuses the header).
func FuzzFrameNeed(f *testing.F) {
	f.Add(ws.AppendFrame(nil, ws.OpText, []byte(`{"op":11}`)))
	f.Add(ws.AppendFrame(nil, ws.OpBinary, bytes.Repeat([]byte{1}, 300))[:50])
	f.Add([]byte{0x81, 0x7f, 0, 0, 0, 0, 0, 1, 0, 0})
	f.Add([]byte{0x81})
	f.Fuzz(func(t *testing.T, b []byte) {
		const max = 4096
		need := frameNeed(b, max)
		if need < 0 {
			t.Fatalf("negative need %d", need)
		}
		var d ws.ClientDecoder
		n, _, err := d.Decode(b, max)
		if err != nil {
			return
		}
		if need == 0 && n == 0 {
			t.Fatalf("frameNeed says whole, decoder waits: % x", b[:min(len(b), 16)])
		}
		if need > 0 && n > 0 {
			t.Fatalf("frameNeed wants %d more, decoder took %d: % x", need, n, b[:min(len(b), 16)])
		}
	})
}
