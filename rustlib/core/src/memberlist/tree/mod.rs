//! A counted B+tree of keys: insert, remove and rank in O(log n), and an
//! in-order walk from any rank.
//!
//! Keys compare through a [`Tie`] that the caller passes to every call, so
//! the tree itself holds only 12 bytes per key in its leaves.
//!
//! Nodes live in two arenas per tree, one of leaves and one of inner
//! nodes, and name each other by u32 id; every node knows its parent. A
//! caller that keeps each key's leaf id (the member record does) removes
//! and ranks a key by walking up from its leaf, with no key search. Insert
//! searches down by key, returns the new key's leaf and reports every key
//! it moved to another leaf ([`Tree::moved`]), as remove does, so the
//! caller's leaf ids stay exact.

mod inner;
mod leaf;

use super::key::{Key, Tie, TieKey};
use super::pages::Paged;
use super::prefetch::prefetch;
use core::cmp::Ordering;
use inner::{Inner, Sep, INNER_CAP, INNER_MIN};
use leaf::{Leaf, LEAF_CAP, LEAF_MIN};

/// NONE is the parent of a root, and the leaf of a key in no tree.
pub(crate) const NONE: u32 = u32::MAX;

/// MAX_HEIGHT bounds the levels of inner nodes: every node but the root
/// has at least 21 children or keys, so 8 levels hold far more than
/// `MAX_MEMBERS`.
const MAX_HEIGHT: usize = 8;

/// Descent walks down one tree toward a key, one step at a time, so a
/// batch can advance all its descents together and have their cache
/// misses overlap: after each step, what the next step reads is being
/// loaded. It goes by prefix and, across children that share the prefix,
/// by tie key (in a step of its own, once the tie keys are loaded), so
/// a name sharing its first eight bytes with many others is followed to
/// its leaf too. Only a hint: two names sharing 16 bytes may lead it to a
/// neighbouring leaf.
pub(crate) struct Descent<'a> {
    tree: &'a Tree,
    /// node is the inner node the descent is at, none once at a leaf.
    node: Option<&'a Inner>,
    /// leaf is the leaf reached, once reached.
    leaf: u32,
    /// level is how many inner levels lie below `node`.
    level: u32,
    prefix: u64,
    tie: TieKey,
    step: Step,
}

/// Step is what a descent does next at its node.
#[derive(Clone, Copy)]
enum Step {
    /// Search: pick the child by prefix, or find the run of children
    /// sharing it and start loading their tie keys.
    Search,
    /// Tie: pick the child among the run `.0` to `.1` (exclusive) by tie
    /// key.
    Tie(usize, usize),
    /// Down: move to child `.0` and start loading its search.
    Down(usize),
}

impl Descent<'_> {
    /// step takes one step (see [`Step`]) and starts loading what the next
    /// one reads; false at a leaf.
    #[inline]
    pub(crate) fn step(&mut self) -> bool {
        let Some(n) = self.node else {
            return false;
        };
        self.step = match self.step {
            Step::Search => match n.run(self.prefix) {
                (lo, hi) if lo < hi => {
                    n.prefetch_run(lo, hi);
                    Step::Tie(lo, hi)
                }
                (_, hi) => aim(n, hi.saturating_sub(1)),
            },
            Step::Tie(lo, hi) => aim(n, n.child_in_run(lo, hi, self.tie)),
            Step::Down(i) => {
                self.level -= 1;
                self.enter(n.kids[i]);
                Step::Search
            }
        };
        true
    }
}

impl<'a> Descent<'a> {
    /// enter moves to node `id` at `level` and starts loading its search.
    #[inline]
    fn enter(&mut self, id: u32) {
        if self.level == 0 {
            self.tree.leaves.at(id).prefetch();
            self.node = None;
            self.leaf = id;
            return;
        }
        let n = self.tree.inners.at(id);
        n.prefetch();
        self.node = Some(n);
    }
}

/// aim starts loading the id of child `i` of `n`, to step down to.
#[inline]
fn aim(n: &Inner, i: usize) -> Step {
    prefetch(&n.kids[i]);
    Step::Down(i)
}

