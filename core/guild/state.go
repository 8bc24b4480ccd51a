package guild

import (
	"iter"
	"slices"
	"time"
)

// State is one node's cache of one guild: the guild record, its roles,
// channels and members, each with the store revision it reflects.
//
// State is owned by one goroutine (the guild's hub worker) and is not safe
// for concurrent use. Pointers it returns (*Guild, *Role, *Channel, role
// slices) are its own: read them on that goroutine, never modify them.
type State struct {
	guild    Guild
	guildRev uint64
	deleted  bool

	roles    map[Snowflake]*roleRec
	channels map[Snowflake]*channelRec
	members  map[Snowflake]*memberRec
	roleSets map[string]*roleSet // by roleSet.key

	// floor is the revision up to which every change is known to be
	// reflected (the snapshot's, raised by Compact): changes at or below it
	// are stale.
	floor uint64
	// tombs holds the revision of each delete above floor, so that an older
	// put arriving after it is ignored.
	tombs map[tombKey]uint64

	sortedRoles    []*Role // cache; nil when stale
	sortedChannels []*Channel

	gen uint64 // changes applied (Gen)
}

type tombKey struct {
	kind Kind
	id   Snowflake
}

type roleRec struct {
	Role
	rev uint64
}

type channelRec struct {
	Channel
	rev uint64
}

// memberRec is a member as the cache keeps it: 48 bytes plus any
// nick/avatar strings; role ids live in a shared roleSet. joined is Unix
// microseconds, 0 when unknown.
type memberRec struct {
	rev     uint64
	joined  int64
	nick    *string
	avatar  *string
	roles   *roleSet
	flags   uint32
	deaf    bool
	mute    bool
	pending bool
}

// NewState builds the cache from a loaded guild whose records all reflect
// revision rev (store.Snapshot's fields). Members without a UserID are
// skipped.
func NewState(g Guild, roles []Role, channels []Channel, members []Member, rev uint64) *State {
	s := &State{
		guild:    g,
		guildRev: rev,
		roles:    make(map[Snowflake]*roleRec, len(roles)),
		channels: make(map[Snowflake]*channelRec, len(channels)),
		members:  make(map[Snowflake]*memberRec, len(members)),
		roleSets: make(map[string]*roleSet),
		floor:    rev,
		tombs:    make(map[tombKey]uint64),
	}
	for i := range roles {
		s.roles[roles[i].ID] = &roleRec{Role: roles[i], rev: rev}
	}
	for i := range channels {
		c := channels[i]
		c.GuildID = g.ID
		s.channels[c.ID] = &channelRec{Channel: c, rev: rev}
	}
	for i := range members {
		if members[i].UserID == 0 {
			continue
		}
		s.setMember(members[i].UserID, s.newMemberRec(&members[i], rev))
	}
	return s
}

func (s *State) newMemberRec(m *Member, rev uint64) *memberRec {
	return &memberRec{
		rev:     rev,
		joined:  parseJoined(m.JoinedAt),
		nick:    m.Nick,
		avatar:  m.Avatar,
		roles:   s.internRoles(m.Roles),
		flags:   uint32(m.Flags),
		deaf:    m.Deaf,
		mute:    m.Mute,
		pending: m.Pending,
	}
}

// setMember stores rec for uid, releasing the role set of any record it
// replaces.
func (s *State) setMember(uid Snowflake, rec *memberRec) {
	if old, ok := s.members[uid]; ok {
		s.releaseRoles(old.roles)
	}
	s.members[uid] = rec
}

// deleteMember removes uid's record and releases its role set.
func (s *State) deleteMember(uid Snowflake) {
	if old, ok := s.members[uid]; ok {
		s.releaseRoles(old.roles)
		delete(s.members, uid)
	}
}

