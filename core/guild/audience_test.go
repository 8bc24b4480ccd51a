package guild

import (
	"testing"

	"gatehouse/core/protocol"
)

func TestAudience(t *testing.T) {
	const gid = 5<<22 | 100 // shard 1 of 4, shard 0 of 5
	roles := []Role{role(gid, view|send), role(rA, 0)}
	chans := []Channel{text(11), text(12, roleOW(gid, 0, view), roleOW(rA, view, 0))}
	s := newTestState(t, gid, uOwner, roles, chans, matrixMembers())

	const (
		guilds   = protocol.IntentGuilds
		members  = protocol.IntentGuildMembers
		messages = protocol.IntentGuildMessages
		typing   = protocol.IntentGuildMessageTyping
		presence = protocol.IntentGuildPresences
	)
	rcpt := func(uid uint64, intents uint64) Recipient { return Recipient{UserID: sf(uid), Intents: intents} }
	deleted, _ := s.Channel(12)
	cases := []struct {
		name  string
		aud   *Audience
		r     Recipient
		admit bool
	}{
		{"message in viewable channel", s.Audience("MESSAGE_CREATE", 12, 0), rcpt(uA, messages), true},
		{"message without view", s.Audience("MESSAGE_CREATE", 12, 0), rcpt(uPlain, messages), false},
		{"message without intent", s.Audience("MESSAGE_CREATE", 12, 0), rcpt(uA, guilds), false},
		{"message to a non-member", s.Audience("MESSAGE_CREATE", 11, 0), rcpt(uOutside, messages), false},
		{"message in unknown channel", s.Audience("MESSAGE_CREATE", 99, 0), rcpt(uOwner, messages), false},
		{"delete needs view too", s.Audience("MESSAGE_DELETE", 12, 0), rcpt(uPlain, messages), false},
		{"typing needs its intent", s.Audience("TYPING_START", 11, 0), rcpt(uPlain, messages), false},
		{"typing", s.Audience("TYPING_START", 11, 0), rcpt(uPlain, typing), true},
		{"right shard", s.Audience("MESSAGE_CREATE", 11, 0), Recipient{UserID: uPlain, Intents: messages, Shard: 1, NumShards: 4}, true},
		{"wrong shard", s.Audience("MESSAGE_CREATE", 11, 0), Recipient{UserID: uPlain, Intents: messages, Shard: 0, NumShards: 4}, false},
		{"shard 0 of 5", s.Audience("GUILD_UPDATE", 0, 0), Recipient{UserID: uPlain, Intents: guilds, Shard: 0, NumShards: 5}, true},
		{"role event needs GUILDS only", s.Audience("GUILD_ROLE_CREATE", 0, 0), rcpt(uPlain, guilds), true},
		{"role event without GUILDS", s.Audience("GUILD_ROLE_CREATE", 0, 0), rcpt(uPlain, members), false},
		{"member add needs GUILD_MEMBERS", s.Audience("GUILD_MEMBER_ADD", 0, uA), rcpt(uA, guilds), false},
		{"own member update without intent", s.Audience("GUILD_MEMBER_UPDATE", 0, uPlain), rcpt(uPlain, 0), true},
		{"other's member update without intent", s.Audience("GUILD_MEMBER_UPDATE", 0, uPlain), rcpt(uA, guilds), false},
		{"other's member update with intent", s.Audience("GUILD_MEMBER_UPDATE", 0, uPlain), rcpt(uA, members), true},
		{"presence needs GUILD_PRESENCES", s.Audience("PRESENCE_UPDATE", 0, uA), rcpt(uB, guilds|members), false},
		{"presence", s.Audience("PRESENCE_UPDATE", 0, uA), rcpt(uB, presence), true},
		{"channel create needs view", s.Audience("CHANNEL_CREATE", 12, 0), rcpt(uPlain, guilds), false},
		{"channel create", s.Audience("CHANNEL_CREATE", 12, 0), rcpt(uAB, guilds), true},
		{"deleted channel by value", s.ChannelAudience("CHANNEL_DELETE", deleted, 0), rcpt(uA, guilds), true},
		{"deleted channel by value, no view", s.ChannelAudience("CHANNEL_DELETE", deleted, 0), rcpt(uPlain, guilds), false},
		{"unknown event", s.Audience("SOMETHING_NEW", 0, 0), rcpt(uOwner, protocol.IntentsAll), false},
		{"chunk needs no intent", s.Audience("GUILD_MEMBERS_CHUNK", 0, 0), rcpt(uPlain, 0), true},
	}
	for _, tc := range cases {
		if got := tc.aud.Admits(tc.r); got != tc.admit {
			t.Errorf("%s: admits %v want %v", tc.name, got, tc.admit)
		}
	}
}

func TestEventIntentTable(t *testing.T) {
	want := map[string]uint64{
		"GUILD_UPDATE": protocol.IntentGuilds, "CHANNEL_UPDATE": protocol.IntentGuilds,
		"GUILD_ROLE_DELETE": protocol.IntentGuilds, "GUILD_MEMBER_REMOVE": protocol.IntentGuildMembers,
		"MESSAGE_UPDATE": protocol.IntentGuildMessages, "TYPING_START": protocol.IntentGuildMessageTyping,
		"PRESENCE_UPDATE": protocol.IntentGuildPresences,
	}
	for ev, w := range want {
		if got, ok := EventIntent(ev); !ok || got != w {
			t.Errorf("%s: intent %d known %v, want %d", ev, got, ok, w)
		}
	}
	if _, ok := EventIntent("READY"); ok {
		t.Error("READY is not a guild event")
	}
	if ChannelScoped("GUILD_MEMBER_ADD") || !ChannelScoped("MESSAGE_DELETE") {
		t.Error("channel scope table wrong")
	}
}
