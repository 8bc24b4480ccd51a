//! Compact streams: zlib-stream and zstd-stream connections whose state
//! shrinks to at most [`IDLE_STATE_LIMIT`] bytes while they are idle,
//! without restarting the stream the client is decoding.
//!
//! A compact stream is in one of two states:
//!
//! - **active**: it holds a working context taken from a pool (a deflate
//!   state, or our zstd block encoder's tables) plus a copy of its recent
//!   plaintext, and compresses like a full stream;
//! - **hibernating**: after [`CompactStream::hibernate`] it has given the
//!   working context back to the pool and keeps only its recent plaintext,
//!   packed, plus a few words of bookkeeping. The next message takes a
//!   context from the pool, primes it with that plaintext, and continues the
//!   client's stream where it stopped. A small message
//!   ([`SMALL_SEND_MAX`]) does not wake it: it goes out uncompressed and
//!   joins a short raw tail of the retained plaintext (see `tail.rs`).
//!
//! A pool is not thread-safe. The gateway keeps one per event loop and uses
//! it only for the streams of that loop, on that loop.

mod history;
mod pack;
mod tail;
mod zlib;
mod zstd;

pub use tail::SMALL_SEND_MAX;
pub use zlib::{CompactZlib, ZlibPool};
pub use zstd::{CompactZstd, ZstdPool};

use super::Error;

/// IDLE_STATE_LIMIT is the most state a hibernating stream may hold: 16 KiB,
/// the bound, counting the stream value, its retained window and
/// [`HANDLE_ALLOWANCE`] for the wrapper a binding puts around it.
pub const IDLE_STATE_LIMIT: usize = 16 * 1024;

/// HANDLE_ALLOWANCE is what the packed window leaves free under
/// [`IDLE_STATE_LIMIT`] for the stream value itself and a binding's handle.
pub const HANDLE_ALLOWANCE: usize = 512;

/// DEFAULT_MAX_IDLE_CONTEXTS is how many working contexts a pool keeps for
/// reuse when no stream holds them; more are freed when returned.
pub const DEFAULT_MAX_IDLE_CONTEXTS: usize = 4;

/// CompactStream is one connection's compact compression stream. Every call
/// that may need a working context takes the pool the stream was made for.
pub trait CompactStream: Send {
    /// Pool is the kind of pool the stream borrows its contexts from.
    type Pool;

    /// bound is the worst-case output for a message of `input_len` bytes.
    fn bound(&self, input_len: usize) -> Result<usize, Error>;

    /// compress writes the compressed form of `input` to the start of
    /// `output` and returns its length, waking the stream first if it is
    /// hibernating, unless `input` is small enough to go out uncompressed
    /// without waking ([`SMALL_SEND_MAX`]). A buffer shorter than
    /// [`bound`](Self::bound) is refused with [`Error::BufferTooSmall`]
    /// before anything changes.
    fn compress(
        &mut self,
        pool: &mut Self::Pool,
        input: &[u8],
        output: &mut [u8],
    ) -> Result<usize, Error>;

    /// hibernate gives the working context back to `pool` and keeps only
    /// the packed recent plaintext. Hibernating an idle stream does nothing
    /// (what it sent while idle stays in its tail).
    fn hibernate(&mut self, pool: &mut Self::Pool) -> Result<(), Error>;

    /// release gives the working context, if any, back to `pool` without
    /// keeping anything: for a connection that is closing. The stream
    /// refuses every later message.
    fn release(&mut self, pool: &mut Self::Pool);

    /// hibernating says whether the stream holds no working context.
    fn hibernating(&self) -> bool;

    /// state_bytes is every byte the stream holds now: the stream value,
    /// its retained window and tail and, while active, its working context.
    fn state_bytes(&self) -> usize;
}
