//! Status codes returned by every `gh_` call.

/// GhStatus is the result of every call: GH_OK or one of the codes below.
pub type GhStatus = i32;

/// GH_OK: the call did what it was asked.
pub const GH_OK: GhStatus = 0;
/// GH_NULL_ARGUMENT: a handle or pointer argument was null where it may not be.
pub const GH_NULL_ARGUMENT: GhStatus = 1;
/// GH_INVALID_ARGUMENT: an option is out of range, a length cannot describe
/// real memory, or the input and output buffers overlap.
pub const GH_INVALID_ARGUMENT: GhStatus = 2;
/// GH_BUFFER_TOO_SMALL: the output buffer is shorter than the worst case for
/// this input. The size needed was written to the length out-parameter;
/// nothing else changed, so grow the buffer and call again.
pub const GH_BUFFER_TOO_SMALL: GhStatus = 3;
/// GH_TOO_LARGE: the input is longer than the largest message accepted (1 GiB).
pub const GH_TOO_LARGE: GhStatus = 4;
/// GH_OUT_OF_MEMORY: the backend could not allocate.
pub const GH_OUT_OF_MEMORY: GhStatus = 5;
/// GH_INTERNAL_ERROR: the stream failed in the middle of a message and can
/// no longer produce valid output. Every later call on it returns this;
/// free it and close the connection.
pub const GH_INTERNAL_ERROR: GhStatus = 6;
/// GH_PANIC: Rust panicked inside the call. The handle, if any, is unusable
/// (as with GH_INTERNAL_ERROR). Release builds abort instead of unwinding,
/// so callers see this only from test builds.
pub const GH_PANIC: GhStatus = 7;
