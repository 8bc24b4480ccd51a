package ingest

import (
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"gatehouse/core/guild"
	"gatehouse/core/protocol"
	"gatehouse/core/store"
)

// MaxContent is Discord's message content limit for the largest tier.
const MaxContent = 4000

// message is the part of a message gatehouse checks and fills; every other
// field the backend sends is passed through untouched.
type message struct {
	ID              protocol.Snowflake `json:"id"`
	ChannelID       protocol.Snowflake `json:"channel_id"`
	GuildID         protocol.Snowflake `json:"guild_id"`
	Author          *guild.User        `json:"author"`
	Content         *string            `json:"content"`
	Mentions        []guild.User       `json:"mentions"`
	MentionEveryone *bool              `json:"mention_everyone"`
}

// channelGuild answers 404 for an unknown channel.
func (a *API) channelGuild(r *http.Request, cid protocol.Snowflake) (protocol.Snowflake, error) {
	gid, err := a.st.ChannelGuild(r.Context(), cid)
	if errors.Is(err, store.ErrNotFound) {
		return 0, notFound("channel_id", "unknown channel")
	}
	return gid, err
}

// messageFields decodes the body twice: into the checked fields and into a
// field map that keeps everything else as sent.
func messageFields(r *http.Request) (*message, map[string]json.RawMessage, error) {
	b, err := readBody(r)
	if err != nil {
		return nil, nil, err
	}
	var m message
	if err := decodeJSON(b, &m); err != nil {
		return nil, nil, err
	}
	var fields map[string]json.RawMessage
	if err := decodeJSON(b, &fields); err != nil {
		return nil, nil, err
	}
	if m.Content != nil && len([]rune(*m.Content)) > MaxContent {
		return nil, nil, invalid("content", "over 4000 characters")
	}
	for i := range m.Mentions {
		if m.Mentions[i].ID == 0 {
			return nil, nil, invalid("mentions", "every mention needs an id")
		}
	}
	return &m, fields, nil
}

func setField(fields map[string]json.RawMessage, k string, v any) {
	b, _ := json.Marshal(v)
	fields[k] = b
}

func setDefault(fields map[string]json.RawMessage, k string, raw string) {
	if _, ok := fields[k]; !ok {
		fields[k] = json.RawMessage(raw)
	}
}

func (a *API) postMessage(w http.ResponseWriter, r *http.Request) error {
	cid, err := pathID(r, "channel_id")
	if err != nil {
		return err
	}
	m, fields, err := messageFields(r)
	if err != nil {
		return err
	}
	if m.Author == nil || m.Author.ID == 0 {
		return invalid("author.id", "required")
	}
	if m.Content == nil {
		return invalid("content", "required (may be empty with embeds)")
	}
	if m.ChannelID != 0 && m.ChannelID != cid {
		return invalid("channel_id", "does not match the id in the path")
	}
	gid, err := a.channelGuild(r, cid)
	if err != nil {
		return err
	}
	if m.GuildID != 0 && m.GuildID != gid {
		return invalid("guild_id", "the channel is in another guild")
	}
	if u, err := a.st.GetUser(r.Context(), m.Author.ID); err == nil {
		setField(fields, "author", u)
	} else if err := validateUser("author.", m.Author); err != nil {
		return err
	}
	if mem, err := a.st.GetMember(r.Context(), gid, m.Author.ID); err == nil {
		mem.User = nil
		setField(fields, "member", mem)
	}
	if m.ID == 0 {
		m.ID = a.ids.Next()
	}
	setField(fields, "id", m.ID)
	setField(fields, "channel_id", cid)
	setField(fields, "guild_id", gid)
	setDefault(fields, "timestamp", `"`+m.ID.Time().UTC().Format("2006-01-02T15:04:05.000000+00:00")+`"`)
	setDefault(fields, "edited_timestamp", "null")
	setDefault(fields, "type", "0")
	setDefault(fields, "tts", "false")
	setDefault(fields, "pinned", "false")
	setDefault(fields, "mention_everyone", "false")
	setDefault(fields, "mentions", "[]")
	setDefault(fields, "mention_roles", "[]")
	setDefault(fields, "attachments", "[]")
	setDefault(fields, "embeds", "[]")
	setDefault(fields, "components", "[]")
	if err := a.publish(guild.Event{Type: "MESSAGE_CREATE", GuildID: gid, ID: m.ID, ChannelID: cid}, fields); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, fields)
	return nil
}

func (a *API) patchMessage(w http.ResponseWriter, r *http.Request) error {
	cid, err := pathID(r, "channel_id")
	if err != nil {
		return err
	}
	mid, err := pathID(r, "message_id")
	if err != nil {
		return err
	}
	m, fields, err := messageFields(r)
	if err != nil {
		return err
	}
	if err := matchID("id", &m.ID, mid); err != nil {
		return err
	}
	gid, err := a.channelGuild(r, cid)
	if err != nil {
		return err
	}
	setField(fields, "id", mid)
	setField(fields, "channel_id", cid)
	setField(fields, "guild_id", gid)
	setDefault(fields, "edited_timestamp", `"`+time.Now().UTC().Format("2006-01-02T15:04:05.000000+00:00")+`"`)
	if err := a.publish(guild.Event{Type: "MESSAGE_UPDATE", GuildID: gid, ID: mid, ChannelID: cid}, fields); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, fields)
	return nil
}

func (a *API) deleteMessage(w http.ResponseWriter, r *http.Request) error {
	cid, err := pathID(r, "channel_id")
	if err != nil {
		return err
	}
	mid, err := pathID(r, "message_id")
	if err != nil {
		return err
	}
	gid, err := a.channelGuild(r, cid)
	if err != nil {
		return err
	}
	d := map[string]protocol.Snowflake{"id": mid, "channel_id": cid, "guild_id": gid}
	if err := a.publish(guild.Event{Type: "MESSAGE_DELETE", GuildID: gid, ID: mid, ChannelID: cid}, d); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (a *API) postTyping(w http.ResponseWriter, r *http.Request) error {
	cid, err := pathID(r, "channel_id")
	if err != nil {
		return err
	}
	var body struct {
		UserID protocol.Snowflake `json:"user_id"`
	}
	if err := decodeBody(r, &body); err != nil {
		return err
	}
	if body.UserID == 0 {
		return invalid("user_id", "required")
	}
	gid, err := a.channelGuild(r, cid)
	if err != nil {
		return err
	}
	mem, err := a.st.GetMember(r.Context(), gid, body.UserID)
	if errors.Is(err, store.ErrNotFound) {
		return invalid("user_id", "not a member of the channel's guild")
	} else if err != nil {
		return err
	}
	if u, err := a.st.GetUser(r.Context(), body.UserID); err == nil {
		mem.User = u
	}
	d := map[string]any{
		"channel_id": cid, "guild_id": gid, "user_id": body.UserID,
		"timestamp": time.Now().Unix(), "member": mem,
	}
	if err := a.publish(guild.Event{Type: "TYPING_START", GuildID: gid, ID: body.UserID, ChannelID: cid}, d); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
