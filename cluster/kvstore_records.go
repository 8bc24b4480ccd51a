package cluster

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/nats-io/nats.go/jetstream"

	"gatehouse/core/guild"
	"gatehouse/core/protocol"
	"gatehouse/core/store"
)

var errNilRecord = errors.New("cluster: nil record")

// decode unmarshals a record, naming the key on failure.
func decode(key string, b []byte, v any) error {
	if err := protocol.Unmarshal(b, v); err != nil {
		return fmt.Errorf("cluster: decode %s: %w", key, err)
	}
	return nil
}

// PutUser upserts a user.
func (s *KVStore) PutUser(ctx context.Context, u *guild.User) (uint64, error) {
	if u == nil {
		return 0, errNilRecord
	}
	rev, err := put(ctx, s.users, userKey(u.ID), u)
	if err == nil {
		s.dir.putUser(u.ID, rev)
	}
	return rev, err
}

// GetUser reads a user. The directory answers "no record" without a
// request; a user it knows is read from the bucket.
func (s *KVStore) GetUser(ctx context.Context, id protocol.Snowflake) (*guild.User, error) {
	if has, ok := s.dir.userKnown(id); ok && !has {
		return nil, store.ErrNotFound
	}
	key := userKey(id)
	b, _, err := get(ctx, s.users, key)
	if err != nil {
		return nil, err
	}
	u := new(guild.User)
	return u, decode(key, b, u)
}

// DeleteUser deletes a user. Memberships are the ingest layer's to remove.
func (s *KVStore) DeleteUser(ctx context.Context, id protocol.Snowflake) (uint64, error) {
	rev, err := s.del(ctx, bucketUsers, s.users, userKey(id))
	if err == nil {
		s.dir.delUser(id, rev)
	}
	return rev, err
}

// PutGuild upserts the guild record.
func (s *KVStore) PutGuild(ctx context.Context, g *guild.Guild) (uint64, error) {
	if g == nil {
		return 0, errNilRecord
	}
	return put(ctx, s.guilds, guildKey(g.ID), g)
}

// GetGuild reads the guild record.
func (s *KVStore) GetGuild(ctx context.Context, id protocol.Snowflake) (*guild.Guild, error) {
	key := guildKey(id)
	b, _, err := get(ctx, s.guilds, key)
	if err != nil {
		return nil, err
	}
	g := new(guild.Guild)
	return g, decode(key, b, g)
}

// DeleteGuild removes the guild's index entries, purges its roles, channels
// and members (no per-record markers: a million members go in one request),
// and writes the guild's delete marker last, so a watcher learns of the
// deletion only when everything under it is gone. Its revision is returned.
// An interrupted DeleteGuild leaves the guild record in place; repeat it.
func (s *KVStore) DeleteGuild(ctx context.Context, id protocol.Snowflake) (uint64, error) {
	gk := guildKey(id)
	if _, _, err := get(ctx, s.guilds, gk); err != nil {
		return 0, err
	}
	var channels []protocol.Snowflake
	err := scan(ctx, s.guilds, []string{gk + ".c.*"}, func(e jetstream.KeyValueEntry) error {
		if _, _, cid, ok := parseGuildKey(e.Key()); ok {
			channels = append(channels, cid)
		}
		return nil
	}, jetstream.IgnoreDeletes(), jetstream.MetaOnly())
	if err != nil {
		return 0, err
	}
	for _, cid := range channels {
		if err := s.dropIndex(ctx, channelIndexKey(cid)); err != nil {
			return 0, err
		}
	}
	if err := s.dropIndex(ctx, "u.*.g."+id.String()); err != nil {
		return 0, err
	}
	if err := s.guildStream.Purge(ctx, jetstream.WithPurgeSubject(kvSubject(bucketGuilds, gk+".>"))); err != nil {
		return 0, fmt.Errorf("cluster: purge %s: %w", gk, err)
	}
	rev, err := s.del(ctx, bucketGuilds, s.guilds, gk)
	if err == nil {
		s.dir.delGuild(id, rev)
	}
	return rev, err
}

// PutRole upserts a role.
func (s *KVStore) PutRole(ctx context.Context, guildID protocol.Snowflake, r *guild.Role) (uint64, error) {
	if r == nil {
		return 0, errNilRecord
	}
	return put(ctx, s.guilds, roleKey(guildID, r.ID), r)
}

// DeleteRole deletes a role.
func (s *KVStore) DeleteRole(ctx context.Context, guildID, roleID protocol.Snowflake) (uint64, error) {
	return s.del(ctx, bucketGuilds, s.guilds, roleKey(guildID, roleID))
}

