package suite

import (
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"
)

// Report is results.json of a suite run; report.md is rendered from it.
type Report struct {
	Header
	// Earlier are the runs whose scenarios this report keeps: a run of
	// some scenarios into a day's directory replaces those and keeps the
	// rest (see Carry).
	Earlier []Header `json:"earlier_runs,omitempty"`
	// Reduced says how this run was cut down from the full suite ("" for
	// a full run).
	Reduced        string        `json:"reduced,omitempty"`
	Scenarios      []ScenarioRun `json:"scenarios"`
	Fanout         *FanoutReport `json:"fanout,omitempty"`
	Peers          *PeersReport  `json:"peers,omitempty"`
	Resume         *ResumeResult `json:"resume,omitempty"`
	Targets        []SuiteTarget `json:"targets"`
	Plots          []string      `json:"plots"`
	ElapsedSeconds float64       `json:"elapsed_seconds"`
	// External holds the JSON the other scenarios wrote, whole.
	External map[string]json.RawMessage `json:"external,omitempty"`

	conn       *ConnFile
	compress   *CompressFile
	memberlist *MemberlistFile
	lazy       *LazyFile
	cluster    *ClusterFile
}

// ScenarioRun is what happened to one scenario.
type ScenarioRun struct {
	Name    string   `json:"name"`
	Status  string   `json:"status"` // ok, failed, skipped
	Note    string   `json:"note,omitempty"`
	Seconds float64  `json:"seconds"`
	Files   []string `json:"files,omitempty"`
}

// SuiteTarget is a verdict with the scenario that judged it.
type SuiteTarget struct {
	Scenario string `json:"scenario"`
	Verdict
}

// PeersReport is the side-by-side scenario.
type PeersReport struct {
	Sizes   []int       `json:"sizes"`
	Phases  PhaseConfig `json:"phases"`
	Rows    []PeerRow   `json:"rows"`
	Ratios  []PeerRatio `json:"ratios"`
	Version string      `json:"centrifugo_version,omitempty"`
}

// PeerRatio compares a peer with gatehouse at one size: each figure is
// peer ÷ gatehouse, so > 1 means the peer needs more (memory, latency,
// CPU) or delivers more (deliveries/s).
type PeerRatio struct {
	Server           string  `json:"server"`
	N                int     `json:"n"`
	RSSPerConn       float64 `json:"rss_per_conn"`
	SingleP99        float64 `json:"single_p99"`
	BurstPerSec      float64 `json:"burst_deliveries_per_sec"`
	CPUPerDelivery   float64 `json:"cpu_per_delivery"`
	FullyDeliveredMd float64 `json:"single_fully_delivered_median"`
}

// ComputeRatios fills Ratios from Rows.
func (p *PeersReport) ComputeRatios() {
	p.Ratios = nil
	gh := map[int]*PeerRow{}
	for i := range p.Rows {
		if p.Rows[i].Kind == "gatehouse" && p.Rows[i].Error == "" {
			gh[p.Rows[i].N] = &p.Rows[i]
		}
	}
	// div is 0 (shown as "—") when either figure is not positive: an RSS
	// delta can be negative at small N, when the runtime returned memory
	// between the two readings.
	div := func(a, b float64) float64 {
		if a <= 0 || b <= 0 {
			return 0
		}
		return a / b
	}
	for i := range p.Rows {
		r := &p.Rows[i]
		g := gh[r.N]
		if r.Kind == "gatehouse" || g == nil || r.Error != "" {
			continue
		}
		pr := PeerRatio{Server: r.Kind, N: r.N, RSSPerConn: div(r.RSSPerConn, g.RSSPerConn)}
		if a, b := r.Phase("single"), g.Phase("single"); a != nil && b != nil {
			pr.SingleP99 = div(a.Latency.P99US, b.Latency.P99US)
			pr.FullyDeliveredMd = div(a.FullyDeliveredP50US, b.FullyDeliveredP50US)
		}
		if a, b := r.Phase("burst"), g.Phase("burst"); a != nil && b != nil {
			pr.BurstPerSec = div(a.DeliveriesPerSec, b.DeliveriesPerSec)
			pr.CPUPerDelivery = div(a.CPUPerDeliveryNS, b.CPUPerDeliveryNS)
		}
		p.Ratios = append(p.Ratios, pr)
	}
}

