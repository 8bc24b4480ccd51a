package cluster

import (
	"strconv"
	"strings"

	"gatehouse/core/protocol"
	"gatehouse/core/store"
)

// Bucket names. The KV streams behind them are KV_<bucket>; their subjects
// are $KV.<bucket>.<key>.
const (
	bucketUsers  = "gh_users"  // u.<uid> → User JSON
	bucketGuilds = "gh_guilds" // g.<gid>[.r|.c|.m.<id>] → record JSON; watched
	bucketIndex  = "gh_index"  // ch.<cid> → gid; u.<uid>.g.<gid> → empty
)

// kvSubject is the subject a key of a bucket is stored under.
func kvSubject(bucket, key string) string { return "$KV." + bucket + "." + key }

// appendID appends a snowflake's decimal form, a valid subject token.
func appendID(b []byte, id protocol.Snowflake) []byte { return strconv.AppendUint(b, uint64(id), 10) }

func userKey(id protocol.Snowflake) string { return string(appendID([]byte("u."), id)) }

func guildKey(gid protocol.Snowflake) string { return string(appendID([]byte("g."), gid)) }

// guildSubKey is g.<gid>.<kind>.<id> for kind r, c or m.
func guildSubKey(gid protocol.Snowflake, kind byte, id protocol.Snowflake) string {
	b := make([]byte, 0, 48)
	b = appendID(append(b, "g."...), gid)
	b = append(b, '.', kind, '.')
	return string(appendID(b, id))
}

func roleKey(gid, rid protocol.Snowflake) string    { return guildSubKey(gid, 'r', rid) }
func channelKey(gid, cid protocol.Snowflake) string { return guildSubKey(gid, 'c', cid) }
func memberKey(gid, uid protocol.Snowflake) string  { return guildSubKey(gid, 'm', uid) }

func channelIndexKey(cid protocol.Snowflake) string { return string(appendID([]byte("ch."), cid)) }

func userGuildKey(uid, gid protocol.Snowflake) string {
	b := make([]byte, 0, 48)
	b = appendID(append(b, "u."...), uid)
	return string(appendID(append(b, ".g."...), gid))
}

// parseGuildKey maps a key of the guilds bucket to its record kind, guild
// and record id. ok is false for a key outside the layout.
func parseGuildKey(key string) (kind store.Kind, gid, id protocol.Snowflake, ok bool) {
	rest, found := strings.CutPrefix(key, "g.")
	if !found {
		return 0, 0, 0, false
	}
	gs, rest, sub := strings.Cut(rest, ".")
	g, err := strconv.ParseUint(gs, 10, 64)
	if err != nil {
		return 0, 0, 0, false
	}
	if !sub {
		return store.KindGuild, protocol.Snowflake(g), protocol.Snowflake(g), true
	}
	if len(rest) < 3 || rest[1] != '.' {
		return 0, 0, 0, false
	}
	switch rest[0] {
	case 'r':
		kind = store.KindRole
	case 'c':
		kind = store.KindChannel
	case 'm':
		kind = store.KindMember
	default:
		return 0, 0, 0, false
	}
	v, err := strconv.ParseUint(rest[2:], 10, 64)
	if err != nil {
		return 0, 0, 0, false
	}
	return kind, protocol.Snowflake(g), protocol.Snowflake(v), true
}

// parseUserGuildKey extracts gid from u.<uid>.g.<gid>.
func parseUserGuildKey(key string) (protocol.Snowflake, bool) {
	i := strings.LastIndex(key, ".g.")
	if i < 0 {
		return 0, false
	}
	v, err := strconv.ParseUint(key[i+3:], 10, 64)
	return protocol.Snowflake(v), err == nil
}
