package loadgen

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/panjf2000/gnet/v2"

	"gatehouse/server/ws"

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

	startWall  int64 // start as Unix ns, to turn now() into wall time
	centrifugo bool  // Protocol is ProtocolCentrifugo

	c               counters
	helloToReady    Histogram
	identifyToReady Histogram
	dialToReady     Histogram
	classes         [NumClasses]classStats
	lazy            lazyCounters
	res             resumeState

	loopsMu sync.Mutex
	loops   map[gnet.EventLoop]*loop
	order   []*loop

	firstDial  atomic.Int64 // ns since start; 0 until the first dial
	lastReady  atomic.Int64
	released   atomic.Bool  // identify barrier lifted
	stormStart atomic.Int64 // when it was lifted
	stopping   atomic.Bool

	setupOnce sync.Once
	// firstFrameErr prints the first WebSocket framing error, which is
	// either a server bug or ours: worth a look, once.
	firstFrameErr sync.Once
	setupDone     chan struct{}
	setupAt       atomic.Int64
	memOnce       sync.Once
	setupMem      ProcessMem // measured by the first WaitSetup to return
	cancelDial    context.CancelFunc
	dialWG        sync.WaitGroup
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
	switch cfg.Protocol {
	case ProtocolGateway:
	case ProtocolCentrifugo:
		if mode != compressNone || cfg.Resume || cfg.IdentifyBarrier {
			return nil, errors.New("loadgen: the centrifugo protocol runs without compression, resume or identify barrier")
		}
	default:
		return nil, fmt.Errorf("loadgen: unknown protocol %q (gateway, centrifugo)", cfg.Protocol)
	}
	if cfg.Lazy != nil {
		if cfg.Protocol != ProtocolGateway {
			return nil, errors.New("loadgen: lazy member list requests need the gateway protocol")
		}
		if err := cfg.Lazy.check(); err != nil {
			return nil, err
		}
	}
	if cfg.TrackMessages < 0 || cfg.TrackMessages > 1<<20 {
		return nil, errors.New("loadgen: TrackMessages must be in 0..1048576")
	}
	tgt, err := parseTarget(cfg.URL, cfg.Compress, cfg.Protocol)
	if err != nil {
		return nil, err
	}
	signer, err := auth.NewSigner(cfg.Secret)
	if err != nil {
		return nil, fmt.Errorf("loadgen: --secret: %w", err)
	}
	r := &Runner{
		cfg: cfg, tgt: tgt, mode: mode, signer: signer, centrifugo: cfg.Protocol == ProtocolCentrifugo,
		loops: map[gnet.EventLoop]*loop{}, setupDone: make(chan struct{}),
	}
	if n := cfg.TrackMessages; n > 0 {
		for i := range r.classes {
			r.classes[i].count = make([]atomic.Uint32, n)
			r.classes[i].slowest = make([]atomic.Int64, n)
		}
	}
	return r, nil
}

// now is the time since Start in ns, from the monotonic clock.
func (r *Runner) now() int64 { return int64(time.Since(r.start)) }

// Start runs the event loops and starts dialing; it returns at once.
func (r *Runner) Start() error {
	r.start = time.Now()
	r.startWall = r.start.UnixNano()
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
	if r.cfg.Resume {
		r.startRedialers(ctx)
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
		if err := r.dial(ctx, c, r.tgt.addr); err != nil {
			r.c.errs[ErrDial].Add(1)
			r.c.failed.Add(1)
			r.checkSetup()
		}
	}
}

