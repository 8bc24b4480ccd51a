package ws

import (
	"encoding/binary"
	"unicode/utf8"
)

// DefaultMaxMessage is the message cap used when Decode is given maxMessage <= 0.
const DefaultMaxMessage = 64 << 10

// Event is one decoded message or control frame.
//
// Payload aliases either the input slice given to Decode (unmasked in place)
// or the decoder's reassembly buffer for fragmented messages. It is valid
// until the caller discards those input bytes or calls Decode or Reset again,
// whichever comes first; copy it to keep it longer.
type Event struct {
	// Payload is the message (text, binary), the application data (ping,
	// pong) or the close reason without the 2-byte code (close).
	Payload []byte
	// Code is the close code of a close frame; CloseNoStatus (1005) when the
	// frame had no payload. Zero for other kinds.
	Code CloseCode
	Kind Kind
}

// Decoder is the server-side streaming frame decoder of one connection. The
// zero value is ready to use. It is 8 bytes: a pointer that is nil except
// while a fragmented message is being reassembled. A Decoder is not safe for
// concurrent use; it belongs to the connection's event loop.
type Decoder struct {
	frag *reassembly
}

// Decode decodes frames from the front of buf, which holds every inbound
// byte not yet consumed. It returns how many bytes it consumed (the caller
// must discard exactly those and never feed them again: masked payloads have
// been unmasked in place) and at most one event.
//
//   - n == 0, err == nil: no complete frame yet; nothing was read or written,
//     call again when more bytes arrive.
//   - n > 0, ev.Kind == KindNone: only fragments of an unfinished message were
//     consumed (they were copied to the reassembly buffer); discard n, wait.
//   - ev.Kind != KindNone: one event; call Decode again on buf[n:].
//   - err != nil: a *CloseError; send a close with its code and close the
//     connection. Frames before the bad one may have been consumed.
//
// maxMessage caps a message (all fragments together); over it the result is
// ErrMessageTooBig (1009), raised as soon as the frame header shows it, so an
// oversized frame is never waited for. maxMessage <= 0 means DefaultMaxMessage.
func (d *Decoder) Decode(buf []byte, maxMessage int) (n int, ev Event, err error) {
	return d.decode(buf, maxMessage, true)
}

// Reset drops any partial message and returns its buffer to the pool. Call it
// when the connection closes.
func (d *Decoder) Reset() {
	if d.frag != nil {
		putReassembly(d.frag)
		d.frag = nil
	}
}

// ClientDecoder decodes the frames a server sends: the same rules as Decoder
// except that frames must not be masked (else ErrMasked). It is for test
// clients and the load generator.
type ClientDecoder struct {
	d Decoder
}

// Decode works like (*Decoder).Decode for unmasked server frames.
func (c *ClientDecoder) Decode(buf []byte, maxMessage int) (n int, ev Event, err error) {
	return c.d.decode(buf, maxMessage, false)
}

// Reset drops any partial message, as (*Decoder).Reset.
func (c *ClientDecoder) Reset() { c.d.Reset() }

// PayloadLength reads the payload length from the frame header at the
// start of b, which holds at least its first two bytes. hdr is the
// header's size up to the masking key (2, 4 or 10 bytes: the 7-bit length
// and its 16- or 64-bit extension); whole is false while b is shorter
// than that, and length is then 0. Any goroutine.
func PayloadLength(b []byte) (length uint64, hdr int, whole bool) {
	switch l7 := b[1] & len7Bits; l7 {
	case 126:
		if len(b) < 4 {
			return 0, 4, false
		}
		return uint64(binary.BigEndian.Uint16(b[2:])), 4, true
	case 127:
		if len(b) < 10 {
			return 0, 10, false
		}
		return binary.BigEndian.Uint64(b[2:]), 10, true
	default:
		return uint64(l7), 2, true
	}
}

// decode is the frame state machine. Every check that the header alone can
// decide is made before waiting for the payload, and always in the same
// order, so the result never depends on how the input was split into reads.
func (d *Decoder) decode(buf []byte, maxMessage int, masked bool) (int, Event, error) {
	if d.frag != nil && d.frag.done {
		d.Reset()
	}
	if maxMessage <= 0 {
		maxMessage = DefaultMaxMessage
	}
	n := 0
	for {
		b := buf[n:]
		if len(b) < 2 {
			return n, Event{}, nil
		}
		b0, b1 := b[0], b[1]
		if b0&rsvBits != 0 {
			return n, Event{}, ErrReservedBits
		}
		op := Opcode(b0 & opBits)
		if !op.known() {
			return n, Event{}, ErrBadOpcode
		}
		if (b1&maskBit != 0) != masked {
			if masked {
				return n, Event{}, ErrUnmasked
			}
			return n, Event{}, ErrMasked
		}
		fin := b0&finBit != 0
		l7 := int(b1 & len7Bits)
		switch {
		case op.IsControl():
			if !fin {
				return n, Event{}, ErrFragmentedControl
			}
			if l7 > MaxControlPayload {
				return n, Event{}, ErrControlTooLong
			}
		case op == OpContinuation:
			if d.frag == nil {
				return n, Event{}, ErrUnexpectedContinuation
			}
		default:
			if d.frag != nil {
				return n, Event{}, ErrExpectedContinuation
			}
		}

		length, hdr, whole := PayloadLength(b)
		if !whole {
			return n, Event{}, nil
		}
		if length>>63 != 0 {
			return n, Event{}, ErrLengthOverflow
		}
		if !op.IsControl() {
			have := 0
			if d.frag != nil {
				have = len(d.frag.buf)
			}
			if have > maxMessage || length > uint64(maxMessage-have) {
				return n, Event{}, ErrMessageTooBig
			}
		}
		if masked {
			hdr += 4
		}
		if len(b) < hdr || uint64(len(b)-hdr) < length {
			return n, Event{}, nil
		}
		end := hdr + int(length)
		payload := b[hdr:end:end]
		if masked {
			maskBytes(binary.LittleEndian.Uint32(b[hdr-4:]), payload)
		}
		n += end

		switch {
		case op.IsControl():
			ev, err := controlEvent(op, payload)
			return n, ev, err
		case op == OpContinuation:
			d.frag.buf = append(d.frag.buf, payload...)
			if !fin {
				continue
			}
			d.frag.done = true
			if d.frag.op == OpText && !utf8.Valid(d.frag.buf) {
				return n, Event{}, ErrInvalidUTF8
			}
			return n, Event{Kind: kindOf(d.frag.op), Payload: d.frag.buf}, nil
		case !fin:
			d.frag = getReassembly(op)
			d.frag.buf = append(d.frag.buf, payload...)
		default:
			if op == OpText && !utf8.Valid(payload) {
				return n, Event{}, ErrInvalidUTF8
			}
			return n, Event{Kind: kindOf(op), Payload: payload}, nil
		}
	}
}

// controlEvent checks a complete, unmasked control frame payload.
func controlEvent(op Opcode, p []byte) (Event, error) {
	if op != OpClose {
		return Event{Kind: kindOf(op), Payload: p}, nil
	}
	switch len(p) {
	case 0:
		return Event{Kind: KindClose, Code: CloseNoStatus, Payload: p}, nil
	case 1:
		return Event{}, ErrCloseLength
	}
	code := CloseCode(binary.BigEndian.Uint16(p))
	if !code.ValidReceived() {
		return Event{}, ErrCloseCode
	}
	reason := p[2:]
	if !utf8.Valid(reason) {
		return Event{}, ErrCloseReasonUTF8
	}
	return Event{Kind: KindClose, Code: code, Payload: reason}, nil
}
