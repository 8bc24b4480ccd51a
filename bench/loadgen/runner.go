package loadgen

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/panjf2000/gnet/v2"

	"gatehouse/core/auth"
)

// Runner holds one process's sessions. Start it, wait for setup, hold, Stop.
//
// Concurrency: Start, WaitSetup, Stats and Stop may be called from any
// goroutine (Stop once). Connections belong to gnet's event loops; the
// Runner reaches them only through EventLoop.Execute.
type Runner struct {
	cfg    Config
	tgt    target
	mode   compressMode
	signer *auth.Signer
	cli    *gnet.Client
	start  time.Time

	c               counters
	helloToReady    Histogram
	identifyToReady Histogram
	dialToReady     Histogram

	loopsMu sync.Mutex
	loops   map[gnet.EventLoop]*loop
	order   []*loop

	firstDial  atomic.Int64 // ns since start; 0 until the first dial
	lastReady  atomic.Int64
	released   atomic.Bool  // identify barrier lifted
	stormStart atomic.Int64 // when it was lifted
	stopping   atomic.Bool

	setupOnce  sync.Once
	setupDone  chan struct{}
	setupAt    atomic.Int64
	memOnce    sync.Once
	setupMem   ProcessMem // measured by the first WaitSetup to return
	cancelDial context.CancelFunc
	dialWG     sync.WaitGroup
}

// New checks cfg and prepares a Runner.
func New(cfg Config) (*Runner, error) {
	cfg = cfg.withDefaults()
	if cfg.Conns <= 0 {
		return nil, errors.New("loadgen: Conns must be positive")
	}
	mode, err := parseCompress(cfg.Compress)
	if err != nil {
		return nil, err
	}
	tgt, err := parseTarget(cfg.URL, cfg.Compress)
	if err != nil {
		return nil, err
	}
	signer, err := auth.NewSigner(cfg.Secret)
	if err != nil {
		return nil, fmt.Errorf("loadgen: --secret: %w", err)
	}
	return &Runner{
		cfg: cfg, tgt: tgt, mode: mode, signer: signer,
		loops: map[gnet.EventLoop]*loop{}, setupDone: make(chan struct{}),
	}, nil
}

// now is the time since Start in ns, from the monotonic clock.
func (r *Runner) now() int64 { return int64(time.Since(r.start)) }

// Start runs the event loops and starts dialing; it returns at once.
func (r *Runner) Start() error {
	r.start = time.Now()
	cli, err := gnet.NewClient(&handler{r: r},
		gnet.WithMulticore(true),
		gnet.WithNumEventLoop(r.cfg.EventLoops),
		gnet.WithTicker(true),
		gnet.WithTCPNoDelay(gnet.TCPNoDelay),
		gnet.WithLockOSThread(false),
		gnet.WithLogger(quietLogger{}),
	)
	if err != nil {
		return err
	}
	if err := cli.Start(); err != nil {
		return err
	}
	r.cli = cli
	ctx, cancel := context.WithCancel(context.Background())
	r.cancelDial = cancel
	jobs := make(chan uint32, r.cfg.Dialers)
	r.dialWG.Add(1 + r.cfg.Dialers)
	go r.pace(ctx, jobs)
	for i := 0; i < r.cfg.Dialers; i++ {
		go r.dialer(ctx, jobs)
	}
	return nil
}

// pace hands out connection indexes at cfg.Rate per second (or as fast as
// the dialers take them).
func (r *Runner) pace(ctx context.Context, jobs chan<- uint32) {
	defer r.dialWG.Done()
	defer close(jobs)
	t0 := time.Now()
	for i := 0; i < r.cfg.Conns; i++ {
		if r.cfg.Rate > 0 {
			at := t0.Add(time.Duration(float64(i) / r.cfg.Rate * float64(time.Second)))
			if d := time.Until(at); d > 0 {
				select {
				case <-time.After(d):
				case <-ctx.Done():
					return
				}
			}
		}
		select {
		case jobs <- uint32(i):
		case <-ctx.Done():
			return
		}
	}
}

