package hub

import (
	"maps"
	"slices"
	"strconv"

	"gatehouse/core/guild"
	"gatehouse/core/memberlist"
	"gatehouse/core/protocol"
	"gatehouse/core/session"
)

// lazyState is a guild actor's lazy member lists (op 14): the sessions'
// channel subscriptions, one list per list id that some session holds,
// and the changes waiting for the end of the actor's step. Built on the
// guild's first op 14; owned by the actor's goroutine.
//
// Every step that changes what a list shows marks it here (lazyOnResult,
// lazyPresence, lazyRequest) and ends with lazyFlush, which applies the
// step's changes to each list as one batch and sends each distinct set
// of held chunks one dispatch, serialised once.
type lazyState struct {
	deps  lazyDeps
	lists map[string]*lazyList
	// subs is each session's subscribed channels, oldest first.
	subs map[*session.Session][]lazyChannelReq

	dirty map[protocol.Snowflake]struct{} // users whose rows may have changed
	// items caches member items between flushes; a dirty user's is
	// dropped at the start of the flush.
	items      map[protocol.Snowflake][]byte
	resub      map[*session.Session]struct{} // sessions whose holdings may have changed
	structural bool                          // roles, channels or the owner changed

	order []memberlist.GroupID
	hoist map[protocol.Snowflake]int

	planner lazyPlanner
	changes []memberlist.Change
	rows    []memberlist.RowChange
}

// lazyDeps is where the lists read users and presences and how they send;
// the hub's own unless a test replaces them.
type lazyDeps struct {
	user     func(protocol.Snowflake) *guild.User
	presence guild.PresenceFunc // online when ok
	send     func(s *session.Session, d []byte)
}

// lazyInit makes the actor's lazy state on first use.
func (a *actor) lazyInit() *lazyState {
	if a.lazy == nil {
		a.lazy = &lazyState{
			deps: lazyDeps{
				user:     a.h.user,
				presence: a.h.presenceOf,
				send:     func(s *session.Session, d []byte) { s.Dispatch("GUILD_MEMBER_LIST_UPDATE", d) },
			},
			lists: map[string]*lazyList{},
			subs:  map[*session.Session][]lazyChannelReq{},
			dirty: map[protocol.Snowflake]struct{}{},
			items: map[protocol.Snowflake][]byte{},
			resub: map[*session.Session]struct{}{},
		}
	}
	return a.lazy
}

// lazyRequest applies one op 14 of s: each channel named replaces its
// chunks (none unsubscribes it) and becomes the newest; past
// lazyChannelsPerGuild the oldest is dropped. A channel s cannot view is
// ignored.
func (a *actor) lazyRequest(s *session.Session, chans []lazyChannelReq) {
	z := a.lazyInit()
	cur := z.subs[s]
	uid := protocol.Snowflake(s.UserID)
	for _, cr := range chans {
		cur = slices.DeleteFunc(cur, func(x lazyChannelReq) bool { return x.ch == cr.ch })
		ch, ok := a.state.Channel(cr.ch)
		if !ok || len(cr.chunks) == 0 || !a.state.CanViewChannel(uid, ch) {
			continue
		}
		cur = append(cur, cr)
		if len(cur) > lazyChannelsPerGuild {
			cur = slices.Delete(cur, 0, 1)
		}
	}
	if len(cur) == 0 {
		delete(z.subs, s)
	} else {
		z.subs[s] = cur
	}
	z.resub[s] = struct{}{}
	a.lazyFlush()
}

// lazyForget drops everything of a session that left the guild or ended;
// nothing is sent to it.
func (a *actor) lazyForget(s *session.Session) {
	z := a.lazy
	if z == nil {
		return
	}
	delete(z.subs, s)
	delete(z.resub, s)
	for id, l := range z.lists {
		delete(l.holders, s)
		if len(l.holders) == 0 {
			_ = l.list.Close()
			delete(z.lists, id)
		}
	}
}

// lazyClose releases every list when the actor ends.
func (a *actor) lazyClose() {
	if a.lazy == nil {
		return
	}
	for id, l := range a.lazy.lists {
		_ = l.list.Close()
		delete(a.lazy.lists, id)
	}
}

