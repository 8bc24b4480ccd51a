//! Member records, found by user id.

use super::index::Index;
use super::pages::Paged;
use super::prefetch::prefetch;

/// Member is one member's record (28 bytes: packed to 4-byte alignment,
/// or the leaf id would round it up to 32).
#[repr(C, packed(4))]
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Member {
    pub uid: u64,
    /// prefix is the tree key's prefix: the sort name's first eight bytes.
    pub prefix: u64,
    /// group is the group's slot in [`super::groups::Groups`].
    pub group: u32,
    /// suffix is the [`super::names::NamePool`] handle of the name's rest.
    pub suffix: u32,
    /// leaf is the id of the leaf holding the member's key in its group's
    /// tree, so removing or ranking it walks up from there, with no key
    /// search. The list updates it whenever the tree moves the key.
    pub leaf: u32,
}

/// Members is a slab of records plus an index from user id to slot. The
/// index holds only 4-byte entries and reads the user id from the record,
/// which keeps it at about 4.5–9 bytes per member.
pub(crate) struct Members {
    slab: Paged<Member>,
    index: Index,
}

/// prefetch_record starts loading a record: two lines when it straddles
/// them, as 28-byte records do three times in eight.
#[inline]
fn prefetch_record(m: &Member) {
    let p = (m as *const Member).cast::<u8>();
    prefetch(p);
    prefetch(p.wrapping_add(size_of::<Member>() - 1));
}

impl Members {
    pub(crate) fn with_capacity(n: usize) -> Self {
        Members {
            // 64 records (1.75 KiB) first, growing to pages of 2048 (56 KiB):
            // at most 56 KiB unused, under 6 B per member from 10,000 up.
            slab: Paged::new(6, 5, 1),
            index: Index::with_capacity(n),
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.index.len()
    }

    #[inline]
    pub(crate) fn get(&self, slot: u32) -> &Member {
        self.slab.at(slot)
    }

    #[inline]
    pub(crate) fn get_mut(&mut self, slot: u32) -> &mut Member {
        self.slab.at_mut(slot)
    }

    /// find is the slot of a user's record.
    #[inline]
    pub(crate) fn find(&self, uid: u64) -> Option<u32> {
        let slab = &self.slab;
        self.index.find(uid, |s| slab.at(s).uid == uid)
    }

    /// prefetch_bucket starts loading the index bucket of `uid`.
    #[inline]
    pub(crate) fn prefetch_bucket(&self, uid: u64) {
        self.index.prefetch_bucket(uid);
    }

    /// prefetch_record starts loading the record `uid` probably has; the
    /// index bucket should be loaded (prefetch_bucket) by now.
    #[inline]
    pub(crate) fn prefetch_record(&self, uid: u64) {
        if let Some(s) = self.index.candidate(uid) {
            prefetch_record(self.slab.at(s));
        }
    }

    /// prefetch starts loading the record in `slot`.
    #[inline]
    pub(crate) fn prefetch(&self, slot: u32) {
        prefetch_record(self.slab.at(slot));
    }

    /// insert stores a record for a user not yet present and returns its
    /// slot. The caller keeps the count below MAX_SLOTS.
    pub(crate) fn insert(&mut self, m: Member) -> u32 {
        let slot = self.slab.alloc();
        *self.slab.at_mut(slot) = m;
        let slab = &self.slab;
        self.index.insert(m.uid, slot, |s| slab.at(s).uid);
        slot
    }

    /// remove drops the record in `slot`.
    pub(crate) fn remove(&mut self, slot: u32) {
        let uid = self.get(slot).uid;
        self.index.remove(uid, slot);
        self.slab.release(slot);
    }

    pub(crate) fn heap_bytes(&self) -> usize {
        self.slab.heap_bytes() + self.index.heap_bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_are_found_by_user_and_slots_reused() {
        let mut m = Members::with_capacity(0);
        let slots: Vec<u32> = (0..1000u64)
            .map(|uid| {
                m.insert(Member {
                    uid: uid << 22,
                    prefix: uid,
                    ..Member::default()
                })
            })
            .collect();
        for (uid, &slot) in slots.iter().enumerate() {
            assert_eq!(m.find((uid as u64) << 22), Some(slot));
            assert_eq!({ m.get(slot).prefix }, uid as u64);
        }
        m.remove(slots[10]);
        assert_eq!(m.find(10 << 22), None);
        assert_eq!(m.len(), 999);
        let again = m.insert(Member {
            uid: 7,
            ..Member::default()
        });
        assert_eq!(again, slots[10]);
        assert_eq!(m.find(7), Some(again));
    }
}
