//! The sequences section of a compressed block (RFC 8878 §3.1.1.3.2):
//! literal-length, match-length and offset codes, the choice of table for
//! each (predefined, RLE, repeat or a new FSE table), and the bitstream.

use super::bits::BitWriter;
use super::fse::{self, highbit, FseTable};

/// Seq is one sequence: `lit_len` literals, then a match of `match_len`
/// bytes at `off_base` (1–3: a repeat offset; else offset + 3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Seq {
    pub(crate) lit_len: u32,
    pub(crate) match_len: u32,
    pub(crate) off_base: u32,
}

const LL_BITS: [u8; 36] = [
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 3, 3, 4, 6, 7, 8, 9, 10, 11,
    12, 13, 14, 15, 16,
];
const LL_BASE: [u32; 36] = [
    0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 18, 20, 22, 24, 28, 32, 40, 48, 64,
    128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32768, 65536,
];
const ML_BITS: [u8; 53] = [
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    1, 1, 1, 1, 2, 2, 3, 3, 4, 4, 5, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
];
const ML_BASE: [u32; 53] = [
    3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27,
    28, 29, 30, 31, 32, 33, 34, 35, 37, 39, 41, 43, 47, 51, 59, 67, 83, 99, 131, 259, 515, 1027,
    2051, 4099, 8195, 16387, 32771, 65539,
];

/// The predefined distributions (RFC 8878 §3.1.1.3.2.2).
const LL_DEFAULT: [i16; 36] = [
    4, 3, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 2, 3, 2, 1, 1, 1, 1, 1,
    -1, -1, -1, -1,
];
const ML_DEFAULT: [i16; 53] = [
    1, 4, 3, 2, 2, 2, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, -1, -1, -1, -1, -1, -1, -1,
];
const OF_DEFAULT: [i16; 29] = [
    1, 1, 1, 1, 1, 1, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, -1, -1, -1, -1, -1,
];

/// Max accuracy logs for new tables, as libzstd uses.
const LL_MAX_LOG: u32 = 9;
const ML_MAX_LOG: u32 = 9;
const OF_MAX_LOG: u32 = 8;

/// ll_code is the literal-length code of `ll`.
#[inline]
fn ll_code(ll: u32) -> u8 {
    if ll < 16 {
        ll as u8
    } else if ll < 64 {
        (16..=24)
            .rev()
            .find(|&c| LL_BASE[c] <= ll)
            .expect("ll ≥ 16") as u8
    } else {
        (highbit(ll) + 19) as u8
    }
}

/// ml_code is the match-length code of a match of `ml` (≥ 3) bytes.
#[inline]
fn ml_code(ml: u32) -> u8 {
    let base = ml - 3;
    if base < 32 {
        base as u8
    } else if base < 128 {
        (32..=42)
            .rev()
            .find(|&c| ML_BASE[c] <= ml)
            .expect("ml ≥ 35") as u8
    } else {
        (highbit(base) + 36) as u8
    }
}

/// Prev is the kind of table a decoder holds for one kind of code.
#[derive(Clone, Copy, Default, PartialEq, Eq)]
pub(crate) enum Prev {
    #[default]
    None,
    Predefined,
    Rle,
    /// Fse: the table is in Tables::fse.
    Fse,
}

/// Tables are the decoder's tables for the three kinds of code (literal
/// lengths, offsets, match lengths, in that order).
#[derive(Clone, Default)]
pub(crate) struct Tables {
    kind: [Prev; 3],
    fse: [FseTable; 3],
}

/// Predefined holds the three predefined tables, built once.
pub(crate) struct Predefined {
    ll: FseTable,
    of: FseTable,
    ml: FseTable,
}

impl Predefined {
    pub(crate) fn new() -> Self {
        Predefined {
            ll: FseTable::new(&LL_DEFAULT, 6),
            of: FseTable::new(&OF_DEFAULT, 5),
            ml: FseTable::new(&ML_DEFAULT, 6),
        }
    }
}

/// Mode is the choice for one kind of code.
#[derive(Clone, Copy)]
enum Mode {
    Predefined,
    Rle(u8),
    Repeat,
    /// New: the table is in Scratch::fresh.
    New,
}

impl Mode {
    fn bits(&self) -> u8 {
        match self {
            Mode::Predefined => 0,
            Mode::Rle(_) => 1,
            Mode::New => 2,
            Mode::Repeat => 3,
        }
    }
}

/// Scratch is reusable memory for one block's codes.
pub(crate) struct Scratch {
    ll: Vec<u8>,
    ml: Vec<u8>,
    of: Vec<u8>,
    norm: [i16; fse::MAX_SYMBOLS],
    /// fresh holds the new tables a block chose, per kind, and ncount
    /// their descriptions, written once while costing them.
    fresh: [FseTable; 3],
    ncount: [Vec<u8>; 3],
}

