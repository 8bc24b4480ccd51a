//! The member-list C ABI called the way C would: records encoded by hand,
//! row changes decoded and compared with the core list they wrap, and
//! every entry given null pointers, bad records and short buffers.

use gatehouse_core::memberlist::{Change, MemberList, Row, RowChange};
use gatehouse_ffi::*;
use std::ptr::{null, null_mut};

const ONLINE: u64 = u64::MAX - 1;
const OFFLINE: u64 = u64::MAX;

fn new() -> *mut GhMemberList {
    let mut h = null_mut();
    assert_eq!(unsafe { gh_memberlist_new(16, &mut h) }, GH_OK);
    assert!(!h.is_null());
    h
}

fn upsert(buf: &mut Vec<u8>, user: u64, group: u64, name: &[u8]) {
    buf.push(GH_ML_UPSERT);
    buf.extend(user.to_le_bytes());
    buf.extend(group.to_le_bytes());
    buf.extend((name.len() as u16).to_le_bytes());
    buf.extend(name);
}

fn remove(buf: &mut Vec<u8>, user: u64) {
    buf.push(GH_ML_REMOVE);
    buf.extend(user.to_le_bytes());
}

fn set_order(buf: &mut Vec<u8>, groups: &[u64]) {
    buf.push(GH_ML_SET_ORDER);
    buf.extend((groups.len() as u16).to_le_bytes());
    for g in groups {
        buf.extend(g.to_le_bytes());
    }
}

/// Applied is what one gh_memberlist_apply call answered.
#[derive(Debug)]
struct Applied {
    status: GhStatus,
    len: usize,
    consumed: usize,
    flags: u32,
    out: Vec<u8>,
}

fn apply(h: *mut GhMemberList, input: &[u8], cap: usize) -> Applied {
    let mut out = vec![0xAAu8; cap];
    let (mut len, mut consumed, mut flags) = (usize::MAX, usize::MAX, u32::MAX);
    let status = unsafe {
        gh_memberlist_apply(
            h,
            input.as_ptr(),
            input.len(),
            out.as_mut_ptr(),
            cap,
            &mut len,
            &mut consumed,
            &mut flags,
        )
    };
    Applied {
        status,
        len,
        consumed,
        flags,
        out,
    }
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(b[at..at + 4].try_into().unwrap())
}

fn u64_at(b: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(b[at..at + 8].try_into().unwrap())
}

fn decode_row(kind: u8, id: u64, count: u32) -> Row {
    match kind {
        GH_ML_GROUP => Row::Group { id, count },
        GH_ML_MEMBER => {
            assert_eq!(count, 0);
            Row::Member { user: id }
        }
        k => panic!("bad row kind {k}"),
    }
}

fn decode_changes(b: &[u8]) -> Vec<RowChange> {
    assert_eq!(b.len() % GH_ML_ROW_CHANGE_BYTES, 0);
    b.chunks_exact(GH_ML_ROW_CHANGE_BYTES)
        .map(|r| {
            assert_eq!(&r[2..4], &[0, 0]);
            assert_eq!(&r[20..24], &[0, 0, 0, 0]);
            let index = u32_at(r, 4) as usize;
            match r[0] {
                GH_ML_INSERT => RowChange::Insert {
                    index,
                    row: decode_row(r[1], u64_at(r, 8), u32_at(r, 16)),
                },
                GH_ML_UPDATE => RowChange::Update {
                    index,
                    row: decode_row(r[1], u64_at(r, 8), u32_at(r, 16)),
                },
                GH_ML_DELETE => {
                    assert_eq!((r[1], u64_at(r, 8), u32_at(r, 16)), (0, 0, 0));
                    RowChange::Delete { index }
                }
                op => panic!("bad op {op}"),
            }
        })
        .collect()
}

fn rows(h: *const GhMemberList, start: usize, count: usize, cap: usize) -> (GhStatus, Vec<Row>) {
    let mut out = vec![0u8; cap];
    let mut len = usize::MAX;
    let status = unsafe { gh_memberlist_rows(h, start, count, out.as_mut_ptr(), cap, &mut len) };
    let rows = out[..len.min(cap)]
        .chunks_exact(GH_ML_ROW_BYTES)
        .map(|r| {
            assert_eq!(&r[1..4], &[0, 0, 0]);
            decode_row(r[0], u64_at(r, 8), u32_at(r, 4))
        })
        .collect();
    (status, rows)
}

fn len(h: *const GhMemberList) -> usize {
    let (mut n, mut m) = (usize::MAX, usize::MAX);
    assert_eq!(unsafe { gh_memberlist_len(h, &mut n, &mut m) }, GH_OK);
    n
}

