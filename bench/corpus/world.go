package corpus

import (
	"math/rand/v2"
	"slices"
	"strings"
)

// world is everything the session can see: the user pool, the guilds and
// the clock. Events are drawn from it so names and ids repeat as they do on
// a real connection.
type world struct {
	r      *rand.Rand
	now    int64 // ms, advances with every event
	inc    uint64
	self   *user
	users  []*user // the pool; low indices are the most active
	guilds []*guild
	main   *guild // the busy community server most traffic comes from
}

type user struct {
	id, username string
	global       *string
	avatar       *string
	publicFlags  int
	bot          bool
	deco         *jsonDecoration
	tag          *jsonPrimaryTag
	status       string // online, idle, dnd, offline
	client       jsonClientStatus
	activities   []jsonActivity
}

type member struct {
	u       *user
	nick    *string
	roles   []string // role ids, highest first
	joined  string
	premium *string
	avatar  *string
}

type guild struct {
	id, name    string
	ownerID     string
	roles       []jsonRole // position order, @everyone first
	hoisted     []string   // hoisted role ids, highest first
	channels    []jsonChannel
	text        []string // ids of text channels that get messages
	members     []*member
	byUser      map[*user]*member
	memberCount int
	emojis      []jsonEmoji
	recent      map[string][]*jsonMessage // channel id → last messages
	list        *memberList               // main guild only
	joinedAt    string
}

const (
	poolSize    = 3000
	mainKnown   = 2600  // pool users who are members of the main guild
	mainMembers = 48213 // the main guild's member_count
)

func newWorld(r *rand.Rand) *world {
	w := &world{r: r, now: start}
	w.self = w.newUser(false)
	w.self.status = "online"
	for range poolSize {
		w.users = append(w.users, w.newUser(r.IntN(40) == 0))
	}
	w.main = w.newGuild("Frog Café 🐸 | Gaming & Chill", w.users[:mainKnown], mainMembers, 48, 64)
	w.main.list = newMemberList(w.main)
	w.guilds = append(w.guilds, w.main)
	for _, name := range []string{"Rust Gamedev 🦀", "ゲーム部 Game Club", "Lo-fi Study Room ☕"} {
		w.guilds = append(w.guilds, w.newSmallGuild(name, 40+r.IntN(80)))
	}
	for _, name := range []string{"the group chat™", "Family 🏡"} {
		w.guilds = append(w.guilds, w.newSmallGuild(name, 6+r.IntN(30)))
	}
	return w
}

// id makes a fresh snowflake for something created now.
func (w *world) id() string {
	w.inc++
	return snowflake(w.now, w.inc>>12+1, w.inc)
}

// idAt makes a snowflake for something created at a past time.
func (w *world) idAt(ms int64) string {
	w.inc++
	return snowflake(ms, w.inc>>12+1, w.inc)
}

// past returns a time between from and to years before the session.
func (w *world) past(fromYears, toYears float64) int64 {
	const year = 365.25 * 24 * 3600 * 1000
	return w.now - int64((toYears+w.r.Float64()*(fromYears-toYears))*year)
}

func (w *world) newUser(bot bool) *user {
	r := w.r
	u := &user{id: w.idAt(w.past(9, 0.1)), username: username(r), bot: bot}
	w.goOffline(u)
	if !bot {
		if r.IntN(5) != 0 {
			g := displayName(r)
			u.global = &g
		}
		if r.IntN(8) == 0 {
			u.deco = &jsonDecoration{Asset: "a_" + hexString(r, 32), SkuID: w.idAt(w.past(2, 0.1))}
		}
		if r.IntN(12) == 0 {
			tag := strings.ToUpper(pick(r, handleParts))
			tag = tag[:min(4, len(tag))]
			u.tag = &jsonPrimaryTag{IdentityGuildID: w.idAt(w.past(5, 1)), IdentityEnabled: true, Tag: tag, Badge: hexString(r, 32)}
		}
		u.publicFlags = pick(r, []int{0, 0, 0, 64, 128, 256, 4194304})
	} else {
		u.username = pick(r, []string{"MEE6", "Carl-bot", "Dyno", "Dank Memer", "Ticket Tool", "YAGPDB.xyz", "Arcane", "Mudae"})
		u.publicFlags = 65536
	}
	if r.IntN(5) != 0 {
		a := hexString(r, 32)
		if r.IntN(6) == 0 {
			a = "a_" + a
		}
		u.avatar = &a
	}
	if r.IntN(10) < 3 || bot {
		w.goOnline(u)
	}
	return u
}

func (w *world) jsonUser(u *user) jsonUser {
	return jsonUser{
		ID: u.id, Username: u.username, Avatar: u.avatar, Discriminator: "0",
		PublicFlags: u.publicFlags, Flags: u.publicFlags, Bot: u.bot,
		GlobalName: u.global, AvatarDecorationData: u.deco, Clan: u.tag, PrimaryGuild: u.tag,
	}
}

