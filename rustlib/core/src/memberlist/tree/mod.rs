//! A counted B+tree of keys: insert, remove and rank in O(log n), and an
//! in-order walk from any rank.
//!
//! Keys compare through a [`Tie`] that the caller passes to every call, so
//! the tree itself holds only 12 bytes per key in its leaves.

mod inner;
mod leaf;

use super::key::{Key, Tie, TieKey};
use super::prefetch::prefetch;
use core::cmp::Ordering;
use inner::{Inner, Sep, INNER_CAP, INNER_MIN};
use leaf::{Leaf, LEAF_CAP, LEAF_MIN};

pub(crate) enum Node {
    Leaf(Box<Leaf>),
    Inner(Box<Inner>),
}

impl Node {
    /// prefetch_search starts loading what a search of this node reads
    /// (and, for a leaf, what an insert or remove shifts).
    #[inline]
    fn prefetch_search(&self) {
        match self {
            Node::Leaf(l) => l.prefetch(),
            Node::Inner(n) => n.prefetch(),
        }
    }

    /// first is the smallest key under the node (which is never empty
    /// unless it is an empty root), for the invariant checks.
    #[cfg(test)]
    fn first(&self) -> Key {
        match self {
            Node::Leaf(l) => l.key(0),
            Node::Inner(n) => n.key(0),
        }
    }

    /// first_sep is the smallest key with its tie key, for the parent.
    fn first_sep<T: Tie>(&self, t: &T) -> Sep {
        match self {
            Node::Leaf(l) => {
                let key = l.key(0);
                Sep {
                    key,
                    tie: t.tie_key(key.slot),
                }
            }
            Node::Inner(n) => n.sep(0),
        }
    }

    fn underfull(&self) -> bool {
        match self {
            Node::Leaf(l) => l.len < LEAF_MIN,
            Node::Inner(n) => n.len() < INNER_MIN,
        }
    }
}

/// Descent walks down one tree toward a key, one step at a time, so a
/// batch can advance all its descents together and have their cache
/// misses overlap: after each step, what the next step reads is being
/// loaded. It goes by prefix and, across children that share the prefix,
/// by tie key (in a step of its own, once the tie keys are loaded), so
/// a name sharing its first eight bytes with many others is followed to
/// its leaf too. Only a hint: two names sharing 16 bytes may lead it to a
/// neighbouring leaf.
///
/// The tie key may be left for later ([`Descent::wants_tie`]): working it
/// out can mean reading a name, which by the time a run of ties turns up
/// has had a few steps to load.
pub(crate) struct Descent<'a> {
    node: &'a Node,
    prefix: u64,
    tie: Option<TieKey>,
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
    /// wants_tie says the next step needs the tie key and none is set.
    #[inline]
    pub(crate) fn wants_tie(&self) -> bool {
        matches!(self.step, Step::Tie(..)) && self.tie.is_none()
    }

    /// set_tie gives the descent its tie key.
    #[inline]
    pub(crate) fn set_tie(&mut self, tie: TieKey) {
        self.tie = Some(tie);
    }

    /// step takes one step (see [`Step`]) and starts loading what the next
    /// one reads; false at a leaf.
    #[inline]
    pub(crate) fn step(&mut self) -> bool {
        let Node::Inner(n) = self.node else {
            return false;
        };
        self.step = match self.step {
            Step::Search => match n.run(self.prefix) {
                (lo, hi) if lo < hi => {
                    n.prefetch_run(lo, hi);
                    Step::Tie(lo, hi)
                }
                (_, hi) => self.aim(n, hi.saturating_sub(1)),
            },
            Step::Tie(lo, hi) => match self.tie {
                Some(tie) => self.aim(n, n.child_in_run(lo, hi, tie)),
                None => self.aim(n, hi - 1), // as by prefix alone
            },
            Step::Down(i) => {
                self.node = &n.kids[i];
                self.node.prefetch_search();
                Step::Search
            }
        };
        true
    }

    /// aim starts loading the entry of child `i` of `n`, to step down to.
    #[inline]
    fn aim(&self, n: &Inner, i: usize) -> Step {
        prefetch(&n.kids[i] as *const Node);
        Step::Down(i)
    }
}

/// Split is the right half of a node that overflowed: its smallest key,
/// the node and how many keys it holds.
struct Split {
    sep: Sep,
    node: Node,
    count: u32,
}

/// Nodes counts allocated nodes, for memory accounting.
#[derive(Default)]
struct Nodes {
    leaves: usize,
    inners: usize,
}

/// Tree is one group's members in order.
pub(crate) struct Tree {
    root: Node,
    len: usize,
    nodes: Nodes,
}

