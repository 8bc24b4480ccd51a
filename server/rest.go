package server

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"gatehouse/core/protocol"
)

// restHandler serves the Discord REST routes client libraries call before
// they connect. Every answer is JSON with Content-Type exactly
// "application/json" (one client compares the header string).
func (s *Server) restHandler() http.Handler {
	mux := http.NewServeMux()
	for _, v := range []string{"9", "10"} {
		p := "/api/v" + v
		mux.HandleFunc("GET "+p+"/gateway", s.getGateway)
		mux.HandleFunc("GET "+p+"/gateway/bot", s.authed(s.getGatewayBot))
		mux.HandleFunc("GET "+p+"/users/@me", s.authed(s.getMe))
		mux.HandleFunc("GET "+p+"/oauth2/applications/@me", s.authed(s.getApplication))
	}
	mux.HandleFunc("GET /metrics", s.metrics)
	mux.HandleFunc("POST /admin/drain", s.postDrain)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, _ *http.Request) {
		if s.Draining() {
			writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "draining"})
			return
		}
		if s.cfg.Ready != nil && !s.cfg.Ready() {
			writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "not ready"})
			return
		}
		writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
	})
	if s.cfg.Routes != nil {
		s.cfg.Routes(mux)
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeJSONError(w, http.StatusNotFound, 0, "404: Not Found")
	})
	return mux
}

// writeJSON writes v as the response body.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := protocol.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"message":"internal error","code":0}`)
	}
	w.Header()["Content-Type"] = []string{"application/json"}
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// writeJSONError writes Discord's error shape.
func writeJSONError(w http.ResponseWriter, status, code int, msg string) {
	writeJSON(w, status, map[string]any{"message": msg, "code": code})
}

// authed checks `Authorization: Bot <token>` (or a bare token) and passes
// the user id on.
func (s *Server) authed(h func(http.ResponseWriter, *http.Request, uint64)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		tok := r.Header.Get("Authorization")
		tok = strings.TrimPrefix(tok, "Bearer ")
		user, err := s.cfg.Session.Signer.Verify(tok)
		if err != nil {
			s.log.Info("rest: unauthorized", "path", r.URL.Path, "remote", r.RemoteAddr)
			writeJSONError(w, http.StatusUnauthorized, 0, "401: Unauthorized")
			return
		}
		h(w, r, user)
	}
}

func (s *Server) getGateway(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"url": s.cfg.PublicURL})
}

func (s *Server) getGatewayBot(w http.ResponseWriter, _ *http.Request, _ uint64) {
	mc := s.mgr.Config().MaxConcurrency
	writeJSON(w, http.StatusOK, map[string]any{
		"url":    s.cfg.PublicURL,
		"shards": 1,
		"session_start_limit": map[string]any{
			"total": 1000, "remaining": 1000,
			"reset_after":     int((24 * time.Hour) / time.Millisecond),
			"max_concurrency": mc,
		},
	})
}

func (s *Server) getMe(w http.ResponseWriter, _ *http.Request, user uint64) {
	writeJSON(w, http.StatusOK, s.mgr.User(user))
}

func (s *Server) getApplication(w http.ResponseWriter, _ *http.Request, user uint64) {
	u := s.mgr.User(user)
	writeJSON(w, http.StatusOK, map[string]any{
		"id": s.mgr.Config().ApplicationID, "name": u.Username, "icon": nil, "description": "",
		"bot_public": true, "bot_require_code_grant": false, "flags": 0,
		"owner": u, "bot": u, "verify_key": "", "team": nil,
	})
}
