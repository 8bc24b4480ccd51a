//go:build cgo

package bindings

// #include "gatehouse.h"
import "C"

import "unsafe"

// This file lets tests call the C ABI directly, with the arguments the Go
// API never passes (null handles and out-parameters, lengths no buffer
// has). cgo cannot be used from _test.go files, hence these unexported
// helpers. A length larger than its buffer is passed only above the limits
// Rust checks before touching memory (1 GiB input, isize::MAX capacity);
// below them a lying length would be undefined behaviour in any C API.

// abiHandle is a raw handle, possibly null.
type abiHandle struct{ p *C.GhCompressor }

// abiKind names a constructor.
type abiKind int

const (
	abiZlib abiKind = iota
	abiZstd
	abiPayload
)

// abiNew calls the constructor for kind with raw parameters (zstd uses all
// four; zlib the first three). nullOut passes a null out-parameter.
func abiNew(kind abiKind, a, b, c, d int32, nullOut bool) (abiHandle, Status) {
	var h *C.GhCompressor
	out := &h
	if nullOut {
		out = nil
	}
	var st C.GhStatus
	switch kind {
	case abiZlib:
		st = C.gh_compressor_new_zlib(C.int32_t(a), C.int32_t(b), C.int32_t(c), out)
	case abiPayload:
		st = C.gh_compressor_new_payload_zlib(C.int32_t(a), C.int32_t(b), C.int32_t(c), out)
	case abiZstd:
		st = C.gh_compressor_new_zstd(C.int32_t(a), C.int32_t(b), C.int32_t(c), C.int32_t(d), out)
	}
	return abiHandle{h}, Status(st)
}

// abiBound calls gh_compressor_bound.
func abiBound(h abiHandle, inLen uint64, nullOut bool) (uint64, Status) {
	var b C.size_t
	out := &b
	if nullOut {
		out = nil
	}
	st := C.gh_compressor_bound(h.p, C.size_t(inLen), out)
	return uint64(b), Status(st)
}

// abiCall is one gh_compressor_compress call's arguments.
type abiCall struct {
	in         []byte
	inLen      uint64 // passed as in_len; defaults to len(in) when zero and in is set
	nullIn     bool
	out        []byte
	outCap     uint64 // passed as out_cap; defaults to len(out) when zero and out is set
	nullOut    bool
	nullOutLen bool
}

// abiCompress calls gh_compressor_compress with the call's raw arguments and
// returns *out_len and the status.
func abiCompress(h abiHandle, c abiCall) (uint64, Status) {
	inLen, outCap := c.inLen, c.outCap
	if inLen == 0 {
		inLen = uint64(len(c.in))
	}
	if outCap == 0 {
		outCap = uint64(len(c.out))
	}
	var in, out *C.uint8_t
	if !c.nullIn && len(c.in) > 0 {
		in = (*C.uint8_t)(unsafe.Pointer(&c.in[0]))
	}
	if !c.nullOut && len(c.out) > 0 {
		out = (*C.uint8_t)(unsafe.Pointer(&c.out[0]))
	}
	n := C.size_t(12345) // a value the call must overwrite
	outLen := &n
	if c.nullOutLen {
		outLen = nil
	}
	st := C.gh_compressor_compress(h.p, in, C.size_t(inLen), out, C.size_t(outCap), outLen)
	return uint64(n), Status(st)
}

// abiStateBytes calls gh_compressor_state_bytes.
func abiStateBytes(h abiHandle, nullOut bool) (uint64, Status) {
	var b C.size_t
	out := &b
	if nullOut {
		out = nil
	}
	return uint64(b), Status(C.gh_compressor_state_bytes(h.p, out))
}

// abiFree calls gh_compressor_free (null is allowed).
func abiFree(h abiHandle) {
	C.gh_compressor_free(h.p)
}

// isNull says whether the handle is null.
func (h abiHandle) isNull() bool { return h.p == nil }
