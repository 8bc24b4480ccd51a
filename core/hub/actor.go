package hub

import (
	"errors"
	"sync/atomic"
	"time"

	"gatehouse/core/broker"
	"gatehouse/core/guild"
	"gatehouse/core/protocol"
	"gatehouse/core/session"
	"gatehouse/core/store"
)

// actor owns one guild on this node. Every field below mbox is touched only
// by the actor's goroutine (run); other goroutines post closures.
//
// Mailbox policy: posts from the broker and the store watch block when the
// mailbox is full (backpressure: the NATS subscription's own bounded pending
// queue then fills and NATS drops and reports a slow consumer, which is
// logged). Posts from an event loop never block: when the mailbox is full
// they are handed to a goroutine that waits — at most one per session
// request, so bounded by the sessions.
type actor struct {
	h      *Hub
	id     protocol.Snowflake
	mbox   chan func(*actor)
	done   chan struct{}
	closed atomic.Bool

	state    *guild.State // nil until loaded, or when the guild does not exist
	snapRev  uint64
	sessions *recipients
	sub      broker.Subscription
	stopW    func()
	watchQ   []timedChange // watch changes waiting for their event
	lazy     *lazyState    // member lists (op 14); nil until the first request
	lazyT    *time.Timer   // armed while gathered member list changes wait (lazySoon)
	idleFrom time.Time
}

type timedChange struct {
	at time.Time
	c  store.Change
}

func newActor(h *Hub, id protocol.Snowflake) *actor {
	return &actor{
		h: h, id: id,
		mbox:     make(chan func(*actor), h.cfg.MailboxSize),
		done:     make(chan struct{}),
		sessions: newRecipients(),
	}
}

// post queues fn for the actor. block chooses the full-mailbox policy (see
// the type comment).
func (a *actor) post(block bool, fn func(*actor)) {
	if a.closed.Load() {
		return
	}
	select {
	case a.mbox <- fn:
		return
	default:
	}
	send := func() {
		select {
		case a.mbox <- fn:
		case <-a.done:
		}
	}
	if block {
		send()
		return
	}
	go send()
}

func (a *actor) pending() int { return len(a.mbox) }

func (a *actor) stopped() bool { return a.closed.Load() }

// stop ends the actor; safe from any goroutine, more than once.
func (a *actor) stop() {
	if a.closed.CompareAndSwap(false, true) {
		close(a.done)
	}
}

// run is the actor's goroutine: subscribe first (so no event is missed),
// load the guild, watch its keys from the snapshot's revision, then serve
// the mailbox.
func (a *actor) run() {
	defer a.h.wg.Done()
	defer a.cleanup()
	sub, err := a.h.cfg.Broker.SubscribeGuild(a.id, func(b []byte) {
		var ev guild.Event
		if err := protocol.Unmarshal(b, &ev); err != nil {
			a.h.log.Warn("hub: undecodable guild event", "guild", a.id, "err", err)
			return
		}
		a.post(true, func(a *actor) { a.onEvent(&ev) })
	})
	if err != nil {
		a.h.log.Error("hub: subscribe guild", "guild", a.id, "err", err)
		return
	}
	a.sub = sub
	a.load()
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	for {
		var lazyDue <-chan time.Time
		if a.lazyT != nil {
			lazyDue = a.lazyT.C
		}
		select {
		case <-lazyDue:
			a.lazyT = nil
			a.lazyFlush()
		case fn := <-a.mbox:
			fn(a)
		case now := <-tick.C:
			a.flushWatch(now, false)
			if a.sessions.len() == 0 {
				if a.idleFrom.IsZero() {
					a.idleFrom = now
				} else if now.Sub(a.idleFrom) > a.h.cfg.Linger && a.h.retire(a) {
					a.stop()
					return
				}
			} else {
				a.idleFrom = time.Time{}
			}
		case <-a.done:
			return
		case <-a.h.ctx.Done():
			return
		}
	}
}

func (a *actor) cleanup() {
	a.stop()
	if a.lazyT != nil {
		a.lazyT.Stop()
	}
	a.lazyClose()
	if a.sub != nil {
		_ = a.sub.Unsubscribe()
	}
	if a.stopW != nil {
		a.stopW()
	}
}

