//go:build cgo

package bindings

// #include "gatehouse.h"
import "C"

import (
	"runtime"
	"slices"

	"gatehouse/core/compress"
)

// CompactPool is a Rust pool of working contexts for compact streams of one
// format and one set of parameters (a GhCompactPool handle).
//
// Concurrency: not safe for concurrent use. It belongs to one event loop,
// which makes its streams from it and is the only goroutine that calls the
// pool or any of those streams.
type CompactPool struct {
	h    *C.GhCompactPool
	mode compress.Mode
	// windowMax is the most plaintext a windowed stream of this pool asks
	// its source for on waking (zstd only).
	windowMax int
	// window is where windowed streams' windows are rebuilt, shared by the
	// pool's streams (one owner), so a stream holds none of it.
	window []byte
}

var (
	_ compress.CompactPool  = (*CompactPool)(nil)
	_ compress.WindowedPool = (*CompactPool)(nil)
)

// windowedMax bounds what a windowed stream rebuilds on waking: Discord's
// 256 KiB window. A larger frame window stays valid (the stream matches
// against less of it); rebuilding more would cost every wake more.
const windowedMax = 256 << 10

// CompactStream is one connection's compact stream (a GhCompactStream
// handle). It borrows a working context from its pool while active and
// holds at most compress.IdleStateLimit bytes while hibernating.
//
// Concurrency: as CompactPool: only its pool's owner calls it.
type CompactStream struct {
	h    *C.GhCompactStream
	pool *CompactPool
	// src is a windowed stream's window source (nil otherwise); asleep
	// mirrors the Rust stream's state so the window is rebuilt only when a
	// message will wake it.
	src    compress.WindowSource
	asleep bool
}

var _ compress.Compact = (*CompactStream)(nil)

// NewCompactZlibPool makes a pool for compact zlib-stream streams.
func NewCompactZlibPool(o compress.ZlibOptions, c compress.CompactOptions) (*CompactPool, error) {
	if !fitInt32(o.Level, o.WindowBits, o.MemLevel) || c.MaxIdleContexts < 0 {
		return nil, compress.ErrInvalidArgs
	}
	return newCompactPool(compress.ZlibStream, func(out **C.GhCompactPool) C.GhStatus {
		return C.gh_compact_pool_new_zlib(C.int32_t(o.Level), C.int32_t(o.WindowBits),
			C.int32_t(o.MemLevel), C.size_t(c.MaxIdleContexts), out)
	})
}

// NewCompactZstdPool makes a pool for compact zstd-stream streams, written
// by gatehouse's own zstd block encoder (libzstd cannot continue a frame
// from detached state). Level selects the encoder's search effort as zstd
// levels do; WindowLog is the frame's window; zero fields take Discord's
// production setting (window 18, hash 16, chain 16).
func NewCompactZstdPool(o compress.ZstdOptions, c compress.CompactOptions) (*CompactPool, error) {
	if !fitInt32(o.Level, o.WindowLog, o.HashLog, o.ChainLog) || c.MaxIdleContexts < 0 {
		return nil, compress.ErrInvalidArgs
	}
	p, err := newCompactPool(compress.ZstdStream, func(out **C.GhCompactPool) C.GhStatus {
		return C.gh_compact_pool_new_zstd(C.int32_t(o.Level), C.int32_t(o.WindowLog),
			C.int32_t(o.HashLog), C.int32_t(o.ChainLog), C.size_t(c.MaxIdleContexts), out)
	})
	if err != nil {
		return nil, err
	}
	p.windowMax = windowedMax
	if o.WindowLog > 0 {
		p.windowMax = min(windowedMax, 1<<o.WindowLog)
	}
	return p, nil
}

func newCompactPool(mode compress.Mode, create func(out **C.GhCompactPool) C.GhStatus) (*CompactPool, error) {
	tuneMalloc()
	var h *C.GhCompactPool
	if err := errOf(create(&h)); err != nil {
		return nil, err
	}
	liveHandles.Add(1)
	p := &CompactPool{h: h, mode: mode}
	runtime.SetFinalizer(p, (*CompactPool).free)
	return p, nil
}

// Mode is the format of the pool's streams.
func (p *CompactPool) Mode() compress.Mode { return p.mode }

// NewStream makes a compact stream that borrows from p. It holds no working
// context until its first message.
func (p *CompactPool) NewStream() (compress.Compact, error) {
	return p.NewCompactStream()
}

// NewCompactStream is NewStream with the concrete type.
func (p *CompactPool) NewCompactStream() (*CompactStream, error) {
	return p.newStream(nil)
}

// NewWindowedStream makes a stream that keeps no plaintext while it
// hibernates and asks src for its window when it wakes (zstd-stream pools
// only: compress.ErrInvalidArgs for zlib). The caller tells src about every
// message after Compress has taken it.
func (p *CompactPool) NewWindowedStream(src compress.WindowSource) (compress.Compact, error) {
	if src == nil {
		return nil, compress.ErrInvalidArgs
	}
	return p.newStream(src)
}