impl Tree {
    pub(crate) fn new() -> Self {
        Tree {
            root: Node::Leaf(Leaf::boxed()),
            len: 0,
            nodes: Nodes {
                leaves: 1,
                inners: 0,
            },
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.len
    }

    pub(crate) fn heap_bytes(&self) -> usize {
        self.nodes.leaves * size_of::<Leaf>() + self.nodes.inners * Inner::bytes()
    }

    /// insert adds a key that is not in the tree and returns its rank.
    pub(crate) fn insert<T: Tie>(&mut self, k: Key, t: &T) -> usize {
        let (rank, split) = insert(&mut self.root, k, t, &mut self.nodes);
        self.len += 1;
        if let Some(s) = split {
            let mut root = Inner::empty();
            let old = std::mem::replace(&mut self.root, Node::Leaf(Leaf::boxed()));
            let first = old.first_sep(t);
            root.insert_at(0, first, (self.len - s.count as usize) as u32, old);
            root.insert_at(1, s.sep, s.count, s.node);
            // The placeholder leaf is dropped here; it was never counted.
            self.root = Node::Inner(root);
            self.nodes.inners += 1;
        }
        rank
    }

    /// remove takes out a key that is in the tree and returns its rank.
    pub(crate) fn remove<T: Tie>(&mut self, k: Key, t: &T) -> usize {
        let rank = remove(&mut self.root, k, t, &mut self.nodes);
        self.len -= 1;
        while let Node::Inner(n) = &mut self.root {
            if n.len() != 1 {
                break;
            }
            let only = n.kids.pop().expect("one child");
            self.root = only;
            self.nodes.inners -= 1;
        }
        rank
    }

    /// rank is the position of a key that is in the tree.
    pub(crate) fn rank<T: Tie>(&self, k: Key, t: &T) -> usize {
        let mut node = &self.root;
        let mut rank = 0;
        loop {
            match node {
                Node::Leaf(l) => return rank + l.find(k).expect("key in tree"),
                Node::Inner(n) => {
                    let i = n.child(k, t);
                    rank += n.before(i);
                    node = &n.kids[i];
                }
            }
        }
    }

    /// descent starts a prefetching descent toward the key with `prefix`
    /// and tie key `tie`, if known yet.
    pub(crate) fn descent(&self, prefix: u64, tie: Option<TieKey>) -> Descent<'_> {
        self.root.prefetch_search();
        Descent {
            node: &self.root,
            prefix,
            tie,
            step: Step::Search,
        }
    }

    /// walk calls `f` with the slot of every key from rank `start` on, in
    /// order, until `f` returns false.
    pub(crate) fn walk(&self, start: usize, f: &mut impl FnMut(u32) -> bool) {
        walk(&self.root, start, f);
    }
}

fn insert<T: Tie>(node: &mut Node, k: Key, t: &T, nodes: &mut Nodes) -> (usize, Option<Split>) {
    match node {
        Node::Leaf(l) => {
            let pos = l.lower_bound(k, t);
            debug_assert!(pos == l.len || l.key(pos) != k, "key already in tree");
            if l.len < LEAF_CAP {
                l.insert_at(pos, k);
                return (pos, None);
            }
            let mid = LEAF_CAP / 2;
            let mut right = l.split_off(mid);
            nodes.leaves += 1;
            if pos <= mid {
                l.insert_at(pos, k);
            } else {
                right.insert_at(pos - mid, k);
            }
            let key = right.key(0);
            let split = Split {
                sep: Sep {
                    key,
                    tie: t.tie_key(key.slot),
                },
                count: right.len as u32,
                node: Node::Leaf(right),
            };
            (pos, Some(split))
        }
        Node::Inner(n) => {
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
            let before = n.before(i);
            let (rank, split) = insert(&mut n.kids[i], k, t, nodes);
            n.counts[i] += 1;
            let Some(s) = split else {
                return (before + rank, None);
            };
            n.counts[i] -= s.count;
            n.insert_at(i + 1, s.sep, s.count, s.node);
            if n.len() <= INNER_CAP {
                return (before + rank, None);
            }
            let right = n.split_off(n.len() / 2);
            nodes.inners += 1;
            let split = Split {
                sep: right.sep(0),
                count: right.total() as u32,
                node: Node::Inner(right),
            };
            (before + rank, Some(split))
        }
    }
}

fn remove<T: Tie>(node: &mut Node, k: Key, t: &T, nodes: &mut Nodes) -> usize {
    match node {
        Node::Leaf(l) => {
            let pos = l.find(k).expect("key in tree");
            l.remove_at(pos);
            pos
        }
        Node::Inner(n) => {
            let i = n.child(k, t);
            let before = n.before(i);
            let rank = remove(&mut n.kids[i], k, t, nodes);
            n.counts[i] -= 1;
            // Only removing a child's first key changes its smallest key;
            // asking the child would read a line or two of it for nothing.
            if rank == 0 {
                let first = n.kids[i].first_sep(t);
                n.set_sep(i, first);
            }
            if n.kids[i].underfull() {
                fix_underfull(n, i, t, nodes);
            }
            before + rank
        }
    }
}