/// Ascent loads, one level a step, what removing or ranking a key by its
/// leaf reads: the leaf whole (a remove shifts it), then its parent's
/// counts and children's ids. It stops there: the few nodes above are
/// read by every change and stay cached. Only a hint, like [`Descent`].
pub(crate) struct Ascent<'a> {
    tree: &'a Tree,
    /// leaf is the leaf being loaded, until the step that reads it.
    leaf: Option<&'a Leaf>,
}

impl Ascent<'_> {
    /// step reads the parent id of the leaf, loaded by now, and starts
    /// loading the parent; false once done.
    #[inline]
    pub(crate) fn step(&mut self) -> bool {
        let Some(l) = self.leaf.take() else {
            return false;
        };
        if l.parent != NONE {
            self.tree.inners.at(l.parent).prefetch_up();
        }
        true
    }
}

/// Split is the right half of a node that overflowed: its smallest key,
/// the node's id and how many keys it holds.
struct Split {
    sep: Sep,
    node: u32,
    count: u32,
}

/// Tree is one group's members in order.
pub(crate) struct Tree {
    leaves: Paged<Leaf>,
    inners: Paged<Inner>,
    root: u32,
    /// height is how many levels of inner nodes sit above the leaves.
    height: u32,
    len: usize,
    /// moved is, for the last insert or remove, every leaf that received
    /// keys from another and the range of positions they landed in.
    moved: Vec<(u32, u32, u32)>,
}

impl Tree {
    pub(crate) fn new() -> Self {
        let mut t = Tree {
            // One leaf first, doubling to pages of 64 (48.5 KiB); inner
            // nodes in pages of 16 (36.8 KiB): nothing is ever copied past
            // the first page, so no change waits for a large copy.
            leaves: Paged::new(0, 6, 1),
            inners: Paged::new(0, 4, 1),
            root: 0,
            height: 0,
            len: 0,
            moved: Vec::new(),
        };
        t.root = t.new_leaf(Leaf::default());
        t
    }

    pub(crate) fn len(&self) -> usize {
        self.len
    }

    pub(crate) fn heap_bytes(&self) -> usize {
        self.leaves.heap_bytes()
            + self.inners.heap_bytes()
            + self.moved.capacity() * size_of::<(u32, u32, u32)>()
    }

    fn new_leaf(&mut self, l: Leaf) -> u32 {
        let id = self.leaves.alloc();
        *self.leaves.at_mut(id) = l;
        id
    }

    fn new_inner(&mut self, n: Inner) -> u32 {
        let id = self.inners.alloc();
        *self.inners.at_mut(id) = n;
        id
    }

    /// set_parent sets the parent of node `id` at `level` (0: a leaf).
    fn set_parent(&mut self, level: u32, id: u32, parent: u32) {
        match level {
            0 => self.leaves.at_mut(id).parent = parent,
            _ => self.inners.at_mut(id).parent = parent,
        }
    }

    /// adopt sets `parent` as the parent of its children `lo..hi`.
    fn adopt(&mut self, level: u32, parent: u32, lo: usize, hi: usize) {
        let kids = self.inners.at(parent).kids;
        for &kid in &kids[lo..hi] {
            self.set_parent(level - 1, kid, parent);
        }
    }

    /// first_sep is the smallest key under node `id` at `level` (never
    /// empty unless it is an empty root) with its tie key, for the parent.
    fn first_sep<T: Tie>(&self, level: u32, id: u32, t: &T) -> Sep {
        if level > 0 {
            return self.inners.at(id).sep(0);
        }
        let key = self.leaves.at(id).key(0);
        Sep {
            key,
            tie: t.tie_key(key.slot),
        }
    }

    /// moved calls `f` with the slot and new leaf of every key that the
    /// last insert or remove moved to another leaf.
    pub(crate) fn moved(&self, mut f: impl FnMut(u32, u32)) {
        for &(leaf, lo, hi) in &self.moved {
            for &slot in &self.leaves.at(leaf).slots()[lo as usize..hi as usize] {
                f(slot, leaf);
            }
        }
    }

