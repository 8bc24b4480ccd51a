//! `GhMemberList`: one lazy member list behind a handle.
//!
//! The record formats are documented on [`GhMemberList`], so they reach
//! the C header.

use crate::guard::{guard, in_slice, out_slice, overlaps};
use crate::status::*;
use gatehouse_core::memberlist::{
    Change, Error, GroupCount, MemberList, Row, RowChange, MAX_NAME_LEN,
};
use std::panic::AssertUnwindSafe;

/// GH_ML_UPSERT tags an upsert record.
pub const GH_ML_UPSERT: u8 = 1;
/// GH_ML_REMOVE tags a remove record.
pub const GH_ML_REMOVE: u8 = 2;
/// GH_ML_SET_ORDER tags a set-order record.
pub const GH_ML_SET_ORDER: u8 = 3;

/// GH_ML_INSERT: the row goes in at `index`; later rows shift right.
pub const GH_ML_INSERT: u8 = 1;
/// GH_ML_DELETE: the row at `index` goes; later rows shift left.
pub const GH_ML_DELETE: u8 = 2;
/// GH_ML_UPDATE: the row at `index` is replaced.
pub const GH_ML_UPDATE: u8 = 3;

/// GH_ML_GROUP: a group row (`id` is the group, `count` its members).
pub const GH_ML_GROUP: u8 = 1;
/// GH_ML_MEMBER: a member row (`id` is the user).
pub const GH_ML_MEMBER: u8 = 2;

/// GH_ML_ROW_CHANGE_BYTES is the size of one row-change record.
pub const GH_ML_ROW_CHANGE_BYTES: usize = 24;
/// GH_ML_ROW_BYTES is the size of one row record.
pub const GH_ML_ROW_BYTES: usize = 16;
/// GH_ML_UPSERT_ROWS is the most row changes one upsert produces.
pub const GH_ML_UPSERT_ROWS: usize = 4;
/// GH_ML_REMOVE_ROWS is the most row changes one remove produces.
pub const GH_ML_REMOVE_ROWS: usize = 2;

/// GH_ML_RESYNC is set in `*out_flags` when the group order changed which
/// groups are shown or where: rows moved wholesale, no row changes were
/// written, and the caller must read the rows again.
pub const GH_ML_RESYNC: u32 = 1;

/// GhMemberList is an opaque lazy member list (see gatehouse-core's
/// memberlist module): rows are, per shown group with members, the group's
/// row then its members by (sort name, user id); indices count group rows.
/// It is not thread-safe: one caller at a time.
///
/// Record formats:
///
/// All integers little-endian, records packed back to back with no padding
/// or alignment.
///
/// Changes (input of gh_memberlist_apply):
/// - upsert, 19 + n bytes: `u8 GH_ML_UPSERT, u64 user, u64 group,
///   u16 n, n bytes of case-folded sort name` (n <= 1024, no zero byte);
/// - remove, 9 bytes: `u8 GH_ML_REMOVE, u64 user`;
/// - set order, 3 + 8k bytes: `u8 GH_ML_SET_ORDER, u16 k, k × u64 group`
///   (k <= 4096, no group twice).
///
/// Row changes (output of gh_memberlist_apply), GH_ML_ROW_CHANGE_BYTES (24)
/// each: `u8 op (GH_ML_INSERT, GH_ML_DELETE, GH_ML_UPDATE), u8 kind
/// (GH_ML_GROUP, GH_ML_MEMBER; 0 for a delete), u16 0, u32 index,
/// u64 id (group id or user id; 0 for a delete), u32 count (a group row's
/// member count; else 0), u32 0`.
///
/// Rows (output of gh_memberlist_rows and gh_memberlist_groups),
/// GH_ML_ROW_BYTES (16) each: `u8 kind, u8 0, u16 0, u32 count, u64 id`.
pub struct GhMemberList {
    list: MemberList,
    recs: Vec<Rec>,
    /// ends holds each record's end offset in the input.
    ends: Vec<usize>,
    order: Vec<u64>,
    rows: Vec<RowChange>,
    changes: Vec<Change<'static>>,
    /// poisoned is set while a call changes the list and cleared when it
    /// returns normally, so a list left half-changed by a panic refuses
    /// every later call.
    poisoned: bool,
}

/// Rec is one parsed change record, pointing into the input or `order`.
#[derive(Clone, Copy)]
enum Rec {
    Upsert {
        user: u64,
        group: u64,
        name: (usize, usize),
    },
    Remove {
        user: u64,
    },
    SetOrder {
        groups: (usize, usize),
    },
}

