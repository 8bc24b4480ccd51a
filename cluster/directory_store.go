package cluster

import (
	"log/slog"
	"time"

	"github.com/nats-io/nats.go"
)

// directorySyncWait bounds how long an Engine's start waits for the
// directory's initial values. A node with a very large state may take
// longer; it then starts anyway, answers identifies from NATS and reports
// not ready (Engine.Healthy) until the directory has caught up.
const directorySyncWait = 60 * time.Second

// openDirectory starts the store's directory over nc and waits, at most
// wait, for its initial values. Call once, before the store is shared.
func (s *KVStore) openDirectory(nc *nats.Conn, timeout, wait time.Duration, log *slog.Logger) {
	s.dir = newDirectory(s.users, s.guilds, nc, timeout, log)
	s.dir.start()
	if !s.dir.waitSynced(wait) {
		log.Warn("cluster: directory still loading; identifies read NATS until it has", "waited", wait)
	}
}

// closeDirectory stops the directory's watches; a store without one is
// left as it is.
func (s *KVStore) closeDirectory() {
	if s != nil {
		s.dir.close()
	}
}

// DirectorySynced reports whether the store answers identify lookups from
// memory: true without a directory only if there is nothing to wait for.
func (s *KVStore) DirectorySynced() bool { return s.dir == nil || s.dir.synced() }
