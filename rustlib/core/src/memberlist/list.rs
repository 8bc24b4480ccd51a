//! MemberList: the list, its changes and its reads.

use super::change::{Change, Error, GroupCount, Outcome, Row, RowChange};
use super::groups::Groups;
use super::key::{prefix_of, Key, Tie, TieKey};
use super::members::{Member, Members};
use super::names::NamePool;
use super::prefetch::prefetch;
use super::tree::{Ascent, Descent, NONE};
use super::MAX_MEMBERS;
use core::cell::Cell;
use core::cmp::Ordering;

/// PREFETCH_CHUNK is how many changes share one prefetch pass, applied
/// right after it. Fewer changes per pass keep more of what it loaded in
/// the core's first-level cache until they use it, and fewer overlap their
/// waits: at 1M members 16 did a little better than 32, and no worse than
/// 8 (bench machine, 2026-11-28).
const PREFETCH_CHUNK: usize = 16;
/// PREFETCH_MIN is the smallest batch worth a prefetch pass: a lone change
/// has no other change's memory waits to overlap with.
const PREFETCH_MIN: usize = 4;
/// PREFETCH_MIN_MEMBERS is the smallest list worth one: below it the list
/// (about 55 B per member) fits in a core's L2 cache and the pass is only
/// extra work.
const PREFETCH_MIN_MEMBERS: usize = 1 << 16;

/// MemberList is one lazy member list. See the module docs.
pub struct MemberList {
    members: Members,
    names: NamePool,
    groups: Groups,
    /// scratch holds a group order while it is checked for duplicates.
    scratch: Vec<u64>,
    /// prefetch_from is the list size from which batches get a prefetch pass.
    prefetch_from: usize,
}

/// Ctx settles prefix ties: the rest of the name, then the user id. Every
/// tree call looks for one key, the target's, which takes part in every
/// tie it settles, so the target's record is read once.
struct Ctx<'a> {
    members: &'a Members,
    names: &'a NamePool,
    slot: u32,
    uid: u64,
    suffix: u32,
    /// mine is the target's tie key, read when first needed.
    mine: Cell<Option<TieKey>>,
    /// deep: the list is large enough that records and names are likely
    /// out of cache, so a search across a run of ties prefetches them.
    deep: bool,
}

/// RUN_PREFETCH_MIN is the shortest run of ties whose records are
/// prefetched: a binary search over fewer reads nearly all of them anyway,
/// one after another.
const RUN_PREFETCH_MIN: usize = 4;

impl<'a> Ctx<'a> {
    /// new is the context of a call that looks for `slot`'s key; the record
    /// holds the key's name and user id.
    #[inline]
    fn new(members: &'a Members, names: &'a NamePool, slot: u32, deep: bool) -> Self {
        let m = members.get(slot);
        Ctx {
            members,
            names,
            slot,
            uid: m.uid,
            suffix: m.suffix,
            mine: Cell::new(None),
            deep,
        }
    }

    /// of is the suffix handle and user id of a slot.
    #[inline]
    fn of(&self, slot: u32) -> (u32, u64) {
        if slot == self.slot {
            return (self.suffix, self.uid);
        }
        let m = self.members.get(slot);
        (m.suffix, m.uid)
    }
}

impl Tie for Ctx<'_> {
    #[inline]
    fn tie(&self, a: u32, b: u32) -> Ordering {
        let ((xs, xu), (ys, yu)) = (self.of(a), self.of(b));
        // Two members share a handle only when neither has a suffix.
        let names = match xs == ys {
            true => Ordering::Equal,
            false => self.names.get(xs).cmp(self.names.get(ys)),
        };
        names.then(xu.cmp(&yu))
    }

    #[inline]
    fn tie_key(&self, slot: u32) -> TieKey {
        if slot != self.slot {
            let m = self.members.get(slot);
            return TieKey::of(self.names.get(m.suffix), m.uid);
        }
        if let Some(k) = self.mine.get() {
            return k;
        }
        let k = TieKey::of(self.names.get(self.suffix), self.uid);
        self.mine.set(Some(k));
        k
    }

    /// prefetch_run loads the run's records, then their suffixes: two
    /// memory waits for the whole search instead of two per probe.
    #[inline]
    fn prefetch_run(&self, slots: &[u32]) {
        if !self.deep || slots.len() < RUN_PREFETCH_MIN {
            return;
        }
        for &s in slots {
            self.members.prefetch(s);
        }
        for &s in slots {
            self.names.prefetch(self.members.get(s).suffix);
        }
    }
}

/// step_all steps every walk in `w`, moves those not done to the front and
/// says how many they are, so later rounds visit only those.
#[inline]
fn step_all<W>(w: &mut [W], mut step: impl FnMut(&mut W) -> bool) -> usize {
    let mut live = 0;
    for i in 0..w.len() {
        if step(&mut w[i]) {
            w.swap(live, i);
            live += 1;
        }
    }
    live
}

