package corpus

// The JSON shapes below follow what Discord's gateway sends (API v10), field
// order included where it is stable. Pointer fields without omitempty are
// the ones Discord sends as null.

type jsonUser struct {
	ID                   string          `json:"id"`
	Username             string          `json:"username"`
	Avatar               *string         `json:"avatar"`
	Discriminator        string          `json:"discriminator"`
	PublicFlags          int             `json:"public_flags"`
	Flags                int             `json:"flags"`
	Bot                  bool            `json:"bot,omitempty"`
	Banner               *string         `json:"banner"`
	AccentColor          *int            `json:"accent_color"`
	GlobalName           *string         `json:"global_name"`
	AvatarDecorationData *jsonDecoration `json:"avatar_decoration_data"`
	Collectibles         *json0          `json:"collectibles"`
	DisplayNameStyles    *json0          `json:"display_name_styles"`
	BannerColor          *string         `json:"banner_color"`
	Clan                 *jsonPrimaryTag `json:"clan"`
	PrimaryGuild         *jsonPrimaryTag `json:"primary_guild"`
}

// json0 is a field that is always null in the corpus.
type json0 struct{}

type jsonDecoration struct {
	Asset     string `json:"asset"`
	SkuID     string `json:"sku_id"`
	ExpiresAt *int64 `json:"expires_at"`
}

type jsonPrimaryTag struct {
	IdentityGuildID string `json:"identity_guild_id"`
	IdentityEnabled bool   `json:"identity_enabled"`
	Tag             string `json:"tag"`
	Badge           string `json:"badge"`
}

type jsonMember struct {
	User                       *jsonUser     `json:"user,omitempty"`
	Avatar                     *string       `json:"avatar"`
	Banner                     *string       `json:"banner"`
	CommunicationDisabledUntil *string       `json:"communication_disabled_until"`
	Deaf                       bool          `json:"deaf"`
	Flags                      int           `json:"flags"`
	JoinedAt                   string        `json:"joined_at"`
	Mute                       bool          `json:"mute"`
	Nick                       *string       `json:"nick"`
	Pending                    bool          `json:"pending"`
	PremiumSince               *string       `json:"premium_since"`
	Roles                      []string      `json:"roles"`
	UnusualDMActivityUntil     *string       `json:"unusual_dm_activity_until"`
	Presence                   *jsonPresence `json:"presence,omitempty"`
}

type jsonRole struct {
	ID           string         `json:"id"`
	Name         string         `json:"name"`
	Description  *string        `json:"description"`
	Permissions  string         `json:"permissions"`
	Position     int            `json:"position"`
	Color        int            `json:"color"`
	Colors       jsonRoleColors `json:"colors"`
	Hoist        bool           `json:"hoist"`
	Managed      bool           `json:"managed"`
	Mentionable  bool           `json:"mentionable"`
	Icon         *string        `json:"icon"`
	UnicodeEmoji *string        `json:"unicode_emoji"`
	Flags        int            `json:"flags"`
}

type jsonRoleColors struct {
	PrimaryColor   int  `json:"primary_color"`
	SecondaryColor *int `json:"secondary_color"`
	TertiaryColor  *int `json:"tertiary_color"`
}

type jsonOverwrite struct {
	ID    string `json:"id"`
	Type  int    `json:"type"`
	Allow string `json:"allow"`
	Deny  string `json:"deny"`
}

type jsonChannel struct {
	ID                   string          `json:"id"`
	Type                 int             `json:"type"`
	Name                 string          `json:"name"`
	Position             int             `json:"position"`
	ParentID             *string         `json:"parent_id"`
	Topic                *string         `json:"topic,omitempty"`
	NSFW                 bool            `json:"nsfw"`
	RateLimitPerUser     int             `json:"rate_limit_per_user"`
	LastMessageID        *string         `json:"last_message_id,omitempty"`
	Bitrate              int             `json:"bitrate,omitempty"`
	UserLimit            *int            `json:"user_limit,omitempty"`
	RTCRegion            *string         `json:"rtc_region,omitempty"`
	Flags                int             `json:"flags"`
	PermissionOverwrites []jsonOverwrite `json:"permission_overwrites"`
	IconEmoji            *jsonEmoji      `json:"icon_emoji,omitempty"`
	ThemeColor           *int            `json:"theme_color"`
	Version              int64           `json:"version"`
}

type jsonEmoji struct {
	ID       *string `json:"id"`
	Name     string  `json:"name"`
	Animated bool    `json:"animated,omitempty"`
}

