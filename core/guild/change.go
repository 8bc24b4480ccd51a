package guild

// Kind names a record type in a Change. Its values equal store.Kind's
// (store imports guild, so guild cannot import store); the hub converts
// with a plain cast, and TestKindMatchesStore keeps the two in step.
type Kind uint8

// Record kinds.
const (
	KindGuild Kind = iota + 1
	KindRole
	KindChannel
	KindMember
)

// Change is one record written or deleted, as the store's watch or a
// broker event reports it.
type Change struct {
	Kind    Kind
	ID      Snowflake // role, channel or member's user id; the guild id for KindGuild
	Deleted bool
	Value   []byte // the record's JSON; ignored when Deleted
	Rev     uint64
}

// Op is what an applied Change did to the cache.
type Op uint8

// Ops.
const (
	// OpNone: nothing visible changed (stale or duplicate revision, or a
	// delete of a record the cache does not hold).
	OpNone Op = iota
	OpCreate
	OpUpdate
	OpDelete
)

// Result reports what Apply changed, so the hub can pick the dispatch and
// compare visibility before and after.
type Result struct {
	Op   Op
	Kind Kind
	ID   Snowflake
	// Before is the previous record (nil for OpCreate and OpNone) and After
	// the new one (nil for OpDelete and OpNone). Their concrete types are
	// *Guild, *Role, *Channel or *Member by Kind; callers must not modify them.
	Before any
	After  any
}

// EventType is the Discord dispatch a Result maps to, or "" for OpNone.
// A thread channel maps to THREAD_*. A guild put on a deleted guild is
// GUILD_CREATE, whose d is per recipient (GuildCreate); on a live one
// GUILD_UPDATE.
func (r Result) EventType() string {
	if r.Op == OpNone {
		return ""
	}
	i := int(r.Op) - 1
	switch r.Kind {
	case KindGuild:
		return [...]string{"GUILD_CREATE", "GUILD_UPDATE", "GUILD_DELETE"}[i]
	case KindRole:
		return [...]string{"GUILD_ROLE_CREATE", "GUILD_ROLE_UPDATE", "GUILD_ROLE_DELETE"}[i]
	case KindChannel:
		ch, _ := r.After.(*Channel)
		if ch == nil {
			ch, _ = r.Before.(*Channel)
		}
		if ch != nil && IsThread(ch.Type) {
			return [...]string{"THREAD_CREATE", "THREAD_UPDATE", "THREAD_DELETE"}[i]
		}
		return [...]string{"CHANNEL_CREATE", "CHANNEL_UPDATE", "CHANNEL_DELETE"}[i]
	case KindMember:
		return [...]string{"GUILD_MEMBER_ADD", "GUILD_MEMBER_UPDATE", "GUILD_MEMBER_REMOVE"}[i]
	}
	return ""
}