impl Default for MemberList {
    fn default() -> Self {
        Self::new()
    }
}

impl MemberList {
    pub fn new() -> Self {
        Self::with_capacity(0)
    }

    /// with_capacity makes a list whose user index holds `members` members
    /// before it first grows (growing rehashes every member at once).
    pub fn with_capacity(members: usize) -> Self {
        MemberList {
            members: Members::with_capacity(members),
            names: NamePool::new(),
            groups: Groups::new(),
            scratch: Vec::new(),
            prefetch_from: PREFETCH_MIN_MEMBERS,
        }
    }

    /// prefetch_from sets the list size from which batches of four or more
    /// changes get a prefetch pass (default 65,536, where the list outgrows
    /// a core's L2 cache). The pass changes no result; tests set 0 to run it
    /// on small lists.
    pub fn prefetch_from(mut self, members: usize) -> Self {
        self.prefetch_from = members;
        self
    }

    /// deep says whether the list is past `prefetch_from`.
    #[inline]
    fn deep(&self) -> bool {
        self.members.len() >= self.prefetch_from
    }

    /// validate checks a change without applying it.
    pub fn validate(&mut self, c: &Change<'_>) -> Result<(), Error> {
        c.check_shape()?;
        if let Change::SetOrder { groups } = *c {
            self.scratch.clear();
            self.scratch.extend_from_slice(groups);
            self.scratch.sort_unstable();
            if let Some(w) = self.scratch.windows(2).find(|w| w[0] == w[1]) {
                return Err(Error::DuplicateGroup { id: w[0] });
            }
        }
        Ok(())
    }

    /// apply applies one change and appends its row changes to `out`.
    pub fn apply(&mut self, c: &Change<'_>, out: &mut Vec<RowChange>) -> Result<Outcome, Error> {
        self.apply_batch(core::slice::from_ref(c), out)
    }

