//! The match finder: hash chains over the window and the message, with
//! lazy matching and repeat-offset checks, producing zstd sequences.

use super::seq::Seq;

/// MIN_MATCH is the shortest match the finder emits; its hash covers this
/// many bytes.
pub(crate) const MIN_MATCH: usize = 4;

/// MatchParams set the finder's tables and effort.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct MatchParams {
    pub(crate) hash_log: u32,
    pub(crate) chain_log: u32,
    /// search is how many chain candidates are tried per position.
    pub(crate) search: u32,
    /// target stops the search at a match this long.
    pub(crate) target: usize,
    /// lazy is how many following positions may replace a match (0–2).
    pub(crate) lazy: u32,
}

/// Matcher holds the hash chains. Positions are absolute (see Window):
/// 0 marks an empty slot.
pub(crate) struct Matcher {
    p: MatchParams,
    head: Vec<u32>,
    chain: Vec<u32>,
    /// next is the first absolute position not yet inserted.
    next: u32,
}

/// Window is the bytes the finder may reference and the bytes to parse:
/// `buf[i]` is at absolute position `base + i`.
pub(crate) struct Window<'a> {
    pub(crate) buf: &'a [u8],
    pub(crate) base: u32,
    /// max_off is the largest offset allowed (the frame's window size).
    pub(crate) max_off: usize,
}

#[inline]
fn read4(b: &[u8], i: usize) -> u32 {
    u32::from_le_bytes(b[i..i + 4].try_into().expect("4 bytes"))
}

/// HASH_READ is how many bytes a hash reads (it hashes HASH_LEN of them).
const HASH_READ: usize = 8;
/// HASH_LEN is how many leading bytes decide a position's bucket: 5, as
/// libzstd's lazy levels use, so short coincidental matches crowd no chain.
const HASH_LEN: u32 = 5;

#[inline]
fn read8(b: &[u8], i: usize) -> u64 {
    u64::from_le_bytes(b[i..i + 8].try_into().expect("8 bytes"))
}

/// common compares buf from `a` and `b` (a < b) up to `end` and returns
/// how many bytes agree.
#[inline]
fn common(buf: &[u8], a: usize, b: usize, end: usize) -> usize {
    let max = end - b;
    let mut n = 0;
    while n + 8 <= max {
        let x = u64::from_le_bytes(buf[a + n..a + n + 8].try_into().expect("8"));
        let y = u64::from_le_bytes(buf[b + n..b + n + 8].try_into().expect("8"));
        let d = x ^ y;
        if d != 0 {
            return n + (d.trailing_zeros() / 8) as usize;
        }
        n += 8;
    }
    while n < max && buf[a + n] == buf[b + n] {
        n += 1;
    }
    n
}

/// Found is a candidate match: length, offset, and whether it is one of
/// the repeat offsets (cheaper to code).
#[derive(Clone, Copy)]
struct Found {
    len: usize,
    off: usize,
    rep: bool,
}

impl Found {
    const NONE: Found = Found {
        len: 0,
        off: 0,
        rep: false,
    };

    /// gain weighs length against the cost of coding the offset, as
    /// libzstd's lazy parser does.
    #[inline]
    fn gain(&self) -> i64 {
        let off_cost = if self.rep {
            1
        } else {
            (usize::BITS - (self.off + 3).leading_zeros()) as i64
        };
        self.len as i64 * 4 - off_cost
    }
}

impl Matcher {
    pub(crate) fn new(p: MatchParams) -> Self {
        Matcher {
            p,
            head: vec![0; 1 << p.hash_log],
            chain: vec![0; 1 << p.chain_log],
            next: 0,
        }
    }

    /// heap_bytes is the size of the tables.
    pub(crate) fn heap_bytes(&self) -> usize {
        (self.head.len() + self.chain.len()) * 4
    }

    /// reset forgets every position; the next insert starts at `from`.
    /// Chain slots are left as they are: stale entries are only ever used
    /// after their bytes are compared, and the head table no longer leads
    /// to them.
    pub(crate) fn reset(&mut self, from: u32) {
        self.head.fill(0);
        self.next = from;
    }

    /// restart makes `from` the next position to insert and leaves the
    /// tables as they are: every entry they hold is below `from`, and the
    /// search follows no entry below its window's base.
    pub(crate) fn restart(&mut self, from: u32) {
        self.next = from;
    }

    #[inline]
    fn hash(&self, v: u64) -> usize {
        ((v << (64 - 8 * HASH_LEN)).wrapping_mul(889_523_592_379) >> (64 - self.p.hash_log))
            as usize
    }

