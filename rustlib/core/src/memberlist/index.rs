//! The user index: user id → member slot, in 4 bytes per bucket.
//!
//! Open addressing with linear probing over `u32` entries: the top 8 bits
//! are a tag from the hash, the low 24 the slot plus one. The user id lives
//! in the member record, read only when a tag matches (1 in 256 otherwise),
//! so the table stays a third the size of a map holding the ids, and the
//! bucket of an id is known before any lookup, which lets a batch prefetch
//! the buckets of all its changes at once.

use super::hash::mix;
use super::prefetch::prefetch;

const EMPTY: u32 = 0;
/// TOMB marks a removed entry that a probe must step over. Its slot field
/// (all ones) is never a slot plus one.
const TOMB: u32 = u32::MAX;
const SLOT_BITS: u32 = 24;
const SLOT_MASK: u32 = (1 << SLOT_BITS) - 1;

/// MAX_SLOTS is how many members an index can hold.
pub(crate) const MAX_SLOTS: usize = SLOT_MASK as usize - 1;

pub(crate) struct Index {
    t: Vec<u32>,
    live: usize,
    tombs: usize,
}

#[inline]
fn tag(h: u64) -> u32 {
    (h >> 56) as u32
}

impl Index {
    pub(crate) fn with_capacity(n: usize) -> Self {
        let cap = (n.min(MAX_SLOTS) * 8 / 7 + 1).next_power_of_two().max(16);
        Index {
            t: vec![EMPTY; cap],
            live: 0,
            tombs: 0,
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.live
    }

    #[inline]
    fn mask(&self) -> usize {
        self.t.len() - 1
    }

    /// prefetch_bucket starts loading the bucket where `uid`'s probe begins.
    #[inline]
    pub(crate) fn prefetch_bucket(&self, uid: u64) {
        let i = mix(uid) as usize & self.mask();
        prefetch(self.t.as_ptr().wrapping_add(i));
    }

    /// candidate is the slot of the first entry on `uid`'s probe whose tag
    /// matches: almost always the member's slot, checked by the caller.
    #[inline]
    pub(crate) fn candidate(&self, uid: u64) -> Option<u32> {
        let h = mix(uid);
        let mut i = h as usize & self.mask();
        loop {
            let e = self.t[i];
            if e == EMPTY {
                return None;
            }
            if e != TOMB && e >> SLOT_BITS == tag(h) {
                return Some((e & SLOT_MASK) - 1);
            }
            i = (i + 1) & self.mask();
        }
    }

    /// find is the slot whose record `is` the user.
    #[inline]
    pub(crate) fn find(&self, uid: u64, is: impl Fn(u32) -> bool) -> Option<u32> {
        let h = mix(uid);
        let mut i = h as usize & self.mask();
        loop {
            let e = self.t[i];
            if e == EMPTY {
                return None;
            }
            if e != TOMB && e >> SLOT_BITS == tag(h) && is((e & SLOT_MASK) - 1) {
                return Some((e & SLOT_MASK) - 1);
            }
            i = (i + 1) & self.mask();
        }
    }

    /// insert adds a user known to be absent. `uid_of` gives the user of a
    /// slot, for rehashing when the table grows.
    pub(crate) fn insert(&mut self, uid: u64, slot: u32, uid_of: impl Fn(u32) -> u64) {
        debug_assert!((slot as usize) < MAX_SLOTS);
        if (self.live + self.tombs + 1) * 8 > self.t.len() * 7 {
            let cap = if (self.live + 1) * 2 > self.t.len() {
                self.t.len() * 2
            } else {
                self.t.len() // mostly tombstones: same size, swept
            };
            self.rehash(cap, &uid_of);
        }
        let h = mix(uid);
        let mut i = h as usize & self.mask();
        while self.t[i] != EMPTY && self.t[i] != TOMB {
            i = (i + 1) & self.mask();
        }
        if self.t[i] == TOMB {
            self.tombs -= 1;
        }
        self.t[i] = tag(h) << SLOT_BITS | (slot + 1);
        self.live += 1;
    }

    /// remove drops the entry of `slot`, which holds `uid`.
    pub(crate) fn remove(&mut self, uid: u64, slot: u32) {
        let mask = self.mask();
        let Some(mut i) = (0..self.t.len())
            .map(|k| (mix(uid) as usize + k) & mask)
            .take_while(|&i| self.t[i] != EMPTY)
            .find(|&i| self.t[i] != TOMB && self.t[i] & SLOT_MASK == slot + 1)
        else {
            debug_assert!(false, "slot not indexed");
            return;
        };
        self.live -= 1;
        if self.t[(i + 1) & mask] != EMPTY {
            self.t[i] = TOMB;
            self.tombs += 1;
            return;
        }
        // Nothing probes past an empty bucket, so this entry and the
        // tombstones just before it can all become empty.
        self.t[i] = EMPTY;
        loop {
            i = i.wrapping_sub(1) & mask;
            if self.t[i] != TOMB {
                break;
            }
            self.t[i] = EMPTY;
            self.tombs -= 1;
        }
    }

    fn rehash(&mut self, cap: usize, uid_of: &impl Fn(u32) -> u64) {
        let old = std::mem::replace(&mut self.t, vec![EMPTY; cap]);
        let mask = cap - 1;
        for e in old {
            if e == EMPTY || e == TOMB {
                continue;
            }
            let h = mix(uid_of((e & SLOT_MASK) - 1));
            let mut i = h as usize & mask;
            while self.t[i] != EMPTY {
                i = (i + 1) & mask;
            }
            self.t[i] = e;
        }
        self.tombs = 0;
    }

    pub(crate) fn heap_bytes(&self) -> usize {
        self.t.capacity() * size_of::<u32>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_survive_growth_removal_and_sweeps() {
        // uid of slot s is s * 7 + 3; a model says which slots are live.
        let uid_of = |s: u32| u64::from(s) * 7 + 3;
        let mut ix = Index::with_capacity(0);
        let mut live = vec![false; 5000];
        let mut x: u64 = 12345;
        for round in 0..40_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let s = (x % 5000) as u32;
            if live[s as usize] {
                ix.remove(uid_of(s), s);
            } else {
                ix.insert(uid_of(s), s, uid_of);
            }
            live[s as usize] = !live[s as usize];
            if round % 5000 == 0 || round == 39_999 {
                for (s, &l) in live.iter().enumerate() {
                    let s = s as u32;
                    let got = ix.find(uid_of(s), |c| uid_of(c) == uid_of(s));
                    assert_eq!(got, l.then_some(s), "round {round} slot {s}");
                }
                assert_eq!(ix.len(), live.iter().filter(|&&l| l).count());
                assert!(
                    ix.t.len() <= 16384,
                    "table grew without bound: {}",
                    ix.t.len()
                );
            }
        }
    }
}