    /// insert adds a key that is not in the tree and returns its rank and
    /// its leaf. Keys it moves to other leaves are in [`Tree::moved`].
    /// One look-up per node on the way down, counting the key as it goes;
    /// the nodes it passed are looked up again only to take a split.
    pub(crate) fn insert<T: Tie>(&mut self, k: Key, t: &T) -> (usize, u32) {
        self.moved.clear();
        self.len += 1;
        let height = self.height as usize;
        // path[d]: the inner node at depth d and the child taken there.
        let mut path = [(0u32, 0usize); MAX_HEIGHT];
        let (mut id, mut rank) = (self.root, 0);
        for step in &mut path[..height] {
            let n = self.inners.at_mut(id);
            let i = n.child(k, t);
            if i == 0 && n.cmp_at(0, k, t) == Ordering::Greater {
                // k is the new smallest
                n.set_sep(
                    0,
                    Sep {
                        key: k,
                        tie: t.tie_key(k.slot),
                    },
                );
            }
            rank += n.before(i);
            n.counts[i] += 1;
            *step = (id, i);
            id = n.kids[i];
        }
        let l = self.leaves.at_mut(id);
        let pos = l.lower_bound(k, t);
        debug_assert!(pos == l.len() || l.key(pos) != k, "key already in tree");
        rank += pos;
        if l.len() < LEAF_CAP {
            l.insert_at(pos, k);
            return (rank, id);
        }
        let mid = LEAF_CAP / 2;
        let mut right = l.split_off(mid);
        if pos <= mid {
            l.insert_at(pos, k);
        } else {
            right.insert_at(pos - mid, k);
        }
        let (key, count) = (right.key(0), right.len() as u32);
        let rid = self.new_leaf(right);
        self.moved.push((rid, 0, count));
        let leaf = if pos <= mid { id } else { rid };
        let mut split = Split {
            sep: Sep {
                key,
                tie: t.tie_key(key.slot),
            },
            node: rid,
            count,
        };
        // The split goes up until a node has room for it. The new node's
        // parent is the split one's already: a split keeps it.
        for (level, &(pid, i)) in (1..).zip(path[..height].iter().rev()) {
            let n = self.inners.at_mut(pid);
            n.counts[i] -= split.count;
            n.insert_at(i + 1, split.sep, split.count, split.node);
            if n.len() <= INNER_CAP {
                return (rank, leaf);
            }
            let mut right = n.split_off(n.len() / 2);
            right.parent = n.parent;
            let (sep, count, len) = (right.sep(0), right.total() as u32, right.len());
            let rid = self.new_inner(right);
            self.adopt(level, rid, 0, len);
            split = Split {
                sep,
                node: rid,
                count,
            };
        }
        let old = self.root;
        let mut root = Inner::default();
        let first = self.first_sep(self.height, old, t);
        root.insert_at(0, first, (self.len - split.count as usize) as u32, old);
        root.insert_at(1, split.sep, split.count, split.node);
        let id = self.new_inner(root);
        self.set_parent(self.height, old, id);
        self.set_parent(self.height, split.node, id);
        self.root = id;
        self.height += 1;
        assert!(self.height as usize <= MAX_HEIGHT, "tree too tall");
        (rank, leaf)
    }

