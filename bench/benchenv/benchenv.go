// Package benchenv reads what a benchmark result header names about the run:
// the commit, the CPU, the load and tool versions. compressbench,
// memberlistbench and clusterbench share it, and their common header (Base).
package benchenv

import (
	"bufio"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"time"
)

// Commit is the short hash of HEAD, marked when the working tree (new files
// included, the results folder excluded) differs from it; "uncommitted"
// when there is no commit yet.
func Commit() string {
	c := Output("git", "rev-parse", "--short", "HEAD")
	if c == "" {
		return "uncommitted"
	}
	if Output("git", "status", "--porcelain", "--", ".", ":!bench/results") != "" {
		c += " (with uncommitted changes)"
	}
	return c
}

// CPUModel is /proc/cpuinfo's model name, or the architecture.
func CPUModel() string {
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

// Output runs a command and returns its trimmed stdout, or "" on failure.
func Output(name string, args ...string) string {
	out, err := exec.Command(name, args...).Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}

// CombinedOutput runs a command and returns its trimmed stdout and stderr,
// or "" on failure.
func CombinedOutput(name string, args ...string) string {
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}

// LoadAvg is the 1, 5 and 15 minute load averages, or "" where unknown.
func LoadAvg() string {
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

// Base is what every benchmark result's header says of where and from what
// its figures came; each command's Env embeds it and adds its tools.
type Base struct {
	Command string `json:"command"`
	Commit  string `json:"commit"`
	Date    string `json:"date"`
	CPU     string `json:"cpu"`
	Cores   int    `json:"cores"`
	Go      string `json:"go"`
	// Load is /proc/loadavg when the run started: the machine may be
	// shared, and timings should be read with it in mind.
	Load string `json:"load_at_start"`
}

// Collect fills Base for `go run ./bench/cmd/<name> args...`. Run by make
// (MAKELEVEL set), the command reads `make <target> (<before>; <go run>)`,
// before being what the target ran first, if anything.
func Collect(name string, args []string, target, before string) Base {
	cmd := "go run ./bench/cmd/" + name
	if len(args) > 0 {
		cmd += " " + strings.Join(args, " ")
	}
	if os.Getenv("MAKELEVEL") != "" {
		if before != "" {
			cmd = before + "; " + cmd
		}
		cmd = "make " + target + " (" + cmd + ")"
	}
	return Base{
		Command: cmd,
		Commit:  Commit(),
		Date:    time.Now().UTC().Format("2006-01-02 15:04 MST"),
		CPU:     CPUModel(),
		Cores:   runtime.NumCPU(),
		Go:      runtime.Version() + " " + runtime.GOOS + "/" + runtime.GOARCH,
		Load:    LoadAvg(),
	}
}
