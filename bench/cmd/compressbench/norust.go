//go:build !cgo

package main

// Without cgo there is no Rust core: the table has only the Go and libzstd
// rows, and the targets that need Rust report FAIL with the reason.
const rustAvailable = false

func rustCodecs() []codec { return nil }

func noopNanos() float64 { return 0 }