impl Default for Scratch {
    fn default() -> Self {
        Scratch {
            ll: Vec::new(),
            ml: Vec::new(),
            of: Vec::new(),
            norm: [0; fse::MAX_SYMBOLS],
            fresh: Default::default(),
            ncount: Default::default(),
        }
    }
}

/// choose picks the cheapest table for `counts` (of `n` codes) among the
/// predefined one, RLE, the decoder's previous table (`prev`: only an FSE
/// table this encoder sent; a woken stream has none) and a new table, by
/// estimated size including the table description. A new table is built
/// in `fresh` with its description in `ncount`.
#[allow(clippy::too_many_arguments)]
fn choose(
    counts: &[u32],
    n: u32,
    max_log: u32,
    predef: &FseTable,
    prev: Option<&FseTable>,
    norm: &mut [i16; fse::MAX_SYMBOLS],
    fresh: &mut FseTable,
    ncount: &mut Vec<u8>,
) -> Mode {
    let max_sym = counts.iter().rposition(|&c| c > 0).expect("n > 0");
    let distinct = counts.iter().filter(|&&c| c > 0).count();
    let mut best = (u64::MAX, 0u8);
    if let Some(c) = predef.cost(counts) {
        best = (c, 0);
    }
    if distinct == 1 && 8 * 256 < best.0 {
        best = (8 * 256, 1);
    }
    if let Some(t) = prev {
        if let Some(c) = t.cost(counts) {
            if c < best.0 {
                best = (c, 3);
            }
        }
    }
    if distinct > 1 {
        let log = fse::optimal_log(max_log, n, max_sym as u32);
        let norm = &mut norm[..=max_sym];
        if fse::normalize(&counts[..=max_sym], n, log, norm) {
            let mut c = fse::ncount_len(norm, log, ncount) as u64 * 8 * 256;
            for (s, &k) in counts[..=max_sym].iter().enumerate() {
                if k > 0 {
                    c += k as u64 * fse::bit_cost(norm[s] as u32, log);
                }
            }
            if c < best.0 {
                best = (c, 2);
                fresh.build(norm, log);
            }
        }
    }
    match best.1 {
        1 => Mode::Rle(max_sym as u8),
        2 => Mode::New,
        3 => Mode::Repeat,
        _ => Mode::Predefined,
    }
}

/// Coder is what encodes one kind of code in the bitstream.
enum Coder<'a> {
    Table(&'a FseTable),
    Rle,
}

impl Coder<'_> {
    #[inline]
    fn init(&self, sym: u8) -> u32 {
        match self {
            Coder::Table(t) => t.init(sym),
            Coder::Rle => 0,
        }
    }
    #[inline]
    fn encode(&self, w: &mut BitWriter, st: &mut u32, sym: u8) {
        if let Coder::Table(t) = self {
            t.encode(w, st, sym);
        }
    }
    #[inline]
    fn flush(&self, w: &mut BitWriter, st: u32) {
        if let Coder::Table(t) = self {
            t.flush(w, st);
        }
    }
}

/// Updates are the kinds of table decoders hold after a block, for the
/// kinds whose table the block replaced (None: unchanged); a new FSE
/// table is still in the Scratch that wrote the block.
pub(crate) type Updates = [Option<Prev>; 3];

impl Tables {
    /// apply takes the tables a kept block sent, moving new FSE tables
    /// out of `sc` (the scratch that wrote the block).
    pub(crate) fn apply(&mut self, u: Updates, sc: &mut Scratch) {
        for (k, new) in u.into_iter().enumerate() {
            if let Some(p) = new {
                if p == Prev::Fse {
                    core::mem::swap(&mut self.fse[k], &mut sc.fresh[k]);
                }
                self.kind[k] = p;
            }
        }
    }

    /// fse is the decoder's FSE table for kind `k`, if it holds one.
    fn fse(&self, k: usize) -> Option<&FseTable> {
        (self.kind[k] == Prev::Fse).then(|| &self.fse[k])
    }
}

