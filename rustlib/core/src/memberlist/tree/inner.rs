//! Inner nodes: per child, its smallest key, how many keys it holds and
//! the child's id.

use super::super::key::{Key, Tie, TieKey};
use super::super::prefetch::prefetch;
use super::NONE;
use core::cmp::Ordering;
use core::mem::offset_of;

/// INNER_CAP is the most children an inner node has.
pub(crate) const INNER_CAP: usize = 64;
/// INNER_MIN is the fewest children an inner node other than the root has.
pub(crate) const INNER_MIN: usize = INNER_CAP / 3;
/// SLOTS leaves room for one child over capacity, which an insert holds
/// for a moment before splitting.
const SLOTS: usize = INNER_CAP + 1;

/// Sep is what an inner node keeps of a child's smallest key: the key and
/// its [`TieKey`], so a search across equal prefixes reads no record.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Sep {
    pub key: Key,
    pub tie: TieKey,
}

/// Inner keeps, for child `i`, its smallest key (so a search picks the last
/// child whose smallest key is not above the target, and every key here
/// names a live member) split into `prefix[i]`, `slot[i]` and the tie key
/// in `next[i]`, `uid[i]`, so a search reads prefixes only unless they
/// tie; `counts[i]`: how many keys are under it (so a rank is the sum of
/// the counts to the left); and `kids[i]`: the child's id in its tree's
/// leaf or inner arena. `parent` is the id of the inner node above
/// ([`NONE`] at the root), so a removal walks up from a member's leaf
/// instead of searching down for its key. The arrays sit inline at fixed
/// offsets, so loading a node needs no read of the node first; `len` and
/// `parent` share the first cache line with the first prefixes, and
/// `kids` follows `counts`, the two arrays a walk up reads.
#[repr(C)]
#[derive(Clone, Copy)]
pub(crate) struct Inner {
    len: u32,
    pub(crate) parent: u32,
    prefix: [u64; SLOTS],
    pub(crate) counts: [u32; SLOTS],
    pub(crate) kids: [u32; SLOTS],
    slot: [u32; SLOTS],
    next: [u64; SLOTS],
    uid: [u64; SLOTS],
}

impl Default for Inner {
    fn default() -> Self {
        Inner {
            len: 0,
            parent: NONE,
            prefix: [0; SLOTS],
            counts: [0; SLOTS],
            kids: [0; SLOTS],
            slot: [0; SLOTS],
            next: [0; SLOTS],
            uid: [0; SLOTS],
        }
    }
}

/// cols applies one array move to every per-child array alike.
macro_rules! cols {
    ($f:ident($a:expr $(, $b:expr)?; $($arg:expr),*)) => {{
        $f(&mut $a.prefix $(, &$b.prefix)?, $($arg),*);
        $f(&mut $a.counts $(, &$b.counts)?, $($arg),*);
        $f(&mut $a.kids $(, &$b.kids)?, $($arg),*);
        $f(&mut $a.slot $(, &$b.slot)?, $($arg),*);
        $f(&mut $a.next $(, &$b.next)?, $($arg),*);
        $f(&mut $a.uid $(, &$b.uid)?, $($arg),*);
    }};
}

/// shift moves `n` entries from `from` to `to` within one array.
#[inline]
fn shift<T: Copy>(a: &mut [T; SLOTS], from: usize, to: usize, n: usize) {
    a.copy_within(from..from + n, to);
}

/// copy copies `n` entries of `src` from `from` into `dst` at `to`.
#[inline]
fn copy<T: Copy>(dst: &mut [T; SLOTS], src: &[T; SLOTS], from: usize, to: usize, n: usize) {
    dst[to..to + n].copy_from_slice(&src[from..from + n]);
}

impl Inner {
    #[inline]
    pub(crate) fn len(&self) -> usize {
        self.len as usize
    }

    /// kids is the ids of the children, in order.
    #[inline]
    pub(crate) fn kids(&self) -> &[u32] {
        &self.kids[..self.len()]
    }

    /// index_of is the position of child `id`: a scan of the children's
    /// ids, cheaper than keeping a position in every child up to date
    /// when its siblings shift (which would write to up to 64 other nodes).
    #[inline]
    pub(crate) fn index_of(&self, id: u32) -> usize {
        self.kids()
            .iter()
            .position(|&k| k == id)
            .expect("child of its parent")
    }

    #[inline]
    pub(crate) fn key(&self, i: usize) -> Key {
        Key {
            prefix: self.prefix[i],
            slot: self.slot[i],
        }
    }

    #[inline]
    pub(crate) fn sep(&self, i: usize) -> Sep {
        Sep {
            key: self.key(i),
            tie: TieKey {
                next: self.next[i],
                uid: self.uid[i],
            },
        }
    }

    #[inline]
    pub(crate) fn set_sep(&mut self, i: usize, s: Sep) {
        self.prefix[i] = s.key.prefix;
        self.slot[i] = s.key.slot;
        self.next[i] = s.tie.next;
        self.uid[i] = s.tie.uid;
    }

    /// cmp_at orders child `i`'s smallest key against `k`.
    #[inline]
    pub(crate) fn cmp_at<T: Tie>(&self, i: usize, k: Key, t: &T) -> Ordering {
        match self.prefix[i].cmp(&k.prefix) {
            Ordering::Equal => self.cmp_tied(i, k, t.tie_key(k.slot), t),
            o => o,
        }
    }

