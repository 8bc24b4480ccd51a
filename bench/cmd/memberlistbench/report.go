package main

import (
	"fmt"
	"slices"
	"strings"
)

// Target is one of the targets and whether this run met it.
type Target struct {
	Name   string `json:"name"`
	Pass   bool   `json:"pass"`
	Detail string `json:"detail"`
}

const targetMembers = 1_000_000

func targets(rs []Result) []Target {
	var cgo []Result
	for _, r := range rs {
		if r.Impl == "rust-cgo" && r.Members == targetMembers {
			cgo = append(cgo, r)
		}
	}
	speed := Target{Name: "≤ 0.3 µs median and ≤ 1 µs p99 per change at 1M members through the batched ABI"}
	mem := Target{Name: "≤ 64 bytes per member besides the name bytes"}
	if len(cgo) == 0 {
		speed.Detail, mem.Detail = "not measured (no rust-cgo run at 1M members)", "not measured"
		return []Target{speed, mem}
	}
	speed.Pass = true
	var parts []string
	for _, r := range cgo {
		ok := r.P50 <= 300 && r.P99 <= 1000
		speed.Pass = speed.Pass && ok
		parts = append(parts, fmt.Sprintf("%s p50 %.0f ns, p99 %.0f ns", r.Op, r.P50, r.P99))
	}
	speed.Detail = strings.Join(parts, "; ") + " (thread CPU time per change, batches of 32)"
	mem.Pass = cgo[0].BytesPerMember <= 64
	mem.Detail = fmt.Sprintf("%.1f B/member at 1M (names stored: %.1f B/member more)", cgo[0].BytesPerMember, cgo[0].NameBytesMember)
	return []Target{speed, mem}
}

func markdown(rep Report) string {
	var b strings.Builder
	e := rep.Env
	fmt.Fprintf(&b, "# Member list benchmark\n\n")
	fmt.Fprintf(&b, "- command: `%s`\n- commit: %s\n- date: %s\n", e.Command, e.Commit, e.Date)
	fmt.Fprintf(&b, "- machine: %s, %d cores; %s; %s; load average at start %s\n\n", e.CPU, e.Cores, e.Go, e.Rustc, e.Load)
	b.WriteString("Workload (identical in Rust and Go: same generator and seeds): n members, one in ten in one of five hoisted roles, " +
		"half of them offline; folded names of 3–16 letters and digits, one in sixteen sharing the stem `discorduser`. " +
		"**presence** flips 32 random members between offline and their online group per batch; **nick** renames 32 random members. " +
		"Times are per change, from the thread's CPU clock around each batch of 32 (the machine is shared with other jobs: CPU time " +
		"leaves out time the core was taken away, but caches are still shared, and figures are noisy — read the medians). " +
		turns(rep.Results) + "rust-native comes " +
		"from the criterion bench run just before, in its own process. Build is thread CPU per member while filling the list in batches of 256. " +
		"Bytes per member are the list's memory besides the name bytes it stores (each name past its eighth byte); " +
		"Rust figures are the list's own accounting (checked against the allocator in its tests), Go's are the heap growth.\n\n")
	b.WriteString("| implementation | members | workload | p50 ns/change | p99 ns/change | mean | wall p50 | row changes/change | bytes/member | build ns/member |\n")
	b.WriteString("|---|---:|---|---:|---:|---:|---:|---:|---:|---:|\n")
	rs := slices.Clone(rep.Results)
	order := map[string]int{"rust-native": 0, "rust-cgo": 1, "go": 2}
	slices.SortStableFunc(rs, func(a, c Result) int {
		if a.Members != c.Members {
			return a.Members - c.Members
		}
		if a.Op != c.Op {
			return strings.Compare(c.Op, a.Op)
		}
		return order[a.Impl] - order[c.Impl]
	})
	for _, r := range rs {
		fmt.Fprintf(&b, "| %s | %d | %s | %.0f | %.0f | %.0f | %.0f | %.2f | %.1f | %.0f |\n",
			r.Impl, r.Members, r.Op, r.P50, r.P99, r.Mean, r.WallP50, r.RowsPerChange, r.BytesPerMember, r.BuildNsMember)
	}
	b.WriteString("\n")
	for _, t := range rep.Targets {
		v := "FAIL"
		if t.Pass {
			v = "PASS"
		}
		fmt.Fprintf(&b, "- **%s** — %s: %s\n", v, t.Name, t.Detail)
	}
	return b.String()
}

// turns says how the Go-side implementations of this run were timed: all
// of them in one process taking turns batch by batch, or one alone.
func turns(rs []Result) string {
	var impls []string
	for _, r := range rs {
		if r.Impl != "rust-native" && !slices.Contains(impls, r.Impl) {
			impls = append(impls, r.Impl)
		}
	}
	if len(impls) == 1 {
		return impls[0] + " is measured alone in its process (`-impls " + impls[0] + "`): no other list's memory traffic between its batches; "
	}
	return strings.Join(impls, " and ") + " are measured in one process taking turns batch by batch, so load falls on all alike; "
}
