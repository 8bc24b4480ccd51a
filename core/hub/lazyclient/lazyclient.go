// Package lazyclient is the client side of GUILD_MEMBER_LIST_UPDATE as
// docs/memberlist.md ("Protocol") defines it: one array of rows per list
// id, changed by each dispatch's ops in order and then sized from its
// groups. The gateway's tests apply every dispatch through it and compare
// the arrays with the server's lists; a load generator can use it to keep
// real lists. It decodes with encoding/json, not the gateway's decoder,
// so the server's output is checked by code that did not write it.
package lazyclient

import (
	"encoding/json"
	"errors"
	"fmt"
)

// Group is one entry of a dispatch's groups.
type Group struct {
	ID    string `json:"id"`
	Count int    `json:"count"`
}

// List is what a client holds of one list. Rows[i] is the item's JSON as
// received ({"group":...} or {"member":...}), or nil when unknown.
type List struct {
	ID          string
	Rows        []json.RawMessage
	Groups      []Group
	MemberCount int
	OnlineCount int
}

// Update is a decoded GUILD_MEMBER_LIST_UPDATE d.
type Update struct {
	ID          string  `json:"id"`
	GuildID     string  `json:"guild_id"`
	MemberCount int     `json:"member_count"`
	OnlineCount int     `json:"online_count"`
	Groups      []Group `json:"groups"`
	Ops         []Op    `json:"ops"`
}

// Op is one operation.
type Op struct {
	Op    string            `json:"op"`
	Range []int             `json:"range"`
	Index *int              `json:"index"`
	Item  json.RawMessage   `json:"item"`
	Items []json.RawMessage `json:"items"`
}

// Lists is a client's lists by id.
type Lists map[string]*List

// Applied says what one dispatch did.
type Applied struct {
	List *List
	// Update is the dispatch as decoded.
	Update Update
	// LenAfterOps is the array's length after the ops and before sizing it
	// from groups: with every shift sent it already equals the list's.
	LenAfterOps int
	// Ops counts the dispatch's ops by name.
	Ops map[string]int
}

// ErrProtocol wraps every op a client cannot apply.
var ErrProtocol = errors.New("lazyclient: invalid op")

// Length is the list's length that groups imply: one group row plus its
// members for every group listed.
func Length(groups []Group) int {
	n := 0
	for _, g := range groups {
		n += g.Count + 1
	}
	return n
}

// Apply decodes a dispatch's d and applies it: the ops in order (SYNC
// writes its items from range[0], padding the array with unknown rows
// when it is shorter; INSERT at index ≤ length shifts later rows right;
// DELETE and UPDATE need index < length; INVALIDATE forgets a range), then
// the array is padded with unknown rows or cut to Length(groups).
func (ls Lists) Apply(d []byte) (Applied, error) {
	var u Update
	if err := json.Unmarshal(d, &u); err != nil {
		return Applied{}, fmt.Errorf("lazyclient: decode: %w", err)
	}
	if u.ID == "" {
		return Applied{}, fmt.Errorf("%w: dispatch without a list id", ErrProtocol)
	}
	l := ls[u.ID]
	if l == nil {
		l = &List{ID: u.ID}
		ls[u.ID] = l
	}
	res := Applied{List: l, Update: u, Ops: map[string]int{}}
	for i, op := range u.Ops {
		if err := l.apply(op); err != nil {
			return res, fmt.Errorf("op %d (%s): %w", i, op.Op, err)
		}
		res.Ops[op.Op]++
	}
	res.LenAfterOps = len(l.Rows)
	n := Length(u.Groups)
	for len(l.Rows) < n {
		l.Rows = append(l.Rows, nil)
	}
	l.Rows = l.Rows[:n]
	l.Groups, l.MemberCount, l.OnlineCount = u.Groups, u.MemberCount, u.OnlineCount
	return res, nil
}

func (l *List) apply(op Op) error {
	switch op.Op {
	case "SYNC":
		a, _, err := bounds(op.Range)
		if err != nil {
			return err
		}
		for len(l.Rows) < a+len(op.Items) {
			l.Rows = append(l.Rows, nil)
		}
		for k, it := range op.Items {
			l.Rows[a+k] = it
		}
	case "INVALIDATE":
		a, b, err := bounds(op.Range)
		if err != nil {
			return err
		}
		for i := a; i <= b && i < len(l.Rows); i++ {
			l.Rows[i] = nil
		}
	case "INSERT":
		if op.Index == nil || *op.Index < 0 || *op.Index > len(l.Rows) || len(op.Item) == 0 {
			return fmt.Errorf("%w: INSERT at %s into %d rows", ErrProtocol, index(op.Index), len(l.Rows))
		}
		i := *op.Index
		l.Rows = append(l.Rows, nil)
		copy(l.Rows[i+1:], l.Rows[i:])
		l.Rows[i] = op.Item
	case "DELETE":
		if op.Index == nil || *op.Index < 0 || *op.Index >= len(l.Rows) {
			return fmt.Errorf("%w: DELETE at %s of %d rows", ErrProtocol, index(op.Index), len(l.Rows))
		}
		i := *op.Index
		l.Rows = append(l.Rows[:i], l.Rows[i+1:]...)
	case "UPDATE":
		if op.Index == nil || *op.Index < 0 || *op.Index >= len(l.Rows) || len(op.Item) == 0 {
			return fmt.Errorf("%w: UPDATE at %s of %d rows", ErrProtocol, index(op.Index), len(l.Rows))
		}
		l.Rows[*op.Index] = op.Item
	default:
		return fmt.Errorf("%w: unknown op %q", ErrProtocol, op.Op)
	}
	return nil
}

func bounds(r []int) (int, int, error) {
	if len(r) != 2 || r[0] < 0 || r[1] < r[0] {
		return 0, 0, fmt.Errorf("%w: range %v", ErrProtocol, r)
	}
	return r[0], r[1], nil
}

// index prints an op's index, which may be missing.
func index(i *int) string {
	if i == nil {
		return "(none)"
	}
	return fmt.Sprint(*i)
}
