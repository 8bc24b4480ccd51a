package hub

import (
	"errors"
	"sync"
	"time"

	"gatehouse/core/guild"
	"gatehouse/core/protocol"
	"gatehouse/core/store"
)

var timeNow = time.Now

// userCache holds user records this node has needed, and which users have
// none. USER_UPDATE/USER_DELETE events from the broker keep it current on
// every node. Bounded: at maxUsers entries it is cleared (a cheap,
// predictable policy; records are re-read on demand).
type userCache struct {
	mu sync.Mutex
	m  map[protocol.Snowflake]userEntry
}

type userEntry struct {
	u *guild.User // nil: known to have no record
}

const maxUsers = 1 << 20

func (c *userCache) get(id protocol.Snowflake) (userEntry, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[id]
	return e, ok
}

func (c *userCache) put(id protocol.Snowflake, u *guild.User) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) >= maxUsers {
		clear(c.m)
	}
	c.m[id] = userEntry{u: u}
}

// user returns a user record (cache, else store), nil if there is none.
// Safe from any goroutine; a miss reads the store.
func (h *Hub) user(id protocol.Snowflake) *guild.User {
	if e, ok := h.users.get(id); ok {
		return e.u
	}
	return h.fetchUser(id)
}

// fetchUser reads id's record from the store into the cache (nil: it has
// none). A store error is logged and nothing is cached. Any goroutine.
func (h *Hub) fetchUser(id protocol.Snowflake) *guild.User {
	u, err := h.cfg.Store.GetUser(h.ctx, id)
	if err != nil {
		if !errors.Is(err, store.ErrNotFound) {
			h.log.Warn("hub: user lookup", "user", id, "err", err)
			return nil
		}
		u = nil
	}
	h.users.put(id, u)
	return u
}

// learnUserFromMember caches the user inlined in a member event.
func (h *Hub) learnUserFromMember(d []byte) {
	var m struct {
		User *guild.User `json:"user"`
	}
	if protocol.Unmarshal(d, &m) == nil && m.User != nil && m.User.ID != 0 {
		h.users.put(m.User.ID, m.User)
	}
}

// protocolUser is the READY/USER_UPDATE form of a record.
func protocolUser(u *guild.User) *protocol.User {
	return &protocol.User{
		ID: u.ID.String(), Username: u.Username, Discriminator: u.Discriminator,
		GlobalName: u.GlobalName, Avatar: u.Avatar, Bot: u.Bot, MFAEnabled: u.MFAEnabled,
		PublicFlags: u.PublicFlags, Flags: u.PublicFlags,
	}
}

// onUserEvent handles user-scoped broker events: USER_UPDATE, USER_DELETE,
// PRESENCE_UPDATE and GUILD_MEMBER_ADD (a user joined a guild). Runs on the broker's goroutine.
func (h *Hub) onUserEvent(b []byte) {
	var ev guild.Event
	if err := protocol.Unmarshal(b, &ev); err != nil {
		h.log.Warn("hub: undecodable user event", "err", err)
		return
	}
	switch ev.Type {
	case "USER_UPDATE":
		var u guild.User
		if err := protocol.Unmarshal(ev.Data, &u); err != nil {
			return
		}
		h.users.put(u.ID, &u)
		d, err := protocol.Marshal(protocolUser(&u))
		if err != nil {
			return
		}
		for _, s := range h.cfg.Sessions(uint64(u.ID)) {
			s.Dispatch("USER_UPDATE", d)
		}
		h.lazyUserUpdated(u.ID)
	case "USER_DELETE":
		h.users.put(ev.ID, nil)
	case "PRESENCE_UPDATE", "PRESENCE_NODE":
		h.onPresenceEvent(&ev)
	case "GUILD_MEMBER_ADD":
		h.onMemberJoined(ev.GuildID, ev.ID)
	}
}
