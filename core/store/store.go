// Package store defines the Store seam: where guild state is persisted.
// The JetStream key-value implementation lives in package cluster; the key
// layout is documented in docs/state.md.
//
// Every write returns the revision the backend assigned to it. Revisions of
// one guild's records increase in write order, so a node's cache can apply a
// change it learns of twice (from an event and from its watch) or out of
// order, keeping only the newest revision of each record.
package store

import (
	"context"
	"errors"

	"gatehouse/core/guild"
	"gatehouse/core/protocol"
)

// ErrNotFound is returned for a missing record.
var ErrNotFound = errors.New("store: not found")

// Kind names a record type in a Change.
type Kind uint8

// Record kinds.
const (
	KindGuild Kind = iota + 1
	KindRole
	KindChannel
	KindMember
)

// Change is one record written or deleted, as a watch reports it.
type Change struct {
	Kind    Kind
	GuildID protocol.Snowflake
	ID      protocol.Snowflake // the role, channel or member's user id; the guild id for KindGuild
	Deleted bool
	Value   []byte // the record's JSON; nil when Deleted
	Rev     uint64
}

// Snapshot is a guild loaded whole, with the highest revision it reflects.
type Snapshot struct {
	Guild    guild.Guild
	Roles    []guild.Role
	Channels []guild.Channel
	Members  []guild.Member // UserID set; User nil (look users up separately)
	Rev      uint64
}

// Store persists users and guild state. Safe for concurrent use.
type Store interface {
	PutUser(ctx context.Context, u *guild.User) (uint64, error)
	GetUser(ctx context.Context, id protocol.Snowflake) (*guild.User, error)
	DeleteUser(ctx context.Context, id protocol.Snowflake) (uint64, error)

	PutGuild(ctx context.Context, g *guild.Guild) (uint64, error)
	GetGuild(ctx context.Context, id protocol.Snowflake) (*guild.Guild, error)
	// DeleteGuild removes the guild and every record under it.
	DeleteGuild(ctx context.Context, id protocol.Snowflake) (uint64, error)

	PutRole(ctx context.Context, guildID protocol.Snowflake, r *guild.Role) (uint64, error)
	DeleteRole(ctx context.Context, guildID, roleID protocol.Snowflake) (uint64, error)

	PutChannel(ctx context.Context, c *guild.Channel) (uint64, error)
	DeleteChannel(ctx context.Context, guildID, channelID protocol.Snowflake) (uint64, error)
	// ChannelGuild maps a channel to its guild (for message ingest).
	ChannelGuild(ctx context.Context, channelID protocol.Snowflake) (protocol.Snowflake, error)

	PutMember(ctx context.Context, guildID protocol.Snowflake, m *guild.Member) (uint64, error)
	GetMember(ctx context.Context, guildID, userID protocol.Snowflake) (*guild.Member, error)
	DeleteMember(ctx context.Context, guildID, userID protocol.Snowflake) (uint64, error)
	// PutMembers upserts many members with pipelined writes; it returns the
	// last revision.
	PutMembers(ctx context.Context, guildID protocol.Snowflake, ms []*guild.Member) (uint64, error)

	// LoadGuild reads a guild and all its records.
	LoadGuild(ctx context.Context, id protocol.Snowflake) (*Snapshot, error)
	// UserGuilds lists the guilds a user is a member of.
	UserGuilds(ctx context.Context, userID protocol.Snowflake) ([]protocol.Snowflake, error)
	// WatchGuild calls fn, on one goroutine and in revision order, for every
	// change to the guild's records after fromRev. stop ends the watch.
	WatchGuild(ctx context.Context, id protocol.Snowflake, fromRev uint64, fn func(Change)) (stop func(), err error)
}
