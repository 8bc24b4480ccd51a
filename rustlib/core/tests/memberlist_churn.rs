//! The member list on lists large enough for trees several levels deep,
//! and the exact row changes of the basic moves.

mod memberlist_model;

use gatehouse_core::memberlist::{Change, Error, MemberList, Row, RowChange};
use memberlist_model::{apply_row_changes, Model};

const ONLINE: u64 = u64::MAX - 1;
const OFFLINE: u64 = u64::MAX;

fn member(user: u64) -> Row {
    Row::Member { user }
}

fn group(id: u64, count: u32) -> Row {
    Row::Group { id, count }
}

fn apply(list: &mut MemberList, c: Change<'_>) -> Vec<RowChange> {
    let mut out = Vec::new();
    let outcome = list.apply(&c, &mut out).expect("valid change");
    assert!(!outcome.resync);
    out
}

#[test]
fn basic_moves_give_the_fewest_row_changes() {
    use RowChange::*;
    let mut list = MemberList::new();
    let mut out = Vec::new();
    let order = [ONLINE, OFFLINE];
    // An order naming no group with members shows nothing new: no resync.
    assert!(
        !list
            .apply(&Change::SetOrder { groups: &order }, &mut out)
            .unwrap()
            .resync
    );

    let up = |user, group, name: &'static [u8]| Change::Upsert { user, group, name };
    assert_eq!(
        apply(&mut list, up(1, ONLINE, b"bob")),
        [
            Insert {
                index: 0,
                row: group(ONLINE, 1)
            },
            Insert {
                index: 1,
                row: member(1)
            }
        ]
    );
    assert_eq!(
        apply(&mut list, up(2, ONLINE, b"alice")),
        [
            Update {
                index: 0,
                row: group(ONLINE, 2)
            },
            Insert {
                index: 1,
                row: member(2)
            }
        ]
    );
    // Same group, same place: one UPDATE of the member's row.
    assert_eq!(
        apply(&mut list, up(2, ONLINE, b"alicia")),
        [Update {
            index: 1,
            row: member(2)
        }]
    );
    assert_eq!(
        apply(&mut list, up(2, ONLINE, b"alicia")),
        [Update {
            index: 1,
            row: member(2)
        }]
    );
    // Same group, new place: DELETE then INSERT, counts untouched.
    assert_eq!(
        apply(&mut list, up(2, ONLINE, b"carol")),
        [
            Delete { index: 1 },
            Insert {
                index: 2,
                row: member(2)
            }
        ]
    );
    // To a group with no row yet: the old group's count, the new group's row.
    assert_eq!(
        apply(&mut list, up(1, OFFLINE, b"bob")),
        [
            Delete { index: 1 },
            Update {
                index: 0,
                row: group(ONLINE, 1)
            },
            Insert {
                index: 2,
                row: group(OFFLINE, 1)
            },
            Insert {
                index: 3,
                row: member(1)
            },
        ]
    );
    // The last member leaving a group takes the group's row with it.
    assert_eq!(
        apply(&mut list, Change::Remove { user: 2 }),
        [Delete { index: 1 }, Delete { index: 0 }]
    );
    assert_eq!(apply(&mut list, Change::Remove { user: 2 }), []);
    // A group outside the order keeps its members out of sight.
    assert_eq!(apply(&mut list, up(3, 77, b"dave")), []);
    assert_eq!(list.index_of(3), None);
    assert_eq!(list.members(), 2);
    assert_eq!(list.group_count(77), 1);
    // Showing it moves rows wholesale: a resync.
    let order = [77, ONLINE, OFFLINE];
    assert!(
        list.apply(&Change::SetOrder { groups: &order }, &mut out)
            .unwrap()
            .resync
    );
    let mut rows = Vec::new();
    list.rows(0, 99, &mut rows);
    assert_eq!(
        rows,
        [group(77, 1), member(3), group(OFFLINE, 1), member(1)]
    );
    assert_eq!(list.index_of(1), Some(3));
    assert!(out.is_empty());
}

