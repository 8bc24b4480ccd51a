// Package memberlisttest checks memberlist.List implementations: a naive
// model, a client that replays row changes, the conformance suite both
// implementations run, and the benchmark workload they share.
package memberlisttest

import (
	"cmp"
	"fmt"
	"slices"

	"gatehouse/core/memberlist"
)

// Model is the naive list: every member in a map, rows rebuilt by sorting
// on every read.
type Model struct {
	Members map[uint64]ModelMember
	Order   []memberlist.GroupID
}

// ModelMember is a member's group and sort name.
type ModelMember struct {
	Group memberlist.GroupID
	Name  string
}

func NewModel() *Model { return &Model{Members: map[uint64]ModelMember{}} }

// Apply applies a valid change and says whether the shown groups or their
// sequence changed, which is when a List must ask for a resync.
func (m *Model) Apply(c memberlist.Change) bool {
	switch c.Kind {
	case memberlist.Upsert:
		m.Members[c.User] = ModelMember{c.Group, string(c.Name)}
	case memberlist.Remove:
		delete(m.Members, c.User)
	case memberlist.SetOrder:
		before := m.shown()
		m.Order = slices.Clone(c.Order)
		return !slices.Equal(before, m.shown())
	}
	return false
}

func (m *Model) shown() []memberlist.GroupID {
	var ids []memberlist.GroupID
	for _, g := range m.Groups() {
		ids = append(ids, g.ID)
	}
	return ids
}

// Groups is every shown group with members, in order.
func (m *Model) Groups() []memberlist.GroupCount {
	counts := map[memberlist.GroupID]int{}
	for _, mm := range m.Members {
		counts[mm.Group]++
	}
	var out []memberlist.GroupCount
	for _, g := range m.Order {
		if counts[g] > 0 {
			out = append(out, memberlist.GroupCount{ID: g, Count: counts[g]})
		}
	}
	return out
}

// Rows is the whole flattened list.
func (m *Model) Rows() []memberlist.Row {
	type entry struct {
		name string
		user uint64
	}
	by := map[memberlist.GroupID][]entry{}
	for u, mm := range m.Members {
		by[mm.Group] = append(by[mm.Group], entry{mm.Name, u})
	}
	var rows []memberlist.Row
	for _, g := range m.Order {
		es := by[g]
		if len(es) == 0 {
			continue
		}
		slices.SortFunc(es, func(a, b entry) int {
			if c := cmp.Compare(a.name, b.name); c != 0 {
				return c
			}
			return cmp.Compare(a.user, b.user)
		})
		rows = append(rows, memberlist.GroupRow(g, len(es)))
		for _, e := range es {
			rows = append(rows, memberlist.MemberRow(e.user))
		}
	}
	return rows
}

// Replay applies row changes in order to a client's copy of the rows, as
// a client applies GUILD_MEMBER_LIST_UPDATE ops. An index outside the rows
// is an error: the list told the client something impossible.
func Replay(rows []memberlist.Row, changes []memberlist.RowChange) ([]memberlist.Row, error) {
	for i, c := range changes {
		switch {
		case c.Op == memberlist.OpInsert && c.Index >= 0 && c.Index <= len(rows):
			rows = slices.Insert(rows, c.Index, c.Row)
		case c.Op == memberlist.OpDelete && c.Index >= 0 && c.Index < len(rows):
			rows = slices.Delete(rows, c.Index, c.Index+1)
		case c.Op == memberlist.OpUpdate && c.Index >= 0 && c.Index < len(rows):
			rows[c.Index] = c.Row
		default:
			return rows, fmt.Errorf("row change %d (%v) out of range for %d rows", i, c, len(rows))
		}
	}
	return rows, nil
}
