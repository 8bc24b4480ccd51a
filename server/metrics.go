package server

import (
	"fmt"
	"net/http"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
)

// counters are process-wide figures served on /metrics. Any goroutine may
// update them (atomics).
type counters struct {
	conns atomic.Int64 // open TCP connections on the gateway port
	// hibernations counts compact streams put to sleep; hibernating is how
	// many sleep now (see compact.go).
	hibernations, hibernating atomic.Int64
}

// metrics serves Prometheus text: sessions, connections and memory, which
// the connection benchmark reads to report bytes per session.
func (s *Server) metrics(w http.ResponseWriter, _ *http.Request) {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	var b strings.Builder
	gauge := func(name, help string, v uint64) {
		fmt.Fprintf(&b, "# HELP %s %s\n# TYPE %s gauge\n%s %d\n", name, help, name, name, v)
	}
	gauge("gatehouse_sessions", "Live sessions (attached or resumable).", uint64(s.mgr.Len()))
	gauge("gatehouse_connections", "Open gateway TCP connections.", uint64(s.stats.conns.Load()))
	gauge("gatehouse_compact_hibernating", "Compact compression streams holding no working context now.", uint64(max(s.stats.hibernating.Load(), 0)))
	fmt.Fprintf(&b, "# HELP %[1]s %[2]s\n# TYPE %[1]s counter\n%[1]s %[3]d\n", "gatehouse_compact_hibernations_total",
		"Times a compact compression stream hibernated.", s.stats.hibernations.Load())
	if s.cfg.Counters != nil {
		s.cfg.Counters(func(name, help string, v int64) {
			fmt.Fprintf(&b, "# HELP %[1]s %[2]s\n# TYPE %[1]s counter\n%[1]s %[3]d\n", name, help, v)
		})
	}
	gauge("go_memstats_heap_inuse_bytes", "Go heap in use.", ms.HeapInuse)
	gauge("go_memstats_heap_alloc_bytes", "Go heap allocated and live.", ms.HeapAlloc)
	gauge("go_memstats_sys_bytes", "Bytes obtained from the OS by the Go runtime.", ms.Sys)
	gauge("go_goroutines", "Goroutines.", uint64(runtime.NumGoroutine()))
	gauge("process_resident_memory_bytes", "Resident set size.", rssBytes())
	w.Header()["Content-Type"] = []string{"text/plain; version=0.0.4"}
	_, _ = w.Write([]byte(b.String()))
}

// rssBytes reads VmRSS from /proc/self/status (0 where unavailable).
func rssBytes() uint64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseUint(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb * 1024
		}
	}
	return 0
}
