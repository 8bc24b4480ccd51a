package cluster

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
)

// EmbeddedConfig configures the in-process nats-server.
type EmbeddedConfig struct {
	// DataDir holds JetStream's files (the binary passes <data-dir>/nats).
	// Required: the embedded engine always persists.
	DataDir string
	// ListenAddr, "host:port", opens a client listener (port 0 picks a free
	// one); empty means none, the default: the gateway talks in-process.
	ListenAddr string
	// ServerName names the server; default "gatehouse".
	ServerName string
	// MaxStore and MaxMemory cap JetStream's file and memory storage in
	// bytes; 0 lets nats-server size them from the machine.
	MaxStore, MaxMemory int64
}

// embeddedReadyTimeout bounds start-up, JetStream recovery of the data dir
// included.
const embeddedReadyTimeout = 60 * time.Second

// StartEmbedded starts an in-process nats-server with JetStream on
// cfg.DataDir and connects to it in-process. KV buckets default to 1 replica.
func StartEmbedded(cfg EmbeddedConfig, opts ...Option) (*Engine, error) {
	if cfg.DataDir == "" {
		return nil, errors.New("cluster: embedded engine needs a data dir")
	}
	o := defaultOptions(1)
	for _, f := range opts {
		f(&o)
	}
	sopts := &server.Options{
		ServerName:         cfg.ServerName,
		JetStream:          true,
		StoreDir:           cfg.DataDir,
		JetStreamMaxStore:  cfg.MaxStore,
		JetStreamMaxMemory: cfg.MaxMemory,
		DontListen:         cfg.ListenAddr == "",
		NoSigs:             true,
	}
	if sopts.ServerName == "" {
		sopts.ServerName = "gatehouse"
	}
	if cfg.ListenAddr != "" {
		host, port, err := splitListenAddr(cfg.ListenAddr)
		if err != nil {
			return nil, err
		}
		sopts.Host, sopts.Port = host, port
	}
	srv, err := server.NewServer(sopts)
	if err != nil {
		return nil, fmt.Errorf("cluster: embedded server: %w", err)
	}
	srv.SetLoggerV2(slogAdapter{o.logger.With("component", "nats-server")}, false, false, false)
	srv.Start()
	if !srv.ReadyForConnections(embeddedReadyTimeout) {
		srv.Shutdown()
		srv.WaitForShutdown()
		return nil, fmt.Errorf("cluster: embedded server not ready after %s", embeddedReadyTimeout)
	}
	e := &Engine{srv: srv, log: o.logger, opts: o, closed: make(chan struct{})}
	nc, err := nats.Connect("", e.natsOptions(nats.InProcessServer(srv))...)
	if err == nil {
		err = e.init(nc)
		if err != nil {
			nc.Close()
		}
	}
	if err != nil {
		srv.Shutdown()
		srv.WaitForShutdown()
		return nil, fmt.Errorf("cluster: embedded engine: %w", err)
	}
	e.log.Info("embedded nats started", "data_dir", cfg.DataDir, "client_url", e.ClientURL())
	return e, nil
}

// splitListenAddr turns "host:port" into nats-server's host and port, where
// -1 (not 0) asks for a free port.
func splitListenAddr(addr string) (string, int, error) {
	host, ps, err := net.SplitHostPort(addr)
	if err != nil {
		return "", 0, fmt.Errorf("cluster: listen address %q: %w", addr, err)
	}
	port, err := strconv.Atoi(ps)
	if err != nil || port < 0 || port > 65535 {
		return "", 0, fmt.Errorf("cluster: listen address %q: bad port", addr)
	}
	if port == 0 {
		port = server.RANDOM_PORT
	}
	return host, port, nil
}

// slogAdapter routes nats-server's log lines to slog. Notices go to Info,
// traces (never enabled) to Debug.
type slogAdapter struct{ l *slog.Logger }

func (a slogAdapter) Noticef(format string, v ...any) { a.l.Info(fmt.Sprintf(format, v...)) }
func (a slogAdapter) Warnf(format string, v ...any)   { a.l.Warn(fmt.Sprintf(format, v...)) }
func (a slogAdapter) Fatalf(format string, v ...any)  { a.l.Error(fmt.Sprintf(format, v...)) }
func (a slogAdapter) Errorf(format string, v ...any)  { a.l.Error(fmt.Sprintf(format, v...)) }
func (a slogAdapter) Debugf(format string, v ...any)  { a.l.Debug(fmt.Sprintf(format, v...)) }
func (a slogAdapter) Tracef(format string, v ...any)  { a.l.Debug(fmt.Sprintf(format, v...)) }
