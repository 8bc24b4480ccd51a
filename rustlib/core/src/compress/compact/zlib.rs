//! Compact `compress=zlib-stream`: one zlib stream per connection whose
//! deflate state lives in a pool while the connection is idle.
//!
//! After a sync flush the client's inflater sits on a byte boundary between
//! deflate blocks and accepts further blocks from any encoder, as long as
//! their back-references stay inside the window it has already inflated. So
//! a woken stream takes any raw deflate state from the pool, primes it with
//! the plaintext it retained (`deflateSetDictionary`), and carries on. The
//! zlib header is written by hand on the first message; the Adler-32 trailer
//! never is, because a zlib-stream is never ended.
//!
//! A hibernating stream sends a small message as a non-final stored block
//! followed by the usual sync-flush marker, without a context (see
//! `tail.rs`).

use super::history::History;
use super::pack::{Packer, Retained};
use super::tail::{Tail, TAIL_RESERVE};
use super::{CompactStream, DEFAULT_MAX_IDLE_CONTEXTS, HANDLE_ALLOWANCE, IDLE_STATE_LIMIT};
use crate::compress::{check_input, check_output, Error, ZlibParams};
use zlib_rs::{Deflate, DeflateConfig, DeflateFlush, Method, Strategy};

/// EMPTY_STORED_BLOCK is what a sync flush of nothing appends: a non-final
/// empty stored block at a byte boundary, `00 00 00 ff ff`.
const EMPTY_STORED_BLOCK: [u8; 5] = [0x00, 0x00, 0x00, 0xff, 0xff];

/// RETAIN is the most recent plaintext a hibernating stream keeps, of the
/// 32 KiB a decoder can reach. Waking costs about 3 ns per retained byte
/// (unpack, then `deflateSetDictionary` inserts every position) and the
/// older half is worth little: on the benchmark corpus, idle before one
/// message in 20, 16 KiB costs +1.8% bytes against the full stream where
/// 32 KiB gave -1.1%, and takes CPU per message including hibernation from
/// 24.1 to 22.0 µs (wake 87 -> 46 µs, hibernation 69 -> 50 µs); the idle
/// state falls from about 6 KiB to 3.7 KiB. A broadcast that wakes every
/// sleeping stream of a loop pays the wake once per connection.
///
/// A working context's history ring is this long, so bindings/alloc.go's
/// malloc mmap threshold must stay at or below it: freed rings are then
/// returned to the kernel instead of staying resident in glibc's arenas
/// (TestFreedContextsGoBackToTheOS fails otherwise).
const RETAIN: usize = 16 * 1024;

/// Worker is one working context: a raw deflate state and the history of
/// the stream currently holding it.
struct Worker {
    deflate: Deflate,
    history: History,
}

/// ZlibPool holds the working contexts of the compact zlib streams of one
/// owner (an event loop), plus the packer that hibernating streams use.
///
/// It is `Send` but not `Sync`: one owner at a time.
pub struct ZlibPool {
    params: ZlibParams,
    // Boxed so that handing a context between pool and stream moves a
    // pointer; the stream keeps it in an Option<Box<_>> too.
    #[allow(clippy::vec_box)]
    idle: Vec<Box<Worker>>,
    max_idle: usize,
    packer: Packer,
    /// window is scratch for a stream's history while it is packed or
    /// restored.
    window: Vec<u8>,
}

impl ZlibPool {
    /// new makes an empty pool for streams with `params` that keeps up to
    /// `max_idle` contexts for reuse (0 takes
    /// [`DEFAULT_MAX_IDLE_CONTEXTS`]).
    pub fn new(params: ZlibParams, max_idle: usize) -> Result<Self, Error> {
        params.validate()?;
        Ok(ZlibPool {
            params,
            idle: Vec::new(),
            max_idle: if max_idle == 0 {
                DEFAULT_MAX_IDLE_CONTEXTS
            } else {
                max_idle
            },
            packer: Packer::default(),
            window: Vec::new(),
        })
    }