impl Rec {
    fn max_rows(self) -> usize {
        match self {
            Rec::Upsert { .. } => GH_ML_UPSERT_ROWS,
            Rec::Remove { .. } => GH_ML_REMOVE_ROWS,
            Rec::SetOrder { .. } => 0,
        }
    }
}

/// Reader reads little-endian fields off the input.
struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl Reader<'_> {
    fn take(&mut self, n: usize) -> Option<&[u8]> {
        let s = self.buf.get(self.pos..self.pos.checked_add(n)?)?;
        self.pos += n;
        Some(s)
    }
    fn u8(&mut self) -> Option<u8> {
        Some(self.take(1)?[0])
    }
    fn u16(&mut self) -> Option<u16> {
        Some(u16::from_le_bytes(self.take(2)?.try_into().ok()?))
    }
    fn u64(&mut self) -> Option<u64> {
        Some(u64::from_le_bytes(self.take(8)?.try_into().ok()?))
    }
}

/// parse reads every record of `input` into `recs` and its end offset into
/// `ends`, set-order groups into `order`; None when a record is malformed
/// or truncated.
fn parse(
    input: &[u8],
    recs: &mut Vec<Rec>,
    ends: &mut Vec<usize>,
    order: &mut Vec<u64>,
) -> Option<()> {
    let mut r = Reader { buf: input, pos: 0 };
    while r.pos < input.len() {
        let rec = match r.u8()? {
            GH_ML_UPSERT => {
                let (user, group, n) = (r.u64()?, r.u64()?, usize::from(r.u16()?));
                if n > MAX_NAME_LEN {
                    return None;
                }
                let at = r.pos;
                r.take(n)?;
                Rec::Upsert {
                    user,
                    group,
                    name: (at, n),
                }
            }
            GH_ML_REMOVE => Rec::Remove { user: r.u64()? },
            GH_ML_SET_ORDER => {
                let k = usize::from(r.u16()?);
                let at = order.len();
                for _ in 0..k {
                    order.push(r.u64()?);
                }
                Rec::SetOrder { groups: (at, k) }
            }
            _ => return None,
        };
        recs.push(rec);
        ends.push(r.pos);
    }
    Some(())
}

/// recycle empties a vector of changes and hands back its allocation for
/// changes that borrow something else (the standard library reuses the
/// buffer when collecting a mapped `IntoIter` of a same-sized type).
fn recycle<'b>(mut v: Vec<Change<'_>>) -> Vec<Change<'b>> {
    v.clear();
    v.into_iter().map(|_| unreachable!("empty")).collect()
}

fn encode_row(out: &mut [u8], kind_id_count: (u8, u64, u32)) {
    let (kind, id, count) = kind_id_count;
    out[0] = kind;
    out[1..4].fill(0);
    out[4..8].copy_from_slice(&count.to_le_bytes());
    out[8..16].copy_from_slice(&id.to_le_bytes());
}

fn row_fields(row: Row) -> (u8, u64, u32) {
    match row {
        Row::Group { id, count } => (GH_ML_GROUP, id, count),
        Row::Member { user } => (GH_ML_MEMBER, user, 0),
    }
}

fn encode_change(out: &mut [u8], c: RowChange) {
    let (op, index, (kind, id, count)) = match c {
        RowChange::Insert { index, row } => (GH_ML_INSERT, index, row_fields(row)),
        RowChange::Delete { index } => (GH_ML_DELETE, index, (0, 0, 0)),
        RowChange::Update { index, row } => (GH_ML_UPDATE, index, row_fields(row)),
    };
    out[0] = op;
    out[1] = kind;
    out[2..4].fill(0);
    out[4..8].copy_from_slice(&(index as u32).to_le_bytes());
    out[8..16].copy_from_slice(&id.to_le_bytes());
    out[16..20].copy_from_slice(&count.to_le_bytes());
    out[20..24].fill(0);
}

