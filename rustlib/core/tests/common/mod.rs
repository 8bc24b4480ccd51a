//! Decoders we did not write (flate2 on miniz_oxide, libzstd's DCtx), fed
//! one message's bytes at a time, and message generators.

#![allow(dead_code)] // each test binary uses a different subset

pub mod compact;

use flate2::{Decompress, FlushDecompress, Status};
use gatehouse_core::compress::MessageCompressor;
use zstd_safe::{DCtx, InBuffer, OutBuffer};

/// Inflater decodes a zlib-stream message by message.
pub struct Inflater(Decompress);

impl Inflater {
    pub fn new() -> Self {
        Inflater(Decompress::new(true))
    }

    /// message feeds exactly one message's bytes and returns everything the
    /// decoder gives for them; `limit` caps the output so a runaway decoder
    /// cannot eat memory (one more than the expected length shows excess).
    pub fn message(&mut self, input: &[u8], limit: usize) -> Vec<u8> {
        let mut out = vec![0u8; limit];
        let (in0, out0) = (self.0.total_in(), self.0.total_out());
        loop {
            let read = (self.0.total_in() - in0) as usize;
            let wrote = (self.0.total_out() - out0) as usize;
            self.0
                .decompress(&input[read..], &mut out[wrote..], FlushDecompress::Sync)
                .expect("inflate rejected the stream");
            let now_read = (self.0.total_in() - in0) as usize;
            let now_wrote = (self.0.total_out() - out0) as usize;
            if (now_read, now_wrote) == (read, wrote) {
                assert_eq!(now_read, input.len(), "inflate left input unread");
                out.truncate(now_wrote);
                return out;
            }
        }
    }
}

/// inflate_whole decodes one complete zlib stream and checks it ends.
pub fn inflate_whole(input: &[u8], limit: usize) -> Vec<u8> {
    let mut d = Decompress::new(true);
    let mut out = vec![0u8; limit];
    let status = d
        .decompress(input, &mut out, FlushDecompress::Finish)
        .expect("inflate rejected the payload");
    assert_eq!(
        status,
        Status::StreamEnd,
        "payload is not a complete stream"
    );
    assert_eq!(
        d.total_in() as usize,
        input.len(),
        "bytes after the stream end"
    );
    out.truncate(d.total_out() as usize);
    out
}

/// Unzstd decodes a zstd-stream message by message.
pub struct Unzstd(DCtx<'static>);

impl Unzstd {
    pub fn new() -> Self {
        Unzstd(DCtx::create())
    }

    /// message is Inflater::message for zstd.
    pub fn message(&mut self, input: &[u8], limit: usize) -> Vec<u8> {
        let mut out = vec![0u8; limit];
        let mut inp = InBuffer::around(input);
        let mut outb = OutBuffer::around(&mut out[..]);
        loop {
            let before = (inp.pos(), outb.pos());
            self.0
                .decompress_stream(&mut outb, &mut inp)
                .expect("zstd rejected the stream");
            if (inp.pos(), outb.pos()) == before {
                break;
            }
        }
        assert_eq!(inp.pos(), input.len(), "zstd left input unread");
        let n = outb.pos();
        out.truncate(n);
        out
    }
}

/// compress_exact compresses into a buffer exactly as long as the bound,
/// so any bound that is too low fails the test.
pub fn compress_exact(c: &mut dyn MessageCompressor, msg: &[u8]) -> Vec<u8> {
    let mut out = vec![0u8; c.bound(msg.len()).unwrap()];
    let n = c.compress(msg, &mut out).unwrap();
    out.truncate(n);
    out
}

/// Rng is a small xorshift so tests are deterministic without a crate.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed | 1)
    }
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// random_bytes is incompressible input: the worst case for every bound.
pub fn random_bytes(rng: &mut Rng, len: usize) -> Vec<u8> {
    (0..len).map(|_| rng.next() as u8).collect()
}

/// json_like is gateway-shaped text: keys, snowflakes and words repeated the
/// way dispatches repeat them.
pub fn json_like(rng: &mut Rng, len: usize) -> Vec<u8> {
    const WORDS: [&str; 8] = [
        "\"op\":0,",
        "\"t\":\"MESSAGE_CREATE\",",
        "\"guild_id\":\"",
        "\"content\":\"hello ",
        "\"username\":\"äöü-",
        "\"s\":",
        "\"roles\":[",
        "\"d\":{",
    ];
    let mut out = Vec::with_capacity(len + 32);
    while out.len() < len {
        out.extend_from_slice(WORDS[rng.below(WORDS.len() as u64) as usize].as_bytes());
        out.extend_from_slice((rng.next() >> 4).to_string().as_bytes());
        out.extend_from_slice(b"\",");
    }
    out.truncate(len);
    out
}
