//go:build cgo

package bindings

// #include "gatehouse.h"
import "C"

import (
	"errors"
	"strconv"

	"gatehouse/core/compress"
)

// Status is a status code returned by the C ABI. As an error it names the
// code and unwraps to the compress error for the same condition, so callers
// can test errors.Is(err, compress.ErrInvalidArgs) and the like.
type Status int32

// The status codes of gatehouse.h.
const (
	StatusOK             Status = C.GH_OK
	StatusNullArgument   Status = C.GH_NULL_ARGUMENT
	StatusInvalidArg     Status = C.GH_INVALID_ARGUMENT
	StatusBufferTooSmall Status = C.GH_BUFFER_TOO_SMALL
	StatusTooLarge       Status = C.GH_TOO_LARGE
	StatusOutOfMemory    Status = C.GH_OUT_OF_MEMORY
	StatusInternal       Status = C.GH_INTERNAL_ERROR
	StatusPanic          Status = C.GH_PANIC
)

// Errors for conditions the compress package has no word for.
var (
	// ErrOutOfMemory: Rust could not allocate a stream's state.
	ErrOutOfMemory = errors.New("bindings: out of memory")
	// ErrBroken: the stream failed mid-message and is unusable; close the
	// connection.
	ErrBroken = errors.New("bindings: compression stream is broken")
	// ErrBufferTooSmall escapes only if Rust asks for more room twice in a
	// row, which the grow-and-retry protocol rules out.
	ErrBufferTooSmall = errors.New("bindings: output buffer too small")
)

// statusTable is the one mapping from status codes to names and errors.
var statusTable = map[Status]struct {
	name string
	err  error
}{
	StatusOK:             {"ok", nil},
	StatusNullArgument:   {"null argument", compress.ErrInvalidArgs},
	StatusInvalidArg:     {"invalid argument", compress.ErrInvalidArgs},
	StatusBufferTooSmall: {"buffer too small", ErrBufferTooSmall},
	StatusTooLarge:       {"message too large", compress.ErrTooLarge},
	StatusOutOfMemory:    {"out of memory", ErrOutOfMemory},
	StatusInternal:       {"stream broken", ErrBroken},
	StatusPanic:          {"panic in Rust", ErrBroken},
}

func (s Status) Error() string {
	if e, ok := statusTable[s]; ok {
		return "bindings: " + e.name
	}
	return "bindings: unknown status " + strconv.Itoa(int(s))
}

// Unwrap is the compress (or bindings) error for the same condition.
func (s Status) Unwrap() error {
	if e, ok := statusTable[s]; ok {
		return e.err
	}
	return ErrBroken
}

// errOf turns a status into nil or an error.
func errOf(s C.GhStatus) error {
	if Status(s) == StatusOK {
		return nil
	}
	return Status(s)
}