// Carry keeps from prev, an earlier report of the same directory, every
// scenario this run does not run again (rerun says which it runs).
func (r *Report) Carry(prev *Report, rerun func(name string) bool) {
	kept := false
	for _, s := range prev.Scenarios {
		if !rerun(s.Name) {
			if !strings.Contains(s.Note, "(from an earlier run)") {
				s.Note = strings.TrimSpace(s.Note + " (from an earlier run)")
			}
			r.Scenarios = append(r.Scenarios, s)
			kept = true
		}
	}
	if prev.Fanout != nil && !rerun("fanout") {
		r.Fanout, kept = prev.Fanout, true
	}
	if prev.Peers != nil && !rerun("peers") {
		r.Peers, kept = prev.Peers, true
	}
	if prev.Resume != nil && !rerun("resume") {
		r.Resume, kept = prev.Resume, true
	}
	if kept {
		r.Earlier = append(prev.Earlier, prev.Header)
		if prev.Reduced != "" {
			r.Reduced = strings.TrimSpace(r.Reduced + " Earlier run: " + prev.Reduced)
		}
	}
}

// LoadExternal reads the other scenarios' JSON from dir.
func (r *Report) LoadExternal(dir string) error {
	r.External = map[string]json.RawMessage{}
	var errs []string
	load := func(key, name string, v any) bool {
		raw, err := readExternal(dir, name, v)
		if err != nil {
			errs = append(errs, err.Error())
			return false
		}
		if raw != nil {
			r.External[key] = raw
			return true
		}
		return false
	}
	if c := new(ConnFile); load("conn", "conn.json", c) {
		r.conn = c
	}
	if c := new(CompressFile); load("compress", "compress.json", c) {
		r.compress = c
	}
	if m := new(MemberlistFile); load("memberlist", "memberlist.json", m) {
		r.memberlist = m
	}
	if l := new(LazyFile); load("lazy", "lazy.json", l) {
		r.lazy = l
	}
	if c := new(ClusterFile); load("cluster", "cluster.json", c) {
		r.cluster = c
	}
	if len(errs) > 0 {
		return fmt.Errorf("%s", strings.Join(errs, "; "))
	}
	return nil
}

// CollectTargets gathers every scenario's verdicts.
func (r *Report) CollectTargets() {
	r.Targets = nil
	add := func(sc string, vs []Verdict) {
		for _, v := range vs {
			r.Targets = append(r.Targets, SuiteTarget{Scenario: sc, Verdict: v})
		}
	}
	ext := func(ts []ExtTarget) []Verdict {
		var out []Verdict
		for _, t := range ts {
			out = append(out, t.Verdict())
		}
		return out
	}
	if r.conn != nil {
		add("conn / identify", ext(r.conn.Targets))
	}
	if r.Fanout != nil {
		add("fanout", r.Fanout.Targets)
	}
	if r.Resume != nil {
		v := Verdict{Name: "every client resumes, 0 events lost", Judged: r.Resume.Dropped > 0}
		v.Pass = v.Judged && r.Resume.Resumed == r.Resume.Dropped && r.Resume.Failed == 0 && r.Resume.Missing == 0 && r.Resume.SeqGaps == 0
		v.Figure = fmt.Sprintf("%d/%d resumed, %d failed, all back in %.2f s; %d of %d deliveries missing, %d seq gaps",
			r.Resume.Resumed, r.Resume.Dropped, r.Resume.Failed, r.Resume.AllBackSeconds, r.Resume.Missing, r.Resume.Expected, r.Resume.SeqGaps)
		add("resume", []Verdict{v})
	}
	if r.compress != nil {
		add("compress", ext(r.compress.Targets))
	}
	if r.memberlist != nil {
		add("memberlist", ext(r.memberlist.Targets))
	}
	if r.lazy != nil {
		add("memberlist end to end", ext(r.lazy.Targets))
	}
}