/// gh_memberlist_new makes an empty member list whose user index has room
/// for `members` members before it first grows (growing rehashes every
/// member in one call, so pass the expected size). On success `*out`
/// holds the handle; on failure it is set to null.
///
/// # Safety
/// `out` must be null or valid for writing one pointer.
#[no_mangle]
pub unsafe extern "C" fn gh_memberlist_new(
    members: usize,
    out: *mut *mut GhMemberList,
) -> GhStatus {
    if out.is_null() {
        return GH_NULL_ARGUMENT;
    }
    // SAFETY: checked non-null; the caller promises it is writable.
    unsafe { out.write(std::ptr::null_mut()) };
    guard(AssertUnwindSafe(|| {
        if members > u32::MAX as usize {
            return GH_INVALID_ARGUMENT;
        }
        let h = Box::new(GhMemberList {
            list: MemberList::with_capacity(members),
            recs: Vec::new(),
            ends: Vec::new(),
            order: Vec::new(),
            rows: Vec::new(),
            changes: Vec::new(),
            poisoned: false,
        });
        // SAFETY: as above.
        unsafe { out.write(Box::into_raw(h)) };
        GH_OK
    }))
}

/// gh_memberlist_apply applies the change records in the `in_len` bytes at
/// `in_ptr`, in order, and writes their row changes to the `out_cap` bytes
/// at `out_ptr`: applied in order to the rows as they were, they give the
/// rows as they are. `*out_len` gets the bytes written, `*out_consumed`
/// the input bytes applied (always whole records), `*out_flags`
/// GH_ML_RESYNC or 0.
///
/// Room: a change is applied only if its worst case fits in what is left
/// of the output (GH_ML_UPSERT_ROWS or GH_ML_REMOVE_ROWS records of
/// GH_ML_ROW_CHANGE_BYTES; none for a set order). Changes are applied up
/// to the first that does not fit, so `*out_consumed` may be short of
/// `in_len`: call again with the rest. If not even the first fits, the
/// call returns GH_BUFFER_TOO_SMALL with the worst case of the whole input
/// in `*out_len` and changes nothing.
///
/// Any malformed record (unknown tag, truncated, name over 1024 bytes or
/// holding a zero byte, order over 4096 groups or naming one twice) fails
/// the call with GH_INVALID_ARGUMENT and changes nothing. A call whose
/// upserts could take the list past 2^24 − 2 members fails with
/// GH_TOO_LARGE and changes nothing. Keep each call to
/// about 64 changes so it holds the thread for no more than ~20 µs.
///
/// # Safety
/// `h` must be null or a live handle used by no one else during the call;
/// `in_ptr` readable for `in_len` bytes; `out_ptr` writable for `out_cap`
/// bytes; the out-parameters null or writable. None is kept after the call.
#[no_mangle]
#[allow(clippy::too_many_arguments)] // a C entry: inputs, outputs, out-parameters
pub unsafe extern "C" fn gh_memberlist_apply(
    h: *mut GhMemberList,
    in_ptr: *const u8,
    in_len: usize,
    out_ptr: *mut u8,
    out_cap: usize,
    out_len: *mut usize,
    out_consumed: *mut usize,
    out_flags: *mut u32,
) -> GhStatus {
    if out_len.is_null() || out_consumed.is_null() || out_flags.is_null() {
        return GH_NULL_ARGUMENT;
    }
    // SAFETY: checked non-null; writable per the contract.
    unsafe {
        out_len.write(0);
        out_consumed.write(0);
        out_flags.write(0);
    }
    guard(AssertUnwindSafe(|| {
        // SAFETY: null or a live handle with no other user, per the contract.
        let Some(m) = (unsafe { h.as_mut() }) else {
            return GH_NULL_ARGUMENT;
        };
        if m.poisoned {
            return GH_INTERNAL_ERROR;
        }
        // SAFETY: the caller promises the spans are real memory.
        let (input, output) =
            match unsafe { (in_slice(in_ptr, in_len), out_slice(out_ptr, out_cap)) } {
                (Ok(i), Ok(o)) => (i, o),
                (Err(s), _) | (_, Err(s)) => return s,
            };
        if overlaps(input, output) {
            return GH_INVALID_ARGUMENT;
        }
        m.recs.clear();
        m.ends.clear();
        m.order.clear();
        if parse(input, &mut m.recs, &mut m.ends, &mut m.order).is_none() {
            return GH_INVALID_ARGUMENT;
        }
        // The prefix of records whose worst case fits.
        let room = output.len() / GH_ML_ROW_CHANGE_BYTES;
        let (mut fit, mut need) = (0, 0);
        for rec in &m.recs {
            if need + rec.max_rows() > room {
                break;
            }
            need += rec.max_rows();
            fit += 1;
        }
        if fit == 0 && !m.recs.is_empty() {
            let all: usize = m.recs.iter().map(|r| r.max_rows()).sum();
            // SAFETY: as above.
            unsafe { out_len.write(all * GH_ML_ROW_CHANGE_BYTES) };
            return GH_BUFFER_TOO_SMALL;
        }
        let mut changes = recycle(std::mem::take(&mut m.changes));
        changes.extend(m.recs[..fit].iter().map(|&rec| match rec {
            Rec::Upsert { user, group, name } => Change::Upsert {
                user,
                group,
                name: &input[name.0..name.0 + name.1],
            },
            Rec::Remove { user } => Change::Remove { user },
            Rec::SetOrder { groups } => Change::SetOrder {
                groups: &m.order[groups.0..groups.0 + groups.1],
            },
        }));
        m.rows.clear();
        m.poisoned = true;
        let result = m.list.apply_batch(&changes, &mut m.rows);
        m.poisoned = false;
        m.changes = recycle(changes);
        let outcome = match result {
            Ok(o) => o,
            Err(Error::Full) => return GH_TOO_LARGE,
            Err(_) => return GH_INVALID_ARGUMENT,
        };
        for (c, rec) in m
            .rows
            .iter()
            .zip(output.chunks_exact_mut(GH_ML_ROW_CHANGE_BYTES))
        {
            encode_change(rec, *c);
        }
        let consumed = if fit == 0 { 0 } else { m.ends[fit - 1] };
        // SAFETY: as above.
        unsafe {
            out_len.write(m.rows.len() * GH_ML_ROW_CHANGE_BYTES);
            out_consumed.write(consumed);
            out_flags.write(if outcome.resync { GH_ML_RESYNC } else { 0 });
        }
        GH_OK
    }))
}

