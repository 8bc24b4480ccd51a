package guild

import "gatehouse/core/protocol"

// Permissions is re-exported for brevity inside this package's API.
type Permissions = protocol.Permissions

// PermAll is what the owner and administrators hold: every bit up to 52.
// Discord defines bits up to 50 today; stopping at 52 keeps the value an
// exact JSON number in JavaScript and a valid int64 for Go clients.
const PermAll Permissions = 1<<53 - 1

// BasePermissions is uid's guild-level permissions by Discord's algorithm:
// the owner holds all; otherwise @everyone's (the role whose id is the
// guild's; none if missing) OR each of the member's roles (unknown role
// ids count for nothing); ADMINISTRATOR means all. Non-members hold none.
func (s *State) BasePermissions(uid Snowflake) Permissions {
	m, ok := s.members[uid]
	if !ok {
		return 0
	}
	return s.base(uid, m.roles.list())
}

func (s *State) base(uid Snowflake, roles []Snowflake) Permissions {
	if uid == s.guild.OwnerID {
		return PermAll
	}
	var p Permissions
	if r, ok := s.roles[s.guild.ID]; ok {
		p = r.Permissions
	}
	for _, id := range roles {
		if r, ok := s.roles[id]; ok {
			p |= r.Permissions
		}
	}
	if p&protocol.PermAdministrator != 0 {
		return PermAll
	}
	return p
}

// ChannelPermissions is uid's permissions in a channel: the owner and
// administrators hold all; otherwise the base permissions, then the
// @everyone overwrite (deny, then allow), then the overwrites of the
// member's roles together (all denies, then all allows), then the
// member's own overwrite (deny, then allow). Overwrites are matched by id
// as Discord does; the member's roles count only while the role exists.
// A thread takes its parent's overwrites (Discord's rule; a thread whose
// parent is unknown grants nothing). Categories are not inherited: Discord
// copies ("syncs") their overwrites into children instead. Unknown
// channels and non-members get none.
func (s *State) ChannelPermissions(uid, channelID Snowflake) Permissions {
	c, ok := s.channels[channelID]
	if !ok {
		return 0
	}
	return s.ChannelPermissionsIn(uid, &c.Channel)
}

// ChannelPermissionsIn is ChannelPermissions for a channel value, such as
// a deleted channel (Result.Before) whose audience is computed afterwards.
func (s *State) ChannelPermissionsIn(uid Snowflake, ch *Channel) Permissions {
	m, ok := s.members[uid]
	if !ok {
		return 0
	}
	return s.channelPerms(uid, m.roles.list(), ch)
}

func (s *State) channelPerms(uid Snowflake, roles []Snowflake, ch *Channel) Permissions {
	base := s.base(uid, roles)
	if base == PermAll {
		return PermAll
	}
	if IsThread(ch.Type) {
		parent := s.parentOf(ch)
		if parent == nil {
			return 0
		}
		ch = parent
	}
	return applyOverwrites(base, s.guild.ID, uid, roles, s.roles, ch.PermissionOverwrites)
}

func (s *State) parentOf(thread *Channel) *Channel {
	if thread.ParentID == nil {
		return nil
	}
	p, ok := s.channels[*thread.ParentID]
	if !ok || IsThread(p.Type) {
		return nil
	}
	return &p.Channel
}

func applyOverwrites(p Permissions, guildID, uid Snowflake, roles []Snowflake,
	known map[Snowflake]*roleRec, ows []Overwrite) Permissions {
	for i := range ows {
		if ows[i].ID == guildID {
			p = p&^ows[i].Deny | ows[i].Allow
			break
		}
	}
	var allow, deny Permissions
	for i := range ows {
		o := &ows[i]
		if o.ID == guildID || o.ID == uid {
			continue
		}
		if hasRole(roles, o.ID) {
			if _, ok := known[o.ID]; ok {
				allow |= o.Allow
				deny |= o.Deny
			}
		}
	}
	p = p&^deny | allow
	for i := range ows {
		if ows[i].ID == uid {
			p = p&^ows[i].Deny | ows[i].Allow
			break
		}
	}
	return p
}

func hasRole(roles []Snowflake, id Snowflake) bool {
	for _, r := range roles {
		if r == id {
			return true
		}
	}
	return false
}

// CanView reports VIEW_CHANNEL for uid in channelID.
func (s *State) CanView(uid, channelID Snowflake) bool {
	return s.ChannelPermissions(uid, channelID)&protocol.PermViewChannel != 0
}

// Visible is CanView under the name the hub's audience code uses.
func (s *State) Visible(uid, channelID Snowflake) bool { return s.CanView(uid, channelID) }

// CanViewChannel is CanView for a channel value (see ChannelPermissionsIn).
func (s *State) CanViewChannel(uid Snowflake, ch *Channel) bool {
	return s.ChannelPermissionsIn(uid, ch)&protocol.PermViewChannel != 0
}
