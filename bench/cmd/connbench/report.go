package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Targets from the gateway issue.
const (
	targetBytesPerSession = 4 << 10
	targetIdentifiesPerS  = 20000
)

// report is conn.json; conn.md is rendered from it.
type report struct {
	Command        string       `json:"command"`
	Commit         string       `json:"commit"`
	Date           string       `json:"date"`
	Machine        machine      `json:"machine"`
	Binary         binaryInfo   `json:"gatehouse_binary"`
	Settings       settings     `json:"settings"`
	Memory         []memRow     `json:"memory"`
	Identify       *stormResult `json:"identify_storm,omitempty"`
	Targets        []target     `json:"targets"`
	ElapsedSeconds float64      `json:"elapsed_seconds"`
}

type settings struct {
	HeartbeatInterval string   `json:"heartbeat_interval"`
	MaxConcurrency    int      `json:"max_concurrency"`
	IdentifyWindow    string   `json:"identify_window"`
	Settle            string   `json:"settle"`
	PerProcess        int      `json:"sessions_per_loadgen_process"`
	CompactIdle       string   `json:"compact_idle"`         // server --compact-idle in the compact modes
	ServerEnv         []string `json:"server_env,omitempty"` // -server-env
}

type target struct {
	Name   string `json:"name"`
	Figure string `json:"figure"`
	Pass   bool   `json:"pass"`
	Judged bool   `json:"judged"` // false when nothing was measured to judge by
}

func (r *report) rowsOf(mode string) []memRow {
	var out []memRow
	for _, row := range r.Memory {
		if row.Mode == mode {
			out = append(out, row)
		}
	}
	return out
}

// judge sets the targets: memory from the largest clean uncompressed run,
// throughput from the identify storm.
func (r *report) judge() {
	mem := target{Name: "≤ 4 KiB per idle identified session without compression (server RSS)", Figure: "not measured"}
	var best *memRow
	for i := range r.Memory {
		row := &r.Memory[i]
		if row.Mode == "none" && row.Skipped == "" && row.Error == "" && row.Ready > 0 && (best == nil || row.N > best.N) {
			best = row
		}
	}
	if best != nil {
		mem.Judged = true
		mem.Pass = best.RSSPerSession <= targetBytesPerSession && best.Failed == 0
		mem.Figure = fmt.Sprintf("%s RSS, %s Go heap per session at %s sessions", kib(best.RSSPerSession), kib(best.HeapPerSession), count(float64(best.N)))
	}
	id := target{Name: "≥ 20,000 identifies/s on 2 cores (identify storm, READY/s)", Figure: "not measured"}
	if s := r.Identify; s != nil && s.Error == "" && s.Ready > 0 {
		id.Judged = true
		id.Pass = s.ReadyPerSec >= targetIdentifiesPerS && s.Failed == 0
		id.Figure = fmt.Sprintf("%s READY/s (%s sessions, p50 %s, p99 %s identify→READY)", count(s.ReadyPerSec), count(float64(s.N)),
			dur(s.IdentifyToReady.P50US), dur(s.IdentifyToReady.P99US))
	}
	r.Targets = []target{mem, id}
}

func (r *report) write(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "conn.json"), append(b, '\n'), 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "conn.md"), []byte(r.markdown()), 0o644)
}

