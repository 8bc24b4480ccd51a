package ws

import (
	"encoding/binary"
	"unicode/utf8"
)

// AppendHeader appends the header of a final (FIN), unmasked server frame
// carrying n payload bytes, so a caller can write the payload from wherever
// it already lives (a shared serialised event, a compressor's output) without
// copying it into a frame buffer. The length uses the shortest encoding.
// n must not be negative.
func AppendHeader(dst []byte, op Opcode, n int) []byte {
	return appendHeader(dst, finBit|byte(op), n, false)
}

// AppendFrame appends a complete final, unmasked server frame.
func AppendFrame(dst []byte, op Opcode, payload []byte) []byte {
	dst = AppendHeader(dst, op, len(payload))
	return append(dst, payload...)
}

// AppendClose appends a server close frame with code and reason. The reason
// is cut to the 123 bytes a control frame leaves, at a UTF-8 boundary. A code
// that must not be sent (0, 1005, 1006, 1015) yields an empty close payload,
// which is also the right echo for a received close that had no code.
func AppendClose(dst []byte, code CloseCode, reason string) []byte {
	if !code.sendable() {
		return AppendHeader(dst, OpClose, 0)
	}
	reason = truncateUTF8(reason, MaxControlPayload-2)
	dst = AppendHeader(dst, OpClose, 2+len(reason))
	dst = binary.BigEndian.AppendUint16(dst, uint16(code))
	return append(dst, reason...)
}

// AppendMaskedFrame appends a complete final frame masked with key, as a
// client must send it. It is for test clients and the load generator.
func AppendMaskedFrame(dst []byte, op Opcode, payload []byte, key [4]byte) []byte {
	return appendMasked(dst, finBit|byte(op), payload, key)
}

// appendMasked writes a masked frame whose first header byte is b0, so tests
// can also build fragments and frames with reserved bits set.
func appendMasked(dst []byte, b0 byte, payload []byte, key [4]byte) []byte {
	dst = appendHeader(dst, b0, len(payload), true)
	dst = append(dst, key[:]...)
	start := len(dst)
	dst = append(dst, payload...)
	maskBytes(binary.LittleEndian.Uint32(key[:]), dst[start:])
	return dst
}

func appendHeader(dst []byte, b0 byte, n int, masked bool) []byte {
	if n < 0 {
		panic("ws: negative payload length")
	}
	var m byte
	if masked {
		m = maskBit
	}
	switch {
	case n <= MaxControlPayload:
		return append(dst, b0, m|byte(n))
	case n <= 0xFFFF:
		return append(dst, b0, m|126, byte(n>>8), byte(n))
	default:
		dst = append(dst, b0, m|127)
		return binary.BigEndian.AppendUint64(dst, uint64(n))
	}
}

// truncateUTF8 cuts s to at most max bytes without splitting a rune.
func truncateUTF8(s string, max int) string {
	if len(s) <= max {
		return s
	}
	for max > 0 && !utf8.RuneStart(s[max]) {
		max--
	}
	return s[:max]
}
