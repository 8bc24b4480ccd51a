package suite

import (
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gatehouse/bench/loadgen"
)

// summary builds a histogram summary from durations.
func summary(ds ...time.Duration) loadgen.HistSummary {
	var h loadgen.Histogram
	for _, d := range ds {
		h.Record(d)
	}
	return h.Summary()
}

// TestMergeDeliveries merges one class from two processes: counts add,
// first/last are the extremes, per-message slowest is the maximum, and
// completeness counts what each message is missing.
func TestMergeDeliveries(t *testing.T) {
	a := loadgen.Result{Deliveries: []loadgen.ClassResult{
		{Class: 1, Count: 3, FirstUnixNS: 100, LastUnixNS: 500, Latency: summary(1e6, 2e6, 3e6), Messages: [][3]int64{{0, 2, 2e6}, {1, 1, 3e6}}},
		{Class: 2, Count: 1, FirstUnixNS: 50, LastUnixNS: 50, Latency: summary(1e6)},
	}}
	b := loadgen.Result{Deliveries: []loadgen.ClassResult{
		{Class: 1, Count: 2, FirstUnixNS: 90, LastUnixNS: 400, Latency: summary(5e6, 1e6), Messages: [][3]int64{{0, 1, 5e6}, {1, 1, 1e6}}},
	}}
	d := MergeDeliveries([]loadgen.Result{a, b}, 1)
	if d.Count != 5 || d.FirstUnixNS != 90 || d.LastUnixNS != 500 || d.Latency.Count != 5 {
		t.Fatalf("merged %+v", d)
	}
	if got := d.PerMessage[0]; got != [2]int64{3, 5e6} {
		t.Fatalf("message 0: %v", got)
	}
	// Three sessions: message 0 reached all, 1 reached two, 2 none.
	complete, missing := d.Completeness(3, 3)
	if complete != 1 || missing != 1+3 {
		t.Fatalf("completeness %d %d, want 1 complete, 4 missing", complete, missing)
	}
	if slow := d.SlowestUS(); len(slow) != 2 || slow[0] != 3000 || slow[1] != 5000 {
		t.Fatalf("slowest %v", slow)
	}
	if Median([]float64{1, 2, 3, 4}) != 2.5 || Median([]float64{7}) != 7 || Median(nil) != 0 {
		t.Fatal("median")
	}
}

// TestFleetSplit spreads sessions over processes within the per-process
// cap and gives each process its own user range.
func TestFleetSplit(t *testing.T) {
	sp := FleetSpec{Conns: 19000, PerProc: 10000, UserBase: 5}
	if got := sp.Split(); len(got) != 2 || got[0] != 9500 || got[1] != 9500 {
		t.Fatalf("split %v", got)
	}
	ids := sp.UserIDs()
	if len(ids) != 19000 || ids[0] != 5 || ids[9499] != 5+9499 || ids[9500] != 5+UserStride {
		t.Fatalf("ids %d, %d %d %d", len(ids), ids[0], ids[9499], ids[9500])
	}
	if got := (FleetSpec{Conns: 7}).Split(); len(got) != 1 || got[0] != 7 {
		t.Fatalf("split %v", got)
	}
}

// TestFanoutJudge judges the targets from rows: the single phase at
// 19,000 decides the delivery target, the best uncompressed burst the
// throughput target; a smaller size is reported but not judged.
func TestFanoutJudge(t *testing.T) {
	single := &Phase{Name: "single", Messages: 10, Complete: 10, Latency: summary(10e6, 40e6)}
	burst := &Phase{Name: "burst", Messages: 50, Delivered: 950000, DeliveriesPerSec: 400000, CPUPerDeliveryNS: 900, DeliveriesPerCPUSecond: 1.1e6}
	r := &FanoutReport{Config: FanoutSettings{Modes: []string{"none", "zstd-stream"}}, Rows: []FanoutRow{
		{Mode: "none", N: 19000, Phases: []*Phase{single, burst}},
		{Mode: "zstd-stream", N: 5000, Phases: []*Phase{{Name: "single", Messages: 10, Complete: 9, Latency: summary(90e6)}}},
	}}
	r.Judge()
	if len(r.Targets) != 3 {
		t.Fatalf("targets %+v", r.Targets)
	}
	if v := r.Targets[0]; !v.Judged || !v.Pass {
		t.Fatalf("none delivery target %+v", v)
	}
	if v := r.Targets[1]; v.Judged || !strings.Contains(v.Figure, "not judged below 19,000") {
		t.Fatalf("zstd delivery target %+v", v)
	}
	if v := r.Targets[2]; !v.Judged || v.Pass || !strings.Contains(v.Figure, "400,000") || !strings.Contains(v.Figure, "2,200,000") {
		t.Fatalf("throughput target %+v", v)
	}
	md := r.Markdown()
	for _, want := range []string{"| none | 19,000 | single |", "**PASS**", "**FAIL**"} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q", want)
		}
	}
}