// dialer connects and hands each socket to gnet, which calls OnOpen on the
// chosen loop before EnrollContext returns.
func (r *Runner) dialer(ctx context.Context, jobs <-chan uint32) {
	defer r.dialWG.Done()
	for idx := range jobs {
		c := &conn{idx: idx, dialAt: r.now()}
		r.firstDial.CompareAndSwap(0, max(c.dialAt, 1))
		r.c.dialed.Add(1)
		d := net.Dialer{Timeout: 10 * time.Second}
		if n := len(r.cfg.SourceAddrs); n > 0 {
			d.LocalAddr = &net.TCPAddr{IP: r.cfg.SourceAddrs[int(idx)%n].AsSlice()}
			d.Control = bindNoPort
		}
		nc, err := d.DialContext(ctx, "tcp", r.tgt.addr)
		if err == nil {
			_, err = r.cli.EnrollContext(nc, c)
		}
		if err != nil {
			r.c.errs[ErrDial].Add(1)
			r.c.failed.Add(1)
			r.checkSetup()
		}
	}
}

// loopOf returns the state of el, creating it on first use.
func (r *Runner) loopOf(el gnet.EventLoop) *loop {
	r.loopsMu.Lock()
	defer r.loopsMu.Unlock()
	l := r.loops[el]
	if l == nil {
		l = newLoop(r, el, uint64(len(r.order)+1)*uint64(r.start.UnixNano()))
		r.loops[el] = l
		r.order = append(r.order, l)
	}
	return l
}

// onEveryLoop runs f on each loop (through Execute).
func (r *Runner) onEveryLoop(f func(*loop) gnet.RunnableFunc) {
	r.loopsMu.Lock()
	defer r.loopsMu.Unlock()
	for _, l := range r.order {
		_ = l.el.Execute(context.Background(), f(l))
	}
}

// checkSetup closes setupDone once every connection is READY or failed.
func (r *Runner) checkSetup() {
	if r.c.ready.Load()+r.c.failed.Load() >= int64(r.cfg.Conns) {
		r.setupOnce.Do(func() {
			r.setupAt.Store(r.now())
			close(r.setupDone)
		})
	}
}

func (r *Runner) setupFinished() bool {
	select {
	case <-r.setupDone:
		return true
	default:
		return false
	}
}

func (r *Runner) noteReady(now int64) {
	for {
		v := r.lastReady.Load()
		if now <= v || r.lastReady.CompareAndSwap(v, now) {
			return
		}
	}
}