// dial connects c to addr and hands the socket to gnet, which calls OnOpen
// on the chosen loop before EnrollContext returns.
func (r *Runner) dial(ctx context.Context, c *conn, addr string) error {
	d := net.Dialer{Timeout: 10 * time.Second}
	if n := len(r.cfg.SourceAddrs); n > 0 {
		d.LocalAddr = &net.TCPAddr{IP: r.cfg.SourceAddrs[int(c.idx)%n].AsSlice()}
		d.Control = bindNoPort
	}
	nc, err := d.DialContext(ctx, "tcp", addr)
	if err == nil {
		_, err = r.cli.EnrollContext(nc, c)
	}
	return err
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
func (r *Runner) Stats() Stats {
	s := r.c.snapshot(r.cfg.Conns)
	s.Tagged = r.taggedCounts()
	if r.cfg.Lazy != nil {
		s.Lazy = r.lazy.snapshot()
	}
	return s
}

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
// in place from the bytes read.
//
// It takes every byte gnet has (Next) and keeps an unfinished frame in the
// connection's own leftover buffer instead of leaving it in gnet's inbound
// buffer with Peek/Discard: gnet v2.9.7's client corrupts bytes left in its
// inbound buffer when the handler also writes (a heartbeat, a pong) — seen
// as misaligned frames under a burst, and reproduced with gnet alone. The
// leftover is nil while no frame is split, so idle sessions pay nothing.
func (h *handler) OnTraffic(gc gnet.Conn) gnet.Action {
	c, ok := gc.Context().(*conn)
	if !ok {
		return gnet.Close
	}
	in, _ := gc.Next(-1)
	now := h.r.now()
	in, done := h.finishSplit(c, in, now)
	if done {
		return gnet.None
	}
	buf := in
	if len(c.left) > 0 {
		c.left = append(c.left, in...)
		buf = c.left
	}
	used := 0
	if c.phase == phaseUpgrading {
		n, err := parseUpgradeResponse(buf, &c.key)
		if err != nil {
			c.fail(ErrUpgrade)
			c.left = nil
			return gnet.None
		}
		if n == 0 {
			c.keep(buf, 0)
			return gnet.None
		}
		used = n
		c.phase = phaseHello
		h.r.c.upgraded.Add(1)
		if h.r.centrifugo {
			c.centConnect(now)
		}
	}
	used += h.decodeFrames(c, buf[used:], now)
	if c.phase == phaseClosed {
		c.left = nil
		return gnet.None
	}
	c.keep(buf, used)
	return gnet.None
}

// finishSplit completes a frame left unfinished by the last read with the
// bytes it lacks from in, decodes it, and returns the rest of in. Under a
// burst nearly every 64 KiB read ends inside a frame; appending the whole
// next read behind the leftover copied every byte received once more.
// done reports that in is used up (or the connection closed). Loop only.
func (h *handler) finishSplit(c *conn, in []byte, now int64) (rest []byte, done bool) {
	for len(c.left) > 0 && c.phase != phaseUpgrading {
		if need := frameNeed(c.left, h.r.cfg.MaxMessage); need > 0 {
			if need > len(in) {
				c.left = append(c.left, in...)
				return nil, true
			}
			// The header or the whole frame; the next pass sees which.
			c.left = append(c.left, in[:need]...)
			in = in[need:]
			continue
		}
		used := h.decodeFrames(c, c.left, now)
		if c.phase == phaseClosed {
			c.left = nil
			return nil, true
		}
		if used == 0 {
			// The decoder wants more than this frame (it never should for a
			// whole frame): fall back to appending everything.
			return in, false
		}
		c.keep(c.left, used)
	}
	return in, false
}

// decodeFrames decodes the whole frames at the start of buf and acts on
// them; it returns the bytes used. Loop only.
func (h *handler) decodeFrames(c *conn, buf []byte, now int64) int {
	used := 0
	for c.phase != phaseClosed && used < len(buf) {
		n, ev, err := c.dec.Decode(buf[used:], h.r.cfg.MaxMessage)
		if err != nil {
			h.r.firstFrameErr.Do(func() {
				fmt.Fprintf(os.Stderr, "loadgen: first frame error (session %d, phase %d, %d bytes buffered): %v; next bytes % x\n",
					c.idx, c.phase, len(buf)-used, err, buf[used:min(len(buf), used+24)])
			})
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
	return used
}

// frameNeed is how many more bytes the WebSocket frame at the start of b
// needs: to finish its header while that is cut short, else to finish its
// payload. A frame over maxMessage needs nothing more: the decoder refuses
// it from its header alone.
func frameNeed(b []byte, maxMessage int) int {
	if len(b) < 2 {
		return 2 - len(b)
	}
	plen, hdr, whole := ws.PayloadLength(b)
	if b[1]&0x80 != 0 {
		hdr += 4 // masking key
	}
	if !whole || len(b) < hdr {
		return hdr - len(b)
	}
	if maxMessage <= 0 {
		maxMessage = ws.DefaultMaxMessage
	}
	if plen > uint64(maxMessage) {
		return 0
	}
	return max(hdr+int(plen)-len(b), 0)
}

// keep saves buf[used:], an unfinished frame, for the next read; buf may be
// c.left itself. Loop only.
func (c *conn) keep(buf []byte, used int) {
	rest := buf[used:]
	switch {
	case len(rest) == 0:
		// Drop all but a small buffer: 19,000 sessions must not each keep
		// the largest read a burst once left over.
		if cap(c.left) > 4<<10 {
			c.left = nil
		} else {
			c.left = c.left[:0]
		}
	case len(c.left) > 0 && &buf[0] == &c.left[0]:
		c.left = c.left[:copy(c.left, rest)]
	default:
		c.left = append(c.left[:0], rest...)
	}
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
	dropped := !r.stopping.Load() && c.phase != phaseClosed && !c.closeSeen && !c.closeSent
	if dropped && c.phase != phaseUpgrading && r.cfg.Resume && c.sessionID != "" {
		// A drop is what resume is for: not an error while resuming is on.
		if c.attempt == 0 || c.back {
			c.wantResume, c.dropAt = true, r.now()
			r.c.disconnects.Add(1)
		}
	} else if dropped {
		if c.phase == phaseUpgrading {
			r.c.errs[ErrUpgrade].Add(1)
		} else {
			r.c.errs[ErrDropped].Add(1)
		}
	}
	c.resolve(false) // no-op when already READY or failed
	c.phase = phaseClosed
	r.afterClose(c)
	if c.inf != nil {
		c.inf.Close()
		c.inf = nil
	}
	c.dec.Reset()
	c.left = nil
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
