package session

import (
	"strconv"
	"time"

	"gatehouse/core/protocol"
)

// identify handles op 2. What the token and payload alone decide is checked
// here; what needs the user's records (privileged grants, guilds) is checked
// in finishIdentify, after Config.Resolve answers — asynchronously when the
// deployment has a store, so the event loop never waits on it.
func (c *Conn) identify(d []byte, now time.Time) error {
	if c.sess != nil || c.identifying {
		return protocol.CloseAlreadyAuthed
	}
	var id protocol.Identify
	if err := protocol.Unmarshal(d, &id); err != nil || id.Token == "" || id.Properties == nil {
		return protocol.CloseDecodeError
	}
	user, err := c.m.cfg.Signer.Verify(id.Token)
	if err != nil {
		return protocol.CloseAuthFailed
	}
	if id.Intents == nil {
		return &protocol.CloseError{Code: protocol.CloseInvalidIntents, Msg: "intents are required"}
	}
	if *id.Intents&^protocol.IntentsAll != 0 {
		return protocol.CloseInvalidIntents
	}
	if id.Shard != nil {
		if len(id.Shard) != 2 || id.Shard[1] < 1 || id.Shard[1] > MaxShards || id.Shard[0] < 0 || id.Shard[0] >= id.Shard[1] {
			return protocol.CloseInvalidShard
		}
	}
	if id.Presence != nil && id.Presence.Status == "" {
		// discordgo always sends a presence, with an empty status unless
		// the bot set one; Discord takes that as online.
		id.Presence.Status = "online"
	}
	if id.Presence != nil && !validStatus(id.Presence.Status) {
		return protocol.CloseDecodeError
	}
	shardID := 0
	if id.Shard != nil {
		shardID = id.Shard[0]
	}
	if !c.m.allowIdentify(user, shardID, now) {
		c.invalidSession()
		return nil
	}
	if c.m.cfg.Resolve == nil {
		return c.finishIdentify(&id, user, c.m.resolveSync(user))
	}
	c.identifying = true
	link := c.link
	c.m.cfg.Resolve(user, func(info UserInfo) {
		// Back on the connection's owner before touching c.
		link.Exec(func() error {
			c.identifying = false
			if c.closed || c.sess != nil {
				return nil
			}
			return c.finishIdentify(&id, user, info)
		})
	})
	return nil
}

// resolveSync answers Resolve's question from the synchronous hooks.
func (m *Manager) resolveSync(user uint64) UserInfo {
	info := UserInfo{}
	if m.cfg.Grants != nil {
		info.Grants = m.cfg.Grants(user)
	}
	if m.cfg.Users != nil {
		if u, ok := m.cfg.Users(user); ok {
			info.User = &u
		}
	}
	if m.cfg.GuildCount != nil {
		info.GuildCount = m.cfg.GuildCount(user)
	}
	return info
}

