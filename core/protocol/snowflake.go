package protocol

import (
	"strconv"
	"sync/atomic"
	"time"
)

// DiscordEpoch is the first millisecond of 2015, the zero of snowflake times.
const DiscordEpoch = 1420070400000

// Snowflake is a 64-bit Discord id. In JSON it is always a string.
type Snowflake uint64

// String is the decimal form used on the wire.
func (s Snowflake) String() string { return strconv.FormatUint(uint64(s), 10) }

// Time is when the id was made.
func (s Snowflake) Time() time.Time {
	return time.UnixMilli(int64(uint64(s)>>22) + DiscordEpoch)
}

// ParseSnowflake parses the decimal form.
func ParseSnowflake(s string) (Snowflake, error) {
	v, err := strconv.ParseUint(s, 10, 64)
	return Snowflake(v), err
}

// ShardOf is the shard that receives a guild's events: (guild_id >> 22) % n.
// Events without a guild go to shard 0.
func ShardOf(guildID Snowflake, numShards int) int {
	if numShards <= 1 || guildID == 0 {
		return 0
	}
	return int((uint64(guildID) >> 22) % uint64(numShards))
}

// SnowflakeGen makes unique ids for one node: time, a 10-bit worker id and a
// 12-bit sequence, as Discord does. Safe for concurrent use.
type SnowflakeGen struct {
	worker uint64
	last   atomic.Uint64 // last (ms<<22 | worker<<12 | seq) handed out
}

// NewSnowflakeGen makes a generator for worker id w (0–1023).
func NewSnowflakeGen(w uint16) *SnowflakeGen { return &SnowflakeGen{worker: uint64(w) & 0x3ff} }

// Next returns a new id, strictly greater than every earlier one.
func (g *SnowflakeGen) Next() Snowflake {
	for {
		prev := g.last.Load()
		ms := uint64(time.Now().UnixMilli() - DiscordEpoch)
		next := ms<<22 | g.worker<<12
		if next <= prev {
			next = prev + 1
		}
		if g.last.CompareAndSwap(prev, next) {
			return Snowflake(next)
		}
	}
}
