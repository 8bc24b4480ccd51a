//! Groups: their member trees, their counts and the group order.

use super::hash::BuildId;
use super::tree::Tree;
use std::collections::HashMap;

/// NOT_SHOWN is the order position of a group that is not in the order.
const NOT_SHOWN: u32 = u32::MAX;

/// Group is one group's members.
pub(crate) struct Group {
    pub id: u64,
    pub tree: Tree,
    /// pos is the group's place in the order, or NOT_SHOWN.
    pos: u32,
}

impl Group {
    /// rows is how many rows the group adds to the list when shown: its
    /// own row and its members', or none when it has no members.
    fn rows(&self) -> usize {
        match self.tree.len() {
            0 => 0,
            n => n + 1,
        }
    }
}

/// Groups owns every group that is in the order or has members. The order
/// is kept as a Fenwick tree over order positions of each group's row
/// count, so the first row of a group is a prefix sum, O(log groups), and
/// a new order is one O(groups) rebuild that moves no member.
pub(crate) struct Groups {
    slots: Vec<Option<Group>>,
    free: Vec<u32>,
    by_id: HashMap<u64, u32, BuildId>,
    /// order holds group slots, first shown group first.
    order: Vec<u32>,
    /// fen is the Fenwick tree (1-based) of `rows()` by order position.
    fen: Vec<usize>,
}

impl Groups {
    pub(crate) fn new() -> Self {
        Groups {
            slots: Vec::new(),
            free: Vec::new(),
            by_id: HashMap::default(),
            order: Vec::new(),
            fen: vec![0],
        }
    }

    #[inline]
    pub(crate) fn get(&self, g: u32) -> &Group {
        self.slots[g as usize].as_ref().expect("live group")
    }

    #[inline]
    pub(crate) fn get_mut(&mut self, g: u32) -> &mut Group {
        self.slots[g as usize].as_mut().expect("live group")
    }

    #[inline]
    pub(crate) fn shown(&self, g: u32) -> bool {
        self.get(g).pos != NOT_SHOWN
    }

    /// find is the slot of a group id, if the group exists.
    pub(crate) fn find(&self, id: u64) -> Option<u32> {
        self.by_id.get(&id).copied()
    }

    /// slot_of is the slot of a group id, made empty and not shown if new.
    pub(crate) fn slot_of(&mut self, id: u64) -> u32 {
        if let Some(&g) = self.by_id.get(&id) {
            return g;
        }
        let group = Group {
            id,
            tree: Tree::new(),
            pos: NOT_SHOWN,
        };
        let g = match self.free.pop() {
            Some(g) => {
                self.slots[g as usize] = Some(group);
                g
            }
            None => {
                self.slots.push(Some(group));
                (self.slots.len() - 1) as u32
            }
        };
        self.by_id.insert(id, g);
        g
    }

    /// release drops a group that has no members and is not in the order.
    pub(crate) fn release_if_unused(&mut self, g: u32) {
        let group = self.get(g);
        if group.tree.len() == 0 && group.pos == NOT_SHOWN {
            let id = group.id;
            self.by_id.remove(&id);
            self.slots[g as usize] = None;
            self.free.push(g);
        }
    }

    /// first_row is the global index of a shown group's row (where it is,
    /// or where it goes when the group gains its first member).
    #[inline]
    pub(crate) fn first_row(&self, g: u32) -> usize {
        self.prefix(self.get(g).pos as usize)
    }

    /// len is the number of rows in the list.
    pub(crate) fn len(&self) -> usize {
        self.prefix(self.order.len())
    }

    /// prefix is the number of rows of the first `i` groups in the order.
    #[inline]
    fn prefix(&self, mut i: usize) -> usize {
        let mut sum = 0;
        while i > 0 {
            sum += self.fen[i];
            i &= i - 1;
        }
        sum
    }

    /// rows_changed must follow every change of a group's member count,
    /// given the count before: it moves the group's row count in the
    /// Fenwick tree.
    pub(crate) fn rows_changed(&mut self, g: u32, members_before: usize) {
        let group = self.get(g);
        if group.pos == NOT_SHOWN {
            return;
        }
        let before = match members_before {
            0 => 0,
            n => n + 1,
        };
        let after = group.rows();
        let mut i = group.pos as usize + 1;
        while i < self.fen.len() {
            self.fen[i] = self.fen[i] + after - before;
            i += i & i.wrapping_neg();
        }
    }

    /// locate finds the shown group holding row `row` and the row's place
    /// within the group (0 is the group's own row).
    pub(crate) fn locate(&self, row: usize) -> Option<(u32, usize)> {
        if row >= self.len() {
            return None;
        }
        // Fenwick descent: the largest position whose prefix is <= row.
        let mut pos = 0;
        let mut rest = row;
        let mut step = (self.fen.len() - 1).next_power_of_two();
        while step > 0 {
            let next = pos + step;
            if next < self.fen.len() && self.fen[next] <= rest {
                pos = next;
                rest -= self.fen[next];
            }
            step >>= 1;
        }
        // Positions with no rows have prefix == row too; the descent lands
        // past them, on the group whose rows cover `row`.
        Some((self.order[pos], rest))
    }

    /// order is the order as group slots.
    pub(crate) fn order(&self) -> &[u32] {
        &self.order
    }

    /// set_order replaces the order (ids checked distinct by the caller)
    /// and says whether the shown groups or their sequence changed.
    pub(crate) fn set_order(&mut self, ids: &[u64]) -> bool {
        let old: Vec<u32> = std::mem::take(&mut self.order);
        for &g in &old {
            self.get_mut(g).pos = NOT_SHOWN;
        }
        for (p, &id) in ids.iter().enumerate() {
            let g = self.slot_of(id);
            self.get_mut(g).pos = p as u32;
            self.order.push(g);
        }
        let shown = |gs: &[u32], this: &Self| -> Vec<u32> {
            gs.iter()
                .copied()
                .filter(|&g| this.get(g).tree.len() > 0)
                .collect()
        };
        let changed = shown(&old, self) != shown(&self.order, self);
        self.rebuild();
        for g in old {
            self.release_if_unused(g);
        }
        changed
    }

    fn rebuild(&mut self) {
        let n = self.order.len();
        self.fen.clear();
        self.fen.resize(n + 1, 0);
        for p in 0..n {
            let i = p + 1;
            self.fen[i] += self.get(self.order[p]).rows();
            let parent = i + (i & i.wrapping_neg());
            if parent <= n {
                self.fen[parent] += self.fen[i];
            }
        }
    }

    pub(crate) fn heap_bytes(&self) -> usize {
        let trees: usize = self
            .slots
            .iter()
            .flatten()
            .map(|g| g.tree.heap_bytes())
            .sum();
        trees
            + self.slots.capacity() * size_of::<Option<Group>>()
            + self.free.capacity() * 4
            + self.by_id.capacity() * (size_of::<(u64, u32)>() + 1)
            + self.order.capacity() * 4
            + self.fen.capacity() * size_of::<usize>()
    }
}