    /// apply_batch applies `changes` in order and appends their row changes
    /// to `out`: applied in order to the rows as they were, they give the
    /// rows as they are. If any change is invalid, nothing is applied. If
    /// the outcome asks for a resync, `out` is left as it was.
    pub fn apply_batch(
        &mut self,
        changes: &[Change<'_>],
        out: &mut Vec<RowChange>,
    ) -> Result<Outcome, Error> {
        if changes.len() >= PREFETCH_MIN {
            // The caller's name bytes may be cold (a batch gathered from
            // many places): start loading them all before the checks read
            // them one by one.
            for c in changes {
                if let Change::Upsert { name, .. } = c {
                    prefetch(name.as_ptr());
                }
            }
        }
        let mut upserts = 0;
        for c in changes {
            self.validate(c)?;
            upserts += usize::from(matches!(c, Change::Upsert { .. }));
        }
        if self.members.len() + upserts > MAX_MEMBERS {
            return Err(Error::Full);
        }
        let pass = changes.len() >= PREFETCH_MIN && self.deep();
        let start = out.len();
        let mut resync = false;
        // Each chunk is applied right after its pass, while what the pass
        // loaded is still in the core's first-level cache.
        for chunk in changes.chunks(PREFETCH_CHUNK) {
            if pass {
                self.prefetch(chunk);
            }
            for c in chunk {
                resync |= self.apply_valid(c, out);
            }
        }
        if resync {
            out.truncate(start);
        }
        Ok(Outcome { resync })
    }

    /// prefetch starts loading what applying `changes` will read, in
    /// rounds across all of them so their memory waits overlap instead of
    /// adding up: every index bucket; then every record; then, one step
    /// per round, every walk up from a member's old place (its record
    /// names the leaf: see [`Ascent`]) and every tree descent to a new
    /// place (see [`Descent`]). Changes applied first can move keys the
    /// later ones' walks aimed at: the loads are hints, never relied on.
    fn prefetch(&self, changes: &[Change<'_>]) {
        for c in changes {
            if let Some(user) = c.user() {
                self.members.prefetch_bucket(user);
            }
        }
        for c in changes {
            if let Some(user) = c.user() {
                self.members.prefetch_record(user);
            }
        }
        let mut ascents: [Option<Ascent<'_>>; PREFETCH_CHUNK] = [const { None }; PREFETCH_CHUNK];
        let mut descents: [Option<Descent<'_>>; PREFETCH_CHUNK] = [const { None }; PREFETCH_CHUNK];
        let (mut na, mut nd) = (0, 0);
        for c in changes {
            let (user, to) = match *c {
                Change::Upsert { user, group, name } => (user, Some((group, name))),
                Change::Remove { user } => (user, None),
                Change::SetOrder { .. } => continue,
            };
            if let Some(slot) = self.members.find(user) {
                let m = self.members.get(slot);
                // An upsert compares the stored name with the new one.
                self.names.prefetch(m.suffix);
                ascents[na] = Some(self.groups.get(m.group).tree.ascent(m.leaf));
                na += 1;
            }
            if let Some((g, name)) = to.and_then(|(g, name)| Some((self.groups.find(g)?, name))) {
                let tie = TieKey::of(name.get(8..).unwrap_or_default(), user);
                descents[nd] = Some(self.groups.get(g).tree.descent(prefix_of(name), tie));
                nd += 1;
            }
        }
        while na + nd > 0 {
            na = step_all(&mut ascents[..na], |a| a.as_mut().is_some_and(Ascent::step));
            nd = step_all(&mut descents[..nd], |d| {
                d.as_mut().is_some_and(Descent::step)
            });
        }
    }

    /// apply_valid applies a validated change; true asks for a resync.
    fn apply_valid(&mut self, c: &Change<'_>, out: &mut Vec<RowChange>) -> bool {
        match *c {
            Change::Upsert { user, group, name } => {
                self.upsert(user, group, name, out);
                false
            }
            Change::Remove { user } => {
                self.remove(user, out);
                false
            }
            Change::SetOrder { groups } => self.groups.set_order(groups),
        }
    }

    fn upsert(&mut self, user: u64, gid: u64, name: &[u8], out: &mut Vec<RowChange>) {
        let prefix = prefix_of(name);
        let suffix = &name[name.len().min(8)..];
        let Some(slot) = self.members.find(user) else {
            let g = self.groups.slot_of(gid);
            let member = Member {
                uid: user,
                prefix,
                group: g,
                suffix: self.names.store(suffix),
                leaf: NONE,
            };
            let slot = self.members.insert(member);
            let rank = self.tree_insert(g, prefix, slot);
            self.inserted(g, rank, user, out);
            return;
        };
        let m = *self.members.get(slot);
        let same_name = m.prefix == prefix && self.names.get(m.suffix) == suffix;
        let g = self.groups.slot_of(gid);
        if same_name && m.group == g {
            if self.groups.shown(g) {
                let index = self.index_of_slot(slot);
                out.push(RowChange::Update {
                    index,
                    row: Row::Member { user },
                });
            }
            return;
        }
        // The old key leaves its tree before the record changes: ties
        // compare records.
        let old_rank = self.tree_remove(m.group, slot);
        let rec = self.members.get_mut(slot);
        rec.group = g;
        if !same_name {
            rec.prefix = prefix;
            self.names.free(m.suffix);
            let h = self.names.store(suffix);
            self.members.get_mut(slot).suffix = h;
        }
        let rank = self.tree_insert(g, prefix, slot);
        if m.group != g {
            self.removed(m.group, old_rank, out);
            self.inserted(g, rank, user, out);
            self.groups.release_if_unused(m.group);
        } else if self.groups.shown(g) {
            let base = self.groups.first_row(g) + 1;
            if old_rank == rank {
                out.push(RowChange::Update {
                    index: base + rank,
                    row: Row::Member { user },
                });
            } else {
                out.push(RowChange::Delete {
                    index: base + old_rank,
                });
                out.push(RowChange::Insert {
                    index: base + rank,
                    row: Row::Member { user },
                });
            }
        }
    }

    fn remove(&mut self, user: u64, out: &mut Vec<RowChange>) {
        let Some(slot) = self.members.find(user) else {
            return;
        };
        let m = *self.members.get(slot);
        let rank = self.tree_remove(m.group, slot);
        self.removed(m.group, rank, out);
        self.names.free(m.suffix);
        self.members.remove(slot);
        self.groups.release_if_unused(m.group);
    }

    /// tree_insert puts `slot`'s key in group `g`'s tree and returns its
    /// rank, keeping the leaf ids of the records it moves exact.
    fn tree_insert(&mut self, g: u32, prefix: u64, slot: u32) -> usize {
        let ctx = Ctx::new(&self.members, &self.names, slot, self.deep());
        let tree = &mut self.groups.get_mut(g).tree;
        let (rank, leaf) = tree.insert(Key { prefix, slot }, &ctx);
        self.members.get_mut(slot).leaf = leaf;
        self.follow_moves(g);
        rank
    }

    /// tree_remove takes `slot`'s key out of group `g`'s tree by its leaf
    /// and returns its rank.
    fn tree_remove(&mut self, g: u32, slot: u32) -> usize {
        let ctx = Ctx::new(&self.members, &self.names, slot, self.deep());
        let m = self.members.get(slot);
        let k = Key {
            prefix: m.prefix,
            slot,
        };
        let rank = self.groups.get_mut(g).tree.remove(m.leaf, k, &ctx);
        self.follow_moves(g);
        rank
    }

    /// follow_moves points the records of the keys that group `g`'s tree
    /// last moved to another leaf at their new leaf.
    fn follow_moves(&mut self, g: u32) {
        let members = &mut self.members;
        self.groups
            .get(g)
            .tree
            .moved(|slot, leaf| members.get_mut(slot).leaf = leaf);
    }

    /// removed reports a member that left group `g` from rank `rank`: its
    /// row goes, then its group's row shows the new count or goes too.
    fn removed(&mut self, g: u32, rank: usize, out: &mut Vec<RowChange>) {
        let group = self.groups.get(g);
        let (id, n) = (group.id, group.tree.len());
        if self.groups.shown(g) {
            let first = self.groups.first_row(g);
            out.push(RowChange::Delete {
                index: first + 1 + rank,
            });
            out.push(match n {
                0 => RowChange::Delete { index: first },
                _ => RowChange::Update {
                    index: first,
                    row: Row::Group {
                        id,
                        count: n as u32,
                    },
                },
            });
        }
        self.groups.rows_changed(g, n + 1);
    }

    /// inserted reports a member that joined group `g` at rank `rank`: its
    /// group's row appears or shows the new count, then its row appears.
    fn inserted(&mut self, g: u32, rank: usize, user: u64, out: &mut Vec<RowChange>) {
        let group = self.groups.get(g);
        let (id, n) = (group.id, group.tree.len());
        if self.groups.shown(g) {
            let first = self.groups.first_row(g);
            let row = Row::Group {
                id,
                count: n as u32,
            };
            out.push(match n {
                1 => RowChange::Insert { index: first, row },
                _ => RowChange::Update { index: first, row },
            });
            out.push(RowChange::Insert {
                index: first + 1 + rank,
                row: Row::Member { user },
            });
        }
        self.groups.rows_changed(g, n - 1);
    }

    fn index_of_slot(&self, slot: u32) -> usize {
        let m = self.members.get(slot);
        let k = Key {
            prefix: m.prefix,
            slot,
        };
        let rank = self.groups.get(m.group).tree.rank(m.leaf, k);
        self.groups.first_row(m.group) + 1 + rank
    }

    /// len is the number of rows, group rows included.
    pub fn len(&self) -> usize {
        self.groups.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// members is the number of members known, shown or not.
    pub fn members(&self) -> usize {
        self.members.len()
    }

    /// index_of is the global index of a member's row, if it is shown.
    pub fn index_of(&self, user: u64) -> Option<usize> {
        let slot = self.members.find(user)?;
        if !self.groups.shown(self.members.get(slot).group) {
            return None;
        }
        Some(self.index_of_slot(slot))
    }

    /// rows appends the rows from `start` to `end` inclusive (clipped to
    /// the list) to `out`.
    pub fn rows(&self, start: usize, end: usize, out: &mut Vec<Row>) {
        let end = end.min(self.len().saturating_sub(1));
        if start > end {
            return;
        }
        let Some((g, mut off)) = self.groups.locate(start) else {
            return;
        };
        let mut left = end - start + 1;
        let order = self.groups.order();
        let from = order.iter().position(|&x| x == g).expect("shown group");
        for &g in &order[from..] {
            let group = self.groups.get(g);
            let n = group.tree.len();
            if n == 0 {
                continue;
            }
            if off == 0 {
                out.push(Row::Group {
                    id: group.id,
                    count: n as u32,
                });
                left -= 1;
                if left == 0 {
                    return;
                }
                off = 1;
            }
            group.tree.walk(off - 1, &mut |slot| {
                out.push(Row::Member {
                    user: self.members.get(slot).uid,
                });
                left -= 1;
                left > 0
            });
            if left == 0 {
                return;
            }
            off = 0;
        }
    }

    /// groups appends every shown group with members, in order.
    pub fn groups(&self, out: &mut Vec<GroupCount>) {
        for &g in self.groups.order() {
            let group = self.groups.get(g);
            if group.tree.len() > 0 {
                out.push(GroupCount {
                    id: group.id,
                    count: group.tree.len() as u32,
                });
            }
        }
    }

    /// group_count is how many members group `id` has, shown or not.
    pub fn group_count(&self, id: u64) -> usize {
        self.groups
            .find(id)
            .map_or(0, |g| self.groups.get(g).tree.len())
    }

    /// heap_bytes is the memory the list holds outside the value itself.
    pub fn heap_bytes(&self) -> usize {
        self.members.heap_bytes()
            + self.names.heap_bytes()
            + self.groups.heap_bytes()
            + self.scratch.capacity() * 8
    }

    /// name_bytes is how many bytes of names the list stores apart from
    /// the eight it keeps in every key. `heap_bytes - name_bytes` is the
    /// overhead the list adds per member beyond the names themselves.
    pub fn name_bytes(&self) -> usize {
        self.names.suffix_bytes()
    }
}