func (r *report) markdown() string {
	var b strings.Builder
	w := func(format string, a ...any) { fmt.Fprintf(&b, format, a...) }
	w("# Connection benchmark\n\n")
	w("- Command: `%s`\n", r.Command)
	w("- Commit: `%s` · Date: %s · Took %.0f s\n", r.Commit, r.Date, r.ElapsedSeconds)
	w("- Machine: %s, %d cores, %.1f GiB RAM, Linux %s, %s\n", r.Machine.CPU, r.Machine.Cores,
		float64(r.Machine.MemBytes)/(1<<30), r.Machine.Kernel, r.Machine.Go)
	comp := ""
	for _, row := range r.Memory {
		if row.Compression != "" {
			comp = row.Compression
			break
		}
	}
	w("- Server: `%s` built with %s, CGO_ENABLED=%v, compressor %q\n", r.Binary.Path, r.Binary.Go, b2i(r.Binary.CGO), comp)
	w("- Server flags: `--heartbeat-interval %s --max-concurrency %d --identify-window %s` (so the identify rate limit never answers op 9: this measures the server, not Discord's limit); each measurement on a fresh process and data dir\n",
		r.Settings.HeartbeatInterval, r.Settings.MaxConcurrency, r.Settings.IdentifyWindow)
	if len(r.Settings.ServerEnv) > 0 {
		w("- Server environment added: `%s`\n", strings.Join(r.Settings.ServerEnv, " "))
	}
	w("\n")

	w("## Targets\n\n| target | figure | result |\n|---|---|---|\n")
	for _, t := range r.Targets {
		res := "not judged"
		if t.Judged {
			res = map[bool]string{true: "**PASS**", false: "**FAIL**"}[t.Pass]
		}
		w("| %s | %s | %s |\n", t.Name, t.Figure, res)
	}

	w("\n## Memory per idle identified session\n\n")
	w("(loaded − baseline) / READY sessions. RSS is the gateway process's VmRSS; heap is Go's heap_inuse from /metrics.\n\n")
	w("| mode | server streams | sessions | READY | streams asleep | RSS / session | heap / session | server RSS | setup | READY/s | Hello→READY p50 / p99 | loadgen RSS / conn | errors |\n")
	w("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n")
	for _, row := range r.Memory {
		streams := streamsText(row)
		switch {
		case row.Skipped != "":
			w("| %s | %s | %s | — | | skipped | | | | | | | | %s |\n", row.Mode, streams, count(float64(row.N)), row.Skipped)
			continue
		case row.Error != "" && row.Ready == 0:
			w("| %s | %s | %s | — | | failed | | | | | | | | %s |\n", row.Mode, streams, count(float64(row.N)), oneLine(row.Error))
			continue
		}
		asleep := "—"
		if row.IdleWaitSeconds > 0 {
			asleep = fmt.Sprintf("%s (after %.0f s)", count(float64(row.Loaded.Hibernating)), row.IdleWaitSeconds)
		}
		errs := errorsText(row.Errors)
		if row.Error != "" {
			errs = oneLine(row.Error) + "; " + errs
		}
		w("| %s | %s | %s | %s | %s | %s | %s | %s | %.1f s | %s | %s / %s | %s | %s |\n", row.Mode, streams, count(float64(row.N)), count(float64(row.Ready)),
			asleep, kib(row.RSSPerSession), kib(row.HeapPerSession), mib(float64(row.Loaded.RSSBytes)),
			row.SetupSeconds, count(row.ReadyPerSec), dur(row.HelloToReady.P50US), dur(row.HelloToReady.P99US),
			kib(row.LoadgenRSSPerConn), errs)
	}

	if s := r.Identify; s != nil {
		w("\n## Identify storm\n\n")
		w("%s sessions, no compression: every socket connected and had its Hello, then every Identify was sent at once (one loadgen process, no rate cap). The loadgen shares the machine's cores with the server.\n\n", count(float64(s.N)))
		if s.Error != "" {
			w("Error: %s\n\n", oneLine(s.Error))
		}
		w("| READY | failed | identifies sent | READY/s (storm) | storm time | identify→READY p50 | p90 | p99 | max | READY/s incl. connects | errors |\n")
		w("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n")
		w("| %s | %d | %s | %s | %.2f s | %s | %s | %s | %s | %s | %s |\n", count(float64(s.Ready)), s.Failed, count(float64(s.Identifies)),
			count(s.ReadyPerSec), s.Seconds, dur(s.IdentifyToReady.P50US), dur(s.IdentifyToReady.P90US), dur(s.IdentifyToReady.P99US),
			dur(s.IdentifyToReady.MaxUS), count(s.ConnectReadyPerSec), errorsText(s.Errors))
	}

	w("\n## How it was measured\n\n")
	w("- For each mode and size a fresh `gatehouse serve` is started; 20 sessions are opened and closed with 1000 (warm-up: JSON codecs, event-loop buffers, the first compressor), then the baseline is read; then loadgen processes (at most %d sessions each) hold N identified sessions with no traffic but heartbeats (interval %s).\n", r.Settings.PerProcess, r.Settings.HeartbeatInterval)
	w("- Compact modes run the server with `--compact-idle %s` (the default is 5 s; shorter so the run is shorter). After the last READY (every session has received at least READY through its stream) the loaded reading waits at least that plus two 1 s ticks, then until `gatehouse_compact_hibernating` stops rising (no new high for 5 s, at most 2 min); 'streams asleep' is that gauge at the reading. A heartbeat ACK goes out stored without waking a sleeping stream (messages of at most 128 bytes do); the server hibernates at most 256 streams per event loop per tick.\n", r.Settings.CompactIdle)
	w("- 'server streams' is what the server's start-up line said it gives compressed connections (`full`: a library stream per connection for its life; `compact:zlib`: compact zlib-stream; `compact:zlib,zstd`: compact zstd-stream too); the row's flags are in conn.json (`server_flags`).\n")
	w("- Each reading is /metrics read twice %s apart, keeping the second, plus VmRSS from /proc/<pid>/status. The server is not asked to collect garbage, so heap figures include whatever garbage its GC has not yet reclaimed.\n", r.Settings.Settle)
	w("- A size is skipped when the smaller sizes of the same mode project more memory than the machine has free.\n")
	w("- Sessions that get op 9 identify again after 1–5 s, as clients do; op 9s are counted as `invalid_session`.\n")
	return b.String()
}

