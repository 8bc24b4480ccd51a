package session

import (
	"crypto/rand"
	"encoding/hex"
	"sync"
	"time"

	"gatehouse/core/protocol"
)

// Manager is the registry of this node's sessions and the identify rate
// limiter. Safe for concurrent use; mu guards the maps (lock order: before
// any Session.mu).
type Manager struct {
	cfg Config

	mu       sync.Mutex
	sessions map[string]*Session
	byUser   map[uint64][]*Session   // a user's sessions; most users have one
	buckets  map[bucketKey]time.Time // last identify per bucket
}

type bucketKey struct {
	user   uint64
	bucket int
}

// NewManager returns a Manager with cfg (defaults filled in).
func NewManager(cfg Config) *Manager {
	return &Manager{
		cfg:      cfg.withDefaults(),
		sessions: make(map[string]*Session),
		byUser:   make(map[uint64][]*Session),
		buckets:  make(map[bucketKey]time.Time),
	}
}

// Config returns the effective configuration.
func (m *Manager) Config() Config { return m.cfg }

// Get returns a session by id.
func (m *Manager) Get(id string) *Session {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.sessions[id]
}

// ByUser returns the user's live sessions on this node.
func (m *Manager) ByUser(userID uint64) []*Session {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]*Session(nil), m.byUser[userID]...)
}

// All returns every live session on this node.
func (m *Manager) All() []*Session {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]*Session, 0, len(m.sessions))
	for _, s := range m.sessions {
		out = append(out, s)
	}
	return out
}

// Len is the number of live sessions.
func (m *Manager) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.sessions)
}

// allowIdentify applies max_concurrency: one identify per bucket
// (shard_id % max_concurrency) per user per IdentifyWindow.
func (m *Manager) allowIdentify(user uint64, shardID int, now time.Time) bool {
	k := bucketKey{user, shardID % m.cfg.MaxConcurrency}
	m.mu.Lock()
	defer m.mu.Unlock()
	if last, ok := m.buckets[k]; ok && now.Sub(last) < m.cfg.IdentifyWindow {
		return false
	}
	m.buckets[k] = now
	return true
}

func (m *Manager) register(s *Session) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sessions[s.ID] = s
	m.byUser[s.UserID] = append(m.byUser[s.UserID], s)
}

// End removes a session: it can no longer be resumed.
func (m *Manager) End(s *Session, why string) {
	m.mu.Lock()
	_, live := m.sessions[s.ID]
	delete(m.sessions, s.ID)
	if ss := m.byUser[s.UserID]; ss != nil {
		for i, x := range ss {
			if x == s {
				ss = append(ss[:i:i], ss[i+1:]...)
				break
			}
		}
		if len(ss) == 0 {
			delete(m.byUser, s.UserID)
		} else {
			m.byUser[s.UserID] = ss
		}
	}
	m.mu.Unlock()
	if !live {
		return
	}
	s.end()
	if m.cfg.OnSessionEnd != nil {
		m.cfg.OnSessionEnd(s, why)
	}
}

// Sweep ends sessions detached for longer than the resume window and forgets
// stale identify buckets. The transport calls it periodically.
func (m *Manager) Sweep(now time.Time) (expired int) {
	var dead []*Session
	m.mu.Lock()
	for _, s := range m.sessions {
		s.mu.Lock()
		if s.link == nil && now.Sub(s.detachedAt) > m.cfg.ResumeWindow {
			dead = append(dead, s)
		}
		s.mu.Unlock()
	}
	for k, t := range m.buckets {
		if now.Sub(t) >= m.cfg.IdentifyWindow {
			delete(m.buckets, k)
		}
	}
	m.mu.Unlock()
	for _, s := range dead {
		m.End(s, "resume window expired")
	}
	return len(dead)
}

func newSessionID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// hello is op 10's d, encoded once.
func (m *Manager) hello() []byte {
	b, _ := protocol.Marshal(protocol.Hello{HeartbeatInterval: int(m.cfg.HeartbeatInterval / time.Millisecond)})
	return b
}
