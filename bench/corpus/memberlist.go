package corpus

import (
	"cmp"
	"slices"
	"strings"
)

// memberList is the main guild's lazy member list as PROTOCOL.md describes
// it: per non-empty group a group row, then its online members sorted by
// display name. The guild is large, so offline members are left out. The
// session is subscribed to rows 0–199, so only ops there are sent.
type memberList struct {
	g    *guild
	rows []listRow
}

type listRow struct {
	group string  // set on a group row
	m     *member // set on a member row
}

const subscribedRows = 200

type jsonGroup struct {
	ID    string `json:"id"`
	Count int    `json:"count"`
}

type jsonListItem struct {
	Group  *jsonGroup  `json:"group,omitempty"`
	Member *jsonMember `json:"member,omitempty"`
}

type jsonListOp struct {
	Op    string         `json:"op"`
	Range *[2]int        `json:"range,omitempty"`
	Items []jsonListItem `json:"items,omitempty"`
	Index *int           `json:"index,omitempty"`
	Item  *jsonListItem  `json:"item,omitempty"`
}

type jsonMemberListUpdate struct {
	Ops         []jsonListOp `json:"ops"`
	OnlineCount int          `json:"online_count"`
	MemberCount int          `json:"member_count"`
	ID          string       `json:"id"`
	GuildID     string       `json:"guild_id"`
	Groups      []jsonGroup  `json:"groups"`
}

func newMemberList(g *guild) *memberList {
	l := &memberList{g: g}
	for _, m := range g.members {
		if m.u.status != "offline" {
			l.insert(m)
		}
	}
	return l
}

// groupOf is the member's highest hoisted role, else "online".
func (l *memberList) groupOf(m *member) string {
	for _, h := range l.g.hoisted {
		if slices.Contains(m.roles, h) {
			return h
		}
	}
	return "online"
}

func (l *memberList) groupRank(id string) int {
	if i := slices.Index(l.g.hoisted, id); i >= 0 {
		return i
	}
	return len(l.g.hoisted)
}

func sortName(m *member) string {
	switch {
	case m.nick != nil:
		return strings.ToLower(*m.nick)
	case m.u.global != nil:
		return strings.ToLower(*m.u.global)
	}
	return m.u.username
}

// before reports whether member a sorts before member b within a group.
func before(a, b *member) bool {
	return cmp.Or(strings.Compare(sortName(a), sortName(b)), strings.Compare(a.u.id, b.u.id)) < 0
}

// insert adds m and returns the indices of the rows it inserted.
func (l *memberList) insert(m *member) []int {
	grp := l.groupOf(m)
	rank := l.groupRank(grp)
	var added []int
	// Find our group's row, or where it belongs: before the first group
	// that ranks below ours.
	i := 0
	for i < len(l.rows) && (l.rows[i].group == "" || l.groupRank(l.rows[i].group) < rank) {
		i++
	}
	if i == len(l.rows) || l.rows[i].group != grp {
		l.rows = slices.Insert(l.rows, i, listRow{group: grp})
		added = append(added, i)
	}
	i++ // past the group row
	for i < len(l.rows) && l.rows[i].m != nil && before(l.rows[i].m, m) {
		i++
	}
	l.rows = slices.Insert(l.rows, i, listRow{m: m})
	return append(added, i)
}

// remove deletes m and returns the indices of the deleted rows, in the
// order DELETE ops must be applied.
func (l *memberList) remove(m *member) []int {
	i := slices.IndexFunc(l.rows, func(r listRow) bool { return r.m == m })
	if i < 0 {
		return nil
	}
	l.rows = slices.Delete(l.rows, i, i+1)
	removed := []int{i}
	groupEmpty := l.rows[i-1].group != "" && (i == len(l.rows) || l.rows[i].m == nil)
	if groupEmpty {
		l.rows = slices.Delete(l.rows, i-1, i)
		removed = append(removed, i-1)
	}
	return removed
}

func (l *memberList) indexOf(m *member) int {
	return slices.IndexFunc(l.rows, func(r listRow) bool { return r.m == m })
}

func (l *memberList) groups() []jsonGroup {
	var gs []jsonGroup
	online := 0
	for i, r := range l.rows {
		if r.group == "" {
			online++
			continue
		}
		n := 0
		for j := i + 1; j < len(l.rows) && l.rows[j].m != nil; j++ {
			n++
		}
		gs = append(gs, jsonGroup{ID: r.group, Count: n})
	}
	return append(gs, jsonGroup{ID: "offline", Count: l.g.memberCount - online})
}

func (l *memberList) onlineCount() int {
	n := 0
	for _, r := range l.rows {
		if r.m != nil {
			n++
		}
	}
	// Members of the guild outside the known pool are online too, in the
	// same proportion; the counts are what a client shows at the top.
	return n * l.g.memberCount / len(l.g.members)
}

func (l *memberList) item(w *world, i int) jsonListItem {
	r := l.rows[i]
	if r.group != "" {
		n := 0
		for j := i + 1; j < len(l.rows) && l.rows[j].m != nil; j++ {
			n++
		}
		return jsonListItem{Group: &jsonGroup{ID: r.group, Count: n}}
	}
	jm := w.jsonMember(r.m, true)
	p := w.presence(r.m.u, "")
	jm.Presence = &p
	return jsonListItem{Member: &jm}
}

func (l *memberList) dispatch(ops []jsonListOp) jsonMemberListUpdate {
	if ops == nil {
		ops = []jsonListOp{}
	}
	return jsonMemberListUpdate{
		Ops: ops, OnlineCount: l.onlineCount(), MemberCount: l.g.memberCount,
		ID: "everyone", GuildID: l.g.id, Groups: l.groups(),
	}
}

// sync is the SYNC op for the 100-row chunk that starts at from.
func (l *memberList) sync(w *world, from int) jsonListOp {
	to := min(from+99, len(l.rows)-1)
	op := jsonListOp{Op: "SYNC", Range: &[2]int{from, from + 99}}
	for i := from; i <= to; i++ {
		op.Items = append(op.Items, l.item(w, i))
	}
	return op
}

func deleteOps(idx []int) []jsonListOp {
	var ops []jsonListOp
	for _, i := range idx {
		if i < subscribedRows {
			ops = append(ops, jsonListOp{Op: "DELETE", Index: &i})
		}
	}
	return ops
}

func (l *memberList) insertOps(w *world, idx []int) []jsonListOp {
	var ops []jsonListOp
	for _, i := range idx {
		if i < subscribedRows {
			it := l.item(w, i)
			ops = append(ops, jsonListOp{Op: "INSERT", Index: &i, Item: &it})
		}
	}
	return ops
}

func (l *memberList) updateOp(w *world, i int) jsonListOp {
	it := l.item(w, i)
	return jsonListOp{Op: "UPDATE", Index: &i, Item: &it}
}
