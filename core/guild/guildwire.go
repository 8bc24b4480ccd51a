package guild

// guildWire is the guild object GUILD_UPDATE and GUILD_CREATE share: the
// record's settings under Discord's names, its roles, and the nullable
// and empty fields client libraries look for.
type guildWire struct {
	Guild
	Roles                    []*Role    `json:"roles"`
	Emojis                   []struct{} `json:"emojis"`
	Stickers                 []struct{} `json:"stickers"`
	Splash                   *string    `json:"splash"`
	DiscoverySplash          *string    `json:"discovery_splash"`
	Banner                   *string    `json:"banner"`
	ApplicationID            *string    `json:"application_id"`
	RulesChannelID           *string    `json:"rules_channel_id"`
	PublicUpdatesChannelID   *string    `json:"public_updates_channel_id"`
	SafetyAlertsChannelID    *string    `json:"safety_alerts_channel_id"`
	VanityURLCode            *string    `json:"vanity_url_code"`
	PremiumSubscriptionCount int        `json:"premium_subscription_count"`
	MaxMembers               int        `json:"max_members"`
	MaxVideoChannelUsers     int        `json:"max_video_channel_users"`
}

// maxMembers is what gatehouse reports as a guild's member cap.
const maxMembers = 1_000_000

func (s *State) guildWire() guildWire {
	g := s.guild
	if g.Features == nil {
		g.Features = []string{}
	}
	return guildWire{Guild: g, Roles: s.Roles(), Emojis: []struct{}{}, Stickers: []struct{}{},
		MaxMembers: maxMembers, MaxVideoChannelUsers: 25}
}
