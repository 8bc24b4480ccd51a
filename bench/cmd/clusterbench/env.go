package main

import (
	"strings"

	"gatehouse/bench/benchenv"
)

// Env says where and from what the figures came.
type Env struct {
	benchenv.Base
	HAProxy string `json:"haproxy"`
	Build   string `json:"gatehouse_build"`
}

func collectEnv(args []string) Env {
	hv, _, _ := strings.Cut(benchenv.CombinedOutput("haproxy", "-v"), "\n")
	return Env{Base: benchenv.Collect("clusterbench", args, "bench-cluster", ""), HAProxy: hv}
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
