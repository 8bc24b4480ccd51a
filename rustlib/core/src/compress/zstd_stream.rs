//! `compress=zstd-stream`: one zstd frame for the life of a connection.

use super::{check_input, check_output, Error, MessageCompressor};
use zstd_safe::zstd_sys::ZSTD_EndDirective;
use zstd_safe::{CCtx, CParameter, InBuffer, OutBuffer};

/// ZstdParams are the libzstd knobs that decide ratio and memory. Zero in
/// window_log, hash_log or chain_log takes libzstd's default for the level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ZstdParams {
    /// level is a zstd compression level, negative (fast) up to 22; 0 is
    /// libzstd's default (3).
    pub level: i32,
    /// window_log is 10..=27; 27 is the largest window decoders accept by
    /// default, so a larger one would break clients.
    pub window_log: u32,
    /// hash_log is 6..=27.
    pub hash_log: u32,
    /// chain_log is 6..=27.
    pub chain_log: u32,
}

impl ZstdParams {
    /// DISCORD is Discord's production setting: 1,369,689 bytes of libzstd
    /// state per stream once warm (1.5.7, x86-64).
    pub const DISCORD: ZstdParams = ZstdParams {
        level: 6,
        window_log: 18,
        hash_log: 16,
        chain_log: 16,
    };
    /// BALANCED trades a little ratio for less than half the memory:
    /// 599,417 bytes once warm.
    pub const BALANCED: ZstdParams = ZstdParams {
        level: 3,
        window_log: 16,
        hash_log: 14,
        chain_log: 14,
    };
    /// LEAN is for nodes holding very many mostly idle connections:
    /// 152,785 bytes once warm.
    pub const LEAN: ZstdParams = ZstdParams {
        level: 1,
        window_log: 14,
        hash_log: 12,
        chain_log: 12,
    };

    /// validate refuses values libzstd would refuse and windows a default
    /// decoder would refuse. The table logs are capped at 27 (a 512 MiB
    /// table) so a typo cannot ask for gigabytes per connection.
    pub fn validate(&self) -> Result<(), Error> {
        if !(zstd_safe::min_c_level()..=zstd_safe::max_c_level()).contains(&self.level) {
            return Err(Error::InvalidParameter("zstd level out of range"));
        }
        let ok = |v: u32, lo: u32| v == 0 || (lo..=27).contains(&v);
        if !ok(self.window_log, 10) {
            return Err(Error::InvalidParameter(
                "zstd windowLog must be 0 or 10..=27",
            ));
        }
        if !ok(self.hash_log, 6) {
            return Err(Error::InvalidParameter("zstd hashLog must be 0 or 6..=27"));
        }
        if !ok(self.chain_log, 6) {
            return Err(Error::InvalidParameter("zstd chainLog must be 0 or 6..=27"));
        }
        Ok(())
    }
}

/// ZstdStream compresses every message into one zstd frame that is never
/// ended, flushing after each with `ZSTD_e_flush` so the message decodes as
/// soon as its bytes arrive. An empty message has nothing to flush and
/// yields no bytes (the frame header then travels with the next message);
/// a decoder given nothing gives nothing back, which is the empty message.
pub struct ZstdStream {
    cctx: CCtx<'static>,
    params: ZstdParams,
    broken: bool,
}

impl ZstdStream {
    /// new creates the compression context and sets its parameters. libzstd
    /// allocates its working memory lazily, on the first message.
    pub fn new(params: ZstdParams) -> Result<Self, Error> {
        params.validate()?;
        let mut cctx = CCtx::try_create().ok_or(Error::OutOfMemory)?;
        let mut set = |p: CParameter, what: &'static str| {
            cctx.set_parameter(p)
                .map(|_| ())
                .map_err(|_| Error::InvalidParameter(what))
        };
        set(CParameter::CompressionLevel(params.level), "zstd level")?;
        if params.window_log != 0 {
            set(CParameter::WindowLog(params.window_log), "zstd windowLog")?;
        }
        if params.hash_log != 0 {
            set(CParameter::HashLog(params.hash_log), "zstd hashLog")?;
        }
        if params.chain_log != 0 {
            set(CParameter::ChainLog(params.chain_log), "zstd chainLog")?;
        }
        Ok(ZstdStream {
            cctx,
            params,
            broken: false,
        })
    }

    /// params are the options the stream was made with.
    pub fn params(&self) -> ZstdParams {
        self.params
    }
}

/// zstd_bound is the most one flushed message of `len` bytes can turn into
/// in the middle of a frame: ZSTD_compressBound (which covers the frame
/// header and per-block overhead of a one-shot frame) plus a 3-byte block
/// header for every KiB, as if blocks were as small as the smallest window
/// (libzstd falls back to a raw block whenever compressing does not pay,
/// and its block splitter and ring-buffer wrap can cut blocks short), plus
/// slack for the frame header the first message carries.
fn zstd_bound(len: usize) -> usize {
    const FRAME_HEADER_MAX: usize = 18;
    const SLACK: usize = 14;
    zstd_safe::compress_bound(len) + 3 * len.div_ceil(1024) + FRAME_HEADER_MAX + SLACK
}

impl MessageCompressor for ZstdStream {
    fn bound(&self, input_len: usize) -> Result<usize, Error> {
        check_input(input_len)?;
        Ok(zstd_bound(input_len))
    }

    fn compress(&mut self, input: &[u8], output: &mut [u8]) -> Result<usize, Error> {
        if self.broken {
            return Err(Error::Broken);
        }
        check_output(self.bound(input.len())?, output.len())?;
        let capacity = output.len();
        let mut out = OutBuffer::around(output);
        let mut inp = InBuffer::around(input);
        loop {
            let before = (inp.pos(), out.pos());
            let remaining =
                self.cctx
                    .compress_stream2(&mut out, &mut inp, ZSTD_EndDirective::ZSTD_e_flush);
            match remaining {
                Ok(0) if inp.pos() == input.len() => return Ok(out.pos()),
                // Out of room despite the bound, an error from libzstd, or no
                // progress: part of the message may be stuck inside the
                // context, so no later output could be trusted.
                Err(_) => break,
                Ok(_) if out.pos() == capacity || (inp.pos(), out.pos()) == before => break,
                Ok(_) => {}
            }
        }
        self.broken = true;
        Err(Error::Broken)
    }

    /// heap_bytes is ZSTD_sizeof_CCtx: the context and every buffer and
    /// table it has allocated so far.
    fn heap_bytes(&self) -> usize {
        self.cctx.sizeof()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bound_covers_raw_blocks_of_one_kib() {
        for len in [0usize, 1, 1024, 1 << 20] {
            // Every KiB stored raw behind a 3-byte header, plus a frame header.
            assert!(
                zstd_bound(len) >= len + 3 * len.div_ceil(1024) + 18,
                "len {len}"
            );
        }
    }

    #[test]
    fn presets_are_valid() {
        for p in [ZstdParams::DISCORD, ZstdParams::BALANCED, ZstdParams::LEAN] {
            assert_eq!(p.validate(), Ok(()));
        }
    }
}