// Markdown renders report.md.
func (r *Report) Markdown() string {
	var b strings.Builder
	w := func(format string, a ...any) { fmt.Fprintf(&b, format, a...) }
	w("# gatehouse benchmark suite\n\n")
	w("%s", r.Header.Markdown())
	w("- Took %.0f s. The machine has 2 cores shared with other work: every figure is noisy; read medians and compare within one run.\n", r.ElapsedSeconds)
	for _, e := range r.Earlier {
		w("- Scenarios marked \"from an earlier run\" come from: `%s` (commit `%s`, %s)\n", e.Command, e.Commit, e.Date)
	}
	if r.Reduced != "" {
		w("- **Reduced run:** %s\n", r.Reduced)
	}
	w("\n## Scenarios\n\n| scenario | status | time | files | note |\n|---|---|---:|---|---|\n")
	for _, s := range r.Scenarios {
		w("| %s | %s | %.0f s | %s | %s |\n", s.Name, s.Status, s.Seconds, strings.Join(s.Files, ", "), OneLine(s.Note))
	}
	w("\n## Targets\n\n| scenario | target | figure | result |\n|---|---|---|---|\n")
	for _, t := range r.Targets {
		w("| %s | %s | %s | %s |\n", t.Scenario, t.Name, OneLine(t.Figure), t.Result())
	}
	r.peersMarkdown(w)
	r.fanoutMarkdown(w)
	r.resumeMarkdown(w)
	r.connMarkdown(w)
	r.compressMarkdown(w)
	r.memberlistMarkdown(w)
	r.clusterMarkdown(w)
	if len(r.Plots) > 0 {
		w("\n## Plots\n\n")
		for _, p := range r.Plots {
			w("![%s](%s)\n\n", strings.TrimSuffix(p, ".png"), p)
		}
	}
	return b.String()
}

type writer func(format string, a ...any)

func (r *Report) peersMarkdown(w writer) {
	p := r.Peers
	if p == nil {
		return
	}
	w("\n## Peers side by side\n\n")
	w("The same load generator and procedure against gatehouse (no compression), a plain Go baseline (net/http + gorilla/websocket, a reader and a writer goroutine per connection, same gateway protocol subset, `bench/peers/gobaseline`) and Centrifugo %s (installed from the Go module proxy; JSON client protocol, anonymous subscribers of one channel, publications through its HTTP API). Memory is (RSS holding N idle identified/subscribed connections − RSS after a 20-connection warm-up) ÷ N. **single**: %d messages one at a time to all N; **burst**: about a million deliveries as fast as %d concurrent publishers go.\n\n",
		p.Version, p.Phases.Single, p.Phases.Posters)
	w("| server | connections | RSS / conn | single p50 | single p99 | fully delivered (median) | burst deliveries/s | server CPU / delivery | errors |\n|---|---:|---:|---:|---:|---:|---:|---:|---|\n")
	for _, row := range p.Rows {
		if row.Error != "" && len(row.Phases) == 0 {
			w("| %s | %s | — | | | | | | %s |\n", row.Kind, Count(float64(row.N)), OneLine(row.Error))
			continue
		}
		s, bu := row.Phase("single"), row.Phase("burst")
		cell := func(ph *Phase, f func(*Phase) string) string {
			if ph == nil {
				return "—"
			}
			return f(ph)
		}
		rss := KiB(row.RSSPerConn)
		if row.RSSPerConn <= 0 {
			rss = "— (RSS fell: noise)"
		}
		w("| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", row.Kind, Count(float64(row.N)), rss,
			cell(s, func(p *Phase) string { return Dur(p.Latency.P50US) }), cell(s, func(p *Phase) string { return Dur(p.Latency.P99US) }),
			cell(s, func(p *Phase) string { return Dur(p.FullyDeliveredP50US) }), cell(bu, func(p *Phase) string { return Count(p.DeliveriesPerSec) }),
			cell(bu, func(p *Phase) string { return fmt.Sprintf("%.0f ns", p.CPUPerDeliveryNS) }), ErrorsText(row.Load.Errors))
	}
	if len(p.Ratios) > 0 {
		w("\nRatios to gatehouse at the same size, same run (peer ÷ gatehouse: above 1 the peer uses more memory, is slower, delivers more per second, burns more CPU):\n\n")
		w("| server | connections | RSS / conn | single p99 | fully delivered | burst deliveries/s | CPU / delivery |\n|---|---:|---:|---:|---:|---:|---:|\n")
		for _, x := range p.Ratios {
			w("| %s | %s | %s | %s | %s | %s | %s |\n", x.Server, Count(float64(x.N)), times(x.RSSPerConn), times(x.SingleP99), times(x.FullyDeliveredMd), times(x.BurstPerSec), times(x.CPUPerDelivery))
		}
	}
}