/// with_list runs a read-only body on a live, unpoisoned handle.
///
/// # Safety
/// `h` must be null or a live handle.
unsafe fn with_list(
    h: *const GhMemberList,
    body: impl FnOnce(&MemberList) -> GhStatus,
) -> GhStatus {
    guard(AssertUnwindSafe(|| {
        // SAFETY: null or a live handle, per the contract.
        let Some(m) = (unsafe { h.as_ref() }) else {
            return GH_NULL_ARGUMENT;
        };
        if m.poisoned {
            return GH_INTERNAL_ERROR;
        }
        body(&m.list)
    }))
}

/// gh_memberlist_len writes to `*out_rows` the number of rows in the list,
/// group rows included, and to `*out_members` the number of members known,
/// shown or not.
///
/// # Safety
/// `h` must be null or a live handle; the out-parameters null or writable.
#[no_mangle]
pub unsafe extern "C" fn gh_memberlist_len(
    h: *const GhMemberList,
    out_rows: *mut usize,
    out_members: *mut usize,
) -> GhStatus {
    if out_rows.is_null() || out_members.is_null() {
        return GH_NULL_ARGUMENT;
    }
    // SAFETY: forwarded from the caller; out-parameters checked non-null.
    unsafe {
        with_list(h, |l| {
            out_rows.write(l.len());
            out_members.write(l.members());
            GH_OK
        })
    }
}

/// gh_memberlist_rows writes the rows from index `start` on, as
/// GH_ML_ROW_BYTES records, to the `out_cap` bytes at `out_ptr`: at most
/// `count` rows, at most as many as fit, none past the end of the list.
/// `*out_len` gets the bytes written.
///
/// # Safety
/// `h` must be null or a live handle; `out_ptr` writable for `out_cap`
/// bytes; `out_len` null or writable.
#[no_mangle]
pub unsafe extern "C" fn gh_memberlist_rows(
    h: *const GhMemberList,
    start: usize,
    count: usize,
    out_ptr: *mut u8,
    out_cap: usize,
    out_len: *mut usize,
) -> GhStatus {
    if out_len.is_null() {
        return GH_NULL_ARGUMENT;
    }
    // SAFETY: checked non-null; writable per the contract.
    unsafe { out_len.write(0) };
    // SAFETY: forwarded from the caller.
    let output = match unsafe { out_slice(out_ptr, out_cap) } {
        Ok(o) => o,
        Err(s) => return s,
    };
    // SAFETY: forwarded from the caller.
    unsafe {
        with_list(h, |l| {
            let n = count.min(output.len() / GH_ML_ROW_BYTES);
            if n == 0 {
                return GH_OK;
            }
            let mut rows = Vec::with_capacity(n);
            l.rows(start, start.saturating_add(n - 1), &mut rows);
            for (row, rec) in rows.iter().zip(output.chunks_exact_mut(GH_ML_ROW_BYTES)) {
                encode_row(rec, row_fields(*row));
            }
            out_len.write(rows.len() * GH_ML_ROW_BYTES);
            GH_OK
        })
    }
}

