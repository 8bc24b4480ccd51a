// Package bindings is the only Go package that imports "C": safe Go types
// over the Rust core's C ABI (rustlib/ffi/include/gatehouse.h).
//
// The Rust staticlib is built by `make rustlib`, which also writes
// link_gen.go with the link flags rustc reports. Every cgo file is built
// only with cgo; without it this package is empty and callers use
// bindings/purego.
package bindings