func (r *Report) fanoutMarkdown(w writer) {
	f := r.Fanout
	if f == nil {
		return
	}
	w("\n## Fan-out (gatehouse)\n\nDetails in [fanout.md](fanout.md). One guild of N sessions, messages through the ingest API.\n\n")
	w("| mode | sessions | single p50 / p99 | fully delivered (median) | rate p99 | burst deliveries/s | CPU / delivery (burst) |\n|---|---:|---:|---:|---:|---:|---:|\n")
	for i := range f.Rows {
		row := &f.Rows[i]
		if row.Error != "" && len(row.Phases) == 0 {
			w("| %s | %s | %s | | | | |\n", row.Mode, Count(float64(row.N)), OneLine(row.Error))
			continue
		}
		s, ra, bu := row.Phase("single"), row.Phase("rate"), row.Phase("burst")
		sv, fd, rv, bv, cv := "—", "—", "—", "—", "—"
		if s != nil {
			sv, fd = Dur(s.Latency.P50US)+" / "+Dur(s.Latency.P99US), Dur(s.FullyDeliveredP50US)
		}
		if ra != nil {
			rv = Dur(ra.Latency.P99US)
		}
		if bu != nil {
			bv, cv = Count(bu.DeliveriesPerSec), fmt.Sprintf("%.0f ns", bu.CPUPerDeliveryNS)
		}
		w("| %s | %s | %s | %s | %s | %s | %s |\n", row.Mode, Count(float64(row.N)), sv, fd, rv, bv, cv)
	}
}

func (r *Report) resumeMarkdown(w writer) {
	x := r.Resume
	if x == nil {
		return
	}
	w("\n## Resume\n\n%s sessions, no compression, messages posted throughout. Trigger: %s.\n\n", Count(float64(x.N)), x.Trigger)
	if x.Error != "" {
		w("Error: %s\n\n", OneLine(x.Error))
	}
	w("| dropped | resumed | failed | all back after | drop→RESUMED p50 / p99 | messages | delivered / expected | events lost | seq gaps |\n|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	w("| %s | %s | %d | %.2f s | %s / %s | %d | %s / %s | %s | %d |\n", Count(float64(x.Dropped)), Count(float64(x.Resumed)), x.Failed, x.AllBackSeconds,
		Dur(x.DropToResumed.P50US), Dur(x.DropToResumed.P99US), x.Messages, Count(float64(x.Delivered)), Count(float64(x.Expected)), Count(float64(x.Missing)), x.SeqGaps)
}

