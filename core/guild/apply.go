package guild

import (
	"errors"
	"fmt"

	"gatehouse/core/protocol"
)

// ErrWrongGuild is a KindGuild change for another guild.
var ErrWrongGuild = errors.New("guild: change is for another guild")

// memberIn is the part of a member record the cache keeps; decoding into
// it skips the user object a backend may have embedded.
type memberIn struct {
	Nick     *string     `json:"nick"`
	Avatar   *string     `json:"avatar"`
	Roles    []Snowflake `json:"roles"`
	JoinedAt string      `json:"joined_at"`
	Deaf     bool        `json:"deaf"`
	Mute     bool        `json:"mute"`
	Flags    int         `json:"flags"`
	Pending  bool        `json:"pending"`
}

// Apply brings one change into the cache unless it is stale, and says
// what it changed.
//
// Staleness, per record: a change at or below the floor (the snapshot's
// revision, raised by Compact) is already reflected; a change at or below
// the record's own revision is a duplicate or out of order; a put at or
// below a delete's tombstone arrived after that delete. A delete of a
// record the cache does not hold still leaves its tombstone (OpNone).
// A value that does not decode returns an error and changes nothing.
func (s *State) Apply(c Change) (Result, error) {
	res, err := s.apply(c)
	if res.Op != OpNone {
		s.gen++
	}
	return res, err
}

// Gen counts the changes Apply has made: equal values mean the cache has
// not changed in between, so answers computed from it (who may view a
// channel, say) still hold.
func (s *State) Gen() uint64 { return s.gen }

func (s *State) apply(c Change) (Result, error) {
	res := Result{Kind: c.Kind, ID: c.ID}
	if c.Rev <= s.floor {
		return res, nil
	}
	switch c.Kind {
	case KindGuild:
		return s.applyGuild(c, res)
	case KindRole, KindChannel, KindMember:
	default:
		return res, fmt.Errorf("guild: unknown change kind %d", c.Kind)
	}
	key := tombKey{c.Kind, c.ID}
	if t, ok := s.tombs[key]; ok && c.Rev <= t {
		return res, nil
	}
	if cur, ok := s.recRev(c.Kind, c.ID); ok && c.Rev <= cur {
		return res, nil
	}
	if c.Deleted {
		s.tombs[key] = c.Rev
		return s.remove(c, res), nil
	}
	if err := s.put(c, &res); err != nil {
		return Result{Kind: c.Kind, ID: c.ID}, err
	}
	delete(s.tombs, key)
	return res, nil
}

func (s *State) applyGuild(c Change, res Result) (Result, error) {
	if c.ID != s.guild.ID {
		return res, ErrWrongGuild
	}
	if c.Rev <= s.guildRev {
		return res, nil
	}
	before := s.guild
	if c.Deleted {
		s.guildRev = c.Rev
		if s.deleted {
			return res, nil
		}
		s.deleted = true
		res.Op, res.Before = OpDelete, &before
		return res, nil
	}
	var g Guild
	if err := protocol.Unmarshal(c.Value, &g); err != nil {
		return res, fmt.Errorf("guild: guild record: %w", err)
	}
	g.ID = s.guild.ID
	s.guild, s.guildRev = g, c.Rev
	after := g
	res.After = &after
	if s.deleted {
		s.deleted = false
		res.Op = OpCreate
		return res, nil
	}
	res.Op, res.Before = OpUpdate, &before
	return res, nil
}

func (s *State) recRev(k Kind, id Snowflake) (uint64, bool) {
	switch k {
	case KindRole:
		if r, ok := s.roles[id]; ok {
			return r.rev, true
		}
	case KindChannel:
		if r, ok := s.channels[id]; ok {
			return r.rev, true
		}
	case KindMember:
		if r, ok := s.members[id]; ok {
			return r.rev, true
		}
	}
	return 0, false
}

func (s *State) remove(c Change, res Result) Result {
	switch c.Kind {
	case KindRole:
		r, ok := s.roles[c.ID]
		if !ok {
			return res
		}
		delete(s.roles, c.ID)
		s.sortedRoles = nil
		res.Before = &r.Role
	case KindChannel:
		r, ok := s.channels[c.ID]
		if !ok {
			return res
		}
		delete(s.channels, c.ID)
		s.sortedChannels = nil
		res.Before = &r.Channel
	case KindMember:
		r, ok := s.members[c.ID]
		if !ok {
			return res
		}
		m := r.member(c.ID)
		s.deleteMember(c.ID)
		res.Before = &m
	}
	res.Op = OpDelete
	return res
}

func (s *State) put(c Change, res *Result) error {
	switch c.Kind {
	case KindRole:
		var r Role
		if err := protocol.Unmarshal(c.Value, &r); err != nil {
			return fmt.Errorf("guild: role record: %w", err)
		}
		r.ID = c.ID
		old, ok := s.roles[c.ID]
		if ok {
			before := old.Role
			res.Before = &before
		}
		s.roles[c.ID] = &roleRec{Role: r, rev: c.Rev}
		s.sortedRoles = nil
		res.After = &r
		res.Op = opFor(ok)
	case KindChannel:
		var ch Channel
		if err := protocol.Unmarshal(c.Value, &ch); err != nil {
			return fmt.Errorf("guild: channel record: %w", err)
		}
		ch.ID, ch.GuildID = c.ID, s.guild.ID
		old, ok := s.channels[c.ID]
		if ok {
			before := old.Channel
			res.Before = &before
		}
		s.channels[c.ID] = &channelRec{Channel: ch, rev: c.Rev}
		s.sortedChannels = nil
		res.After = &ch
		res.Op = opFor(ok)
	case KindMember:
		var in memberIn
		if err := protocol.Unmarshal(c.Value, &in); err != nil {
			return fmt.Errorf("guild: member record: %w", err)
		}
		m := Member{UserID: c.ID, Nick: in.Nick, Avatar: in.Avatar, Roles: in.Roles,
			JoinedAt: in.JoinedAt, Deaf: in.Deaf, Mute: in.Mute, Flags: in.Flags, Pending: in.Pending}
		old, ok := s.members[c.ID]
		if ok {
			before := old.member(c.ID)
			res.Before = &before
		}
		rec := s.newMemberRec(&m, c.Rev)
		s.setMember(c.ID, rec)
		after := rec.member(c.ID)
		res.After = &after
		res.Op = opFor(ok)
	}
	return nil
}

func opFor(existed bool) Op {
	if existed {
		return OpUpdate
	}
	return OpCreate
}

// Compact raises the floor to rev and drops the tombstones at or below it.
// The caller passes a revision up to which it has applied every change in
// order — the store watch's last delivered revision — so anything at or
// below it that arrives later (a broker event overtaken by the watch) is
// stale without a tombstone. Tombstones are thus bounded by the deletes
// the watch has not yet caught up with. Without Compact they are bounded
// by the number of deletes since the snapshot.
func (s *State) Compact(rev uint64) {
	if rev > s.floor {
		s.floor = rev
	}
	for k, t := range s.tombs {
		if t <= s.floor {
			delete(s.tombs, k)
		}
	}
}

// Tombstones is the number of deletes remembered above the floor.
func (s *State) Tombstones() int { return len(s.tombs) }

// Floor is the revision at or below which every change is stale.
func (s *State) Floor() uint64 { return s.floor }
