package main

import (
	"os"
	"runtime"
	"strings"
	"time"

	"gatehouse/bench/benchenv"
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
	Libzstd string `json:"libzstd"`
	// Load is /proc/loadavg when the run started: the machine may be
	// shared, and timings should be read with it in mind.
	Load string `json:"load_at_start"`
}

func collectEnv(args []string) Env {
	cmd := "go run ./bench/cmd/compressbench"
	if len(args) > 0 {
		cmd += " " + strings.Join(args, " ")
	}
	if os.Getenv("MAKELEVEL") != "" {
		cmd = "make bench-compress (" + cmd + ")"
	}
	return Env{
		Command: cmd,
		Commit:  benchenv.Commit(),
		Date:    time.Now().UTC().Format("2006-01-02 15:04 MST"),
		CPU:     benchenv.CPUModel(),
		Cores:   runtime.NumCPU(),
		Go:      runtime.Version() + " " + runtime.GOOS + "/" + runtime.GOARCH,
		Rustc:   benchenv.Output("rustc", "--version"),
		Load:    benchenv.LoadAvg(),
	}
}
