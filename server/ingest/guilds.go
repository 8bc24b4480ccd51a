package ingest

import (
	"errors"
	"fmt"
	"net/http"

	"gatehouse/core/guild"
	"gatehouse/core/protocol"
	"gatehouse/core/store"
)

// DefaultEveryonePerms is @everyone's permission set when a guild is created
// without one: view channels, send messages, read history, and Discord's
// other everyday defaults.
const DefaultEveryonePerms protocol.Permissions = 104324673

// guildBody is PUT /guilds/{id}: the guild record plus, optionally, its roles
// and channels.
type guildBody struct {
	guild.Guild
	Roles    []guild.Role    `json:"roles"`
	Channels []guild.Channel `json:"channels"`
}

func validateGuild(g *guild.Guild) error {
	if err := checkLen("name", g.Name, 2, 100); err != nil {
		return err
	}
	if g.OwnerID == 0 {
		return invalid("owner_id", "required")
	}
	if g.PreferredLocale == "" {
		g.PreferredLocale = "en-US"
	}
	if g.Features == nil {
		g.Features = []string{}
	}
	return nil
}

func validateRole(prefix string, r *guild.Role) error {
	if r.ID == 0 {
		return invalid(prefix+"id", "required")
	}
	if err := checkLen(prefix+"name", r.Name, 1, 100); err != nil {
		return err
	}
	if r.Position < 0 {
		return invalid(prefix+"position", "must not be negative")
	}
	if r.Color < 0 || r.Color > 0xffffff {
		return invalid(prefix+"color", "must be an RGB integer")
	}
	return nil
}

// channel types gatehouse accepts: text, voice, category, announcement,
// stage, forum, media.
var channelTypes = map[int]bool{0: true, 2: true, 4: true, 5: true, 13: true, 15: true, 16: true}

func validateChannel(prefix string, c *guild.Channel) error {
	if c.ID == 0 {
		return invalid(prefix+"id", "required")
	}
	if !channelTypes[c.Type] {
		return invalid(prefix+"type", "unsupported channel type")
	}
	if err := checkLen(prefix+"name", c.Name, 1, 100); err != nil {
		return err
	}
	if c.PermissionOverwrites == nil {
		c.PermissionOverwrites = []guild.Overwrite{}
	}
	seen := map[protocol.Snowflake]bool{}
	for i, o := range c.PermissionOverwrites {
		f := fmt.Sprintf("%spermission_overwrites[%d].", prefix, i)
		if o.ID == 0 {
			return invalid(f+"id", "required")
		}
		if o.Type != guild.OverwriteRole && o.Type != guild.OverwriteMember {
			return invalid(f+"type", "must be 0 (role) or 1 (member)")
		}
		if seen[o.ID] {
			return invalid(f+"id", "duplicate overwrite")
		}
		seen[o.ID] = true
	}
	return nil
}

// guildExists answers 404 for an unknown guild.
func (a *API) guildExists(r *http.Request, id protocol.Snowflake) (*guild.Guild, error) {
	g, err := a.st.GetGuild(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, notFound("guild_id", "unknown guild")
	}
	return g, err
}

func (a *API) putGuild(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "guild_id")
	if err != nil {
		return err
	}
	var body guildBody
	if err := decodeBody(r, &body); err != nil {
		return err
	}
	g := &body.Guild
	if err := matchID("id", &g.ID, id); err != nil {
		return err
	}
	if err := validateGuild(g); err != nil {
		return err
	}
	roleIDs := map[protocol.Snowflake]bool{}
	for i := range body.Roles {
		if err := validateRole(fmt.Sprintf("roles[%d].", i), &body.Roles[i]); err != nil {
			return err
		}
		if roleIDs[body.Roles[i].ID] {
			return invalid(fmt.Sprintf("roles[%d].id", i), "duplicate role")
		}
		roleIDs[body.Roles[i].ID] = true
	}
	chanIDs := map[protocol.Snowflake]bool{}
	for i := range body.Channels {
		c := &body.Channels[i]
		f := fmt.Sprintf("channels[%d].", i)
		if err := validateChannel(f, c); err != nil {
			return err
		}
		if err := matchID(f+"guild_id", &c.GuildID, id); err != nil {
			return err
		}
		if chanIDs[c.ID] {
			return invalid(f+"id", "duplicate channel")
		}
		chanIDs[c.ID] = true
		if other, err := a.st.ChannelGuild(r.Context(), c.ID); err == nil && other != id {
			return invalid(f+"id", "channel belongs to another guild")
		}
	}
	old, err := a.st.GetGuild(r.Context(), id)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	if old == nil && !roleIDs[id] {
		body.Roles = append(body.Roles, guild.Role{ID: id, Name: "@everyone", Permissions: DefaultEveryonePerms})
	}
	rev, err := a.st.PutGuild(r.Context(), g)
	if err != nil {
		return err
	}
	t := "GUILD_UPDATE"
	if old == nil {
		t = "GUILD_CREATE"
	}
	if err := a.publish(guild.Event{Type: t, GuildID: id, Rev: rev, ID: id}, g); err != nil {
		return err
	}
	for i := range body.Roles {
		if err := a.writeRole(r, id, &body.Roles[i]); err != nil {
			return err
		}
	}
	for i := range body.Channels {
		if err := a.writeChannel(r, &body.Channels[i]); err != nil {
			return err
		}
	}
	writeJSON(w, http.StatusOK, body)
	return nil
}

