//go:build !cgo

package node

import (
	"gatehouse/bindings/purego"
	"gatehouse/core/compress"
	"gatehouse/core/memberlist"
)

// DefaultCompression is the pure-Go compressor when built without cgo.
func DefaultCompression() compress.Factory { return purego.Factory() }

// DefaultMemberLists is the pure-Go member list when built without cgo.
func DefaultMemberLists() memberlist.New { return memberlist.NewGoList }
