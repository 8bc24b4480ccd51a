//! Huffman coding of literals as zstd uses it (RFC 8878 §4.2): code
//! lengths limited to 11 bits, the tree description (direct 4-bit weights or
//! FSE-compressed weights), and 1- or 4-stream encoding.

use super::bits::BitWriter;
use super::fse::{self, FseTable};

/// MAX_BITS is the longest code the format allows.
pub(crate) const MAX_BITS: u32 = 11;

/// MAX_WEIGHT_LOG is the largest accuracy log for FSE-compressed weights.
const MAX_WEIGHT_LOG: u32 = 6;

/// HufTable is a canonical Huffman code over byte values.
#[derive(Clone)]
pub(crate) struct HufTable {
    pub(crate) lens: [u8; 256],
    codes: [u16; 256],
    pub(crate) max_bits: u32,
    /// last is the highest symbol with a code; its weight is implied.
    last: usize,
}

impl HufTable {
    /// build makes a length-limited Huffman code for `counts`, or None when
    /// fewer than two symbols occur (a single symbol is an RLE block).
    pub(crate) fn build(counts: &[u32; 256]) -> Option<Self> {
        // Every array is on the stack: a table is built for nearly every
        // block, and small blocks are the common case.
        // syms packs (count, symbol) into one key so sorting compares
        // integers; counts fit 24 bits (blocks are at most 128 KiB).
        let mut syms = [0u32; 256];
        let mut n = 0;
        for (s, &c) in counts.iter().enumerate() {
            if c > 0 {
                syms[n] = c << 8 | s as u32;
                n += 1;
            }
        }
        if n < 2 {
            return None;
        }
        let syms = &mut syms[..n];
        syms.sort_unstable();
        // Two-queue Huffman: leaves sorted by count, internal nodes made in
        // increasing weight order.
        let mut weight = [0u32; 511];
        for (w, &k) in weight.iter_mut().zip(syms.iter()) {
            *w = k >> 8;
        }
        let mut parent = [0u16; 511];
        let (mut leaf, mut node, mut made) = (0usize, n, n);
        for _ in 0..n - 1 {
            let mut pick = || {
                if leaf < n && (node >= made || weight[leaf] <= weight[node]) {
                    leaf += 1;
                    leaf - 1
                } else {
                    node += 1;
                    node - 1
                }
            };
            let (a, b) = (pick(), pick());
            weight[made] = weight[a] + weight[b];
            parent[a] = made as u16;
            parent[b] = made as u16;
            made += 1;
        }
        let root = 2 * n - 2;
        let mut depth = [0u8; 511];
        for i in (0..root).rev() {
            depth[i] = depth[parent[i] as usize].saturating_add(1);
        }
        let mut lens = [0u8; 256];
        for (i, &k) in syms.iter().enumerate() {
            lens[(k & 0xff) as usize] = depth[i];
        }
        limit_lengths(&mut lens, syms);
        let mut t = HufTable {
            lens,
            codes: [0; 256],
            max_bits: 0,
            last: 0,
        };
        t.assign_codes();
        Some(t)
    }

    /// assign_codes numbers the codes the way decoders rebuild them from
    /// weights: by increasing weight (decreasing length), then by symbol.
    fn assign_codes(&mut self) {
        let coded = coded(&self.lens);
        let mut per_len = [0u32; 16];
        for_each(coded, |s| per_len[self.lens[s] as usize] += 1);
        self.max_bits = per_len[1..]
            .iter()
            .rposition(|&c| c > 0)
            .map_or(0, |i| i as u32 + 1);
        self.last = last(coded);
        // next[len] is the running index (in units of the longest code)
        // of the next code of that length.
        let mut next = [0u32; 16];
        let mut idx = 0u32;
        for w in 1..=self.max_bits {
            let len = (self.max_bits + 1 - w) as usize;
            next[len] = idx;
            idx += per_len[len] << (w - 1);
        }
        debug_assert_eq!(idx, 1 << self.max_bits, "code is not complete");
        let (lens, codes, max_bits) = (&self.lens, &mut self.codes, self.max_bits);
        for_each(coded, |s| {
            let l = lens[s] as usize;
            let w = max_bits + 1 - l as u32;
            codes[s] = (next[l] >> (w - 1)) as u16;
            next[l] += 1 << (w - 1);
        });
    }

    /// covers says whether every counted symbol has a code (so the table
    /// can be reused for a treeless literals block).
    pub(crate) fn covers(&self, counts: &[u32; 256]) -> bool {
        // A fold rather than `all`: no early exit, so it vectorises.
        counts
            .iter()
            .zip(self.lens.iter())
            .fold(true, |ok, (&c, &l)| ok & (c == 0 || l > 0))
    }

