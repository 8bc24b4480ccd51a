package main

import (
	"compress/flate"
	"fmt"

	"gatehouse/bindings/purego"
	"gatehouse/bindings/purego/streamcheck"
	"gatehouse/core/compress"
)

// codec is one row of the table: how to make a stream and how to check
// what it produced.
type codec struct {
	Name   string // row label
	Impl   string // rust, go (klauspost via bindings/purego), go-stdlib, libzstd
	Mode   string // zstd-stream, zlib-stream, payload-zlib, deflate-stream
	Params string
	New    func() (compress.Compressor, error)
	// Checker returns a per-message verifier for a fresh stream.
	Checker func() verifier
	// Cgo is set for rows whose every Compress is one cgo call.
	Cgo bool
	// HeapState: the implementation has no StateBytes of its own; measure
	// the heap growth of a stream instead.
	HeapState bool
}

// verifier decodes one message's output with a decoder we did not write.
type verifier interface {
	Check(compressed, want []byte) error
	Close()
}

type payloadVerifier struct{}

func (payloadVerifier) Check(c, want []byte) error { return streamcheck.Payload(c, want) }
func (payloadVerifier) Close()                     {}

func zstdChecker() verifier    { return streamcheck.NewZstd() }
func zlibChecker() verifier    { return streamcheck.NewZlib() }
func flateChecker() verifier   { return streamcheck.NewFlate() }
func payloadChecker() verifier { return payloadVerifier{} }

func zstdParams(o compress.ZstdOptions) string {
	return fmt.Sprintf("level %d, windowLog %d, hashLog %d, chainLog %d", o.Level, o.WindowLog, o.HashLog, o.ChainLog)
}

func zlibParams(o compress.ZlibOptions) string {
	return fmt.Sprintf("level %d, windowBits %d, memLevel %d", o.Level, o.WindowBits, o.MemLevel)
}

var zlib1 = compress.ZlibOptions{Level: 1, WindowBits: 15, MemLevel: 8}

// goCodecs are the pure-Go rows: klauspost through bindings/purego, and
// plain stdlib compress/flate.
func goCodecs() []codec {
	f := purego.Factory()
	return []codec{
		{
			Name: "klauspost zstd small-window", Impl: "go", Mode: "zstd-stream",
			Params:  zstdParams(compress.ZstdDiscord) + " via bindings/purego: SpeedBetterCompression, 256 KiB window; hashLog/chainLog cannot be set",
			New:     func() (compress.Compressor, error) { return f.NewZstdStream(compress.ZstdDiscord) },
			Checker: zstdChecker,
		},
		{
			Name: "klauspost zstd default", Impl: "go", Mode: "zstd-stream",
			Params:  "zero options via bindings/purego: level 3 → SpeedDefault, klauspost's default 8 MiB window",
			New:     func() (compress.Compressor, error) { return f.NewZstdStream(compress.ZstdOptions{}) },
			Checker: zstdChecker,
		},
		{
			Name: "klauspost zlib 6", Impl: "go", Mode: "zlib-stream",
			Params:  zlibParams(compress.DefaultZlib) + " via bindings/purego (windowBits/memLevel cannot be set: 32 KiB window)",
			New:     func() (compress.Compressor, error) { return f.NewZlibStream(compress.DefaultZlib) },
			Checker: zlibChecker,
		},
		{
			Name: "klauspost payload zlib 6", Impl: "go", Mode: "payload-zlib",
			Params:  zlibParams(compress.DefaultZlib) + " via bindings/purego (encoder pooled across connections)",
			New:     func() (compress.Compressor, error) { return f.NewPayloadZlib(compress.DefaultZlib) },
			Checker: payloadChecker,
		},
		{
			Name: "Go compress/flate 6", Impl: "go-stdlib", Mode: "deflate-stream",
			Params:    "level 6, Flush per message (raw deflate, no zlib header)",
			New:       newStdFlate,
			Checker:   flateChecker,
			HeapState: true,
		},
	}
}

// stdFlate is Go's own compress/flate used the way a zlib-stream server
// would: one writer per connection, Flush (a sync flush) per message.
type stdFlate struct {
	w   *flate.Writer
	out appendSink
}

func newStdFlate() (compress.Compressor, error) {
	s := &stdFlate{}
	w, err := flate.NewWriter(&s.out, 6)
	if err != nil {
		return nil, err
	}
	s.w = w
	return s, nil
}

func (s *stdFlate) Compress(dst, msg []byte) ([]byte, error) {
	s.out.buf = dst
	if _, err := s.w.Write(msg); err != nil {
		return s.out.take(), err
	}
	err := s.w.Flush()
	return s.out.take(), err
}

// StateBytes is not known to compress/flate; the benchmark measures the
// heap growth instead (codec.HeapState).
func (s *stdFlate) StateBytes() int { return 0 }
func (s *stdFlate) Close() error    { s.w = nil; return nil }

type appendSink struct{ buf []byte }

func (a *appendSink) Write(p []byte) (int, error) { a.buf = append(a.buf, p...); return len(p), nil }

func (a *appendSink) take() []byte {
	b := a.buf
	a.buf = nil
	return b
}
