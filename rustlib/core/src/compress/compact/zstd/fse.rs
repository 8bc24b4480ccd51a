//! Finite State Entropy coding as zstd uses it (RFC 8878 §4.1): table
//! descriptions, normalisation of symbol counts, and the encoder.

use super::bits::BitWriter;

/// MIN_LOG is the smallest accuracy log a table description can carry.
pub(crate) const MIN_LOG: u32 = 5;

/// MAX_SYMBOLS is the most symbols a table codes (match-length codes).
pub(crate) const MAX_SYMBOLS: usize = 53;

/// MAX_TABLE_LOG is the largest accuracy log an encoder here builds.
pub(crate) const MAX_TABLE_LOG: u32 = 9;

/// FseTable is an encoding table built from a normalised distribution.
/// Entries of -1 are "less than 1" probabilities, as in the predefined
/// tables. Tables are rebuilt in place (see `build`): one is made for most
/// blocks, and neither a heap allocation nor a copy of the table each
/// time is cheap next to a small block.
#[derive(Clone, Default)]
pub(crate) struct FseTable {
    pub(crate) log: u32,
    norm: Vec<i16>,
    state_table: Vec<u16>,
    /// per symbol: (delta_find_state, delta_nb_bits)
    symbols: Vec<(i32, u32)>,
}

/// highbit is the index of the highest set bit of `v` (v > 0).
#[inline]
pub(crate) fn highbit(v: u32) -> u32 {
    31 - v.leading_zeros()
}

impl FseTable {
    /// new builds the encoding table for `norm` (summing to 2^log, with -1
    /// counting as 1), spreading symbols exactly as decoders do.
    pub(crate) fn new(norm: &[i16], log: u32) -> Self {
        let mut t = FseTable::default();
        t.build(norm, log);
        t
    }

    /// build makes this the table for `norm`, reusing its memory.
    pub(crate) fn build(&mut self, norm: &[i16], log: u32) {
        debug_assert!(norm.len() <= MAX_SYMBOLS && log <= MAX_TABLE_LOG);
        let size = 1usize << log;
        let mask = size - 1;
        let step = (size >> 1) + (size >> 3) + 3;
        let mut spread = [0u8; 1 << MAX_TABLE_LOG];
        let mut high = size - 1;
        let mut cumul = [0u32; MAX_SYMBOLS + 1];
        for (s, &n) in norm.iter().enumerate() {
            if n == -1 {
                cumul[s + 1] = cumul[s] + 1;
                spread[high] = s as u8;
                high = high.wrapping_sub(1);
            } else {
                cumul[s + 1] = cumul[s] + n as u32;
            }
        }
        let mut pos = 0usize;
        for (s, &n) in norm.iter().enumerate() {
            for _ in 0..n.max(0) {
                spread[pos] = s as u8;
                pos = (pos + step) & mask;
                while pos > high {
                    pos = (pos + step) & mask;
                }
            }
        }
        let state_table = &mut self.state_table;
        state_table.clear();
        state_table.resize(size, 0);
        let mut next = cumul;
        for (u, &s) in spread[..size].iter().enumerate() {
            let s = s as usize;
            state_table[next[s] as usize] = (size + u) as u16;
            next[s] += 1;
        }
        let symbols = &mut self.symbols;
        symbols.clear();
        let mut total = 0i32;
        for &n in norm {
            symbols.push(match n {
                0 => (0, ((log + 1) << 16) - (1 << log)),
                -1 | 1 => {
                    let v = (total - 1, (log << 16) - (1 << log));
                    total += 1;
                    v
                }
                n => {
                    let n = n as u32;
                    let max_bits_out = log - highbit(n - 1);
                    let min_state_plus = n << max_bits_out;
                    let v = (total - n as i32, (max_bits_out << 16) - min_state_plus);
                    total += n as i32;
                    v
                }
            });
        }
        self.norm.clear();
        self.norm.extend_from_slice(norm);
        self.log = log;
    }

    /// norm is the distribution the table was built from.
    pub(crate) fn norm(&self) -> &[i16] {
        &self.norm
    }

