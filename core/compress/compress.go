// Package compress defines the Compressor seam: one outbound compression
// stream per connection. Implementations live outside core: the Rust core in
// package bindings (cgo) and a pure-Go baseline in bindings/purego.
package compress

import (
	"errors"
	"fmt"
)

// Mode names a gateway compression format, as negotiated by the client.
type Mode uint8

const (
	// None sends frames as they are.
	None Mode = iota
	// ZlibStream is `compress=zlib-stream`: one zlib stream per connection,
	// every message sync-flushed so it ends in 00 00 ff ff.
	ZlibStream
	// ZstdStream is `compress=zstd-stream`: one zstd frame per connection that
	// is never ended; every message is flushed so it decodes on arrival.
	ZstdStream
	// PayloadZlib is Identify `compress: true`: every message is its own
	// complete zlib stream.
	PayloadZlib
)

func (m Mode) String() string {
	switch m {
	case None:
		return "none"
	case ZlibStream:
		return "zlib-stream"
	case ZstdStream:
		return "zstd-stream"
	case PayloadZlib:
		return "payload-zlib"
	}
	return fmt.Sprintf("Mode(%d)", uint8(m))
}

// ParseMode maps the `compress` query value of the gateway URL to a Mode.
// The empty string is None.
func ParseMode(s string) (Mode, error) {
	switch s {
	case "":
		return None, nil
	case "zlib-stream":
		return ZlibStream, nil
	case "zstd-stream":
		return ZstdStream, nil
	}
	return None, fmt.Errorf("compress: unknown mode %q", s)
}

// Compressor is one connection's outbound compression stream.
//
// Concurrency: a Compressor is not safe for concurrent use. It is owned by the
// goroutine that owns the connection (the connection's gnet event loop); any
// other goroutine reaches it only through that owner.
type Compressor interface {
	// Compress appends the compressed form of msg to dst and returns the
	// extended slice. The output decodes on its own given every earlier
	// output of the same stream. When dst has enough spare capacity no memory
	// is allocated.
	Compress(dst, msg []byte) ([]byte, error)
	// StateBytes reports the bytes of compression state the stream holds now.
	StateBytes() int
	// Close frees the stream. It is safe to call more than once; Compress
	// after Close returns ErrClosed.
	Close() error
}

// Errors every implementation returns for the same conditions.
var (
	ErrClosed      = errors.New("compress: stream is closed")
	ErrInvalidArgs = errors.New("compress: invalid arguments")
	ErrTooLarge    = errors.New("compress: message too large")
)

// ZlibOptions configures a zlib stream (zlib-stream and payload zlib).
type ZlibOptions struct {
	Level      int // 0..9
	WindowBits int // 9..15
	MemLevel   int // 1..9
}

// DefaultZlib is zlib's own default: level 6, windowBits 15, memLevel 8.
var DefaultZlib = ZlibOptions{Level: 6, WindowBits: 15, MemLevel: 8}

// ZstdOptions configures a zstd stream. Zero fields take libzstd's defaults
// for the level.
type ZstdOptions struct {
	Level     int
	WindowLog int
	HashLog   int
	ChainLog  int
}

// Zstd presets. Memory per stream for each is measured by
// `make bench-compress` and written down in docs/compression.md.
var (
	// ZstdDiscord is Discord's production setting.
	ZstdDiscord = ZstdOptions{Level: 6, WindowLog: 18, HashLog: 16, ChainLog: 16}
	// ZstdBalanced trades a little ratio for less than half the memory.
	ZstdBalanced = ZstdOptions{Level: 3, WindowLog: 16, HashLog: 14, ChainLog: 14}
	// ZstdLean is for nodes that hold very many mostly idle connections.
	ZstdLean = ZstdOptions{Level: 1, WindowLog: 14, HashLog: 12, ChainLog: 12}
)

// ZstdPreset returns the named preset: "discord", "balanced" or "lean".
func ZstdPreset(name string) (ZstdOptions, error) {
	switch name {
	case "discord":
		return ZstdDiscord, nil
	case "balanced":
		return ZstdBalanced, nil
	case "lean":
		return ZstdLean, nil
	}
	return ZstdOptions{}, fmt.Errorf("compress: unknown zstd preset %q", name)
}

// Factory makes Compressors. The gateway holds one and asks it for a stream
// per connection.
type Factory interface {
	NewZlibStream(ZlibOptions) (Compressor, error)
	NewZstdStream(ZstdOptions) (Compressor, error)
	NewPayloadZlib(ZlibOptions) (Compressor, error)
	// Name says which implementation this is ("rust", "go").
	Name() string
}
