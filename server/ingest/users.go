package ingest

import (
	"net/http"

	"gatehouse/core/guild"
	"gatehouse/core/protocol"
)

func validateUser(prefix string, u *guild.User) error {
	if u.ID == 0 {
		return invalid(prefix+"id", "required")
	}
	if err := checkLen(prefix+"username", u.Username, 1, 32); err != nil {
		return err
	}
	if u.Discriminator == "" {
		u.Discriminator = "0"
	}
	if len(u.Discriminator) > 4 {
		return invalid(prefix+"discriminator", "at most 4 digits")
	}
	if u.GlobalName != nil {
		if err := checkLen(prefix+"global_name", *u.GlobalName, 1, 32); err != nil {
			return err
		}
	}
	if u.PrivilegedIntents&^protocol.IntentsPrivileged != 0 {
		return invalid(prefix+"privileged_intents", "only GUILD_MEMBERS (2), GUILD_PRESENCES (256) and MESSAGE_CONTENT (32768) are privileged")
	}
	return nil
}

func (a *API) putUser(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "user_id")
	if err != nil {
		return err
	}
	var u guild.User
	if err := decodeBody(r, &u); err != nil {
		return err
	}
	if err := matchID("id", &u.ID, id); err != nil {
		return err
	}
	if err := validateUser("", &u); err != nil {
		return err
	}
	rev, err := a.st.PutUser(r.Context(), &u)
	if err != nil {
		return err
	}
	if err := a.publishUser("USER_UPDATE", rev, &u); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, u)
	return nil
}

func (a *API) deleteUser(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "user_id")
	if err != nil {
		return err
	}
	if _, err := a.st.GetUser(r.Context(), id); err != nil {
		return err
	}
	rev, err := a.st.DeleteUser(r.Context(), id)
	if err != nil {
		return err
	}
	if err := a.publishUser("USER_DELETE", rev, &guild.User{ID: id}); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