    /// init starts a state on `sym` without writing bits: the last symbol
    /// of a stream (the first a decoder reads) is carried by the final state.
    #[inline]
    pub(crate) fn init(&self, sym: u8) -> u32 {
        let (dfs, dnb) = self.symbols[sym as usize];
        let nb_out = (dnb + (1 << 15)) >> 16;
        let value = (nb_out << 16).wrapping_sub(dnb);
        self.state_table[((value >> nb_out) as i32 + dfs) as usize] as u32
    }

    /// encode moves `state` to `sym`, writing the bits a decoder needs to
    /// come back.
    #[inline]
    pub(crate) fn encode(&self, w: &mut BitWriter, state: &mut u32, sym: u8) {
        let (dfs, dnb) = self.symbols[sym as usize];
        let nb_out = (*state + dnb) >> 16;
        w.add(*state as u64, nb_out);
        *state = self.state_table[((*state >> nb_out) as i32 + dfs) as usize] as u32;
    }

    /// flush writes the final state.
    #[inline]
    pub(crate) fn flush(&self, w: &mut BitWriter, state: u32) {
        w.add(state as u64, self.log);
    }

    /// cost_bits estimates, in 1/256 bits, what `counts` cost with this
    /// table, or None if a counted symbol is missing from it.
    pub(crate) fn cost(&self, counts: &[u32]) -> Option<u64> {
        let mut total = 0u64;
        for (s, &c) in counts.iter().enumerate() {
            if c == 0 {
                continue;
            }
            let n = *self.norm().get(s)?;
            if n == 0 {
                return None;
            }
            total += c as u64 * bit_cost(n.max(1) as u32, self.log);
        }
        Some(total)
    }
}

/// LOG2_256 is 256·log2(n) for n ≤ 512 (the largest table), so costs need
/// no floating point on the hot path.
static LOG2_256: std::sync::OnceLock<[u32; 513]> = std::sync::OnceLock::new();

/// bit_cost is the cost in 1/256 bits of a symbol with probability
/// n / 2^log: log − log2(n).
#[inline]
pub(crate) fn bit_cost(n: u32, log: u32) -> u64 {
    let t = LOG2_256.get_or_init(|| {
        let mut t = [0u32; 513];
        for (i, v) in t.iter_mut().enumerate().skip(1) {
            *v = ((i as f64).log2() * 256.0).round() as u32;
        }
        t
    });
    ((log << 8) - t[(n as usize).min(512)]) as u64
}

/// optimal_log picks an accuracy log for `total` symbols drawn from
/// `0..=max_symbol`, at most `max_log`, the way zstd does: small inputs get
/// small tables, and there are always enough cells for every symbol.
pub(crate) fn optimal_log(max_log: u32, total: u32, max_symbol: u32) -> u32 {
    let max_bits = highbit(total.max(2) - 1).saturating_sub(2);
    let min_bits = (highbit(total.max(1)) + 1).min(highbit(max_symbol.max(1)) + 2);
    max_log
        .min(max_bits)
        .max(min_bits)
        .clamp(MIN_LOG, max_log.max(MIN_LOG))
}

/// normalize scales `counts` (total `total` > 0) to sum to 2^log in
/// `norm[..counts.len()]`, giving every present symbol at least 1. It
/// returns false if there are more symbols than cells.
pub(crate) fn normalize(counts: &[u32], total: u32, log: u32, norm: &mut [i16]) -> bool {
    let scale = 1i64 << log;
    let norm = &mut norm[..counts.len()];
    norm.fill(0);
    let present = counts.iter().filter(|&&c| c > 0).count() as i64;
    if present > scale || total == 0 {
        return false;
    }
    let mut sum = 0i64;
    for (n, &c) in norm.iter_mut().zip(counts) {
        if c > 0 {
            let v = ((c as i64 * scale * 2 + total as i64) / (total as i64 * 2)).max(1);
            *n = v as i16;
            sum += v;
        }
    }
    let mut diff = scale - sum;
    while diff != 0 {
        // Take from (or give to) the largest entry: its relative error is
        // the smallest.
        let (i, _) = norm
            .iter()
            .enumerate()
            .filter(|(_, &n)| diff > 0 || n > 1)
            .max_by_key(|(_, &n)| n)
            .expect("a symbol to adjust");
        let adjust = if diff > 0 {
            diff
        } else {
            diff.max(1 - norm[i] as i64)
        };
        norm[i] += adjust as i16;
        diff -= adjust;
    }
    true
}

