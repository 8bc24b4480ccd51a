package guild

import "gatehouse/core/protocol"

// eventIntents is Discord's table of the intent each guild dispatch needs.
var eventIntents = map[string]uint64{
	"GUILD_CREATE":        protocol.IntentGuilds,
	"GUILD_UPDATE":        protocol.IntentGuilds,
	"GUILD_DELETE":        protocol.IntentGuilds,
	"GUILD_ROLE_CREATE":   protocol.IntentGuilds,
	"GUILD_ROLE_UPDATE":   protocol.IntentGuilds,
	"GUILD_ROLE_DELETE":   protocol.IntentGuilds,
	"CHANNEL_CREATE":      protocol.IntentGuilds,
	"CHANNEL_UPDATE":      protocol.IntentGuilds,
	"CHANNEL_DELETE":      protocol.IntentGuilds,
	"CHANNEL_PINS_UPDATE": protocol.IntentGuilds,
	"THREAD_CREATE":       protocol.IntentGuilds,
	"THREAD_UPDATE":       protocol.IntentGuilds,
	"THREAD_DELETE":       protocol.IntentGuilds,

	"GUILD_MEMBER_ADD":    protocol.IntentGuildMembers,
	"GUILD_MEMBER_UPDATE": protocol.IntentGuildMembers,
	"GUILD_MEMBER_REMOVE": protocol.IntentGuildMembers,

	"MESSAGE_CREATE":      protocol.IntentGuildMessages,
	"MESSAGE_UPDATE":      protocol.IntentGuildMessages,
	"MESSAGE_DELETE":      protocol.IntentGuildMessages,
	"MESSAGE_DELETE_BULK": protocol.IntentGuildMessages,

	"MESSAGE_REACTION_ADD":    protocol.IntentGuildMessageReactions,
	"MESSAGE_REACTION_REMOVE": protocol.IntentGuildMessageReactions,
	"TYPING_START":            protocol.IntentGuildMessageTyping,
	"PRESENCE_UPDATE":         protocol.IntentGuildPresences,

	// Answers to a client's own request need no intent.
	"GUILD_MEMBERS_CHUNK":      0,
	"GUILD_MEMBER_LIST_UPDATE": 0,
}

// channelScoped events reach only those who can view their channel.
var channelScoped = map[string]bool{
	"CHANNEL_CREATE": true, "CHANNEL_UPDATE": true, "CHANNEL_DELETE": true,
	"CHANNEL_PINS_UPDATE": true,
	"THREAD_CREATE":       true, "THREAD_UPDATE": true, "THREAD_DELETE": true,
	"MESSAGE_CREATE": true, "MESSAGE_UPDATE": true, "MESSAGE_DELETE": true,
	"MESSAGE_DELETE_BULK":  true,
	"MESSAGE_REACTION_ADD": true, "MESSAGE_REACTION_REMOVE": true,
	"TYPING_START": true,
}

// EventIntent is the intent a guild dispatch needs (0: none), and whether
// the event is one gatehouse knows; unknown events should go to nobody.
func EventIntent(t string) (uint64, bool) {
	i, ok := eventIntents[t]
	return i, ok
}

// ChannelScoped reports an event that only viewers of its channel get.
func ChannelScoped(t string) bool { return channelScoped[t] }

// Recipient is one session as the hub sees it.
type Recipient struct {
	UserID    Snowflake
	Intents   uint64
	Shard     int // this session's shard id
	NumShards int // 0 or 1: unsharded
}

// Audience decides, for one event, which sessions receive it. Build it
// once per event with State.Audience and ask Admits per session; it reads
// the State, so it lives on the State's goroutine and only until the next
// Apply.
type Audience struct {
	s       *State
	t       string
	intent  uint64
	known   bool
	channel *Channel // nil: not channel-scoped
	scoped  bool
	subject Snowflake

	// For channel events, members with the same role set see the same
	// thing unless they own the guild or have their own overwrite: memo
	// keeps one answer per role set, personal lists the exceptions.
	memo     map[*roleSet]bool
	personal []Snowflake
}

// Audience prepares the recipient test for event t. channelID scopes
// channel events (VIEW_CHANNEL); an unknown channel admits nobody.
// subject is the user a member event is about: Discord sends
// GUILD_MEMBER_UPDATE for one's own member even without GUILD_MEMBERS.
func (s *State) Audience(t string, channelID, subject Snowflake) *Audience {
	var ch *Channel
	if c, ok := s.channels[channelID]; ok {
		ch = &c.Channel
	}
	return s.ChannelAudience(t, ch, subject)
}

// ChannelAudience is Audience with the channel given by value: for
// CHANNEL_DELETE, pass Result.Before so the deleted channel's viewers
// (computed on the current roles) receive it.
func (s *State) ChannelAudience(t string, ch *Channel, subject Snowflake) *Audience {
	intent, known := EventIntent(t)
	a := &Audience{s: s, t: t, intent: intent, known: known,
		channel: ch, scoped: ChannelScoped(t), subject: subject}
	if a.scoped && ch != nil {
		a.memo = make(map[*roleSet]bool)
		a.personal = append(a.personal, s.guild.OwnerID)
		eval := ch
		if IsThread(ch.Type) {
			eval = s.parentOf(ch)
		}
		if eval != nil {
			for _, o := range eval.PermissionOverwrites {
				if _, isRole := s.roles[o.ID]; !isRole && o.ID != s.guild.ID {
					a.personal = append(a.personal, o.ID)
				}
			}
		}
	}
	return a
}

// Admits reports whether r receives the event: a member of the guild, on
// the guild's shard, holding the event's intent (or the subject of its
// own GUILD_MEMBER_UPDATE), and, for channel events, able to view the
// channel. A removed member is no longer a member: the hub sends that
// user GUILD_DELETE itself.
func (a *Audience) Admits(r Recipient) bool {
	if !a.known {
		return false
	}
	m, ok := a.s.members[r.UserID]
	if !ok {
		return false
	}
	if protocol.ShardOf(a.s.guild.ID, r.NumShards) != r.Shard {
		return false
	}
	if r.Intents&a.intent != a.intent {
		if !(a.t == "GUILD_MEMBER_UPDATE" && r.UserID == a.subject) {
			return false
		}
	}
	if !a.scoped {
		return true
	}
	if a.channel == nil {
		return false
	}
	for _, id := range a.personal {
		if id == r.UserID {
			return a.s.channelPerms(r.UserID, m.roles.list(), a.channel)&protocol.PermViewChannel != 0
		}
	}
	if v, ok := a.memo[m.roles]; ok {
		return v
	}
	v := a.s.channelPerms(r.UserID, m.roles.list(), a.channel)&protocol.PermViewChannel != 0
	a.memo[m.roles] = v
	return v
}
