//! Compact `compress=zstd-stream`: one zstd frame per connection, written
//! by our own block encoder (RFC 8878), whose whole per-connection state
//! can be detached between messages.
//!
//! libzstd cannot continue a frame from a detached state: its decoder-side
//! state (window, three repeat offsets, entropy tables of the previous
//! block) lives inside its context. Our encoder keeps exactly what a
//! decoder keeps, so a hibernating stream needs only its recent plaintext
//! (packed), its three repeat offsets, and whether the frame header has
//! gone out. A woken stream never reuses the previous block's entropy
//! tables (no treeless literals, no repeat-mode sequence tables) until it
//! has sent tables of its own, because it no longer knows them.
//!
//! A hibernating stream sends a small message as a raw block inside the
//! frame, without a context: raw blocks change neither the repeat offsets
//! nor the entropy tables a decoder keeps (see `tail.rs`).

mod bits;
mod encoder;
mod fse;
mod huf;
mod lit;
mod matcher;
mod seq;

use super::pack::{Packer, Retained};
use super::tail::{Tail, SMALL_SEND_MAX, TAIL_RESERVE};
use super::{CompactStream, DEFAULT_MAX_IDLE_CONTEXTS, HANDLE_ALLOWANCE, IDLE_STATE_LIMIT};
use crate::compress::{check_input, check_output, Error, ZstdParams};
use encoder::{block_header, frame_header, Encoder, Priming, INITIAL_REPS, PACKED_PRIMING};
use matcher::MatchParams;

/// RETAIN is the most recent plaintext a hibernating stream tries to keep;
/// the packer keeps a shorter tail when this does not fit the idle budget
/// (on the corpus about 100–110 KiB fits, packed with zstd level 1). The
/// longer the retained window, the closer a woken stream compresses to one
/// that never slept: on the corpus a 64 KiB window costs +19% bytes against
/// the full 256 KiB one, 128 KiB +8%.
const RETAIN: usize = 128 * 1024;

/// WINDOWED_PRIMING indexes the whole window a windowed stream is given on
/// waking (256 KiB at Discord's settings): head table only before the last
/// 16 KiB, every 8th position. On the corpus at "1 in 20" that is +2.7%
/// bytes against libzstd's full stream where chained every 4th gives
/// −0.1%, for about half the waking time (86 against 190 µs a wake).
const WINDOWED_PRIMING: Priming = Priming {
    dense: 16 * 1024,
    stride: 8,
    chained: false,
};

/// POOL_OUT_KEEP is the largest output buffer a pool keeps between
/// messages.
const POOL_OUT_KEEP: usize = 1 << 20;

/// DEFAULT_WINDOW_LOG, DEFAULT_HASH_LOG and DEFAULT_CHAIN_LOG stand in for
/// zeros in ZstdParams: Discord's production window and table sizes.
const DEFAULT_WINDOW_LOG: u32 = 18;
const DEFAULT_HASH_LOG: u32 = 16;
const DEFAULT_CHAIN_LOG: u32 = 16;

/// match_params maps a zstd level and table sizes to our finder's effort.
fn match_params(p: ZstdParams) -> MatchParams {
    let or = |v: u32, d: u32| if v == 0 { d } else { v };
    let (search, lazy, target) = match p.level {
        i32::MIN..=2 => (4, 0, 32),
        3..=4 => (6, 1, 48),
        5..=6 => (8, 1, 64),
        7..=9 => (16, 2, 128),
        _ => (32, 2, 256),
    };
    MatchParams {
        hash_log: or(p.hash_log, DEFAULT_HASH_LOG).clamp(10, 24),
        // The chain spans the whole window: libzstd's row match finder
        // reaches every position of its window whatever its chainLog, and
        // on gateway traffic the matches 64–256 KiB back are worth 20% of
        // the output (measured on the corpus: chain log 16 gave +18% bytes
        // against libzstd, 18 gave −1.7%).
        chain_log: or(p.chain_log, DEFAULT_CHAIN_LOG)
            .max(window_log(p))
            .clamp(10, 24),
        search,
        target,
        lazy,
    }
}

fn window_log(p: ZstdParams) -> u32 {
    if p.window_log == 0 {
        DEFAULT_WINDOW_LOG
    } else {
        p.window_log
    }
}