// parseJoined reads an ISO 8601 joined_at; anything unreadable is unknown
// (0) and goes out as null rather than failing a record the store accepted.
func parseJoined(s string) int64 {
	if s == "" {
		return 0
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return 0
	}
	return t.UnixMicro()
}

// joinedLayout is Discord's timestamp form (microseconds, +00:00).
const joinedLayout = "2006-01-02T15:04:05.000000-07:00"

func formatJoined(us int64) string {
	if us == 0 {
		return ""
	}
	return time.UnixMicro(us).UTC().Format(joinedLayout)
}

func (r *memberRec) member(uid Snowflake) Member {
	return Member{
		UserID:   uid,
		Nick:     r.nick,
		Avatar:   r.avatar,
		Roles:    r.roles.list(),
		JoinedAt: formatJoined(r.joined),
		Deaf:     r.deaf,
		Mute:     r.mute,
		Flags:    int(r.flags),
		Pending:  r.pending,
	}
}

// ID is the guild's id.
func (s *State) ID() Snowflake { return s.guild.ID }

// Guild is the guild record.
func (s *State) Guild() *Guild { return &s.guild }

// Deleted reports that the guild record was deleted; the hub should send
// GUILD_DELETE and drop the State.
func (s *State) Deleted() bool { return s.deleted }

// MemberCount is the number of members.
func (s *State) MemberCount() int { return len(s.members) }

// HasMember reports whether uid is a member.
func (s *State) HasMember(uid Snowflake) bool { _, ok := s.members[uid]; return ok }

// Member returns uid's member record (User nil; Roles sorted by id, shared,
// read only; JoinedAt in Discord's form, "" when unknown).
func (s *State) Member(uid Snowflake) (Member, bool) {
	r, ok := s.members[uid]
	if !ok {
		return Member{}, false
	}
	return r.member(uid), true
}

// MemberRoles returns uid's role ids, sorted (shared, read only).
func (s *State) MemberRoles(uid Snowflake) ([]Snowflake, bool) {
	r, ok := s.members[uid]
	if !ok {
		return nil, false
	}
	return r.roles.list(), true
}

// MemberIDs iterates the members' user ids in no particular order. The
// State must not change during the iteration.
func (s *State) MemberIDs() iter.Seq[Snowflake] {
	return func(yield func(Snowflake) bool) {
		for uid := range s.members {
			if !yield(uid) {
				return
			}
		}
	}
}

// Role returns a role.
func (s *State) Role(id Snowflake) (*Role, bool) {
	r, ok := s.roles[id]
	if !ok {
		return nil, false
	}
	return &r.Role, true
}

// Channel returns a channel (GuildID set).
func (s *State) Channel(id Snowflake) (*Channel, bool) {
	c, ok := s.channels[id]
	if !ok {
		return nil, false
	}
	return &c.Channel, true
}

// Roles returns the roles by position, then id (Discord's order, lowest
// first). The slice is cached until the next role change; read only.
func (s *State) Roles() []*Role {
	if s.sortedRoles == nil {
		out := make([]*Role, 0, len(s.roles))
		for _, r := range s.roles {
			out = append(out, &r.Role)
		}
		slices.SortFunc(out, func(a, b *Role) int {
			if a.Position != b.Position {
				return a.Position - b.Position
			}
			return cmpID(a.ID, b.ID)
		})
		s.sortedRoles = out
	}
	return s.sortedRoles
}

// Channels returns the channels (threads included) by position, then id.
// Cached until the next channel change; read only.
func (s *State) Channels() []*Channel {
	if s.sortedChannels == nil {
		out := make([]*Channel, 0, len(s.channels))
		for _, c := range s.channels {
			out = append(out, &c.Channel)
		}
		slices.SortFunc(out, func(a, b *Channel) int {
			if a.Position != b.Position {
				return a.Position - b.Position
			}
			return cmpID(a.ID, b.ID)
		})
		s.sortedChannels = out
	}
	return s.sortedChannels
}

func cmpID(a, b Snowflake) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
