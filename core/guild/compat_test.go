package guild_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/disgoorg/disgo/discord"
	"github.com/disgoorg/disgo/gateway"

	"gatehouse/core/guild"
	"gatehouse/core/protocol"
)

// These tests decode gatehouse's payloads with unmodified client libraries
// (discordgo and disgo, through encoding/json as they do) and check that
// the fields arrive.

func ptr[T any](v T) *T { return &v }

func compatState() *guild.State {
	const gid = 81384788765712384
	g := guild.Guild{ID: gid, Name: "compat", OwnerID: 1, AFKTimeout: 300, VerificationLevel: 1,
		PreferredLocale: "en-US", PremiumProgressBarEnabled: true, SystemChannelFlags: 4,
		Features: []string{"COMMUNITY"}, SystemChannelID: ptr(protocol.Snowflake(11))}
	roles := []guild.Role{
		{ID: gid, Name: "@everyone", Permissions: protocol.PermViewChannel | protocol.PermSendMessages},
		{ID: 201, Name: "mods", Permissions: protocol.PermAdministrator, Position: 1, Hoist: true, Color: 0xff0000},
	}
	channels := []guild.Channel{
		{ID: 11, Type: guild.ChannelText, Name: "general", Topic: ptr("hi")},
		{ID: 12, Type: guild.ChannelText, Name: "secret", Position: 1, PermissionOverwrites: []guild.Overwrite{
			{ID: gid, Type: guild.OverwriteRole, Deny: protocol.PermViewChannel},
			{ID: 3, Type: guild.OverwriteMember, Allow: protocol.PermViewChannel},
		}},
		{ID: 13, Type: guild.ChannelCategory, Name: "cat", Position: 2},
		{ID: 14, Type: guild.ChannelVoice, Name: "voice", Position: 3, ParentID: ptr(protocol.Snowflake(13))},
		{ID: 15, Type: guild.ThreadPublic, Name: "thread", ParentID: ptr(protocol.Snowflake(11))},
	}
	members := []guild.Member{
		{UserID: 1, JoinedAt: "2020-01-01T00:00:00+00:00"},
		{UserID: 2, Nick: ptr("nick2"), Roles: []protocol.Snowflake{201}, JoinedAt: "2021-02-03T04:05:06.789+00:00"},
		{UserID: 3, JoinedAt: "2022-01-01T00:00:00.000000+00:00"},
	}
	return guild.NewState(g, roles, channels, members, 1)
}

func compatUsers(id protocol.Snowflake) *guild.User {
	return &guild.User{ID: id, Username: "u" + id.String(), GlobalName: ptr("U"), PrivilegedIntents: protocol.IntentsPrivileged}
}

func compatPresence(id protocol.Snowflake) (json.RawMessage, bool) {
	if id == 3 {
		return nil, false
	}
	b, _ := guild.PresenceUpdate(0, id, "idle", json.RawMessage(`[{"name":"x","type":0}]`), json.RawMessage(`{"desktop":"idle"}`))
	return b, true
}

