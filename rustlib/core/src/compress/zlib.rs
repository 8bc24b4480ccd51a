//! What the two zlib formats share: their parameters, their worst-case
//! output bound, the memory the zlib-rs backend holds for them, and the loop
//! that drives one deflate call to completion.
//!
//! The backend is zlib-rs because it was the fastest measured at level 6 on
//! the compressbench corpus (20,000 gateway messages, windowBits 15,
//! memLevel 8, sync flush per message): zlib-ng 2.3.3 (libz-ng-sys 1.1.33)
//! writes byte-identical output in the same time; stock zlib (libz-sys
//! 1.1.33, static) writes 0.9% less but takes ~45% longer; cloudflare zlib
//! (cloudflare-zlib-sys 0.3.7) writes 2.4% less but takes ~13% longer, needs
//! SSE4.2 at build time and is marked deprecated; miniz_oxide 0.9.1 is
//! larger and slower. About half of each one's time per ~1 KB message goes
//! to building and writing that message's Huffman block (zlib-ng's flush
//! alone is ~34k instructions a message), which is why none is 3× faster
//! than Go's compress/flate.

use super::Error;
use zlib_rs::{Deflate, DeflateConfig, DeflateFlush, Method, Status, Strategy};

/// ZlibParams are zlib's deflateInit2 knobs that matter for memory and ratio.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ZlibParams {
    /// level is 0 (stored) to 9 (best).
    pub level: i32,
    /// window_bits is the log2 of the LZ77 window, 9 to 15.
    pub window_bits: i32,
    /// mem_level sizes the literal buffer, 1 to 9.
    pub mem_level: i32,
}

impl Default for ZlibParams {
    /// default is zlib's own: level 6, windowBits 15, memLevel 8.
    fn default() -> Self {
        ZlibParams {
            level: 6,
            window_bits: 15,
            mem_level: 8,
        }
    }
}

/// STATE_STRUCT_BYTES is `size_of::<zlib_rs::deflate::State>()` in zlib-rs
/// 0.6.8 on 64-bit targets. The type is private, so the figure is pinned
/// here and checked against the real allocation by
/// `tests/zlib_state_bytes.rs`, which fails if a zlib-rs upgrade changes it.
const STATE_STRUCT_BYTES: usize = 3136;

/// HASH_SIZE is zlib-rs's hash table length: fixed at 2^16 entries whatever
/// the memLevel (stock zlib uses 2^(memLevel+7)).
const HASH_SIZE: usize = 1 << 16;

/// ALIGN is the alignment zlib-rs gives each buffer inside its one allocation.
const ALIGN: usize = 64;

impl ZlibParams {
    /// validate refuses what deflateInit2 would refuse, and windowBits 8,
    /// which zlib silently turns into 9.
    pub fn validate(&self) -> Result<(), Error> {
        if !(0..=9).contains(&self.level) {
            return Err(Error::InvalidParameter("zlib level must be 0..=9"));
        }
        if !(9..=15).contains(&self.window_bits) {
            return Err(Error::InvalidParameter("zlib windowBits must be 9..=15"));
        }
        if !(1..=9).contains(&self.mem_level) {
            return Err(Error::InvalidParameter("zlib memLevel must be 1..=9"));
        }
        Ok(())
    }

    /// deflate builds a zlib-wrapped deflate state with these parameters.
    /// The parameters must be valid. zlib-rs panics if it cannot allocate,
    /// which in the release build aborts, as any failed Rust allocation does.
    pub(super) fn deflate(&self) -> Deflate {
        Deflate::new_with_config(DeflateConfig {
            level: self.level,
            method: Method::Deflated,
            window_bits: self.window_bits,
            mem_level: self.mem_level,
            strategy: Strategy::Default,
        })
    }

