//! gatehouse's Rust core: pure Rust, no FFI. The C ABI over it lives in
//! the gatehouse-ffi crate.
//!
//! - [`compress`]: per-connection outbound compression streams.
//! - [`memberlist`]: the lazy member list, an order-statistic list that
//!   answers every change with row changes at global indices.
pub mod compress;
pub mod memberlist;
