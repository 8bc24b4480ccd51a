package session

import (
	"time"

	"gatehouse/core/auth"
	"gatehouse/core/protocol"
)

// Config is what a Manager needs. Zero durations and limits take the
// defaults in withDefaults.
type Config struct {
	Signer             *auth.Signer
	HeartbeatInterval  time.Duration // sent in Hello
	HeartbeatTolerance time.Duration // grace after the interval before 4009
	ResumeWindow       time.Duration // a detached session stays resumable this long
	ReplayMaxEvents    int
	ReplayMaxBytes     int
	PayloadLimit       int           // client payloads per PayloadWindow (120)
	PayloadWindow      time.Duration // (60 s)
	MaxConcurrency     int           // identify buckets per user (session_start_limit.max_concurrency)
	IdentifyWindow     time.Duration // one identify per bucket per window (5 s)
	ResumeURL          string        // resume_gateway_url, bare ws://host:port
	ApplicationID      string
	// Grants returns the privileged intents a user may request. Nil grants none.
	Grants func(userID uint64) uint64
	// Users returns a user's record, if the deployment has one.
	Users func(userID uint64) (protocol.User, bool)
	// GuildCount returns how many guilds a user is in (for 4011). Nil is 0.
	GuildCount func(userID uint64) int
	// Resolve, when set, looks up what Identify needs from the user's
	// records and calls done exactly once, from any goroutine. When nil,
	// Grants, Users and GuildCount answer synchronously.
	Resolve func(userID uint64, done func(UserInfo))
	// OnReady runs on the connection's owner after READY is queued, with the
	// new session and the guilds listed in READY, to send the GUILD_CREATEs
	// that follow it. Nil sends none.
	OnReady func(s *Session, guilds []protocol.Snowflake)
	// OnPresence runs after op 3 changed the session's presence.
	OnPresence func(s *Session)
	// OnRequestMembers handles op 8's d; nil answers one empty chunk.
	OnRequestMembers func(s *Session, d []byte) error
	// OnLazyRequest handles op 14's d; nil accepts and ignores it.
	OnLazyRequest func(s *Session, d []byte) error
	// Hooks for observers (logging, metrics, presence). Any may be nil.
	OnSessionEnd func(s *Session, why string)
}

func (c Config) withDefaults() Config {
	if c.HeartbeatInterval <= 0 {
		c.HeartbeatInterval = 41250 * time.Millisecond
	}
	if c.HeartbeatTolerance <= 0 {
		c.HeartbeatTolerance = c.HeartbeatInterval / 2
	}
	if c.ResumeWindow <= 0 {
		c.ResumeWindow = 2 * time.Minute
	}
	if c.ReplayMaxEvents <= 0 {
		c.ReplayMaxEvents = 1000
	}
	if c.ReplayMaxBytes <= 0 {
		c.ReplayMaxBytes = 1 << 20
	}
	if c.PayloadLimit <= 0 {
		c.PayloadLimit = 120
	}
	if c.PayloadWindow <= 0 {
		c.PayloadWindow = 60 * time.Second
	}
	if c.MaxConcurrency <= 0 {
		c.MaxConcurrency = 1
	}
	if c.IdentifyWindow <= 0 {
		c.IdentifyWindow = 5 * time.Second
	}
	if c.ApplicationID == "" {
		c.ApplicationID = "0"
	}
	return c
}

// UserInfo is what Resolve finds out about a user at Identify.
type UserInfo struct {
	User       *protocol.User       // nil: no record; READY carries a minimal user
	Grants     uint64               // privileged intents the user may request
	Guilds     []protocol.Snowflake // guilds the user is a member of
	GuildCount int                  // for 4011 when Guilds is not listed
	Err        error                // lookup failed: op 9, the client retries
}

// MaxGuildsPerShard is Discord's limit behind close 4011.
const MaxGuildsPerShard = 2500

// MaxShards bounds a shard count a client may ask for.
const MaxShards = 1 << 16