    /// backend_bytes is what zlib-rs 0.6.8 allocates for one deflate state:
    /// a single block holding, each at a 64-byte aligned offset,
    ///
    /// ```text
    ///   State struct            STATE_STRUCT_BYTES (3136)
    ///   window                  2 * 2^windowBits
    ///   prev chain              2 * 2^windowBits      (u16 per window byte)
    ///   head hash table         2 * 2^16              (u16, fixed size)
    ///   pending buffer          4 * 2^(memLevel+6)
    ///   symbol buffer           3 * 2^(memLevel+6)
    /// ```
    ///
    /// plus 63 bytes of slack for aligning the block, rounded up to 64.
    /// windowBits 15 / memLevel 8 gives 380,032 bytes (stock zlib: ~268 KB,
    /// because its hash table shrinks with memLevel and it has no separate
    /// symbol buffer).
    pub fn backend_bytes(&self) -> usize {
        let w_size = 1usize << self.window_bits;
        let lit_bufsize = 1usize << (self.mem_level + 6);
        let parts = [
            STATE_STRUCT_BYTES,
            2 * w_size,
            2 * w_size,
            2 * HASH_SIZE,
            4 * lit_bufsize,
            3 * lit_bufsize,
        ];
        let mut end = 0usize;
        for part in parts {
            end = end.next_multiple_of(ALIGN) + part;
        }
        (end + ALIGN - 1).next_multiple_of(ALIGN)
    }
}

/// deflate_bound is the most one message of `len` bytes can turn into, for
/// any level, windowBits and memLevel. The data term is zlib's documented
/// conservative deflateBound (about 14% over: 9-bit fixed-code literals and
/// a block header every few literals at memLevel 1). On top: the 2-byte zlib
/// header and 4-byte Adler-32 trailer (payload zlib), the sync flush's empty
/// stored block (3 bits, padding, `00 00 ff ff`), and slack.
pub(super) fn deflate_bound(len: usize) -> usize {
    const WRAPPER: usize = 2 + 4;
    const SYNC_FLUSH: usize = 1 + 5;
    const SLACK: usize = 8;
    len + len.div_ceil(8) + len.div_ceil(64) + 5 + WRAPPER + SYNC_FLUSH + SLACK
}

/// run_deflate feeds all of `input` to `deflate` with `flush` and returns
/// the bytes written to `output`. `output` must be at least the bound; if the
/// backend still runs out of room or fails, the stream is broken, because
/// part of a message may already sit in its pending buffer.
pub(super) fn run_deflate(
    deflate: &mut Deflate,
    input: &[u8],
    output: &mut [u8],
    flush: DeflateFlush,
) -> Result<usize, Error> {
    let (in_start, out_start) = (deflate.total_in(), deflate.total_out());
    let (mut read, mut written) = (0usize, 0usize);
    loop {
        let status = deflate
            .compress(&input[read..], &mut output[written..], flush)
            .map_err(|_| Error::Broken)?;
        let (was_read, was_written) = (read, written);
        read = (deflate.total_in() - in_start) as usize;
        written = (deflate.total_out() - out_start) as usize;
        if written == output.len() {
            // zlib's contract: a call that fills the output may have more
            // to give. The bound says that cannot happen; if it does, the
            // message is cut and the stream unusable.
            return Err(Error::Broken);
        }
        match status {
            Status::StreamEnd if flush == DeflateFlush::Finish => return Ok(written),
            Status::StreamEnd => return Err(Error::Broken),
            // BufError means "nothing to do": a sync flush right after
            // another one with no input in between.
            _ if flush != DeflateFlush::Finish && read == input.len() => return Ok(written),
            _ if read == was_read && written == was_written => return Err(Error::Broken),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backend_bytes_for_known_params() {
        let at = |window_bits, mem_level| {
            ZlibParams {
                level: 6,
                window_bits,
                mem_level,
            }
            .backend_bytes()
        };
        assert_eq!(at(15, 8), 380_032);
        assert_eq!(at(9, 1), 137_216);
        // One more windowBits adds 4 bytes per window byte (window + prev).
        assert_eq!(at(15, 8) - at(14, 8), 4 << 14);
    }

    #[test]
    fn bound_covers_fixed_code_expansion() {
        for len in [0usize, 1, 100, 1 << 20] {
            // 9-bit literals are 12.5% over; the bound must exceed that.
            assert!(deflate_bound(len) > len + len / 8 + 6, "len {len}");
        }
        assert!(deflate_bound(1 << 30) < usize::MAX / 2);
    }

    #[test]
    fn validate_accepts_the_whole_documented_range() {
        for level in 0..=9 {
            for window_bits in 9..=15 {
                for mem_level in 1..=9 {
                    let p = ZlibParams {
                        level,
                        window_bits,
                        mem_level,
                    };
                    assert_eq!(p.validate(), Ok(()), "{p:?}");
                }
            }
        }
    }
}
