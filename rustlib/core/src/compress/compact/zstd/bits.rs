//! The little-endian bit stream zstd's entropy coders write forward and
//! decoders read backward (RFC 8878 §4.1).

/// BitWriter appends bits, lowest first, to a byte vector. Values of up to
/// 32 bits go in one call.
pub(crate) struct BitWriter<'a> {
    out: &'a mut Vec<u8>,
    acc: u64,
    bits: u32,
}

impl<'a> BitWriter<'a> {
    /// new starts a stream at the end of `out`.
    pub(crate) fn new(out: &'a mut Vec<u8>) -> Self {
        BitWriter {
            out,
            acc: 0,
            bits: 0,
        }
    }

    /// add appends the low `n` bits of `value` (n ≤ 32).
    #[inline]
    pub(crate) fn add(&mut self, value: u64, n: u32) {
        debug_assert!(n <= 32);
        self.acc |= (value & ((1u64 << n) - 1)) << self.bits;
        self.bits += n;
        if self.bits >= 32 {
            self.out.extend_from_slice(&(self.acc as u32).to_le_bytes());
            self.acc >>= 32;
            self.bits -= 32;
        }
    }

    /// close appends the end mark (a single 1 bit) and the last partial
    /// byte: a decoder reading backward starts at the highest set bit.
    pub(crate) fn close(mut self) {
        self.add(1, 1);
        let bytes = self.bits.div_ceil(8) as usize;
        self.out.extend_from_slice(&self.acc.to_le_bytes()[..bytes]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bits_are_packed_lowest_first_with_an_end_mark() {
        let mut v = Vec::new();
        let mut w = BitWriter::new(&mut v);
        w.add(0b101, 3);
        w.add(0xffff_ffff, 32);
        w.add(0, 2);
        w.close();
        // 3 + 32 + 2 + 1 = 38 bits: 5 bytes.
        assert_eq!(v.len(), 5);
        assert_eq!(v[0], 0b1111_1101);
        assert_eq!(v[4], 0b0010_0111);
    }
}
