package compress

import (
	"bytes"
	"math/rand/v2"
	"testing"
)

// TestMessageLogWindow: the window is always a suffix of everything
// recorded, of whole messages, at most max long and no more than one
// message short of it; the log keeps at most its record and byte bounds
// (plus the message that crossed them).
func TestMessageLogWindow(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	l := NewMessageLog(64, 4096)
	var all []byte
	for i := range 2000 {
		msg := make([]byte, 1+r.IntN(300))
		for j := range msg {
			msg[j] = byte(r.IntN(256))
		}
		l.Record(msg)
		all = append(all, msg...)
		if n := l.msgs.Len(); n > 64 || (n > 1 && l.bytes-len(*l.msgs.At(0))-len(msg) >= 4096) {
			t.Fatalf("step %d: keeps %d messages, %d bytes", i, l.msgs.Len(), l.bytes)
		}
		max := r.IntN(5000)
		w := l.AppendWindow([]byte("x"), max)
		if w[0] != 'x' || !bytes.HasSuffix(all, w[1:]) || len(w)-1 > max {
			t.Fatalf("step %d: window of %d bytes (max %d) is not a suffix", i, len(w)-1, max)
		}
		if len(w)-1+301 < min(max, l.bytes) {
			t.Fatalf("step %d: window %d bytes, max %d, kept %d", i, len(w)-1, max, l.bytes)
		}
	}
	if got := l.AppendWindow(nil, 0); len(got) != 0 {
		t.Fatalf("max 0 gave %d bytes", len(got))
	}
	if n := l.StateBytes(); n > 64*24+128 {
		t.Fatalf("state %d bytes", n)
	}
}
