package suite

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"
)

// Target is a server under test: gatehouse or a peer, with how to reach it
// and how to publish a tagged message to every subscriber.
type Target struct {
	*Server
	Kind       string // "gatehouse", "gobaseline", "centrifugo"
	WSURL      string
	MetricsURL string // Prometheus text with gatehouse_sessions etc.; "" when the peer has none
	Protocol   string // the loadgen's --protocol
	Compressor string // gatehouse: "rust" or "go"
	Ingest     *Ingest
	// Publish sends message index of class to every subscriber.
	Publish func(ctx context.Context, class, index int) error
}

// GatehouseOptions start a gatehouse process.
type GatehouseOptions struct {
	Bin          string
	Secret       string
	IngestSecret string
	Preset       string        // --zstd-preset
	Heartbeat    time.Duration // --heartbeat-interval
	Extra        []string
}

// gatehouseReady is serve's start-up line with the bound addresses.
var gatehouseReady = regexp.MustCompile(`msg="gatehouse ready" gateway=(\S+) rest=(\S+) .*compression=(\S+)`)

// StartGatehouse runs `gatehouse serve` on free ports with a fresh data
// dir, a known secret, and the identify rate limit out of the way (the
// benchmark measures the server, not Discord's limit).
func StartGatehouse(ctx context.Context, o GatehouseOptions) (*Target, error) {
	dir, err := os.MkdirTemp("", "gatehouse-bench-")
	if err != nil {
		return nil, err
	}
	if o.Preset == "" {
		o.Preset = "discord"
	}
	if o.Heartbeat == 0 {
		o.Heartbeat = 41250 * time.Millisecond
	}
	args := append([]string{"serve",
		"--ws-addr", "127.0.0.1:0", "--http-addr", "127.0.0.1:0",
		"--data-dir", filepath.Join(dir, "data"), "--secret", o.Secret, "--ingest-secret", o.IngestSecret,
		"--heartbeat-interval", o.Heartbeat.String(),
		"--max-concurrency", "1024", "--identify-window", "1ms",
		"--zstd-preset", o.Preset, "--log-level", "info",
	}, o.Extra...)
	s, err := StartServer(ctx, "gatehouse", o.Bin, args, dir, gatehouseReady, 60*time.Second)
	if err != nil {
		_ = os.RemoveAll(dir)
		return nil, err
	}
	t := &Target{Server: s, Kind: "gatehouse", WSURL: s.Ready[1], MetricsURL: s.Ready[2] + "/metrics",
		Protocol: "gateway", Compressor: strings.Trim(s.Ready[3], `"`), Ingest: NewIngest(s.Ready[2], o.IngestSecret)}
	t.Publish = func(ctx context.Context, class, index int) error {
		return t.Ingest.PostTagged(ctx, benchAuthor, class, index)
	}
	// /metrics answers once the REST listener is up.
	for i := 0; ; i++ {
		if _, err := Metrics(t.MetricsURL); err == nil {
			return t, nil
		} else if i == 100 {
			s.Stop()
			return nil, fmt.Errorf("gatehouse /metrics: %w", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// benchAuthor is the user who posts every benchmark message: the guild's
// owner, a user record of its own outside the sessions' id ranges.
const benchAuthor uint64 = 900_000

// SetupGuild creates the benchmark guild and makes users its members.
func (t *Target) SetupGuild(ctx context.Context, users []uint64) error {
	if err := t.Ingest.SetupGuild(ctx, benchAuthor); err != nil {
		return err
	}
	return t.Ingest.LoadMembers(ctx, users)
}

// ServerSample is a server's memory and sessions at one moment.
type ServerSample struct {
	Sessions       int64  `json:"sessions"`
	Connections    int64  `json:"connections"`
	RSSBytes       uint64 `json:"rss_bytes"`
	HeapInuseBytes uint64 `json:"heap_inuse_bytes"`
}

// Sample reads /metrics (when the target has one) and VmRSS, after waiting
// settle so memory freed right after setup has had a moment.
func (t *Target) Sample(ctx context.Context, settle time.Duration) ServerSample {
	select {
	case <-time.After(settle):
	case <-ctx.Done():
	}
	s := ServerSample{RSSBytes: t.RSS()}
	if t.MetricsURL != "" {
		if m, err := Metrics(t.MetricsURL); err == nil {
			s.Sessions, s.Connections = int64(m["gatehouse_sessions"]), int64(m["gatehouse_connections"])
			s.HeapInuseBytes = uint64(m["go_memstats_heap_inuse_bytes"])
		}
	}
	return s
}

// Quiesce waits until the server has used under 10% of a core for half a
// second (or limit passes): after a setup of thousands of sessions a
// server may still be loading state or collecting garbage, which must not
// land in the first measured message. It returns how long it waited.
func (t *Target) Quiesce(ctx context.Context, limit time.Duration) time.Duration {
	start := time.Now()
	prev, err := t.CPUSeconds()
	if err != nil {
		return 0
	}
	for time.Since(start) < limit && ctx.Err() == nil {
		time.Sleep(500 * time.Millisecond)
		cur, err := t.CPUSeconds()
		if err != nil || cur-prev < 0.05 {
			break
		}
		prev = cur
	}
	return time.Since(start)
}