    /// bits is the exact size of `counts` encoded with this table.
    pub(crate) fn bits(&self, counts: &[u32; 256]) -> u64 {
        counts
            .iter()
            .zip(self.lens.iter())
            .map(|(&c, &l)| c as u64 * l as u64)
            .sum()
    }

    /// write_description appends the tree description, choosing the shorter
    /// of FSE-compressed and direct weights. It returns false (and appends
    /// nothing) when neither can describe the table.
    pub(crate) fn write_description(&self, out: &mut Vec<u8>) -> bool {
        let n = self.last; // weights written: symbols 0..last
        let mut weights = [0u8; 256];
        // counts[w] is how many of the written weights are w.
        let mut counts = [0u32; 13];
        let mut below = coded(&self.lens);
        below[n / 64] &= (1u64 << (n % 64)) - 1;
        below[n / 64 + 1..].fill(0);
        for_each(below, |s| {
            let w = (self.max_bits + 1 - self.lens[s] as u32) as u8;
            weights[s] = w;
            counts[w as usize] += 1;
        });
        counts[0] = n as u32 - counts.iter().sum::<u32>();
        let weights = &weights[..n];
        let start = out.len();
        let fse_ok = write_fse_weights(weights, &counts, out);
        let fse_len = out.len() - start;
        let direct_len = 1 + n.div_ceil(2);
        if n <= 128 && (!fse_ok || direct_len <= fse_len) {
            out.truncate(start);
            out.push((127 + n) as u8);
            for pair in weights.chunks(2) {
                out.push((pair[0] << 4) | pair.get(1).copied().unwrap_or(0));
            }
            return true;
        }
        if !fse_ok {
            out.truncate(start);
        }
        fse_ok
    }

    /// encode appends one stream holding `lits`: written last symbol first,
    /// since decoders read the stream backward.
    pub(crate) fn encode(&self, lits: &[u8], out: &mut Vec<u8>) {
        let mut w = BitWriter::new(out);
        for &b in lits.iter().rev() {
            w.add(self.codes[b as usize] as u64, self.lens[b as usize] as u32);
        }
        w.close();
    }

    /// encode4 appends the jump table and four streams, each holding a
    /// quarter of `lits` (the last one the remainder). It returns false if
    /// a stream is too long for the 16-bit jump table.
    pub(crate) fn encode4(&self, lits: &[u8], out: &mut Vec<u8>) -> bool {
        let seg = lits.len().div_ceil(4);
        let jump = out.len();
        out.extend_from_slice(&[0; 6]);
        let mut sizes = [0usize; 3];
        for (i, part) in lits.chunks(seg).enumerate() {
            let before = out.len();
            self.encode(part, out);
            if i < 3 {
                sizes[i] = out.len() - before;
            }
        }
        for (i, &s) in sizes.iter().enumerate() {
            let Ok(s) = u16::try_from(s) else {
                return false;
            };
            out[jump + 2 * i..jump + 2 * i + 2].copy_from_slice(&s.to_le_bytes());
        }
        true
    }
}

/// coded is the set of symbols with a code (a length), one bit each. The
/// passes over a table visit these few symbols instead of all 256: a
/// count kept per length or weight would otherwise be bumped once per
/// absent symbol, each bump waiting for the one before.
fn coded(lens: &[u8; 256]) -> [u64; 4] {
    let mut set = [0u64; 4];
    for (m, chunk) in set.iter_mut().zip(lens.chunks_exact(64)) {
        *m = chunk
            .iter()
            .enumerate()
            .fold(0u64, |m, (j, &l)| m | u64::from(l != 0) << j);
    }
    set
}

/// for_each calls `f` with each symbol of `set`, in increasing order.
#[inline]
fn for_each(set: [u64; 4], mut f: impl FnMut(usize)) {
    for (c, mut m) in set.into_iter().enumerate() {
        while m != 0 {
            f(c * 64 + m.trailing_zeros() as usize);
            m &= m - 1;
        }
    }
}

/// last is the highest symbol of `set` (0 when it is empty).
fn last(set: [u64; 4]) -> usize {
    set.iter()
        .rposition(|&m| m != 0)
        .map_or(0, |c| c * 64 + 63 - set[c].leading_zeros() as usize)
}

