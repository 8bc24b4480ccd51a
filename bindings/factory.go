//go:build cgo

package bindings

// #include "gatehouse.h"
import "C"

import (
	"math"

	"gatehouse/core/compress"
)

// factory makes Rust-backed streams.
type factory struct{}

var _ compress.Factory = factory{}

// Rust is the compress.Factory whose streams run in the Rust core.
func Rust() compress.Factory { return factory{} }

func (factory) Name() string { return "rust" }

func (factory) NewZlibStream(o compress.ZlibOptions) (compress.Compressor, error) {
	return NewZlibStream(o)
}

func (factory) NewZstdStream(o compress.ZstdOptions) (compress.Compressor, error) {
	return NewZstdStream(o)
}

func (factory) NewPayloadZlib(o compress.ZlibOptions) (compress.Compressor, error) {
	return NewPayloadZlib(o)
}

// NewZlibStream makes a zlib-stream compressor (every message sync-flushed).
func NewZlibStream(o compress.ZlibOptions) (*Stream, error) {
	if !fitInt32(o.Level, o.WindowBits, o.MemLevel) {
		return nil, compress.ErrInvalidArgs
	}
	return newStream(func(out **C.GhCompressor) C.GhStatus {
		return C.gh_compressor_new_zlib(C.int32_t(o.Level), C.int32_t(o.WindowBits),
			C.int32_t(o.MemLevel), out)
	})
}

// NewPayloadZlib makes a payload compressor (every message its own zlib
// stream).
func NewPayloadZlib(o compress.ZlibOptions) (*Stream, error) {
	if !fitInt32(o.Level, o.WindowBits, o.MemLevel) {
		return nil, compress.ErrInvalidArgs
	}
	return newStream(func(out **C.GhCompressor) C.GhStatus {
		return C.gh_compressor_new_payload_zlib(C.int32_t(o.Level), C.int32_t(o.WindowBits),
			C.int32_t(o.MemLevel), out)
	})
}

// NewZstdStream makes a zstd-stream compressor (one frame, never ended,
// every message flushed).
func NewZstdStream(o compress.ZstdOptions) (*Stream, error) {
	if !fitInt32(o.Level, o.WindowLog, o.HashLog, o.ChainLog) {
		return nil, compress.ErrInvalidArgs
	}
	return newStream(func(out **C.GhCompressor) C.GhStatus {
		return C.gh_compressor_new_zstd(C.int32_t(o.Level), C.int32_t(o.WindowLog),
			C.int32_t(o.HashLog), C.int32_t(o.ChainLog), out)
	})
}

// fitInt32 says whether every option survives the trip to a C int32_t
// unchanged, so 1<<32+6 is refused instead of arriving as level 6.
func fitInt32(vs ...int) bool {
	for _, v := range vs {
		if v < math.MinInt32 || v > math.MaxInt32 {
			return false
		}
	}
	return true
}