// lazyOnResult marks what a state change means for the lists.
func (a *actor) lazyOnResult(res guild.Result) {
	z := a.lazy
	if z == nil || res.Op == guild.OpNone {
		return
	}
	switch res.Kind {
	case guild.KindMember:
		z.dirty[res.ID] = struct{}{}
	case guild.KindRole:
		before, _ := res.Before.(*guild.Role)
		after, _ := res.After.(*guild.Role)
		if before == nil || after == nil || before.Permissions != after.Permissions ||
			before.Hoist != after.Hoist || before.Position != after.Position {
			z.structural = true
		}
	case guild.KindChannel:
		before, _ := res.Before.(*guild.Channel)
		after, _ := res.After.(*guild.Channel)
		if before == nil || after == nil || before.Type != after.Type ||
			!sameParent(before.ParentID, after.ParentID) ||
			!slices.Equal(before.PermissionOverwrites, after.PermissionOverwrites) {
			z.structural = true
		}
	case guild.KindGuild:
		before, _ := res.Before.(*guild.Guild)
		after, _ := res.After.(*guild.Guild)
		if before == nil || after == nil || before.OwnerID != after.OwnerID {
			z.structural = true
		}
	}
}

// sameParent reports whether two parent ids are the same (both nil too).
func sameParent(x, y *protocol.Snowflake) bool {
	if x == nil || y == nil {
		return x == y
	}
	return *x == *y
}

// lazyPresence marks users whose presence changed and flushes.
func (a *actor) lazyPresence(uids []protocol.Snowflake) {
	z := a.lazy
	if z == nil || a.state == nil {
		return
	}
	for _, uid := range uids {
		if a.state.HasMember(uid) {
			z.dirty[uid] = struct{}{}
		}
	}
	a.lazySoon()
}

// lazyPresenceChanges is lazyPresence for a batch of merged presences
// (presence.go's fan-out to each actor).
func (a *actor) lazyPresenceChanges(changes []presenceChange) {
	if a.lazy == nil {
		return
	}
	uids := make([]protocol.Snowflake, len(changes))
	for i, c := range changes {
		uids[i] = c.uid
	}
	a.lazyPresence(uids)
}

// lazyFlush applies what the step changed: each list gets its batch and
// its holders their ops, then sessions whose holdings may have changed
// are resubscribed (SYNC / INVALIDATE).
func (a *actor) lazyFlush() {
	z := a.lazy
	if z == nil {
		return
	}
	defer func() {
		clear(z.dirty)
		clear(z.resub)
		z.structural = false
	}()
	if a.state == nil || a.state.Deleted() {
		for id, l := range z.lists {
			_ = l.list.Close()
			delete(z.lists, id)
		}
		clear(z.subs)
		return
	}
	for uid := range z.dirty {
		delete(z.items, uid)
	}
	if len(z.lists) == 0 && len(z.subs) == 0 {
		return
	}
	z.order, z.hoist = lazyOrder(a.state)
	var reps map[string]protocol.Snowflake
	if z.structural {
		reps = a.lazyReps()
	}
	for _, id := range slices.Sorted(maps.Keys(z.lists)) {
		a.lazyUpdate(z.lists[id], reps)
	}
	for s := range z.subs {
		if _, ok := z.dirty[protocol.Snowflake(s.UserID)]; ok || z.structural {
			z.resub[s] = struct{}{}
		}
	}
	for s := range z.resub {
		a.lazyResubscribe(s)
	}
}

// lazyReps maps every list id of the guild's channels to one channel
// having it (the lowest id).
func (a *actor) lazyReps() map[string]protocol.Snowflake {
	reps := map[string]protocol.Snowflake{}
	for _, ch := range a.state.Channels() {
		if guild.IsThread(ch.Type) {
			continue
		}
		id := a.state.ListID(ch)
		if r, ok := reps[id]; !ok || ch.ID < r {
			reps[id] = ch.ID
		}
	}
	return reps
}