    /// insert_until adds every position before absolute `upto` whose four
    /// bytes are inside `w.buf`.
    #[inline]
    pub(crate) fn insert_until(&mut self, w: &Window, upto: u32) {
        let cmask = (1u32 << self.p.chain_log) - 1;
        let last = (w.base as usize + w.buf.len()).saturating_sub(HASH_READ - 1) as u32;
        let upto = upto.min(last);
        self.next = self.next.max(w.base);
        while self.next < upto {
            let abs = self.next;
            let h = self.hash(read8(w.buf, (abs - w.base) as usize));
            self.chain[(abs & cmask) as usize] = self.head[h];
            self.head[h] = abs;
            self.next += 1;
        }
        self.next = self.next.max(upto);
    }

    /// prime inserts the positions before absolute `upto` every `stride`
    /// bytes, into the chains or (`chained` false) the head table only: the
    /// cheap way to index a restored window. A match whose
    /// source start was skipped is still found from a later position of
    /// the same repeat and extended backward by the parser.
    pub(crate) fn prime(&mut self, w: &Window, upto: u32, stride: u32, chained: bool) {
        let cmask = (1u32 << self.p.chain_log) - 1;
        let last = (w.base as usize + w.buf.len()).saturating_sub(HASH_READ - 1) as u32;
        let upto = upto.min(last);
        let mut abs = self.next.max(w.base);
        if chained {
            while abs < upto {
                let h = self.hash(read8(w.buf, (abs - w.base) as usize));
                self.chain[(abs & cmask) as usize] = self.head[h];
                self.head[h] = abs;
                abs += stride;
            }
        } else {
            // The chain slots of these positions keep what was there: a
            // candidate is followed only inside the window and used only
            // after its bytes are compared, so a stale link costs at most a
            // try (in practice it lies below the window and ends the chain).
            while abs < upto {
                let h = self.hash(read8(w.buf, (abs - w.base) as usize));
                self.head[h] = abs;
                abs += stride;
            }
        }
        self.next = self.next.max(upto);
    }

    /// best finds the best match at buffer index `i` that ends by `end`:
    /// the repeat offsets first, then up to `search` chain candidates.
    #[inline]
    fn best(&mut self, w: &Window, i: usize, end: usize, reps: &[u32; 3]) -> Found {
        let abs = w.base + i as u32;
        self.insert_until(w, abs);
        let buf = w.buf;
        let mut best = Found::NONE;
        for &r in reps {
            let r = r as usize;
            if r <= i && r <= w.max_off && buf[i - r..i - r + 4] == buf[i..i + 4] {
                let len = common(buf, i - r, i, end);
                if len > best.len {
                    best = Found {
                        len,
                        off: r,
                        rep: true,
                    };
                }
            }
        }
        if best.len >= self.p.target {
            return best;
        }
        let cmask = (1u32 << self.p.chain_log) - 1;
        let chain_span = 1u32 << self.p.chain_log;
        let lowest = w
            .base
            .max(abs.saturating_sub(w.max_off as u32))
            .max(abs.saturating_sub(chain_span - 1));
        if i + HASH_READ > buf.len() {
            return if best.len >= MIN_MATCH {
                best
            } else {
                Found::NONE
            };
        }
        let mut cand = self.head[self.hash(read8(buf, i))];
        let mut tries = self.p.search;
        let first4 = read4(buf, i);
        while cand >= lowest && cand < abs && cand != 0 && tries > 0 {
            tries -= 1;
            // Load the next link before comparing bytes, so the two cache
            // misses overlap instead of following each other.
            let next = self.chain[(cand & cmask) as usize];
            let ci = (cand - w.base) as usize;
            if read4(buf, ci) == first4
                && (best.len < MIN_MATCH || buf.get(ci + best.len) == buf.get(i + best.len))
            {
                let len = common(buf, ci, i, end);
                let f = Found {
                    len,
                    off: i - ci,
                    rep: false,
                };
                if len >= MIN_MATCH && f.gain() > best.gain() {
                    best = f;
                    if len >= self.p.target {
                        break;
                    }
                }
            }
            cand = next;
        }
        if best.len < MIN_MATCH {
            return Found::NONE;
        }
        best
    }