// PutChannel upserts a channel of c.GuildID and its channel→guild index
// entry, both published before either ack is awaited.
func (s *KVStore) PutChannel(ctx context.Context, c *guild.Channel) (uint64, error) {
	if c == nil {
		return 0, errNilRecord
	}
	key := channelKey(c.GuildID, c.ID)
	b, err := protocol.Marshal(c)
	if err != nil {
		return 0, fmt.Errorf("cluster: encode %s: %w", key, err)
	}
	rec, err := s.js.PublishAsync(kvSubject(bucketGuilds, key), b)
	if err != nil {
		return 0, fmt.Errorf("cluster: put %s: %w", key, err)
	}
	idx, err := s.js.PublishAsync(kvSubject(bucketIndex, channelIndexKey(c.ID)), []byte(c.GuildID.String()))
	if err != nil {
		return 0, fmt.Errorf("cluster: put %s: %w", channelIndexKey(c.ID), err)
	}
	rev, err := await(ctx, rec)
	if err != nil {
		return 0, err
	}
	if _, err := await(ctx, idx); err != nil {
		return 0, err
	}
	return rev, nil
}

// DeleteChannel deletes a channel and its index entry.
func (s *KVStore) DeleteChannel(ctx context.Context, guildID, channelID protocol.Snowflake) (uint64, error) {
	rev, err := s.del(ctx, bucketGuilds, s.guilds, channelKey(guildID, channelID))
	if err != nil {
		return 0, err
	}
	return rev, s.dropIndex(ctx, channelIndexKey(channelID))
}

// ChannelGuild maps a channel to its guild.
func (s *KVStore) ChannelGuild(ctx context.Context, channelID protocol.Snowflake) (protocol.Snowflake, error) {
	key := channelIndexKey(channelID)
	b, _, err := get(ctx, s.index, key)
	if err != nil {
		return 0, err
	}
	g, err := strconv.ParseUint(string(b), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("cluster: index %s holds %q", key, b)
	}
	return protocol.Snowflake(g), nil
}

// PutMember upserts a member (without its User, which lives in the users
// bucket) and the user→guild index entry.
func (s *KVStore) PutMember(ctx context.Context, guildID protocol.Snowflake, m *guild.Member) (uint64, error) {
	return s.PutMembers(ctx, guildID, []*guild.Member{m})
}

// GetMember reads a member; UserID is set, User is nil.
func (s *KVStore) GetMember(ctx context.Context, guildID, userID protocol.Snowflake) (*guild.Member, error) {
	key := memberKey(guildID, userID)
	b, _, err := get(ctx, s.guilds, key)
	if err != nil {
		return nil, err
	}
	m := new(guild.Member)
	if err := decode(key, b, m); err != nil {
		return nil, err
	}
	m.UserID, m.User = userID, nil
	return m, nil
}

// DeleteMember deletes a member and its user→guild index entry.
func (s *KVStore) DeleteMember(ctx context.Context, guildID, userID protocol.Snowflake) (uint64, error) {
	rev, err := s.del(ctx, bucketGuilds, s.guilds, memberKey(guildID, userID))
	if err != nil {
		return 0, err
	}
	s.dir.delMember(guildID, userID, rev)
	return rev, s.dropIndex(ctx, userGuildKey(userID, guildID))
}

// UserGuilds lists the guilds a user is a member of: from the directory
// once synced, else from the index.
func (s *KVStore) UserGuilds(ctx context.Context, userID protocol.Snowflake) ([]protocol.Snowflake, error) {
	if gs, ok := s.dir.userGuilds(userID); ok {
		return gs, nil
	}
	// Walk the user's index keys with direct gets ("next message at or
	// after seq on u.<uid>.g.*"): one request per guild plus one, and no
	// consumer. A filtered watch here created and deleted a JetStream
	// consumer per Identify, which capped identify throughput near
	// 1,000/s (bench/results/conn.md). Index keys are purged outright, so
	// every message found is a live membership.
	subject := kvSubject(bucketIndex, userKey(userID)+".g.*")
	var out []protocol.Snowflake
	for seq := uint64(1); ; {
		m, err := s.indexStream.GetMsg(ctx, seq, jetstream.WithGetMsgSubject(subject))
		if errors.Is(err, jetstream.ErrMsgNotFound) {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		if m.Header.Get(kvOpHeader) == "" {
			key := strings.TrimPrefix(m.Subject, "$KV."+bucketIndex+".")
			if gid, ok := parseUserGuildKey(key); ok {
				out = append(out, gid)
			}
		}
		seq = m.Sequence + 1
	}
}
