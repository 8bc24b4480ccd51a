package hub

import (
	"encoding/json"

	"gatehouse/core/guild"
	"gatehouse/core/protocol"
	"gatehouse/core/session"
)

// requestMembers is op 8's d. user_ids may be one id or a list.
type requestMembers struct {
	GuildID   protocol.Snowflake `json:"guild_id"`
	Query     *string            `json:"query"`
	Limit     int                `json:"limit"`
	Presences bool               `json:"presences"`
	UserIDs   json.RawMessage    `json:"user_ids"`
	Nonce     string             `json:"nonce"`
}

func parseUserIDs(raw json.RawMessage) ([]protocol.Snowflake, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var one protocol.Snowflake
	if err := protocol.Unmarshal(raw, &one); err == nil {
		return []protocol.Snowflake{one}, nil
	}
	var many []protocol.Snowflake
	if err := protocol.Unmarshal(raw, &many); err != nil {
		return nil, err
	}
	return many, nil
}

// RequestMembers implements session.Config.OnRequestMembers (op 8): the
// guild's actor answers with GUILD_MEMBERS_CHUNK dispatches of at most
// 1000 members. Runs on the connection's event loop; the work is posted.
func (h *Hub) RequestMembers(s *session.Session, d []byte) error {
	var r requestMembers
	if err := protocol.Unmarshal(d, &r); err != nil || r.GuildID == 0 {
		return protocol.CloseDecodeError
	}
	ids, err := parseUserIDs(r.UserIDs)
	if err != nil || len(ids) > 100 {
		return protocol.CloseDecodeError
	}
	if r.Query == nil && ids == nil {
		return protocol.CloseDecodeError
	}
	if r.Limit < 0 {
		return protocol.CloseDecodeError
	}
	// Listing members needs GUILD_MEMBERS (a query of up to 100 does not);
	// presences need GUILD_PRESENCES. Discord closes with 4013 otherwise.
	all := r.Query != nil && *r.Query == "" && r.Limit == 0 && ids == nil
	if all && s.Intents&protocol.IntentGuildMembers == 0 {
		return protocol.CloseInvalidIntents
	}
	if r.Presences && s.Intents&protocol.IntentGuildPresences == 0 {
		return protocol.CloseInvalidIntents
	}
	req := guild.ChunkRequest{UserIDs: ids, Limit: r.Limit, Presences: r.Presences, Nonce: r.Nonce}
	if r.Query != nil {
		req.Query = *r.Query
	}
	h.mu.Lock()
	a := h.actors[r.GuildID]
	h.mu.Unlock()
	if a == nil {
		return nil // not a guild of this session: Discord answers nothing
	}
	a.post(false, func(a *actor) {
		if !a.sessions.has(s) || a.state == nil {
			return
		}
		err := guild.MembersChunks(a.state, req, a.h.user, a.h.presenceOf, func(d []byte) error {
			s.Dispatch("GUILD_MEMBERS_CHUNK", d)
			return nil
		})
		if err != nil {
			a.h.log.Warn("hub: members chunk", "guild", a.id, "err", err)
		}
	})
	return nil
}