    /// params are the options every stream of this pool uses.
    pub fn params(&self) -> ZlibParams {
        self.params
    }

    /// idle_contexts is how many working contexts wait in the pool.
    pub fn idle_contexts(&self) -> usize {
        self.idle.len()
    }

    /// heap_bytes is the memory the pool holds: its idle contexts, its
    /// packer and its scratch window.
    pub fn heap_bytes(&self) -> usize {
        self.idle.len() * worker_bytes(self.params)
            + self.packer.heap_bytes()
            + self.window.capacity()
    }

    /// take hands out a context, made fresh if none waits. Its deflate
    /// state is reset and its history empty.
    fn take(&mut self) -> Box<Worker> {
        let mut w = self.idle.pop().unwrap_or_else(|| {
            let p = self.params;
            Box::new(Worker {
                deflate: Deflate::new_with_config(DeflateConfig {
                    level: p.level,
                    method: Method::Deflated,
                    window_bits: -p.window_bits,
                    mem_level: p.mem_level,
                    strategy: Strategy::Default,
                }),
                history: History::new(history_len(p)),
            })
        });
        w.deflate.reset();
        w.history.clear();
        w
    }

    /// give takes a context back, or frees it when enough are waiting.
    fn give(&mut self, w: Box<Worker>) {
        if self.idle.len() < self.max_idle {
            self.idle.push(w);
        }
    }
}

/// worker_bytes is the memory of one working context: the deflate state
/// (as ZlibParams::backend_bytes documents it) and the history ring.
fn worker_bytes(p: ZlibParams) -> usize {
    p.backend_bytes() + history_len(p)
}

/// history_len is how much plaintext a working context keeps for its next
/// hibernation: what will be retained, never more than the window.
fn history_len(p: ZlibParams) -> usize {
    RETAIN.min(1 << p.window_bits)
}

/// CompactZlib is one connection's compact zlib-stream.
///
/// It is `Send` but not `Sync`; it must be used with a pool made with the
/// same parameters, by the pool's owner.
pub struct CompactZlib {
    params: ZlibParams,
    worker: Option<Box<Worker>>,
    retained: Retained,
    /// tail is what the stream sent stored while hibernating, after the
    /// retained window.
    tail: Tail,
    /// started: the zlib header has been sent.
    started: bool,
    broken: bool,
}

impl CompactZlib {
    /// new makes a stream for `pool`'s parameters. It holds no context until
    /// its first message.
    pub fn new(pool: &ZlibPool) -> Self {
        CompactZlib {
            params: pool.params,
            worker: None,
            retained: Retained::default(),
            tail: Tail::default(),
            started: false,
            broken: false,
        }
    }

    /// retained_window is how many plaintext bytes a hibernating stream
    /// will prime its next context with (0 while active).
    pub fn retained_window(&self) -> usize {
        self.retained.raw_len() + self.tail.bytes().len()
    }

    /// idle_budget is what the packed window and the tail may hold
    /// together: the idle limit less the stream value and the handle.
    fn idle_budget() -> usize {
        IDLE_STATE_LIMIT - HANDLE_ALLOWANCE - core::mem::size_of::<Self>()
    }

    /// tail_room is how long the tail may grow beside the packed window.
    fn tail_room(&self) -> usize {
        Tail::room(Self::idle_budget().saturating_sub(self.retained.heap_bytes()))
    }

