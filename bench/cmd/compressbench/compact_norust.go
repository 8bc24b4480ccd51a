//go:build !cgo

package main

// compactCodecs is empty without cgo: compact streams live in the Rust core.
func compactCodecs() []compactCodec { return nil }
