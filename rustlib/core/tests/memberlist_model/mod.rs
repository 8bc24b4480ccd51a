//! The naive model the member list is checked against: every member in a
//! map, the rows rebuilt by sorting on every read; and a client that
//! applies row changes to its own copy of the rows.

#![allow(dead_code)] // each test binary uses a different subset

use gatehouse_core::memberlist::{Change, GroupCount, Row, RowChange, MAX_NAME_LEN};
use std::collections::BTreeMap;

#[derive(Default, Clone)]
pub struct Model {
    /// members: user → (group, sort name).
    pub members: BTreeMap<u64, (u64, Vec<u8>)>,
    pub order: Vec<u64>,
}

impl Model {
    /// valid says whether the list must accept the change.
    pub fn valid(c: &Change<'_>) -> bool {
        match c {
            Change::Upsert { name, .. } => name.len() <= MAX_NAME_LEN && !name.contains(&0),
            Change::Remove { .. } => true,
            Change::SetOrder { groups } => {
                let mut g = groups.to_vec();
                g.sort_unstable();
                g.dedup();
                g.len() == groups.len()
            }
        }
    }

    /// apply applies a valid change and says whether the shown groups (or
    /// their sequence) changed, which is when the list asks for a resync.
    pub fn apply(&mut self, c: &Change<'_>) -> bool {
        match *c {
            Change::Upsert { user, group, name } => {
                self.members.insert(user, (group, name.to_vec()));
                false
            }
            Change::Remove { user } => {
                self.members.remove(&user);
                false
            }
            Change::SetOrder { groups } => {
                let before = self.shown();
                self.order = groups.to_vec();
                before != self.shown()
            }
        }
    }

    /// shown is the groups that have a row, in order.
    pub fn shown(&self) -> Vec<u64> {
        self.groups().iter().map(|g| g.id).collect()
    }

    pub fn groups(&self) -> Vec<GroupCount> {
        let mut counts: BTreeMap<u64, u32> = BTreeMap::new();
        for (g, _) in self.members.values() {
            *counts.entry(*g).or_default() += 1;
        }
        self.order
            .iter()
            .filter_map(|&id| counts.get(&id).map(|&count| GroupCount { id, count }))
            .collect()
    }

    pub fn rows(&self) -> Vec<Row> {
        let mut by_group: BTreeMap<u64, Vec<(&[u8], u64)>> = BTreeMap::new();
        for (&u, (g, name)) in &self.members {
            by_group.entry(*g).or_default().push((name.as_slice(), u));
        }
        let mut rows = Vec::new();
        for &g in &self.order {
            let Some(ms) = by_group.get_mut(&g) else {
                continue;
            };
            let mut ms = std::mem::take(ms);
            ms.sort();
            rows.push(Row::Group {
                id: g,
                count: ms.len() as u32,
            });
            rows.extend(ms.into_iter().map(|(_, user)| Row::Member { user }));
        }
        rows
    }
}

/// apply_row_changes applies row changes in order, as a client does.
/// Every index must be in range: a change that points outside the rows is
/// a bug in the list, reported as an error.
pub fn apply_row_changes(rows: &mut Vec<Row>, changes: &[RowChange]) -> Result<(), String> {
    for (i, c) in changes.iter().enumerate() {
        match *c {
            RowChange::Insert { index, row } if index <= rows.len() => rows.insert(index, row),
            RowChange::Delete { index } if index < rows.len() => {
                rows.remove(index);
            }
            RowChange::Update { index, row } if index < rows.len() => rows[index] = row,
            _ => {
                return Err(format!(
                    "change {i} {c:?} out of range for {} rows",
                    rows.len()
                ))
            }
        }
    }
    Ok(())
}
