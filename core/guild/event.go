package guild

import "encoding/json"

// Event is what travels on the broker for a guild: a state change (with the
// new record, so every node updates its cache the same way) or a transient
// event (message, typing). Each node turns it into dispatches for its own
// sessions.
type Event struct {
	// Type is the Discord dispatch name (GUILD_MEMBER_ADD, MESSAGE_CREATE, ...).
	Type    string    `json:"t"`
	GuildID Snowflake `json:"guild_id"`
	// Rev is the store revision of a state change (0 for transient events).
	Rev uint64 `json:"rev,omitempty"`
	// ID is the changed record's id (role, channel, member's user id).
	ID Snowflake `json:"id,omitempty"`
	// ChannelID scopes channel events (VIEW_CHANNEL applies).
	ChannelID Snowflake `json:"channel_id,omitempty"`
	// Data is the record or the event's d as the publisher built it.
	Data json.RawMessage `json:"d,omitempty"`
}
