//! Leaves: up to [`LEAF_CAP`] keys, stored as two arrays so a search reads
//! only the prefixes (eight cache lines at most).

use super::super::key::{cmp, Key, Tie};
use super::super::prefetch::prefetch;
use super::NONE;
use core::cmp::Ordering;

/// LEAF_CAP is the most keys a leaf holds (776-byte leaves).
pub(crate) const LEAF_CAP: usize = 64;
/// LEAF_MIN is the fewest keys a leaf other than the root holds; below it
/// the leaf borrows from or merges with a neighbour.
pub(crate) const LEAF_MIN: usize = LEAF_CAP / 3;

/// Leaf puts `len` first so the first cache line read holds it and the
/// first seven prefixes; `parent` (the id of the inner node above, or
/// [`NONE`] at the root) shares that line, so a walk up from a member's
/// leaf starts with what loading the leaf brought.
#[repr(C)]
#[derive(Clone, Copy)]
pub(crate) struct Leaf {
    len: u32,
    pub(crate) parent: u32,
    prefix: [u64; LEAF_CAP],
    slot: [u32; LEAF_CAP],
}

impl Default for Leaf {
    fn default() -> Self {
        Leaf {
            len: 0,
            parent: NONE,
            prefix: [0; LEAF_CAP],
            slot: [0; LEAF_CAP],
        }
    }
}

impl Leaf {
    #[inline]
    pub(crate) fn len(&self) -> usize {
        self.len as usize
    }

    /// find is the position of a key that is in this leaf. Across a run of
    /// equal prefixes it looks for the slot, which settles no tie: no
    /// member record or name is read.
    #[inline]
    pub(crate) fn find(&self, k: Key) -> Option<usize> {
        let p = &self.prefix[..self.len()];
        let lo = p.partition_point(|&x| x < k.prefix);
        (lo..self.len())
            .take_while(|&i| p[i] == k.prefix)
            .find(|&i| self.slot[i] == k.slot)
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
        &self.slot[..self.len()]
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
        let p = &self.prefix[..self.len()];
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

    pub(crate) fn insert_at(&mut self, i: usize, k: Key) {
        let len = self.len();
        debug_assert!(len < LEAF_CAP && i <= len);
        self.prefix.copy_within(i..len, i + 1);
        self.slot.copy_within(i..len, i + 1);
        self.prefix[i] = k.prefix;
        self.slot[i] = k.slot;
        self.len += 1;
    }

    pub(crate) fn remove_at(&mut self, i: usize) {
        let len = self.len();
        debug_assert!(i < len);
        self.prefix.copy_within(i + 1..len, i);
        self.slot.copy_within(i + 1..len, i);
        self.len -= 1;
    }

    /// split_off moves the keys from `at` on into a new leaf with the
    /// same parent.
    pub(crate) fn split_off(&mut self, at: usize) -> Leaf {
        let mut right = Leaf {
            parent: self.parent,
            ..Leaf::default()
        };
        let len = self.len();
        let n = len - at;
        right.prefix[..n].copy_from_slice(&self.prefix[at..len]);
        right.slot[..n].copy_from_slice(&self.slot[at..len]);
        right.len = n as u32;
        self.len = at as u32;
        right
    }

    /// append moves every key of `b` to the end of `self`.
    pub(crate) fn append(&mut self, b: &mut Leaf) {
        let (n, m) = (self.len(), b.len());
        debug_assert!(n + m <= LEAF_CAP);
        self.prefix[n..n + m].copy_from_slice(&b.prefix[..m]);
        self.slot[n..n + m].copy_from_slice(&b.slot[..m]);
        self.len += m as u32;
        b.len = 0;
    }

    /// balance shares the keys of two neighbours evenly, keeping order.
    pub(crate) fn balance(a: &mut Leaf, b: &mut Leaf) {
        let (na, nb) = (a.len(), b.len());
        let total = na + nb;
        let want = total / 2;
        if na > want {
            let k = na - want;
            b.prefix.copy_within(0..nb, k);
            b.slot.copy_within(0..nb, k);
            b.prefix[..k].copy_from_slice(&a.prefix[want..na]);
            b.slot[..k].copy_from_slice(&a.slot[want..na]);
        } else {
            let k = want - na;
            a.prefix[na..want].copy_from_slice(&b.prefix[..k]);
            a.slot[na..want].copy_from_slice(&b.slot[..k]);
            b.prefix.copy_within(k..nb, 0);
            b.slot.copy_within(k..nb, 0);
        }
        a.len = want as u32;
        b.len = (total - want) as u32;
    }
}
