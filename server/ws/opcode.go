package ws

// Opcode is the 4-bit frame opcode of RFC 6455 section 5.2.
type Opcode uint8

// Opcodes defined by RFC 6455. Every other value is rejected with 1002.
const (
	OpContinuation Opcode = 0x0
	OpText         Opcode = 0x1
	OpBinary       Opcode = 0x2
	OpClose        Opcode = 0x8
	OpPing         Opcode = 0x9
	OpPong         Opcode = 0xA
)

// IsControl reports whether o is a control opcode (close, ping, pong and the
// reserved 0xB-0xF), which RFC 6455 forbids to fragment or to exceed 125 bytes.
func (o Opcode) IsControl() bool { return o&0x8 != 0 }

// known reports whether o is one of the six opcodes RFC 6455 defines.
func (o Opcode) known() bool {
	switch o {
	case OpContinuation, OpText, OpBinary, OpClose, OpPing, OpPong:
		return true
	}
	return false
}

// Kind is what a decoded Event carries. KindNone means no event: either the
// input held no complete frame yet, or only fragments of an unfinished message.
type Kind uint8

// Event kinds, one per complete message or control frame.
const (
	KindNone Kind = iota
	KindText
	KindBinary
	KindClose
	KindPing
	KindPong
)

var kindNames = [...]string{"none", "text", "binary", "close", "ping", "pong"}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "kind(?)"
}

// kindOf maps a data or control opcode to the Kind it produces.
func kindOf(op Opcode) Kind {
	switch op {
	case OpText:
		return KindText
	case OpBinary:
		return KindBinary
	case OpClose:
		return KindClose
	case OpPing:
		return KindPing
	case OpPong:
		return KindPong
	}
	return KindNone
}

// Frame header bits (RFC 6455 section 5.2).
const (
	finBit   = 0x80
	rsvBits  = 0x70
	opBits   = 0x0F
	maskBit  = 0x80
	len7Bits = 0x7F

	// MaxControlPayload is the largest payload a control frame may carry.
	MaxControlPayload = 125
	// MaxHeaderLen is the longest frame header: 2 + 8 length bytes + 4 mask bytes.
	MaxHeaderLen = 14
)
