package corpus

// READY and GUILD_CREATE: the large messages at the start of a session.

type jsonReady struct {
	V                    int               `json:"v"`
	UserSettingsProto    string            `json:"user_settings_proto"`
	User                 jsonSelf          `json:"user"`
	Guilds               []jsonUnavailable `json:"guilds"`
	Relationships        []jsonRelation    `json:"relationships"`
	PrivateChannels      []jsonDM          `json:"private_channels"`
	SessionID            string            `json:"session_id"`
	SessionType          string            `json:"session_type"`
	ResumeGatewayURL     string            `json:"resume_gateway_url"`
	GeoOrderedRTCRegions []string          `json:"geo_ordered_rtc_regions"`
	CountryCode          string            `json:"country_code"`
	AnalyticsToken       string            `json:"analytics_token"`
	AuthSessionIDHash    string            `json:"auth_session_id_hash"`
	Shard                [2]int            `json:"shard"`
	Application          *jsonApplication  `json:"application,omitempty"`
}

type jsonSelf struct {
	jsonUser
	Verified    bool    `json:"verified"`
	MFAEnabled  bool    `json:"mfa_enabled"`
	Email       *string `json:"email"`
	Phone       *string `json:"phone"`
	PremiumType int     `json:"premium_type"`
	Locale      string  `json:"locale"`
	NSFWAllowed bool    `json:"nsfw_allowed"`
}

type jsonUnavailable struct {
	ID          string `json:"id"`
	Unavailable bool   `json:"unavailable"`
}

type jsonRelation struct {
	ID       string   `json:"id"`
	Type     int      `json:"type"`
	Nickname *string  `json:"nickname"`
	User     jsonUser `json:"user"`
	Since    string   `json:"since"`
}

type jsonDM struct {
	Type          int      `json:"type"`
	RecipientIDs  []string `json:"recipient_ids"`
	LastMessageID string   `json:"last_message_id"`
	ID            string   `json:"id"`
	Flags         int      `json:"flags"`
	IsSpam        bool     `json:"is_spam"`
}

type jsonApplication struct {
	ID    string `json:"id"`
	Flags int    `json:"flags"`
}

func (w *world) ready() jsonReady {
	r := w.r
	email := w.self.username + "@example.com"
	rd := jsonReady{
		V: 10, UserSettingsProto: base62(r, 180),
		User:      jsonSelf{jsonUser: w.jsonUser(w.self), Verified: true, Email: &email, PremiumType: 2, Locale: "en-GB", NSFWAllowed: true},
		SessionID: hexString(r, 32), SessionType: "normal", ResumeGatewayURL: "ws://gw-eu-1.gatehouse.example:8080",
		GeoOrderedRTCRegions: []string{"rotterdam", "frankfurt", "milan", "stockholm", "madrid"},
		CountryCode:          "DE", AnalyticsToken: base62(r, 96), AuthSessionIDHash: base62(r, 43), Shard: [2]int{0, 1},
	}
	for _, g := range w.guilds {
		rd.Guilds = append(rd.Guilds, jsonUnavailable{ID: g.id, Unavailable: true})
	}
	for range 50 + r.IntN(40) {
		u := w.users[skewed(r, len(w.users))]
		rd.Relationships = append(rd.Relationships, jsonRelation{ID: u.id, Type: 1, User: w.jsonUser(u), Since: isoTime(w.past(4, 0.1))})
	}
	for range 20 + r.IntN(20) {
		u := w.users[skewed(r, len(w.users))]
		rd.PrivateChannels = append(rd.PrivateChannels, jsonDM{Type: 1, RecipientIDs: []string{u.id}, LastMessageID: w.idAt(w.past(0.5, 0)), ID: w.idAt(w.past(3, 0.5))})
	}
	return rd
}

type jsonGuildCreate struct {
	ID                          string         `json:"id"`
	Name                        string         `json:"name"`
	Icon                        *string        `json:"icon"`
	Description                 *string        `json:"description"`
	OwnerID                     string         `json:"owner_id"`
	Roles                       []jsonRole     `json:"roles"`
	Emojis                      []jsonEmoji    `json:"emojis"`
	Channels                    []jsonChannel  `json:"channels"`
	Threads                     []json0        `json:"threads"`
	Members                     []jsonMember   `json:"members"`
	Presences                   []jsonPresence `json:"presences"`
	VoiceStates                 []json0        `json:"voice_states"`
	MemberCount                 int            `json:"member_count"`
	Large                       bool           `json:"large"`
	JoinedAt                    string         `json:"joined_at"`
	Features                    []string       `json:"features"`
	AFKTimeout                  int            `json:"afk_timeout"`
	AFKChannelID                *string        `json:"afk_channel_id"`
	MFALevel                    int            `json:"mfa_level"`
	VerificationLevel           int            `json:"verification_level"`
	DefaultMessageNotifications int            `json:"default_message_notifications"`
	ExplicitContentFilter       int            `json:"explicit_content_filter"`
	NSFWLevel                   int            `json:"nsfw_level"`
	PreferredLocale             string         `json:"preferred_locale"`
	PremiumTier                 int            `json:"premium_tier"`
	PremiumSubscriptionCount    int            `json:"premium_subscription_count"`
	PremiumProgressBarEnabled   bool           `json:"premium_progress_bar_enabled"`
	SystemChannelID             string         `json:"system_channel_id"`
	SystemChannelFlags          int            `json:"system_channel_flags"`
	RulesChannelID              *string        `json:"rules_channel_id"`
	VanityURLCode               *string        `json:"vanity_url_code"`
	MaxMembers                  int            `json:"max_members"`
	Lazy                        bool           `json:"lazy"`
	Unavailable                 bool           `json:"unavailable"`
}

// largeSend is how many online members a large guild's GUILD_CREATE
// carries; the rest the client loads through the member list (op 14).
const largeSend = 120

func (w *world) guildCreate(g *guild) jsonGuildCreate {
	r := w.r
	icon := hexString(r, 32)
	gc := jsonGuildCreate{
		ID: g.id, Name: g.name, Icon: &icon, OwnerID: g.ownerID, Roles: g.roles, Emojis: g.emojis,
		Channels: g.channels, Threads: []json0{}, VoiceStates: []json0{}, Members: []jsonMember{}, Presences: []jsonPresence{},
		MemberCount: g.memberCount, Large: g.memberCount > 250, JoinedAt: g.joinedAt,
		Features:   []string{"COMMUNITY", "NEWS", "INVITE_SPLASH", "ANIMATED_ICON", "ROLE_ICONS", "SOUNDBOARD", "THREADS_ENABLED"}[:3+r.IntN(5)],
		AFKTimeout: 300, VerificationLevel: 1 + r.IntN(3), ExplicitContentFilter: 2, PreferredLocale: "en-US",
		PremiumTier: r.IntN(4), PremiumSubscriptionCount: r.IntN(40), SystemChannelID: g.channels[1].ID,
		MaxMembers: 500000, Lazy: true,
	}
	if g.memberCount > 1000 {
		d := "A friendly place to hang out, play games and share art. Read #rules first! 🐸"
		gc.Description = &d
		gc.RulesChannelID = &g.channels[1].ID
	}
	for _, m := range g.members {
		if gc.Large && (m.u.status == "offline" || len(gc.Members) >= largeSend) && m.u != w.self {
			continue
		}
		gc.Members = append(gc.Members, w.jsonMember(m, true))
		if m.u.status != "offline" {
			gc.Presences = append(gc.Presences, w.presence(m.u, ""))
		}
	}
	return gc
}
