package ingest

import (
	"errors"
	"net/http"
	"strconv"

	"gatehouse/core/protocol"
	"gatehouse/core/store"
)

// Error is an answer to a bad request: status, the field at fault and why.
type Error struct {
	Status  int    `json:"-"`
	Field   string `json:"field,omitempty"`
	Message string `json:"message"`
}

func (e *Error) Error() string { return strconv.Itoa(e.Status) + " " + e.Field + ": " + e.Message }

func invalid(field, msg string) *Error {
	return &Error{Status: http.StatusBadRequest, Field: field, Message: msg}
}

func notFound(field, msg string) *Error {
	return &Error{Status: http.StatusNotFound, Field: field, Message: msg}
}

// fail writes err as JSON and logs it once.
func (a *API) fail(w http.ResponseWriter, r *http.Request, err error) {
	var e *Error
	switch {
	case errors.As(err, &e):
	case errors.Is(err, store.ErrNotFound):
		e = &Error{Status: http.StatusNotFound, Message: "not found"}
	default:
		a.log.Error("ingest: internal error", "method", r.Method, "path", r.URL.Path, "err", err)
		e = &Error{Status: http.StatusInternalServerError, Message: "internal error"}
	}
	if e.Status < 500 {
		a.log.Info("ingest: rejected", "method", r.Method, "path", r.URL.Path, "status", e.Status, "field", e.Field, "reason", e.Message)
	}
	writeJSON(w, e.Status, map[string]any{"error": e})
}

// writeJSON answers v with Content-Type application/json.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := protocol.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"error":{"message":"internal error"}}`)
	}
	w.Header()["Content-Type"] = []string{"application/json"}
	w.WriteHeader(status)
	_, _ = w.Write(b)
}