// lazyUpdate brings one list up to date and sends its holders the ops.
// With reps (a structural change) every member is checked again; else
// only the dirty ones.
func (a *actor) lazyUpdate(l *lazyList, reps map[string]protocol.Snowflake) {
	z := a.lazy
	changes := z.changes[:0]
	if reps != nil {
		rep, ok := reps[l.id]
		if !ok {
			return // no channel has this list any more: its holders move away
		}
		l.rep = rep
	}
	repCh, ok := a.state.Channel(l.rep)
	if !ok {
		return
	}
	if reps != nil {
		for _, uid := range a.lazySortedMembers() {
			e, had := l.entries[uid]
			_, dirty := z.dirty[uid]
			var cached *lazyEntry
			if had && !dirty {
				cached = &e
			}
			want, ok := a.lazyWant(l, repCh, uid, cached)
			changes = lazyDiff(changes, l, uid, want, ok, dirty)
		}
		for _, uid := range slices.Sorted(maps.Keys(l.entries)) {
			if !a.state.HasMember(uid) {
				changes = lazyDiff(changes, l, uid, lazyEntry{}, false, false)
			}
		}
	} else {
		for _, uid := range slices.Sorted(maps.Keys(z.dirty)) {
			want, ok := a.lazyWant(l, repCh, uid, nil)
			changes = lazyDiff(changes, l, uid, want, ok, true)
		}
	}
	if !slices.Equal(z.order, l.order) {
		changes = append(changes, memberlist.Change{Kind: memberlist.SetOrder, Order: slices.Clone(z.order)})
	}
	z.changes = changes
	if len(changes) == 0 {
		return
	}
	oldLen := l.list.Len()
	rows, resync, err := l.list.Apply(z.rows[:0], changes)
	z.rows = rows[:0]
	if err != nil {
		a.h.log.Error("hub: member list apply", "guild", a.id, "list", l.id, "err", err)
		a.lazyRebuild(l, repCh)
		return
	}
	lazyCommit(l, changes)
	n := 0
	for _, c := range changes {
		if c.Kind != memberlist.SetOrder {
			n++
		}
	}
	a.h.lazyStats.changes.Add(int64(n))
	a.lazyDispatch(l, rows, resync, oldLen)
}

// lazyRebuild replaces a list that refused a batch (it applied nothing)
// with one built from the state, and resends its holders every chunk.
func (a *actor) lazyRebuild(l *lazyList, rep *guild.Channel) {
	_ = l.list.Close()
	fresh, err := a.lazyBuild(l.id, rep)
	if err != nil {
		a.h.log.Error("hub: member list rebuild", "guild", a.id, "list", l.id, "err", err)
		delete(a.lazy.lists, l.id)
		return
	}
	fresh.holders = l.holders
	a.lazy.lists[l.id] = fresh
	a.lazyDispatch(fresh, nil, true, fresh.list.Len())
}

// lazyDispatch sends a batch's ops to the list's holders: one plan and
// one serialisation per distinct set of held chunks.
func (a *actor) lazyDispatch(l *lazyList, rows []memberlist.RowChange, resync bool, oldLen int) {
	if len(l.holders) == 0 {
		return
	}
	if resync {
		a.h.lazyStats.resyncs.Add(1)
	}
	z := a.lazy
	newLen := l.list.Len()
	// Sessions holding the same chunks with arrays of the same length get
	// the same ops.
	byKey := map[string][]*session.Session{}
	for s, h := range l.holders {
		k := chunkKey(h.chunks, h.length)
		byKey[k] = append(byKey[k], s)
	}
	v := newLazyView(a, l)
	var head []byte
	for _, k := range slices.Sorted(maps.Keys(byKey)) {
		ss := byKey[k]
		h := l.holders[ss[0]]
		var ops []lazyOp
		var fallbacks int
		if resync {
			ops, fallbacks = z.planner.syncAll(h.chunks, h.length, newLen, a.h.cfg.LazyAllShifts, v)
		} else {
			// The rows are the list's; the client's array is h.length
			// long, which differs from oldLen only past its last chunk.
			ops, fallbacks = z.planner.plan(h.chunks, rows, h.length, newLen, a.h.cfg.LazyAllShifts, v)
		}
		if len(ops) == 0 {
			continue
		}
		if head == nil {
			head = a.appendListHead(nil, l)
		}
		a.lazySend(ss, head, ops, fallbacks, v, newLen)
		for _, s := range ss {
			l.holders[s].length = newLen
		}
	}
}