fn members(h: *const GhMemberList) -> usize {
    let (mut n, mut m) = (usize::MAX, usize::MAX);
    assert_eq!(unsafe { gh_memberlist_len(h, &mut n, &mut m) }, GH_OK);
    m
}

fn index_of(h: *const GhMemberList, user: u64) -> i64 {
    let mut i = i64::MIN;
    assert_eq!(unsafe { gh_memberlist_index_of(h, user, &mut i) }, GH_OK);
    i
}

/// Rng is xorshift64*.
struct Rng(u64);
impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) % n
    }
}

/// Every batch through the ABI answers exactly what the core list answers
/// for the same changes, and reads agree.
#[test]
fn abi_matches_the_core_list() {
    let h = new();
    let mut mirror = MemberList::new();
    let mut r = Rng(7);
    let groups = [3u64, 2, 1, ONLINE, OFFLINE];
    let mut order = groups.to_vec();
    let mut names: Vec<Vec<u8>> = Vec::new();
    let mut orders: Vec<Vec<u64>> = Vec::new();
    for step in 0..3000 {
        let mut input = Vec::new();
        names.clear();
        orders.clear();
        let mut ops: Vec<(u8, u64, u64, usize)> = Vec::new();
        for _ in 0..1 + r.below(16) {
            let user = r.below(600);
            match r.below(40) {
                0 => {
                    order.swap(r.below(5) as usize, r.below(5) as usize);
                    let n = 3 + r.below(3) as usize;
                    set_order(&mut input, &order[..n]);
                    orders.push(order[..n].to_vec());
                    ops.push((GH_ML_SET_ORDER, 0, 0, orders.len() - 1));
                }
                1..=8 => {
                    remove(&mut input, user);
                    ops.push((GH_ML_REMOVE, user, 0, 0));
                }
                _ => {
                    let name: Vec<u8> = (0..r.below(12))
                        .map(|_| b"aab"[r.below(3) as usize])
                        .collect();
                    let group = groups[r.below(5) as usize];
                    upsert(&mut input, user, group, &name);
                    names.push(name);
                    ops.push((GH_ML_UPSERT, user, group, names.len() - 1));
                }
            }
        }
        let changes: Vec<Change> = ops
            .iter()
            .map(|&(tag, a, b, i)| match tag {
                GH_ML_SET_ORDER => Change::SetOrder { groups: &orders[i] },
                GH_ML_REMOVE => Change::Remove { user: a },
                _ => Change::Upsert {
                    user: a,
                    group: b,
                    name: &names[i],
                },
            })
            .collect();
        let mut want = Vec::new();
        let outcome = mirror.apply_batch(&changes, &mut want).unwrap();
        let got = apply(h, &input, 16 * 4 * GH_ML_ROW_CHANGE_BYTES);
        assert_eq!(got.status, GH_OK, "step {step}");
        assert_eq!(got.consumed, input.len());
        assert_eq!(got.flags, if outcome.resync { GH_ML_RESYNC } else { 0 });
        assert_eq!(decode_changes(&got.out[..got.len]), want, "step {step}");
        assert_eq!(len(h), mirror.len());
        assert_eq!(members(h), mirror.members());
        let user = r.below(600);
        assert_eq!(
            index_of(h, user),
            mirror.index_of(user).map_or(-1, |i| i as i64)
        );
    }
    let mut all = Vec::new();
    mirror.rows(0, usize::MAX, &mut all);
    let (status, got) = rows(h, 0, usize::MAX, (all.len() + 5) * GH_ML_ROW_BYTES);
    assert_eq!(status, GH_OK);
    assert_eq!(got, all);
    let (_, part) = rows(h, 3, 10, 4 * GH_ML_ROW_BYTES);
    assert_eq!(part, all[3..7], "capped by the buffer");
    let (_, past) = rows(h, all.len(), 10, 10 * GH_ML_ROW_BYTES);
    assert!(past.is_empty());

    let mut want_groups = Vec::new();
    mirror.groups(&mut want_groups);
    let mut buf = vec![0u8; 256];
    let mut n = 0;
    let status = unsafe { gh_memberlist_groups(h, buf.as_mut_ptr(), 8, &mut n) };
    assert_eq!(
        (status, n),
        (GH_BUFFER_TOO_SMALL, want_groups.len() * GH_ML_ROW_BYTES)
    );
    let status = unsafe { gh_memberlist_groups(h, buf.as_mut_ptr(), buf.len(), &mut n) };
    assert_eq!(status, GH_OK);
    let got: Vec<(u64, u32)> = buf[..n]
        .chunks_exact(GH_ML_ROW_BYTES)
        .map(|r| {
            assert_eq!(r[0], GH_ML_GROUP);
            (u64_at(r, 8), u32_at(r, 4))
        })
        .collect();
    let want: Vec<(u64, u32)> = want_groups.iter().map(|g| (g.id, g.count)).collect();
    assert_eq!(got, want);

    let (mut heap, mut names_b) = (0, 0);
    assert_eq!(
        unsafe { gh_memberlist_memory(h, &mut heap, &mut names_b) },
        GH_OK
    );
    assert!(heap > mirror.heap_bytes() && names_b == mirror.name_bytes());
    unsafe { gh_memberlist_free(h) };
}

