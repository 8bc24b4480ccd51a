package guild

import (
	"encoding/json"
	"time"
)

// userWire is a user as clients see it: PrivilegedIntents never leaves.
type userWire struct {
	ID            Snowflake `json:"id"`
	Username      string    `json:"username"`
	Discriminator string    `json:"discriminator"`
	GlobalName    *string   `json:"global_name"`
	Avatar        *string   `json:"avatar"`
	Bot           bool      `json:"bot"`
	PublicFlags   int       `json:"public_flags"`
}

// wireUser builds the client view of u; a nil u (user record missing)
// becomes a bare {id} user so the member still parses.
func wireUser(id Snowflake, u *User) userWire {
	if u == nil {
		return userWire{ID: id, Discriminator: "0"}
	}
	w := userWire{ID: id, Username: u.Username, Discriminator: u.Discriminator,
		GlobalName: u.GlobalName, Avatar: u.Avatar, Bot: u.Bot, PublicFlags: u.PublicFlags}
	if w.Discriminator == "" {
		w.Discriminator = "0"
	}
	return w
}

// timestamp is Unix microseconds written as Discord's ISO 8601 string, or
// null when 0 (unknown).
type timestamp int64

// MarshalJSON writes the time or null.
func (t timestamp) MarshalJSON() ([]byte, error) {
	if t == 0 {
		return []byte("null"), nil
	}
	b := make([]byte, 0, 34)
	b = append(b, '"')
	b = time.UnixMicro(int64(t)).UTC().AppendFormat(b, joinedLayout)
	return append(b, '"'), nil
}

// memberWire is a guild member object with its user.
type memberWire struct {
	GuildID                    Snowflake   `json:"guild_id,omitempty"`
	User                       userWire    `json:"user"`
	Nick                       *string     `json:"nick"`
	Avatar                     *string     `json:"avatar"`
	Roles                      []Snowflake `json:"roles"`
	JoinedAt                   timestamp   `json:"joined_at"`
	PremiumSince               *string     `json:"premium_since"`
	Deaf                       bool        `json:"deaf"`
	Mute                       bool        `json:"mute"`
	Flags                      int         `json:"flags"`
	Pending                    bool        `json:"pending"`
	CommunicationDisabledUntil *string     `json:"communication_disabled_until"`
}

var noIDs = []Snowflake{}

func (r *memberRec) wire(uid Snowflake, u *User, guildID Snowflake) memberWire {
	roles := r.roles.list()
	if roles == nil {
		roles = noIDs
	}
	return memberWire{GuildID: guildID, User: wireUser(uid, u), Nick: r.nick, Avatar: r.avatar,
		Roles: roles, JoinedAt: timestamp(r.joined), Deaf: r.deaf, Mute: r.mute,
		Flags: int(r.flags), Pending: r.pending}
}

func memberToWire(m *Member, u *User, guildID Snowflake) memberWire {
	uid := m.UserID
	if uid == 0 && m.User != nil {
		uid = m.User.ID
	}
	if u == nil {
		u = m.User
	}
	rec := memberRec{joined: parseJoined(m.JoinedAt), nick: m.Nick, avatar: m.Avatar,
		flags: uint32(m.Flags), deaf: m.Deaf, mute: m.Mute, pending: m.Pending}
	w := rec.wire(uid, u, guildID)
	if m.Roles != nil {
		w.Roles = m.Roles
	}
	return w
}

// channelWire is a channel with guild_id and a non-null overwrite list.
func channelWire(ch *Channel, guildID Snowflake) Channel {
	c := *ch
	c.GuildID = guildID
	if c.PermissionOverwrites == nil {
		c.PermissionOverwrites = []Overwrite{}
	}
	return c
}

// presenceWire is a presence object for GUILD_CREATE and chunks when the
// caller has none richer to give.
type presenceWire struct {
	User struct {
		ID Snowflake `json:"id"`
	} `json:"user"`
	GuildID      Snowflake       `json:"guild_id,omitempty"`
	Status       string          `json:"status"`
	Activities   json.RawMessage `json:"activities"`
	ClientStatus json.RawMessage `json:"client_status"`
}
