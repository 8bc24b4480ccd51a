package hub

import (
	"slices"

	"gatehouse/core/guild"
	"gatehouse/core/memberlist"
	"gatehouse/core/protocol"
	"gatehouse/core/session"
)

// lazyLargeGuild is the member count above which offline members are left
// out of every list (PROTOCOL.md).
const lazyLargeGuild = 1000

// lazyList is one member list of a guild (one per list id) and the
// sessions holding chunks of it. The actor's goroutine owns it.
type lazyList struct {
	id   string
	rep  protocol.Snowflake // a channel with this list id, for VIEW_CHANNEL
	list memberlist.List
	// entries is every member the list holds, with what placed it.
	entries map[protocol.Snowflake]lazyEntry
	online  int // entries that are online
	order   []memberlist.GroupID
	// holders is every session holding chunks of the list.
	holders map[*session.Session]*lazyHolder
}

// lazyHolder is what one session holds of a list: its chunks, sorted,
// each exact after every dispatch, and the length of its array, which is
// the list's as of the last dispatch it was sent. A batch that changes
// no held row sends nothing, even when the length changes past the
// chunks; the array's rows up to the last held one still match the list's
// (see lazy_plan.go), and the next dispatch brings the length.
type lazyHolder struct {
	chunks []int
	length int
}

// lazyEntry is what placed a member: its group and folded display name.
type lazyEntry struct {
	group  memberlist.GroupID
	name   string
	online bool
}

// lazyOrder is the group order: hoisted roles by position, highest first
// (ties: lower id first), then online, then offline unless the guild is
// large. hoist maps each hoisted role to its place in the order.
func lazyOrder(s *guild.State) (order []memberlist.GroupID, hoist map[protocol.Snowflake]int) {
	hoist = map[protocol.Snowflake]int{}
	for _, r := range s.Roles() {
		if r.Hoist && r.ID != s.ID() {
			order = append(order, memberlist.GroupID(r.ID))
		}
	}
	slices.SortFunc(order, func(x, y memberlist.GroupID) int {
		rx, _ := s.Role(protocol.Snowflake(x))
		ry, _ := s.Role(protocol.Snowflake(y))
		if rx.Position != ry.Position {
			return ry.Position - rx.Position
		}
		if x < y {
			return -1
		}
		return 1
	})
	for i, g := range order {
		hoist[protocol.Snowflake(g)] = i
	}
	order = append(order, memberlist.GroupOnline)
	if s.MemberCount() <= lazyLargeGuild {
		order = append(order, memberlist.GroupOffline)
	}
	return order, hoist
}

// lazyChannel is the channel whose overwrites decide a channel's list: a
// thread's parent, else the channel itself; nil when a thread has none.
func lazyChannel(s *guild.State, ch *guild.Channel) *guild.Channel {
	if !guild.IsThread(ch.Type) {
		return ch
	}
	if ch.ParentID == nil {
		return nil
	}
	p, ok := s.Channel(*ch.ParentID)
	if !ok || guild.IsThread(p.Type) {
		return nil
	}
	return p
}

// lazySortName is the folded display name: nick, else global name, else
// username.
func (a *actor) lazySortName(uid protocol.Snowflake) string {
	var display string
	m, _ := a.state.Member(uid)
	u := a.lazy.deps.user(uid)
	switch {
	case m.Nick != nil && *m.Nick != "":
		display = *m.Nick
	case u != nil && u.GlobalName != nil && *u.GlobalName != "":
		display = *u.GlobalName
	case u != nil:
		display = u.Username
	}
	return string(memberlist.AppendSortName(nil, display))
}