type jsonPresence struct {
	User         jsonUserID       `json:"user"`
	Status       string           `json:"status"`
	ClientStatus jsonClientStatus `json:"client_status"`
	Broadcast    *json0           `json:"broadcast"`
	Activities   []jsonActivity   `json:"activities"`
	GuildID      string           `json:"guild_id,omitempty"`
}

type jsonUserID struct {
	ID string `json:"id"`
}

type jsonClientStatus struct {
	Desktop string `json:"desktop,omitempty"`
	Mobile  string `json:"mobile,omitempty"`
	Web     string `json:"web,omitempty"`
}

type jsonActivity struct {
	Type          int             `json:"type"`
	State         string          `json:"state,omitempty"`
	Name          string          `json:"name"`
	ID            string          `json:"id"`
	Emoji         *jsonEmoji      `json:"emoji,omitempty"`
	Flags         int             `json:"flags,omitempty"`
	SyncID        string          `json:"sync_id,omitempty"`
	SessionID     string          `json:"session_id,omitempty"`
	Details       string          `json:"details,omitempty"`
	Timestamps    *jsonTimestamps `json:"timestamps,omitempty"`
	Assets        *jsonAssets     `json:"assets,omitempty"`
	Party         *jsonParty      `json:"party,omitempty"`
	ApplicationID string          `json:"application_id,omitempty"`
	CreatedAt     int64           `json:"created_at"`
}

type jsonTimestamps struct {
	Start int64 `json:"start,omitempty"`
	End   int64 `json:"end,omitempty"`
}

type jsonAssets struct {
	LargeImage string `json:"large_image,omitempty"`
	LargeText  string `json:"large_text,omitempty"`
	SmallImage string `json:"small_image,omitempty"`
	SmallText  string `json:"small_text,omitempty"`
}

type jsonParty struct {
	ID   string `json:"id"`
	Size []int  `json:"size,omitempty"`
}

type jsonMessage struct {
	Type             int              `json:"type"`
	Content          string           `json:"content"`
	Mentions         []jsonMention    `json:"mentions"`
	MentionRoles     []string         `json:"mention_roles"`
	Attachments      []jsonAttachment `json:"attachments"`
	Embeds           []jsonEmbed      `json:"embeds"`
	Timestamp        string           `json:"timestamp"`
	EditedTimestamp  *string          `json:"edited_timestamp"`
	Flags            int              `json:"flags"`
	Components       []json0          `json:"components"`
	ID               string           `json:"id"`
	ChannelID        string           `json:"channel_id"`
	Author           jsonUser         `json:"author"`
	Pinned           bool             `json:"pinned"`
	MentionEveryone  bool             `json:"mention_everyone"`
	TTS              bool             `json:"tts"`
	Nonce            string           `json:"nonce,omitempty"`
	MessageReference *jsonMessageRef  `json:"message_reference,omitempty"`
	Member           *jsonMember      `json:"member,omitempty"`
	GuildID          string           `json:"guild_id,omitempty"`
}

// jsonMention is a mentioned user with their member object inline.
type jsonMention struct {
	jsonUser
	Member jsonMember `json:"member"`
}

type jsonMessageRef struct {
	Type      int    `json:"type"`
	ChannelID string `json:"channel_id"`
	MessageID string `json:"message_id"`
	GuildID   string `json:"guild_id"`
}

type jsonAttachment struct {
	ID          string `json:"id"`
	Filename    string `json:"filename"`
	Size        int    `json:"size"`
	URL         string `json:"url"`
	ProxyURL    string `json:"proxy_url"`
	Width       int    `json:"width,omitempty"`
	Height      int    `json:"height,omitempty"`
	ContentType string `json:"content_type"`
	Placeholder string `json:"placeholder,omitempty"`
}

type jsonEmbed struct {
	Type               string          `json:"type"`
	URL                string          `json:"url"`
	Title              string          `json:"title,omitempty"`
	Description        string          `json:"description,omitempty"`
	Color              int             `json:"color,omitempty"`
	Provider           *jsonProvider   `json:"provider,omitempty"`
	Thumbnail          *jsonEmbedImage `json:"thumbnail,omitempty"`
	ContentScanVersion int             `json:"content_scan_version"`
}

type jsonProvider struct {
	Name string `json:"name"`
	URL  string `json:"url,omitempty"`
}

type jsonEmbedImage struct {
	URL         string `json:"url"`
	ProxyURL    string `json:"proxy_url"`
	Width       int    `json:"width"`
	Height      int    `json:"height"`
	Placeholder string `json:"placeholder"`
	Flags       int    `json:"flags"`
}