    /// wake takes a context and primes it with the retained window and the
    /// tail sent after it.
    fn wake(&mut self, pool: &mut ZlibPool) -> Result<(), Error> {
        let mut w = pool.take();
        if self.started {
            pool.packer.unpack(&self.retained, &mut pool.window)?;
            pool.window.extend_from_slice(self.tail.bytes());
            // The decoder's window is 2^windowBits: older bytes are out of
            // reach anyway.
            let from = pool
                .window
                .len()
                .saturating_sub(1 << self.params.window_bits);
            let dict = &pool.window[from..];
            if !dict.is_empty() {
                w.deflate.set_dictionary(dict).map_err(|_| Error::Broken)?;
                w.history.push(dict);
            }
        }
        self.retained = Retained::default();
        self.tail.clear();
        self.worker = Some(w);
        Ok(())
    }

    /// send_stored writes `input` as a stored block and a sync-flush marker
    /// without a context, for a hibernating stream whose tail admits it;
    /// `output` is at least the bound long.
    fn send_stored(&mut self, input: &[u8], output: &mut [u8]) -> usize {
        let mut off = 0;
        if !self.started {
            output[..2].copy_from_slice(&zlib_header(self.params));
            off = 2;
        }
        if !input.is_empty() {
            // A flushed stream sits on a byte boundary, so the block header
            // (BFINAL 0, BTYPE 00) and its padding take one zero byte. The
            // tail admits at most SMALL_SEND_MAX bytes, so LEN fits.
            let len = input.len() as u16;
            output[off] = 0;
            output[off + 1..off + 3].copy_from_slice(&len.to_le_bytes());
            output[off + 3..off + 5].copy_from_slice(&(!len).to_le_bytes());
            output[off + 5..off + 5 + input.len()].copy_from_slice(input);
            off += 5 + input.len();
        }
        output[off..off + 5].copy_from_slice(&EMPTY_STORED_BLOCK);
        self.tail.push(input);
        self.started = true;
        off + 5
    }

    fn fail(&mut self) -> Error {
        self.broken = true;
        self.worker = None;
        Error::Broken
    }
}

/// zlib_header is the two-byte RFC 1950 header deflateInit2 would write for
/// `p`: CM 8, CINFO windowBits−8, FLEVEL from the level, FCHECK.
fn zlib_header(p: ZlibParams) -> [u8; 2] {
    let cmf = 8 | ((p.window_bits - 8) << 4) as u16;
    let flevel: u16 = match p.level {
        0 | 1 => 0,
        2..=5 => 1,
        6 => 2,
        _ => 3,
    };
    let mut h = (cmf << 8) | (flevel << 6);
    h += 31 - h % 31;
    h.to_be_bytes()
}

/// bound is the most one message can take: the data term of zlib's
/// conservative deflateBound, the zlib header, the sync flush and slack.
fn bound(len: usize) -> usize {
    len + len.div_ceil(8) + len.div_ceil(64) + 5 + 2 + 6 + 8
}

/// deflate_sync compresses `input` with a sync flush into `output`, which
/// is at least the bound long.
fn deflate_sync(d: &mut Deflate, input: &[u8], output: &mut [u8]) -> Result<usize, Error> {
    let (in0, out0) = (d.total_in(), d.total_out());
    let (mut read, mut written) = (0usize, 0usize);
    loop {
        d.compress(
            &input[read..],
            &mut output[written..],
            DeflateFlush::SyncFlush,
        )
        .map_err(|_| Error::Broken)?;
        let before = (read, written);
        read = (d.total_in() - in0) as usize;
        written = (d.total_out() - out0) as usize;
        if written == output.len() || (read, written) == before && read < input.len() {
            // Out of room despite the bound, or no progress: part of the
            // message may be stuck in the state.
            return Err(Error::Broken);
        }
        if read == input.len() {
            return Ok(written);
        }
    }
}

impl CompactStream for CompactZlib {
    type Pool = ZlibPool;

    fn bound(&self, input_len: usize) -> Result<usize, Error> {
        check_input(input_len)?;
        Ok(bound(input_len))
    }

