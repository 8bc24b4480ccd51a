package corpus

import (
	"math/rand/v2"
	"strconv"
	"strings"
)

// generator draws the steady traffic after READY from the world.
type generator struct {
	w *world
	r *rand.Rand
}

// next emits one event, sometimes followed by the events it causes (a
// presence change that moves a member in the member list; a presence
// repeated for each guild the user shares with the session).
func (g *generator) next(emit func(string, any)) {
	w, r := g.w, g.r
	w.now += int64(r.ExpFloat64()*60) + 1 // a busy server: ~16 events a second
	switch p := r.IntN(10000); {
	case p < 12:
		gd := w.newSmallGuild(pick(r, []string{"Speedrunning", "Pixel Art Club", "Study Buddies", "CS2 Scrims", "Anime Night"})+" "+pick(r, nameDecor), 20+r.IntN(100))
		w.guilds = append(w.guilds, gd)
		emit("GUILD_CREATE", w.guildCreate(gd))
	case p < 2900:
		emit("MESSAGE_CREATE", g.messageCreate())
	case p < 5900:
		g.presenceUpdate(emit)
	case p < 7800:
		emit("TYPING_START", g.typingStart())
	case p < 8700:
		if ev, ok := g.reactionAdd(); ok {
			emit("MESSAGE_REACTION_ADD", ev)
		}
	case p < 8850:
		if ev, ok := g.messageDelete(); ok {
			emit("MESSAGE_DELETE", ev)
		}
	case p < 8854:
		l := w.main.list
		emit("GUILD_MEMBER_LIST_UPDATE", l.dispatch([]jsonListOp{l.sync(w, 100*r.IntN(2))}))
	default:
		g.memberListUpdate(emit)
	}
}

// guildFor picks where an event happens: mostly the main guild.
func (g *generator) guildFor() *guild {
	if g.r.IntN(100) < 85 {
		return g.w.main
	}
	return g.w.guilds[1+g.r.IntN(len(g.w.guilds)-1)]
}

// activeMember picks a member, the regulars far more often than the rest.
func (g *generator) activeMember(gd *guild) *member {
	m := gd.members[chatty(g.r, len(gd.members))]
	if m.u.status == "offline" {
		g.w.goOnline(m.u) // people who write are online; the list catches up later
	}
	return m
}

func (g *generator) channel(gd *guild) string {
	return gd.text[skewed(g.r, len(gd.text))]
}

type jsonMessageFull struct {
	jsonMessage
	ReferencedMessage *jsonMessage `json:"referenced_message,omitempty"`
}

func (g *generator) messageCreate() jsonMessageFull {
	w, r := g.w, g.r
	gd := g.guildFor()
	m := g.activeMember(gd)
	ch := g.channel(gd)
	msg := jsonMessage{
		Type: 0, Mentions: []jsonMention{}, MentionRoles: []string{}, Attachments: []jsonAttachment{},
		Embeds: []jsonEmbed{}, Timestamp: isoTime(w.now), Components: []json0{}, ID: w.id(), ChannelID: ch,
		Author: w.jsonUser(m.u), GuildID: gd.id,
	}
	if !m.u.bot {
		msg.Nonce = w.id()
	}
	var text []string
	var full jsonMessageFull
	if recent := gd.recent[ch]; len(recent) > 0 && r.IntN(5) == 0 {
		ref := recent[len(recent)-1-r.IntN(min(len(recent), 8))]
		msg.Type = 19
		msg.MessageReference = &jsonMessageRef{ChannelID: ch, MessageID: ref.ID, GuildID: gd.id}
		full.ReferencedMessage = ref
		if rm := gd.byUser[userByID(gd, ref.Author.ID)]; rm != nil {
			msg.Mentions = append(msg.Mentions, jsonMention{jsonUser: w.jsonUser(rm.u), Member: w.jsonMember(rm, false)})
		}
	}
	n := 1 + int(r.ExpFloat64()*9)
	if r.IntN(40) == 0 {
		n = 60 + r.IntN(200) // the occasional wall of text
	}
	for i := range n {
		switch q := r.IntN(100); {
		case q < 3 && i > 0:
			other := gd.members[skewed(r, len(gd.members))]
			text = append(text, "<@"+other.u.id+">")
			msg.Mentions = append(msg.Mentions, jsonMention{jsonUser: w.jsonUser(other.u), Member: w.jsonMember(other, false)})
		case q < 5:
			e := pick(r, gd.emojis)
			a := ""
			if e.Animated {
				a = "a"
			}
			text = append(text, "<"+a+":"+e.Name+":"+*e.ID+">")
		default:
			text = append(text, pick(r, words))
		}
	}
	if r.IntN(12) == 0 {
		url := g.link(&msg)
		text = append(text, url)
	}
	if r.IntN(50) == 0 {
		text = append(text, "```rust\nfn main() {\n    println!(\"hello {}\", "+strconv.Itoa(r.IntN(100))+");\n}\n```")
	}
	if r.IntN(16) == 0 {
		msg.Attachments = append(msg.Attachments, g.attachment(ch))
	}
	msg.Content = strings.Join(text, " ")
	jm := w.jsonMember(m, false)
	msg.Member = &jm
	full.jsonMessage = msg

	// Keep the message, minus member and reference, as Discord nests it in
	// replies.
	kept := msg
	kept.Member, kept.GuildID, kept.Nonce, kept.MessageReference = nil, "", "", nil
	gd.recent[ch] = append(gd.recent[ch], &kept)
	if len(gd.recent[ch]) > 30 {
		gd.recent[ch] = gd.recent[ch][1:]
	}
	return full
}

