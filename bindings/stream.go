//go:build cgo

package bindings

// #include "gatehouse.h"
import "C"

import (
	"runtime"
	"slices"
	"sync/atomic"
	"unsafe"

	"gatehouse/core/compress"
)

// Stream is one Rust compression stream (zlib-stream, zstd-stream or
// payload zlib) behind a GhCompressor handle.
//
// Concurrency: a Stream is not safe for concurrent use. It belongs to the
// connection's event loop, which is the only goroutine that calls it.
type Stream struct {
	h *C.GhCompressor
}

var _ compress.Compressor = (*Stream)(nil)

// liveHandles counts handles made and not yet freed, so tests can see the
// finalizer and Close release every one.
var liveHandles atomic.Int64

// newStream wraps a handle made by `create`, with a finalizer as a safety
// net for a Stream that is dropped without Close.
func newStream(create func(out **C.GhCompressor) C.GhStatus) (*Stream, error) {
	var h *C.GhCompressor
	if err := errOf(create(&h)); err != nil {
		return nil, err
	}
	liveHandles.Add(1)
	s := &Stream{h: h}
	runtime.SetFinalizer(s, (*Stream).free)
	return s, nil
}

// Compress appends the compressed form of msg to dst. It writes straight
// into dst's spare capacity and grows dst only when Rust reports that the
// spare room is below its worst-case bound for msg (see Bound), so with
// enough capacity it allocates nothing. msg must not overlap dst's spare
// capacity (compress.ErrInvalidArgs). After an error other than ErrClosed,
// ErrInvalidArgs or ErrTooLarge the stream is broken: close the connection.
func (s *Stream) Compress(dst, msg []byte) ([]byte, error) {
	if s.h == nil {
		return dst, compress.ErrClosed
	}
	for grown := false; ; grown = true {
		spare := dst[len(dst):cap(dst)]
		var n C.size_t
		st := C.gh_compressor_compress(s.h, bytePtr(msg), C.size_t(len(msg)),
			(*C.uint8_t)(bytePtr(spare)), C.size_t(len(spare)), &n)
		runtime.KeepAlive(s)
		switch {
		case Status(st) == StatusOK:
			return dst[:len(dst)+int(n)], nil
		case Status(st) == StatusBufferTooSmall && !grown:
			dst = slices.Grow(dst, int(n))
		default:
			return dst, errOf(st)
		}
	}
}

// Bound is the spare capacity that lets Compress take a message of n bytes
// without growing dst.
func (s *Stream) Bound(n int) (int, error) {
	if s.h == nil {
		return 0, compress.ErrClosed
	}
	if n < 0 {
		return 0, compress.ErrInvalidArgs
	}
	var b C.size_t
	st := C.gh_compressor_bound(s.h, C.size_t(n), &b)
	runtime.KeepAlive(s)
	if err := errOf(st); err != nil {
		return 0, err
	}
	return int(b), nil
}

// StateBytes reports the bytes of state the stream holds in Rust: the
// handle, and the backend's tables and buffers. 0 after Close.
func (s *Stream) StateBytes() int {
	if s.h == nil {
		return 0
	}
	var b C.size_t
	st := C.gh_compressor_state_bytes(s.h, &b)
	runtime.KeepAlive(s)
	if errOf(st) != nil {
		return 0
	}
	return int(b)
}

// Close frees the stream. Calling it again does nothing.
func (s *Stream) Close() error {
	runtime.SetFinalizer(s, nil)
	s.free()
	return nil
}

// free releases the handle once; it is also the finalizer.
func (s *Stream) free() {
	if s.h == nil {
		return
	}
	C.gh_compressor_free(s.h)
	s.h = nil
	liveHandles.Add(-1)
}

// bytePtr is the address of b's first byte, or nil when b has no room: a
// zero-length slice may point one past its array, which C must not get.
func bytePtr(b []byte) *C.uint8_t {
	if cap(b) == 0 || len(b) == 0 {
		return nil
	}
	return (*C.uint8_t)(unsafe.Pointer(unsafe.SliceData(b)))
}