#[test]
fn invalid_batches_change_nothing() {
    let mut list = MemberList::new();
    let mut out = Vec::new();
    let order = [ONLINE];
    let long = vec![b'a'; 1025];
    let cases: [(Change, Error); 3] = [
        (
            Change::Upsert {
                user: 1,
                group: ONLINE,
                name: &long,
            },
            Error::NameTooLong { len: 1025 },
        ),
        (
            Change::Upsert {
                user: 1,
                group: ONLINE,
                name: b"a\0",
            },
            Error::NameHasZeroByte,
        ),
        (
            Change::SetOrder { groups: &[5, 6, 5] },
            Error::DuplicateGroup { id: 5 },
        ),
    ];
    for (bad, err) in cases {
        let batch = [
            Change::SetOrder { groups: &order },
            Change::Upsert {
                user: 9,
                group: ONLINE,
                name: b"ok",
            },
            bad,
        ];
        assert_eq!(list.apply_batch(&batch, &mut out), Err(err));
        assert!(out.is_empty());
        assert_eq!(list.len(), 0);
        assert_eq!(list.members(), 0);
    }
    let too_many: Vec<u64> = (0..4097).collect();
    assert_eq!(
        list.apply(&Change::SetOrder { groups: &too_many }, &mut out),
        Err(Error::OrderTooLong { len: 4097 })
    );
}

/// Rng is xorshift64*, enough to drive a churn.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn random_name(r: &mut Rng) -> Vec<u8> {
    // Shared stems make half the names tie on their first eight bytes, and
    // a sixth on sixteen or more, where neither the key nor the tie key an
    // inner node keeps can tell them apart (many of those are the same
    // name, ordered by user id).
    let (mut name, extra) = match r.below(6) {
        0 | 1 => (b"username".to_vec(), 1 + r.below(8)),
        2 => (b"usernameusername".to_vec(), r.below(3)),
        _ => (Vec::new(), 1 + r.below(8)),
    };
    for _ in 0..extra {
        name.push(b"abcdefghij"[r.below(10) as usize]);
    }
    name
}

/// Op is an owned change, so a batch can be built before it is borrowed.
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

/// Client is the list under test, the model, and a client's copy of the
/// rows kept up to date only through the returned row changes.
struct Client {
    list: MemberList,
    model: Model,
    rows: Vec<Row>,
    out: Vec<RowChange>,
}

impl Client {
    fn batch(&mut self, ops: &[Op]) {
        let changes: Vec<Change> = ops.iter().map(Op::change).collect();
        self.out.clear();
        let outcome = self.list.apply_batch(&changes, &mut self.out).unwrap();
        let mut resync = false;
        for c in &changes {
            resync |= self.model.apply(c);
        }
        assert_eq!(outcome.resync, resync);
        if resync {
            self.rows.clear();
            self.list.rows(0, usize::MAX, &mut self.rows);
        } else {
            apply_row_changes(&mut self.rows, &self.out).unwrap();
        }
    }
}

/// churn grows a list to 20,000 members (the biggest groups' trees three
/// levels deep), then flips presence, renames, moves between roles,
/// removes and reorders in batches of up to eight changes, replaying every
/// batch's row changes on a client copy of the rows.
#[test]
fn large_churn_matches_the_model() {
    let mut order: Vec<u64> = vec![500, 400, 300, ONLINE, OFFLINE];
    let mut r = Rng(0x9e37_79b9_7f4a_7c15);
    let mut c = Client {
        list: MemberList::with_capacity(1000).prefetch_from(0),
        model: Model::default(),
        rows: Vec::new(),
        out: Vec::new(),
    };
    c.batch(&[Op::Order(order.clone())]);
    for user in 0..20_000 {
        let group = [ONLINE, OFFLINE, OFFLINE, 300][r.below(4) as usize];
        c.batch(&[Op::Upsert(user, group, random_name(&mut r))]);
    }
    for step in 0..10_000u32 {
        let mut ops = Vec::new();
        for _ in 0..1 + r.below(8) {
            let user = r.below(20_500);
            let known = c.model.members.get(&user).cloned();
            ops.push(match (r.below(100), known) {
                (0..=59, Some((g, name))) => {
                    let to = if g == OFFLINE {
                        order[r.below(4) as usize]
                    } else {
                        OFFLINE
                    };
                    Op::Upsert(user, to, name)
                }
                (60..=84, Some((g, _))) => Op::Upsert(user, g, random_name(&mut r)),
                (85..=98, _) => Op::Remove(user),
                (99, _) => {
                    order.swap(r.below(3) as usize, r.below(3) as usize);
                    Op::Order(order.clone())
                }
                _ => Op::Upsert(user, ONLINE, random_name(&mut r)),
            });
        }
        c.batch(&ops);
        if step.is_multiple_of(1_000) || step == 9_999 {
            let want = c.model.rows();
            assert_eq!(c.rows, want, "step {step}");
            let mut got = Vec::new();
            c.list.rows(0, usize::MAX, &mut got);
            assert_eq!(got, want, "step {step}");
            for probe in 0..50 {
                let u = r.below(20_500);
                let at = want.iter().position(|x| *x == member(u));
                assert_eq!(c.list.index_of(u), at, "step {step} probe {probe}");
            }
        }
    }
    assert!(c.list.members() > 15_000);
}
