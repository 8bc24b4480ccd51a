//go:build cgo

package bindings

// #cgo CFLAGS: -I${SRCDIR}/../rustlib/ffi/include
// #include "gatehouse.h"
//
// /* Every entry keeps no Go pointer past the call and never calls back
//    into Go, so each is marked noescape (arguments stay on the stack: no
//    allocation per call) and nocallback (cheaper transitions). */
// #cgo noescape gh_noop
// #cgo nocallback gh_noop
// #cgo noescape gh_compressor_new_zlib
// #cgo nocallback gh_compressor_new_zlib
// #cgo noescape gh_compressor_new_payload_zlib
// #cgo nocallback gh_compressor_new_payload_zlib
// #cgo noescape gh_compressor_new_zstd
// #cgo nocallback gh_compressor_new_zstd
// #cgo noescape gh_compressor_bound
// #cgo nocallback gh_compressor_bound
// #cgo noescape gh_compressor_compress
// #cgo nocallback gh_compressor_compress
// #cgo noescape gh_compressor_state_bytes
// #cgo nocallback gh_compressor_state_bytes
// #cgo noescape gh_compressor_free
// #cgo nocallback gh_compressor_free
import "C"

// Noop makes one empty call into Rust (gh_noop). Benchmarks time it to
// report what crossing the cgo boundary costs on its own.
func Noop() {
	C.gh_noop()
}
