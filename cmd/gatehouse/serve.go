package main

import (
	"flag"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"gatehouse/cmd/gatehouse/node"
	"gatehouse/core/auth"
	"gatehouse/core/compress"
	"gatehouse/core/hub"
	"gatehouse/core/session"
	"gatehouse/server"
)

// demoUser is the user `serve` prints a token for at start-up.
const demoUser = 80351110224678912

func serve(args []string) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	wsAddr := fs.String("ws-addr", "127.0.0.1:8080", "gateway WebSocket listen address")
	httpAddr := fs.String("http-addr", "127.0.0.1:8081", "REST listen address")
	publicURL := fs.String("public-url", "", "ws:// URL clients connect and resume to (default ws://<ws-addr>)")
	secret := fs.String("secret", "", "token signing secret (default: generated once and stored in --data-dir)")
	dataDir := fs.String("data-dir", "./data", "directory for persistent state (embedded NATS/JetStream, generated secrets)")
	natsURL := fs.String("nats-url", "", "external NATS servers, comma-separated (default: an embedded NATS server)")
	replicas := fs.Int("replicas", 3, "JetStream KV replicas with --nats-url")
	ingestSecret := fs.String("ingest-secret", "", "bearer secret for /ingest/v1 (default: generated once and stored in --data-dir)")
	workerID := fs.Uint("worker-id", 0, "snowflake worker id (0-1023) for ids this node generates")
	hb := fs.Duration("heartbeat-interval", 41250*time.Millisecond, "heartbeat interval sent in Hello")
	hbTol := fs.Duration("heartbeat-tolerance", 0, "grace after a missed heartbeat before close 4009 (default interval/2)")
	resumeWin := fs.Duration("resume-window", 2*time.Minute, "how long a disconnected session stays resumable")
	replayEvents := fs.Int("replay-events", 1000, "dispatches kept per session for resume")
	replayBytes := fs.Int("replay-bytes", 1<<20, "bytes of dispatches kept per session for resume")
	payloadLimit := fs.Int("payload-limit", 120, "client payloads allowed per --payload-window (then 4008)")
	payloadWindow := fs.Duration("payload-window", time.Minute, "window of --payload-limit")
	maxConc := fs.Int("max-concurrency", 1, "identify buckets per user (session_start_limit.max_concurrency)")
	identifyWindow := fs.Duration("identify-window", 5*time.Second, "one identify per bucket per this window (else op 9)")
	grants := fs.String("grant-intents", "", "privileged intents granted besides user records': MASK for everyone, or USER=MASK,... (e.g. 33026)")
	zstdPreset := fs.String("zstd-preset", "discord", "zstd-stream preset: discord, balanced, lean")
	zlibLevel := fs.Int("zlib-level", 6, "zlib-stream and payload compression level")
	streams := addCompressionFlags(fs)
	maxOutbound := fs.Int("max-outbound-bytes", 4<<20, "per-connection outbound bytes before a slow reader is closed")
	maxMessage := fs.Int("max-message-bytes", 64<<10, "WebSocket message cap (1009 above it)")
	handshakeTimeout := fs.Duration("handshake-timeout", 10*time.Second, "time allowed for the HTTP upgrade")
	loops := fs.Int("event-loops", 0, "gnet event loops (default: one per core)")
	logLevel := fs.String("log-level", "info", "debug, info, warn, error")
	nodeID := fs.String("node-id", "", "this node's name in cross-node presence; must differ per process (default <hostname>-<random>)")
	nodeHeartbeat := fs.Duration("node-heartbeat", time.Second, "how often this node announces itself to the others")
	nodeTTL := fs.Duration("node-ttl", 5*time.Second, "a node silent this long stops counting: its users' presence is dropped")
	adminSecret := fs.String("admin-secret", "", "bearer secret for POST /admin/drain (default: the ingest secret)")
	drainBatch := fs.Int("drain-batch", 100, "sessions sent op 7 per --drain-interval while draining")
	drainInterval := fs.Duration("drain-interval", 200*time.Millisecond, "pause between op 7 batches while draining")
	drainTimeout := fs.Duration("drain-timeout", time.Minute, "longest wait for sessions to leave before exiting")
	pprofAddr := fs.String("pprof-addr", "", "serve net/http/pprof on this address (off by default; keep it private)")
	if err := parseWithEnv(fs, args); err != nil {
		return err
	}
	if err := streams.check(); err != nil {
		return err
	}

	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(*logLevel)); err != nil {
		return fmt.Errorf("--log-level: %w", err)
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: lvl}))
	if err := startPprof(*pprofAddr, log); err != nil {
		return fmt.Errorf("--pprof-addr: %w", err)
	}

	sec := *secret
	if sec == "" {
		var err error
		if sec, err = loadNamedSecret(*dataDir, "secret", true); err != nil {
			return fmt.Errorf("secret: %w", err)
		}
	}
	signer, err := auth.NewSigner(sec)
	if err != nil {
		return err
	}
	grantFn, err := parseGrants(*grants)
	if err != nil {
		return fmt.Errorf("--grant-intents: %w", err)
	}
	zopts, err := compress.ZstdPreset(*zstdPreset)
	if err != nil {
		return err
	}
	zl := compress.DefaultZlib
	zl.Level = *zlibLevel

	isec := *ingestSecret
	if isec == "" {
		if isec, err = loadNamedSecret(*dataDir, "ingest-secret", true); err != nil {
			return fmt.Errorf("ingest secret: %w", err)
		}
	}
	asec := *adminSecret
	if asec == "" {
		asec = isec
	}
	nid := *nodeID
	if nid == "" {
		nid = defaultNodeID()
	}
	nc := node.Config{
		DataDir: *dataDir, NATSURL: *natsURL, Replicas: *replicas, IngestSecret: isec,
		WorkerID: uint16(*workerID), Logger: log,
		Hub: hub.Config{NodeID: nid, NodeHeartbeat: *nodeHeartbeat, NodeTTL: *nodeTTL},
		Server: server.Config{
			WSAddr: *wsAddr, HTTPAddr: *httpAddr, PublicURL: *publicURL, AdminSecret: asec,
			Session: session.Config{
				Signer: signer, HeartbeatInterval: *hb, HeartbeatTolerance: *hbTol, ResumeWindow: *resumeWin,
				ReplayMaxEvents: *replayEvents, ReplayMaxBytes: *replayBytes,
				PayloadLimit: *payloadLimit, PayloadWindow: *payloadWindow,
				MaxConcurrency: *maxConc, IdentifyWindow: *identifyWindow, Grants: grantFn,
			},
			Zstd: zopts, Zlib: zl,
			MaxOutboundBytes: *maxOutbound, MaxMessage: *maxMessage, HandshakeTimeout: *handshakeTimeout,
			NumEventLoops: *loops,
		},
	}
	streams.apply(&nc.Server)
	nc.Server.Compression = node.DefaultCompression()
	n, err := node.Start(nc)
	if err != nil {
		return err
	}
	srv := n.Server
	engine := "embedded NATS in " + *dataDir
	if *natsURL != "" {
		engine = *natsURL
	}
	log.Info("gatehouse ready", "gateway", srv.PublicURL(), "rest", "http://"+srv.HTTPAddr(), "engine", engine, "compression", nc.Server.Compression.Name(), "streams", nc.Server.StreamChoice(), "node", nid)
	fmt.Fprintf(os.Stderr, "\nConnect a client to %s/?v=10&encoding=json\nREST base: http://%s/api/v10\nIngest: http://%s/ingest/v1 with Authorization: Bearer <%s>\nA token for user %d: %s\n(mint more with: gatehouse token --data-dir %s --user ID)\n\n",
		srv.PublicURL(), srv.HTTPAddr(), srv.HTTPAddr(), ingestSecretHint(*ingestSecret, *dataDir), uint64(demoUser), signer.Mint(demoUser, time.Now()), *dataDir)

	waitAndDrain(log, n, server.DrainConfig{Batch: *drainBatch, Interval: *drainInterval, Timeout: *drainTimeout})
	return nil
}

// parseGrants reads --grant-intents: "MASK" grants everyone, "ID=MASK,..."
// grants per user.
func parseGrants(s string) (func(uint64) uint64, error) {
	if s == "" {
		return nil, nil
	}
	if !strings.Contains(s, "=") {
		m, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			return nil, err
		}
		return func(uint64) uint64 { return m }, nil
	}
	per := map[uint64]uint64{}
	for _, kv := range strings.Split(s, ",") {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			return nil, fmt.Errorf("%q is not USER=MASK", kv)
		}
		id, err := strconv.ParseUint(k, 10, 64)
		if err != nil {
			return nil, err
		}
		m, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			return nil, err
		}
		per[id] = m
	}
	return func(u uint64) uint64 { return per[u] }, nil
}

// ingestSecretHint says where the ingest secret is, without printing it when
// it was given on the command line.
func ingestSecretHint(flagValue, dataDir string) string {
	if flagValue != "" {
		return "--ingest-secret"
	}
	return "contents of " + filepath.Join(dataDir, "ingest-secret")
}
