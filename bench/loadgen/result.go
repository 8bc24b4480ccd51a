package loadgen

import (
	"os"
	"runtime"
	"strconv"
	"strings"
)

// Result is what one load generator process reports.
type Result struct {
	URL             string  `json:"url"`
	Protocol        string  `json:"protocol"`
	Conns           int     `json:"conns"`
	Compress        string  `json:"compress"`
	Rate            float64 `json:"rate"`
	UserBase        uint64  `json:"user_base"`
	IdentifyBarrier bool    `json:"identify_barrier"`
	EventLoops      int     `json:"event_loops"`

	Stats Stats `json:"stats"`
	// SetupSeconds runs from the first dial to the last READY.
	SetupSeconds float64 `json:"setup_seconds"`
	// ReadyPerSec is READYs over SetupSeconds: connects and identifies together.
	ReadyPerSec float64 `json:"ready_per_sec"`
	// Storm is set with IdentifyBarrier: from the barrier's release to the
	// last READY, only identifies are in flight.
	Storm *Storm `json:"identify_storm,omitempty"`

	HelloToReady    HistSummary `json:"hello_to_ready"`
	IdentifyToReady HistSummary `json:"identify_to_ready"`
	DialToReady     HistSummary `json:"dial_to_ready"`

	// Process is this load generator's own memory once setup was done.
	Process ProcessMem `json:"process"`

	// Deliveries are the tagged messages received, per class (latency.go).
	Deliveries []ClassResult `json:"deliveries,omitempty"`
	// Resume is set when sessions resume (Config.Resume).
	Resume *ResumeResult `json:"resume,omitempty"`
}

// Storm is the identify storm's throughput.
type Storm struct {
	Identifies  int64   `json:"identifies"`
	Seconds     float64 `json:"seconds"`
	ReadyPerSec float64 `json:"ready_per_sec"`
}

// ProcessMem is a process's memory figures.
type ProcessMem struct {
	RSSBytes       uint64 `json:"rss_bytes"`
	HeapInuseBytes uint64 `json:"heap_inuse_bytes"`
	Goroutines     int    `json:"goroutines"`
}

// MeasureSelf runs a GC and reads this process's memory: the load
// generator's own cost per connection is reported next to the server's.
func MeasureSelf() ProcessMem {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ProcessMem{RSSBytes: VmRSS(os.Getpid()), HeapInuseBytes: ms.HeapInuse, Goroutines: runtime.NumGoroutine()}
}

// VmRSS reads a process's resident set size from /proc/<pid>/status (0
// where unavailable).
func VmRSS(pid int) uint64 {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
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

// result assembles the Result (before teardown).
func (r *Runner) result() Result {
	res := Result{
		URL: r.cfg.URL, Protocol: r.cfg.Protocol, Conns: r.cfg.Conns, Compress: r.cfg.Compress, Rate: r.cfg.Rate,
		UserBase: r.cfg.UserBase, IdentifyBarrier: r.cfg.IdentifyBarrier, EventLoops: r.cfg.EventLoops,
		Stats:           r.Stats(),
		HelloToReady:    r.helloToReady.Summary(),
		IdentifyToReady: r.identifyToReady.Summary(),
		DialToReady:     r.dialToReady.Summary(),
		Process:         r.setupMem,
		Deliveries:      r.classResults(),
		Resume:          r.resumeResult(),
	}
	if res.Compress == "" {
		res.Compress = "none"
	}
	first, last := r.firstDial.Load(), r.lastReady.Load()
	if last > first && first > 0 {
		res.SetupSeconds = float64(last-first) / 1e9
		res.ReadyPerSec = float64(res.Stats.Ready) / res.SetupSeconds
	}
	if s := r.stormStart.Load(); r.released.Load() && last > s {
		st := &Storm{Identifies: res.Stats.Identifies, Seconds: float64(last-s) / 1e9}
		st.ReadyPerSec = float64(res.Stats.Ready) / st.Seconds
		res.Storm = st
	}
	return res
}