    /// remove takes out key `k`, which is in leaf `leaf`, and returns its
    /// rank: it walks up from the leaf, with no search above it and no tie
    /// settled. Keys it moves to other leaves are in [`Tree::moved`].
    pub(crate) fn remove<T: Tie>(&mut self, leaf: u32, k: Key, t: &T) -> usize {
        self.moved.clear();
        let l = self.leaves.at_mut(leaf);
        let pos = l.find(k).expect("key in its leaf");
        l.remove_at(pos);
        // Only removing a child's first key changes its smallest key;
        // asking the child would read a line or two of it for nothing.
        let mut sep = (pos == 0 && l.len() > 0).then(|| Sep {
            key: l.key(0),
            tie: t.tie_key(l.key(0).slot),
        });
        let mut under = l.len() < LEAF_MIN;
        let (mut child, mut parent) = (leaf, l.parent);
        let (mut level, mut rank) = (0, pos);
        // first: the key was the smallest under `child`.
        let mut first = pos == 0;
        let mut merged = false;
        while parent != NONE {
            // One look-up of the parent a level: what the next level needs
            // of it (its smallest key, its fill) is read while it is here.
            let p = self.inners.at_mut(parent);
            let i = p.index_of(child);
            rank += p.before(i);
            p.counts[i] -= 1;
            if let Some(sep) = sep {
                p.set_sep(i, sep);
            }
            first &= i == 0;
            (child, parent) = (parent, p.parent);
            if under {
                merged |= self.fix_underfull(child, i, level, t);
            }
            let p = self.inners.at(child);
            sep = first.then(|| p.sep(0));
            under = p.len() < INNER_MIN;
            level += 1;
        }
        self.len -= 1;
        // Only a merge of the root's children can leave it with one child.
        while merged && self.height > 0 {
            let root = self.inners.at(self.root);
            if root.len() != 1 {
                break;
            }
            let only = root.kids[0];
            self.inners.release(self.root);
            self.root = only;
            self.height -= 1;
            self.set_parent(self.height, only, NONE);
        }
        rank
    }

    /// fix_underfull merges child `i` of `pid` (children at `level`) with
    /// a neighbour when both fit in one node, and otherwise shares their
    /// keys evenly. Each merged or balanced node works on a copy of the
    /// right neighbour: both may sit in one page of the arena.
    /// True if it merged.
    fn fix_underfull<T: Tie>(&mut self, pid: u32, i: usize, level: u32, t: &T) -> bool {
        let p = self.inners.at(pid);
        let a = if i + 1 < p.len() { i } else { i - 1 };
        let (xid, yid) = (p.kids[a], p.kids[a + 1]);
        let counts = if level == 0 {
            let mut y = *self.leaves.at(yid);
            let x = self.leaves.at_mut(xid);
            let (nx, ny) = (x.len(), y.len());
            let want = (nx + ny) / 2;
            if nx + ny <= LEAF_CAP {
                x.append(&mut y);
                self.leaves.release(yid);
                self.moved.push((xid, nx as u32, (nx + ny) as u32));
                None
            } else {
                Leaf::balance(x, &mut y);
                let counts = (x.len() as u32, y.len() as u32);
                *self.leaves.at_mut(yid) = y;
                self.moved.push(match nx > want {
                    true => (yid, 0, (nx - want) as u32),
                    false => (xid, nx as u32, want as u32),
                });
                Some(counts)
            }
        } else {
            let mut y = *self.inners.at(yid);
            let x = self.inners.at_mut(xid);
            let (nx, ny) = (x.len(), y.len());
            let want = (nx + ny) / 2;
            if nx + ny <= INNER_CAP {
                x.append(&mut y);
                self.inners.release(yid);
                self.adopt(level, xid, nx, nx + ny);
                None
            } else {
                Inner::balance(x, &mut y);
                let counts = (x.total() as u32, y.total() as u32);
                *self.inners.at_mut(yid) = y;
                match nx > want {
                    true => self.adopt(level, yid, 0, nx - want),
                    false => self.adopt(level, xid, nx, want),
                }
                Some(counts)
            }
        };
        match counts {
            None => {
                let p = self.inners.at_mut(pid);
                p.counts[a] += p.counts[a + 1];
                p.remove_at(a + 1);
                true
            }
            Some((cx, cy)) => {
                let sep = self.first_sep(level, yid, t);
                let p = self.inners.at_mut(pid);
                (p.counts[a], p.counts[a + 1]) = (cx, cy);
                p.set_sep(a + 1, sep);
                false
            }
        }
    }

    /// rank is the position of key `k`, which is in leaf `leaf`: a walk up
    /// from the leaf, with no search above it and no tie settled.
    pub(crate) fn rank(&self, leaf: u32, k: Key) -> usize {
        let l = self.leaves.at(leaf);
        let mut rank = l.find(k).expect("key in its leaf");
        let (mut child, mut parent) = (leaf, l.parent);
        while parent != NONE {
            let p = self.inners.at(parent);
            rank += p.before(p.index_of(child));
            (child, parent) = (parent, p.parent);
        }
        rank
    }