// lazySend serialises ops once and sends them to every session of ss.
func (a *actor) lazySend(ss []*session.Session, head []byte, ops []lazyOp, fallbacks int, v *lazyView, length int) {
	d := append([]byte(nil), head...)
	d = appendOps(d, ops, v, length)
	opBytes := len(d) - len(head) + 2 // with the array's brackets
	d = append(d, `]}`...)
	for _, s := range ss {
		a.lazy.deps.send(s, d)
	}
	a.h.lazyStats.count(d, opBytes, ops, fallbacks, len(ss))
}

// chunkKey groups holders that get the same ops: same chunks, same
// array length.
func chunkKey(chunks []int, length int) string {
	b := make([]byte, 0, 8*len(chunks)+8)
	for _, c := range chunks {
		b = strconv.AppendInt(b, int64(c), 10)
		b = append(b, ',')
	}
	b = append(b, '/')
	return string(strconv.AppendInt(b, int64(length), 10))
}

// lazyResubscribe brings what s holds in line with its subscriptions: for
// each list the chunks of its viewable subscribed channels with that list
// id. New chunks get SYNC, dropped ones INVALIDATE; a list nobody holds
// any more is closed.
func (a *actor) lazyResubscribe(s *session.Session) {
	z := a.lazy
	type want struct {
		chunks []int
		rep    *guild.Channel
	}
	if !a.sessions.has(s) {
		a.lazyForget(s)
		return
	}
	wants := map[string]*want{}
	uid := protocol.Snowflake(s.UserID)
	for _, cr := range z.subs[s] {
		ch, ok := a.state.Channel(cr.ch)
		if !ok || !a.state.CanViewChannel(uid, ch) {
			continue
		}
		lc := lazyChannel(a.state, ch)
		if lc == nil {
			continue
		}
		id := a.state.ListID(lc)
		w := wants[id]
		if w == nil {
			w = &want{rep: lc}
			wants[id] = w
		}
		w.chunks = append(w.chunks, cr.chunks...)
	}
	for _, id := range slices.Sorted(maps.Keys(z.lists)) {
		l := z.lists[id]
		if _, held := l.holders[s]; held && wants[id] == nil {
			a.lazyHold(l, s, nil)
		}
	}
	for _, id := range slices.Sorted(maps.Keys(wants)) {
		w := wants[id]
		slices.Sort(w.chunks)
		w.chunks = slices.Compact(w.chunks)
		l := z.lists[id]
		if l == nil {
			var err error
			if l, err = a.lazyBuild(id, w.rep); err != nil {
				a.h.log.Error("hub: member list build", "guild", a.id, "list", id, "err", err)
				continue
			}
			z.lists[id] = l
		}
		a.lazyHold(l, s, w.chunks)
	}
}

// lazyHold makes s hold exactly chunks of l, sending SYNC for the new
// ones and INVALIDATE for the dropped ones.
func (a *actor) lazyHold(l *lazyList, s *session.Session, chunks []int) {
	var old []int
	if h := l.holders[s]; h != nil {
		old = h.chunks
	}
	var ops []lazyOp
	for _, c := range old {
		if !slices.Contains(chunks, c) {
			ops = append(ops, lazyOp{kind: opInvalidate, chunk: c})
		}
	}
	for _, c := range chunks {
		if !slices.Contains(old, c) {
			ops = append(ops, lazyOp{kind: opSync, chunk: c})
		}
	}
	if len(chunks) == 0 {
		delete(l.holders, s)
	} else if h := l.holders[s]; h != nil {
		h.chunks = chunks
	} else {
		l.holders[s] = &lazyHolder{chunks: chunks}
	}
	if h := l.holders[s]; h != nil && len(ops) > 0 {
		h.length = l.list.Len()
	}
	if len(ops) > 0 {
		v := newLazyView(a, l)
		a.lazySend([]*session.Session{s}, a.appendListHead(nil, l), ops, 0, v, l.list.Len())
	}
	if len(l.holders) == 0 {
		_ = l.list.Close()
		delete(a.lazy.lists, l.id)
	}
}
