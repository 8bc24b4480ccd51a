//! Tree keys: the first eight name bytes and the member's slot.

use core::cmp::Ordering;

/// Key orders a member inside its group. `prefix` is the sort name's first
/// eight bytes, big-endian and zero-padded, so comparing prefixes as
/// integers compares those bytes; `slot` finds the member record, which
/// settles the rare tie (rest of the name, then user id).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Key {
    pub prefix: u64,
    pub slot: u32,
}

/// prefix_of is a name's first eight bytes as a big-endian integer.
#[inline]
pub(crate) fn prefix_of(name: &[u8]) -> u64 {
    let mut b = [0u8; 8];
    let n = name.len().min(8);
    b[..n].copy_from_slice(&name[..n]);
    u64::from_be_bytes(b)
}

/// Tie orders two different members whose prefixes are equal.
pub(crate) trait Tie {
    fn tie(&self, a: u32, b: u32) -> Ordering;
}

/// cmp orders two keys; equal only for the same member.
#[inline]
pub(crate) fn cmp<T: Tie>(a: Key, b: Key, t: &T) -> Ordering {
    match a.prefix.cmp(&b.prefix) {
        Ordering::Equal if a.slot != b.slot => t.tie(a.slot, b.slot),
        o => o,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_order_like_the_bytes() {
        let names: [&[u8]; 6] = [b"", b"a", b"ab", b"abcdefgh", b"abcdefgz", b"b"];
        for w in names.windows(2) {
            assert!(prefix_of(w[0]) < prefix_of(w[1]), "{:?}", w);
        }
        assert_eq!(prefix_of(b"abcdefghij"), prefix_of(b"abcdefgh"));
    }
}
