package corpus

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// TestMemberListInvariants drives the main guild's list through many
// presence changes and checks the layout PROTOCOL.md describes after each.
func TestMemberListInvariants(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 5))
	w := newWorld(r)
	l := w.main.list
	for step := range 300 {
		m := w.main.members[r.IntN(len(w.main.members))]
		if l.indexOf(m) >= 0 {
			w.goOffline(m.u)
			l.remove(m)
		} else {
			w.goOnline(m.u)
			l.insert(m)
		}
		if err := checkList(l); err != nil {
			t.Fatalf("after step %d: %v", step, err)
		}
	}
}

func checkList(l *memberList) error {
	lastRank := -1
	for i, row := range l.rows {
		if row.group == "" {
			if i == 0 {
				return fmt.Errorf("row 0 is a member, want a group row")
			}
			if prev := l.rows[i-1]; prev.m != nil && !before(prev.m, row.m) {
				return fmt.Errorf("rows %d and %d out of order", i-1, i)
			}
			if l.groupOf(row.m) != groupAbove(l, i) {
				return fmt.Errorf("row %d is in group %s, belongs in %s", i, groupAbove(l, i), l.groupOf(row.m))
			}
			continue
		}
		rank := l.groupRank(row.group)
		if rank <= lastRank {
			return fmt.Errorf("group %s at row %d out of order", row.group, i)
		}
		lastRank = rank
		if i+1 == len(l.rows) || l.rows[i+1].m == nil {
			return fmt.Errorf("group %s at row %d is empty", row.group, i)
		}
	}
	return nil
}

func groupAbove(l *memberList, i int) string {
	for ; i >= 0; i-- {
		if l.rows[i].group != "" {
			return l.rows[i].group
		}
	}
	return ""
}
