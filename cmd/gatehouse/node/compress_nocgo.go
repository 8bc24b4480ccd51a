//go:build !cgo

package node

import (
	"gatehouse/bindings/purego"
	"gatehouse/core/compress"
)

// DefaultCompression is the pure-Go compressor when built without cgo.
func DefaultCompression() compress.Factory { return purego.Factory() }
