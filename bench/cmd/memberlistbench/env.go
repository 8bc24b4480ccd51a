package main

import "gatehouse/bench/benchenv"

// Env says where and from what the figures came.
type Env struct {
	benchenv.Base
	Rustc string `json:"rustc"`
}

func collectEnv(args []string) Env {
	return Env{
		Base: benchenv.Collect("memberlistbench", args, "bench-memberlist",
			"MEMBERLIST_BENCH_JSON=target/memberlist-native.json cargo bench --locked -p gatehouse-core --bench memberlist"),
		Rustc: benchenv.Output("rustc", "--version"),
	}
}