/// fix_underfull merges child `i` with a neighbour when both fit in one
/// node, and otherwise shares their keys evenly.
fn fix_underfull<T: Tie>(n: &mut Inner, i: usize, t: &T, nodes: &mut Nodes) {
    let a = if i + 1 < n.len() { i } else { i - 1 };
    let (left, right) = n.kids.split_at_mut(a + 1);
    let merged = match (&mut left[a], &mut right[0]) {
        (Node::Leaf(x), Node::Leaf(y)) => {
            if x.len + y.len <= LEAF_CAP {
                x.append(y);
                nodes.leaves -= 1;
                true
            } else {
                Leaf::balance(x, y);
                n.counts[a] = x.len as u32;
                n.counts[a + 1] = y.len as u32;
                false
            }
        }
        (Node::Inner(x), Node::Inner(y)) => {
            if x.len() + y.len() <= INNER_CAP {
                x.append(y);
                nodes.inners -= 1;
                true
            } else {
                Inner::balance(x, y);
                n.counts[a] = x.total() as u32;
                n.counts[a + 1] = y.total() as u32;
                false
            }
        }
        _ => unreachable!("siblings are at the same depth"),
    };
    if merged {
        n.counts[a] += n.counts[a + 1];
        n.remove_at(a + 1);
    } else {
        let first = n.kids[a + 1].first_sep(t);
        n.set_sep(a + 1, first);
    }
}

fn walk(node: &Node, mut start: usize, f: &mut impl FnMut(u32) -> bool) -> bool {
    match node {
        Node::Leaf(l) => {
            for &slot in l.slots().iter().skip(start) {
                if !f(slot) {
                    return false;
                }
            }
            true
        }
        Node::Inner(n) => {
            for (kid, &count) in n.kids.iter().zip(&n.counts) {
                let count = count as usize;
                if start >= count {
                    start -= count;
                    continue;
                }
                if !walk(kid, start, f) {
                    return false;
                }
                start = 0;
            }
            true
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::key::{cmp, TieKey};
    use super::*;

    /// ByPrefix breaks prefix ties by slot, standing in for name and id.
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

    fn keys(tree: &Tree) -> Vec<u32> {
        let mut v = Vec::new();
        tree.walk(0, &mut |s| {
            v.push(s);
            true
        });
        v
    }

    /// check verifies every invariant: counts, smallest keys, fill.
    fn check(node: &Node, root: bool) -> usize {
        match node {
            Node::Leaf(l) => {
                assert!(root || l.len >= LEAF_MIN);
                l.len
            }
            Node::Inner(n) => {
                assert!(n.len() >= if root { 2 } else { INNER_MIN });
                assert!(n.len() <= INNER_CAP);
                for (i, kid) in n.kids.iter().enumerate() {
                    assert_eq!(check(kid, false), n.counts[i] as usize);
                    assert_eq!(kid.first(), n.key(i));
                    assert_eq!(n.sep(i).tie, BySlot.tie_key(n.key(i).slot));
                }
                n.total()
            }
        }
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
    /// and removes them again, checking every rank against a sorted vec.
    fn follow_a_sorted_vec(n: u32, prefixes: u64) {
        let t = BySlot;
        let mut tree = Tree::new();
        let mut model: Vec<Key> = Vec::new();
        let mut x: u64 = 1;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        for slot in 0..n {
            let k = Key {
                prefix: next() % prefixes,
                slot,
            };
            let want = model.partition_point(|&m| cmp(m, k, &t) == Ordering::Less);
            model.insert(want, k);
            assert_eq!(tree.insert(k, &t), want);
        }
        assert_eq!(check(&tree.root, true), model.len());
        while !model.is_empty() {
            let i = (next() as usize) % model.len();
            let k = model[i];
            assert_eq!(tree.rank(k, &t), i);
            assert_eq!(tree.remove(k, &t), i);
            model.remove(i);
            if model.len().is_multiple_of(997) {
                assert_eq!(check(&tree.root, true), model.len());
                assert_eq!(
                    keys(&tree),
                    model.iter().map(|k| k.slot).collect::<Vec<_>>()
                );
            }
        }
        assert_eq!(tree.len(), 0);
        assert_eq!(tree.nodes.leaves, 1);
        assert_eq!(tree.nodes.inners, 0);
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
            let mut d = tree.descent(k.prefix, Some(t.tie_key(slot)));
            while d.step() {}
            let Node::Leaf(l) = d.node else {
                panic!("a descent ends at a leaf");
            };
            assert!(
                l.find(k).is_some(),
                "slot {slot} is not in the leaf reached"
            );
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