func (p *CompactPool) newStream(src compress.WindowSource) (*CompactStream, error) {
	if p.h == nil {
		return nil, compress.ErrClosed
	}
	var h *C.GhCompactStream
	var st C.GhStatus
	if src != nil {
		st = C.gh_compact_new_windowed(p.h, &h)
	} else {
		st = C.gh_compact_new(p.h, &h)
	}
	runtime.KeepAlive(p)
	if err := errOf(st); err != nil {
		return nil, err
	}
	liveHandles.Add(1)
	s := &CompactStream{h: h, pool: p, src: src, asleep: true}
	// The finalizer runs on another goroutine, where the pool must not be
	// touched: it frees the stream without handing its context back.
	runtime.SetFinalizer(s, func(s *CompactStream) { s.free(false) })
	return s, nil
}

// StateBytes is the memory the pool itself holds (idle contexts, packing
// buffers); 0 after Close.
func (p *CompactPool) StateBytes() int {
	if p.h == nil {
		return 0
	}
	var b C.size_t
	st := C.gh_compact_pool_state_bytes(p.h, &b)
	runtime.KeepAlive(p)
	if errOf(st) != nil {
		return 0
	}
	return int(b)
}

// Close frees the pool. Its streams can then only be closed.
func (p *CompactPool) Close() error {
	runtime.SetFinalizer(p, nil)
	p.free()
	return nil
}

func (p *CompactPool) free() {
	if p.h == nil {
		return
	}
	C.gh_compact_pool_free(p.h)
	p.h = nil
	liveHandles.Add(-1)
}

// Compress appends the compressed form of msg to dst, waking the stream if
// it hibernates — unless msg is small (at most 128 bytes, a heartbeat ACK
// say): that goes out uncompressed, in the stream's format, and the stream
// stays hibernating (check Hibernating afterwards). Buffers and errors
// behave as for Stream.Compress; after the pool is closed it returns
// compress.ErrClosed.
func (s *CompactStream) Compress(dst, msg []byte) ([]byte, error) {
	if s.h == nil || s.pool.h == nil {
		return dst, compress.ErrClosed
	}
	var window []byte
	wakes := len(msg) > C.GH_COMPACT_SMALL_MAX
	if s.src != nil && s.asleep && wakes {
		s.pool.window = s.src.AppendWindow(s.pool.window[:0], s.pool.windowMax)
		window = s.pool.window
	}
	for grown := false; ; grown = true {
		spare := dst[len(dst):cap(dst)]
		var n C.size_t
		st := C.gh_compact_compress_windowed(s.pool.h, s.h, bytePtr(window), C.size_t(len(window)),
			bytePtr(msg), C.size_t(len(msg)), (*C.uint8_t)(bytePtr(spare)), C.size_t(len(spare)), &n)
		runtime.KeepAlive(s)
		runtime.KeepAlive(s.pool)
		switch {
		case Status(st) == StatusOK:
			if wakes {
				s.asleep = false
			}
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
func (s *CompactStream) Bound(n int) (int, error) {
	if s.h == nil {
		return 0, compress.ErrClosed
	}
	if n < 0 {
		return 0, compress.ErrInvalidArgs
	}
	var b C.size_t
	st := C.gh_compact_bound(s.h, C.size_t(n), &b)
	runtime.KeepAlive(s)
	if err := errOf(st); err != nil {
		return 0, err
	}
	return int(b), nil
}

// Hibernate gives the working context back to the pool and keeps only the
// packed recent plaintext. On error the stream stays active and usable.
func (s *CompactStream) Hibernate() error {
	if s.h == nil || s.pool.h == nil {
		return compress.ErrClosed
	}
	st := C.gh_compact_hibernate(s.pool.h, s.h)
	runtime.KeepAlive(s)
	runtime.KeepAlive(s.pool)
	err := errOf(st)
	if err == nil {
		s.asleep = true
	}
	return err
}

// Hibernating reports whether the stream holds no working context (true
// after Close).
func (s *CompactStream) Hibernating() bool {
	_, idle := s.state()
	return idle
}

// StateBytes is every byte of state the stream holds: the handle, its
// retained window (a windowed stream: its source's bookkeeping instead)
// and, while active, its working context. 0 after Close.
func (s *CompactStream) StateBytes() int {
	n, _ := s.state()
	if s.src != nil && s.h != nil {
		n += s.src.StateBytes()
	}
	return n
}

func (s *CompactStream) state() (bytes int, hibernating bool) {
	if s.h == nil {
		return 0, true
	}
	var b C.size_t
	var idle C.int32_t
	st := C.gh_compact_state(s.h, &b, &idle)
	runtime.KeepAlive(s)
	if errOf(st) != nil {
		return 0, true
	}
	return int(b), idle != 0
}

// Close frees the stream; a working context it holds goes back to the pool
// (if the pool is still open). Calling it again does nothing.
func (s *CompactStream) Close() error {
	runtime.SetFinalizer(s, nil)
	s.free(true)
	return nil
}

func (s *CompactStream) free(toPool bool) {
	if s.h == nil {
		return
	}
	var p *C.GhCompactPool
	if toPool {
		p = s.pool.h
	}
	C.gh_compact_free(p, s.h)
	runtime.KeepAlive(s.pool)
	s.h = nil
	liveHandles.Add(-1)
}
