//! `compress=zlib-stream`: one zlib stream for the life of a connection.

use super::zlib::{deflate_bound, run_deflate};
use super::{check_input, check_output, Error, MessageCompressor, ZlibParams};
use zlib_rs::{Deflate, DeflateFlush};

/// EMPTY_STORED_BLOCK is a non-final stored block of length zero written
/// at a byte boundary: header bits 000 padded to a byte, LEN 0000, NLEN ffff.
/// It is what a sync flush appends, as whole bytes.
const EMPTY_STORED_BLOCK: [u8; 5] = [0x00, 0x00, 0x00, 0xff, 0xff];

/// ZlibStream compresses every message into one long-lived zlib stream and
/// sync-flushes after each, so each message's bytes end in `00 00 ff ff`
/// and inflate on their own given the earlier ones.
pub struct ZlibStream {
    deflate: Deflate,
    params: ZlibParams,
    broken: bool,
}

impl ZlibStream {
    /// new allocates the stream's deflate state.
    pub fn new(params: ZlibParams) -> Result<Self, Error> {
        params.validate()?;
        Ok(ZlibStream {
            deflate: params.deflate(),
            params,
            broken: false,
        })
    }

    /// params are the options the stream was made with.
    pub fn params(&self) -> ZlibParams {
        self.params
    }
}

impl MessageCompressor for ZlibStream {
    fn bound(&self, input_len: usize) -> Result<usize, Error> {
        check_input(input_len)?;
        Ok(deflate_bound(input_len))
    }

    fn compress(&mut self, input: &[u8], output: &mut [u8]) -> Result<usize, Error> {
        if self.broken {
            return Err(Error::Broken);
        }
        check_output(self.bound(input.len())?, output.len())?;
        let written = run_deflate(&mut self.deflate, input, output, DeflateFlush::SyncFlush)
            .inspect_err(|_| self.broken = true)?;
        if written == 0 {
            // zlib skips a sync flush that follows another with no input in
            // between, so an empty message would produce no bytes at all and
            // a client waiting for `00 00 ff ff` would wait forever. The
            // stream is byte-aligned after the earlier flush, so the empty
            // stored block can be written here as plain bytes.
            output[..EMPTY_STORED_BLOCK.len()].copy_from_slice(&EMPTY_STORED_BLOCK);
            return Ok(EMPTY_STORED_BLOCK.len());
        }
        Ok(written)
    }

    fn heap_bytes(&self) -> usize {
        self.params.backend_bytes()
    }
}
