// Package server is gatehouse's network layer: the gnet event loops that hold
// the gateway's WebSockets, and the net/http listener for REST.
//
// Ownership: every wsConn, its decoder, session.Conn and compressors belong
// to the event loop that accepted it and are touched only on that loop. Other
// goroutines reach a connection only through its Link methods (Send, Close),
// which append to a mutex-guarded bounded queue and ask the loop, through
// one Execute task per loop per batch, to drain it.
package server

import (
	"log/slog"
	"net/http"
	"time"

	"gatehouse/core/compress"
	"gatehouse/core/session"
)

// Config configures the gateway listener.
type Config struct {
	WSAddr   string // gnet listen address, host:port
	HTTPAddr string // REST listen address, host:port
	// PublicURL is the ws:// URL clients are told to connect and resume to;
	// empty derives it from WSAddr.
	PublicURL string

	Session session.Config

	Compression   compress.Factory     // nil: compression requests are refused with 4000
	Zstd          compress.ZstdOptions // for zstd-stream
	Zlib          compress.ZlibOptions // for zlib-stream and payload compression
	PayloadMinLen int                  // Identify compress:true compresses payloads at least this long

	// FullStreams gives every zlib-stream and zstd-stream connection a full
	// stream for its whole life. By default, when Compression can make
	// compact streams (compress.CompactFactory), zlib-stream connections
	// get those: the same stream to the client, at most 16 KiB of state
	// while idle.
	FullStreams bool
	// CompactZstd gives zstd-stream connections compact streams too (our
	// own zstd encoder, windowed: no plaintext kept while idle, the window
	// re-encoded from the frames the connection was sent). `gatehouse
	// serve` turns it on unless --compact-zstd=false or full streams are
	// asked for; embedders opt in. On the benchmark corpus it writes about
	// 3% more bytes than libzstd for about 1.45x its CPU when connections
	// idle before one message in 20 (docs/compression.md).
	CompactZstd bool
	// CompactIdle is how long a connection sends nothing before its compact
	// stream hibernates (default compress.DefaultIdleAfter, 5 s). Checked
	// every TickInterval.
	CompactIdle time.Duration

	MaxMessage       int           // WebSocket message cap (1009 above it)
	MaxHeaderBytes   int           // upgrade request cap
	HandshakeTimeout time.Duration // upgrade must complete within this
	CloseTimeout     time.Duration // wait for the client's close frame after ours
	MaxOutboundBytes int           // per-connection queued + unsent bytes; over it the slow reader is closed
	TickInterval     time.Duration // deadline checks
	// FlushBudget is how long one flush task may write before it hands the
	// loop back to its sockets (default 4 ms; see loop.flush).
	FlushBudget       time.Duration
	NumEventLoops     int // 0: one per core
	Logger            *slog.Logger
	AllowedVersions   []int // gateway versions accepted in ?v= (default 9, 10)
	DefaultAPIVersion int
	// Routes adds handlers (the ingest API, say) to the REST listener.
	Routes func(mux *http.ServeMux)
	// Ready reports whether the node's dependencies are reachable, for
	// GET /readyz; nil means always ready.
	Ready func() bool
	// Counters adds counters to GET /metrics: emit is called once per
	// counter with its Prometheus name, help text and value. nil adds none.
	Counters func(emit func(name, help string, v int64))
	// AdminSecret authorises POST /admin/drain (Bearer); empty disables it.
	AdminSecret string
}

func (c Config) withDefaults() Config {
	if c.MaxMessage <= 0 {
		c.MaxMessage = 64 << 10
	}
	if c.MaxHeaderBytes <= 0 {
		c.MaxHeaderBytes = 8 << 10
	}
	if c.HandshakeTimeout <= 0 {
		c.HandshakeTimeout = 10 * time.Second
	}
	if c.CloseTimeout <= 0 {
		c.CloseTimeout = 2 * time.Second
	}
	if c.MaxOutboundBytes <= 0 {
		c.MaxOutboundBytes = 4 << 20
	}
	if c.TickInterval <= 0 {
		c.TickInterval = time.Second
	}
	if c.FlushBudget <= 0 {
		c.FlushBudget = 4 * time.Millisecond
	}
	if c.PayloadMinLen <= 0 {
		c.PayloadMinLen = 1024
	}
	if c.Zlib == (compress.ZlibOptions{}) {
		c.Zlib = compress.DefaultZlib
	}
	if c.CompactIdle <= 0 {
		c.CompactIdle = compress.DefaultIdleAfter
	}
	if c.Zstd == (compress.ZstdOptions{}) {
		c.Zstd = compress.ZstdDiscord
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if len(c.AllowedVersions) == 0 {
		c.AllowedVersions = []int{9, 10}
	}
	return c
}
