//go:build cgo

package bindings

// /* The compact-stream entries, like every other, keep no Go pointer past
//    the call and never call back into Go. */
// #cgo noescape gh_compact_pool_new_zlib
// #cgo nocallback gh_compact_pool_new_zlib
// #cgo noescape gh_compact_pool_new_zstd
// #cgo nocallback gh_compact_pool_new_zstd
// #cgo noescape gh_compact_pool_state_bytes
// #cgo nocallback gh_compact_pool_state_bytes
// #cgo noescape gh_compact_pool_free
// #cgo nocallback gh_compact_pool_free
// #cgo noescape gh_compact_new
// #cgo nocallback gh_compact_new
// #cgo noescape gh_compact_new_windowed
// #cgo nocallback gh_compact_new_windowed
// #cgo noescape gh_compact_bound
// #cgo nocallback gh_compact_bound
// #cgo noescape gh_compact_compress_windowed
// #cgo nocallback gh_compact_compress_windowed
// #cgo noescape gh_compact_hibernate
// #cgo nocallback gh_compact_hibernate
// #cgo noescape gh_compact_state
// #cgo nocallback gh_compact_state
// #cgo noescape gh_compact_free
// #cgo nocallback gh_compact_free
// #include "gatehouse.h"
import "C"
