// Package hub is a node's fan-out: it keeps, for every guild that has
// sessions on this node, a cache of the guild (guild.State) and the set of
// local sessions in it, subscribes to the guild's events on the broker once
// per node, and turns each event into dispatches for exactly the sessions
// that may see it.
//
// Concurrency: each guild is an actor — one goroutine owns its State and
// session set; everything else reaches it by posting to its bounded mailbox.
// One hot guild therefore never serialises the others. The Hub's own maps
// (actors, session membership) are guarded by mu; the user cache and the
// cluster-wide presence table (presence_table.go) have their own locks.
package hub

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"gatehouse/core/broker"
	"gatehouse/core/memberlist"
	"gatehouse/core/protocol"
	"gatehouse/core/session"
	"gatehouse/core/store"
)

// Config wires a Hub.
type Config struct {
	Store  store.Store
	Broker broker.Broker
	// Sessions lists this node's live sessions of a user (session.Manager.ByUser).
	Sessions func(userID uint64) []*session.Session
	Logger   *slog.Logger
	// MailboxSize bounds each guild actor's queue (default 4096).
	MailboxSize int
	// WatchDelay is how long a store-watch change waits for the event that
	// normally carries it before it is applied on its own (default 1 s).
	WatchDelay time.Duration
	// Linger keeps a guild actor loaded after its last local session leaves.
	Linger time.Duration
	// ResolveWorkers and ResolveQueue bound Identify lookups.
	ResolveWorkers int
	ResolveQueue   int
	// NodeID names this node in cross-node presence (presence_table.go);
	// empty picks a random one. It must differ between processes.
	NodeID string
	// NodeHeartbeat is how often this node announces itself (default 1 s).
	NodeHeartbeat time.Duration
	// NodeTTL is how long a silent node's users keep counting as present
	// (default 5 s).
	NodeTTL time.Duration
	// MemberLists makes the lazy member lists (op 14); nil is the pure-Go
	// memberlist.NewGoList. The node may pass the Rust one.
	MemberLists memberlist.New
	// LazyAllShifts sends every INSERT and DELETE of a member list, even
	// past a session's chunks, so that the ops alone keep the client's
	// array as long as the list (more bytes; see docs/memberlist.md).
	LazyAllShifts bool
	// LazyBatch gathers member list changes caused by presence for this
	// long before a list's holders get them, as one GUILD_MEMBER_LIST_UPDATE
	// per group of holders instead of one per change: at thousands of
	// presence changes per second a flush per change costs the holders'
	// count in dispatches each time (default 50 ms; negative: no gathering).
	LazyBatch time.Duration
}

func (c Config) withDefaults() Config {
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.MailboxSize <= 0 {
		c.MailboxSize = 4096
	}
	if c.LazyBatch == 0 {
		c.LazyBatch = 50 * time.Millisecond
	}
	if c.WatchDelay <= 0 {
		c.WatchDelay = time.Second
	}
	if c.Linger <= 0 {
		c.Linger = 30 * time.Second
	}
	if c.ResolveWorkers <= 0 {
		c.ResolveWorkers = 16
	}
	if c.ResolveQueue <= 0 {
		c.ResolveQueue = 10000
	}
	if c.NodeHeartbeat <= 0 {
		c.NodeHeartbeat = time.Second
	}
	if c.NodeTTL <= 0 {
		c.NodeTTL = 5 * time.Second
	}
	if c.MemberLists == nil {
		c.MemberLists = memberlist.NewGoList
	}
	return c
}

// Hub is one node's fan-out. Safe for concurrent use.
type Hub struct {
	cfg Config
	log *slog.Logger

	ctx    context.Context
	cancel context.CancelFunc

	mu         sync.Mutex
	actors     map[protocol.Snowflake]*actor
	sessGuilds map[*session.Session][]protocol.Snowflake
	presence   *presences
	users      userCache
	lazyStats  lazyCounters

	resolveQ chan resolveJob
	userSub  broker.Subscription
	wg       sync.WaitGroup
}

// New starts a Hub: its resolve workers and its subscription to user events.
func New(cfg Config) (*Hub, error) {
	cfg = cfg.withDefaults()
	ctx, cancel := context.WithCancel(context.Background())
	h := &Hub{
		cfg: cfg, log: cfg.Logger, ctx: ctx, cancel: cancel,
		actors:     make(map[protocol.Snowflake]*actor),
		sessGuilds: make(map[*session.Session][]protocol.Snowflake),
		presence:   newPresences(cfg),
		users:      userCache{m: make(map[protocol.Snowflake]userEntry)},
		resolveQ:   make(chan resolveJob, cfg.ResolveQueue),
	}
	for i := 0; i < cfg.ResolveWorkers; i++ {
		h.wg.Add(1)
		go h.resolveWorker()
	}
	sub, err := cfg.Broker.SubscribeUsers(h.onUserEvent)
	if err != nil {
		cancel()
		return nil, err
	}
	h.userSub = sub
	h.startPresence()
	return h, nil
}