    /// descent starts a prefetching descent toward the key with `prefix`
    /// and tie key `tie`.
    pub(crate) fn descent(&self, prefix: u64, tie: TieKey) -> Descent<'_> {
        let mut d = Descent {
            tree: self,
            node: None,
            leaf: NONE,
            level: self.height,
            prefix,
            tie,
            step: Step::Search,
        };
        d.enter(self.root);
        d
    }

    /// ascent starts a prefetching walk up from leaf `leaf`, which the
    /// list's records name, so it holds a key (see [`Ascent`]).
    pub(crate) fn ascent(&self, leaf: u32) -> Ascent<'_> {
        let l = self.leaves.at(leaf);
        l.prefetch();
        Ascent {
            tree: self,
            leaf: Some(l),
        }
    }

    /// walk calls `f` with the slot of every key from rank `start` on, in
    /// order, until `f` returns false.
    pub(crate) fn walk(&self, start: usize, f: &mut impl FnMut(u32) -> bool) {
        self.walk_in(self.root, self.height, start, f);
    }

    fn walk_in(
        &self,
        id: u32,
        level: u32,
        mut start: usize,
        f: &mut impl FnMut(u32) -> bool,
    ) -> bool {
        if level == 0 {
            for &slot in self.leaves.at(id).slots().iter().skip(start) {
                if !f(slot) {
                    return false;
                }
            }
            return true;
        }
        let n = self.inners.at(id);
        for (&kid, &count) in n.kids().iter().zip(&n.counts) {
            let count = count as usize;
            if start >= count {
                start -= count;
                continue;
            }
            if !self.walk_in(kid, level - 1, start, f) {
                return false;
            }
            start = 0;
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::super::key::{cmp, TieKey};
    use super::*;

    /// BySlot breaks prefix ties by slot, standing in for name and id.
    struct BySlot;
    impl Tie for BySlot {
        fn tie(&self, a: u32, b: u32) -> Ordering {
            a.cmp(&b)
        }
        fn tie_key(&self, slot: u32) -> TieKey {
            TieKey {
                next: 0,
                uid: u64::from(slot),
            }
        }
    }

    /// Tracked is a tree plus every key's leaf id, kept the way the list
    /// keeps its records': from what insert returns and what moved says.
    struct Tracked {
        tree: Tree,
        leaf: Vec<u32>,
    }

    impl Tracked {
        fn new() -> Self {
            Tracked {
                tree: Tree::new(),
                leaf: Vec::new(),
            }
        }

        fn follow_moves(&mut self) {
            let leaf = &mut self.leaf;
            self.tree.moved(|slot, l| leaf[slot as usize] = l);
        }

        fn insert(&mut self, k: Key) -> usize {
            let (rank, l) = self.tree.insert(k, &BySlot);
            let s = k.slot as usize;
            if self.leaf.len() <= s {
                self.leaf.resize(s + 1, NONE);
            }
            self.leaf[s] = l;
            self.follow_moves();
            rank
        }

        fn rank(&self, k: Key) -> usize {
            self.tree.rank(self.leaf[k.slot as usize], k)
        }

        fn remove(&mut self, k: Key) -> usize {
            let rank = self.tree.remove(self.leaf[k.slot as usize], k, &BySlot);
            self.leaf[k.slot as usize] = NONE;
            self.follow_moves();
            rank
        }

        /// check verifies every invariant (counts, smallest keys, fill,
        /// parents), that the keys are `want` in order, and that every
        /// key's leaf id names the leaf that holds it.
        fn check(&self, want: &[Key]) {
            let t = &self.tree;
            assert_eq!(check(t, t.root, t.height, NONE), want.len());
            assert_eq!(t.len(), want.len());
            assert_eq!(keys(t), want.iter().map(|k| k.slot).collect::<Vec<_>>());
            for k in want {
                let l = self.leaf[k.slot as usize];
                assert!(
                    t.leaves.at(l).find(*k).is_some(),
                    "slot {} is not in leaf {l}",
                    k.slot
                );
            }
            // Every node not in a free list is in the tree.
            let (mut leaves, mut inners) = (0, 0);
            count(t, t.root, t.height, &mut leaves, &mut inners);
            assert_eq!((leaves, inners), (t.leaves.live(), t.inners.live()));
        }
    }

    fn keys(tree: &Tree) -> Vec<u32> {
        let mut v = Vec::new();
        tree.walk(0, &mut |s| {
            v.push(s);
            true
        });
        v
    }

    fn count(t: &Tree, id: u32, level: u32, leaves: &mut usize, inners: &mut usize) {
        if level == 0 {
            *leaves += 1;
            return;
        }
        *inners += 1;
        for &kid in t.inners.at(id).kids() {
            count(t, kid, level - 1, leaves, inners);
        }
    }

    /// first is the smallest key under a node.
    fn first(t: &Tree, id: u32, level: u32) -> Key {
        match level {
            0 => t.leaves.at(id).key(0),
            _ => t.inners.at(id).key(0),
        }
    }

    /// check verifies the node `id` at `level` and what is under it, and
    /// returns how many keys that is.
    fn check(t: &Tree, id: u32, level: u32, parent: u32) -> usize {
        let root = parent == NONE;
        if level == 0 {
            let l = t.leaves.at(id);
            assert_eq!(l.parent, parent);
            assert!(root || l.len() >= LEAF_MIN);
            return l.len();
        }
        let n = t.inners.at(id);
        assert_eq!(n.parent, parent);
        assert!(n.len() >= if root { 2 } else { INNER_MIN });
        assert!(n.len() <= INNER_CAP);
        for (i, &kid) in n.kids().iter().enumerate() {
            assert_eq!(check(t, kid, level - 1, id), n.counts[i] as usize);
            assert_eq!(first(t, kid, level - 1), n.key(i));
            assert_eq!(n.sep(i).tie, BySlot.tie_key(n.key(i).slot));
            assert_eq!(n.index_of(kid), i);
        }
        n.total()
    }

    /// Rng is xorshift64.
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
    }

    /// insert puts `k` in both the tree and the sorted model, checking the
    /// rank.
    fn insert(tr: &mut Tracked, model: &mut Vec<Key>, k: Key) {
        let want = model.partition_point(|&m| cmp(m, k, &BySlot) == Ordering::Less);
        model.insert(want, k);
        assert_eq!(tr.insert(k), want);
    }

    /// remove takes model[i] out of both, checking the rank first.
    fn remove(tr: &mut Tracked, model: &mut Vec<Key>, i: usize) {
        let k = model[i];
        assert_eq!(tr.rank(k), i);
        assert_eq!(tr.remove(k), i);
        model.remove(i);
    }

    #[test]
    fn ranks_follow_a_sorted_vec_through_growth_and_shrinkage() {
        follow_a_sorted_vec(20_000, 5_000); // runs of about four
    }

    #[test]
    fn long_runs_of_equal_prefixes_rank_like_a_sorted_vec() {
        // Whole leaves and inner nodes of one prefix: searches settle
        // every step on tie keys and slots.
        follow_a_sorted_vec(6_000, 3);
    }

    /// follow_a_sorted_vec inserts `n` keys with prefixes below `prefixes`
    /// and removes them again by their leaves, checking every rank against
    /// a sorted vec and every key's leaf as it goes.
    fn follow_a_sorted_vec(n: u32, prefixes: u64) {
        let mut tr = Tracked::new();
        let mut model: Vec<Key> = Vec::new();
        let mut r = Rng(1);
        for slot in 0..n {
            let k = Key {
                prefix: r.next() % prefixes,
                slot,
            };
            insert(&mut tr, &mut model, k);
        }
        tr.check(&model);
        assert!(tr.tree.height >= 2);
        while !model.is_empty() {
            let i = (r.next() as usize) % model.len();
            remove(&mut tr, &mut model, i);
            if model.len().is_multiple_of(997) {
                tr.check(&model);
            }
        }
        assert_eq!(tr.tree.len(), 0);
        assert_eq!(tr.tree.leaves.live(), 1);
        assert_eq!(tr.tree.inners.live(), 0);
    }

    #[test]
    fn records_follow_their_keys_through_churn() {
        // Grow and shrink between 300 and 12,000 keys, three levels deep
        // at the top, so leaves and inner nodes split, merge and share
        // again and again; ids freed by merges are reused by splits. Half
        // the time new keys drift (up, then down) and removals take the
        // keys at the other end, so one side of the tree empties while the
        // other fills up: inner nodes share children with full neighbours
        // then, on either side.
        let mut tr = Tracked::new();
        let mut model: Vec<Key> = Vec::new();
        let mut r = Rng(7);
        let mut free: Vec<u32> = Vec::new();
        let mut next_slot = 0u32;
        let mut grow = true;
        let mut deepest = 0;
        for step in 0..160_000u32 {
            if model.len() >= 12_000 {
                grow = false;
            } else if model.len() <= 300 {
                grow = true;
            }
            // 0: no drift, 1: up, 2: none, 3: down.
            let drift = (step / 20_000) % 4;
            let add = r.next() % 8 < if grow { 5 } else { 3 };
            if add {
                let slot = free.pop().unwrap_or_else(|| {
                    next_slot += 1;
                    next_slot - 1
                });
                let base = match drift {
                    1 => u64::from(step),
                    3 => u64::from(u32::MAX - step),
                    _ => 0,
                };
                let k = Key {
                    prefix: base + r.next() % 3_000,
                    slot,
                };
                insert(&mut tr, &mut model, k);
            } else if !model.is_empty() {
                let n = model.len();
                let i = match drift {
                    1 => (r.next() as usize) % n.div_ceil(8),
                    3 => n - 1 - (r.next() as usize) % n.div_ceil(8),
                    _ => (r.next() as usize) % n,
                };
                free.push(model[i].slot);
                remove(&mut tr, &mut model, i);
            }
            deepest = deepest.max(tr.tree.height);
            if step % 1_500 == 0 {
                tr.check(&model);
            }
        }
        tr.check(&model);
        assert_eq!(deepest, 2);
    }

    #[test]
    fn descents_reach_the_leaf_of_a_key_in_a_long_run_of_ties() {
        let t = BySlot;
        let mut tree = Tree::new();
        let key = |slot: u32| Key {
            prefix: u64::from(slot % 3), // runs of 2,000 keys
            slot,
        };
        for slot in 0..6_000u32 {
            tree.insert(key(slot), &t);
        }
        for slot in (0..6_000u32).step_by(7) {
            let k = key(slot);
            let mut d = tree.descent(k.prefix, t.tie_key(slot));
            while d.step() {}
            assert!(d.node.is_none(), "a descent ends at a leaf");
            assert!(
                tree.leaves.at(d.leaf).find(k).is_some(),
                "slot {slot} is not in the leaf reached"
            );
        }
    }

    #[test]
    fn ascents_stop_at_the_parent() {
        let mut tr = Tracked::new();
        for slot in 0..6_000u32 {
            tr.insert(Key {
                prefix: u64::from(slot),
                slot,
            });
        }
        for slot in (0..6_000u32).step_by(11) {
            let mut a = tr.tree.ascent(tr.leaf[slot as usize]);
            let mut steps = 0;
            while a.step() {
                steps += 1;
            }
            assert_eq!(steps, 1);
        }
    }

    #[test]
    fn walk_starts_anywhere_and_stops_when_asked() {
        let t = BySlot;
        let mut tree = Tree::new();
        for slot in 0..1000u32 {
            tree.insert(
                Key {
                    prefix: u64::from(slot),
                    slot,
                },
                &t,
            );
        }
        for start in [0usize, 1, 63, 64, 500, 999, 1000, 5000] {
            let mut got = Vec::new();
            tree.walk(start, &mut |s| {
                got.push(s);
                got.len() < 10
            });
            let want: Vec<u32> = (start as u32..1000).take(10).collect();
            assert_eq!(got, want, "start {start}");
        }
    }
}
