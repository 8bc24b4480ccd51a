package main

import (
	"strings"
	"testing"

	"gatehouse/core/compress"
)

// TestCompactRowsMeasureAndVerify runs every compact row on a small corpus:
// each is verified message by message inside measureCompact, keeps its
// idle state under the limit, and gets its three target lines.
func TestCompactRowsMeasureAndVerify(t *testing.T) {
	if len(compactCodecs()) == 0 {
		t.Skip("built without cgo: no compact rows")
	}
	msgs := smallCorpus()
	rows, err := measureCompactAll(msgs, 1, rustCodecs())
	if err != nil {
		t.Fatal(err)
	}
	if want := len(compactCodecs()) * len(idlePatterns); len(rows) != want {
		t.Fatalf("%d rows, want %d", len(rows), want)
	}
	for _, r := range rows {
		if !r.Verified || r.Ratio <= 1 || r.CPUAllMicros <= 0 || r.BaselineCPUMicros <= 0 || r.CPURatio <= 0 {
			t.Errorf("implausible row %+v", r)
		}
		if r.IdleStateMax > compress.IdleStateLimit {
			t.Errorf("%s %s: idle state %d", r.Name, r.Pattern, r.IdleStateMax)
		}
		switch {
		case r.Pattern == "never idle" && r.Hibernations != 0,
			r.Pattern == "idle every msg" && r.Hibernations != len(msgs)-1:
			t.Errorf("%s %s: %d hibernations", r.Name, r.Pattern, r.Hibernations)
		}
	}
	var full []Row
	for _, c := range rustCodecs() {
		full = append(full, Row{Name: c.Name, OutputBytes: 1})
	}
	ts := compactTargets(full, rows)
	if len(ts) != 3*len(compactCodecs()) {
		t.Fatalf("%d target lines: %+v", len(ts), ts)
	}
	for _, tg := range ts {
		if !strings.Contains(tg.Detail, "B") && !strings.Contains(tg.Detail, "×") {
			t.Errorf("target without figures: %+v", tg)
		}
	}
	md := markdown(Report{Rows: full, Compact: rows, Targets: ts})
	if !strings.Contains(md, "| rust compact zlib 6 | idle 1 in 20 |") {
		t.Errorf("markdown lacks the compact table:\n%s", md)
	}
}