/// ZstdPool holds the working contexts of the compact zstd streams of one
/// owner (an event loop), plus the packer hibernating streams use.
///
/// It is `Send` but not `Sync`: one owner at a time.
pub struct ZstdPool {
    params: ZstdParams,
    // Boxed so that handing a context between pool and stream moves a
    // pointer, not the encoder's several hundred bytes of fields.
    #[allow(clippy::vec_box)]
    idle: Vec<Box<Encoder>>,
    max_idle: usize,
    packer: Packer,
    window: Vec<u8>,
    out: Vec<u8>,
}

impl ZstdPool {
    /// new makes an empty pool for streams with `params` (level and table
    /// logs as for ZstdStream; the window log is the frame's window) that
    /// keeps up to `max_idle` contexts for reuse (0: the default).
    pub fn new(params: ZstdParams, max_idle: usize) -> Result<Self, Error> {
        params.validate()?;
        Ok(ZstdPool {
            params,
            idle: Vec::new(),
            max_idle: if max_idle == 0 {
                DEFAULT_MAX_IDLE_CONTEXTS
            } else {
                max_idle
            },
            packer: Packer::default(),
            window: Vec::new(),
            out: Vec::new(),
        })
    }

    /// params are the options every stream of this pool uses.
    pub fn params(&self) -> ZstdParams {
        self.params
    }

    /// idle_contexts is how many working contexts wait in the pool.
    pub fn idle_contexts(&self) -> usize {
        self.idle.len()
    }

    /// heap_bytes is the memory the pool holds itself.
    pub fn heap_bytes(&self) -> usize {
        self.idle.iter().map(|e| e.heap_bytes()).sum::<usize>()
            + self.packer.heap_bytes()
            + self.window.capacity()
            + self.out.capacity()
    }

    fn take(&mut self) -> Box<Encoder> {
        self.idle.pop().unwrap_or_else(|| {
            Box::new(Encoder::new(
                window_log(self.params),
                match_params(self.params),
            ))
        })
    }

    fn give(&mut self, e: Box<Encoder>) {
        if self.idle.len() < self.max_idle {
            self.idle.push(e);
        }
    }
}

/// CompactZstd is one connection's compact zstd-stream.
///
/// It is `Send` but not `Sync`; use it with a pool made with the same
/// parameters, by the pool's owner.
pub struct CompactZstd {
    params: ZstdParams,
    worker: Option<Box<Encoder>>,
    retained: Retained,
    /// tail is what the stream sent as raw blocks while hibernating, after
    /// the retained window.
    tail: Tail,
    /// reps are the decoder's repeat offsets while hibernating.
    reps: [u32; 3],
    /// started: the frame header has been sent.
    started: bool,
    /// windowed: hibernating keeps no plaintext; whoever wakes the stream
    /// gives it the window (`compress_windowed`).
    windowed: bool,
    broken: bool,
}

impl CompactZstd {
    /// new makes a stream for `pool`'s parameters, holding no context.
    pub fn new(pool: &ZstdPool) -> Self {
        CompactZstd {
            params: pool.params,
            worker: None,
            retained: Retained::default(),
            tail: Tail::default(),
            reps: INITIAL_REPS,
            started: false,
            windowed: false,
            broken: false,
        }
    }

    /// new_windowed makes a stream that keeps no plaintext while it
    /// hibernates: only its repeat offsets and whether the header went out
    /// (under 200 bytes). Whoever wakes it passes the window to
    /// `compress_windowed`: the exact last bytes of plaintext the stream has
    /// compressed, as much of them as it has, up to the frame's window (a
    /// gateway rebuilds them from the payloads it keeps for Resume). A
    /// window that is not exactly a suffix of what the stream compressed
    /// breaks the client's stream; a shorter one only costs ratio. Small
    /// messages sent while hibernating join no tail: they are part of what
    /// the caller gives back.
    pub fn new_windowed(pool: &ZstdPool) -> Self {
        CompactZstd {
            windowed: true,
            ..Self::new(pool)
        }
    }