func userByID(gd *guild, id string) *user {
	for _, m := range gd.members {
		if m.u.id == id {
			return m.u
		}
	}
	return nil
}

// link returns a URL for the message text and usually adds its embed.
func (g *generator) link(msg *jsonMessage) string {
	r := g.r
	d := pick(r, domains)
	url := "https://" + d + "/" + pick(r, handleParts) + "/" + base62(r, 11)
	if r.IntN(10) < 7 {
		msg.Embeds = append(msg.Embeds, jsonEmbed{
			Type: pick(r, []string{"link", "video", "rich", "image"}), URL: url,
			Title:       strings.Join([]string{pick(r, words), pick(r, words), pick(r, tracks), pick(r, words)}, " "),
			Description: strings.Repeat(pick(r, words)+" ", 8+r.IntN(30)),
			Color:       r.IntN(0xffffff),
			Provider:    &jsonProvider{Name: strings.Split(d, ".")[0], URL: "https://" + d},
			Thumbnail: &jsonEmbedImage{
				URL: "https://i." + d + "/vi/" + base62(r, 11) + "/maxresdefault.jpg", ProxyURL: "https://images-ext-1.discordapp.net/external/" + base62(r, 43) + "/https/i." + d + "/vi/" + base62(r, 11) + "/maxresdefault.jpg",
				Width: 1280, Height: 720, Placeholder: base62(r, 28),
			},
			ContentScanVersion: 2,
		})
	}
	return url
}

func (g *generator) attachment(ch string) jsonAttachment {
	r, w := g.r, g.w
	id := w.id()
	name := pick(r, []string{"image.png", "Screenshot_2025-06-12.png", "clip.mp4", "IMG_4821.jpg", "meme.gif", "log.txt"})
	q := "?ex=" + hexString(r, 8) + "&is=" + hexString(r, 8) + "&hm=" + hexString(r, 64) + "&"
	a := jsonAttachment{
		ID: id, Filename: name, Size: 20000 + r.IntN(8e6),
		URL:      "https://cdn.discordapp.com/attachments/" + ch + "/" + id + "/" + name + q,
		ProxyURL: "https://media.discordapp.net/attachments/" + ch + "/" + id + "/" + name + q,
	}
	switch {
	case strings.HasSuffix(name, ".png"), strings.HasSuffix(name, ".jpg"), strings.HasSuffix(name, ".gif"):
		a.Width, a.Height, a.ContentType, a.Placeholder = 400+r.IntN(1600), 300+r.IntN(1200), "image/"+name[strings.LastIndexByte(name, '.')+1:], base62(r, 28)
	case strings.HasSuffix(name, ".mp4"):
		a.Width, a.Height, a.ContentType = 1920, 1080, "video/mp4"
	default:
		a.ContentType = "text/plain; charset=utf-8"
	}
	return a
}

type jsonTyping struct {
	UserID    string     `json:"user_id"`
	Timestamp int64      `json:"timestamp"`
	Member    jsonMember `json:"member"`
	ChannelID string     `json:"channel_id"`
	GuildID   string     `json:"guild_id"`
}

func (g *generator) typingStart() jsonTyping {
	gd := g.guildFor()
	m := g.activeMember(gd)
	return jsonTyping{UserID: m.u.id, Timestamp: g.w.now / 1000, Member: g.w.jsonMember(m, true), ChannelID: g.channel(gd), GuildID: gd.id}
}

type jsonReaction struct {
	UserID          string     `json:"user_id"`
	Type            int        `json:"type"`
	MessageID       string     `json:"message_id"`
	MessageAuthorID string     `json:"message_author_id"`
	Member          jsonMember `json:"member"`
	Emoji           jsonEmoji  `json:"emoji"`
	ChannelID       string     `json:"channel_id"`
	Burst           bool       `json:"burst"`
	GuildID         string     `json:"guild_id"`
}