#[test]
fn short_output_applies_whole_changes_that_fit() {
    let h = new();
    let mut input = Vec::new();
    set_order(&mut input, &[ONLINE, OFFLINE]);
    let first = input.len();
    upsert(&mut input, 1, ONLINE, b"a");
    let second = input.len();
    upsert(&mut input, 2, ONLINE, b"b");
    remove(&mut input, 1);

    // Room for nothing: refused, with the worst case of the whole input.
    let got = apply(h, &input[first..], GH_ML_ROW_CHANGE_BYTES * 3);
    assert_eq!(
        (got.status, got.len, got.consumed),
        (GH_BUFFER_TOO_SMALL, 10 * GH_ML_ROW_CHANGE_BYTES, 0)
    );
    assert_eq!(len(h), 0);

    // Room for the order and one upsert: both applied, the rest left.
    let got = apply(h, &input, GH_ML_ROW_CHANGE_BYTES * 5);
    assert_eq!((got.status, got.consumed, got.flags), (GH_OK, second, 0));
    assert_eq!(got.len, 2 * GH_ML_ROW_CHANGE_BYTES);
    let got = apply(h, &input[second..], GH_ML_ROW_CHANGE_BYTES * 6);
    assert_eq!((got.status, got.consumed), (GH_OK, input.len() - second));
    assert_eq!(
        decode_changes(&got.out[..got.len]),
        [
            RowChange::Update {
                index: 0,
                row: Row::Group {
                    id: ONLINE,
                    count: 2
                }
            },
            RowChange::Insert {
                index: 2,
                row: Row::Member { user: 2 }
            },
            RowChange::Delete { index: 1 },
            RowChange::Update {
                index: 0,
                row: Row::Group {
                    id: ONLINE,
                    count: 1
                }
            },
        ]
    );
    // An empty input is a valid batch.
    let got = apply(h, &[], 0);
    assert_eq!((got.status, got.len, got.consumed), (GH_OK, 0, 0));
    // A reorder that moves shown groups asks for a resync and writes nothing.
    let mut reorder = Vec::new();
    upsert(&mut reorder, 3, 9, b"c");
    set_order(&mut reorder, &[9, ONLINE]);
    let got = apply(h, &reorder, 1024);
    assert_eq!((got.status, got.flags, got.len), (GH_OK, GH_ML_RESYNC, 0));
    assert_eq!(index_of(h, 3), 1);
    unsafe { gh_memberlist_free(h) };
}

#[test]
fn bad_records_change_nothing() {
    let h = new();
    let mut good = Vec::new();
    set_order(&mut good, &[ONLINE]);
    upsert(&mut good, 1, ONLINE, b"ok");
    let mut cases: Vec<Vec<u8>> = Vec::new();
    let mut long = good.clone();
    upsert(&mut long, 2, ONLINE, &[b'x'; 1025]);
    cases.push(long);
    let mut zero = good.clone();
    upsert(&mut zero, 2, ONLINE, b"a\0b");
    cases.push(zero);
    let mut dup = good.clone();
    set_order(&mut dup, &[1, 2, 1]);
    cases.push(dup);
    let mut unknown = good.clone();
    unknown.push(9);
    cases.push(unknown);
    for cut in (1..good.len()).filter(|&c| c != 11) {
        cases.push(good[..cut].to_vec()); // truncated records (11: the order's end)
    }
    let mut huge_len = good.clone();
    huge_len.extend([
        GH_ML_UPSERT,
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        0xff,
        0xff,
    ]);
    cases.push(huge_len);
    for (i, bad) in cases.iter().enumerate() {
        let got = apply(h, bad, 4096);
        assert_eq!(
            (got.status, got.len, got.consumed, got.flags),
            (GH_INVALID_ARGUMENT, 0, 0, 0),
            "case {i}"
        );
        assert_eq!(len(h), 0, "case {i}");
    }
    let got = apply(h, &good, 4096);
    assert_eq!(got.status, GH_OK);
    assert_eq!(len(h), 2);
    // Input and output may not overlap.
    let mut buf = good.clone();
    buf.resize(4096, 0);
    let (mut l, mut c, mut f) = (0, 0, 0);
    let status = unsafe {
        gh_memberlist_apply(
            h,
            buf.as_ptr(),
            good.len(),
            buf.as_mut_ptr(),
            buf.len(),
            &mut l,
            &mut c,
            &mut f,
        )
    };
    assert_eq!(status, GH_INVALID_ARGUMENT);
    unsafe { gh_memberlist_free(h) };
}

