package loadgen

import (
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"runtime"
	"strings"
	"time"
)

// Config says what one load generator process does.
type Config struct {
	// URL is the gateway, ws://host:port with an optional path and query.
	// v=10 and encoding=json are added when absent; compress comes from
	// Compress.
	URL string
	// Conns is how many sessions to open and identify.
	Conns int
	// Secret signs the tokens, minted in-process (core/auth).
	Secret string
	// UserBase: connection i identifies as user UserBase+i. Processes that
	// share a server take disjoint ranges.
	UserBase uint64
	// Compress is "none" (or ""), "zlib-stream" or "zstd-stream".
	Compress string
	// Rate caps new connections per second; 0 dials as fast as Dialers go.
	Rate float64
	// Dialers is how many connects run at once (each briefly holds two file
	// descriptors while gnet duplicates the socket). Default 64.
	Dialers int
	// SourceAddrs are local addresses to dial from, round robin. Each
	// source address has its own ~28k ephemeral ports towards one server
	// port, which is how one machine goes past that many connections.
	SourceAddrs []netip.Addr
	// EventLoops is the number of gnet client loops; default GOMAXPROCS.
	EventLoops int
	// Intents sent in Identify; default GUILDS|GUILD_MESSAGES (513).
	Intents uint64
	// IdentifyBarrier holds every Identify until every connection has its
	// Hello, then sends them all at once: an identify storm that measures
	// the identify path alone, without TCP connects mixed in.
	IdentifyBarrier bool
	// SetupTimeout fails a connection that is not READY this long after its
	// dial started. Default 60 s.
	SetupTimeout time.Duration
	// MaxMessage caps one decoded server message. Default 16 MiB.
	MaxMessage int
	// MaxZstdWindow caps the zstd window the decoder accepts. Default 8 MiB.
	MaxZstdWindow uint64
	// TickInterval drives heartbeats and timeouts. Default 100 ms.
	TickInterval time.Duration

	// Protocol is "gateway" (the default: Discord's gateway protocol) or
	// "centrifugo" (Centrifugo's JSON client protocol: connect, subscribe
	// to Channel, receive publications), so the same load generator
	// measures a peer server doing the same work.
	Protocol string
	// Channel is the Centrifugo channel every connection subscribes to.
	// Default "bench".
	Channel string
	// Resume makes a session that gets op 7, or loses its TCP connection
	// without a close frame, or is dropped by DropAll, reconnect and send
	// op 6 Resume with its last seq, as clients do. Without it op 7 and a
	// drop are errors. Gateway protocol only.
	Resume bool
	// TrackMessages is how many tagged messages per class are tracked one
	// by one (deliveries and the slowest delivery of each), so a run can
	// say whether every message reached every session. 0 tracks none;
	// latency histograms are kept either way. See latency.go.
	TrackMessages int
	// Lazy, when set, makes every session send this op 14 once its
	// guild's GUILD_CREATE arrives and count the member list updates it
	// gets (lazy.go). Gateway protocol only.
	Lazy *LazySpec
}

// Wire protocols the load generator speaks.
const (
	ProtocolGateway    = "gateway"
	ProtocolCentrifugo = "centrifugo"
)

// compressMode is the parsed Compress.
type compressMode uint8

const (
	compressNone compressMode = iota
	compressZlib
	compressZstd
)

func parseCompress(s string) (compressMode, error) {
	switch s {
	case "", "none":
		return compressNone, nil
	case "zlib-stream":
		return compressZlib, nil
	case "zstd-stream":
		return compressZstd, nil
	}
	return 0, fmt.Errorf("loadgen: unknown compression %q (none, zlib-stream, zstd-stream)", s)
}

func (c Config) withDefaults() Config {
	if c.Dialers <= 0 {
		c.Dialers = 64
	}
	if c.EventLoops <= 0 {
		c.EventLoops = runtime.GOMAXPROCS(0)
	}
	if c.Intents == 0 {
		c.Intents = 513
	}
	if c.SetupTimeout <= 0 {
		c.SetupTimeout = time.Minute
	}
	if c.MaxMessage <= 0 {
		c.MaxMessage = 16 << 20
	}
	if c.MaxZstdWindow == 0 {
		c.MaxZstdWindow = 8 << 20
	}
	if c.TickInterval <= 0 {
		c.TickInterval = 100 * time.Millisecond
	}
	if c.UserBase == 0 {
		c.UserBase = 1_000_000
	}
	if c.Protocol == "" {
		c.Protocol = ProtocolGateway
	}
	if c.Channel == "" {
		c.Channel = "bench"
	}
	return c
}

// target is the parsed URL: where to dial and what to ask for.
type target struct {
	addr    string // host:port
	host    string // Host header
	reqPath string // path?query of the upgrade request
}

func parseTarget(raw, compress, protocol string) (target, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return target{}, fmt.Errorf("loadgen: --url: %w", err)
	}
	if u.Scheme != "ws" {
		return target{}, errors.New("loadgen: --url must be ws://host:port (TLS is not supported)")
	}
	if u.Port() == "" {
		return target{}, errors.New("loadgen: --url needs an explicit port")
	}
	if protocol == ProtocolCentrifugo {
		p := u.EscapedPath()
		if p == "" || p == "/" {
			p = "/connection/websocket"
		}
		if u.RawQuery != "" {
			p += "?" + u.RawQuery
		}
		return target{addr: u.Host, host: u.Host, reqPath: p}, nil
	}
	q := u.Query()
	if !q.Has("v") {
		q.Set("v", "10")
	}
	if !q.Has("encoding") {
		q.Set("encoding", "json")
	}
	q.Del("compress")
	if compress != "" && compress != "none" {
		q.Set("compress", compress)
	}
	p := u.EscapedPath()
	if p == "" {
		p = "/"
	}
	return target{addr: u.Host, host: u.Host, reqPath: p + "?" + q.Encode()}, nil
}

// ParseSourceAddrs reads a comma-separated list of addresses, where an item
// may be a range in the last octet: "127.0.0.2-127.0.0.9".
func ParseSourceAddrs(s string) ([]netip.Addr, error) {
	var out []netip.Addr
	for _, item := range strings.Split(s, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		lo, hi, isRange := strings.Cut(item, "-")
		a, err := netip.ParseAddr(lo)
		if err != nil {
			return nil, fmt.Errorf("loadgen: source address %q: %w", item, err)
		}
		if !isRange {
			out = append(out, a)
			continue
		}
		b, err := netip.ParseAddr(hi)
		if err != nil || !a.Is4() || !b.Is4() || b.Less(a) || !samePrefix24(a, b) {
			return nil, fmt.Errorf("loadgen: source range %q must be a.b.c.X-a.b.c.Y with X <= Y", item)
		}
		for x := a; ; x = x.Next() {
			out = append(out, x)
			if x == b {
				break
			}
		}
	}
	return out, nil
}

func samePrefix24(a, b netip.Addr) bool {
	x, y := a.As4(), b.As4()
	return x[0] == y[0] && x[1] == y[1] && x[2] == y[2]
}
