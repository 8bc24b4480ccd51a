//! The lazy member list: an order-statistic list of a guild's members that
//! answers every change with the row-level changes, at global indices, that
//! bring a client's copy of the list up to date.
//!
//! Rows, per PROTOCOL.md: for every group in the group order that has at
//! least one member, one group row and then its members sorted by
//! (case-folded display name, user id). Global indices count group rows.
//! The caller decides each member's group and passes the already folded
//! name bytes; the list only orders them.
//!
//! Structure (docs/memberlist.md has the figures):
//! - one counted B+tree per group ([`tree`]); its leaves hold 12-byte keys
//!   inline: the first 8 name bytes as a big-endian `u64` and the member's
//!   slot. Full names and user ids are consulted only when two prefixes tie,
//!   and in inner nodes, which keep each key's name bytes 8 to 16 and user
//!   id beside it, only when two names share 16 bytes;
//! - a slab of 28-byte member records ([`members`]) found by user id
//!   through a table of 4-byte tagged slot numbers ([`index`]); each names
//!   its key's leaf, so a remove or rank walks up the tree from there;
//! - name bytes past the eighth in size-classed pools ([`names`]);
//! - the group order as a Fenwick tree of row counts ([`groups`]), so a
//!   group's first row is found in O(log groups) and a reorder never moves
//!   a member: it is O(groups), however many members the groups hold.
//!
//! Every change costs O(log n). A member list is `Send` but not `Sync`: one
//! owner at a time.

mod change;
mod groups;
mod hash;
mod index;
mod key;
mod list;
mod members;
mod names;
mod pages;
mod prefetch;
mod tree;

pub use change::{Change, Error, GroupCount, Outcome, Row, RowChange};
pub use list::MemberList;

/// MAX_NAME_LEN is the longest sort name accepted, in bytes. A display name
/// is at most 32 characters; folded and UTF-8 encoded it stays far below.
pub const MAX_NAME_LEN: usize = 1024;

/// MAX_MEMBERS is the most members one list holds (2^24 − 2, about 16.7
/// million): the user index keeps slots in 24 bits. Large guilds leave
/// offline members out of their lists, so a list holds online members.
pub const MAX_MEMBERS: usize = index::MAX_SLOTS;

/// MAX_ORDER_LEN is the most groups a group order may name. Discord allows
/// 250 roles per guild; two more are `online` and `offline`.
pub const MAX_ORDER_LEN: usize = 4096;

/// MAX_ROWS_PER_CHANGE is the most row changes one change produces: a
/// member moving between two shown groups deletes its row, updates or
/// deletes its old group's row, updates or inserts its new group's row and
/// inserts its new row.
pub const MAX_ROWS_PER_CHANGE: usize = 4;
