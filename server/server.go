package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"runtime"
	"sync"
	"time"

	"github.com/panjf2000/gnet/v2"

	"gatehouse/core/session"
)

// Server is a running gateway: the gnet engine, the REST listener and the
// session manager.
type Server struct {
	gnet.BuiltinEventEngine
	cfg Config
	log *slog.Logger
	mgr *session.Manager

	eng     gnet.Engine
	httpSrv *http.Server
	httpLn  net.Listener
	wsAddr  string

	stats counters
	drain drainState

	loopsMu sync.Mutex
	loops   map[gnet.EventLoop]*loop

	started chan struct{}
	runErr  chan error
}

// New builds a Server; Start runs it.
func New(cfg Config) (*Server, error) {
	cfg = cfg.withDefaults()
	if cfg.Session.Signer == nil {
		return nil, errors.New("server: Session.Signer is required")
	}
	if cfg.WSAddr == "" {
		cfg.WSAddr = "127.0.0.1:8080"
	}
	s := &Server{
		cfg:     cfg,
		log:     cfg.Logger,
		loops:   make(map[gnet.EventLoop]*loop),
		started: make(chan struct{}),
		runErr:  make(chan error, 1),
		drain:   drainState{requested: make(chan struct{})},
	}
	return s, nil
}

// Manager is the session registry (for dispatching and draining).
func (s *Server) Manager() *session.Manager { return s.mgr }

// WSAddr is the gateway's listen address once started.
func (s *Server) WSAddr() string { return s.wsAddr }

// HTTPAddr is the REST listener's address once started.
func (s *Server) HTTPAddr() string {
	if s.httpLn == nil {
		return ""
	}
	return s.httpLn.Addr().String()
}

// PublicURL is the ws:// URL clients connect and resume to.
func (s *Server) PublicURL() string { return s.cfg.PublicURL }

// Start binds both listeners and runs the event loops in the background.
// A port of 0 in WSAddr picks a free one.
func (s *Server) Start() error {
	wsAddr, err := resolveAddr(s.cfg.WSAddr)
	if err != nil {
		return err
	}
	s.wsAddr = wsAddr
	if s.cfg.PublicURL == "" {
		s.cfg.PublicURL = "ws://" + wsAddr
	}
	scfg := s.cfg.Session
	scfg.ResumeURL = s.cfg.PublicURL
	s.mgr = session.NewManager(scfg)

	if s.cfg.HTTPAddr != "" {
		ln, err := net.Listen("tcp", s.cfg.HTTPAddr)
		if err != nil {
			return fmt.Errorf("server: http listen: %w", err)
		}
		s.httpLn = ln
		s.httpSrv = &http.Server{Handler: s.restHandler(), ReadHeaderTimeout: 10 * time.Second}
		go func() {
			if err := s.httpSrv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				s.log.Error("http server stopped", "err", err)
			}
		}()
	}

	loops := s.cfg.NumEventLoops
	if loops <= 0 {
		loops = runtime.GOMAXPROCS(0)
	}
	go func() {
		err := gnet.Run(s, "tcp://"+wsAddr,
			gnet.WithMulticore(true),
			gnet.WithNumEventLoop(loops),
			gnet.WithTicker(true),
			gnet.WithTCPNoDelay(gnet.TCPNoDelay),
			gnet.WithReusePort(false),
			// A node restarted at once (after kill -9, say) must bind its
			// port while the old connections sit in TIME_WAIT.
			gnet.WithReuseAddr(true),
			gnet.WithLogger(gnetLogger{s.log}),
		)
		s.closePools()
		s.runErr <- err
	}()
	select {
	case <-s.started:
		return nil
	case err := <-s.runErr:
		return fmt.Errorf("server: gnet: %w", err)
	}
}

// Stop closes both listeners and every connection.
func (s *Server) Stop(ctx context.Context) error {
	var errs []error
	if s.httpSrv != nil {
		errs = append(errs, s.httpSrv.Shutdown(ctx))
	}
	errs = append(errs, s.eng.Stop(ctx))
	return errors.Join(errs...)
}

// resolveAddr turns host:0 into a concrete free port, since gnet does not
// report the port it bound.
func resolveAddr(addr string) (string, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", err
	}
	if port != "0" {
		return addr, nil
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// OnBoot implements gnet.EventHandler.
func (s *Server) OnBoot(eng gnet.Engine) gnet.Action {
	s.eng = eng
	s.log.Info("gateway listening", "addr", s.wsAddr, "public_url", s.cfg.PublicURL)
	close(s.started)
	return gnet.None
}

// loopOf returns the loop state for el, creating it on first use.
func (s *Server) loopOf(el gnet.EventLoop) *loop {
	s.loopsMu.Lock()
	defer s.loopsMu.Unlock()
	l := s.loops[el]
	if l == nil {
		l = newLoop(s, el)
		s.loops[el] = l
	}
	return l
}

// OnOpen implements gnet.EventHandler. Runs on the connection's loop.
func (s *Server) OnOpen(gc gnet.Conn) ([]byte, gnet.Action) {
	l := s.loopOf(gc.EventLoop())
	c := &wsConn{gc: gc, lp: l, srv: s, phase: phaseHandshake, deadline: time.Now().Add(s.cfg.HandshakeTimeout)}
	l.conns[c] = struct{}{}
	s.stats.conns.Add(1)
	gc.SetContext(c)
	return nil, gnet.None
}

// OnClose implements gnet.EventHandler. Runs on the connection's loop.
func (s *Server) OnClose(gc gnet.Conn, err error) gnet.Action {
	c, ok := gc.Context().(*wsConn)
	if !ok {
		return gnet.None
	}
	c.markGone()
	delete(c.lp.conns, c)
	s.stats.conns.Add(-1)
	wasOpen := c.phase != phaseHandshake
	c.phase = phaseClosed
	if c.proto != nil {
		c.proto.Closed(c.clientCode, c.serverCode, time.Now())
	}
	if c.comp != nil {
		_ = c.comp.Close()
		c.comp = nil
		c.lp.dropCompact(c)
	}
	c.dec.Reset()
	if wasOpen && c.clientCode == 0 && c.serverCode == 0 {
		s.log.Info("connection dropped", "conn", remoteAddr(gc), "session", c.sessionID(), "err", err)
	}
	gc.SetContext(nil)
	return gnet.None
}

// OnTick implements gnet.EventHandler: one goroutine, every TickInterval,
// sweeps expired sessions and asks every loop to check its deadlines.
func (s *Server) OnTick() (time.Duration, gnet.Action) {
	if s.mgr != nil {
		if n := s.mgr.Sweep(time.Now()); n > 0 {
			s.log.Info("sessions expired", "count", n)
		}
	}
	s.loopsMu.Lock()
	for _, l := range s.loops {
		if err := l.el.Execute(context.Background(), gnet.RunnableFunc(l.tick)); err != nil {
			s.log.Warn("tick not scheduled", "err", err)
		}
	}
	s.loopsMu.Unlock()
	return s.cfg.TickInterval, gnet.None
}

// Ensure the session manager sees every session ending for logging.
var _ session.Link = (*wsConn)(nil)