// lazyWant is the entry uid should have in l now; false when l must not
// hold it. cached, when set, is l's entry for uid to reuse the name and
// presence of (nothing about them changed).
func (a *actor) lazyWant(l *lazyList, rep *guild.Channel, uid protocol.Snowflake, cached *lazyEntry) (lazyEntry, bool) {
	s := a.state
	if rep == nil || !s.HasMember(uid) || !s.CanViewChannel(uid, rep) {
		return lazyEntry{}, false
	}
	var e lazyEntry
	if cached != nil {
		e.name, e.online = cached.name, cached.online
	} else {
		e.name = a.lazySortName(uid)
		_, e.online = a.lazy.deps.presence(uid)
	}
	e.group = memberlist.GroupOffline
	if e.online {
		e.group = memberlist.GroupOnline
		best := -1
		roles, _ := s.MemberRoles(uid)
		for _, r := range roles {
			if i, ok := a.lazy.hoist[r]; ok && (best < 0 || i < best) {
				best = i
			}
		}
		if best >= 0 {
			e.group = a.lazy.order[best]
		}
	}
	return e, true
}

// lazyDiff appends the change that brings uid's entry in l to want (ok
// false: out); refresh upserts even an unchanged entry, so its row is
// sent again. It records the entry as it will be after the batch in next.
func lazyDiff(changes []memberlist.Change, l *lazyList, uid protocol.Snowflake, want lazyEntry, ok, refresh bool) []memberlist.Change {
	cur, had := l.entries[uid]
	switch {
	case !ok && had:
		return append(changes, memberlist.Change{Kind: memberlist.Remove, User: uint64(uid)})
	case !ok:
		return changes
	case had && cur == want && !refresh:
		return changes
	}
	return append(changes, memberlist.Change{Kind: memberlist.Upsert, User: uint64(uid), Group: want.group, Name: []byte(want.name)})
}

// lazyCommit records in l.entries what changes did, after Apply took them.
func lazyCommit(l *lazyList, changes []memberlist.Change) {
	for _, c := range changes {
		uid := protocol.Snowflake(c.User)
		if old, had := l.entries[uid]; had && old.online {
			l.online--
		}
		switch c.Kind {
		case memberlist.Remove:
			delete(l.entries, uid)
		case memberlist.Upsert:
			e := lazyEntry{group: c.Group, name: string(c.Name), online: c.Group != memberlist.GroupOffline}
			l.entries[uid] = e
			if e.online {
				l.online++
			}
		case memberlist.SetOrder:
			l.order = slices.Clone(c.Order)
		}
	}
}

// lazyBuild makes the list of id from the state, its rows read by the
// first SYNC. rep is a channel with that list id.
func (a *actor) lazyBuild(id string, rep *guild.Channel) (*lazyList, error) {
	list, err := a.h.cfg.MemberLists(a.state.MemberCount())
	if err != nil {
		return nil, err
	}
	l := &lazyList{id: id, rep: rep.ID, list: list, entries: map[protocol.Snowflake]lazyEntry{},
		holders: map[*session.Session]*lazyHolder{}}
	// Members first, into groups not yet in the order (kept, not shown, no
	// row changes), then the order: one resync, no rows to throw away.
	var changes []memberlist.Change
	members := a.lazySortedMembers()
	a.h.prefetchUsers(members)
	for _, uid := range members {
		if want, ok := a.lazyWant(l, rep, uid, nil); ok {
			changes = lazyDiff(changes, l, uid, want, true, false)
		}
	}
	if _, _, err := list.Apply(nil, changes); err != nil {
		_ = list.Close()
		return nil, err
	}
	lazyCommit(l, changes)
	order := []memberlist.Change{{Kind: memberlist.SetOrder, Order: a.lazy.order}}
	if _, _, err := list.Apply(nil, order); err != nil {
		_ = list.Close()
		return nil, err
	}
	lazyCommit(l, order)
	return l, nil
}

// lazySortedMembers is the guild's user ids, ascending, so a batch's
// changes (and so its ops) do not depend on map order.
func (a *actor) lazySortedMembers() []protocol.Snowflake {
	ids := make([]protocol.Snowflake, 0, a.state.MemberCount())
	for uid := range a.state.MemberIDs() {
		ids = append(ids, uid)
	}
	slices.Sort(ids)
	return ids
}