/// write_ncount appends the table description of `norm` (RFC 8878
/// §4.1.1): the accuracy log, then each probability plus one in a field
/// whose width shrinks as the remaining probability does, with runs of
/// zero probabilities coded as repeat flags.
pub(crate) fn write_ncount(norm: &[i16], log: u32, out: &mut Vec<u8>) {
    let size = 1i32 << log;
    let mut bit_stream: u32 = log - MIN_LOG;
    let mut bit_count: u32 = 4;
    let mut remaining = size + 1;
    let mut threshold = size;
    let mut nb_bits = log + 1;
    let mut symbol = 0usize;
    let mut previous_is0 = false;
    let n_sym = norm.len();
    let flush16 = |bs: &mut u32, bc: &mut u32, out: &mut Vec<u8>| {
        if *bc > 16 {
            out.push(*bs as u8);
            out.push((*bs >> 8) as u8);
            *bs >>= 16;
            *bc -= 16;
        }
    };
    while symbol < n_sym && remaining > 1 {
        if previous_is0 {
            let mut start = symbol;
            while symbol < n_sym && norm[symbol] == 0 {
                symbol += 1;
            }
            debug_assert!(symbol < n_sym, "distribution ends in zeros");
            while symbol >= start + 24 {
                start += 24;
                bit_stream += 0xffff << bit_count;
                out.push(bit_stream as u8);
                out.push((bit_stream >> 8) as u8);
                bit_stream >>= 16;
            }
            while symbol >= start + 3 {
                start += 3;
                bit_stream += 3 << bit_count;
                bit_count += 2;
            }
            bit_stream += ((symbol - start) as u32) << bit_count;
            bit_count += 2;
            flush16(&mut bit_stream, &mut bit_count, out);
        }
        let mut count = norm[symbol] as i32;
        symbol += 1;
        let max = (2 * threshold - 1) - remaining;
        remaining -= count.abs();
        count += 1;
        if count >= threshold {
            count += max;
        }
        bit_stream += (count as u32) << bit_count;
        bit_count += nb_bits;
        if count < max {
            bit_count -= 1;
        }
        previous_is0 = count == 1;
        while remaining < threshold {
            nb_bits -= 1;
            threshold >>= 1;
        }
        flush16(&mut bit_stream, &mut bit_count, out);
    }
    debug_assert_eq!(remaining, 1, "distribution does not sum to the table size");
    let tail = bit_stream.to_le_bytes();
    out.extend_from_slice(&tail[..bit_count.div_ceil(8) as usize]);
}

/// ncount_len is how many bytes write_ncount would append; `scratch` is
/// reused memory.
pub(crate) fn ncount_len(norm: &[i16], log: u32, scratch: &mut Vec<u8>) -> usize {
    scratch.clear();
    write_ncount(norm, log, scratch);
    scratch.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalize_sums_to_the_table_and_keeps_every_symbol() {
        let counts = [100u32, 1, 0, 7, 3000, 1, 1, 1];
        let total: u32 = counts.iter().sum();
        let mut norm = [0i16; 8];
        assert!(normalize(&counts, total, 6, &mut norm));
        assert_eq!(norm.iter().map(|&n| n as i32).sum::<i32>(), 64);
        for (c, n) in counts.iter().zip(&norm) {
            assert_eq!(*c > 0, *n > 0, "{counts:?} → {norm:?}");
        }
        assert!(!normalize(&[1; 40], 40, 5, &mut [0; 40]));
    }

    #[test]
    fn state_table_covers_every_cell_once() {
        let norm = [
            4i16, 3, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 2, 3, 2, 1,
            1, 1, 1, 1, -1, -1, -1, -1,
        ];
        let t = FseTable::new(&norm, 6);
        let mut seen = t.state_table[..64].to_vec();
        seen.sort();
        assert_eq!(seen, (64u16..128).collect::<Vec<_>>());
    }

    #[test]
    fn optimal_log_stays_in_range() {
        for total in [1u32, 2, 10, 100, 10_000] {
            for max_sym in [1u32, 11, 35, 52] {
                let l = optimal_log(9, total, max_sym);
                assert!((MIN_LOG..=9).contains(&l), "{total} {max_sym} → {l}");
            }
        }
    }
}