func logRow(row memRow) {
	switch {
	case row.Skipped != "":
		fmt.Fprintf(os.Stderr, "connbench: %s %d: skipped: %s\n", row.Mode, row.N, row.Skipped)
	case row.Error != "":
		fmt.Fprintf(os.Stderr, "connbench: %s %d: error: %s\n", row.Mode, row.N, row.Error)
	default:
		fmt.Fprintf(os.Stderr, "connbench: %s %d: %d READY, RSS %s/session, heap %s/session, %.0f READY/s, errors %v\n",
			row.Mode, row.N, row.Ready, kib(row.RSSPerSession), kib(row.HeapPerSession), row.ReadyPerSec, row.Errors)
	}
}

func logStorm(s stormResult) {
	fmt.Fprintf(os.Stderr, "connbench: storm %d: %d READY in %.2fs = %.0f READY/s, identify→READY p50 %s p99 %s, errors %v %s\n",
		s.N, s.Ready, s.Seconds, s.ReadyPerSec, dur(s.IdentifyToReady.P50US), dur(s.IdentifyToReady.P99US), s.Errors, s.Error)
}

// streamsText is the row's server streams, or what it asked for when the
// server did not say (a binary older than --compression-streams).
func streamsText(row memRow) string {
	if row.Compress == "none" {
		return "—"
	}
	if row.Streams != "" {
		return "`" + row.Streams + "`"
	}
	return "? (" + strings.Join(row.ServerFlags, " ") + ")"
}

func kib(b float64) string { return fmt.Sprintf("%.2f KiB", b/1024) }
func mib(b float64) string { return fmt.Sprintf("%.0f MiB", b/(1<<20)) }

// count formats with thousands separators.
func count(v float64) string {
	s := fmt.Sprintf("%.0f", v)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	if neg {
		s = "-" + s
	}
	return s
}

// dur formats microseconds.
func dur(us float64) string {
	switch {
	case us >= 1e6:
		return fmt.Sprintf("%.2f s", us/1e6)
	case us >= 1e3:
		return fmt.Sprintf("%.1f ms", us/1e3)
	}
	return fmt.Sprintf("%.0f µs", us)
}

func errorsText(m map[string]int64) string {
	if len(m) == 0 {
		return "none"
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s %d", k, m[k]))
	}
	return strings.Join(parts, ", ")
}

func oneLine(s string) string {
	s = strings.ReplaceAll(s, "\n", " ⏎ ")
	s = strings.ReplaceAll(s, "|", "\\|")
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return s
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
