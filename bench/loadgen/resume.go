package loadgen

import (
	"context"
	"net"
	"net/url"
	"sync/atomic"
	"time"

	"github.com/panjf2000/gnet/v2"

	"gatehouse/server/ws"
)

// maxResumeAttempts bounds how often one session tries to get back after a
// drop (refused upgrades, connect errors) before it counts as lost.
const maxResumeAttempts = 20

// resumeState is the Runner's resume bookkeeping. Any goroutine (atomics
// and a channel).
type resumeState struct {
	redial    chan ticket
	addr      atomic.Pointer[string] // host:port from the first READY's resume_gateway_url
	firstDrop atomic.Int64           // now() of the first drop, +1 so 0 means none
	lastBack  atomic.Int64           // now() of the latest RESUMED
	took      Histogram              // drop → RESUMED, per session
}

// ticket is what a dropped session needs to resume on a new connection.
// It is handed from the old connection's loop to a redialer goroutine and
// becomes a new conn: a conn never moves between loops, so the old loop's
// heartbeat wheel may keep a stale pointer to the closed one safely.
type ticket struct {
	idx       uint32
	attempt   uint8
	seq       uint64
	sessionID string
	dropAt    int64
}

// startRedialers runs the goroutines that dial for resuming sessions.
func (r *Runner) startRedialers(ctx context.Context) {
	r.res.redial = make(chan ticket, r.cfg.Conns)
	for i := 0; i < r.cfg.Dialers; i++ {
		go func() {
			for {
				select {
				case t := <-r.res.redial:
					r.redialOne(ctx, t)
				case <-ctx.Done():
					return
				}
			}
		}()
	}
}

// redialOne opens a new connection for t; a failed connect goes back in the
// queue after a pause.
func (r *Runner) redialOne(ctx context.Context, t ticket) {
	if r.stopping.Load() {
		return
	}
	c := &conn{idx: t.idx, dialAt: r.now(), seq: t.seq, sessionID: t.sessionID,
		dropAt: t.dropAt, attempt: t.attempt, resolved: true}
	r.c.resumeDials.Add(1)
	addr := r.tgt.addr
	if a := r.res.addr.Load(); a != nil {
		addr = *a
	}
	if err := r.dial(ctx, c, addr); err != nil {
		r.retryResume(t)
	}
}

// retryResume queues t again after a pause that grows with its attempts,
// or gives the session up.
func (r *Runner) retryResume(t ticket) {
	if t.attempt >= maxResumeAttempts {
		r.c.resumeFailed.Add(1)
		r.c.resuming.Add(-1)
		return
	}
	t.attempt++
	wait := min(time.Duration(t.attempt)*250*time.Millisecond, 2*time.Second)
	time.AfterFunc(wait, func() {
		if !r.stopping.Load() {
			r.res.redial <- t
		}
	})
}

// afterClose runs on c's loop once its socket is gone: a session that
// should resume gets a ticket.
func (r *Runner) afterClose(c *conn) {
	if !r.cfg.Resume || r.stopping.Load() || c.sessionID == "" {
		return
	}
	failedAttempt := c.attempt > 0 && !c.back
	if !c.wantResume && !failedAttempt {
		return
	}
	t := ticket{idx: c.idx, attempt: 1, seq: c.seq, sessionID: c.sessionID, dropAt: c.dropAt}
	if failedAttempt {
		t.attempt = c.attempt
		r.retryResume(t)
		return
	}
	for {
		f := r.res.firstDrop.Load()
		if (f != 0 && f <= c.dropAt+1) || r.res.firstDrop.CompareAndSwap(f, c.dropAt+1) {
			break
		}
	}
	r.c.resuming.Add(1)
	r.res.redial <- t
}

// DropAll closes every identified session's TCP connection at once, with
// no close frame, as a network failure or a restarted load balancer would;
// with Resume each session then resumes. Any goroutine.
func (r *Runner) DropAll() {
	r.onEveryLoop(func(l *loop) gnet.RunnableFunc { return l.dropFn })
}

