package guild

import (
	"encoding/json"
	"errors"
	"iter"
	"slices"

	"gatehouse/core/protocol"
)

// ErrNotMember is returned when a per-user payload is asked for a user
// who is not a member.
var ErrNotMember = errors.New("guild: user is not a member")

// Large-threshold bounds (Identify's large_threshold, PROTOCOL.md).
const (
	LargeThresholdMin     = 50
	LargeThresholdMax     = 250
	LargeThresholdDefault = 50
	// PresenceMemberCap: above this many members Discord sends, as without
	// GUILD_PRESENCES, only the recipient's own member and no presences.
	PresenceMemberCap = 75_000
)

// PresenceFunc returns a user's presence object as GUILD_CREATE and
// GUILD_MEMBERS_CHUNK carry it ({user:{id}, status, activities,
// client_status}; see PresenceUpdate with guildID 0) and whether the user
// is online (any status but offline/invisible). A nil object for an
// online user is sent as a bare "online" presence.
type PresenceFunc func(Snowflake) (json.RawMessage, bool)

// UserFunc returns a user record, nil if unknown.
type UserFunc func(Snowflake) *User

// GuildCreateOptions says who GUILD_CREATE is for and where users and
// presences come from.
type GuildCreateOptions struct {
	UserID         Snowflake
	Intents        uint64
	LargeThreshold int // clamped to 50–250; 0 means 50
	Users          UserFunc
	Presence       PresenceFunc // nil: nobody is online
	// Online, if set, lists online users (of any guild); large guilds then
	// walk it instead of asking Presence about every member.
	Online iter.Seq[Snowflake]
}

type guildCreateWire struct {
	guildWire
	JoinedAt             timestamp         `json:"joined_at"`
	Large                bool              `json:"large"`
	Unavailable          bool              `json:"unavailable"`
	MemberCount          int               `json:"member_count"`
	Channels             []Channel         `json:"channels"`
	Threads              []Channel         `json:"threads"`
	Members              []memberWire      `json:"members"`
	Presences            []json.RawMessage `json:"presences"`
	VoiceStates          []struct{}        `json:"voice_states"`
	StageInstances       []struct{}        `json:"stage_instances"`
	GuildScheduledEvents []struct{}        `json:"guild_scheduled_events"`
	SoundboardSounds     []struct{}        `json:"soundboard_sounds"`
}

// ClampLargeThreshold applies Identify's bounds and default.
func ClampLargeThreshold(n int) int {
	switch {
	case n <= 0:
		return LargeThresholdDefault
	case n < LargeThresholdMin:
		return LargeThresholdMin
	case n > LargeThresholdMax:
		return LargeThresholdMax
	}
	return n
}

// GuildCreate is GUILD_CREATE's d for one recipient.
//
// channels and threads hold only what the recipient can view (a deliberate
// choice: Discord sends bots every channel, but gatehouse promises that a
// session learns nothing of channels it cannot see). Channels of types
// client libraries reject are left out. members and presences follow
// Discord: without GUILD_PRESENCES, or above PresenceMemberCap members,
// only the recipient's own member and no presences; a large guild
// (member_count > large_threshold) sends its online members plus the
// recipient; otherwise every member. presences cover the online members
// sent. joined_at is the recipient's.
func GuildCreate(s *State, o GuildCreateOptions) ([]byte, error) {
	self, ok := s.members[o.UserID]
	if !ok {
		return nil, ErrNotMember
	}
	users := o.Users
	if users == nil {
		users = func(Snowflake) *User { return nil }
	}
	count := len(s.members)
	w := guildCreateWire{
		guildWire:            s.guildWire(),
		JoinedAt:             timestamp(self.joined),
		Large:                count > ClampLargeThreshold(o.LargeThreshold),
		MemberCount:          count,
		Channels:             []Channel{},
		Threads:              []Channel{},
		Presences:            []json.RawMessage{},
		VoiceStates:          []struct{}{},
		StageInstances:       []struct{}{},
		GuildScheduledEvents: []struct{}{},
		SoundboardSounds:     []struct{}{},
	}
	for _, ch := range s.Channels() {
		thread := IsThread(ch.Type)
		if !thread && !IsGuildChannelType(ch.Type) {
			continue
		}
		if s.channelPerms(o.UserID, self.roles.list(), ch)&protocol.PermViewChannel == 0 {
			continue
		}
		if thread {
			w.Threads = append(w.Threads, channelWire(ch, s.guild.ID))
		} else {
			w.Channels = append(w.Channels, channelWire(ch, s.guild.ID))
		}
	}
	ids := s.guildCreateMembers(o, w.Large)
	w.Members = make([]memberWire, 0, len(ids))
	for _, uid := range ids {
		w.Members = append(w.Members, s.members[uid].wire(uid, users(uid), 0))
	}
	if o.Intents&protocol.IntentGuildPresences != 0 && count <= PresenceMemberCap && o.Presence != nil {
		for _, uid := range ids {
			if p, online, err := presenceOf(o.Presence, uid); err != nil {
				return nil, err
			} else if online {
				w.Presences = append(w.Presences, p)
			}
		}
	}
	return protocol.Marshal(&w)
}

// guildCreateMembers picks the members GUILD_CREATE carries, sorted by id.
func (s *State) guildCreateMembers(o GuildCreateOptions, large bool) []Snowflake {
	if o.Intents&protocol.IntentGuildPresences == 0 || len(s.members) > PresenceMemberCap {
		return []Snowflake{o.UserID}
	}
	if !large {
		ids := make([]Snowflake, 0, len(s.members))
		for uid := range s.members {
			ids = append(ids, uid)
		}
		slices.Sort(ids)
		return ids
	}
	ids := []Snowflake{o.UserID}
	add := func(uid Snowflake) {
		if uid != o.UserID {
			ids = append(ids, uid)
		}
	}
	switch {
	case o.Online != nil:
		for uid := range o.Online {
			if _, ok := s.members[uid]; ok {
				add(uid)
			}
		}
	case o.Presence != nil:
		for uid := range s.members {
			if _, online := o.Presence(uid); online {
				add(uid)
			}
		}
	}
	slices.Sort(ids)
	return slices.Compact(ids)
}

// presenceOf asks f about uid; an online user without an object gets a
// bare online presence.
func presenceOf(f PresenceFunc, uid Snowflake) (json.RawMessage, bool, error) {
	p, online := f(uid)
	if !online {
		return nil, false, nil
	}
	if len(p) == 0 {
		b, err := PresenceUpdate(0, uid, "online", nil, nil)
		return b, true, err
	}
	return p, true, nil
}