/// gh_memberlist_index_of writes to `*out_index` the global index of a
/// member's row, or -1 when the member is unknown or its group is not
/// shown.
///
/// # Safety
/// `h` must be null or a live handle; `out_index` null or writable.
#[no_mangle]
pub unsafe extern "C" fn gh_memberlist_index_of(
    h: *const GhMemberList,
    user: u64,
    out_index: *mut i64,
) -> GhStatus {
    if out_index.is_null() {
        return GH_NULL_ARGUMENT;
    }
    // SAFETY: forwarded from the caller; out_index checked non-null.
    unsafe {
        with_list(h, |l| {
            out_index.write(l.index_of(user).map_or(-1, |i| i as i64));
            GH_OK
        })
    }
}

/// gh_memberlist_groups writes every shown group with members, in order,
/// as GH_ML_ROW_BYTES group-row records, to the `out_cap` bytes at
/// `out_ptr`; `*out_len` gets the bytes written. If they do not all fit it
/// returns GH_BUFFER_TOO_SMALL with the bytes needed in `*out_len` and
/// writes nothing.
///
/// # Safety
/// `h` must be null or a live handle; `out_ptr` writable for `out_cap`
/// bytes; `out_len` null or writable.
#[no_mangle]
pub unsafe extern "C" fn gh_memberlist_groups(
    h: *const GhMemberList,
    out_ptr: *mut u8,
    out_cap: usize,
    out_len: *mut usize,
) -> GhStatus {
    if out_len.is_null() {
        return GH_NULL_ARGUMENT;
    }
    // SAFETY: checked non-null; writable per the contract.
    unsafe { out_len.write(0) };
    // SAFETY: forwarded from the caller.
    let output = match unsafe { out_slice(out_ptr, out_cap) } {
        Ok(o) => o,
        Err(s) => return s,
    };
    // SAFETY: forwarded from the caller.
    unsafe {
        with_list(h, |l| {
            let mut groups: Vec<GroupCount> = Vec::new();
            l.groups(&mut groups);
            let need = groups.len() * GH_ML_ROW_BYTES;
            if need > output.len() {
                out_len.write(need);
                return GH_BUFFER_TOO_SMALL;
            }
            for (g, rec) in groups.iter().zip(output.chunks_exact_mut(GH_ML_ROW_BYTES)) {
                encode_row(rec, (GH_ML_GROUP, g.id, g.count));
            }
            out_len.write(need);
            GH_OK
        })
    }
}

/// gh_memberlist_memory writes to `*out_heap` every byte the list holds
/// (the handle and its scratch buffers included) and to `*out_names` how
/// many of those are name bytes (each name past its eighth byte; the first
/// eight live in the keys and count as structure).
///
/// # Safety
/// `h` must be null or a live handle; the out-parameters null or writable.
#[no_mangle]
pub unsafe extern "C" fn gh_memberlist_memory(
    h: *const GhMemberList,
    out_heap: *mut usize,
    out_names: *mut usize,
) -> GhStatus {
    if out_heap.is_null() || out_names.is_null() {
        return GH_NULL_ARGUMENT;
    }
    guard(AssertUnwindSafe(|| {
        // SAFETY: null or a live handle, per the contract.
        let Some(m) = (unsafe { h.as_ref() }) else {
            return GH_NULL_ARGUMENT;
        };
        let heap = size_of::<GhMemberList>()
            + m.list.heap_bytes()
            + m.recs.capacity() * size_of::<Rec>()
            + m.ends.capacity() * size_of::<usize>()
            + m.order.capacity() * size_of::<u64>()
            + m.rows.capacity() * size_of::<RowChange>()
            + m.changes.capacity() * size_of::<Change>();
        // SAFETY: checked non-null; writable per the contract.
        unsafe {
            out_heap.write(heap);
            out_names.write(m.list.name_bytes());
        }
        GH_OK
    }))
}

/// gh_memberlist_free releases a handle. Null is ignored. The handle must
/// not be used afterwards, nor freed twice.
///
/// # Safety
/// `h` must be null or a live handle from gh_memberlist_new.
#[no_mangle]
pub unsafe extern "C" fn gh_memberlist_free(h: *mut GhMemberList) {
    if h.is_null() {
        return;
    }
    // SAFETY: a live handle made by Box::into_raw in gh_memberlist_new.
    let handle = unsafe { Box::from_raw(h) };
    guard(AssertUnwindSafe(move || {
        drop(handle);
        GH_OK
    }));
}
