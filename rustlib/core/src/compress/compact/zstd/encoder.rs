//! Encoder: one working context that continues a zstd frame block by block.

use super::huf::HufTable;
use super::lit::write_literals;
use super::matcher::{MatchParams, Matcher, Window};
use super::seq::{self, Predefined, Seq, Tables};
use crate::compress::Error;

/// BLOCK_MAX is the largest block content (Block_Maximum_Size for windows
/// of 128 KiB and more; smaller windows cap blocks at the window).
pub(crate) const BLOCK_MAX: usize = 128 * 1024;

/// MAGIC starts every zstd frame.
const MAGIC: [u8; 4] = [0x28, 0xb5, 0x2f, 0xfd];

/// INITIAL_REPS are the repeat offsets at the start of a frame.
pub(crate) const INITIAL_REPS: [u32; 3] = [1, 4, 8];

/// PRIME_DENSE is how much of a restored window's recent end is indexed
/// at every position; PRIME_STRIDE spaces the indexed positions before it.
/// Priming says how `start` indexes a restored window: every position of
/// its last `dense` bytes, and every `stride`-th one before them, either
/// linked into the hash chains or (`chained` false) entered in the head
/// table only, one candidate per bucket, which costs about half as much.
/// Waking is on the message path; long repeats from far back are still
/// found from a later indexed position and extended backward.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Priming {
    pub(crate) dense: usize,
    pub(crate) stride: u32,
    pub(crate) chained: bool,
}

/// PACKED_PRIMING indexes the ~110 KiB a packed idle window holds (on the
/// corpus: about half the waking time of dense indexing for +1% bytes).
pub(crate) const PACKED_PRIMING: Priming = Priming {
    dense: 16 * 1024,
    stride: 4,
    chained: true,
};

/// REBASE_AT bounds absolute positions: beyond it the tables restart, so
/// a stream active for gigabytes never overflows 32 bits.
const REBASE_AT: u32 = 1 << 31;

/// frame_header is the header of a frame with no content size, no
/// checksum, no dictionary and a window of 2^window_log bytes.
pub(crate) fn frame_header(window_log: u32) -> [u8; 6] {
    let [a, b, c, d] = MAGIC;
    [a, b, c, d, 0x00, ((window_log - 10) << 3) as u8]
}

/// Encoder is one working context. Between messages of an active stream
/// it holds the stream's whole window; a pool hands it from stream to
/// stream, each time primed with that stream's retained window.
pub(crate) struct Encoder {
    window_log: u32,
    matcher: Matcher,
    /// buf holds the window and the block being compressed; buf[i] is at
    /// absolute position base + i.
    buf: Vec<u8>,
    base: u32,
    /// reps, huf and tables mirror the decoder's state.
    pub(crate) reps: [u32; 3],
    huf: Option<HufTable>,
    tables: Tables,
    predef: Predefined,
    seqs: Vec<Seq>,
    lits: Vec<u8>,
    body: Vec<u8>,
    lit_scratch: Vec<u8>,
    seq_scratch: seq::Scratch,
}

impl Encoder {
    pub(crate) fn new(window_log: u32, p: MatchParams) -> Self {
        Encoder {
            window_log,
            matcher: Matcher::new(p),
            buf: Vec::new(),
            base: 1,
            reps: INITIAL_REPS,
            huf: None,
            tables: Tables::default(),
            predef: Predefined::new(),
            seqs: Vec::new(),
            lits: Vec::new(),
            body: Vec::new(),
            lit_scratch: Vec::new(),
            seq_scratch: seq::Scratch::default(),
        }
    }

    fn window(&self) -> usize {
        1 << self.window_log
    }

    fn block_max(&self) -> usize {
        BLOCK_MAX.min(self.window())
    }

    /// heap_bytes is the memory the context holds.
    pub(crate) fn heap_bytes(&self) -> usize {
        self.matcher.heap_bytes()
            + self.buf.capacity()
            + self.lits.capacity()
            + self.body.capacity()
            + self.lit_scratch.capacity()
            + self.seqs.capacity() * core::mem::size_of::<Seq>()
            + 3 * 1024 // predefined tables and block scratch, roughly
    }

