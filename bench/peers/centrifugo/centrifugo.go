// Package centrifugo is the benchmark suite's glue for Centrifugo, the
// peer measured beside gatehouse: it installs a pinned release from the Go
// module proxy into a cache directory (never committed) and writes the
// configuration the suite runs it with. The load generator speaks
// Centrifugo's JSON client protocol (bench/loadgen, Protocol "centrifugo").
package centrifugo

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// Module and Version pin the Centrifugo the suite measures.
const (
	Module  = "github.com/centrifugal/centrifugo/v6"
	Version = "v6.9.1"
)

// Channel is the channel every benchmark connection subscribes to.
const Channel = "bench"

// stampName records which Module@Version the cached binary was built from:
// a `go install` build reports version 0.0.0 itself, so it cannot tell.
const stampName = "centrifugo.version"

// Install returns the path of the centrifugo binary in dir, building it
// with `go install Module@Version` (GOBIN=dir) when dir does not already
// hold that version. The build takes minutes on 2 cores; the cache makes
// later runs free. goCmd is the go command ("go" if empty).
func Install(ctx context.Context, goCmd, dir string) (string, error) {
	if goCmd == "" {
		goCmd = "go"
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	bin := filepath.Join(abs, "centrifugo")
	want := Module + "@" + Version
	if b, err := os.ReadFile(filepath.Join(abs, stampName)); err == nil && strings.TrimSpace(string(b)) == want {
		if _, err := os.Stat(bin); err == nil {
			return bin, nil
		}
	}
	if err := os.MkdirAll(abs, 0o755); err != nil {
		return "", err
	}
	fmt.Fprintf(os.Stderr, "centrifugo: go install %s into %s (once; a few minutes)\n", want, abs)
	cmd := exec.CommandContext(ctx, goCmd, "install", want)
	cmd.Env = append(os.Environ(), "GOBIN="+abs)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("go install %s: %w", want, err)
	}
	if err := os.WriteFile(filepath.Join(abs, stampName), []byte(want+"\n"), 0o644); err != nil {
		return "", err
	}
	return bin, nil
}

// Config is a Centrifugo configuration for the benchmark: HTTP (WebSocket
// and API) on addr:port, anonymous clients that may subscribe to any
// channel (client.insecure), the HTTP API behind apiKey, no usage stats.
func Config(addr string, port int, apiKey string) ([]byte, error) {
	cfg := map[string]any{
		"http_server": map[string]any{"address": addr, "port": port},
		"client":      map[string]any{"insecure": true, "allowed_origins": []string{"*"}},
		"http_api":    map[string]any{"key": apiKey},
		"log":         map[string]any{"level": "info"},
		"usage_stats": map[string]any{"disabled": true},
	}
	return json.MarshalIndent(cfg, "", "  ")
}

// PublishBody is the HTTP API publish request for data on Channel.
func PublishBody(data string) string {
	return `{"channel":"` + Channel + `","data":` + data + `}`
}