// WaitSetup blocks until every connection is READY or failed, or ctx ends.
func (r *Runner) WaitSetup(ctx context.Context) error {
	select {
	case <-r.setupDone:
		r.memOnce.Do(func() { r.setupMem = MeasureSelf() })
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Stats is a live snapshot of the counters. Any goroutine.
func (r *Runner) Stats() Stats { return r.c.snapshot(r.cfg.Conns) }

// Stop says goodbye (close 1000) on every connection, waits up to grace
// for the server to hang up, stops the loops and returns the result.
func (r *Runner) Stop(grace time.Duration) Result {
	r.stopping.Store(true)
	r.cancelDial()
	r.dialWG.Wait()
	r.memOnce.Do(func() { r.setupMem = MeasureSelf() })
	res := r.result()
	r.onEveryLoop(func(l *loop) gnet.RunnableFunc { return l.closeFn })
	deadline := time.Now().Add(grace)
	for r.c.open.Load() > 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	_ = r.cli.Stop()
	return res
}

// handler is the gnet.EventHandler; it is a separate type so the Runner's
// API does not carry gnet's callbacks.
type handler struct {
	gnet.BuiltinEventEngine
	r *Runner
}

// OnOpen runs on the connection's loop: the connection joins the loop and
// the upgrade request goes out.
func (h *handler) OnOpen(gc gnet.Conn) ([]byte, gnet.Action) {
	r := h.r
	c, ok := gc.Context().(*conn)
	if !ok {
		return nil, gnet.Close
	}
	l := r.loopOf(gc.EventLoop())
	c.lp, c.gc, c.phase = l, gc, phaseUpgrading
	l.add(c)
	r.c.open.Add(1)
	switch r.mode {
	case compressZlib:
		c.inf = newZlibInflater(r.cfg.MaxMessage)
	case compressZstd:
		c.inf = newZstdInflater(r.cfg.MaxMessage, r.cfg.MaxZstdWindow)
	}
	k := l.rng.Uint64()
	for i := range c.key {
		c.key[i] = byte(k >> (8 * (i % 8)))
		if i == 7 {
			k = l.rng.Uint64()
		}
	}
	if r.stopping.Load() {
		c.close()
		return nil, gnet.None
	}
	return appendUpgrade(nil, &r.tgt, &c.key), gnet.None
}

// OnTraffic runs on the connection's loop: the 101, then frames, decoded
// in place from gnet's inbound buffer.
func (h *handler) OnTraffic(gc gnet.Conn) gnet.Action {
	c, ok := gc.Context().(*conn)
	if !ok {
		return gnet.Close
	}
	buf, _ := gc.Peek(-1)
	used := 0
	now := h.r.now()
	if c.phase == phaseUpgrading {
		n, err := parseUpgradeResponse(buf, &c.key)
		if err != nil {
			c.fail(ErrUpgrade)
			_, _ = gc.Discard(len(buf))
			return gnet.None
		}
		if n == 0 {
			return gnet.None
		}
		used = n
		c.phase = phaseHello
		h.r.c.upgraded.Add(1)
	}
	for c.phase != phaseClosed && used < len(buf) {
		n, ev, err := c.dec.Decode(buf[used:], h.r.cfg.MaxMessage)
		if err != nil {
			c.fail(ErrFrame)
			break
		}
		if n == 0 {
			break
		}
		used += n
		if ev.Kind != 0 {
			c.onEvent(ev, now)
		}
	}
	if c.phase == phaseClosed {
		used = len(buf)
	}
	_, _ = gc.Discard(used)
	return gnet.None
}

// OnClose runs on the connection's loop.
func (h *handler) OnClose(gc gnet.Conn, _ error) gnet.Action {
	r := h.r
	c, ok := gc.Context().(*conn)
	if !ok || c.lp == nil {
		return gnet.None
	}
	c.lp.remove(c)
	r.c.open.Add(-1)
	// A connection we closed ourselves (phaseClosed) was already counted.
	if !r.stopping.Load() && c.phase != phaseClosed && !c.closeSeen && !c.closeSent {
		if c.phase == phaseUpgrading {
			r.c.errs[ErrUpgrade].Add(1)
		} else {
			r.c.errs[ErrDropped].Add(1)
		}
	}
	c.resolve(false) // no-op when already READY or failed
	c.phase = phaseClosed
	if c.inf != nil {
		c.inf.Close()
		c.inf = nil
	}
	c.dec.Reset()
	gc.SetContext(nil)
	return gnet.None
}

// OnTick runs on gnet's ticker goroutine: it schedules each loop's tick
// and lifts the identify barrier once every connection has its Hello.
func (h *handler) OnTick() (time.Duration, gnet.Action) {
	r := h.r
	if r.cfg.IdentifyBarrier && !r.released.Load() &&
		r.c.hellos.Load()+r.c.failed.Load() >= int64(r.cfg.Conns) {
		r.stormStart.Store(r.now())
		r.released.Store(true)
		r.onEveryLoop(func(l *loop) gnet.RunnableFunc { return l.idFn })
	}
	r.onEveryLoop(func(l *loop) gnet.RunnableFunc { return l.tickFn })
	return r.cfg.TickInterval, gnet.None
}
