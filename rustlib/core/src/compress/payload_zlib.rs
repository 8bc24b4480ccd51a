//! Identify `compress: true`: every message is its own complete zlib stream.

use super::zlib::{deflate_bound, run_deflate};
use super::{check_input, check_output, Error, MessageCompressor, ZlibParams};
use zlib_rs::{Deflate, DeflateFlush};

/// PayloadZlib turns each message into a complete, independent zlib stream
/// (header, deflate data, Adler-32). It keeps one deflate state and resets
/// it per message (deflateReset), so the memory is allocated once per
/// connection: [`ZlibParams::backend_bytes`] (380,032 bytes at windowBits 15,
/// memLevel 8) plus this struct, whether idle or busy.
///
/// A message costs more here than in a [`ZlibStream`](super::ZlibStream):
/// no history to match against, a Huffman block built from scratch, and the
/// reset itself, which clears zlib-rs's 128 KiB hash table and 48 KiB symbol
/// buffer (about 14% of the time on ~1 KB messages, measured with perf).
pub struct PayloadZlib {
    deflate: Deflate,
    params: ZlibParams,
    used: bool,
    broken: bool,
}

impl PayloadZlib {
    /// new allocates the deflate state reused by every message.
    pub fn new(params: ZlibParams) -> Result<Self, Error> {
        params.validate()?;
        Ok(PayloadZlib {
            deflate: params.deflate(),
            params,
            used: false,
            broken: false,
        })
    }

    /// params are the options the stream was made with.
    pub fn params(&self) -> ZlibParams {
        self.params
    }
}

impl MessageCompressor for PayloadZlib {
    fn bound(&self, input_len: usize) -> Result<usize, Error> {
        check_input(input_len)?;
        Ok(deflate_bound(input_len))
    }

    fn compress(&mut self, input: &[u8], output: &mut [u8]) -> Result<usize, Error> {
        if self.broken {
            return Err(Error::Broken);
        }
        check_output(self.bound(input.len())?, output.len())?;
        // reset before a message, not after one, so the state is fresh
        // whatever happened to the previous message; a new state needs none
        // (reset clears the 128 KiB hash table).
        if self.used {
            self.deflate.reset();
        }
        self.used = true;
        run_deflate(&mut self.deflate, input, output, DeflateFlush::Finish)
            .inspect_err(|_| self.broken = true)
    }

    fn heap_bytes(&self) -> usize {
        self.params.backend_bytes()
    }
}