    /// parse turns `w.buf[start..end]` into sequences (appended to `seqs`)
    /// and literals (appended to `lits`), matching against everything in
    /// `w.buf` before it. `reps` are the decoder's repeat offsets and are
    /// updated as it will update them. It returns where the trailing
    /// literals (after the last sequence) begin.
    pub(crate) fn parse(
        &mut self,
        w: &Window,
        start: usize,
        end: usize,
        reps: &mut [u32; 3],
        seqs: &mut Vec<Seq>,
        lits: &mut Vec<u8>,
    ) {
        let buf = w.buf;
        let mut anchor = start;
        let mut i = start;
        // A match needs MIN_MATCH bytes, and the chain search reads 4.
        let limit = end.saturating_sub(MIN_MATCH);
        while i <= limit && end - i >= MIN_MATCH {
            let mut m = self.best(w, i, end, reps);
            if m.len == 0 {
                // Skip faster through data that does not match.
                i += 1 + ((i - anchor) >> 8);
                continue;
            }
            // Lazy: a later start may give a better match.
            let mut depth = 0;
            while depth < self.p.lazy && i < limit && m.len < self.p.target {
                let n = self.best(w, i + 1, end, reps);
                if n.len > 0 && n.gain() > m.gain() + 4 {
                    i += 1;
                    m = n;
                    depth = 0;
                    continue;
                }
                depth += 1;
                if depth < self.p.lazy && i + 2 <= limit {
                    let n = self.best(w, i + 2, end, reps);
                    if n.len > 0 && n.gain() > m.gain() + 7 {
                        i += 2;
                        m = n;
                        depth = 0;
                        continue;
                    }
                }
                break;
            }
            // Extend backward over literals that also match.
            while i > anchor && i > m.off && buf[i - 1] == buf[i - 1 - m.off] {
                i -= 1;
                m.len += 1;
            }
            let lit_len = (i - anchor) as u32;
            lits.extend_from_slice(&buf[anchor..i]);
            let off_base = off_base(reps, m.off as u32, lit_len == 0);
            seqs.push(Seq {
                lit_len,
                match_len: m.len as u32,
                off_base,
            });
            update_reps(reps, off_base, lit_len == 0);
            i += m.len;
            anchor = i;
            // A match at the second repeat offset right after a match is
            // taken at once, unsearched, as libzstd's lazy parser does: it
            // saves a chain search and a lazy step for +0.2% bytes on the
            // gateway corpus (about 4% less time).
            while i <= limit {
                let r = reps[1] as usize;
                if r > i || r > w.max_off || read4(buf, i - r) != read4(buf, i) {
                    break;
                }
                let len = common(buf, i - r, i, end);
                seqs.push(Seq {
                    lit_len: 0,
                    match_len: len as u32,
                    off_base: 1,
                });
                update_reps(reps, 1, true);
                i += len;
                anchor = i;
            }
        }
        lits.extend_from_slice(&buf[anchor..end]);
    }
}

/// off_base codes offset `off` given the repeat offsets and whether the
/// sequence has no literals (RFC 8878 §3.1.2.5).
#[inline]
pub(crate) fn off_base(reps: &[u32; 3], off: u32, ll_zero: bool) -> u32 {
    if !ll_zero {
        if off == reps[0] {
            return 1;
        }
        if off == reps[1] {
            return 2;
        }
        if off == reps[2] {
            return 3;
        }
    } else {
        if off == reps[1] {
            return 1;
        }
        if off == reps[2] {
            return 2;
        }
        if reps[0] > 1 && off == reps[0] - 1 {
            return 3;
        }
    }
    off + 3
}

/// update_reps applies a sequence's offset to the repeat offsets exactly as
/// decoders do.
#[inline]
pub(crate) fn update_reps(reps: &mut [u32; 3], off_base: u32, ll_zero: bool) {
    if off_base > 3 {
        *reps = [off_base - 3, reps[0], reps[1]];
        return;
    }
    let idx = off_base - 1 + u32::from(ll_zero);
    match idx {
        0 => {}
        1 => *reps = [reps[1], reps[0], reps[2]],
        2 => *reps = [reps[2], reps[0], reps[1]],
        _ => *reps = [reps[0] - 1, reps[0], reps[1]],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeat_offsets_follow_the_rfc() {
        let mut r = [1, 4, 8];
        update_reps(&mut r, 10 + 3, false);
        assert_eq!(r, [10, 1, 4]);
        assert_eq!(off_base(&r, 1, false), 2);
        update_reps(&mut r, 2, false);
        assert_eq!(r, [1, 10, 4]);
        // With no literals, 1 means the second offset and 3 the first − 1.
        assert_eq!(off_base(&r, 10, true), 1);
        assert_eq!(off_base(&r, 1, true), 4);
        let mut r = [5, 9, 12];
        update_reps(&mut r, 3, true);
        assert_eq!(r, [4, 5, 9]);
        update_reps(&mut r, 2, true);
        assert_eq!(r, [9, 4, 5]);
    }

    #[test]
    fn parse_finds_repeats() {
        let data = b"abcdefgh-abcdefgh-abcdefgh-xyz";
        let w = Window {
            buf: data,
            base: 1,
            max_off: 1 << 17,
        };
        let mut m = Matcher::new(MatchParams {
            hash_log: 10,
            chain_log: 10,
            search: 8,
            target: 64,
            lazy: 1,
        });
        let (mut seqs, mut lits, mut reps) = (Vec::new(), Vec::new(), [1, 4, 8]);
        m.parse(&w, 0, data.len(), &mut reps, &mut seqs, &mut lits);
        assert_eq!(seqs.len(), 1, "{seqs:?}");
        assert_eq!(seqs[0].match_len, 18);
        assert_eq!(lits, b"abcdefgh-xyz");
    }
}
