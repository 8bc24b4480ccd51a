package server

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"testing"

	"gatehouse/core/protocol"
)

// TestFrameLogWindow: after every frame, the window is a suffix of the
// encodings of everything recorded, byte for byte, of whole frames, at
// most max long and short of it by less than one frame (unless READY or a
// big frame cut it), and the log stays within its slot bound and 16 KiB,
// runs of heartbeat ACKs taking one slot.
func TestFrameLogWindow(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	l := newFrameLog()
	var sent []byte
	cut := 0 // where the last big frame ended in sent
	for i := range 5000 {
		f := protocol.Frame{Op: protocol.OpHeartbeatACK}
		switch k := r.IntN(40); {
		case k == 0:
			f = protocol.Frame{Op: protocol.OpDispatch, T: "GUILD_CREATE", S: uint64(i), D: bytes.Repeat([]byte("x"), frameLogBigFrame)}
		case k == 1:
			f = protocol.Frame{Op: protocol.OpDispatch, T: "READY", S: uint64(i), D: []byte(`{"v":10}`)}
		case k == 2:
			// An idle stretch: hundreds of ACKs, one slot.
			slots := l.slots.Len()
			for range 300 + r.IntN(300) {
				sent = f.AppendTo(sent)
				l.record(&f)
			}
			if l.slots.Len() > slots+1 {
				t.Fatalf("frame %d: a run of ACKs took %d slots", i, l.slots.Len()-slots)
			}
		case k < 36:
			d := fmt.Appendf(nil, `{"id":"%d","pad":"%s"}`, r.Uint64(), bytes.Repeat([]byte("y"), r.IntN(2000)))
			f = protocol.Frame{Op: protocol.OpDispatch, T: "MESSAGE_CREATE", S: uint64(i), D: d}
		}
		sent = f.AppendTo(sent)
		l.record(&f)
		if f.Size() > frameLogBigFrame || f.T == "READY" {
			cut = len(sent)
		}
		if l.slots.Len() > frameLogSlots || l.StateBytes() > 16<<10 {
			t.Fatalf("frame %d: %d slots, %d bytes", i, l.slots.Len(), l.StateBytes())
		}
		max := r.IntN(300 << 10)
		w := l.AppendWindow([]byte("x"), max)
		if w[0] != 'x' || !bytes.HasSuffix(sent, w[1:]) || len(w)-1 > max {
			t.Fatalf("frame %d: window of %d bytes (max %d) is not a suffix of what was sent", i, len(w)-1, max)
		}
		avail := min(len(sent)-cut, frameLogBytes)
		if l.slots.Len() < frameLogSlots && len(w)-1+2100 < min(max, avail) {
			t.Fatalf("frame %d: window %d bytes, max %d, %d available", i, len(w)-1, max, avail)
		}
	}
}
