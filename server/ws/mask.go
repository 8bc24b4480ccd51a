package ws

import "encoding/binary"

// maskBytes XORs b in place with the 4-byte masking key (RFC 6455 section
// 5.3), key being the little-endian load of the key bytes as they appear on
// the wire. Masking and unmasking are the same operation. It works eight bytes
// at a time because every 8-byte block starts at a multiple of 4, where the
// key lines up again; this keeps unmasking a 64 KiB frame cheap without unsafe.
func maskBytes(key uint32, b []byte) {
	k := uint64(key) | uint64(key)<<32
	for len(b) >= 32 {
		binary.LittleEndian.PutUint64(b, binary.LittleEndian.Uint64(b)^k)
		binary.LittleEndian.PutUint64(b[8:], binary.LittleEndian.Uint64(b[8:])^k)
		binary.LittleEndian.PutUint64(b[16:], binary.LittleEndian.Uint64(b[16:])^k)
		binary.LittleEndian.PutUint64(b[24:], binary.LittleEndian.Uint64(b[24:])^k)
		b = b[32:]
	}
	for len(b) >= 8 {
		binary.LittleEndian.PutUint64(b, binary.LittleEndian.Uint64(b)^k)
		b = b[8:]
	}
	for i := range b {
		b[i] ^= byte(key >> (8 * (i & 3)))
	}
}