    /// cmp_tied orders child `i`'s smallest key against `k`, whose prefix
    /// is the same and whose tie key is `mine`: from the node alone unless
    /// the names share 16 bytes.
    #[inline]
    fn cmp_tied<T: Tie>(&self, i: usize, k: Key, mine: TieKey, t: &T) -> Ordering {
        if self.slot[i] == k.slot {
            return Ordering::Equal;
        }
        let theirs = TieKey {
            next: self.next[i],
            uid: self.uid[i],
        };
        theirs
            .cmp(mine)
            .unwrap_or_else(|| t.tie(self.slot[i], k.slot))
    }

    /// child is the child to descend into for `k`: the last one whose
    /// smallest key is not above `k`, or the first. A binary search on
    /// prefixes; across a run of equal prefixes, on tie keys.
    #[inline]
    pub(crate) fn child<T: Tie>(&self, k: Key, t: &T) -> usize {
        let p = &self.prefix[..self.len()];
        let hi = p.partition_point(|&x| x <= k.prefix);
        if hi == 0 || p[hi - 1] != k.prefix {
            return hi.saturating_sub(1); // no tie: the common case, one search
        }
        let lo = p[..hi].partition_point(|&x| x < k.prefix);
        let mine = t.tie_key(k.slot);
        let (mut a, mut b) = (lo, hi);
        while a < b {
            let m = a + (b - a) / 2;
            if self.cmp_tied(m, k, mine, t) == Ordering::Greater {
                b = m;
            } else {
                a = m + 1;
            }
        }
        a.saturating_sub(1)
    }

    /// prefetch starts loading what a search and a rank read: the
    /// children's header, the prefixes and the counts. It reads nothing of
    /// the node, so it never waits for it.
    #[inline]
    pub(crate) fn prefetch(&self) {
        let base = (self as *const Inner).cast::<u8>();
        let end = offset_of!(Inner, counts) + SLOTS * 4;
        for off in (0..end).step_by(64) {
            prefetch(base.wrapping_add(off));
        }
    }

    /// prefetch_up starts loading what a walk up from a child reads: the
    /// counts and the children's ids.
    #[inline]
    pub(crate) fn prefetch_up(&self) {
        let base = (self as *const Inner).cast::<u8>();
        let end = offset_of!(Inner, kids) + SLOTS * 4;
        for off in (offset_of!(Inner, counts) & !63..end).step_by(64) {
            prefetch(base.wrapping_add(off));
        }
    }

    /// run is where the children whose smallest prefix is `prefix` sit,
    /// `lo..hi`, with `hi` one past the last child not above it; `lo ==
    /// hi` when none ties. For prefetch hints.
    #[inline]
    pub(crate) fn run(&self, prefix: u64) -> (usize, usize) {
        let p = &self.prefix[..self.len()];
        let hi = p.partition_point(|&x| x <= prefix);
        if hi == 0 || p[hi - 1] != prefix {
            return (hi, hi);
        }
        (p[..hi].partition_point(|&x| x < prefix), hi)
    }

    /// prefetch_run starts loading the tie keys of children `lo..hi`,
    /// which `child_in_run` reads.
    #[inline]
    pub(crate) fn prefetch_run(&self, lo: usize, hi: usize) {
        for col in [&self.next, &self.uid] {
            for i in (lo..hi).step_by(8) {
                prefetch(&col[i]);
            }
            prefetch(&col[hi - 1]);
        }
    }

    /// child_in_run is `child` for a key whose prefix the children `lo..hi`
    /// share, on tie keys alone (a child whose name shares 16 bytes with
    /// the key's counts as not above it), for prefetch hints.
    #[inline]
    pub(crate) fn child_in_run(&self, lo: usize, hi: usize, mine: TieKey) -> usize {
        let (mut a, mut b) = (lo, hi);
        while a < b {
            let m = a + (b - a) / 2;
            let theirs = TieKey {
                next: self.next[m],
                uid: self.uid[m],
            };
            if theirs.cmp(mine) == Some(Ordering::Greater) {
                b = m;
            } else {
                a = m + 1;
            }
        }
        a.saturating_sub(1)
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

    pub(crate) fn insert_at(&mut self, i: usize, s: Sep, count: u32, kid: u32) {
        debug_assert!(self.len() < SLOTS && i <= self.len());
        let n = self.len() - i;
        cols!(shift(self; i, i + 1, n));
        self.set_sep(i, s);
        self.counts[i] = count;
        self.kids[i] = kid;
        self.len += 1;
    }

    pub(crate) fn remove_at(&mut self, i: usize) {
        let n = self.len() - i - 1;
        cols!(shift(self; i + 1, i, n));
        self.len -= 1;
    }

    /// split_off moves the children from `at` on into a new node (whose
    /// parent the caller sets, as the children's).
    pub(crate) fn split_off(&mut self, at: usize) -> Inner {
        let mut right = Inner::default();
        let n = self.len() - at;
        cols!(copy(right, self; at, 0, n));
        right.len = n as u32;
        self.len = at as u32;
        right
    }

    /// append moves every child of `b` to the end of `self`.
    pub(crate) fn append(&mut self, b: &mut Inner) {
        let (n, m) = (self.len(), b.len());
        debug_assert!(n + m <= SLOTS);
        cols!(copy(self, b; 0, n, m));
        self.len += m as u32;
        b.len = 0;
    }

    /// balance shares the children of two neighbours evenly, keeping order.
    pub(crate) fn balance(a: &mut Inner, b: &mut Inner) {
        let (na, nb) = (a.len(), b.len());
        let want = (na + nb) / 2;
        if na > want {
            let k = na - want;
            cols!(shift(b; 0, k, nb));
            cols!(copy(b, a; want, 0, k));
        } else {
            let k = want - na;
            cols!(copy(a, b; 0, na, k));
            cols!(shift(b; k, 0, nb - k));
        }
        a.len = want as u32;
        b.len = (na + nb - want) as u32;
    }
}
