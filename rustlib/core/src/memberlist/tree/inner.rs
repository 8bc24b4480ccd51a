//! Inner nodes: per child, its smallest key, how many keys it holds and
//! the child itself.

use super::super::key::{cmp, Key, Tie};
use super::super::prefetch::prefetch;
use super::Node;
use core::cmp::Ordering;

/// INNER_CAP is the most children an inner node has.
pub(crate) const INNER_CAP: usize = 64;
/// INNER_MIN is the fewest children an inner node other than the root has.
pub(crate) const INNER_MIN: usize = INNER_CAP / 3;

/// Inner keeps, for child `i`, its smallest key (so a search picks the last
/// child whose smallest key is not above the target, and every key here
/// names a live member) split into `prefix[i]` and `slot[i]` so a search
/// reads only prefixes, and `counts[i]`: how many keys are under it (so a
/// rank is the sum of the counts to the left).
pub(crate) struct Inner {
    prefix: Vec<u64>,
    slot: Vec<u32>,
    pub(crate) counts: Vec<u32>,
    pub(crate) kids: Vec<Node>,
}

impl Inner {
    /// empty makes a node with room for one child over capacity, which an
    /// insert holds for a moment before splitting.
    pub(crate) fn empty() -> Box<Inner> {
        Box::new(Inner {
            prefix: Vec::with_capacity(INNER_CAP + 1),
            slot: Vec::with_capacity(INNER_CAP + 1),
            counts: Vec::with_capacity(INNER_CAP + 1),
            kids: Vec::with_capacity(INNER_CAP + 1),
        })
    }

    /// bytes is what one inner node occupies.
    pub(crate) const fn bytes() -> usize {
        size_of::<Inner>() + (INNER_CAP + 1) * (8 + 4 + 4 + size_of::<Node>())
    }

    pub(crate) fn len(&self) -> usize {
        self.kids.len()
    }

    #[inline]
    pub(crate) fn key(&self, i: usize) -> Key {
        Key {
            prefix: self.prefix[i],
            slot: self.slot[i],
        }
    }

    #[inline]
    pub(crate) fn set_key(&mut self, i: usize, k: Key) {
        self.prefix[i] = k.prefix;
        self.slot[i] = k.slot;
    }

    /// child is the child to descend into for `k`: the last one whose
    /// smallest key is not above `k`, or the first. Like a leaf search, a
    /// binary search on prefixes, full keys only across a tie.
    #[inline]
    pub(crate) fn child<T: Tie>(&self, k: Key, t: &T) -> usize {
        let hi = self.prefix.partition_point(|&x| x <= k.prefix);
        if hi == 0 || self.prefix[hi - 1] != k.prefix {
            return hi.saturating_sub(1); // no tie: the common case, one search
        }
        let lo = self.prefix[..hi].partition_point(|&x| x < k.prefix);
        let run = hi - lo;
        let ties = &self.slot[lo..lo + run];
        let at_or_below = ties.partition_point(|&slot| {
            cmp(
                Key {
                    prefix: k.prefix,
                    slot,
                },
                k,
                t,
            ) != Ordering::Greater
        });
        (lo + at_or_below).saturating_sub(1)
    }

    /// prefetch_arrays starts loading the prefixes and counts.
    #[inline]
    pub(crate) fn prefetch_arrays(&self) {
        let (p, c) = (
            self.prefix.as_ptr().cast::<u8>(),
            self.counts.as_ptr().cast::<u8>(),
        );
        for off in (0..self.prefix.len() * 8).step_by(64) {
            prefetch(p.wrapping_add(off));
        }
        for off in (0..self.counts.len() * 4).step_by(64) {
            prefetch(c.wrapping_add(off));
        }
    }

    /// child_by_prefix is `child` on prefixes alone, for prefetch hints.
    #[inline]
    pub(crate) fn child_by_prefix(&self, prefix: u64) -> usize {
        self.prefix
            .partition_point(|&x| x <= prefix)
            .saturating_sub(1)
    }

    /// before is how many keys the children left of `i` hold.
    #[inline]
    pub(crate) fn before(&self, i: usize) -> usize {
        // u32 lanes vectorise; a list never holds 2^32 keys.
        self.counts[..i].iter().sum::<u32>() as usize
    }

    pub(crate) fn total(&self) -> usize {
        self.before(self.len())
    }

    pub(crate) fn insert_at(&mut self, i: usize, key: Key, count: u32, kid: Node) {
        self.prefix.insert(i, key.prefix);
        self.slot.insert(i, key.slot);
        self.counts.insert(i, count);
        self.kids.insert(i, kid);
    }

    pub(crate) fn remove_at(&mut self, i: usize) -> Node {
        self.prefix.remove(i);
        self.slot.remove(i);
        self.counts.remove(i);
        self.kids.remove(i)
    }

    /// split_off moves the children from `at` on into a new node.
    pub(crate) fn split_off(&mut self, at: usize) -> Box<Inner> {
        let mut right = Inner::empty();
        right.prefix.extend(self.prefix.drain(at..));
        right.slot.extend(self.slot.drain(at..));
        right.counts.extend(self.counts.drain(at..));
        right.kids.extend(self.kids.drain(at..));
        right
    }

    /// append moves every child of `b` to the end of `self`.
    pub(crate) fn append(&mut self, b: &mut Inner) {
        self.prefix.append(&mut b.prefix);
        self.slot.append(&mut b.slot);
        self.counts.append(&mut b.counts);
        self.kids.append(&mut b.kids);
    }

    /// balance shares the children of two neighbours evenly, keeping order.
    pub(crate) fn balance(a: &mut Inner, b: &mut Inner) {
        let want = (a.len() + b.len()) / 2;
        if a.len() > want {
            let n = a.len() - want;
            for _ in 0..n {
                let i = a.len() - 1;
                let (key, count) = (a.key(i), a.counts[i]);
                let kid = a.remove_at(i);
                b.insert_at(0, key, count, kid);
            }
        } else {
            let k = want - a.len();
            a.prefix.extend(b.prefix.drain(..k));
            a.slot.extend(b.slot.drain(..k));
            a.counts.extend(b.counts.drain(..k));
            a.kids.extend(b.kids.drain(..k));
        }
    }
}
