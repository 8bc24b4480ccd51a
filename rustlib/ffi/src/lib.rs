//! The C ABI over gatehouse-core, the only crate with `extern "C"`.
//!
//! Conventions (after rustls-ffi): every symbol starts with `gh_`; handles
//! are opaque, made by `gh_*_new` and released by `gh_*_free`; every call
//! returns a [`GhStatus`] and hands results back through out-parameters; a
//! failed call has no partial effect; every entry checks its pointers and
//! catches panics. Buffers belong to the caller and are borrowed only for
//! the duration of a call: Rust never keeps a caller's pointer.

mod compact;
mod compressor;
mod guard;
mod memberlist;
mod status;

pub use compact::*;
pub use compressor::*;
pub use memberlist::*;
pub use status::*;

/// gh_noop does nothing and returns GH_OK. It exists to measure the cost of
/// one call across the boundary.
#[no_mangle]
pub extern "C" fn gh_noop() -> GhStatus {
    GH_OK
}
