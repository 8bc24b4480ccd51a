// Package benchenv reads what a benchmark result header names about the run:
// the commit, the CPU, the load and tool versions. compressbench,
// memberlistbench and clusterbench share it.
package benchenv

import (
	"bufio"
	"os"
	"os/exec"
	"runtime"
	"strings"
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
