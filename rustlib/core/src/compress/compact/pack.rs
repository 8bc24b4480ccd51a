//! Packing a hibernating stream's recent plaintext into its idle budget.

use super::super::Error;
use zstd_safe::{CCtx, CParameter, DCtx};

/// PACK_LEVEL is the zstd level windows are packed at. On the benchmark
/// corpus level 1 packs a 64 KiB window to about 10 KiB, within 7% of
/// level 6, at a quarter of the cost; packing runs once per idle period on
/// the event loop. (Raw deflate at level 1, tried first, packed 32 KiB
/// windows 40% larger and took longer to pack and unpack.)
const PACK_LEVEL: i32 = 1;

/// PACK_TRIES bounds how often pack shrinks the window to fit the budget
/// before it falls back to keeping a plain tail.
const PACK_TRIES: usize = 3;

/// Retained is the plaintext a hibernating stream keeps: the last
/// `raw_len` bytes it compressed, packed as one zstd frame or stored plain.
#[derive(Default)]
pub(super) struct Retained {
    bytes: Box<[u8]>,
    raw_len: usize,
    packed: bool,
}

impl Retained {
    /// heap_bytes is the memory the retained window occupies.
    pub(super) fn heap_bytes(&self) -> usize {
        self.bytes.len()
    }

    /// raw_len is how many plaintext bytes come back out of it.
    pub(super) fn raw_len(&self) -> usize {
        self.raw_len
    }
}

/// Packer compresses and restores retained windows. Its libzstd contexts
/// are made on first use and reused; a pool owns one.
#[derive(Default)]
pub(super) struct Packer {
    cctx: Option<CCtx<'static>>,
    dctx: Option<DCtx<'static>>,
    scratch: Vec<u8>,
    /// last_ratio is how well the last packed window packed (raw ÷ packed).
    last_ratio: Option<f64>,
}

impl Packer {
    /// pack keeps as long a tail of `window` as fits in `budget` bytes once
    /// packed (or stored plain, when packing does not pay). The tail is
    /// what decides the ratio after waking, so it tries the whole window
    /// (or what fitted last time), then shorter tails sized from how well
    /// the last try packed.
    pub(super) fn pack(&mut self, window: &[u8], budget: usize) -> Result<Retained, Error> {
        let mut take = window.len();
        if take == 0 {
            return Ok(Retained::default());
        }
        if let Some(ratio) = self.last_ratio {
            // Most windows of one pool's streams pack alike, so starting
            // from what fitted last time usually saves a pass that would
            // not fit.
            take = take.min(((budget as f64 * ratio) as usize).max(budget));
        }
        for _ in 0..PACK_TRIES {
            let tail = &window[window.len() - take..];
            match self.try_pack(tail, budget)? {
                Fit::Packed(n) if n < tail.len() => {
                    self.last_ratio = Some(tail.len() as f64 / n.max(1) as f64);
                    return Ok(Retained {
                        bytes: self.scratch[..n].into(),
                        raw_len: tail.len(),
                        packed: true,
                    });
                }
                Fit::Packed(_) => break,
                Fit::TooBig { fits } => {
                    // Aim a little under the estimate: the tail may pack
                    // worse than the whole.
                    let guess = fits - fits / 16;
                    if guess <= budget {
                        break;
                    }
                    take = guess.min(take - 1);
                }
            }
        }
        let tail = &window[window.len() - take.min(budget)..];
        Ok(Retained {
            bytes: tail.into(),
            raw_len: tail.len(),
            packed: false,
        })
    }

    /// try_pack packs `tail` whole into the scratch buffer and says whether
    /// it fitted the budget.
    fn try_pack(&mut self, tail: &[u8], budget: usize) -> Result<Fit, Error> {
        if self.cctx.is_none() {
            let mut c = CCtx::try_create().ok_or(Error::OutOfMemory)?;
            c.set_parameter(CParameter::CompressionLevel(PACK_LEVEL))
                .map_err(|_| Error::Broken)?;
            self.cctx = Some(c);
        }
        let c = self.cctx.as_mut().ok_or(Error::Broken)?;
        self.scratch.clear();
        self.scratch
            .resize(zstd_safe::compress_bound(tail.len()), 0);
        let n = c
            .compress2(&mut self.scratch[..], tail)
            .map_err(|_| Error::Broken)?;
        if n <= budget {
            return Ok(Fit::Packed(n));
        }
        // The tail that would fit, if it packs as well as the whole did.
        Ok(Fit::TooBig {
            fits: (tail.len() as u64 * budget as u64 / n as u64) as usize,
        })
    }

