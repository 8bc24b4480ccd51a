package memberlist

import (
	"errors"
	"fmt"
	"math"
	"slices"
)

// GroupID names a group: a hoisted role's id, GroupOnline or GroupOffline.
type GroupID uint64

// The two groups every list has besides hoisted roles. Snowflakes never
// come near these values.
const (
	GroupOnline  GroupID = math.MaxUint64 - 1
	GroupOffline GroupID = math.MaxUint64
)

// Limits every implementation enforces.
const (
	// MaxNameLen is the longest sort name, in bytes.
	MaxNameLen = 1024
	// MaxOrderLen is the most groups one order names.
	MaxOrderLen = 4096
	// MaxMembers is the most members one list holds (the Rust index keeps
	// slots in 24 bits); large guilds leave offline members out of lists.
	MaxMembers = 1<<24 - 2
	// MaxRowsPerChange is the most row changes one change produces: a member
	// moving between two shown groups deletes its row, updates or deletes
	// its old group's row, updates or inserts its new group's row, and
	// inserts its new row.
	MaxRowsPerChange = 4
)

// ChangeKind says what a Change does.
type ChangeKind uint8

const (
	// Upsert adds a member or moves it to Group under Name. A member whose
	// group is not in the order is kept but not shown. Upserting a shown
	// member without a change of place answers with an UPDATE of its row,
	// so the caller can refresh what the row shows (status, avatar).
	Upsert ChangeKind = iota + 1
	// Remove takes a member out; removing an unknown member does nothing.
	Remove
	// SetOrder replaces the group order with Order: the shown groups, first
	// to last (hoisted roles by position, then GroupOnline, GroupOffline).
	SetOrder
)

// Change is one member or group-order change.
type Change struct {
	Kind  ChangeKind
	User  uint64
	Group GroupID
	// Name is the sort name for Upsert, made by AppendSortName: at most
	// MaxNameLen bytes, no zero byte.
	Name []byte
	// Order is the new order for SetOrder: at most MaxOrderLen groups, none
	// twice.
	Order []GroupID
}

// ErrInvalidChange is wrapped by every error about a change's contents.
var ErrInvalidChange = errors.New("memberlist: invalid change")

// ErrFull is returned by Apply when a batch's upserts could take the list
// past MaxMembers (counted as if every upsert added a member).
var ErrFull = errors.New("memberlist: list is full")

// ErrClosed is returned by Apply after Close.
var ErrClosed = errors.New("memberlist: list is closed")

// Validate checks a change's contents; both implementations refuse the
// same changes for the same reasons.
func (c *Change) Validate() error {
	switch c.Kind {
	case Upsert:
		if len(c.Name) > MaxNameLen {
			return fmt.Errorf("%w: sort name of %d bytes exceeds %d", ErrInvalidChange, len(c.Name), MaxNameLen)
		}
		if slices.Contains(c.Name, 0) {
			return fmt.Errorf("%w: sort name holds a zero byte", ErrInvalidChange)
		}
	case Remove:
	case SetOrder:
		if len(c.Order) > MaxOrderLen {
			return fmt.Errorf("%w: group order of %d groups exceeds %d", ErrInvalidChange, len(c.Order), MaxOrderLen)
		}
		if len(c.Order) > 1 {
			sorted := slices.Clone(c.Order)
			slices.Sort(sorted)
			for i := 1; i < len(sorted); i++ {
				if sorted[i] == sorted[i-1] {
					return fmt.Errorf("%w: group %d appears twice in the order", ErrInvalidChange, sorted[i])
				}
			}
		}
	default:
		return fmt.Errorf("%w: unknown kind %d", ErrInvalidChange, c.Kind)
	}
	return nil
}

// maxRows is the most row changes the change can produce.
func (c *Change) maxRows() int {
	switch c.Kind {
	case Upsert:
		return MaxRowsPerChange
	case Remove:
		return 2
	}
	return 0
}

// validateAll checks every change, naming the first bad one.
func validateAll(changes []Change) error {
	for i := range changes {
		if err := changes[i].Validate(); err != nil {
			return fmt.Errorf("change %d: %w", i, err)
		}
	}
	return nil
}

// ValidateAll checks every change of a batch, as Apply does first, so an
// implementation outside this package refuses exactly what GoList does.
func ValidateAll(changes []Change) error { return validateAll(changes) }

// Upserts counts a batch's upserts, for the MaxMembers check.
func Upserts(changes []Change) int {
	n := 0
	for i := range changes {
		if changes[i].Kind == Upsert {
			n++
		}
	}
	return n
}

// WorstRows is the most row changes a batch can produce; an output of this
// many never needs to grow.
func WorstRows(changes []Change) int {
	n := 0
	for i := range changes {
		n += changes[i].maxRows()
	}
	return n
}

// RowKind says what a Row is.
type RowKind uint8

const (
	// RowGroup heads its group's members; ID is the GroupID, Count its members.
	RowGroup RowKind = iota + 1
	// RowMember is one member's row; ID is the user id.
	RowMember
)

// Row is one row of the flattened list.
type Row struct {
	Kind  RowKind
	Count uint32
	ID    uint64
}

// GroupRow and MemberRow make rows.
func GroupRow(id GroupID, count int) Row {
	return Row{Kind: RowGroup, ID: uint64(id), Count: uint32(count)}
}
func MemberRow(user uint64) Row { return Row{Kind: RowMember, ID: user} }

func (r Row) String() string {
	switch r.Kind {
	case RowGroup:
		return fmt.Sprintf("group(%d×%d)", r.ID, r.Count)
	case RowMember:
		return fmt.Sprintf("member(%d)", r.ID)
	}
	return "row(?)"
}

// Op is a row-change operation, as in GUILD_MEMBER_LIST_UPDATE.
type Op uint8

const (
	OpInsert Op = iota + 1
	OpDelete
	OpUpdate
)

func (o Op) String() string {
	switch o {
	case OpInsert:
		return "INSERT"
	case OpDelete:
		return "DELETE"
	case OpUpdate:
		return "UPDATE"
	}
	return fmt.Sprintf("Op(%d)", uint8(o))
}

// RowChange is one step a client applies to its copy of the rows. Row is
// the zero Row for OpDelete.
type RowChange struct {
	Op    Op
	Index int
	Row   Row
}

func (c RowChange) String() string {
	if c.Op == OpDelete {
		return fmt.Sprintf("DELETE %d", c.Index)
	}
	return fmt.Sprintf("%v %d %v", c.Op, c.Index, c.Row)
}

// GroupCount is a shown group and how many members it has.
type GroupCount struct {
	ID    GroupID
	Count int
}
