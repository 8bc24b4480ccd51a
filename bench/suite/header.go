// Package suite is gatehouse's benchmark suite: the scenarios that need
// processes (a server, loadgen processes, peers) and the report that puts
// them side by side. bench/cmd/benchsuite runs every scenario (`make
// bench`); bench/cmd/fanoutbench runs the fan-out scenario alone (`make
// bench-fanout`). See docs/benchmarks.md.
package suite

import (
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// Header opens every result file: how to reproduce the figures and where
// they were taken.
type Header struct {
	Command string  `json:"command"`
	Commit  string  `json:"commit"`
	Date    string  `json:"date"`
	Machine Machine `json:"machine"`
}

// Machine describes where the figures were taken.
type Machine struct {
	CPU      string `json:"cpu"`
	Cores    int    `json:"cores"`
	MemBytes uint64 `json:"mem_bytes"`
	Kernel   string `json:"kernel"`
	Go       string `json:"go"`
	// LoadAvg at the start: the machine is shared, so figures are noisy
	// when it is high.
	LoadAvg string `json:"load_avg"`
}

// NewHeader describes this run; make is the make target that ran it ("" if
// run directly).
func NewHeader(make string) Header {
	return Header{Command: CommandLine(make), Commit: GitCommit(), Date: time.Now().UTC().Format(time.RFC3339), Machine: DescribeMachine()}
}

// Markdown is the header as the first lines of a report.
func (h Header) Markdown() string {
	m := h.Machine
	return "- Command: `" + h.Command + "`\n" +
		"- Commit: `" + h.Commit + "` · Date: " + h.Date + "\n" +
		"- Machine: " + m.CPU + ", " + strconv.Itoa(m.Cores) + " cores, " + strconv.FormatFloat(float64(m.MemBytes)/(1<<30), 'f', 1, 64) +
		" GiB RAM, Linux " + m.Kernel + ", " + m.Go + "; load average at start " + m.LoadAvg + "\n"
}

// DescribeMachine reads /proc for the CPU, memory, kernel and load.
func DescribeMachine() Machine {
	m := Machine{Cores: runtime.NumCPU(), Go: runtime.Version(), MemBytes: Meminfo("MemTotal")}
	for _, line := range strings.Split(readFile("/proc/cpuinfo"), "\n") {
		if v, ok := strings.CutPrefix(line, "model name"); ok {
			m.CPU = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(v), ":"))
			break
		}
	}
	m.Kernel = strings.TrimSpace(readFile("/proc/sys/kernel/osrelease"))
	if f := strings.Fields(readFile("/proc/loadavg")); len(f) >= 3 {
		m.LoadAvg = strings.Join(f[:3], " ")
	}
	return m
}

// Meminfo reads a /proc/meminfo field in bytes (0 if absent).
func Meminfo(field string) uint64 {
	for _, line := range strings.Split(readFile("/proc/meminfo"), "\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			kb, _ := strconv.ParseUint(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// GitCommit is the short HEAD, with "+dirty" when tracked files changed.
func GitCommit() string {
	out, err := exec.Command("git", "rev-parse", "--short", "HEAD").Output()
	if err != nil {
		return "unknown"
	}
	c := strings.TrimSpace(string(out))
	if st, err := exec.Command("git", "status", "--porcelain", "--untracked-files=no").Output(); err == nil && len(strings.TrimSpace(string(st))) > 0 {
		c += "+dirty"
	}
	return c
}

// CommandLine is how this process was started, as someone would retype it,
// prefixed by the make target when make ran it.
func CommandLine(make string) string {
	cmd := strings.Join(append([]string{baseName(os.Args[0])}, os.Args[1:]...), " ")
	if make != "" && os.Getenv("MAKELEVEL") != "" {
		return "make " + make + "  (" + cmd + ")"
	}
	return cmd
}

// baseName turns go run's temporary binary path into the command's name.
func baseName(p string) string {
	if i := strings.LastIndexByte(p, '/'); i >= 0 {
		p = p[i+1:]
	}
	return p
}

func readFile(p string) string {
	b, _ := os.ReadFile(p)
	return string(b)
}
