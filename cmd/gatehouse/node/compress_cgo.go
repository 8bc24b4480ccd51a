//go:build cgo

package node

import (
	"gatehouse/bindings"
	"gatehouse/core/compress"
)

// DefaultCompression is the Rust core's compressor.
func DefaultCompression() compress.Factory { return bindings.Rust() }
