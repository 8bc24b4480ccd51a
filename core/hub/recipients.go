package hub

import (
	"gatehouse/core/guild"
	"gatehouse/core/protocol"
	"gatehouse/core/session"
)

// sessionList is a set of sessions kept dense: a fan-out walks a slice
// (sequential memory, no map iteration) and add and remove are O(1) (a
// removed entry is swapped with the last). Callers must not add or remove
// while walking list.
type sessionList struct {
	list []*session.Session
	pos  map[*session.Session]int32
}

func newSessionList() *sessionList {
	return &sessionList{pos: make(map[*session.Session]int32)}
}

func (l *sessionList) has(s *session.Session) bool { _, ok := l.pos[s]; return ok }

func (l *sessionList) add(s *session.Session) bool {
	if _, ok := l.pos[s]; ok {
		return false
	}
	l.pos[s] = int32(len(l.list))
	l.list = append(l.list, s)
	return true
}

func (l *sessionList) remove(s *session.Session) bool {
	i, ok := l.pos[s]
	if !ok {
		return false
	}
	last := len(l.list) - 1
	if int(i) != last {
		moved := l.list[last]
		l.list[i] = moved
		l.pos[moved] = i
	}
	l.list[last] = nil
	l.list = l.list[:last]
	delete(l.pos, s)
	if cap(l.list) > 64 && len(l.list) < cap(l.list)/4 {
		l.list = append([]*session.Session(nil), l.list...) // shrink after an exodus
	}
	return true
}

// recipients is a guild actor's attached sessions, all of them and, made
// on first use, one list per intent an event needs: a PRESENCE_UPDATE
// walks only the sessions holding GUILD_PRESENCES instead of testing every
// session in the guild. It also caches, per channel and event type, the
// sessions an audience admits, so a stream of messages into one channel
// does not test every session's permissions again for each message.
//
// Owned by the actor goroutine; nothing here is safe for concurrent use.
type recipients struct {
	all      *sessionList
	byIntent map[uint64]*sessionList
	gen      uint64 // bumped by every add and remove

	views    map[viewKey][]*session.Session
	viewsGen [2]uint64 // (gen, state Gen) the views were computed at
}

// viewKey names a cached audience: one event type in one channel.
type viewKey struct {
	t       string
	channel protocol.Snowflake
}

// maxViews bounds the cached audiences per guild; past it the cache is
// emptied and refilled by use (each entry is one pointer per viewer).
const maxViews = 32

func newRecipients() *recipients {
	return &recipients{all: newSessionList(), byIntent: make(map[uint64]*sessionList)}
}

func (r *recipients) len() int                     { return len(r.all.list) }
func (r *recipients) has(s *session.Session) bool  { return r.all.has(s) }
func (r *recipients) sessions() []*session.Session { return r.all.list }

func (r *recipients) add(s *session.Session) {
	if !r.all.add(s) {
		return
	}
	r.gen++
	for bit, l := range r.byIntent {
		if s.Intents&bit == bit {
			l.add(s)
		}
	}
}

func (r *recipients) remove(s *session.Session) {
	if !r.all.remove(s) {
		return
	}
	r.gen++
	for _, l := range r.byIntent {
		l.remove(s)
	}
}

// withIntent lists the sessions holding every bit of intent (all of them
// for 0).
func (r *recipients) withIntent(intent uint64) []*session.Session {
	if intent == 0 {
		return r.all.list
	}
	l := r.byIntent[intent]
	if l == nil {
		l = newSessionList()
		for _, s := range r.all.list {
			if s.Intents&intent == intent {
				l.add(s)
			}
		}
		r.byIntent[intent] = l
	}
	return l.list
}

// candidates is where a fan-out of event t looks: the sessions holding its
// intent. GUILD_MEMBER_UPDATE also goes to its subject without the intent,
// and an unknown event to nobody (Admits refuses), so both walk everyone.
func (r *recipients) candidates(t string) []*session.Session {
	intent, known := guild.EventIntent(t)
	if !known || t == "GUILD_MEMBER_UPDATE" {
		return r.all.list
	}
	return r.withIntent(intent)
}

// viewers lists the sessions aud admits for event t in channel ch, from
// the cache while neither the sessions nor the guild state changed. The
// slice is shared: callers read it and must not keep it past the event.
func (r *recipients) viewers(st *guild.State, t string, ch protocol.Snowflake, aud *guild.Audience) []*session.Session {
	now := [2]uint64{r.gen, st.Gen()}
	if r.viewsGen != now || r.views == nil {
		r.views = make(map[viewKey][]*session.Session)
		r.viewsGen = now
	}
	k := viewKey{t, ch}
	if v, ok := r.views[k]; ok {
		return v
	}
	var v []*session.Session
	for _, s := range r.candidates(t) {
		if aud.Admits(recipient(s)) {
			v = append(v, s)
		}
	}
	if len(r.views) >= maxViews {
		clear(r.views)
	}
	r.views[k] = v
	return v
}