func (w *world) newGuild(name string, users []*user, count, nRoles, nChannels int) *guild {
	r := w.r
	created := w.past(8, 2)
	g := &guild{
		id: w.idAt(created), name: name, memberCount: count,
		byUser: map[*user]*member{}, recent: map[string][]*jsonMessage{},
		joinedAt: isoTime(w.past(2, 0.05)),
	}
	g.ownerID = users[0].id
	w.addRoles(g, nRoles)
	w.addChannels(g, nChannels)
	for range 20 + r.IntN(60) {
		eid := w.idAt(w.past(6, 0.1))
		g.emojis = append(g.emojis, jsonEmoji{ID: &eid, Name: pick(r, customEmoji) + "_" + pick(r, handleParts), Animated: r.IntN(4) == 0})
	}
	for _, u := range users {
		w.addMember(g, u)
	}
	if _, ok := g.byUser[w.self]; !ok {
		w.addMember(g, w.self)
	}
	return g
}

// newSmallGuild is a guild the session belongs to besides the main one; its
// members come from the same pool, so the same people show up in several.
func (w *world) newSmallGuild(name string, n int) *guild {
	users := make([]*user, 0, n)
	seen := map[*user]bool{}
	for len(users) < n {
		u := w.users[skewed(w.r, len(w.users))]
		if !seen[u] {
			seen[u] = true
			users = append(users, u)
		}
	}
	return w.newGuild(name, users, n+1, 4+w.r.IntN(10), 6+w.r.IntN(14))
}

var roleNames = []string{
	"Admin", "Moderator", "Helper", "Server Booster", "Event Team", "Artist", "Streamer", "VIP",
	"Veteran", "Regular", "Member", "Muted", "EU", "NA", "Asia", "he/him", "she/her", "they/them",
	"Minecraft", "Valorant", "League", "Genshin", "Announcements Ping", "Event Ping", "Level 10",
	"Level 20", "Level 30", "Level 50", "🎨 Creative", "🎮 Gamer", "🎵 Music", "📚 Study", "Bots",
}

func (w *world) addRoles(g *guild, n int) {
	r := w.r
	g.roles = append(g.roles, w.role(g.id, "@everyone", 0, "2248473465835073", false))
	for i := 1; i < n; i++ {
		name := roleNames[(i-1)%len(roleNames)]
		if i > len(roleNames) {
			name += " " + pick(r, nameDecor)
		}
		hoist := i <= 6 && name != "Muted"
		perms := pick(r, []string{"0", "1071698660929", "2251804108652543", "8", "1024", "3263488"})
		role := w.role(w.idAt(w.past(6, 0.5)), name, i, perms, hoist)
		g.roles = append(g.roles, role)
	}
	// Hoisted groups in the member list go highest position first.
	for i := len(g.roles) - 1; i > 0; i-- {
		if g.roles[i].Hoist {
			g.hoisted = append(g.hoisted, g.roles[i].ID)
		}
	}
}

func (w *world) role(id, name string, pos int, perms string, hoist bool) jsonRole {
	color := 0
	if pos > 0 {
		color = w.r.IntN(0xffffff)
	}
	return jsonRole{
		ID: id, Name: name, Permissions: perms, Position: pos, Color: color,
		Colors: jsonRoleColors{PrimaryColor: color}, Hoist: hoist, Mentionable: w.r.IntN(3) == 0,
	}
}

var channelNames = []string{
	"welcome", "rules", "announcements", "general", "off-topic", "memes", "media", "introductions",
	"gaming", "lfg", "music", "art", "bot-commands", "suggestions", "support", "clips", "pets",
	"food", "日本語", "español", "deutsch", "русский", "français", "português", "한국어", "dev",
}

func (w *world) addChannels(g *guild, n int) {
	r := w.r
	var category *string
	for i := range n {
		id := w.idAt(w.past(6, 0.2))
		ch := jsonChannel{ID: id, Name: channelNames[i%len(channelNames)], Position: i, Version: w.now - int64(r.IntN(1e9))}
		switch {
		case i%8 == 0:
			ch.Type = 4 // category
			ch.Name = strings.ToUpper(pick(r, []string{"information", "community", "gaming", "voice", "creative", "staff"}))
			category = &ch.ID
		case i%8 == 7:
			ch.Type = 2 // voice
			ch.Name = pick(r, []string{"General", "Gaming", "Chill", "Music", "AFK", "Study"}) + " " + pick(r, nameDecor)
			ch.Bitrate = 64000
			lim := r.IntN(10)
			ch.UserLimit = &lim
			ch.ParentID = category
		default:
			ch.ParentID = category
			if r.IntN(2) == 0 {
				t := strings.Join([]string{pick(r, words), pick(r, words), pick(r, words), pick(r, words)}, " ")
				ch.Topic = &t
			}
			last := w.idAt(w.past(0.05, 0))
			ch.LastMessageID = &last
			if i > 2 {
				g.text = append(g.text, id)
			}
		}
		for range r.IntN(4) {
			role := g.roles[r.IntN(len(g.roles))]
			ch.PermissionOverwrites = append(ch.PermissionOverwrites, jsonOverwrite{
				ID: role.ID, Type: 0, Allow: pick(r, []string{"0", "1024", "3072", "68608"}), Deny: pick(r, []string{"0", "2048", "1024"}),
			})
		}
		if ch.PermissionOverwrites == nil {
			ch.PermissionOverwrites = []jsonOverwrite{}
		}
		g.channels = append(g.channels, ch)
	}
	if len(g.text) == 0 {
		g.text = append(g.text, g.channels[len(g.channels)-1].ID)
	}
}

