package main

import (
	"bufio"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"time"
)

// Env says where and from what the figures came.
type Env struct {
	Command string `json:"command"`
	Commit  string `json:"commit"`
	Date    string `json:"date"`
	CPU     string `json:"cpu"`
	Cores   int    `json:"cores"`
	Go      string `json:"go"`
	HAProxy string `json:"haproxy"`
	Build   string `json:"gatehouse_build"`
	// Load is /proc/loadavg when the run started: the machine may be
	// shared, and timings should be read with it in mind.
	Load string `json:"load_at_start"`
}

func collectEnv(args []string) Env {
	cmd := "go run ./bench/cmd/clusterbench"
	if len(args) > 0 {
		cmd += " " + strings.Join(args, " ")
	}
	if os.Getenv("MAKELEVEL") != "" {
		cmd = "make bench-cluster (" + cmd + ")"
	}
	hv, _, _ := strings.Cut(output("haproxy", "-v"), "\n")
	return Env{
		Command: cmd,
		Commit:  commit(),
		Date:    time.Now().UTC().Format("2006-01-02 15:04 MST"),
		CPU:     cpuModel(),
		Cores:   runtime.NumCPU(),
		Go:      runtime.Version() + " " + runtime.GOOS + "/" + runtime.GOARCH,
		HAProxy: hv,
		Load:    loadAvg(),
	}
}

// commit is the short hash of HEAD, marked when the working tree (new files
// included, the results folder excluded) differs from it.
func commit() string {
	c := output("git", "rev-parse", "--short", "HEAD")
	if c == "" {
		return "uncommitted"
	}
	if output("git", "status", "--porcelain", "--", ".", ":!bench/results") != "" {
		c += " (with uncommitted changes)"
	}
	return c
}

func cpuModel() string {
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return runtime.GOARCH
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return runtime.GOARCH
}

// output runs a command and returns its trimmed combined output, or "".
func output(name string, args ...string) string {
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}

// loadAvg is the 1, 5 and 15 minute load averages, or "" where unknown.
func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return ""
	}
	return strings.Join(f[:3], " ")
}

// buildSettings reads CGO_ENABLED and -race from the binary's build info.
func buildSettings(bin string) string {
	var out []string
	for _, l := range strings.Split(output("go", "version", "-m", bin), "\n") {
		f := strings.Fields(l)
		if len(f) == 2 && f[0] == "build" && (strings.HasPrefix(f[1], "CGO_ENABLED=") || strings.HasPrefix(f[1], "-race")) {
			out = append(out, f[1])
		}
	}
	if len(out) == 0 {
		return "build settings unknown"
	}
	return strings.Join(out, ", ")
}
