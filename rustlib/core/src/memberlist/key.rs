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

/// TieKey settles most prefix ties without reading a member record: the
/// name's bytes 8 to 16 (big-endian, zero-padded, like the prefix) and the
/// user id. Inner nodes keep one beside each key.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct TieKey {
    pub next: u64,
    pub uid: u64,
}

impl TieKey {
    /// of is the tie key of a name whose bytes past the eighth are `rest`
    /// (a member's stored suffix, or the name's tail) and of user `uid`.
    #[inline]
    pub(crate) fn of(rest: &[u8], uid: u64) -> TieKey {
        TieKey {
            next: prefix_of(rest),
            uid,
        }
    }

    /// cmp orders two different members whose prefixes are equal, or says
    /// None when their names share 16 bytes and go on: only the rest of
    /// the names can tell. With no zero byte in names, equal `next` whose
    /// last byte is zero means both names end before byte 16: the names
    /// are equal and the user ids decide.
    #[inline]
    pub(crate) fn cmp(self, o: TieKey) -> Option<Ordering> {
        match self.next.cmp(&o.next) {
            Ordering::Equal if self.next & 0xff != 0 => None,
            Ordering::Equal => Some(self.uid.cmp(&o.uid)),
            c => Some(c),
        }
    }
}

/// Tie orders two different members whose prefixes are equal.
pub(crate) trait Tie {
    fn tie(&self, a: u32, b: u32) -> Ordering;

    /// tie_key is the [`TieKey`] of a slot's member.
    fn tie_key(&self, slot: u32) -> TieKey;

    /// prefetch_run is told, before a search across a run of equal
    /// prefixes, the slots it may settle ties against, so what `tie` will
    /// read of them can load at once rather than one probe at a time.
    #[inline]
    fn prefetch_run(&self, _slots: &[u32]) {}
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

    #[test]
    fn tie_keys_order_like_the_rest_of_the_name_then_the_user() {
        let k = TieKey::of;
        assert_eq!(k(b"", 9).cmp(k(b"a", 1)), Some(Ordering::Less));
        assert_eq!(k(b"ab", 9).cmp(k(b"b", 1)), Some(Ordering::Less));
        assert_eq!(k(b"abc", 1).cmp(k(b"abc", 2)), Some(Ordering::Less));
        assert_eq!(k(b"abc", 3).cmp(k(b"abc", 2)), Some(Ordering::Greater));
        assert_eq!(k(b"abcdefg", 1).cmp(k(b"abcdefg", 2)), Some(Ordering::Less));
        // Eight equal bytes that may go on: only the names can tell.
        assert_eq!(k(b"abcdefgh", 1).cmp(k(b"abcdefghz", 2)), None);
    }
}