func (w *world) addMember(g *guild, u *user) *member {
	r := w.r
	m := &member{u: u, joined: isoTime(w.past(5, 0.01))}
	if r.IntN(6) == 0 {
		n := displayName(r)
		m.nick = &n
	}
	nr := r.IntN(5)
	for range nr {
		m.roles = append(m.roles, g.roles[1+r.IntN(len(g.roles)-1)].ID)
	}
	slices.Sort(m.roles)
	m.roles = slices.Compact(m.roles)
	if m.roles == nil {
		m.roles = []string{}
	}
	if r.IntN(15) == 0 {
		p := isoTime(w.past(1, 0.01))
		m.premium = &p
	}
	g.members = append(g.members, m)
	g.byUser[u] = m
	return m
}

func (w *world) jsonMember(m *member, withUser bool) jsonMember {
	jm := jsonMember{
		JoinedAt: m.joined, Nick: m.nick, PremiumSince: m.premium, Roles: m.roles, Avatar: m.avatar,
	}
	if withUser {
		u := w.jsonUser(m.u)
		jm.User = &u
	}
	return jm
}

// goOnline gives u an online status, a client and activities.
func (w *world) goOnline(u *user) {
	r := w.r
	u.status = pick(r, []string{"online", "online", "online", "idle", "dnd"})
	u.client = jsonClientStatus{}
	switch r.IntN(5) {
	case 0:
		u.client.Mobile = u.status
	case 1:
		u.client.Desktop, u.client.Mobile = u.status, u.status
	case 2:
		u.client.Web = u.status
	default:
		u.client.Desktop = u.status
	}
	u.activities = w.activities(u)
}

// goOffline clears u's presence, as Discord shows an offline user.
func (w *world) goOffline(u *user) {
	u.status = "offline"
	u.client = jsonClientStatus{}
	u.activities = []jsonActivity{}
}

// activities makes what a user is doing: a custom status, a game, music.
func (w *world) activities(u *user) []jsonActivity {
	r := w.r
	acts := []jsonActivity{}
	if u.bot {
		return append(acts, jsonActivity{Type: 0, Name: "/help | " + pick(r, []string{"12,345 servers", "dashboard.example.gg"}), ID: "ec0b28a579ecb4bd", CreatedAt: w.now})
	}
	if r.IntN(3) == 0 {
		a := jsonActivity{Type: 4, Name: "Custom Status", ID: "custom", State: pick(r, customStatuses), CreatedAt: w.now - int64(r.IntN(3e7))}
		if r.IntN(2) == 0 {
			a.Emoji = &jsonEmoji{Name: pick(r, nameDecor)}
		}
		acts = append(acts, a)
	}
	if r.IntN(3) == 0 {
		acts = append(acts, w.spotify(u))
	}
	if r.IntN(3) == 0 {
		gm := pick(r, games)
		startAt := w.now - int64(r.IntN(7.2e6))
		a := jsonActivity{Type: 0, Name: gm.name, ID: hexString(r, 16), ApplicationID: gm.appID, CreatedAt: startAt,
			Timestamps: &jsonTimestamps{Start: startAt}}
		if r.IntN(2) == 0 {
			a.Details = pick(r, []string{"Competitive", "In a match", "Exploring", "Editing main.rs", "Ranked Solo/Duo", "Main Menu"})
			a.State = pick(r, []string{"In Game", "Lobby", "Workspace: gatehouse", "Party of 3", "Gold II"})
			a.Assets = &jsonAssets{LargeImage: w.idAt(w.past(3, 1)), LargeText: gm.name}
		}
		acts = append(acts, a)
	}
	return acts
}

func (w *world) spotify(u *user) jsonActivity {
	r := w.r
	startAt := w.now - int64(r.IntN(200000))
	return jsonActivity{
		Type: 2, Name: "Spotify", ID: "spotify:1", Flags: 48,
		SyncID: base62(r, 22), SessionID: hexString(r, 32),
		Details: pick(r, tracks), State: pick(r, artists),
		Timestamps: &jsonTimestamps{Start: startAt, End: startAt + 150000 + int64(r.IntN(120000))},
		Assets:     &jsonAssets{LargeImage: "spotify:ab67616d0000b273" + hexString(r, 24), LargeText: pick(r, tracks)},
		Party:      &jsonParty{ID: "spotify:" + u.id},
		CreatedAt:  w.now,
	}
}

func (w *world) presence(u *user, guildID string) jsonPresence {
	return jsonPresence{User: jsonUserID{ID: u.id}, Status: u.status, ClientStatus: u.client, Activities: u.activities, GuildID: guildID}
}
