package session

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"testing"
	"unsafe"

	"gatehouse/core/protocol"
)

// replayModel is the obvious buffer the compact ring must behave like: every
// kept frame in a slice, trimmed from the front to the same limits.
type replayModel struct {
	frames              []protocol.Frame
	maxEvents, maxBytes int
}

func (m *replayModel) push(f protocol.Frame) {
	size := f.Size()
	if m.maxEvents <= 0 || size > m.maxBytes {
		m.frames = nil
		return
	}
	if n := len(m.frames); n > 0 && f.S != m.frames[n-1].S+1 {
		m.frames = nil
	}
	m.frames = append(m.frames, f)
	total := 0
	for _, g := range m.frames {
		total += g.Size()
	}
	for len(m.frames) > m.maxEvents || total > m.maxBytes {
		total -= m.frames[0].Size()
		m.frames = m.frames[1:]
	}
}

func (m *replayModel) after(seq, last uint64) ([]protocol.Frame, bool) {
	if seq == last {
		return nil, true
	}
	n := len(m.frames)
	if n == 0 || seq+1 < m.frames[0].S || m.frames[n-1].S != last {
		return nil, false
	}
	var out []protocol.Frame
	for _, f := range m.frames {
		if f.S > seq {
			out = append(out, f)
		}
	}
	return out, true
}

// TestReplayMatchesModel pushes random dispatches (random names, payload
// sizes, some left out as READY is, so seqs have gaps) and after every push
// asks both buffers for a random resume point: same frames, same answer.
func TestReplayMatchesModel(t *testing.T) {
	names := []string{"MESSAGE_CREATE", "PRESENCE_UPDATE", "TYPING_START", "", "GUILD_MEMBER_LIST_UPDATE"}
	for seed := uint64(1); seed <= 40; seed++ {
		rng := rand.New(rand.NewPCG(seed, 7))
		limits := []int{0, 1, 3, 16, 100}
		r := newReplay(limits[rng.IntN(len(limits))], 64+rng.IntN(4096))
		m := replayModel{maxEvents: r.buf.Max, maxBytes: r.maxBytes}
		var seq uint64
		for step := 0; step < 3000; step++ {
			seq++
			var d []byte
			if k := rng.IntN(300); k > 0 {
				d = bytes.Repeat([]byte{byte('a' + step%26)}, k)
			}
			f := protocol.Frame{Op: protocol.OpDispatch, T: names[rng.IntN(len(names))], S: seq, D: d}
			if rng.IntN(50) != 0 { // one in fifty is not kept, like READY
				r.push(f)
				m.push(f)
			}
			resume := seq - uint64(rng.IntN(int(min(seq, 150))+1))
			got, gotOK := r.after(resume, seq)
			want, wantOK := m.after(resume, seq)
			if err := sameFrames(got, gotOK, want, wantOK); err != nil {
				t.Fatalf("seed %d step %d (limits %d events %d bytes), resume after %d of %d: %v",
					seed, step, r.buf.Max, r.maxBytes, resume, seq, err)
			}
			if r.bytes > r.maxBytes || r.buf.Len() > max(r.buf.Max, 0) {
				t.Fatalf("seed %d step %d: holds %d frames %d bytes over its limits", seed, step, r.buf.Len(), r.bytes)
			}
		}
	}
}

func sameFrames(got []protocol.Frame, gotOK bool, want []protocol.Frame, wantOK bool) error {
	if gotOK != wantOK {
		return fmt.Errorf("complete %v, model says %v", gotOK, wantOK)
	}
	if len(got) != len(want) {
		return fmt.Errorf("%d frames, model has %d", len(got), len(want))
	}
	for i := range got {
		g, w := got[i].AppendTo(nil), want[i].AppendTo(nil)
		if !bytes.Equal(g, w) {
			return fmt.Errorf("frame %d: %s, model %s", i, g, w)
		}
	}
	return nil
}

// TestReplaySlotSize keeps the entry small: it is the per-session cost of
// every kept dispatch.
func TestReplaySlotSize(t *testing.T) {
	if s := unsafe.Sizeof(slot{}); s > 24 {
		t.Fatalf("replay slot is %d bytes, want at most 24", s)
	}
}