// load reads the guild and starts its watch.
func (a *actor) load() {
	snap, err := a.h.cfg.Store.LoadGuild(a.h.ctx, a.id)
	if errors.Is(err, store.ErrNotFound) {
		return
	}
	if err != nil {
		a.h.log.Error("hub: load guild", "guild", a.id, "err", err)
		return
	}
	a.state = guild.NewState(snap.Guild, snap.Roles, snap.Channels, snap.Members, snap.Rev)
	a.snapRev = snap.Rev
	stop, err := a.h.cfg.Store.WatchGuild(a.h.ctx, a.id, snap.Rev, func(c store.Change) {
		a.post(true, func(a *actor) { a.watchQ = append(a.watchQ, timedChange{time.Now(), c}) })
	})
	if err != nil {
		a.h.log.Error("hub: watch guild", "guild", a.id, "err", err)
		return
	}
	a.stopW = stop
}

// flushWatch applies watch changes that waited WatchDelay (all with force).
// Normally the broker event carrying the same change has applied it first
// and this is a no-op; it repairs the cache when an event was lost and
// applies bulk loads, which publish no per-record events.
func (a *actor) flushWatch(now time.Time, force bool) {
	if a.state == nil {
		a.watchQ = a.watchQ[:0]
		return
	}
	i := 0
	var last uint64
	for ; i < len(a.watchQ); i++ {
		tc := a.watchQ[i]
		if !force && now.Sub(tc.at) < a.h.cfg.WatchDelay {
			break
		}
		res, err := a.state.Apply(guild.Change{Kind: guild.Kind(tc.c.Kind), ID: tc.c.ID, Deleted: tc.c.Deleted, Value: tc.c.Value, Rev: tc.c.Rev})
		if err != nil {
			a.h.log.Warn("hub: watch change not applied", "guild", a.id, "rev", tc.c.Rev, "err", err)
		}
		a.lazyOnResult(res)
		last = tc.c.Rev
	}
	if i > 0 {
		a.watchQ = append(a.watchQ[:0], a.watchQ[i:]...)
		a.state.Compact(last)
		a.lazyFlush()
	}
}

// recipient is how the audience sees a session.
func recipient(s *session.Session) guild.Recipient {
	return guild.Recipient{UserID: protocol.Snowflake(s.UserID), Intents: s.Intents, Shard: s.Shard[0], NumShards: s.Shard[1]}
}

// fanout dispatches d to every local session the audience admits, except
// skip (0 for none). d is shared by every recipient.
func (a *actor) fanout(t string, d []byte, aud *guild.Audience, skip protocol.Snowflake) {
	for _, s := range a.sessions.candidates(t) {
		if skip != 0 && protocol.Snowflake(s.UserID) == skip {
			continue
		}
		if aud.Admits(recipient(s)) {
			s.Dispatch(t, d)
		}
	}
}

// attach adds a session and sends it GUILD_CREATE.
func (a *actor) attach(s *session.Session) {
	if a.state == nil || a.state.Deleted() || !a.state.HasMember(protocol.Snowflake(s.UserID)) {
		return
	}
	if a.sessions.has(s) {
		return
	}
	if s.Shard[1] > 1 && protocol.ShardOf(a.id, s.Shard[1]) != s.Shard[0] {
		return
	}
	d, err := guild.GuildCreate(a.state, guild.GuildCreateOptions{
		UserID: protocol.Snowflake(s.UserID), Intents: s.Intents, LargeThreshold: s.LargeThreshold,
		Users: a.h.user, Presence: a.h.presenceOf,
	})
	if err != nil {
		a.h.log.Error("hub: GUILD_CREATE", "guild", a.id, "err", err)
		return
	}
	a.sessions.add(s)
	s.Dispatch("GUILD_CREATE", d)
}

// join attaches s after the user joined the guild and records it in the
// hub; a session that ended meanwhile is detached again, since
// OnSessionEnd no longer knows to detach it from this guild.
func (a *actor) join(s *session.Session) {
	a.attach(s)
	if !a.sessions.has(s) {
		return
	}
	if !a.h.joined(s, a.id) {
		a.detach(s)
	}
}

// detach removes a session.
func (a *actor) detach(s *session.Session) {
	a.sessions.remove(s)
	a.lazyForget(s)
}