// TestPeerRatios divides each peer's figures by gatehouse's at the same
// size and skips sizes gatehouse did not measure.
func TestPeerRatios(t *testing.T) {
	p := PeersReport{Rows: []PeerRow{
		{Kind: "gatehouse", N: 1000, RSSPerConn: 2048, Phases: []*Phase{{Name: "burst", DeliveriesPerSec: 100, CPUPerDeliveryNS: 1000}}},
		{Kind: "centrifugo", N: 1000, RSSPerConn: 8192, Phases: []*Phase{{Name: "burst", DeliveriesPerSec: 50, CPUPerDeliveryNS: 3000}}},
		{Kind: "centrifugo", N: 5000, RSSPerConn: 8192},
	}}
	p.ComputeRatios()
	if len(p.Ratios) != 1 {
		t.Fatalf("ratios %+v", p.Ratios)
	}
	x := p.Ratios[0]
	if x.RSSPerConn != 4 || x.BurstPerSec != 0.5 || x.CPUPerDelivery != 3 {
		t.Fatalf("ratio %+v", x)
	}
}

// TestFormat covers the number formats of the reports.
func TestFormat(t *testing.T) {
	for in, want := range map[float64]string{0: "0", 999: "999", 1000: "1,000", 1234567: "1,234,567", -4500: "-4,500"} {
		if got := Count(in); got != want {
			t.Errorf("Count(%v) = %q, want %q", in, got, want)
		}
	}
	if Dur(850) != "850 µs" || Dur(12_340) != "12.3 ms" || Dur(2_500_000) != "2.50 s" {
		t.Errorf("Dur: %q %q %q", Dur(850), Dur(12_340), Dur(2_500_000))
	}
	if ErrorsText(map[string]int64{"b": 2, "a": 1}) != "a 1, b 2" || ErrorsText(nil) != "none" {
		t.Error("ErrorsText")
	}
	if OneLine("a|b\nc") != `a\|b ⏎ c` {
		t.Errorf("OneLine: %q", OneLine("a|b\nc"))
	}
}

// TestChartSave draws a line chart and a scatter and decodes the PNGs.
func TestChartSave(t *testing.T) {
	dir := t.TempDir()
	line := Chart{Title: "t", X: "x", Y: "y", LogX: true, LogY: true, Series: []Series{
		{Name: "a", XY: [][2]float64{{1000, 5}, {5000, 4}, {0, 3}}}, // (0, 3) cannot be drawn on a log axis
		{Name: "b", XY: [][2]float64{{1000, 50}, {19000, 40}}},
	}}
	scatter := Chart{Title: "s", X: "µs", Y: "bytes", Scatter: true, Series: []Series{{Name: "zstd", XY: [][2]float64{{7.6, 124}}}}}
	for name, c := range map[string]Chart{"line.png": line, "scatter.png": scatter} {
		if err := c.Save(dir, name); err != nil {
			t.Fatal(err)
		}
		f, err := os.Open(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(f)
		f.Close()
		if err != nil || img.Bounds().Dx() < 100 {
			t.Fatalf("%s: %v", name, err)
		}
	}
	if err := (Chart{Title: "empty", LogY: true, Series: []Series{{Name: "z", XY: [][2]float64{{1, 0}}}}}).Save(dir, "e.png"); err == nil {
		t.Fatal("a chart with nothing drawable saved")
	}
}

// TestProcCPUSeconds reads this process's CPU time, which only grows.
func TestProcCPUSeconds(t *testing.T) {
	a, err := ProcCPUSeconds(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	for x, end := 0, time.Now().Add(50*time.Millisecond); time.Now().Before(end); x++ {
		_ = x * x
	}
	b, err := ProcCPUSeconds(os.Getpid())
	if err != nil || b < a {
		t.Fatalf("cpu %v then %v (%v)", a, b, err)
	}
	if _, err := ProcCPUSeconds(-1); err == nil {
		t.Fatal("no error for a missing process")
	}
}

// TestExtTargetVerdict reads both target shapes the scenarios write.
func TestExtTargetVerdict(t *testing.T) {
	no := false
	v := ExtTarget{Name: "n", Pass: true, Detail: "d"}.Verdict()
	if !v.Judged || v.Figure != "d" || !v.Pass {
		t.Fatalf("%+v", v)
	}
	v = ExtTarget{Name: "n", Figure: "f", Judged: &no}.Verdict()
	if v.Judged || v.Figure != "f" {
		t.Fatalf("%+v", v)
	}
}

// TestCarry keeps an earlier run's scenarios that this run does not run
// again, and names the earlier run.
func TestCarry(t *testing.T) {
	prev := &Report{Header: Header{Command: "benchsuite", Commit: "abc"},
		Scenarios: []ScenarioRun{{Name: "fanout", Status: "ok"}, {Name: "memberlist", Status: "failed"}},
		Fanout:    &FanoutReport{}, Resume: &ResumeResult{N: 1}}
	r := &Report{}
	r.Carry(prev, func(name string) bool { return name == "memberlist" })
	if len(r.Scenarios) != 1 || r.Scenarios[0].Name != "fanout" || r.Fanout == nil || r.Resume == nil {
		t.Fatalf("carried %+v", r)
	}
	if len(r.Earlier) != 1 || r.Earlier[0].Commit != "abc" || !strings.Contains(r.Markdown(), "from an earlier run") {
		t.Fatalf("earlier %+v", r.Earlier)
	}
	r = &Report{}
	r.Carry(prev, func(string) bool { return true })
	if len(r.Scenarios) != 0 || r.Fanout != nil || len(r.Earlier) != 0 {
		t.Fatalf("carried what was run again: %+v", r)
	}
}
