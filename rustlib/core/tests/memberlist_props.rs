//! Property test: random batches of joins, leaves, moves, renames and
//! group reorders, checked after every batch against the naive model, and
//! the returned row changes replayed on a copy of the rows from before.

mod memberlist_model;

use gatehouse_core::memberlist::{Change, MemberList, Row};
use memberlist_model::{apply_row_changes, Model};
use proptest::prelude::*;

#[derive(Debug, Clone)]
enum Op {
    Upsert(u64, u64, Vec<u8>),
    Remove(u64),
    Order(Vec<u64>),
}

impl Op {
    fn change(&self) -> Change<'_> {
        match self {
            Op::Upsert(user, group, name) => Change::Upsert {
                user: *user,
                group: *group,
                name,
            },
            Op::Remove(user) => Change::Remove { user: *user },
            Op::Order(groups) => Change::SetOrder { groups },
        }
    }
}

const GROUPS: [u64; 6] = [10, 11, 12, 13, u64::MAX - 1, u64::MAX];

/// name draws from a tiny alphabet so many names share their first eight
/// bytes and the tie path runs; now and then a name is invalid.
fn name() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        20 => proptest::collection::vec(proptest::sample::select(b"ab\xc3z".to_vec()), 0..14),
        1 => Just(b"with\0zero".to_vec()),
    ]
}

fn order() -> impl Strategy<Value = Vec<u64>> {
    prop_oneof![
        10 => proptest::sample::subsequence(GROUPS.to_vec(), 0..=GROUPS.len()).prop_shuffle(),
        1 => Just(vec![10, 11, 10]),
    ]
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        8 => (0u64..40, proptest::sample::select(GROUPS.to_vec()), name())
            .prop_map(|(u, g, n)| Op::Upsert(u, g, n)),
        3 => (0u64..40).prop_map(Op::Remove),
        1 => order().prop_map(Op::Order),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn list_matches_the_model(
        batches in proptest::collection::vec(proptest::collection::vec(op(), 1..6), 1..60),
        start in 0usize..60,
        span in 0usize..30,
    ) {
        let mut list = MemberList::new().prefetch_from(0);
        let mut model = Model::default();
        let mut rows: Vec<Row> = Vec::new();
        let mut out = Vec::new();
        for batch in &batches {
            let changes: Vec<Change> = batch.iter().map(Op::change).collect();
            out.clear();
            let result = list.apply_batch(&changes, &mut out);
            if !changes.iter().all(Model::valid) {
                prop_assert!(result.is_err());
                prop_assert!(out.is_empty());
                prop_assert_eq!(&model.rows(), &rows);
            } else {
                let outcome = result.unwrap();
                let mut resync = false;
                for c in &changes {
                    resync |= model.apply(c);
                }
                prop_assert_eq!(outcome.resync, resync);
                let bound: usize = changes.iter().map(Change::max_rows).sum();
                prop_assert!(out.len() <= bound);
                if resync {
                    prop_assert!(out.is_empty());
                    rows = model.rows();
                } else {
                    apply_row_changes(&mut rows, &out).map_err(TestCaseError::fail)?;
                }
            }
            let want = model.rows();
            prop_assert_eq!(&rows, &want);
            let mut got = Vec::new();
            list.rows(0, usize::MAX, &mut got);
            prop_assert_eq!(&got, &want);
            prop_assert_eq!(list.len(), want.len());
            let mut groups = Vec::new();
            list.groups(&mut groups);
            prop_assert_eq!(groups, model.groups());
            for user in 0..40 {
                let at = want.iter().position(|r| *r == Row::Member { user });
                prop_assert_eq!(list.index_of(user), at);
            }
            let mut part = Vec::new();
            list.rows(start, start + span, &mut part);
            let end = (start + span + 1).min(want.len());
            prop_assert_eq!(&part[..], want.get(start..end).unwrap_or(&[]));
            prop_assert_eq!(list.members(), model.members.len());
        }
    }
}
