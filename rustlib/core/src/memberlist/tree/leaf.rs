//! Leaves: up to [`LEAF_CAP`] keys, stored as two arrays so a search reads
//! only the prefixes (eight cache lines at most).

use super::super::key::{cmp, Key, Tie};
use super::super::prefetch::prefetch;
use core::cmp::Ordering;

/// LEAF_CAP is the most keys a leaf holds (776-byte leaves).
pub(crate) const LEAF_CAP: usize = 64;
/// LEAF_MIN is the fewest keys a leaf other than the root holds; below it
/// the leaf borrows from or merges with a neighbour.
pub(crate) const LEAF_MIN: usize = LEAF_CAP / 3;

/// Leaf puts `len` first so the first cache line read holds it and the
/// first seven prefixes.
#[repr(C)]
pub(crate) struct Leaf {
    pub(crate) len: usize,
    prefix: [u64; LEAF_CAP],
    slot: [u32; LEAF_CAP],
}

impl Leaf {
    pub(crate) fn boxed() -> Box<Leaf> {
        Box::new(Leaf {
            len: 0,
            prefix: [0; LEAF_CAP],
            slot: [0; LEAF_CAP],
        })
    }

    #[inline]
    pub(crate) fn key(&self, i: usize) -> Key {
        Key {
            prefix: self.prefix[i],
            slot: self.slot[i],
        }
    }

    #[inline]
    pub(crate) fn slots(&self) -> &[u32] {
        &self.slot[..self.len]
    }

    /// prefetch starts loading the whole leaf: a search reads the length
    /// and prefixes, an insert or remove shifts prefixes and slots. It
    /// reads nothing of the leaf, so it never waits for the leaf.
    #[inline]
    pub(crate) fn prefetch(&self) {
        let base = (self as *const Leaf).cast::<u8>();
        for off in (0..size_of::<Leaf>()).step_by(64) {
            prefetch(base.wrapping_add(off));
        }
    }

    /// lower_bound is the position of the first key not below `k`: a
    /// binary search on prefixes alone (a batch has prefetched them), then
    /// on full keys only across the run of equal prefixes.
    #[inline]
    pub(crate) fn lower_bound<T: Tie>(&self, k: Key, t: &T) -> usize {
        let p = &self.prefix[..self.len];
        let lo = p.partition_point(|&x| x < k.prefix);
        if p.get(lo) != Some(&k.prefix) {
            return lo; // no tie: the common case, one search
        }
        let run = p[lo..].partition_point(|&x| x == k.prefix);
        let s = &self.slot[lo..lo + run];
        t.prefetch_run(s);
        lo + s.partition_point(|&slot| {
            cmp(
                Key {
                    prefix: k.prefix,
                    slot,
                },
                k,
                t,
            ) == Ordering::Less
        })
    }

    /// find is the position of a key that is in this leaf. Across a run of
    /// equal prefixes it looks for the slot, which settles no tie: no
    /// member record or name is read.
    #[inline]
    pub(crate) fn find(&self, k: Key) -> Option<usize> {
        let p = &self.prefix[..self.len];
        let lo = p.partition_point(|&x| x < k.prefix);
        (lo..self.len)
            .take_while(|&i| p[i] == k.prefix)
            .find(|&i| self.slot[i] == k.slot)
    }

    pub(crate) fn insert_at(&mut self, i: usize, k: Key) {
        debug_assert!(self.len < LEAF_CAP && i <= self.len);
        self.prefix.copy_within(i..self.len, i + 1);
        self.slot.copy_within(i..self.len, i + 1);
        self.prefix[i] = k.prefix;
        self.slot[i] = k.slot;
        self.len += 1;
    }

    pub(crate) fn remove_at(&mut self, i: usize) {
        debug_assert!(i < self.len);
        self.prefix.copy_within(i + 1..self.len, i);
        self.slot.copy_within(i + 1..self.len, i);
        self.len -= 1;
    }

    /// split_off moves the keys from `at` on into a new leaf.
    pub(crate) fn split_off(&mut self, at: usize) -> Box<Leaf> {
        let mut right = Leaf::boxed();
        let n = self.len - at;
        right.prefix[..n].copy_from_slice(&self.prefix[at..self.len]);
        right.slot[..n].copy_from_slice(&self.slot[at..self.len]);
        right.len = n;
        self.len = at;
        right
    }

    /// append moves every key of `b` to the end of `self`.
    pub(crate) fn append(&mut self, b: &mut Leaf) {
        let (n, m) = (self.len, b.len);
        debug_assert!(n + m <= LEAF_CAP);
        self.prefix[n..n + m].copy_from_slice(&b.prefix[..m]);
        self.slot[n..n + m].copy_from_slice(&b.slot[..m]);
        self.len += m;
        b.len = 0;
    }

    /// balance shares the keys of two neighbours evenly, keeping order.
    pub(crate) fn balance(a: &mut Leaf, b: &mut Leaf) {
        let total = a.len + b.len;
        let want = total / 2;
        if a.len > want {
            let k = a.len - want;
            b.prefix.copy_within(0..b.len, k);
            b.slot.copy_within(0..b.len, k);
            b.prefix[..k].copy_from_slice(&a.prefix[want..a.len]);
            b.slot[..k].copy_from_slice(&a.slot[want..a.len]);
        } else {
            let k = want - a.len;
            a.prefix[a.len..want].copy_from_slice(&b.prefix[..k]);
            a.slot[a.len..want].copy_from_slice(&b.slot[..k]);
            b.prefix.copy_within(k..b.len, 0);
            b.slot.copy_within(k..b.len, 0);
        }
        a.len = want;
        b.len = total - want;
    }
}
