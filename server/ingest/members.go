package ingest

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"gatehouse/core/guild"
	"gatehouse/core/protocol"
	"gatehouse/core/store"
)

// memberBody is a member as backends send it: Discord's member object, its
// user inline (optional when the user record exists).
type memberBody struct {
	User     *guild.User          `json:"user"`
	Nick     *string              `json:"nick"`
	Avatar   *string              `json:"avatar"`
	Roles    []protocol.Snowflake `json:"roles"`
	JoinedAt string               `json:"joined_at"`
	Deaf     bool                 `json:"deaf"`
	Mute     bool                 `json:"mute"`
	Flags    int                  `json:"flags"`
	Pending  bool                 `json:"pending"`
}

// validateMember checks a member body against the path's user id (0 takes
// the user's id from the body) and turns it into the record.
func validateMember(prefix string, b *memberBody, userID protocol.Snowflake) (*guild.Member, error) {
	if b.User != nil {
		if err := matchID(prefix+"user.id", &b.User.ID, userID); err != nil && userID != 0 {
			return nil, err
		}
		if err := validateUser(prefix+"user.", b.User); err != nil {
			return nil, err
		}
		userID = b.User.ID
	}
	if userID == 0 {
		return nil, invalid(prefix+"user.id", "required")
	}
	if b.Nick != nil {
		if err := checkLen(prefix+"nick", *b.Nick, 1, 32); err != nil {
			return nil, err
		}
	}
	seen := map[protocol.Snowflake]bool{}
	for i, r := range b.Roles {
		if r == 0 || seen[r] {
			return nil, invalid(fmt.Sprintf("%sroles[%d]", prefix, i), "zero or duplicate role id")
		}
		seen[r] = true
	}
	if b.Roles == nil {
		b.Roles = []protocol.Snowflake{}
	}
	if b.JoinedAt == "" {
		b.JoinedAt = time.Now().UTC().Format(time.RFC3339Nano)
	} else if _, err := time.Parse(time.RFC3339Nano, b.JoinedAt); err != nil {
		return nil, invalid(prefix+"joined_at", "not an ISO 8601 timestamp")
	}
	return &guild.Member{
		UserID: userID, Nick: b.Nick, Avatar: b.Avatar, Roles: b.Roles, JoinedAt: b.JoinedAt,
		Deaf: b.Deaf, Mute: b.Mute, Flags: b.Flags, Pending: b.Pending,
	}, nil
}

func (a *API) putMember(w http.ResponseWriter, r *http.Request) error {
	gid, err := pathID(r, "guild_id")
	if err != nil {
		return err
	}
	uid, err := pathID(r, "user_id")
	if err != nil {
		return err
	}
	var b memberBody
	if err := decodeBody(r, &b); err != nil {
		return err
	}
	m, err := validateMember("", &b, uid)
	if err != nil {
		return err
	}
	if _, err := a.guildExists(r, gid); err != nil {
		return err
	}
	user := b.User
	if user == nil {
		u, err := a.st.GetUser(r.Context(), uid)
		if errors.Is(err, store.ErrNotFound) {
			return invalid("user", "unknown user: send the user inline or PUT /ingest/v1/users/{id} first")
		} else if err != nil {
			return err
		}
		user = u
	}
	old, err := a.st.GetMember(r.Context(), gid, uid)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	if b.User != nil {
		if _, err := a.st.PutUser(r.Context(), b.User); err != nil {
			return err
		}
	}
	rev, err := a.st.PutMember(r.Context(), gid, m)
	if err != nil {
		return err
	}
	t := "GUILD_MEMBER_UPDATE"
	if old == nil {
		t = "GUILD_MEMBER_ADD"
	}
	m.User = user
	if err := a.publish(guild.Event{Type: t, GuildID: gid, Rev: rev, ID: uid}, m); err != nil {
		return err
	}
	if old == nil {
		// The guild's subject reaches only nodes that already have the
		// guild loaded; the member's sessions may be on a node that has
		// not, and every node hears the user subject.
		if err := a.publishJoin(gid, uid, rev); err != nil {
			return err
		}
	}
	writeJSON(w, http.StatusOK, m)
	return nil
}

func (a *API) deleteMember(w http.ResponseWriter, r *http.Request) error {
	gid, err := pathID(r, "guild_id")
	if err != nil {
		return err
	}
	uid, err := pathID(r, "user_id")
	if err != nil {
		return err
	}
	if _, err := a.guildExists(r, gid); err != nil {
		return err
	}
	if _, err := a.st.GetMember(r.Context(), gid, uid); errors.Is(err, store.ErrNotFound) {
		return notFound("user_id", "not a member of this guild")
	} else if err != nil {
		return err
	}
	rev, err := a.st.DeleteMember(r.Context(), gid, uid)
	if err != nil {
		return err
	}
	if err := a.publish(guild.Event{Type: "GUILD_MEMBER_REMOVE", GuildID: gid, Rev: rev, ID: uid}, nil); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
