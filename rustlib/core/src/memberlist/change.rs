//! What goes into a member list and what comes out of it.

use super::{MAX_MEMBERS, MAX_NAME_LEN, MAX_ORDER_LEN, MAX_ROWS_PER_CHANGE};
use core::fmt;

/// Change is one member or group-order change.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Change<'a> {
    /// Upsert adds the member or moves it to `group` under `name`: the
    /// case-folded sort name, at most [`MAX_NAME_LEN`] bytes, no zero byte.
    /// A member whose group is not in the group order is kept but not shown.
    /// Upserting a shown member without a change of place answers with an
    /// UPDATE of its row, so the caller can refresh what the row shows.
    Upsert {
        user: u64,
        group: u64,
        name: &'a [u8],
    },
    /// Remove takes the member out. Removing an unknown member does nothing.
    Remove { user: u64 },
    /// SetOrder replaces the group order: the groups shown, first to last.
    /// At most [`MAX_ORDER_LEN`] groups, none twice.
    SetOrder { groups: &'a [u64] },
}

impl Change<'_> {
    /// user is the member a change is about, if any.
    pub(crate) fn user(&self) -> Option<u64> {
        match *self {
            Change::Upsert { user, .. } | Change::Remove { user } => Some(user),
            Change::SetOrder { .. } => None,
        }
    }

    /// max_rows is the most row changes this change can produce.
    pub fn max_rows(&self) -> usize {
        match self {
            Change::Upsert { .. } => MAX_ROWS_PER_CHANGE,
            Change::Remove { .. } => 2,
            Change::SetOrder { .. } => 0,
        }
    }

    /// check_shape refuses what no list state can make valid: a name too
    /// long or holding a zero byte, an order too long. Duplicates in an
    /// order are checked by the list, which has scratch room for it.
    pub(crate) fn check_shape(&self) -> Result<(), Error> {
        match *self {
            Change::Upsert { name, .. } => {
                if name.len() > MAX_NAME_LEN {
                    return Err(Error::NameTooLong { len: name.len() });
                }
                if has_zero_byte(name) {
                    return Err(Error::NameHasZeroByte);
                }
                Ok(())
            }
            Change::Remove { .. } => Ok(()),
            Change::SetOrder { groups } => {
                if groups.len() > MAX_ORDER_LEN {
                    return Err(Error::OrderTooLong { len: groups.len() });
                }
                Ok(())
            }
        }
    }
}

/// has_zero_byte says whether `s` holds a zero byte, eight bytes at a time
/// (the last word overlapping the one before it): a name is checked on
/// every upsert, and most are 3 to 16 bytes, where a byte loop costs a
/// few dozen instructions.
#[inline]
fn has_zero_byte(s: &[u8]) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    // zero: a word has a zero byte exactly when some byte's borrow
    // reaches its high bit without that bit being set in the word.
    let zero = |x: u64| x.wrapping_sub(ONES) & !x & HIGHS != 0;
    let n = s.len();
    if n < 8 {
        if n < 4 {
            return s.contains(&0);
        }
        let half = |i: usize| {
            u64::from(u32::from_le_bytes(
                s[i..i + 4].try_into().expect("four bytes"),
            ))
        };
        // Two overlapping halves, each with its high four bytes 0x01.
        return zero(half(0) | ONES << 32) || zero(half(n - 4) | ONES << 32);
    }
    let word = |i: usize| u64::from_le_bytes(s[i..i + 8].try_into().expect("eight bytes"));
    let mut i = 0;
    while i + 8 < n {
        if zero(word(i)) {
            return true;
        }
        i += 8;
    }
    zero(word(n - 8))
}

/// Row is one row of the flattened list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Row {
    /// Group heads its members and shows how many there are.
    Group { id: u64, count: u32 },
    /// Member is one member's row.
    Member { user: u64 },
}

/// RowChange is one step a client applies to its copy of the rows, in
/// order: INSERT shifts later rows right, DELETE shifts them left, UPDATE
/// replaces the row in place. Indices are global and refer to the rows as
/// they are after the earlier steps.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RowChange {
    Insert { index: usize, row: Row },
    Delete { index: usize },
    Update { index: usize, row: Row },
}

/// GroupCount is one shown group and its number of members.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GroupCount {
    pub id: u64,
    pub count: u32,
}

/// Outcome says what a batch did beyond its row changes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Outcome {
    /// resync: the group order changed which groups are shown or where, so
    /// rows moved wholesale. No row changes are returned for such a batch;
    /// read the rows again (the gateway sends SYNC).
    pub resync: bool,
}

/// Error is why a change was refused. A refused batch changes nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Error {
    /// NameTooLong: the sort name is longer than [`MAX_NAME_LEN`].
    NameTooLong { len: usize },
    /// NameHasZeroByte: the sort name holds a zero byte, which folding
    /// never produces and the name ordering reserves.
    NameHasZeroByte,
    /// OrderTooLong: the group order names more than [`MAX_ORDER_LEN`] groups.
    OrderTooLong { len: usize },
    /// DuplicateGroup: the group order names a group twice.
    DuplicateGroup { id: u64 },
    /// Full: the batch could take the list past [`MAX_MEMBERS`] members
    /// (counted as if every upsert added one).
    Full,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::NameTooLong { len } => {
                write!(f, "sort name of {len} bytes exceeds {MAX_NAME_LEN}")
            }
            Error::NameHasZeroByte => f.write_str("sort name holds a zero byte"),
            Error::OrderTooLong { len } => {
                write!(f, "group order of {len} groups exceeds {MAX_ORDER_LEN}")
            }
            Error::DuplicateGroup { id } => write!(f, "group {id} appears twice in the order"),
            Error::Full => write!(f, "the list would hold more than {MAX_MEMBERS} members"),
        }
    }
}

impl std::error::Error for Error {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_bytes_are_found_wherever_they_are() {
        for n in 0..40 {
            let clean: Vec<u8> = (0..n).map(|i| 1 + (i * 37 % 255) as u8).collect();
            assert!(!has_zero_byte(&clean), "len {n}");
            for at in 0..n {
                let mut s = clean.clone();
                s[at] = 0;
                assert!(has_zero_byte(&s), "len {n}, zero at {at}");
            }
        }
        // Bytes whose borrows could fool a careless word test.
        assert!(!has_zero_byte(&[
            0x80, 0x01, 0xff, 0x01, 0x80, 0x01, 0x01, 0x01, 0x01
        ]));
        assert!(has_zero_byte(&[
            0x01, 0x00, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01
        ]));
    }
}