func (r *Report) connMarkdown(w writer) {
	c := r.conn
	if c == nil {
		return
	}
	w("\n## Connections and identify\n\nDetails in [conn.md](conn.md).\n\n| mode | sessions | server RSS / session | Go heap / session |\n|---|---:|---:|---:|\n")
	for _, m := range c.Memory {
		if m.Skipped != "" || m.Error != "" {
			w("| %s | %s | %s | |\n", m.Mode, Count(float64(m.N)), OneLine(m.Skipped+m.Error))
			continue
		}
		w("| %s | %s | %s | %s |\n", m.Mode, Count(float64(m.N)), KiB(m.RSSPerSession), KiB(m.HeapPerSess))
	}
	if s := c.Identify; s != nil {
		w("\nIdentify storm: %s sessions, %s READY/s, identify→READY p50 %s, p99 %s.\n", Count(float64(s.N)), Count(s.ReadyPerSec), Dur(s.Identify.P50US), Dur(s.Identify.P99US))
	}
}

func (r *Report) compressMarkdown(w writer) {
	c := r.compress
	if c == nil {
		return
	}
	w("\n## Compression\n\nDetails in [compress.md](compress.md).\n\n| codec | mode | bytes/msg | ratio | µs/msg (median) |\n|---|---|---:|---:|---:|\n")
	for _, row := range c.Rows {
		w("| %s | %s | %.1f | %.2f | %.2f |\n", row.Name, row.Mode, row.BytesPerMsg, row.Ratio, row.MedianUS)
	}
}

func (r *Report) memberlistMarkdown(w writer) {
	m := r.memberlist
	if m == nil && r.lazy == nil {
		return
	}
	w("\n## Member list\n\n")
	if m == nil {
		m = &MemberlistFile{}
	} else {
		w("Details in [memberlist.md](memberlist.md).\n\n| implementation | members | workload | p50 ns/change | p99 ns/change | bytes/member |\n|---|---:|---|---:|---:|---:|\n")
	}
	rs := m.Results
	sort.SliceStable(rs, func(i, j int) bool {
		if rs[i].Members != rs[j].Members {
			return rs[i].Members < rs[j].Members
		}
		return rs[i].Impl < rs[j].Impl
	})
	for _, x := range rs {
		w("| %s | %s | %s | %.0f | %.0f | %.1f |\n", x.Impl, Count(float64(x.Members)), x.Op, x.P50, x.P99, x.BytesPerMember)
	}
	if l := r.lazy; l != nil {
		c := l.Churn
		w("\nEnd to end ([lazy.md](lazy.md)): %s members, %d sessions on rows 0–99, %s presence changes/s: gateway %.2f cores, %s/s of member list dispatches, %s to the sessions, drained %.1f s after the churn.\n",
			Count(float64(l.Params.Members)), l.Params.Sessions, Count(c.PublishedPerSec), c.ServerCores, Count(c.DispatchesPerSec), MiB(c.BytesPerSec)+"/s", c.DrainSeconds)
	}
}

func (r *Report) clusterMarkdown(w writer) {
	c := r.cluster
	if c == nil {
		return
	}
	w("\n## Cluster\n\nDetails in [cluster.md](cluster.md).\n\n| nodes | delivery p50 | p99 | burst deliveries/s |\n|---:|---:|---:|---:|\n")
	for _, s := range c.Scenarios {
		l := s.Latency["all"]
		w("| %d | %.1f ms | %.1f ms | %s |\n", s.Nodes, l.P50MS, l.P99MS, Count(s.BurstDeliveriesPerS))
	}
}

// Write writes results.json and report.md to dir.
func (r *Report) Write(dir string) error {
	if err := WriteJSON(dir, "results.json", r); err != nil {
		return err
	}
	return os.WriteFile(dir+"/report.md", []byte(r.Markdown()), 0o644)
}

// times formats a ratio, or "—" when there is none.
func times(x float64) string {
	if x <= 0 {
		return "—"
	}
	return fmt.Sprintf("%.2f×", x)
}