    /// windowed reports whether the stream was made by `new_windowed`.
    pub fn windowed(&self) -> bool {
        self.windowed
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
    /// tail sent after it (a windowed stream: with `window`) and the repeat
    /// offsets.
    fn wake(&mut self, pool: &mut ZstdPool, window: &[u8]) -> Result<(), Error> {
        let mut w = pool.take();
        if self.windowed {
            w.start(window, self.reps, WINDOWED_PRIMING);
            self.worker = Some(w);
            return Ok(());
        }
        pool.packer.unpack(&self.retained, &mut pool.window)?;
        pool.window.extend_from_slice(self.tail.bytes());
        w.start(&pool.window, self.reps, PACKED_PRIMING);
        self.retained = Retained::default();
        self.tail.clear();
        self.worker = Some(w);
        Ok(())
    }

    /// send_raw writes non-empty `input` as one raw block (after the frame
    /// header if none went out yet) without a context, for a hibernating
    /// stream whose tail admits it; `output` is at least the bound long.
    fn send_raw(&mut self, input: &[u8], output: &mut [u8]) -> usize {
        let mut off = 0;
        if !self.started {
            let h = frame_header(window_log(self.params));
            output[..h.len()].copy_from_slice(&h);
            off = h.len();
        }
        // SMALL_SEND_MAX is far below the smallest block limit (1 KiB).
        output[off..off + 3].copy_from_slice(&block_header(0, input.len()));
        output[off + 3..off + 3 + input.len()].copy_from_slice(input);
        if !self.windowed {
            self.tail.push(input);
        }
        self.started = true;
        off + 3 + input.len()
    }

    /// sends_raw says whether a hibernating stream sends a message of
    /// `len` bytes as a raw block without waking: small ones do, if a
    /// packed stream's tail has room for them.
    fn sends_raw(&self, len: usize) -> bool {
        if self.windowed {
            len <= SMALL_SEND_MAX
        } else {
            self.tail.admits(len, self.tail_room())
        }
    }

    /// compress_windowed is `compress` for a windowed stream: `window` primes
    /// the context if the stream wakes (see `new_windowed`; only its last
    /// 2^windowLog bytes are used) and is ignored otherwise, and by streams
    /// made with `new`.
    pub fn compress_windowed(
        &mut self,
        pool: &mut ZstdPool,
        window: &[u8],
        input: &[u8],
        output: &mut [u8],
    ) -> Result<usize, Error> {
        if self.broken {
            return Err(Error::Broken);
        }
        check_output(self.bound(input.len())?, output.len())?;
        if pool.params != self.params {
            return Err(Error::InvalidParameter(
                "pool made for other zstd parameters",
            ));
        }
        if input.is_empty() {
            // Nothing to flush: a decoder given nothing gives nothing back.
            return Ok(0);
        }
        if self.worker.is_none() && self.sends_raw(input.len()) {
            return Ok(self.send_raw(input, output));
        }
        if self.worker.is_none() {
            if let Err(e) = self.wake(pool, window) {
                self.broken = true;
                return Err(e);
            }
        }
        let w = self.worker.as_mut().ok_or(Error::Broken)?;
        pool.out.clear();
        if let Err(e) = w.compress(input, !self.started, &mut pool.out) {
            self.broken = true;
            self.worker = None;
            return Err(e);
        }
        let n = pool.out.len();
        if n > output.len() {
            self.broken = true;
            self.worker = None;
            return Err(Error::Broken);
        }
        output[..n].copy_from_slice(&pool.out);
        if pool.out.capacity() > POOL_OUT_KEEP {
            // One huge message must not pin its output buffer for good.
            pool.out = Vec::new();
        }
        self.started = true;
        Ok(n)
    }
}

impl CompactStream for CompactZstd {
    type Pool = ZstdPool;

    fn bound(&self, input_len: usize) -> Result<usize, Error> {
        check_input(input_len)?;
        Ok(Encoder::bound(input_len, window_log(self.params)))
    }

    fn compress(
        &mut self,
        pool: &mut ZstdPool,
        input: &[u8],
        output: &mut [u8],
    ) -> Result<usize, Error> {
        self.compress_windowed(pool, &[], input, output)
    }

    fn hibernate(&mut self, pool: &mut ZstdPool) -> Result<(), Error> {
        if self.broken {
            return Err(Error::Broken);
        }
        if pool.params != self.params {
            return Err(Error::InvalidParameter(
                "pool made for other zstd parameters",
            ));
        }
        let Some(w) = self.worker.take() else {
            return Ok(());
        };
        if self.windowed {
            self.reps = w.reps;
            pool.give(w);
            return Ok(());
        }
        // The packed window leaves room for the tail a hibernating stream
        // may then fill.
        let budget = Self::idle_budget() - TAIL_RESERVE;
        match pool.packer.pack(w.recent(RETAIN), budget) {
            Ok(r) => {
                self.retained = r;
                self.reps = w.reps;
                pool.give(w);
                Ok(())
            }
            Err(e) => {
                self.worker = Some(w);
                Err(e)
            }
        }
    }

    fn release(&mut self, pool: &mut ZstdPool) {
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
            + self.worker.as_ref().map_or(0, |w| w.heap_bytes())
    }
}
