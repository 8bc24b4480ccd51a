// Package ingest is the HTTP API backends use to push state and events into
// gatehouse. Every write is validated whole before anything changes; a
// rejected request gets a JSON 4xx naming the field and the reason and
// changes nothing. Accepted writes go to the Store, then an Event goes on the
// Broker so every node can update its cache and fan out.
package ingest

import (
	"crypto/subtle"
	"errors"
	"log/slog"
	"net/http"
	"strings"

	"gatehouse/core/broker"
	"gatehouse/core/protocol"
	"gatehouse/core/store"
)

// MaxBody caps a JSON request body; NDJSON batches are streamed instead.
const MaxBody = 1 << 20

// API serves /ingest/v1/. Safe for concurrent use: it holds no mutable state
// of its own.
type API struct {
	secret []byte
	st     store.Store
	br     broker.Broker
	ids    *protocol.SnowflakeGen
	log    *slog.Logger
	tmpDir string
}

// Config wires an API.
type Config struct {
	Secret string // Authorization: Bearer <secret>
	Store  store.Store
	Broker broker.Broker
	IDs    *protocol.SnowflakeGen
	Logger *slog.Logger
	TmpDir string // where NDJSON batches are spooled ("" = os.TempDir)
}

// New returns the API; an empty secret is refused.
func New(cfg Config) (*API, error) {
	if cfg.Secret == "" {
		return nil, errors.New("ingest: empty secret")
	}
	if cfg.Store == nil || cfg.Broker == nil {
		return nil, errors.New("ingest: store and broker are required")
	}
	if cfg.IDs == nil {
		cfg.IDs = protocol.NewSnowflakeGen(0)
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return &API{secret: []byte(cfg.Secret), st: cfg.Store, br: cfg.Broker, ids: cfg.IDs, log: cfg.Logger, tmpDir: cfg.TmpDir}, nil
}

// Register adds the routes to mux.
func (a *API) Register(mux *http.ServeMux) {
	h := func(pattern string, fn func(w http.ResponseWriter, r *http.Request) error) {
		mux.Handle(pattern, a.wrap(fn))
	}
	const p = "/ingest/v1"
	h("PUT "+p+"/users/{user_id}", a.putUser)
	h("DELETE "+p+"/users/{user_id}", a.deleteUser)
	h("PUT "+p+"/guilds/{guild_id}", a.putGuild)
	h("DELETE "+p+"/guilds/{guild_id}", a.deleteGuild)
	h("PUT "+p+"/guilds/{guild_id}/roles/{role_id}", a.putRole)
	h("DELETE "+p+"/guilds/{guild_id}/roles/{role_id}", a.deleteRole)
	h("PUT "+p+"/guilds/{guild_id}/channels/{channel_id}", a.putChannel)
	h("DELETE "+p+"/guilds/{guild_id}/channels/{channel_id}", a.deleteChannel)
	h("PUT "+p+"/guilds/{guild_id}/members/{user_id}", a.putMember)
	h("DELETE "+p+"/guilds/{guild_id}/members/{user_id}", a.deleteMember)
	h("POST "+p+"/guilds/{guild_id}/members:batch", a.batchMembers)
	h("POST "+p+"/channels/{channel_id}/messages", a.postMessage)
	h("PATCH "+p+"/channels/{channel_id}/messages/{message_id}", a.patchMessage)
	h("DELETE "+p+"/channels/{channel_id}/messages/{message_id}", a.deleteMessage)
	h("POST "+p+"/channels/{channel_id}/typing", a.postTyping)
	mux.Handle(p+"/", a.wrap(func(http.ResponseWriter, *http.Request) error {
		return &Error{Status: http.StatusNotFound, Message: "unknown route"}
	}))
}

// wrap authenticates, runs fn and answers its error as JSON.
func (a *API) wrap(fn func(w http.ResponseWriter, r *http.Request) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := a.auth(r); err != nil {
			a.fail(w, r, err)
			return
		}
		if err := fn(w, r); err != nil {
			a.fail(w, r, err)
		}
	})
}

func (a *API) auth(r *http.Request) error {
	h := r.Header.Get("Authorization")
	if h == "" {
		return &Error{Status: http.StatusUnauthorized, Field: "Authorization", Message: "missing bearer secret"}
	}
	tok, ok := strings.CutPrefix(h, "Bearer ")
	if !ok || subtle.ConstantTimeCompare([]byte(tok), a.secret) != 1 {
		return &Error{Status: http.StatusForbidden, Field: "Authorization", Message: "wrong bearer secret"}
	}
	return nil
}