/// limit_lengths caps code lengths at MAX_BITS and repairs the Kraft sum so
/// the code stays complete, as the format requires: first lengthening the
/// rarest codes until the code fits, then shortening the most frequent
/// codes that can take it until no room is left. `syms` is sorted by count.
fn limit_lengths(lens: &mut [u8; 256], syms: &[u32]) {
    let max = MAX_BITS as u8;
    if syms.iter().all(|&k| lens[(k & 0xff) as usize] <= max) {
        return;
    }
    let cap = 1i64 << MAX_BITS;
    let mut kraft = 0i64;
    for &k in syms {
        let l = &mut lens[(k & 0xff) as usize];
        *l = (*l).min(max);
        kraft += 1 << (max - *l);
    }
    // Over-full: lengthen, rarest symbols first.
    while kraft > cap {
        for &k in syms {
            let l = &mut lens[(k & 0xff) as usize];
            if *l < max && kraft > cap {
                *l += 1;
                kraft -= 1 << (max - *l);
            }
        }
    }
    // Under-full: shorten, most frequent first, where the gain fits.
    while kraft < cap {
        let room = cap - kraft;
        let pick = syms
            .iter()
            .rev()
            .map(|&k| (k & 0xff) as usize)
            .find(|&s| lens[s] > 1 && (1i64 << (max - lens[s])) <= room)
            .expect("a complete code can always be reached");
        kraft += 1 << (max - lens[pick]);
        lens[pick] -= 1;
    }
}

thread_local! {
    /// WEIGHT_TABLE is the FSE table for Huffman weights, rebuilt in place
    /// for each description so describing a tree allocates nothing.
    static WEIGHT_TABLE: core::cell::RefCell<FseTable> = core::cell::RefCell::default();
}

/// write_fse_weights appends the FSE-compressed form of `weights`: a header
/// byte with the compressed size, the table description and a two-state
/// FSE stream. It returns false when the weights cannot be written so.
/// `counts` are how many of the weights are each value.
fn write_fse_weights(weights: &[u8], counts: &[u32; 13], out: &mut Vec<u8>) -> bool {
    let n = weights.len();
    if n <= 2 {
        return false;
    }
    let max_w = counts.iter().rposition(|&c| c > 0).unwrap_or(0);
    if counts.iter().filter(|&&c| c > 0).count() < 2 {
        return false;
    }
    let log = fse::optimal_log(MAX_WEIGHT_LOG, n as u32, max_w as u32);
    let mut norm = [0i16; 13];
    let norm = &mut norm[..=max_w];
    if !fse::normalize(&counts[..=max_w], n as u32, log, norm) {
        return false;
    }
    let start = out.len();
    out.push(0);
    fse::write_ncount(norm, log, out);
    WEIGHT_TABLE.with_borrow_mut(|table| {
        table.build(norm, log);
        let mut w = BitWriter::new(out);
        // Symbol i is decoded by state 1 when i is even, state 2 when odd;
        // each state starts on the last symbol it decodes.
        let mut states: [Option<u32>; 2] = [None, None];
        for i in (0..n).rev() {
            let which = i & 1;
            match states[which].as_mut() {
                None => states[which] = Some(table.init(weights[i])),
                Some(st) => table.encode(&mut w, st, weights[i]),
            }
        }
        table.flush(&mut w, states[1].expect("n > 2"));
        table.flush(&mut w, states[0].expect("n > 2"));
        w.close();
    });
    let size = out.len() - start - 1;
    if size >= 128 {
        return false;
    }
    out[start] = size as u8;
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kraft(t: &HufTable) -> u64 {
        t.lens
            .iter()
            .filter(|&&l| l > 0)
            .map(|&l| 1u64 << (t.max_bits - l as u32))
            .sum()
    }

    #[test]
    fn codes_are_complete_and_limited() {
        // Fibonacci counts force a deep tree.
        let mut counts = [0u32; 256];
        let (mut a, mut b) = (1u32, 1u32);
        for c in counts.iter_mut().take(30) {
            *c = a;
            (a, b) = (b, a.saturating_add(b));
        }
        let t = HufTable::build(&counts).unwrap();
        assert!(t.max_bits <= MAX_BITS);
        assert_eq!(kraft(&t), 1 << t.max_bits);
        let mut plain = [0u32; 256];
        for (i, c) in plain.iter_mut().enumerate() {
            *c = 1 + (i as u32 * 7919) % 101;
        }
        let t = HufTable::build(&plain).unwrap();
        assert_eq!(kraft(&t), 1 << t.max_bits);
    }

    #[test]
    fn rfc_example_codes() {
        // RFC 8878 §4.2.1.3: weights 4,3,2,0,1,1 → 1, 01, 001, -, 0000, 0001.
        let mut t = HufTable {
            lens: [0; 256],
            codes: [0; 256],
            max_bits: 0,
            last: 0,
        };
        t.lens[..6].copy_from_slice(&[1, 2, 3, 0, 4, 4]);
        t.assign_codes();
        assert_eq!(&t.codes[..6], &[1, 1, 1, 0, 0, 1]);
    }

    #[test]
    fn one_symbol_is_not_a_tree() {
        let mut counts = [0u32; 256];
        counts[b'a' as usize] = 10;
        assert!(HufTable::build(&counts).is_none());
    }
}