// finishIdentify creates the session and sends READY. Runs on the
// connection's owner.
func (c *Conn) finishIdentify(id *protocol.Identify, user uint64, info UserInfo) error {
	if info.Err != nil {
		c.invalidSession()
		return nil
	}
	if err := protocol.CheckIntents(*id.Intents, info.Grants); err != nil {
		return err
	}
	shard := [2]int{0, 1}
	if id.Shard != nil {
		shard = [2]int{id.Shard[0], id.Shard[1]}
	}
	guilds := info.Guilds
	if shard[1] > 1 {
		mine := guilds[:0:0]
		for _, g := range guilds {
			if protocol.ShardOf(g, shard[1]) == shard[0] {
				mine = append(mine, g)
			}
		}
		guilds = mine
	}
	count := info.GuildCount
	if count < len(info.Guilds) {
		count = len(info.Guilds)
	}
	if count > MaxGuildsPerShard*shard[1] {
		return protocol.CloseShardingRequired
	}
	lt := id.LargeThreshold
	switch {
	case lt == 0:
		lt = 50
	case lt < 50:
		lt = 50
	case lt > 250:
		lt = 250
	}
	s := &Session{
		ID: newSessionID(), UserID: user, Intents: *id.Intents, Shard: shard, LargeThreshold: lt,
		PayloadCompress: id.Compress,
		replay:          newReplay(c.m.cfg.ReplayMaxEvents, c.m.cfg.ReplayMaxBytes),
		presence:        id.Presence,
	}
	u := c.m.minimalUser(user)
	if info.User != nil {
		u = *info.User
	}
	stubs := make([]protocol.UnavailableGuild, len(guilds))
	for i, g := range guilds {
		stubs[i] = protocol.UnavailableGuild{ID: g.String(), Unavailable: true}
	}
	ready := protocol.Ready{
		V:                10,
		User:             u,
		Guilds:           stubs,
		SessionID:        s.ID,
		ResumeGatewayURL: c.m.cfg.ResumeURL,
		Application:      protocol.Application{ID: c.m.cfg.ApplicationID},
		PrivateChannels:  []struct{}{},
		Relationships:    []struct{}{},
		SessionType:      "normal",
		GeoOrderedRTC:    []string{},
	}
	if id.Shard != nil {
		ready.Shard = []int{shard[0], shard[1]}
	}
	b, err := protocol.Marshal(ready)
	if err != nil {
		return protocol.CloseUnknownError
	}
	if id.Compress {
		c.link.SetPayloadCompression(true)
	}
	c.m.register(s)
	s.mu.Lock()
	s.link = c.link
	s.sendLocked("READY", b, false)
	s.mu.Unlock()
	c.sess = s
	if c.m.cfg.OnReady != nil {
		c.m.cfg.OnReady(s, guilds)
	}
	return nil
}

// User is the READY user object: the deployment's record, else a minimal one.
func (m *Manager) User(id uint64) protocol.User {
	if m.cfg.Users != nil {
		if u, ok := m.cfg.Users(id); ok {
			return u
		}
	}
	return m.minimalUser(id)
}

// minimalUser is the user object of a user with no record.
func (m *Manager) minimalUser(id uint64) protocol.User {
	ids := strconv.FormatUint(id, 10)
	return protocol.User{ID: ids, Username: "user" + ids, Discriminator: "0"}
}

func validStatus(s string) bool {
	switch s {
	case "online", "dnd", "idle", "invisible", "offline":
		return true
	}
	return false
}

// resume handles op 6.
func (c *Conn) resume(d []byte, now time.Time) error {
	if c.sess != nil || c.identifying {
		return protocol.CloseAlreadyAuthed
	}
	var r protocol.Resume
	if err := protocol.Unmarshal(d, &r); err != nil || r.Token == "" || r.SessionID == "" {
		return protocol.CloseDecodeError
	}
	user, err := c.m.cfg.Signer.Verify(r.Token)
	if err != nil {
		return protocol.CloseAuthFailed
	}
	s := c.m.Get(r.SessionID)
	if s == nil || s.UserID != user {
		c.invalidSession()
		return nil
	}
	s.mu.Lock()
	if s.ended {
		s.mu.Unlock()
		c.invalidSession()
		return nil
	}
	if r.Seq > s.seq {
		s.mu.Unlock()
		return protocol.CloseInvalidSeq
	}
	frames, ok := s.replay.after(r.Seq, s.seq)
	if !ok {
		s.mu.Unlock()
		c.m.End(s, "resume seq older than replay buffer")
		c.invalidSession()
		return nil
	}
	old := s.link
	s.link = c.link
	if s.PayloadCompress {
		c.link.SetPayloadCompression(true)
	}
	for _, f := range frames {
		c.link.Send(f)
	}
	s.dispatchLocked("RESUMED", []byte(`{}`))
	s.mu.Unlock()
	if old != nil {
		// The client came back on a new connection before the old one
		// timed out: the old one is stale.
		old.Close(protocol.CloseSessionTimedOut, "session resumed on another connection")
	}
	c.sess = s
	return nil
}