    /// start primes the context for a stream: `window` is the stream's
    /// recent plaintext (what its decoder has), `reps` the decoder's repeat
    /// offsets. The decoder's entropy tables are unknown to this context,
    /// so none is reused until this context has sent its own.
    pub(crate) fn start(&mut self, window: &[u8], reps: [u32; 3], how: Priming) {
        // Positions continue past everything the previous holder indexed,
        // so its stale table entries fall below the window and are never
        // followed: no need to clear the tables.
        let mut base = self.base + self.buf.len() as u32;
        self.buf.clear();
        self.buf.reserve(self.window() + self.block_max());
        let keep = window.len().min(self.window());
        self.buf.extend_from_slice(&window[window.len() - keep..]);
        if base as usize + self.window() + self.block_max() >= REBASE_AT as usize {
            base = 1;
            self.matcher.reset(1);
        } else {
            self.matcher.restart(base);
        }
        self.base = base;
        self.reps = reps;
        self.huf = None;
        self.tables = Tables::default();
        let w = Window {
            buf: &self.buf,
            base,
            max_off: self.window(),
        };
        let dense_from = base + self.buf.len().saturating_sub(how.dense) as u32;
        self.matcher.prime(&w, dense_from, how.stride, how.chained);
        self.matcher.insert_until(&w, base + self.buf.len() as u32);
    }

    /// recent is the last `n` (or fewer) bytes the context has seen.
    pub(crate) fn recent(&self, n: usize) -> &[u8] {
        &self.buf[self.buf.len().saturating_sub(n)..]
    }

    /// bound is the most `compress` writes for `len` bytes: a raw block
    /// header per block, the frame header, slack.
    pub(crate) fn bound(len: usize, window_log: u32) -> usize {
        let block = BLOCK_MAX.min(1 << window_log);
        len + 3 * len.div_ceil(block).max(1) + 6 + 8
    }

    /// compress appends `msg` to the frame as one or more blocks (none for
    /// an empty message) after the frame header when `header` is set.
    pub(crate) fn compress(
        &mut self,
        msg: &[u8],
        header: bool,
        out: &mut Vec<u8>,
    ) -> Result<(), Error> {
        if header {
            out.extend_from_slice(&frame_header(self.window_log));
        }
        for chunk in msg.chunks(self.block_max()) {
            self.block(chunk, out)?;
        }
        Ok(())
    }

    /// block compresses one block's worth and appends it, compressed or
    /// raw, whichever is smaller.
    fn block(&mut self, chunk: &[u8], out: &mut Vec<u8>) -> Result<(), Error> {
        self.make_room(chunk.len());
        let start = self.buf.len();
        self.buf.extend_from_slice(chunk);
        let saved_reps = self.reps;
        self.seqs.clear();
        self.lits.clear();
        let w = Window {
            buf: &self.buf,
            base: self.base,
            max_off: self.window(),
        };
        self.matcher.parse(
            &w,
            start,
            self.buf.len(),
            &mut self.reps,
            &mut self.seqs,
            &mut self.lits,
        );
        self.body.clear();
        let new_huf = write_literals(
            &self.lits,
            self.huf.as_ref(),
            &mut self.body,
            &mut self.lit_scratch,
        );
        let updates = seq::write_sequences(
            &self.seqs,
            &self.tables,
            &self.predef,
            &mut self.seq_scratch,
            &mut self.body,
        );
        if self.body.len() >= chunk.len() || self.body.len() > self.block_max() {
            // Raw: nothing the decoder tracks changes.
            self.reps = saved_reps;
            out.extend_from_slice(&block_header(0, chunk.len()));
            out.extend_from_slice(chunk);
            return Ok(());
        }
        if new_huf.is_some() {
            self.huf = new_huf;
        }
        self.tables.apply(updates, &mut self.seq_scratch);
        out.extend_from_slice(&block_header(2, self.body.len()));
        out.extend_from_slice(&self.body);
        Ok(())
    }

    /// make_room drops the oldest bytes so the window and the next block
    /// fit, and restarts positions before they could overflow.
    fn make_room(&mut self, incoming: usize) {
        let cap = self.window() + self.block_max();
        if self.buf.len() + incoming > cap {
            let keep = self.buf.len().min(self.window());
            let drop = self.buf.len() - keep;
            self.buf.drain(..drop);
            self.base += drop as u32;
        }
        if self.base as usize + self.buf.len() + incoming >= REBASE_AT as usize {
            self.base = 1;
            self.matcher.reset(1);
            let w = Window {
                buf: &self.buf,
                base: 1,
                max_off: self.window(),
            };
            self.matcher.insert_until(&w, 1 + self.buf.len() as u32);
        }
    }
}

/// block_header is a non-last block header of `kind` (0 raw, 2 compressed).
pub(crate) fn block_header(kind: u32, size: usize) -> [u8; 3] {
    let h = (kind << 1) | (size as u32) << 3;
    let b = h.to_le_bytes();
    [b[0], b[1], b[2]]
}
