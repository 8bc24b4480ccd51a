// Package memberlist defines the MemberList seam: one lazy member list per
// (guild, list id), as PROTOCOL.md's "Lazy member lists" describes, that
// answers every batch of member changes with the row-level changes, at
// global indices, that bring a client's copy of the rows up to date.
//
// Rows: for every group in the group order that has at least one member,
// one group row and then its members sorted by (case-folded display name,
// user id). Global indices count group rows. The caller decides each
// member's group (highest hoisted role, online or offline) and passes the
// folded sort name (AppendSortName); the list only orders.
//
// Two implementations: the Rust core in package bindings (cgo, one call
// per batch) and GoList here, a pure-Go baseline with the same structure.
// Both pass memberlisttest.Run, which also checks that they answer every
// batch with identical row changes.
package memberlist

// List is one lazy member list.
//
// Concurrency: a List is not safe for concurrent use. It belongs to the
// guild's actor goroutine, which is the only one that calls it.
type List interface {
	// Apply applies changes in order and appends their row changes to dst:
	// applied in order to the rows as they were before the call, they give
	// the rows as they are after it (INSERT shifts later rows right, DELETE
	// left, UPDATE replaces; every index is global and refers to the rows
	// as the earlier row changes left them).
	//
	// If a change is invalid (Change.Validate), nothing is applied and the
	// error wraps ErrInvalidChange. If resync is true, a group-order change
	// moved rows wholesale: dst comes back as it was and the caller must
	// read the rows again (the gateway sends SYNC, counted as a fallback).
	// Neither the changes nor their Name and Order slices are retained.
	Apply(dst []RowChange, changes []Change) (out []RowChange, resync bool, err error)
	// Len is the number of rows, group rows included.
	Len() int
	// Rows appends the rows from start to end inclusive, clipped to the
	// list, to dst.
	Rows(dst []Row, start, end int) []Row
	// IndexOf is the global index of a member's row; false when the member
	// is unknown or its group is not in the order.
	IndexOf(user uint64) (int, bool)
	// Groups appends every group in the order that has members, in order,
	// with its member count, to dst.
	Groups(dst []GroupCount) []GroupCount
	// Members is the number of members known, in the order's groups or not.
	Members() int
	// Close releases the list. It is safe to call more than once; every
	// other method after Close returns ErrClosed, zero or dst unchanged.
	Close() error
}

// New makes an empty List with room for about `members` members.
type New func(members int) (List, error)
