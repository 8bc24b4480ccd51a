package protocol

// Hello is op 10's d.
type Hello struct {
	HeartbeatInterval int `json:"heartbeat_interval"`
}

// IdentifyProperties is Identify's connection properties.
type IdentifyProperties struct {
	OS      string `json:"os"`
	Browser string `json:"browser"`
	Device  string `json:"device"`
}

// Identify is op 2's d.
type Identify struct {
	Token          string              `json:"token"`
	Properties     *IdentifyProperties `json:"properties"`
	Compress       bool                `json:"compress"`
	LargeThreshold int                 `json:"large_threshold"`
	Shard          []int               `json:"shard"`
	Presence       *PresenceUpdate     `json:"presence"`
	Intents        *uint64             `json:"intents"`
}

// Resume is op 6's d.
type Resume struct {
	Token     string `json:"token"`
	SessionID string `json:"session_id"`
	Seq       uint64 `json:"seq"`
}

// Activity is a presence activity, kept as the client sent it apart from
// the fields the gateway needs.
type Activity struct {
	Name  string `json:"name"`
	Type  int    `json:"type"`
	URL   string `json:"url,omitempty"`
	State string `json:"state,omitempty"`
}

// PresenceUpdate is op 3's d (and Identify's presence).
type PresenceUpdate struct {
	Since      *int64     `json:"since"`
	Activities []Activity `json:"activities"`
	Status     string     `json:"status"`
	AFK        bool       `json:"afk"`
}

// User is the gateway's user object.
type User struct {
	ID            string  `json:"id"`
	Username      string  `json:"username"`
	Discriminator string  `json:"discriminator"`
	GlobalName    *string `json:"global_name"`
	Avatar        *string `json:"avatar"`
	Bot           bool    `json:"bot"`
	MFAEnabled    bool    `json:"mfa_enabled"`
	Verified      bool    `json:"verified"`
	Flags         int     `json:"flags"`
	PublicFlags   int     `json:"public_flags"`
}

// UnavailableGuild is READY's guild stub.
type UnavailableGuild struct {
	ID          string `json:"id"`
	Unavailable bool   `json:"unavailable"`
}

// Application is READY's application object.
type Application struct {
	ID    string `json:"id"`
	Flags int    `json:"flags"`
}

// Ready is READY's d.
type Ready struct {
	V                int                `json:"v"`
	User             User               `json:"user"`
	Guilds           []UnavailableGuild `json:"guilds"`
	SessionID        string             `json:"session_id"`
	ResumeGatewayURL string             `json:"resume_gateway_url"`
	Shard            []int              `json:"shard,omitempty"`
	Application      Application        `json:"application"`
	PrivateChannels  []struct{}         `json:"private_channels"`
	Relationships    []struct{}         `json:"relationships"`
	UserSettings     struct{}           `json:"user_settings"`
	SessionType      string             `json:"session_type"`
	GeoOrderedRTC    []string           `json:"geo_ordered_rtc_regions"`
}
