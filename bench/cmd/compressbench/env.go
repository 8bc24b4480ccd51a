package main

import "gatehouse/bench/benchenv"

// Env says where and from what the figures came.
type Env struct {
	benchenv.Base
	Rustc   string `json:"rustc"`
	Libzstd string `json:"libzstd"`
}

func collectEnv(args []string) Env {
	return Env{
		Base:  benchenv.Collect("compressbench", args, "bench-compress", ""),
		Rustc: benchenv.Output("rustc", "--version"),
	}
}
