//go:build cgo

package node

import (
	"gatehouse/bindings"
	"gatehouse/core/compress"
	"gatehouse/core/memberlist"
)

// DefaultCompression is the Rust core's compressor.
func DefaultCompression() compress.Factory { return bindings.Rust() }

// DefaultMemberLists is the Rust core's member list.
func DefaultMemberLists() memberlist.New { return bindings.NewMemberList }
