//! gatehouse's Rust core: pure Rust, no FFI. The C ABI over it lives in
//! the gatehouse-ffi crate.
//!
//! - [`compress`]: per-connection outbound compression streams.
pub mod compress;
