package ws

import (
	"bytes"
	"fmt"
	"testing"
)

// testKey is the mask key of hand-built client frames; it is not all zeros so
// a decoder that forgets to unmask fails.
var testKey = [4]byte{0x37, 0xfa, 0x21, 0x3d}

// cf builds one masked client frame whose first header byte is b0 (FIN,
// RSV and opcode bits as given).
func cf(b0 byte, payload string) []byte {
	return appendMasked(nil, b0, []byte(payload), testKey)
}

// sf builds one unmasked frame, as a server sends it (or a broken client).
func sf(b0 byte, payload string) []byte {
	return append(appendHeader(nil, b0, len(payload), false), payload...)
}

// cat joins frames into one input.
func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

// closePayload is a close frame payload: code then reason.
func closePayload(code uint16, reason string) string {
	return string([]byte{byte(code >> 8), byte(code)}) + reason
}

const (
	fin     = 0x80
	opText  = byte(OpText)
	opBin   = byte(OpBinary)
	opCont  = byte(OpContinuation)
	opClose = byte(OpClose)
	opPing  = byte(OpPing)
	opPong  = byte(OpPong)
)

// rec is a decoded event in a comparable form.
type rec struct {
	Kind    Kind
	Code    CloseCode
	Payload string
}

func (r rec) String() string { return fmt.Sprintf("%s/%d/%q", r.Kind, r.Code, r.Payload) }

// outcome is everything a feed of an input produced.
type outcome struct {
	events   []rec
	err      error
	consumed int // bytes consumed before need-more or error
}

func (o outcome) String() string {
	return fmt.Sprintf("events=%v err=%v consumed=%d", o.events, o.err, o.consumed)
}

func (o outcome) equal(p outcome) bool {
	if o.err != p.err || o.consumed != p.consumed || len(o.events) != len(p.events) {
		return false
	}
	for i := range o.events {
		if o.events[i] != p.events[i] {
			return false
		}
	}
	return true
}

// feed runs a fresh decoder over input delivered in chunks ending at the
// given cut offsets (ascending), the way an event loop sees reads: the
// unconsumed tail stays buffered and the next read is appended to it. It
// checks the buffer contract on every call: consumed within bounds, no event
// without consumption, and bytes not consumed left exactly as received.
// client selects ClientDecoder rules (unmasked frames).
func feed(t testing.TB, input []byte, cuts []int, max int, client bool) outcome {
	t.Helper()
	orig := bytes.Clone(input)
	var (
		d    Decoder
		out  outcome
		pend []byte // bytes received and not consumed; a copy, so unmasking cannot reach input
		recv int    // bytes of input received so far
	)
	defer d.Reset()
	cuts = append(cuts, len(input))
	for _, cut := range cuts {
		if cut < recv {
			continue
		}
		pend = append(pend, input[recv:cut]...)
		recv = cut
		for {
			n, ev, err := d.decode(pend, max, !client)
			if n < 0 || n > len(pend) {
				t.Fatalf("consumed %d of %d buffered bytes", n, len(pend))
			}
			if !bytes.Equal(pend[n:], orig[out.consumed+n:recv]) {
				t.Fatalf("decoder wrote into bytes it did not consume (at offset %d)", out.consumed+n)
			}
			if err != nil {
				out.err = err
				out.consumed += n
				return out
			}
			if n == 0 {
				if ev.Kind != KindNone {
					t.Fatalf("event %v with nothing consumed", ev.Kind)
				}
				break
			}
			if ev.Kind != KindNone {
				out.events = append(out.events, rec{ev.Kind, ev.Code, string(ev.Payload)})
			}
			out.consumed += n
			pend = pend[n:]
		}
	}
	return out
}

// whole feeds input in one read.
func whole(t testing.TB, input []byte, max int) outcome {
	return feed(t, input, nil, max, false)
}
