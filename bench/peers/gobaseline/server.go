package main

import (
	"crypto/rand"
	"encoding/hex"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"

	"gatehouse/core/auth"
)

// server holds the identified sessions. Any goroutine: the session set is
// guarded by mu, the counters are atomics.
type server struct {
	signer    *auth.Signer
	hb        time.Duration
	queue     int
	resumeURL string
	up        websocket.Upgrader

	mu       sync.Mutex
	sessions map[*session]struct{}
	conns    atomic.Int64
}

func newServer(signer *auth.Signer, hb time.Duration, queue int, resumeURL string) *server {
	return &server{
		signer: signer, hb: hb, queue: max(queue, 1), resumeURL: resumeURL,
		// gorilla's defaults (4 KiB buffers, reused from net/http's
		// bufio where it can): what a plain program gets.
		up:       websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }},
		sessions: map[*session]struct{}{},
	}
}

func (s *server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /ingest/v1/channels/{channel_id}/messages", s.postMessage)
	mux.HandleFunc("GET /metrics", s.metrics)
	mux.HandleFunc("GET /", s.upgrade)
	return mux
}

// upgrade starts a session: a reader goroutine (this one) and a writer.
func (s *server) upgrade(w http.ResponseWriter, r *http.Request) {
	wc, err := s.up.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	s.conns.Add(1)
	defer s.conns.Add(-1)
	var id [8]byte
	_, _ = rand.Read(id[:])
	sess := &session{srv: s, ws: wc, id: hex.EncodeToString(id[:]),
		out: make(chan []byte, s.queue), ctl: make(chan []byte, 8), done: make(chan struct{})}
	go sess.writer()
	sess.reader()
	s.mu.Lock()
	delete(s.sessions, sess)
	s.mu.Unlock()
	sess.stop()
}

// add makes sess a broadcast recipient.
func (s *server) add(sess *session) {
	s.mu.Lock()
	s.sessions[sess] = struct{}{}
	s.mu.Unlock()
}

// postMessage broadcasts the body as a MESSAGE_CREATE's d to every
// identified session; a session whose queue is full is closed, as a slow
// reader would be by gatehouse.
func (s *server) postMessage(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil || len(body) == 0 {
		http.Error(w, `{"error":{"message":"bad body"}}`, http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	for sess := range s.sessions {
		select {
		case sess.out <- body:
		default:
			go sess.stop()
		}
	}
	s.mu.Unlock()
	w.Header()["Content-Type"] = []string{"application/json"}
	_, _ = w.Write(body)
}
