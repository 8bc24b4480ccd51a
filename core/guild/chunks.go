package guild

import (
	"encoding/json"
	"unicode"
	"unicode/utf8"

	"gatehouse/core/protocol"
)

// Op 8 limits (Discord's).
const (
	ChunkSize       = 1000 // members per GUILD_MEMBERS_CHUNK
	QueryLimitMax   = 100  // members a non-empty query may return
	NonceMaxBytes   = 32   // a longer nonce is ignored
	UserIDsMaxCount = 100  // user_ids per request; the lead rejects more
)

// ChunkRequest is Request Guild Members (op 8) for one guild, already
// checked by the caller (intents: GUILD_MEMBERS for an empty query with
// limit 0, GUILD_PRESENCES for presences).
type ChunkRequest struct {
	Query     string
	UserIDs   []Snowflake // non-nil: look these up; Query and Limit are ignored
	Limit     int
	Presences bool
	Nonce     string
}

type chunkWire struct {
	GuildID    Snowflake         `json:"guild_id"`
	Members    []memberWire      `json:"members"`
	ChunkIndex int               `json:"chunk_index"`
	ChunkCount int               `json:"chunk_count"`
	NotFound   *[]Snowflake      `json:"not_found,omitempty"`
	Presences  []json.RawMessage `json:"presences,omitempty"`
	Nonce      string            `json:"nonce,omitempty"`
}

// MembersChunks answers op 8 with GUILD_MEMBERS_CHUNK d's, handing each to
// emit as soon as it is built (a 1M-member answer is ~1,000 chunks; they
// are never all held at once). Matching: user_ids → those that are
// members, the rest in not_found (sent in the first chunk, as an array even
// when empty); otherwise a case-insensitive prefix of username or nick.
// An empty query returns Limit members, or all when Limit is 0; a
// non-empty query at most QueryLimitMax (also when Limit is 0). Presences,
// when asked for, list the chunk's online members. There is always at
// least one chunk. An error from emit stops the answer and is returned;
// emit must not change s.
func MembersChunks(s *State, req ChunkRequest, users UserFunc, presence PresenceFunc, emit func(d []byte) error) error {
	if users == nil {
		users = func(Snowflake) *User { return nil }
	}
	var ids, notFound []Snowflake
	if req.UserIDs != nil {
		seen := make(map[Snowflake]bool, len(req.UserIDs))
		notFound = []Snowflake{}
		for _, uid := range req.UserIDs {
			if seen[uid] {
				continue
			}
			seen[uid] = true
			if _, ok := s.members[uid]; ok {
				ids = append(ids, uid)
			} else {
				notFound = append(notFound, uid)
			}
		}
	} else {
		ids = s.matchMembers(req.Query, req.Limit, users)
	}
	nonce := req.Nonce
	if len(nonce) > NonceMaxBytes {
		nonce = ""
	}
	count := (len(ids) + ChunkSize - 1) / ChunkSize
	if count == 0 {
		count = 1
	}
	for i := 0; i < count; i++ {
		part := ids[min(i*ChunkSize, len(ids)):min((i+1)*ChunkSize, len(ids))]
		w := chunkWire{GuildID: s.guild.ID, Members: make([]memberWire, 0, len(part)),
			ChunkIndex: i, ChunkCount: count, Nonce: nonce}
		if i == 0 && notFound != nil {
			w.NotFound = &notFound
		}
		for _, uid := range part {
			w.Members = append(w.Members, s.members[uid].wire(uid, users(uid), 0))
		}
		if req.Presences && presence != nil {
			w.Presences = []json.RawMessage{}
			for _, uid := range part {
				p, online, err := presenceOf(presence, uid)
				if err != nil {
					return err
				}
				if online {
					w.Presences = append(w.Presences, p)
				}
			}
		}
		d, err := protocol.Marshal(&w)
		if err != nil {
			return err
		}
		if err := emit(d); err != nil {
			return err
		}
	}
	return nil
}

func (s *State) matchMembers(query string, limit int, users UserFunc) []Snowflake {
	if query != "" && (limit <= 0 || limit > QueryLimitMax) {
		limit = QueryLimitMax
	}
	n := len(s.members)
	if limit > 0 && limit < n {
		n = limit
	}
	ids := make([]Snowflake, 0, n)
	for uid, m := range s.members {
		if limit > 0 && len(ids) >= limit {
			break
		}
		if query != "" && !memberMatches(query, m, users(uid)) {
			continue
		}
		ids = append(ids, uid)
	}
	return ids
}

func memberMatches(q string, m *memberRec, u *User) bool {
	if u != nil && hasPrefixFold(u.Username, q) {
		return true
	}
	return m.nick != nil && hasPrefixFold(*m.nick, q)
}

// hasPrefixFold reports whether s begins with prefix under Unicode simple
// case folding (so "ſ" matches "S"), without allocating.
func hasPrefixFold(s, prefix string) bool {
	for prefix != "" {
		if s == "" {
			return false
		}
		pr, pn := utf8.DecodeRuneInString(prefix)
		sr, sn := utf8.DecodeRuneInString(s)
		if !foldEq(pr, sr) {
			return false
		}
		prefix, s = prefix[pn:], s[sn:]
	}
	return true
}

func foldEq(a, b rune) bool {
	if a == b {
		return true
	}
	for r := unicode.SimpleFold(a); r != a; r = unicode.SimpleFold(r) {
		if r == b {
			return true
		}
	}
	return false
}