// Close stops every actor and worker.
func (h *Hub) Close() {
	h.stopPresence()
	if h.userSub != nil {
		_ = h.userSub.Unsubscribe()
	}
	h.cancel()
	h.mu.Lock()
	for _, a := range h.actors {
		a.stop()
	}
	h.mu.Unlock()
	h.wg.Wait()
}

// SessionHooks fills the session.Config hooks that route through the hub.
func (h *Hub) SessionHooks(c *session.Config) {
	c.Resolve = h.Resolve
	c.OnReady = h.OnReady
	c.OnPresence = h.OnPresence
	c.OnRequestMembers = h.RequestMembers
	c.OnLazyRequest = h.LazyRequest
	prevEnd := c.OnSessionEnd
	c.OnSessionEnd = func(s *session.Session, why string) {
		h.OnSessionEnd(s)
		if prevEnd != nil {
			prevEnd(s, why)
		}
	}
}

// OnReady attaches a new session to each of its guilds; each guild's actor
// sends it GUILD_CREATE. Called on the connection's event loop: it never
// blocks on a mailbox.
func (h *Hub) OnReady(s *session.Session, guilds []protocol.Snowflake) {
	h.mu.Lock()
	h.sessGuilds[s] = append([]protocol.Snowflake(nil), guilds...)
	as := make([]*actor, 0, len(guilds))
	for _, g := range guilds {
		as = append(as, h.actorLocked(g))
	}
	h.mu.Unlock()
	// Presence first: the GUILD_CREATEs the actors build then count this
	// session's user as online, whichever runs first.
	h.OnPresence(s)
	for _, a := range as {
		a.post(false, func(a *actor) { a.attach(s) })
	}
}

// OnSessionEnd detaches an ended session from its guilds and updates the
// user's presence.
func (h *Hub) OnSessionEnd(s *session.Session) {
	h.mu.Lock()
	guilds := h.sessGuilds[s]
	delete(h.sessGuilds, s)
	as := make([]*actor, 0, len(guilds))
	for _, g := range guilds {
		if a := h.actors[g]; a != nil {
			as = append(as, a)
		}
	}
	h.mu.Unlock()
	for _, a := range as {
		a.post(false, func(a *actor) { a.detach(s) })
	}
	h.publishPresence(s.UserID)
}

// actorLocked returns the guild's actor, starting it when missing. h.mu held.
func (h *Hub) actorLocked(g protocol.Snowflake) *actor {
	a := h.actors[g]
	if a == nil || a.stopped() {
		a = newActor(h, g)
		h.actors[g] = a
		h.wg.Add(1)
		go a.run()
	}
	return a
}

// joined records that s is now in guild g (after GUILD_MEMBER_ADD). It
// reports false when s has already ended: OnSessionEnd will not detach it
// from g, so the caller must.
func (h *Hub) joined(s *session.Session, g protocol.Snowflake) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	gs, ok := h.sessGuilds[s]
	if !ok {
		return false
	}
	for _, x := range gs {
		if x == g {
			return true
		}
	}
	h.sessGuilds[s] = append(gs, g)
	return true
}

// onMemberJoined handles the user-scoped GUILD_MEMBER_ADD: a node where
// none of the guild's sessions live has no actor on the guild's subject,
// so the guild event alone would never give the new member's sessions here
// their GUILD_CREATE. Starting the actor loads the guild from the store,
// which already holds the member. Where the actor already runs, join is a
// no-op for sessions the guild event has attached.
func (h *Hub) onMemberJoined(g, user protocol.Snowflake) {
	ss := h.cfg.Sessions(uint64(user))
	if len(ss) == 0 {
		return
	}
	h.mu.Lock()
	a := h.actorLocked(g)
	h.mu.Unlock()
	a.post(true, func(a *actor) {
		for _, s := range ss {
			a.join(s)
		}
	})
}

// left records that s is no longer in guild g.
func (h *Hub) left(s *session.Session, g protocol.Snowflake) {
	h.mu.Lock()
	defer h.mu.Unlock()
	gs := h.sessGuilds[s]
	for i, x := range gs {
		if x == g {
			h.sessGuilds[s] = append(gs[:i:i], gs[i+1:]...)
			return
		}
	}
}

// retire removes a stopped actor from the map if it is still the current one.
func (h *Hub) retire(a *actor) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.actors[a.id] != a || a.pending() > 0 {
		return false
	}
	delete(h.actors, a.id)
	return true
}

// Loaded reports how many guild actors run on this node (for metrics/tests).
func (h *Hub) Loaded() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.actors)
}
