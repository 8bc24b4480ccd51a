package loadgen

import (
	"context"
	"math/rand/v2"

	"github.com/panjf2000/gnet/v2"
)

// loop is the load generator's state for one gnet client event loop: its
// connections (an intrusive list), its heartbeat wheel and scratch buffers.
// Everything here is owned by the loop goroutine; other goroutines reach it
// only through el.Execute.
type loop struct {
	r    *Runner
	el   gnet.EventLoop
	head conn // list sentinel: head.next is the first connection
	n    int
	hb   *wheel
	rng  *rand.Rand // masking keys and jitter; not cryptographic, nor need they be
	out  []byte     // outbound frame scratch
	pay  []byte     // outbound payload scratch
	msg  []byte     // decompressed message scratch
	// tagAt is where the last tagged message read on this loop had its
	// tag (parseTagAt's hint).
	tagAt int

	retries []*conn // waiting to identify again after op 9

	lastScan int64 // last setup-timeout sweep
	tickFn   gnet.RunnableFunc
	idFn     gnet.RunnableFunc
	closeFn  gnet.RunnableFunc
	dropFn   gnet.RunnableFunc
}

func newLoop(r *Runner, el gnet.EventLoop, seed uint64) *loop {
	l := &loop{r: r, el: el, rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}
	l.head.next, l.head.prev = &l.head, &l.head
	l.hb = newWheel(int64(r.cfg.TickInterval), r.now())
	l.tickFn = l.tick
	l.idFn = l.releaseIdentify
	l.closeFn = l.closeAll
	l.dropFn = l.dropAll
	return l
}

func (l *loop) add(c *conn) {
	c.prev, c.next = l.head.prev, &l.head
	l.head.prev.next = c
	l.head.prev = c
	l.n++
}

func (l *loop) remove(c *conn) {
	if c.next == nil {
		return
	}
	c.prev.next, c.next.prev = c.next, c.prev
	c.prev, c.next = nil, nil
	l.n--
}

// each calls f for every connection; f may close (not remove) connections.
func (l *loop) each(f func(*conn)) {
	for c := l.head.next; c != &l.head; {
		next := c.next
		f(c)
		c = next
	}
}

// tick runs on the loop every TickInterval: due heartbeats, and once a
// second while setup is running, the setup deadline of every connection.
func (l *loop) tick(context.Context) error {
	now := l.r.now()
	l.hb.advance(now, func(c *conn) { c.heartbeat(now, true) })
	if len(l.retries) > 0 {
		keep := l.retries[:0]
		for _, c := range l.retries {
			switch {
			case c.phase != phaseRetryWait:
			case c.retryAt <= now:
				c.identify(now)
			default:
				keep = append(keep, c)
			}
		}
		clear(l.retries[len(keep):])
		l.retries = keep
	}
	if (!l.r.setupFinished() || l.r.c.resuming.Load() > 0) && now-l.lastScan >= 1e9 {
		l.lastScan = now
		limit := int64(l.r.cfg.SetupTimeout)
		l.each(func(c *conn) {
			switch {
			case !c.resolved && now-c.dialAt > limit:
				c.fail(ErrTimeout)
			case c.attempt > 0 && !c.back && now-c.dialAt > limit:
				c.close() // a stuck resume attempt: try again (afterClose)
			}
		})
	}
	return nil
}

// releaseIdentify sends the Identify every connection has been holding for
// the barrier.
func (l *loop) releaseIdentify(context.Context) error {
	now := l.r.now()
	l.each(func(c *conn) {
		if c.phase == phaseIdentifyWait {
			c.identify(now)
		}
	})
	return nil
}

// closeAll starts the close handshake (1000) on every connection.
func (l *loop) closeAll(context.Context) error {
	l.each(func(c *conn) { c.sayGoodbye() })
	return nil
}
