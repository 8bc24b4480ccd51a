package guild

import (
	"encoding/json"

	"gatehouse/core/protocol"
)

// Each builder below returns a dispatch's d, serialised once so the same
// bytes go to every recipient.

// MemberJSON is a member object with its user (u, else m.User, else a
// bare {id}); guildID, when non-zero, adds guild_id as GUILD_MEMBER_ADD
// and GUILD_MEMBER_UPDATE carry it.
func MemberJSON(m *Member, u *User, guildID Snowflake) ([]byte, error) {
	return protocol.Marshal(memberToWire(m, u, guildID))
}

// MemberAdd is GUILD_MEMBER_ADD's d; MemberUpdate is GUILD_MEMBER_UPDATE's.
func MemberAdd(guildID Snowflake, m *Member, u *User) ([]byte, error) {
	return MemberJSON(m, u, guildID)
}

// MemberUpdate is GUILD_MEMBER_UPDATE's d (the same shape as ADD).
func MemberUpdate(guildID Snowflake, m *Member, u *User) ([]byte, error) {
	return MemberJSON(m, u, guildID)
}

// MemberRemove is GUILD_MEMBER_REMOVE's d.
func MemberRemove(guildID, userID Snowflake, u *User) ([]byte, error) {
	return protocol.Marshal(struct {
		GuildID Snowflake `json:"guild_id"`
		User    userWire  `json:"user"`
	}{guildID, wireUser(userID, u)})
}

// GuildDelete is GUILD_DELETE's d. unavailable false means the user left
// or the guild is gone; true means an outage.
func GuildDelete(guildID Snowflake, unavailable bool) ([]byte, error) {
	return protocol.Marshal(struct {
		ID          Snowflake `json:"id"`
		Unavailable bool      `json:"unavailable"`
	}{guildID, unavailable})
}

// RoleJSON is a role object.
func RoleJSON(r *Role) ([]byte, error) { return protocol.Marshal(r) }

// RoleEvent is GUILD_ROLE_CREATE's and GUILD_ROLE_UPDATE's d.
func RoleEvent(guildID Snowflake, r *Role) ([]byte, error) {
	return protocol.Marshal(struct {
		GuildID Snowflake `json:"guild_id"`
		Role    *Role     `json:"role"`
	}{guildID, r})
}

// RoleDelete is GUILD_ROLE_DELETE's d.
func RoleDelete(guildID, roleID Snowflake) ([]byte, error) {
	return protocol.Marshal(struct {
		GuildID Snowflake `json:"guild_id"`
		RoleID  Snowflake `json:"role_id"`
	}{guildID, roleID})
}

// ChannelJSON is a channel object with guild_id: CHANNEL_CREATE, _UPDATE
// and _DELETE's d (and THREAD_*'s).
func ChannelJSON(ch *Channel, guildID Snowflake) ([]byte, error) {
	return protocol.Marshal(channelWire(ch, guildID))
}

// MessageDelete is MESSAGE_DELETE's d.
func MessageDelete(id, channelID, guildID Snowflake) ([]byte, error) {
	return protocol.Marshal(struct {
		ID        Snowflake `json:"id"`
		ChannelID Snowflake `json:"channel_id"`
		GuildID   Snowflake `json:"guild_id"`
	}{id, channelID, guildID})
}

// TypingStart is TYPING_START's d; timestamp is Unix seconds. m may be
// nil (the member object is then left out).
func TypingStart(channelID, guildID, userID Snowflake, timestamp int64, m *Member, u *User) ([]byte, error) {
	var mw *memberWire
	if m != nil {
		w := memberToWire(m, u, 0)
		mw = &w
	}
	return protocol.Marshal(struct {
		ChannelID Snowflake   `json:"channel_id"`
		GuildID   Snowflake   `json:"guild_id"`
		UserID    Snowflake   `json:"user_id"`
		Timestamp int64       `json:"timestamp"`
		Member    *memberWire `json:"member,omitempty"`
	}{channelID, guildID, userID, timestamp, mw})
}

// PresenceUpdate is PRESENCE_UPDATE's d. "invisible" goes out as
// "offline" (others must not tell them apart); nil activities become []
// and a nil client_status {}. With guildID 0 the guild_id is left out, the
// form GUILD_CREATE's and GUILD_MEMBERS_CHUNK's presences use.
func PresenceUpdate(guildID, userID Snowflake, status string, activities, clientStatus json.RawMessage) ([]byte, error) {
	p := presenceWire{GuildID: guildID, Status: status, Activities: activities, ClientStatus: clientStatus}
	p.User.ID = userID
	if p.Status == "invisible" || p.Status == "" {
		p.Status = "offline"
	}
	if len(p.Activities) == 0 {
		p.Activities = jsonEmptyArray
	}
	if len(p.ClientStatus) == 0 {
		p.ClientStatus = json.RawMessage(`{}`)
	}
	return protocol.Marshal(p)
}

// GuildUpdate is GUILD_UPDATE's d: the guild object with its roles.
func GuildUpdate(s *State) ([]byte, error) {
	return protocol.Marshal(s.guildWire())
}
