// Package guild is gatehouse's guild state: the records backends push
// (users, guilds, roles, channels, members) in the shape of Discord's
// objects, the per-node cache of a loaded guild, Discord's permission
// algorithm, and who may see what.
package guild

import (
	"gatehouse/core/protocol"
)

// Snowflake is re-exported for brevity inside this package's API.
type Snowflake = protocol.Snowflake

// User is a user record. PrivilegedIntents is gatehouse's own field (the
// privileged intents the user's token may request); it never goes to clients.
type User struct {
	ID                Snowflake `json:"id"`
	Username          string    `json:"username"`
	Discriminator     string    `json:"discriminator"`
	GlobalName        *string   `json:"global_name"`
	Avatar            *string   `json:"avatar"`
	Bot               bool      `json:"bot"`
	MFAEnabled        bool      `json:"mfa_enabled"`
	PublicFlags       int       `json:"public_flags"`
	PrivilegedIntents uint64    `json:"privileged_intents,omitempty"`
}

// Guild is the guild record without its roles, channels and members (each
// stored as its own record). Settings fields carry Discord's names.
type Guild struct {
	ID                          Snowflake  `json:"id"`
	Name                        string     `json:"name"`
	Icon                        *string    `json:"icon"`
	OwnerID                     Snowflake  `json:"owner_id"`
	AFKChannelID                *Snowflake `json:"afk_channel_id"`
	AFKTimeout                  int        `json:"afk_timeout"`
	VerificationLevel           int        `json:"verification_level"`
	DefaultMessageNotifications int        `json:"default_message_notifications"`
	ExplicitContentFilter       int        `json:"explicit_content_filter"`
	MFALevel                    int        `json:"mfa_level"`
	NSFWLevel                   int        `json:"nsfw_level"`
	SystemChannelID             *Snowflake `json:"system_channel_id"`
	SystemChannelFlags          int        `json:"system_channel_flags"`
	PreferredLocale             string     `json:"preferred_locale"`
	PremiumTier                 int        `json:"premium_tier"`
	PremiumProgressBarEnabled   bool       `json:"premium_progress_bar_enabled"`
	Description                 *string    `json:"description"`
	Features                    []string   `json:"features"`
}

// Role is a guild role. The @everyone role has the guild's id.
type Role struct {
	ID          Snowflake            `json:"id"`
	Name        string               `json:"name"`
	Color       int                  `json:"color"`
	Hoist       bool                 `json:"hoist"`
	Position    int                  `json:"position"`
	Permissions protocol.Permissions `json:"permissions"`
	Managed     bool                 `json:"managed"`
	Mentionable bool                 `json:"mentionable"`
	Flags       int                  `json:"flags"`
}

// Overwrite types.
const (
	OverwriteRole   = 0
	OverwriteMember = 1
)

// Overwrite is a channel permission overwrite.
type Overwrite struct {
	ID    Snowflake            `json:"id"`
	Type  int                  `json:"type"`
	Allow protocol.Permissions `json:"allow"`
	Deny  protocol.Permissions `json:"deny"`
}

// Channel is a guild channel.
type Channel struct {
	ID                   Snowflake   `json:"id"`
	Type                 int         `json:"type"`
	GuildID              Snowflake   `json:"guild_id"`
	Name                 string      `json:"name"`
	Position             int         `json:"position"`
	ParentID             *Snowflake  `json:"parent_id"`
	Topic                *string     `json:"topic"`
	NSFW                 bool        `json:"nsfw"`
	RateLimitPerUser     int         `json:"rate_limit_per_user"`
	PermissionOverwrites []Overwrite `json:"permission_overwrites"`
}

// Member is a guild member record; User is filled from the user record
// when the member is sent to clients.
type Member struct {
	User     *User       `json:"user,omitempty"`
	UserID   Snowflake   `json:"-"`
	Nick     *string     `json:"nick"`
	Avatar   *string     `json:"avatar"`
	Roles    []Snowflake `json:"roles"`
	JoinedAt string      `json:"joined_at"`
	Deaf     bool        `json:"deaf"`
	Mute     bool        `json:"mute"`
	Flags    int         `json:"flags"`
	Pending  bool        `json:"pending"`
}
