package main

import (
	"strings"
	"testing"
)

func TestCount(t *testing.T) {
	for in, want := range map[float64]string{0: "0", 999: "999", 1000: "1,000", 19000: "19,000", 1234567: "1,234,567", -4200: "-4,200"} {
		if got := count(in); got != want {
			t.Errorf("count(%v) = %q, want %q", in, got, want)
		}
	}
}

// TestTooBigSkipsWhatCannotFit: a mode measured at 1 GiB per session
// cannot hold 19,000 sessions on any machine this runs on, and an unknown
// mode is always tried.
func TestTooBigSkipsWhatCannotFit(t *testing.T) {
	if why := tooBig(19000, nil); why != "" {
		t.Fatalf("nothing measured yet, skipped anyway: %s", why)
	}
	prev := []memRow{{N: 1000, RSSPerSession: 1 << 30}}
	if why := tooBig(19000, prev); !strings.Contains(why, "GiB") {
		t.Fatalf("19,000 × 1 GiB not skipped: %q", why)
	}
	if why := tooBig(1, []memRow{{N: 1000, RSSPerSession: 4096}}); why != "" {
		t.Fatalf("one small session skipped: %s", why)
	}
}

func TestJudge(t *testing.T) {
	r := &report{Memory: []memRow{
		{Mode: "none", N: 1000, Ready: 1000, RSSPerSession: 3000},
		{Mode: "none", N: 19000, Ready: 19000, RSSPerSession: 5000},
	}, Identify: &stormResult{N: 19000, Ready: 19000, ReadyPerSec: 25000}}
	r.judge()
	if r.Targets[0].Pass || !r.Targets[0].Judged {
		t.Fatalf("memory target judged from the largest size (5000 B > 4 KiB) must fail: %+v", r.Targets[0])
	}
	if !r.Targets[1].Pass {
		t.Fatalf("25,000 READY/s must pass: %+v", r.Targets[1])
	}
	if md := r.markdown(); !strings.Contains(md, "**FAIL**") || !strings.Contains(md, "**PASS**") {
		t.Fatal("markdown lacks the verdicts")
	}
}
