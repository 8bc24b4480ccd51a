package session

import (
	"gatehouse/core/protocol"
)

// presence handles op 3. Fan-out of PRESENCE_UPDATE belongs to the hub; the
// session keeps what the client set.
func (c *Conn) presence(d []byte) error {
	var p protocol.PresenceUpdate
	if err := protocol.Unmarshal(d, &p); err != nil || !validStatus(p.Status) {
		return protocol.CloseDecodeError
	}
	c.sess.mu.Lock()
	c.sess.presence = &p
	c.sess.mu.Unlock()
	if c.m.cfg.OnPresence != nil {
		c.m.cfg.OnPresence(c.sess)
	}
	return nil
}

type voiceStateReq struct {
	GuildID   *string `json:"guild_id"`
	ChannelID *string `json:"channel_id"`
	SelfMute  bool    `json:"self_mute"`
	SelfDeaf  bool    `json:"self_deaf"`
}

type voiceState struct {
	GuildID    *string `json:"guild_id"`
	ChannelID  *string `json:"channel_id"`
	UserID     string  `json:"user_id"`
	SessionID  string  `json:"session_id"`
	Deaf       bool    `json:"deaf"`
	Mute       bool    `json:"mute"`
	SelfDeaf   bool    `json:"self_deaf"`
	SelfMute   bool    `json:"self_mute"`
	SelfVideo  bool    `json:"self_video"`
	Suppress   bool    `json:"suppress"`
	RequestTTS *string `json:"request_to_speak_timestamp"`
}

// voiceState handles op 4: the state is acknowledged with VOICE_STATE_UPDATE;
// gatehouse carries no voice media.
func (c *Conn) voiceState(d []byte) error {
	var r voiceStateReq
	if err := protocol.Unmarshal(d, &r); err != nil || r.GuildID == nil {
		return protocol.CloseDecodeError
	}
	b, err := protocol.Marshal(voiceState{
		GuildID: r.GuildID, ChannelID: r.ChannelID, UserID: protocol.Snowflake(c.sess.UserID).String(),
		SessionID: c.sess.ID, SelfDeaf: r.SelfDeaf, SelfMute: r.SelfMute,
	})
	if err != nil {
		return protocol.CloseUnknownError
	}
	c.sess.Dispatch("VOICE_STATE_UPDATE", b)
	return nil
}

type requestMembers struct {
	GuildID   *string  `json:"guild_id"`
	Query     *string  `json:"query"`
	Limit     int      `json:"limit"`
	Presences bool     `json:"presences"`
	UserIDs   []string `json:"user_ids"`
	Nonce     string   `json:"nonce"`
}

// requestMembers handles op 8. Until guild state exists on this node every
// guild is empty: one chunk, no members, every asked-for id not found.
func (c *Conn) requestMembers(d []byte) error {
	if c.m.cfg.OnRequestMembers != nil {
		return c.m.cfg.OnRequestMembers(c.sess, d)
	}
	var r requestMembers
	if err := protocol.Unmarshal(d, &r); err != nil || r.GuildID == nil {
		return protocol.CloseDecodeError
	}
	if len(r.Nonce) > 32 {
		r.Nonce = ""
	}
	notFound := r.UserIDs
	if notFound == nil {
		notFound = []string{}
	}
	b, err := protocol.Marshal(map[string]any{
		"guild_id": *r.GuildID, "members": []struct{}{}, "chunk_index": 0, "chunk_count": 1,
		"not_found": notFound, "presences": []struct{}{}, "nonce": r.Nonce,
	})
	if err != nil {
		return protocol.CloseUnknownError
	}
	c.sess.Dispatch("GUILD_MEMBERS_CHUNK", b)
	return nil
}

// lazyRequest handles op 14. Member lists are not built yet: the request is
// validated and accepted with no dispatch.
func (c *Conn) lazyRequest(d []byte) error {
	var r struct {
		GuildID *string `json:"guild_id"`
	}
	if err := protocol.Unmarshal(d, &r); err != nil || r.GuildID == nil {
		return protocol.CloseDecodeError
	}
	if c.m.cfg.OnLazyRequest != nil {
		return c.m.cfg.OnLazyRequest(c.sess, d)
	}
	return nil
}
