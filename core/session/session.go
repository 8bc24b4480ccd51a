package session

import (
	"sync"
	"time"

	"gatehouse/core/protocol"
)

// Session is one identified gateway session. It outlives its connections:
// when a link drops it stays resumable for the resume window.
//
// Immutable after creation: ID, UserID, Intents, Shard, LargeThreshold.
// Everything else is guarded by mu; any goroutine may call Dispatch.
type Session struct {
	ID             string
	UserID         uint64
	Intents        uint64
	Shard          [2]int // id, count; count 1 when unsharded
	LargeThreshold int
	// PayloadCompress is Identify's compress:true; a Resume restores it on
	// the new connection.
	PayloadCompress bool

	mu         sync.Mutex
	seq        uint64
	replay     replay
	link       Link      // attached connection; nil while detached
	detachedAt time.Time // when link went nil
	ended      bool
	presence   *protocol.PresenceUpdate
}

// Dispatch assigns the next sequence number to an event and queues it for
// the client, keeping it for Resume. d is shared, never modified. It returns
// false when the session has ended.
func (s *Session) Dispatch(t string, d []byte) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.dispatchLocked(t, d)
}

// dispatchLocked is Dispatch with s.mu held.
func (s *Session) dispatchLocked(t string, d []byte) bool {
	return s.sendLocked(t, d, true)
}

// sendLocked assigns the next seq and queues the dispatch, keeping it for
// Resume when keep is set. READY is not kept: a client that missed it has
// no session id to resume with, so keeping it (about 450 bytes) would only
// cost every idle session memory. s.mu held.
func (s *Session) sendLocked(t string, d []byte, keep bool) bool {
	if s.ended {
		return false
	}
	s.seq++
	f := protocol.Frame{Op: protocol.OpDispatch, T: t, S: s.seq, D: d}
	if keep {
		s.replay.push(f)
	}
	if s.link != nil {
		s.link.Send(f)
	}
	return true
}

// Seq is the last sequence number issued.
func (s *Session) Seq() uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.seq
}

// Attached reports whether a connection currently carries the session.
func (s *Session) Attached() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.link != nil
}

// Presence is the presence the client last set (Identify or op 3), or nil.
func (s *Session) Presence() *protocol.PresenceUpdate {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.presence
}

// Reconnect sends op 7: the client should reconnect and resume. Used to drain.
func (s *Session) Reconnect() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.link != nil {
		s.link.Send(protocol.Frame{Op: protocol.OpReconnect})
	}
}

// Kick closes the session's current connection with code, leaving the
// session resumable unless the code ends it.
func (s *Session) Kick(code protocol.CloseCode) {
	s.mu.Lock()
	l := s.link
	s.mu.Unlock()
	if l != nil {
		l.Close(code, code.Reason())
	}
}

// detach drops l if it is still the session's link.
func (s *Session) detach(l Link, now time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.link == l {
		s.link = nil
		s.detachedAt = now
	}
}

// end marks the session over; later dispatches are dropped.
func (s *Session) end() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ended = true
	s.link = nil
	s.replay.clear()
}
