package main

import (
	"debug/buildinfo"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
)

// machine describes where the figures were taken.
type machine struct {
	CPU      string `json:"cpu"`
	Cores    int    `json:"cores"`
	MemBytes uint64 `json:"mem_bytes"`
	Kernel   string `json:"kernel"`
	Go       string `json:"go"` // of this orchestrator
}

func describeMachine() machine {
	m := machine{Cores: runtime.NumCPU(), Go: runtime.Version(), MemBytes: meminfo("MemTotal")}
	for _, line := range strings.Split(readFile("/proc/cpuinfo"), "\n") {
		if v, ok := strings.CutPrefix(line, "model name"); ok {
			m.CPU = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(v), ":"))
			break
		}
	}
	m.Kernel = strings.TrimSpace(readFile("/proc/sys/kernel/osrelease"))
	return m
}

// meminfo reads a /proc/meminfo field in bytes (0 if absent).
func meminfo(field string) uint64 {
	for _, line := range strings.Split(readFile("/proc/meminfo"), "\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			kb, _ := strconv.ParseUint(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// binaryInfo is how the gatehouse binary was built.
type binaryInfo struct {
	Path string `json:"path"`
	Go   string `json:"go"`
	CGO  bool   `json:"cgo"` // with cgo the Rust compressor is linked in
}

func describeBinary(path string) binaryInfo {
	b := binaryInfo{Path: path}
	if bi, err := buildinfo.ReadFile(path); err == nil {
		b.Go = bi.GoVersion
		for _, s := range bi.Settings {
			if s.Key == "CGO_ENABLED" {
				b.CGO = s.Value == "1"
			}
		}
	}
	return b
}

// gitCommit is `git rev-parse --short HEAD`, with "+dirty" when the tree has
// changes, or "unknown".
func gitCommit() string {
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

// commandLine is how this run was started, as someone would retype it.
func commandLine() string {
	cmd := "connbench " + strings.Join(os.Args[1:], " ")
	if os.Getenv("MAKELEVEL") != "" {
		return "make bench-conn  (" + cmd + ")"
	}
	return cmd
}
