//! Where the name bytes past the eighth live.
//!
//! The first eight bytes of every sort name sit in the tree's keys, so most
//! comparisons never leave a leaf. The rest (the suffix) is needed only
//! when two names share those eight bytes; it is kept here, in pools of
//! fixed-size items so a freed item is reused without fragmentation.
//! An item is a little-endian `u16` length and then the suffix.

use super::pages::Paged;
use super::MAX_NAME_LEN;

/// CLASSES are the item sizes; about a quarter of a size class is waste at
/// worst, and names average a handful of suffix bytes, so nearly all land
/// in the first class.
const CLASSES: [usize; 14] = [
    8, 16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512, 768, 1024,
];
const _: () = assert!(CLASSES[CLASSES.len() - 1] >= MAX_NAME_LEN - 8 + 2);

/// PAGE_BYTES is the size pages grow to.
const PAGE_BYTES: usize = 64 * 1024;

/// INDEX_BITS: a handle is `(class + 1) << INDEX_BITS | item`, so 0 means
/// "no suffix".
const INDEX_BITS: u32 = 28;

/// NamePool stores name suffixes by handle.
pub(crate) struct NamePool {
    classes: Vec<Paged<u8>>,
    /// suffix_bytes is the sum of the suffixes' lengths stored now.
    suffix_bytes: usize,
}

impl NamePool {
    pub(crate) fn new() -> Self {
        let classes = CLASSES
            .iter()
            .map(|&size| {
                // Pages start at 16 items and grow to about PAGE_BYTES.
                let cap = (PAGE_BYTES / size / 16).max(1).ilog2();
                Paged::new(4, cap, size)
            })
            .collect();
        NamePool {
            classes,
            suffix_bytes: 0,
        }
    }

    /// store keeps `suffix` and returns its handle (0 for an empty suffix).
    pub(crate) fn store(&mut self, suffix: &[u8]) -> u32 {
        if suffix.is_empty() {
            return 0;
        }
        let need = suffix.len() + 2;
        let class = CLASSES.partition_point(|&size| size < need);
        let pool = &mut self.classes[class];
        let i = pool.alloc();
        assert!(i < 1 << INDEX_BITS, "name pool full");
        let item = pool.item_mut(i);
        let len = u16::try_from(suffix.len()).expect("suffix fits its class");
        item[..2].copy_from_slice(&len.to_le_bytes());
        item[2..need].copy_from_slice(suffix);
        self.suffix_bytes += suffix.len();
        ((class as u32 + 1) << INDEX_BITS) | i
    }

    /// get is the suffix behind a handle.
    #[inline]
    pub(crate) fn get(&self, h: u32) -> &[u8] {
        if h == 0 {
            return &[];
        }
        let (class, i) = split(h);
        let item = self.classes[class].item(i);
        let len = u16::from_le_bytes([item[0], item[1]]) as usize;
        &item[2..2 + len]
    }

    /// prefetch starts loading a handle's item.
    #[inline]
    pub(crate) fn prefetch(&self, h: u32) {
        if h != 0 {
            let (class, i) = split(h);
            super::prefetch::prefetch(self.classes[class].item(i).as_ptr());
        }
    }

    /// free releases a handle's item.
    pub(crate) fn free(&mut self, h: u32) {
        if h == 0 {
            return;
        }
        self.suffix_bytes -= self.get(h).len();
        let (class, i) = split(h);
        self.classes[class].release(i);
    }

    /// suffix_bytes is how many name bytes the pools hold, headers and
    /// rounding excluded.
    pub(crate) fn suffix_bytes(&self) -> usize {
        self.suffix_bytes
    }

    pub(crate) fn heap_bytes(&self) -> usize {
        self.classes.iter().map(Paged::heap_bytes).sum::<usize>()
            + self.classes.capacity() * size_of::<Paged<u8>>()
    }
}

fn split(h: u32) -> (usize, u32) {
    (
        ((h >> INDEX_BITS) - 1) as usize,
        h & ((1 << INDEX_BITS) - 1),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::cmp::Ordering;

    #[test]
    fn suffixes_come_back_as_stored() {
        let mut p = NamePool::new();
        let lens = [1usize, 6, 7, 30, 100, MAX_NAME_LEN - 8];
        let hs: Vec<(u32, Vec<u8>)> = lens
            .iter()
            .map(|&n| {
                let s: Vec<u8> = (0..n).map(|i| (i % 250 + 1) as u8).collect();
                (p.store(&s), s)
            })
            .collect();
        for (h, s) in &hs {
            assert_eq!(p.get(*h), &s[..]);
        }
        assert_eq!(p.suffix_bytes(), lens.iter().sum::<usize>());
        for (h, _) in &hs {
            p.free(*h);
        }
        assert_eq!(p.suffix_bytes(), 0);
        assert_eq!(p.store(b""), 0);
        assert_eq!(p.get(0), b"");
    }

    #[test]
    fn empty_suffix_sorts_first() {
        let mut p = NamePool::new();
        let a = p.store(b"a");
        let b = p.store(b"b");
        // With no zero bytes in names, equal first eight bytes and no
        // suffix mean the name is exactly those bytes: it sorts first.
        assert_eq!(p.get(0).cmp(p.get(a)), Ordering::Less);
        assert_eq!(p.get(a).cmp(p.get(b)), Ordering::Less);
        assert_eq!(p.get(b).cmp(p.get(a)), Ordering::Greater);
    }
}
