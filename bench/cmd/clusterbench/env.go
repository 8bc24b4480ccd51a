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
	hv, _, _ := strings.Cut(benchenv.CombinedOutput("haproxy", "-v"), "\n")
	return Env{
		Command: cmd,
		Commit:  benchenv.Commit(),
		Date:    time.Now().UTC().Format("2006-01-02 15:04 MST"),
		CPU:     benchenv.CPUModel(),
		Cores:   runtime.NumCPU(),
		Go:      runtime.Version() + " " + runtime.GOOS + "/" + runtime.GOARCH,
		HAProxy: hv,
		Load:    benchenv.LoadAvg(),
	}
}

// buildSettings reads CGO_ENABLED and -race from the binary's build info.
func buildSettings(bin string) string {
	var out []string
	for _, l := range strings.Split(benchenv.CombinedOutput("go", "version", "-m", bin), "\n") {
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
