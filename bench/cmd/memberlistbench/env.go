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
	Rustc   string `json:"rustc"`
	// Load is /proc/loadavg when the run started: the machine is shared.
	Load string `json:"load_at_start"`
}

func collectEnv(args []string) Env {
	cmd := "go run ./bench/cmd/memberlistbench"
	if len(args) > 0 {
		cmd += " " + strings.Join(args, " ")
	}
	if os.Getenv("MAKELEVEL") != "" {
		cmd = "make bench-memberlist (MEMBERLIST_BENCH_JSON=target/memberlist-native.json cargo bench --locked -p gatehouse-core --bench memberlist; " + cmd + ")"
	}
	return Env{
		Command: cmd,
		Commit:  commit(),
		Date:    time.Now().UTC().Format("2006-01-02 15:04 MST"),
		CPU:     cpuModel(),
		Cores:   runtime.NumCPU(),
		Go:      runtime.Version() + " " + runtime.GOOS + "/" + runtime.GOARCH,
		Rustc:   output("rustc", "--version"),
		Load:    loadAvg(),
	}
}

// commit is the short hash of HEAD, marked when the working tree (the
// results folder excluded) differs from it.
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

func output(name string, args ...string) string {
	out, err := exec.Command(name, args...).Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}

func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	f := strings.Fields(string(b))
	return strings.Join(f[:min(3, len(f))], " ")
}