var reactionEmoji = []string{"👍", "😂", "❤️", "🔥", "💀", "👀", "😭", "🎉", "✅", "🐸"}

func (g *generator) reactionAdd() (jsonReaction, bool) {
	gd := g.guildFor()
	ch := g.channel(gd)
	recent := gd.recent[ch]
	if len(recent) == 0 {
		return jsonReaction{}, false
	}
	msg := recent[len(recent)-1-g.r.IntN(min(len(recent), 5))]
	m := g.activeMember(gd)
	e := jsonEmoji{Name: pick(g.r, reactionEmoji)}
	if g.r.IntN(4) == 0 {
		e = pick(g.r, gd.emojis)
	}
	return jsonReaction{UserID: m.u.id, MessageID: msg.ID, MessageAuthorID: msg.Author.ID, Member: g.w.jsonMember(m, true),
		Emoji: e, ChannelID: ch, GuildID: gd.id}, true
}

type jsonMessageDelete struct {
	ID        string `json:"id"`
	ChannelID string `json:"channel_id"`
	GuildID   string `json:"guild_id"`
}

func (g *generator) messageDelete() (jsonMessageDelete, bool) {
	gd := g.guildFor()
	ch := g.channel(gd)
	recent := gd.recent[ch]
	if len(recent) == 0 {
		return jsonMessageDelete{}, false
	}
	i := len(recent) - 1 - g.r.IntN(len(recent))
	id := recent[i].ID
	gd.recent[ch] = append(recent[:i:i], recent[i+1:]...)
	return jsonMessageDelete{ID: id, ChannelID: ch, GuildID: gd.id}, true
}

// presenceUpdate changes one user's presence and sends it once per guild
// the session shares with them; in the main guild the member list follows.
func (g *generator) presenceUpdate(emit func(string, any)) {
	w, r := g.w, g.r
	u := w.users[skewed(r, len(w.users))]
	wasOnline := u.status != "offline"
	switch {
	case !wasOnline:
		w.goOnline(u)
	case r.IntN(6) == 0:
		w.goOffline(u)
	case r.IntN(3) == 0:
		u.status = pick(r, []string{"online", "idle", "dnd"})
		for _, cs := range []*string{&u.client.Desktop, &u.client.Mobile, &u.client.Web} {
			if *cs != "" {
				*cs = u.status
			}
		}
	default:
		u.activities = w.activities(u) // next song, new game, new status
	}
	sent := 0
	for _, gd := range w.guilds {
		if gd.byUser[u] == nil || sent == 3 {
			continue
		}
		sent++
		emit("PRESENCE_UPDATE", w.presence(u, gd.id))
	}
	if m := w.main.byUser[u]; m != nil {
		g.listFollow(emit, m, wasOnline)
	}
}

// listFollow updates the main guild's member list after m's presence
// changed, sending the ops that touch the subscribed rows.
func (g *generator) listFollow(emit func(string, any), m *member, wasOnline bool) {
	l := g.w.main.list
	isOnline := m.u.status != "offline"
	var ops []jsonListOp
	switch {
	case wasOnline && !isOnline:
		ops = deleteOps(l.remove(m))
	case !wasOnline && isOnline:
		ops = l.insertOps(g.w, l.insert(m))
	default:
		i := l.indexOf(m)
		if i < 0 { // went online by writing, without a list insert yet
			ops = l.insertOps(g.w, l.insert(m))
		} else if i < subscribedRows {
			ops = []jsonListOp{l.updateOp(g.w, i)}
		} else {
			return // outside the subscribed rows and the counts did not change
		}
	}
	emit("GUILD_MEMBER_LIST_UPDATE", l.dispatch(ops))
}

// memberListUpdate is a member list change not caused by a presence: a
// nickname or role change of a visible member.
func (g *generator) memberListUpdate(emit func(string, any)) {
	w, r := g.w, g.r
	l := w.main.list
	i := r.IntN(min(subscribedRows, len(l.rows)))
	if l.rows[i].m == nil {
		i++
	}
	if i >= len(l.rows) || l.rows[i].m == nil {
		return
	}
	m := l.rows[i].m
	if r.IntN(2) == 0 {
		n := displayName(r)
		m.nick = &n
	} else {
		w.goOnline(m.u)
	}
	// The rename may move the member within its group.
	ops := deleteOps(l.remove(m))
	ops = append(ops, l.insertOps(w, l.insert(m))...)
	emit("GUILD_MEMBER_LIST_UPDATE", l.dispatch(ops))
}