    /// unpack restores `r` into `out` (replacing its contents).
    pub(super) fn unpack(&mut self, r: &Retained, out: &mut Vec<u8>) -> Result<(), Error> {
        out.clear();
        if !r.packed {
            out.extend_from_slice(&r.bytes);
            return Ok(());
        }
        out.resize(r.raw_len, 0);
        if self.dctx.is_none() {
            self.dctx = Some(DCtx::try_create().ok_or(Error::OutOfMemory)?);
        }
        let d = self.dctx.as_mut().ok_or(Error::Broken)?;
        match d.decompress(&mut out[..], &r.bytes) {
            Ok(n) if n == r.raw_len => Ok(()),
            _ => Err(Error::Broken),
        }
    }

    /// heap_bytes is what the packer holds: its libzstd contexts once made
    /// (ZSTD_sizeof_CCtx / _DCtx) and its scratch buffer.
    pub(super) fn heap_bytes(&self) -> usize {
        self.cctx.as_ref().map_or(0, |c| c.sizeof())
            + self.dctx.as_ref().map_or(0, |d| d.sizeof())
            + self.scratch.capacity()
    }
}

/// Fit is how one packing attempt went.
enum Fit {
    /// Packed: the tail packed into this many bytes.
    Packed(usize),
    /// TooBig: the tail packed past the budget; about `fits` bytes of it
    /// would have fitted.
    TooBig { fits: usize },
}

#[cfg(test)]
mod tests {
    use super::*;

    fn noise(n: usize, seed: u64) -> Vec<u8> {
        let mut x = seed | 1;
        (0..n)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x as u8
            })
            .collect()
    }

    fn text(n: usize) -> Vec<u8> {
        let mut v = Vec::new();
        let mut i = 0u64;
        while v.len() < n {
            v.extend_from_slice(
                format!("{{\"id\":\"{}\",\"name\":\"user{}\"}},", i * 7919, i % 97).as_bytes(),
            );
            i += 1;
        }
        v.truncate(n);
        v
    }

    #[test]
    fn compressible_window_is_kept_whole_and_comes_back() {
        let mut p = Packer::default();
        let w = text(32 * 1024);
        let r = p.pack(&w, 15 * 1024).unwrap();
        assert!(r.packed && r.raw_len == w.len(), "raw_len {}", r.raw_len);
        assert!(r.heap_bytes() <= 15 * 1024);
        let mut out = Vec::new();
        p.unpack(&r, &mut out).unwrap();
        assert_eq!(out, w);
    }

    #[test]
    fn incompressible_window_keeps_a_tail_within_budget() {
        let mut p = Packer::default();
        let w = noise(40 * 1024, 3);
        let r = p.pack(&w, 10_000).unwrap();
        assert!(r.heap_bytes() <= 10_000, "{}", r.heap_bytes());
        assert!(r.raw_len() > 0 && r.raw_len() <= 10_000);
        let mut out = Vec::new();
        p.unpack(&r, &mut out).unwrap();
        assert_eq!(out, &w[w.len() - r.raw_len()..]);
    }

    #[test]
    fn half_compressible_window_shrinks_to_fit() {
        let mut p = Packer::default();
        let mut w = text(20 * 1024);
        w.extend(noise(12 * 1024, 5));
        w.extend(text(16 * 1024));
        let r = p.pack(&w, 12 * 1024).unwrap();
        assert!(r.heap_bytes() <= 12 * 1024);
        assert!(r.raw_len() >= 12 * 1024, "kept only {}", r.raw_len());
        let mut out = Vec::new();
        p.unpack(&r, &mut out).unwrap();
        assert_eq!(out, &w[w.len() - r.raw_len()..]);
    }

    #[test]
    fn a_learned_ratio_never_keeps_less_than_fits() {
        // After a well-packing window, a poorly packing one still fits.
        let mut p = Packer::default();
        p.pack(&text(64 * 1024), 8 * 1024).unwrap();
        let w = noise(64 * 1024, 9);
        let r = p.pack(&w, 8 * 1024).unwrap();
        assert!(r.heap_bytes() <= 8 * 1024);
        let mut out = Vec::new();
        p.unpack(&r, &mut out).unwrap();
        assert_eq!(out, &w[w.len() - r.raw_len()..]);
    }

    #[test]
    fn empty_window_packs_to_nothing() {
        let mut p = Packer::default();
        let r = p.pack(&[], 100).unwrap();
        assert_eq!((r.heap_bytes(), r.raw_len()), (0, 0));
        let mut out = vec![1];
        p.unpack(&r, &mut out).unwrap();
        assert!(out.is_empty());
    }
}