func (a *API) deleteGuild(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "guild_id")
	if err != nil {
		return err
	}
	if _, err := a.guildExists(r, id); err != nil {
		return err
	}
	rev, err := a.st.DeleteGuild(r.Context(), id)
	if err != nil {
		return err
	}
	if err := a.publish(guild.Event{Type: "GUILD_DELETE", GuildID: id, Rev: rev, ID: id}, nil); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (a *API) putRole(w http.ResponseWriter, r *http.Request) error {
	gid, err := pathID(r, "guild_id")
	if err != nil {
		return err
	}
	rid, err := pathID(r, "role_id")
	if err != nil {
		return err
	}
	var role guild.Role
	if err := decodeBody(r, &role); err != nil {
		return err
	}
	if err := matchID("id", &role.ID, rid); err != nil {
		return err
	}
	if err := validateRole("", &role); err != nil {
		return err
	}
	if _, err := a.guildExists(r, gid); err != nil {
		return err
	}
	if err := a.writeRole(r, gid, &role); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, role)
	return nil
}

// writeRole stores a role and publishes GUILD_ROLE_UPDATE (the hub turns it
// into CREATE when its cache lacks the role).
func (a *API) writeRole(r *http.Request, gid protocol.Snowflake, role *guild.Role) error {
	rev, err := a.st.PutRole(r.Context(), gid, role)
	if err != nil {
		return err
	}
	return a.publish(guild.Event{Type: "GUILD_ROLE_UPDATE", GuildID: gid, Rev: rev, ID: role.ID}, role)
}

func (a *API) deleteRole(w http.ResponseWriter, r *http.Request) error {
	gid, err := pathID(r, "guild_id")
	if err != nil {
		return err
	}
	rid, err := pathID(r, "role_id")
	if err != nil {
		return err
	}
	if rid == gid {
		return invalid("role_id", "the @everyone role cannot be deleted")
	}
	if _, err := a.guildExists(r, gid); err != nil {
		return err
	}
	rev, err := a.st.DeleteRole(r.Context(), gid, rid)
	if err != nil {
		return err
	}
	if err := a.publish(guild.Event{Type: "GUILD_ROLE_DELETE", GuildID: gid, Rev: rev, ID: rid}, nil); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (a *API) putChannel(w http.ResponseWriter, r *http.Request) error {
	gid, err := pathID(r, "guild_id")
	if err != nil {
		return err
	}
	cid, err := pathID(r, "channel_id")
	if err != nil {
		return err
	}
	var c guild.Channel
	if err := decodeBody(r, &c); err != nil {
		return err
	}
	if err := matchID("id", &c.ID, cid); err != nil {
		return err
	}
	if err := matchID("guild_id", &c.GuildID, gid); err != nil {
		return err
	}
	if err := validateChannel("", &c); err != nil {
		return err
	}
	if _, err := a.guildExists(r, gid); err != nil {
		return err
	}
	if other, err := a.st.ChannelGuild(r.Context(), cid); err == nil && other != gid {
		return invalid("id", "channel belongs to another guild")
	}
	if err := a.writeChannel(r, &c); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, c)
	return nil
}

// writeChannel stores a channel and publishes CHANNEL_UPDATE (CREATE when
// the hub's cache lacks it).
func (a *API) writeChannel(r *http.Request, c *guild.Channel) error {
	rev, err := a.st.PutChannel(r.Context(), c)
	if err != nil {
		return err
	}
	return a.publish(guild.Event{Type: "CHANNEL_UPDATE", GuildID: c.GuildID, Rev: rev, ID: c.ID, ChannelID: c.ID}, c)
}

func (a *API) deleteChannel(w http.ResponseWriter, r *http.Request) error {
	gid, err := pathID(r, "guild_id")
	if err != nil {
		return err
	}
	cid, err := pathID(r, "channel_id")
	if err != nil {
		return err
	}
	if _, err := a.guildExists(r, gid); err != nil {
		return err
	}
	if other, err := a.st.ChannelGuild(r.Context(), cid); err != nil || other != gid {
		return notFound("channel_id", "unknown channel")
	}
	rev, err := a.st.DeleteChannel(r.Context(), gid, cid)
	if err != nil {
		return err
	}
	if err := a.publish(guild.Event{Type: "CHANNEL_DELETE", GuildID: gid, Rev: rev, ID: cid, ChannelID: cid}, nil); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
