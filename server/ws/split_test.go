package ws

import (
	"strings"
	"testing"
)

// splitInputs are multi-frame inputs, valid and invalid, whose outcome must
// not depend on where reads end.
func splitInputs() []decodeCase {
	var out []decodeCase
	for _, c := range decodeCases() {
		if len(c.in) <= 400 {
			out = append(out, c)
		}
	}
	out = append(out,
		decodeCase{name: "long fragmented with controls", in: cat(
			cf(opBin, strings.Repeat("a", 130)), cf(fin|opPing, "ping"), cf(opCont, ""),
			cf(fin|opPong, ""), cf(fin|opCont, strings.Repeat("b", 200)), cf(fin|opClose, closePayload(4000, "done")))},
		decodeCase{name: "16-bit length then tiny", in: cat(cf(fin|opText, strings.Repeat("c", 300)), cf(fin|opText, "d"))},
	)
	return out
}

// TestSplitEveryPosition feeds every input cut at every byte position (two
// reads), then one byte per read, and expects exactly what one read gives.
func TestSplitEveryPosition(t *testing.T) {
	for _, c := range splitInputs() {
		t.Run(c.name, func(t *testing.T) {
			ref := whole(t, c.in, c.max)
			for i := 0; i <= len(c.in); i++ {
				if got := feed(t, c.in, []int{i}, c.max, false); !got.equal(ref) {
					t.Fatalf("cut at %d: got %v\nwant %v", i, got, ref)
				}
			}
			every := make([]int, len(c.in))
			for i := range every {
				every[i] = i
			}
			if got := feed(t, c.in, every, c.max, false); !got.equal(ref) {
				t.Fatalf("one byte per read: got %v\nwant %v", got, ref)
			}
		})
	}
}

// TestSplitEveryPair cuts short inputs at every pair of positions (three reads).
func TestSplitEveryPair(t *testing.T) {
	for _, c := range splitInputs() {
		if len(c.in) > 64 {
			continue
		}
		ref := whole(t, c.in, c.max)
		for i := 0; i <= len(c.in); i++ {
			for j := i; j <= len(c.in); j++ {
				if got := feed(t, c.in, []int{i, j}, c.max, false); !got.equal(ref) {
					t.Fatalf("%s: cuts %d,%d: got %v\nwant %v", c.name, i, j, got, ref)
				}
			}
		}
	}
}

// TestSplitNeedMoreThenSuccess spells out the need-more contract on one
// frame: every strict prefix consumes nothing, the full frame succeeds.
func TestSplitNeedMoreThenSuccess(t *testing.T) {
	frame := cf(fin|opText, strings.Repeat("x", 200))
	for i := 0; i < len(frame); i++ {
		var d Decoder
		n, ev, err := d.Decode(append([]byte(nil), frame[:i]...), 0)
		if n != 0 || err != nil || ev.Kind != KindNone {
			t.Fatalf("prefix %d: n=%d kind=%v err=%v", i, n, ev.Kind, err)
		}
	}
	var d Decoder
	if n, ev, err := d.Decode(frame, 0); n != len(frame) || err != nil || ev.Kind != KindText {
		t.Fatalf("full: n=%d kind=%v err=%v", n, ev.Kind, err)
	}
}
