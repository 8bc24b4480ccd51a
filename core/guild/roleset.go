package guild

import (
	"encoding/binary"
	"slices"
)

// roleSet is one distinct set of role ids, shared by every member holding
// exactly that set. Sharing saves memory (a community guild has a few
// hundred distinct sets across a million members) and lets an Audience
// decide visibility once per set instead of once per member.
type roleSet struct {
	ids  []Snowflake // sorted, no duplicates; read only
	key  string
	refs int
}

// internRoles returns the shared set for ids (nil for none) with its
// reference count raised.
func (s *State) internRoles(ids []Snowflake) *roleSet {
	if len(ids) == 0 {
		return nil
	}
	sorted := ids
	if !slices.IsSorted(ids) || hasDup(ids) {
		sorted = slices.Compact(slices.Sorted(slices.Values(ids)))
	}
	var buf [8 * 8]byte
	key := buf[:0]
	for _, id := range sorted {
		key = binary.LittleEndian.AppendUint64(key, uint64(id))
	}
	if rs, ok := s.roleSets[string(key)]; ok {
		rs.refs++
		return rs
	}
	rs := &roleSet{ids: slices.Clip(slices.Clone(sorted)), key: string(key), refs: 1}
	s.roleSets[rs.key] = rs
	return rs
}

// releaseRoles drops one reference, forgetting the set at zero.
func (s *State) releaseRoles(rs *roleSet) {
	if rs == nil {
		return
	}
	if rs.refs--; rs.refs == 0 {
		delete(s.roleSets, rs.key)
	}
}

func hasDup(sorted []Snowflake) bool {
	for i := 1; i < len(sorted); i++ {
		if sorted[i] == sorted[i-1] {
			return true
		}
	}
	return false
}

func (rs *roleSet) list() []Snowflake {
	if rs == nil {
		return nil
	}
	return rs.ids
}

// RoleSets is the number of distinct role sets the members hold.
func (s *State) RoleSets() int { return len(s.roleSets) }
