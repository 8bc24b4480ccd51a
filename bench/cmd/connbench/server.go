package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"

	"gatehouse/bench/loadgen"
)

// gateway is one gatehouse process started for one measurement.
type gateway struct {
	cmd         *exec.Cmd
	dir         string // its fresh --data-dir, removed at stop
	logPath     string
	wsURL       string
	restURL     string
	compression string        // the server's compressor: "rust" or "go"
	streams     string        // the server's stream choice: "full", "compact:zlib", "compact:zlib,zstd"
	done        chan struct{} // closed when the process has exited
}

// readyLine is serve's start-up log line; it carries the bound addresses,
// since the gateway is started on port 0.
var readyLine = regexp.MustCompile(`msg="gatehouse ready" gateway=(\S+) rest=(\S+) .*compression=(\S+)`)

// streamsField is the ready line's streams=, what the server says it gives
// compressed connections (older binaries do not print it).
var streamsField = regexp.MustCompile(`msg="gatehouse ready" .*streams=(\S+)`)

// startGateway runs `gatehouse serve` in mode m with a fresh data dir on
// free ports and waits until /metrics answers.
func startGateway(ctx context.Context, o *options, m mode) (*gateway, error) {
	dir, err := os.MkdirTemp("", "connbench-")
	if err != nil {
		return nil, err
	}
	g := &gateway{dir: dir, logPath: filepath.Join(dir, "server.log")}
	logf, err := os.Create(g.logPath)
	if err != nil {
		return nil, err
	}
	defer logf.Close()
	args := []string{"serve",
		"--ws-addr", "127.0.0.1:0", "--http-addr", "127.0.0.1:0",
		"--data-dir", filepath.Join(dir, "data"), "--secret", o.secret,
		"--heartbeat-interval", o.heartbeat.String(),
		"--max-concurrency", strconv.Itoa(o.maxConcurrency), "--identify-window", o.identifyWindow.String(),
		"--log-level", "info",
	}
	args = append(args, m.serverFlags(o.compactIdle)...)
	g.cmd = exec.Command(o.bin, args...)
	if len(o.serverEnv) > 0 {
		g.cmd.Env = append(os.Environ(), o.serverEnv...)
	}
	g.cmd.Stdout, g.cmd.Stderr = logf, logf
	g.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := g.cmd.Start(); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("start %s: %w", o.bin, err)
	}
	g.done = make(chan struct{})
	go func() { _ = g.cmd.Wait(); close(g.done) }()
	deadline := time.Now().Add(30 * time.Second)
	for {
		log := readFile(g.logPath)
		if m := readyLine.FindStringSubmatch(log); m != nil {
			g.wsURL, g.restURL, g.compression = m[1], m[2], strings.Trim(m[3], `"`)
			if f := streamsField.FindStringSubmatch(log); f != nil {
				g.streams = strings.Trim(f[1], `"`)
			}
			if _, err := g.metrics(); err == nil {
				return g, nil
			}
		}
		if g.exited() || time.Now().After(deadline) || ctx.Err() != nil {
			g.stop()
			return nil, fmt.Errorf("gateway did not start; log tail:\n%s", tail(g.logPath, 15))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// metrics reads the gateway's /metrics as name → value.
func (g *gateway) metrics() (map[string]float64, error) {
	c := http.Client{Timeout: 10 * time.Second}
	resp, err := c.Get(g.restURL + "/metrics")
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("/metrics: %s", resp.Status)
	}
	out := map[string]float64{}
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		name, val, ok := strings.Cut(line, " ")
		if !ok {
			continue
		}
		if v, err := strconv.ParseFloat(strings.TrimSpace(val), 64); err == nil {
			out[name] = v
		}
	}
	return out, sc.Err()
}

// sample is the gateway's memory at one moment.
type sample struct {
	Sessions       int64  `json:"sessions"`
	Connections    int64  `json:"connections"`
	RSSBytes       uint64 `json:"rss_bytes"` // /proc/<pid>/status VmRSS
	HeapInuseBytes uint64 `json:"heap_inuse_bytes"`
	HeapAllocBytes uint64 `json:"heap_alloc_bytes"`
	// Hibernating is gatehouse_compact_hibernating: compact streams holding
	// no working context at this reading.
	Hibernating int64 `json:"compact_hibernating"`
}

// settle reads /metrics, waits, and reads again; the second reading is the
// one used, so memory freed right after the last READY (write buffers,
// identify scratch) has had a moment. The server is not asked to run a GC:
// what it holds with its own collector pacing is what a node pays.
func (g *gateway) settle(ctx context.Context, wait time.Duration) (sample, error) {
	if _, err := g.metrics(); err != nil {
		return sample{}, err
	}
	select {
	case <-time.After(wait):
	case <-ctx.Done():
		return sample{}, ctx.Err()
	}
	m, err := g.metrics()
	if err != nil {
		return sample{}, err
	}
	return sample{
		Sessions: int64(m["gatehouse_sessions"]), Connections: int64(m["gatehouse_connections"]),
		RSSBytes:       loadgen.VmRSS(g.cmd.Process.Pid),
		HeapInuseBytes: uint64(m["go_memstats_heap_inuse_bytes"]), HeapAllocBytes: uint64(m["go_memstats_heap_alloc_bytes"]),
		Hibernating: int64(m["gatehouse_compact_hibernating"]),
	}, nil
}

// waitIdle polls until the gateway holds no sessions and no connections.
func (g *gateway) waitIdle(ctx context.Context, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for {
		m, err := g.metrics()
		if err == nil && m["gatehouse_sessions"] == 0 && m["gatehouse_connections"] == 0 {
			return nil
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return fmt.Errorf("gateway not idle after %s: sessions %v connections %v", limit, m["gatehouse_sessions"], m["gatehouse_connections"])
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// stop asks the gateway to shut down (SIGTERM), kills it after 15 s, and
// removes its data dir.
func (g *gateway) stop() {
	if !g.exited() {
		_ = g.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-g.done:
		case <-time.After(15 * time.Second):
			_ = g.cmd.Process.Kill()
			<-g.done
		}
	}
	_ = os.RemoveAll(g.dir)
}

func (g *gateway) exited() bool {
	select {
	case <-g.done:
		return true
	default:
		return false
	}
}

func readFile(p string) string {
	b, _ := os.ReadFile(p)
	return string(b)
}

// tail is the last n lines of a file, for error reports.
func tail(p string, n int) string {
	f, err := os.Open(p)
	if err != nil {
		return err.Error()
	}
	defer f.Close()
	b, err := io.ReadAll(f)
	if err != nil && !errors.Is(err, io.EOF) {
		return err.Error()
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