func compatGuildCreate(t *testing.T, uid protocol.Snowflake) []byte {
	t.Helper()
	b, err := guild.GuildCreate(compatState(), guild.GuildCreateOptions{UserID: uid,
		Intents: protocol.IntentGuilds | protocol.IntentGuildPresences, Users: compatUsers, Presence: compatPresence})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestDiscordgoGuildCreate(t *testing.T) {
	var g discordgo.Guild
	if err := json.Unmarshal(compatGuildCreate(t, 3), &g); err != nil {
		t.Fatalf("discordgo: %v", err)
	}
	if g.ID != "81384788765712384" || g.Name != "compat" || g.OwnerID != "1" || g.MemberCount != 3 || g.Large ||
		g.AfkTimeout != 300 || g.VerificationLevel != 1 || g.PreferredLocale != "en-US" || g.SystemChannelID != "11" ||
		len(g.Features) != 1 || g.Unavailable {
		t.Fatalf("guild fields: %+v", g)
	}
	if want := time.Date(2022, 1, 1, 0, 0, 0, 0, time.UTC); !g.JoinedAt.Equal(want) {
		t.Fatalf("joined_at %v", g.JoinedAt)
	}
	if len(g.Roles) != 2 || g.Roles[1].ID != "201" || g.Roles[1].Permissions != int64(protocol.PermAdministrator) || !g.Roles[1].Hoist {
		t.Fatalf("roles %+v", g.Roles[1])
	}
	// user 3 sees 12 through a member overwrite; 15 is a thread
	if len(g.Channels) != 4 || g.Channels[1].ID != "12" || len(g.Channels[1].PermissionOverwrites) != 2 ||
		g.Channels[1].PermissionOverwrites[0].Deny != int64(protocol.PermViewChannel) ||
		g.Channels[1].PermissionOverwrites[1].Type != discordgo.PermissionOverwriteTypeMember ||
		g.Channels[3].ParentID != "13" || g.Channels[0].Topic != "hi" || g.Channels[0].GuildID != g.ID {
		t.Fatalf("channels %+v", g.Channels)
	}
	if len(g.Threads) != 1 || g.Threads[0].ID != "15" {
		t.Fatalf("threads %+v", g.Threads)
	}
	if len(g.Members) != 3 || g.Members[1].User.ID != "2" || g.Members[1].Nick != "nick2" ||
		g.Members[1].Roles[0] != "201" || g.Members[1].User.Username != "u2" || g.Members[1].JoinedAt.Nanosecond() != 789000000 {
		t.Fatalf("members %+v", g.Members[1])
	}
	if len(g.Presences) != 2 || g.Presences[0].User.ID != "1" || g.Presences[0].Status != discordgo.StatusIdle ||
		len(g.Presences[0].Activities) != 1 || g.Presences[0].ClientStatus.Desktop != discordgo.StatusIdle {
		t.Fatalf("presences %+v", g.Presences)
	}

	// user 1 is the owner: sees 12 too; user 2 (admin) as well
	var g2 discordgo.Guild
	if err := json.Unmarshal(compatGuildCreate(t, 2), &g2); err != nil || len(g2.Channels) != 4 {
		t.Fatalf("admin: %v %d channels", err, len(g2.Channels))
	}
}

func TestDisgoGuildCreate(t *testing.T) {
	var g discord.GatewayGuild
	if err := json.Unmarshal(compatGuildCreate(t, 3), &g); err != nil {
		t.Fatalf("disgo: %v", err)
	}
	if g.ID != 81384788765712384 || g.Name != "compat" || g.OwnerID != 1 || g.MemberCount != 3 ||
		!g.PremiumProgressBarEnabled || g.SystemChannelFlags != 4 || g.JoinedAt.Year() != 2022 {
		t.Fatalf("guild fields: %+v", g.Guild)
	}
	if len(g.Roles) != 2 || g.Roles[1].Permissions != discord.Permissions(protocol.PermAdministrator) {
		t.Fatalf("roles %+v", g.Roles)
	}
	if len(g.Channels) != 4 || g.Channels[1].ID() != 12 || len(g.Channels[1].PermissionOverwrites()) != 2 {
		t.Fatalf("channels %+v", g.Channels)
	}
	if len(g.Threads) != 1 || len(g.Members) != 3 || g.Members[1].User.ID != 2 || *g.Members[1].Nick != "nick2" ||
		len(g.Presences) != 2 || g.Presences[1].Status != discord.OnlineStatusIdle {
		t.Fatalf("threads %d members %+v presences %+v", len(g.Threads), g.Members, g.Presences)
	}
}

func compatChunk(t *testing.T) []byte {
	t.Helper()
	var out []byte
	err := guild.MembersChunks(compatState(), guild.ChunkRequest{UserIDs: []protocol.Snowflake{1, 2, 42}, Presences: true, Nonce: "abc"},
		compatUsers, compatPresence, func(d []byte) error { out = d; return nil })
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestDiscordgoMembersChunk(t *testing.T) {
	var c discordgo.GuildMembersChunk
	if err := json.Unmarshal(compatChunk(t), &c); err != nil {
		t.Fatalf("discordgo: %v", err)
	}
	if c.GuildID != "81384788765712384" || c.ChunkIndex != 0 || c.ChunkCount != 1 || c.Nonce != "abc" ||
		len(c.Members) != 2 || len(c.NotFound) != 1 || c.NotFound[0] != "42" || len(c.Presences) != 2 ||
		c.Members[0].User == nil || c.Members[0].JoinedAt.IsZero() {
		t.Fatalf("chunk %+v", c)
	}
}

func TestDisgoMembersChunk(t *testing.T) {
	var c gateway.EventGuildMembersChunk
	if err := json.Unmarshal(compatChunk(t), &c); err != nil {
		t.Fatalf("disgo: %v", err)
	}
	if c.GuildID != 81384788765712384 || len(c.Members) != 2 || len(c.NotFound) != 1 || c.NotFound[0] != 42 ||
		len(c.Presences) != 2 || c.Nonce != "abc" {
		t.Fatalf("chunk %+v", c)
	}
}

func TestDiscordgoEvents(t *testing.T) {
	s := compatState()
	gid := s.ID()
	m, _ := s.Member(2)
	u := compatUsers(2)
	role, _ := s.Role(201)
	ch, _ := s.Channel(12)
	decode := func(name string, b []byte, err error, v any) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: build: %v", name, err)
		}
		if err := json.Unmarshal(b, v); err != nil {
			t.Fatalf("%s: discordgo: %v\n%s", name, err, b)
		}
	}

	var add discordgo.Member
	b, err := guild.MemberAdd(gid, &m, u)
	decode("GUILD_MEMBER_ADD", b, err, &add)
	if add.GuildID != gid.String() || add.User.ID != "2" || add.Nick != "nick2" || add.Roles[0] != "201" {
		t.Errorf("member add %+v", add)
	}
	var rm discordgo.GuildMemberRemove
	b, err = guild.MemberRemove(gid, 2, u)
	decode("GUILD_MEMBER_REMOVE", b, err, &rm)
	if rm.Member == nil || rm.GuildID != gid.String() || rm.User.ID != "2" {
		t.Errorf("member remove %+v", rm)
	}
	var rc discordgo.GuildRole
	b, err = guild.RoleEvent(gid, role)
	decode("GUILD_ROLE_CREATE", b, err, &rc)
	if rc.GuildID != gid.String() || rc.Role.ID != "201" || rc.Role.Permissions != int64(protocol.PermAdministrator) {
		t.Errorf("role event %+v", rc)
	}
	var rd discordgo.GuildRoleDelete
	b, err = guild.RoleDelete(gid, 201)
	decode("GUILD_ROLE_DELETE", b, err, &rd)
	if rd.RoleID != "201" || rd.GuildID != gid.String() {
		t.Errorf("role delete %+v", rd)
	}
	var cc discordgo.Channel
	b, err = guild.ChannelJSON(ch, gid)
	decode("CHANNEL_CREATE", b, err, &cc)
	if cc.ID != "12" || cc.GuildID != gid.String() || len(cc.PermissionOverwrites) != 2 {
		t.Errorf("channel %+v", cc)
	}
	var md discordgo.Message
	b, err = guild.MessageDelete(900, 12, gid)
	decode("MESSAGE_DELETE", b, err, &md)
	if md.ID != "900" || md.ChannelID != "12" || md.GuildID != gid.String() {
		t.Errorf("message delete %+v", md)
	}
	var ts discordgo.TypingStart
	b, err = guild.TypingStart(12, gid, 2, 1700000000, &m, u)
	decode("TYPING_START", b, err, &ts)
	if ts.UserID != "2" || ts.ChannelID != "12" || ts.Timestamp != 1700000000 {
		t.Errorf("typing %+v", ts)
	}
	var pu discordgo.PresenceUpdate
	b, err = guild.PresenceUpdate(gid, 2, "invisible", nil, nil)
	decode("PRESENCE_UPDATE", b, err, &pu)
	if pu.User.ID != "2" || pu.GuildID != gid.String() || pu.Status != discordgo.StatusOffline {
		t.Errorf("presence %+v", pu)
	}
	var gd discordgo.Guild
	b, err = guild.GuildDelete(gid, false)
	decode("GUILD_DELETE", b, err, &gd)
	if gd.ID != gid.String() || gd.Unavailable {
		t.Errorf("guild delete %+v", gd)
	}
	var gu discordgo.Guild
	b, err = guild.GuildUpdate(s)
	decode("GUILD_UPDATE", b, err, &gu)
	if gu.Name != "compat" || len(gu.Roles) != 2 {
		t.Errorf("guild update %+v", gu)
	}
}