// dropAll is DropAll on one loop.
func (l *loop) dropAll(context.Context) error {
	now := l.r.now()
	l.each(func(c *conn) {
		if c.phase == phaseReady && c.sessionID != "" {
			c.wantResume, c.dropAt = true, now
			l.r.c.forcedDrops.Add(1)
			c.close()
		}
	})
	return nil
}

// resume sends op 6 on a new connection of a dropped session. Loop only.
func (c *conn) resume(now int64) {
	r := c.lp.r
	b := c.lp.pay[:0]
	b = append(b, `{"op":6,"d":{"token":"`...)
	b = append(b, r.signer.Mint(r.cfg.UserBase+uint64(c.idx), time.Now())...)
	b = append(b, `","session_id":`...)
	b = appendJSONString(b, c.sessionID)
	b = append(b, `,"seq":`...)
	b = appendUint(b, c.seq)
	b = append(b, `}}`...)
	c.identAt = now
	c.phase = phaseResumeWait
	c.lp.pay = b
	c.send(ws.OpText, b)
}

// onResumed: every missed dispatch was replayed (seq checked on each) and
// the session is back. Loop only.
func (c *conn) onResumed(now int64) {
	r := c.lp.r
	c.phase, c.back, c.wantResume = phaseReady, true, false
	r.c.resumed.Add(1)
	r.c.resuming.Add(-1)
	r.res.took.Record(time.Duration(now - c.dropAt))
	casMax(&r.res.lastBack, now)
	c.dropAt = 0
}

// noteResumeAddr keeps the first READY's resume_gateway_url as host:port.
func (r *Runner) noteResumeAddr(raw string) {
	if r.res.addr.Load() != nil || !r.cfg.Resume {
		return
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return
	}
	host := u.Host
	if _, _, err := net.SplitHostPort(host); err != nil {
		return
	}
	r.res.addr.CompareAndSwap(nil, &host)
}

// ResumeResult is what resuming did in a run.
type ResumeResult struct {
	// Reconnects are op 7s received; ForcedDrops connections DropAll
	// closed; Disconnects connections lost without a close frame.
	Reconnects  int64 `json:"reconnects"`
	ForcedDrops int64 `json:"forced_drops"`
	Disconnects int64 `json:"disconnects"`
	Dials       int64 `json:"dials"`   // connections opened to resume
	Resumed     int64 `json:"resumed"` // RESUMED received
	// Failed sessions could not resume: op 9, or out of attempts.
	Failed int64 `json:"failed"`
	// AllBackSeconds runs from the first drop to the last RESUMED.
	AllBackSeconds float64     `json:"all_back_seconds"`
	Took           HistSummary `json:"drop_to_resumed"`
}

func (r *Runner) resumeResult() *ResumeResult {
	if !r.cfg.Resume {
		return nil
	}
	rr := &ResumeResult{
		Reconnects: r.c.reconnects.Load(), ForcedDrops: r.c.forcedDrops.Load(), Disconnects: r.c.disconnects.Load(),
		Dials: r.c.resumeDials.Load(), Resumed: r.c.resumed.Load(), Failed: r.c.resumeFailed.Load(),
		Took: r.res.took.Summary(),
	}
	if first, last := r.res.firstDrop.Load()-1, r.res.lastBack.Load(); first >= 0 && last > first {
		rr.AllBackSeconds = float64(last-first) / 1e9
	}
	return rr
}

// appendJSONString appends s as a JSON string.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		switch ch := s[i]; {
		case ch == '"' || ch == '\\':
			b = append(b, '\\', ch)
		case ch < 0x20:
			b = append(b, '\\', 'u', '0', '0', hex[ch>>4], hex[ch&15])
		default:
			b = append(b, ch)
		}
	}
	return append(b, '"')
}
