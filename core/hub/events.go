package hub

import (
	"strings"

	"gatehouse/core/guild"
	"gatehouse/core/protocol"
	"gatehouse/core/session"
)

// kindOf maps a state event to the record kind it changes.
func kindOf(t string) (guild.Kind, bool) {
	switch {
	case strings.HasPrefix(t, "GUILD_ROLE_"):
		return guild.KindRole, true
	case strings.HasPrefix(t, "GUILD_MEMBER_"):
		return guild.KindMember, true
	case strings.HasPrefix(t, "CHANNEL_"), strings.HasPrefix(t, "THREAD_"):
		return guild.KindChannel, true
	case t == "GUILD_CREATE", t == "GUILD_UPDATE", t == "GUILD_DELETE":
		return guild.KindGuild, true
	}
	return 0, false
}

// onEvent handles one broker event on the actor.
func (a *actor) onEvent(ev *guild.Event) {
	if a.state == nil {
		if ev.Type == "GUILD_CREATE" {
			// The guild was created after this node loaded it as missing.
			a.load()
		}
		return
	}
	switch ev.Type {
	case "MESSAGE_CREATE", "MESSAGE_UPDATE":
		a.dispatchMessage(ev)
		return
	case "MESSAGE_DELETE", "TYPING_START":
		aud := a.state.Audience(ev.Type, ev.ChannelID, 0)
		for _, sess := range a.sessions.viewers(a.state, ev.Type, ev.ChannelID, aud) {
			sess.Dispatch(ev.Type, ev.Data)
		}
		return
	case "GUILD_MEMBERS_SYNC":
		// A bulk load: members arrive through the watch; apply them now.
		a.flushWatch(timeNow(), true)
		return
	}
	kind, ok := kindOf(ev.Type)
	if !ok {
		a.h.log.Warn("hub: unknown guild event", "guild", a.id, "t", ev.Type)
		return
	}
	deleted := strings.HasSuffix(ev.Type, "_DELETE") || ev.Type == "GUILD_MEMBER_REMOVE"
	if kind == guild.KindMember && !deleted {
		a.h.learnUserFromMember(ev.Data)
	}
	res, err := a.state.Apply(guild.Change{Kind: kind, ID: ev.ID, Deleted: deleted, Value: ev.Data, Rev: ev.Rev})
	if err != nil {
		a.h.log.Warn("hub: event not applied", "guild", a.id, "t", ev.Type, "err", err)
		return
	}
	if res.Op == guild.OpNone {
		return
	}
	a.dispatchResult(res)
	a.lazyOnResult(res)
	a.lazyFlush()
}

// dispatchResult sends the dispatches a cache change implies.
func (a *actor) dispatchResult(res guild.Result) {
	t := res.EventType()
	s := a.state
	var (
		d   []byte
		err error
	)
	switch res.Kind {
	case guild.KindGuild:
		switch res.Op {
		case guild.OpDelete:
			a.guildGone()
			return
		case guild.OpCreate:
			return // members join and receive GUILD_CREATE through attach
		}
		d, err = guild.GuildUpdate(s)
		if err == nil {
			a.fanout(t, d, s.Audience(t, 0, 0), 0)
		}
	case guild.KindRole:
		if res.Op == guild.OpDelete {
			d, err = guild.RoleDelete(a.id, res.ID)
		} else {
			d, err = guild.RoleEvent(a.id, res.After.(*guild.Role))
		}
		if err == nil {
			a.fanout(t, d, s.Audience(t, 0, 0), 0)
		}
	case guild.KindChannel:
		err = a.dispatchChannel(t, res)
	case guild.KindMember:
		err = a.dispatchMember(t, res)
	}
	if err != nil {
		a.h.log.Error("hub: build dispatch", "guild", a.id, "t", t, "err", err)
	}
}