#[test]
fn null_pointers_are_refused() {
    let h = new();
    let (mut l, mut c, mut f) = (0usize, 0usize, 0u32);
    let mut buf = [0u8; 64];
    let mut i = 0i64;
    let mut n = 0usize;
    unsafe {
        assert_eq!(gh_memberlist_new(0, null_mut()), GH_NULL_ARGUMENT);
        let p = buf.as_mut_ptr();
        assert_eq!(
            gh_memberlist_apply(null_mut(), null(), 0, p, 64, &mut l, &mut c, &mut f),
            GH_NULL_ARGUMENT
        );
        assert_eq!(
            gh_memberlist_apply(h, null(), 0, p, 64, null_mut(), &mut c, &mut f),
            GH_NULL_ARGUMENT
        );
        assert_eq!(
            gh_memberlist_apply(h, null(), 0, p, 64, &mut l, null_mut(), &mut f),
            GH_NULL_ARGUMENT
        );
        assert_eq!(
            gh_memberlist_apply(h, null(), 0, p, 64, &mut l, &mut c, null_mut()),
            GH_NULL_ARGUMENT
        );
        assert_eq!(
            gh_memberlist_apply(h, null(), 5, p, 64, &mut l, &mut c, &mut f),
            GH_NULL_ARGUMENT
        );
        assert_eq!(
            gh_memberlist_apply(h, p, 1, null_mut(), 24, &mut l, &mut c, &mut f),
            GH_NULL_ARGUMENT
        );
        assert_eq!(
            gh_memberlist_apply(h, p, usize::MAX, p, 0, &mut l, &mut c, &mut f),
            GH_INVALID_ARGUMENT
        );
        let mut m = 0usize;
        assert_eq!(gh_memberlist_len(null(), &mut n, &mut m), GH_NULL_ARGUMENT);
        assert_eq!(gh_memberlist_len(h, null_mut(), &mut m), GH_NULL_ARGUMENT);
        assert_eq!(gh_memberlist_len(h, &mut n, null_mut()), GH_NULL_ARGUMENT);
        assert_eq!(
            gh_memberlist_rows(null(), 0, 1, p, 64, &mut n),
            GH_NULL_ARGUMENT
        );
        assert_eq!(
            gh_memberlist_rows(h, 0, 1, p, 64, null_mut()),
            GH_NULL_ARGUMENT
        );
        assert_eq!(
            gh_memberlist_rows(h, 0, 1, null_mut(), 64, &mut n),
            GH_NULL_ARGUMENT
        );
        assert_eq!(gh_memberlist_index_of(null(), 1, &mut i), GH_NULL_ARGUMENT);
        assert_eq!(gh_memberlist_index_of(h, 1, null_mut()), GH_NULL_ARGUMENT);
        assert_eq!(
            gh_memberlist_groups(null(), p, 64, &mut n),
            GH_NULL_ARGUMENT
        );
        assert_eq!(gh_memberlist_groups(h, p, 64, null_mut()), GH_NULL_ARGUMENT);
        let (mut a, mut b) = (0, 0);
        assert_eq!(
            gh_memberlist_memory(null(), &mut a, &mut b),
            GH_NULL_ARGUMENT
        );
        assert_eq!(
            gh_memberlist_memory(h, null_mut(), &mut b),
            GH_NULL_ARGUMENT
        );
        assert_eq!(
            gh_memberlist_memory(h, &mut a, null_mut()),
            GH_NULL_ARGUMENT
        );
        gh_memberlist_free(null_mut());
        // Zero capacities with null buffers are valid requests for nothing.
        assert_eq!(gh_memberlist_rows(h, 0, 10, null_mut(), 0, &mut n), GH_OK);
        assert_eq!(n, 0);
        assert_eq!(gh_memberlist_groups(h, null_mut(), 0, &mut n), GH_OK);
        gh_memberlist_free(h);
    }
}
