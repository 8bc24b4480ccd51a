package main

import (
	"fmt"
	"net/http"
	"os"
	"runtime"
	"strconv"
	"strings"
)

// metrics serves the same gauges as gatehouse's /metrics, under the same
// names, so the suite reads both servers alike.
func (s *server) metrics(w http.ResponseWriter, _ *http.Request) {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	s.mu.Lock()
	n := len(s.sessions)
	s.mu.Unlock()
	var b strings.Builder
	gauge := func(name string, v uint64) { fmt.Fprintf(&b, "# TYPE %s gauge\n%s %d\n", name, name, v) }
	gauge("gatehouse_sessions", uint64(n))
	gauge("gatehouse_connections", uint64(max(s.conns.Load(), 0)))
	gauge("go_memstats_heap_inuse_bytes", ms.HeapInuse)
	gauge("go_memstats_heap_alloc_bytes", ms.HeapAlloc)
	gauge("go_memstats_sys_bytes", ms.Sys)
	gauge("go_goroutines", uint64(runtime.NumGoroutine()))
	gauge("process_resident_memory_bytes", rss())
	w.Header()["Content-Type"] = []string{"text/plain; version=0.0.4"}
	_, _ = w.Write([]byte(b.String()))
}

// rss is VmRSS from /proc/self/status in bytes (0 where unavailable).
func rss() uint64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseUint(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}