// dispatchChannel sends CHANNEL_* so that each session's view stays right:
// a session that could not see the channel before and can now gets CREATE,
// one that could and no longer can gets DELETE.
func (a *actor) dispatchChannel(t string, res guild.Result) error {
	s := a.state
	before, _ := res.Before.(*guild.Channel)
	after, _ := res.After.(*guild.Channel)
	create, update, del := "CHANNEL_CREATE", "CHANNEL_UPDATE", "CHANNEL_DELETE"
	if strings.HasPrefix(t, "THREAD_") {
		create, update, del = "THREAD_CREATE", "THREAD_UPDATE", "THREAD_DELETE"
	}
	var dAfter, dBefore []byte
	var err error
	if after != nil {
		if dAfter, err = guild.ChannelJSON(after, a.id); err != nil {
			return err
		}
	}
	if before != nil {
		if dBefore, err = guild.ChannelJSON(before, a.id); err != nil {
			return err
		}
	}
	var audAfter, audBefore *guild.Audience
	if after != nil {
		audAfter = s.ChannelAudience(update, after, 0)
	}
	if before != nil {
		audBefore = s.ChannelAudience(del, before, 0)
	}
	for _, sess := range a.sessions.candidates(update) {
		r := recipient(sess)
		sawBefore := audBefore != nil && audBefore.Admits(r)
		seesAfter := audAfter != nil && audAfter.Admits(r)
		switch {
		case seesAfter && sawBefore:
			sess.Dispatch(update, dAfter)
		case seesAfter:
			sess.Dispatch(create, dAfter)
		case sawBefore:
			sess.Dispatch(del, dBefore)
		}
	}
	return nil
}

// dispatchMember sends GUILD_MEMBER_*; the member's own sessions join or
// leave the guild (GUILD_CREATE / GUILD_DELETE).
func (a *actor) dispatchMember(t string, res guild.Result) error {
	s := a.state
	uid := res.ID
	u := a.h.user(uid)
	switch res.Op {
	case guild.OpCreate, guild.OpUpdate:
		m := res.After.(*guild.Member)
		var d []byte
		var err error
		if res.Op == guild.OpCreate {
			d, err = guild.MemberAdd(a.id, m, u)
		} else {
			d, err = guild.MemberUpdate(a.id, m, u)
		}
		if err != nil {
			return err
		}
		a.fanout(t, d, s.Audience(t, 0, uid), 0)
		if res.Op == guild.OpCreate {
			for _, sess := range a.h.cfg.Sessions(uint64(uid)) {
				a.join(sess)
			}
		}
	case guild.OpDelete:
		d, err := guild.MemberRemove(a.id, uid, u)
		if err != nil {
			return err
		}
		a.fanout(t, d, s.Audience(t, 0, uid), 0)
		gone, err := guild.GuildDelete(a.id, false)
		if err != nil {
			return err
		}
		var leaving []*session.Session
		for _, sess := range a.sessions.sessions() {
			if protocol.Snowflake(sess.UserID) == uid {
				leaving = append(leaving, sess)
			}
		}
		for _, sess := range leaving {
			sess.Dispatch("GUILD_DELETE", gone)
			a.sessions.remove(sess)
			a.lazyForget(sess)
			a.h.left(sess, a.id)
		}
	}
	return nil
}

// guildGone tells every local session the guild was deleted.
func (a *actor) guildGone() {
	gone, err := guild.GuildDelete(a.id, false)
	if err != nil {
		return
	}
	all := a.sessions.sessions()
	a.sessions = newRecipients()
	for _, sess := range all {
		sess.Dispatch("GUILD_DELETE", gone)
		a.h.left(sess, a.id)
		a.lazyForget(sess)
	}
}

// dispatchMessage sends MESSAGE_CREATE/UPDATE to viewers, with content
// blanked for those without MESSAGE_CREATE rights to it; each variant is
// serialised once.
func (a *actor) dispatchMessage(ev *guild.Event) {
	aud := a.state.Audience(ev.Type, ev.ChannelID, 0)
	meta, err := guild.ParseMessageMeta(ev.Data)
	if err != nil {
		a.h.log.Warn("hub: bad message event", "guild", a.id, "err", err)
		return
	}
	var blank []byte
	for _, sess := range a.sessions.viewers(a.state, ev.Type, ev.ChannelID, aud) {
		r := recipient(sess)
		if guild.MessageContentVisible(r.UserID, r.Intents, &meta) {
			sess.Dispatch(ev.Type, ev.Data)
			continue
		}
		if blank == nil {
			if blank, err = guild.BlankContent(ev.Data); err != nil {
				a.h.log.Warn("hub: blank message", "guild", a.id, "err", err)
				return
			}
		}
		sess.Dispatch(ev.Type, blank)
	}
}
