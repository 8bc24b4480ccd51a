//! Outbound compression streams, one per gateway connection.
//!
//! Three formats, each a [`MessageCompressor`]:
//! - [`ZlibStream`]: `compress=zlib-stream`, one zlib stream whose every
//!   message is sync-flushed so it ends in `00 00 ff ff`;
//! - [`ZstdStream`]: `compress=zstd-stream`, one zstd frame that is never
//!   ended, every message flushed with `ZSTD_e_flush`;
//! - [`PayloadZlib`]: Identify `compress: true`, every message its own
//!   complete zlib stream.
//!
//! Output goes into a buffer the caller owns. The caller asks for
//! [`MessageCompressor::bound`] (or just tries); a buffer shorter than the
//! bound is refused with [`Error::BufferTooSmall`] before the stream is
//! touched, so the caller grows its buffer and calls again. There is no
//! partial success: a message is either written whole or not at all.

pub mod compact;
mod payload_zlib;
mod zlib;
mod zlib_stream;
mod zstd_stream;

pub use payload_zlib::PayloadZlib;
pub use zlib::ZlibParams;
pub use zlib_stream::ZlibStream;
pub use zstd_stream::{ZstdParams, ZstdStream};

use core::fmt;

/// MAX_INPUT_LEN is the largest message a stream accepts (1 GiB). It keeps
/// every bound computation far from overflow and every backend call within
/// the 32-bit lengths zlib uses; a gateway message is many orders smaller.
pub const MAX_INPUT_LEN: usize = 1 << 30;

/// MessageCompressor is one connection's outbound compression stream.
///
/// It is `Send` but not `Sync`: one owner at a time compresses through it.
pub trait MessageCompressor: Send {
    /// bound is the worst-case output size for a message of `input_len`
    /// bytes given the stream as it is now. A buffer this long never gets
    /// [`Error::BufferTooSmall`].
    fn bound(&self, input_len: usize) -> Result<usize, Error>;

    /// compress writes the compressed form of `input` to the start of
    /// `output` and returns how many bytes it wrote. The bytes decode on
    /// their own given every earlier output of the same stream.
    ///
    /// When `output` is shorter than [`bound`](Self::bound) it returns
    /// [`Error::BufferTooSmall`] and leaves the stream exactly as it was.
    fn compress(&mut self, input: &[u8], output: &mut [u8]) -> Result<usize, Error>;

    /// heap_bytes is the memory the compression backend holds for this
    /// stream, outside the stream value itself.
    fn heap_bytes(&self) -> usize;

    /// state_bytes is every byte of state this stream holds: the backend's
    /// memory plus the stream value.
    fn state_bytes(&self) -> usize {
        self.heap_bytes() + core::mem::size_of_val(self)
    }
}

/// Error is why a stream refused or failed a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Error {
    /// BufferTooSmall: the output buffer is shorter than `needed`, the bound
    /// for this input. Nothing was written; the stream is unchanged.
    BufferTooSmall { needed: usize },
    /// TooLarge: the message is longer than [`MAX_INPUT_LEN`].
    TooLarge { len: usize },
    /// InvalidParameter: a stream option is out of range; names which.
    InvalidParameter(&'static str),
    /// OutOfMemory: the backend could not allocate its state.
    OutOfMemory,
    /// Broken: the backend failed in the middle of a message, so the stream
    /// can no longer produce output a decoder would accept. Every later call
    /// returns Broken; the connection must be closed.
    Broken,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::BufferTooSmall { needed } => {
                write!(f, "output buffer too small: {needed} bytes needed")
            }
            Error::TooLarge { len } => {
                write!(f, "message of {len} bytes exceeds {MAX_INPUT_LEN}")
            }
            Error::InvalidParameter(which) => write!(f, "invalid parameter: {which}"),
            Error::OutOfMemory => f.write_str("out of memory"),
            Error::Broken => f.write_str("compression stream is broken"),
        }
    }
}

impl std::error::Error for Error {}

/// check_input refuses messages longer than [`MAX_INPUT_LEN`].
fn check_input(len: usize) -> Result<(), Error> {
    if len > MAX_INPUT_LEN {
        return Err(Error::TooLarge { len });
    }
    Ok(())
}

/// check_output refuses an output buffer shorter than the bound, before any
/// backend call, which is what makes a refusal leave the stream untouched.
fn check_output(bound: usize, capacity: usize) -> Result<(), Error> {
    if capacity < bound {
        return Err(Error::BufferTooSmall { needed: bound });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn input_limit_is_inclusive() {
        assert_eq!(check_input(MAX_INPUT_LEN), Ok(()));
        assert_eq!(
            check_input(MAX_INPUT_LEN + 1),
            Err(Error::TooLarge {
                len: MAX_INPUT_LEN + 1
            })
        );
    }

    #[test]
    fn output_must_reach_the_bound() {
        assert_eq!(check_output(10, 10), Ok(()));
        assert_eq!(
            check_output(10, 9),
            Err(Error::BufferTooSmall { needed: 10 })
        );
    }

    #[test]
    fn errors_say_what_went_wrong() {
        let msg = Error::BufferTooSmall { needed: 42 }.to_string();
        assert!(msg.contains("42"), "{msg}");
        assert!(Error::InvalidParameter("zlib level")
            .to_string()
            .contains("zlib level"));
    }
}