/// write_sequences appends the sequences section for `seqs`, choosing each
/// table against what decoders hold (`tables`), and returns the tables
/// they will hold if the block is sent.
pub(crate) fn write_sequences(
    seqs: &[Seq],
    tables: &Tables,
    predef: &Predefined,
    sc: &mut Scratch,
    out: &mut Vec<u8>,
) -> Updates {
    let n = seqs.len();
    match n {
        0..=127 => out.push(n as u8),
        128..=0x7eff => out.extend_from_slice(&[((n >> 8) + 128) as u8, n as u8]),
        _ => {
            out.push(255);
            out.extend_from_slice(&((n - 0x7f00) as u16).to_le_bytes());
        }
    }
    if n == 0 {
        return [None, None, None];
    }
    sc.ll.clear();
    sc.ml.clear();
    sc.of.clear();
    let (mut ll_counts, mut ml_counts, mut of_counts) = ([0u32; 36], [0u32; 53], [0u32; 32]);
    for s in seqs {
        let (l, m, o) = (
            ll_code(s.lit_len),
            ml_code(s.match_len),
            highbit(s.off_base) as u8,
        );
        ll_counts[l as usize] += 1;
        ml_counts[m as usize] += 1;
        of_counts[o as usize] += 1;
        sc.ll.push(l);
        sc.ml.push(m);
        sc.of.push(o);
    }
    let n32 = n as u32;
    let Scratch {
        norm,
        fresh,
        ncount,
        ..
    } = sc;
    let [f_ll, f_of, f_ml] = fresh;
    let [n_ll, n_of, n_ml] = ncount;
    let ll = choose(
        &ll_counts,
        n32,
        LL_MAX_LOG,
        &predef.ll,
        tables.fse(0),
        norm,
        f_ll,
        n_ll,
    );
    let of = choose(
        &of_counts,
        n32,
        OF_MAX_LOG,
        &predef.of,
        tables.fse(1),
        norm,
        f_of,
        n_of,
    );
    let ml = choose(
        &ml_counts,
        n32,
        ML_MAX_LOG,
        &predef.ml,
        tables.fse(2),
        norm,
        f_ml,
        n_ml,
    );
    out.push(ll.bits() << 6 | of.bits() << 4 | ml.bits() << 2);
    for (m, desc) in [(ll, &*n_ll), (of, &*n_of), (ml, &*n_ml)] {
        match m {
            Mode::Rle(s) => out.push(s),
            Mode::New => out.extend_from_slice(desc),
            _ => {}
        }
    }
    let llc = coder_for(ll, &predef.ll, f_ll, tables.fse(0));
    let ofc = coder_for(of, &predef.of, f_of, tables.fse(1));
    let mlc = coder_for(ml, &predef.ml, f_ml, tables.fse(2));
    let mut w = BitWriter::new(out);
    let last = n - 1;
    let mut st_ml = mlc.init(sc.ml[last]);
    let mut st_of = ofc.init(sc.of[last]);
    let mut st_ll = llc.init(sc.ll[last]);
    extra_bits(&mut w, &seqs[last], sc.ll[last], sc.ml[last], sc.of[last]);
    for i in (0..last).rev() {
        ofc.encode(&mut w, &mut st_of, sc.of[i]);
        mlc.encode(&mut w, &mut st_ml, sc.ml[i]);
        llc.encode(&mut w, &mut st_ll, sc.ll[i]);
        extra_bits(&mut w, &seqs[i], sc.ll[i], sc.ml[i], sc.of[i]);
    }
    mlc.flush(&mut w, st_ml);
    ofc.flush(&mut w, st_of);
    llc.flush(&mut w, st_ll);
    w.close();
    [ll, of, ml].map(|m| match m {
        Mode::Predefined => Some(Prev::Predefined),
        Mode::Rle(_) => Some(Prev::Rle),
        Mode::New => Some(Prev::Fse),
        Mode::Repeat => None,
    })
}

/// coder_for is the coder a mode encodes with: `fresh` is the block's
/// new table, `prev` the decoder's.
fn coder_for<'a>(
    m: Mode,
    predef: &'a FseTable,
    fresh: &'a FseTable,
    prev: Option<&'a FseTable>,
) -> Coder<'a> {
    match m {
        Mode::Predefined => Coder::Table(predef),
        Mode::New => Coder::Table(fresh),
        Mode::Rle(_) => Coder::Rle,
        Mode::Repeat => Coder::Table(prev.expect("repeat is chosen only over an FSE table")),
    }
}

/// extra_bits appends a sequence's extra bits: literal length, match
/// length, then offset, so decoders read offset first.
#[inline]
fn extra_bits(w: &mut BitWriter, s: &Seq, ll: u8, ml: u8, of: u8) {
    w.add(
        (s.lit_len - LL_BASE[ll as usize]) as u64,
        LL_BITS[ll as usize] as u32,
    );
    w.add(
        (s.match_len - ML_BASE[ml as usize]) as u64,
        ML_BITS[ml as usize] as u32,
    );
    w.add((s.off_base - (1 << of)) as u64, of as u32);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_match_their_bases() {
        for ll in 0..131_072u32 {
            let c = ll_code(ll) as usize;
            assert!(
                LL_BASE[c] <= ll && ll - LL_BASE[c] < 1 << LL_BITS[c],
                "ll {ll} → {c}"
            );
        }
        for ml in 3..131_075u32 {
            let c = ml_code(ml) as usize;
            assert!(
                ML_BASE[c] <= ml && ml - ML_BASE[c] < 1 << ML_BITS[c],
                "ml {ml} → {c}"
            );
        }
    }
}
