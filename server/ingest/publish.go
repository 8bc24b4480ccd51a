package ingest

import (
	"gatehouse/core/guild"
	"gatehouse/core/protocol"
)

// publish sends a guild event on the broker.
func (a *API) publish(ev guild.Event, data any) error {
	if data != nil {
		b, err := protocol.Marshal(data)
		if err != nil {
			return err
		}
		ev.Data = b
	}
	b, err := protocol.Marshal(ev)
	if err != nil {
		return err
	}
	return a.br.PublishGuild(ev.GuildID, b)
}

// publishUser sends a user-scoped event to every node.
func (a *API) publishUser(t string, rev uint64, u *guild.User) error {
	d, err := protocol.Marshal(u)
	if err != nil {
		return err
	}
	b, err := protocol.Marshal(guild.Event{Type: t, Rev: rev, ID: u.ID, Data: d})
	if err != nil {
		return err
	}
	return a.br.PublishUser(b)
}

// publishJoin tells every node that user joined guild gid, so that a node
// holding the user's sessions but not the guild loads it for them.
func (a *API) publishJoin(gid, user protocol.Snowflake, rev uint64) error {
	b, err := protocol.Marshal(guild.Event{Type: "GUILD_MEMBER_ADD", GuildID: gid, Rev: rev, ID: user})
	if err != nil {
		return err
	}
	return a.br.PublishUser(b)
}