    fn compress(
        &mut self,
        pool: &mut ZlibPool,
        input: &[u8],
        output: &mut [u8],
    ) -> Result<usize, Error> {
        if self.broken {
            return Err(Error::Broken);
        }
        check_output(self.bound(input.len())?, output.len())?;
        if pool.params != self.params {
            return Err(Error::InvalidParameter(
                "pool made for other zlib parameters",
            ));
        }
        if self.worker.is_none() && self.tail.admits(input.len(), self.tail_room()) {
            return Ok(self.send_stored(input, output));
        }
        if self.worker.is_none() {
            if let Err(e) = self.wake(pool) {
                self.broken = true;
                return Err(e);
            }
        }
        let mut off = 0;
        if !self.started {
            output[..2].copy_from_slice(&zlib_header(self.params));
            off = 2;
        }
        let w = self.worker.as_mut().ok_or(Error::Broken)?;
        let n = match deflate_sync(&mut w.deflate, input, &mut output[off..]) {
            Ok(n) => n,
            Err(_) => return Err(self.fail()),
        };
        w.history.push(input);
        self.started = true;
        if n == 0 {
            // zlib skips a sync flush that follows another with nothing in
            // between; the client still needs `00 00 ff ff` to end the
            // message, and the stream is byte-aligned, so write it here.
            output[off..off + 5].copy_from_slice(&EMPTY_STORED_BLOCK);
            return Ok(off + 5);
        }
        Ok(off + n)
    }

    fn hibernate(&mut self, pool: &mut ZlibPool) -> Result<(), Error> {
        if self.broken {
            return Err(Error::Broken);
        }
        if pool.params != self.params {
            return Err(Error::InvalidParameter(
                "pool made for other zlib parameters",
            ));
        }
        let Some(w) = self.worker.take() else {
            return Ok(());
        };
        w.history.copy_into(&mut pool.window);
        // The packed window leaves room for the tail a hibernating stream
        // may then fill.
        let budget = Self::idle_budget() - TAIL_RESERVE;
        match pool.packer.pack(&pool.window, budget) {
            Ok(r) => {
                self.retained = r;
                pool.give(w);
                Ok(())
            }
            Err(e) => {
                // Packing failed; stay active, nothing is lost.
                self.worker = Some(w);
                Err(e)
            }
        }
    }

    fn release(&mut self, pool: &mut ZlibPool) {
        self.broken = true;
        self.retained = Retained::default();
        self.tail.clear();
        if let Some(w) = self.worker.take() {
            if pool.params == self.params {
                pool.give(w);
            }
        }
    }

    fn hibernating(&self) -> bool {
        self.worker.is_none()
    }

    fn state_bytes(&self) -> usize {
        core::mem::size_of::<Self>()
            + self.retained.heap_bytes()
            + self.tail.heap_bytes()
            + self
                .worker
                .as_ref()
                .map_or(0, |_| worker_bytes(self.params))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_matches_what_zlib_writes() {
        // deflateInit2 at windowBits 15: level 1 → 78 01, 6 → 78 9c, 9 → 78 da.
        let at = |level, window_bits| {
            zlib_header(ZlibParams {
                level,
                window_bits,
                mem_level: 8,
            })
        };
        assert_eq!(at(1, 15), [0x78, 0x01]);
        assert_eq!(at(6, 15), [0x78, 0x9c]);
        assert_eq!(at(9, 15), [0x78, 0xda]);
        assert_eq!(at(6, 9)[0], 0x18);
        for l in 0..=9 {
            for wb in 9..=15 {
                let h = at(l, wb);
                assert_eq!(u16::from_be_bytes(h) % 31, 0, "level {l} wb {wb}");
            }
        }
    }

    #[test]
    fn pool_keeps_at_most_max_idle_contexts() {
        let mut pool = ZlibPool::new(ZlibParams::default(), 2).unwrap();
        let ws: Vec<_> = (0..3).map(|_| pool.take()).collect();
        for w in ws {
            pool.give(w);
        }
        assert_eq!(pool.idle_contexts(), 2);
    }
}
