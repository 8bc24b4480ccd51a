package server

import (
	"context"
	"crypto/subtle"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"gatehouse/core/session"
	"gatehouse/server/ws"
)

// DrainConfig paces a drain: op 7 goes to Batch sessions every Interval,
// and Drain gives up waiting after Timeout.
type DrainConfig struct {
	Batch    int           // sessions told to reconnect per Interval (default 100)
	Interval time.Duration // between batches (default 200 ms)
	Timeout  time.Duration // bound on the whole drain (default 60 s)
}

func (c DrainConfig) withDefaults() DrainConfig {
	if c.Batch <= 0 {
		c.Batch = 100
	}
	if c.Interval <= 0 {
		c.Interval = 200 * time.Millisecond
	}
	if c.Timeout <= 0 {
		c.Timeout = time.Minute
	}
	return c
}

// DrainStats is what a drain did.
type DrainStats struct {
	Told     int           // sessions sent op 7
	Left     int           // connections still open when Drain returned
	Duration time.Duration //
	TimedOut bool
}

// drainState is the server's drain flag and the admin endpoint's request
// channel. Any goroutine.
type drainState struct {
	on        atomic.Bool
	requested chan struct{} // closed by the first POST /admin/drain
	reqOnce   sync.Once
}

// Draining reports whether the node is draining: /readyz answers 503 and
// new WebSocket upgrades are refused with 503, so a load balancer sends
// clients elsewhere (haproxy retries the upgrade on another server).
func (s *Server) Draining() bool { return s.drain.on.Load() }

// DrainRequested is closed when POST /admin/drain asks this node to drain;
// the binary then drains and exits as on SIGTERM.
func (s *Server) DrainRequested() <-chan struct{} { return s.drain.requested }

// Drain marks the node unready, sends op 7 to its attached sessions in
// paced batches (sessions that attach meanwhile get theirs in a later
// batch) and waits until no gateway connection is left, ctx ends or the
// timeout passes. Sessions stay resumable here until the node stops, but
// clients reconnecting through the load balancer land on another node,
// whose answer to their Resume is op 9, and identify there.
func (s *Server) Drain(ctx context.Context, cfg DrainConfig) DrainStats {
	cfg = cfg.withDefaults()
	start := time.Now()
	s.drain.on.Store(true)
	ctx, cancel := context.WithTimeout(ctx, cfg.Timeout)
	defer cancel()
	s.log.Info("draining", "sessions", s.mgr.Len(), "connections", s.stats.conns.Load(),
		"batch", cfg.Batch, "interval", cfg.Interval, "timeout", cfg.Timeout)

	told := make(map[*session.Session]struct{})
	tick := time.NewTicker(min(cfg.Interval, 50*time.Millisecond))
	defer tick.Stop()
	var next time.Time
	for {
		now := time.Now()
		if !now.Before(next) {
			next = now.Add(cfg.Interval)
			s.tellBatch(told, cfg.Batch)
		}
		if s.stats.conns.Load() == 0 {
			break
		}
		select {
		case <-tick.C:
		case <-ctx.Done():
			st := DrainStats{Told: len(told), Left: int(s.stats.conns.Load()), Duration: time.Since(start), TimedOut: true}
			s.log.Warn("drain timed out", "told", st.Told, "connections_left", st.Left, "after", st.Duration)
			return st
		}
	}
	st := DrainStats{Told: len(told), Duration: time.Since(start)}
	s.log.Info("drained", "told", st.Told, "after", st.Duration)
	return st
}

// tellBatch sends op 7 to up to n attached sessions not told yet.
func (s *Server) tellBatch(told map[*session.Session]struct{}, n int) {
	for _, sess := range s.mgr.All() {
		if n == 0 {
			return
		}
		if _, ok := told[sess]; ok || !sess.Attached() {
			continue
		}
		told[sess] = struct{}{}
		sess.Reconnect()
		n--
	}
}

// errDraining answers upgrades while draining.
var errDraining = &ws.HTTPError{Status: http.StatusServiceUnavailable, Message: "node is draining; connect again"}

// refuseDraining answers an upgrade with 503 while draining and reports
// whether it did. Loop only.
func (s *Server) refuseDraining(c *wsConn) bool {
	if !s.drain.on.Load() {
		return false
	}
	_, _ = c.gc.Write(ws.RejectResponse(errDraining))
	c.phase = phaseClosed
	_ = c.gc.Close()
	return true
}

// postDrain serves POST /admin/drain: with `Authorization: Bearer
// <AdminSecret>` it asks the process to drain and exit (202, idempotent).
// Without an admin secret configured the route answers 404.
func (s *Server) postDrain(w http.ResponseWriter, r *http.Request) {
	if s.cfg.AdminSecret == "" {
		writeJSONError(w, http.StatusNotFound, 0, "404: Not Found")
		return
	}
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok {
		writeJSONError(w, http.StatusUnauthorized, 0, "401: Unauthorized")
		return
	}
	if subtle.ConstantTimeCompare([]byte(tok), []byte(s.cfg.AdminSecret)) != 1 {
		writeJSONError(w, http.StatusForbidden, 0, "403: Forbidden")
		return
	}
	s.drain.on.Store(true)
	s.drain.reqOnce.Do(func() { close(s.drain.requested) })
	writeJSON(w, http.StatusAccepted, map[string]string{"status": "draining"})
}
