package suite

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"
)

// Targets of the fan-out benchmark (the guild-state issue).
const (
	targetFullyDeliveredN   = 19000
	targetP99US             = 50_000
	targetDeliveriesPerSec  = 1_000_000
	targetDeliveriesCoresOn = 2
)

// FanoutReport is fanout.json; fanout.md is rendered from it.
type FanoutReport struct {
	Header
	Config         FanoutSettings `json:"settings"`
	Rows           []FanoutRow    `json:"rows"`
	Floors         []Floor        `json:"write_floor,omitempty"`
	Targets        []Verdict      `json:"targets"`
	ElapsedSeconds float64        `json:"elapsed_seconds"`
}

// FanoutSettings are the parameters worth printing.
type FanoutSettings struct {
	Sizes       []int       `json:"sizes"`
	Modes       []string    `json:"modes"`
	PerProc     int         `json:"sessions_per_loadgen_process"`
	ConnectRate float64     `json:"connect_rate_per_process"`
	Phases      PhaseConfig `json:"phases"`
}

// FanoutReportOf runs the fan-out scenario and judges it.
func FanoutReportOf(ctx context.Context, c FanoutConfig, h Header) (*FanoutReport, error) {
	start := time.Now()
	work, err := os.MkdirTemp("", "fanoutbench-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(work)
	rep := &FanoutReport{Header: h, Config: FanoutSettings{Sizes: c.Sizes, Modes: c.Modes, PerProc: c.PerProc,
		ConnectRate: c.ConnectRate, Phases: c.Phases}}
	if c.WriteFloor != "" {
		for _, n := range c.Sizes {
			fmt.Fprintf(os.Stderr, "fanout: write floor, %d connections\n", n)
			rep.Floors = append(rep.Floors, RunFloor(ctx, c.WriteFloor, n, 10))
		}
	}
	rep.Rows = RunFanout(ctx, c, work)
	rep.ElapsedSeconds = time.Since(start).Seconds()
	rep.Judge()
	return rep, nil
}

// Write writes fanout.json and fanout.md to dir.
func (r *FanoutReport) Write(dir string) error {
	if err := WriteJSON(dir, "fanout.json", r); err != nil {
		return err
	}
	return WriteText(dir, "fanout.md", r.Markdown())
}

// Judge sets the targets: for each mode, one message to 19,000 sessions
// (the single phase at the largest size measured, named if not 19,000);
// and peak deliveries/s without compression (the best burst).
func (r *FanoutReport) Judge() {
	r.Targets = nil
	for _, mode := range r.Config.Modes {
		v := Verdict{Name: fmt.Sprintf("a message to 19,000 sessions fully delivered with p99 ≤ 50 ms (%s)", mode), Figure: "not measured"}
		var best *FanoutRow
		for i := range r.Rows {
			row := &r.Rows[i]
			if row.Mode == mode && row.Phase("single") != nil && (best == nil || row.N > best.N) {
				best = row
			}
		}
		if best != nil {
			p := best.Phase("single")
			v.Judged = best.N >= targetFullyDeliveredN
			v.Pass = p.Messages > 0 && p.Complete == p.Messages && p.Latency.P99US <= targetP99US
			v.Figure = fmt.Sprintf("%s sessions: %d/%d messages reached every session; p99 %s, p50 %s, max %s; each fully delivered in %s (median)",
				Count(float64(best.N)), p.Complete, p.Messages, Dur(p.Latency.P99US), Dur(p.Latency.P50US), Dur(p.Latency.MaxUS), Dur(p.FullyDeliveredP50US))
			if !v.Judged {
				v.Figure += fmt.Sprintf(" (largest size run: %d; not judged below 19,000)", best.N)
			}
			if f := floorAt(r.Floors, best.N); f != nil {
				v.Figure += fmt.Sprintf("; this machine's write floor at %s connections in the same run: p50 %.1f ms, p99 %.1f ms", Count(float64(best.N)), f.P50MS, f.P99MS)
			}
		}
		r.Targets = append(r.Targets, v)
	}
	v := Verdict{Name: "≥ 1,000,000 deliveries/s on 2 cores without compression (peak, burst)", Figure: "not measured"}
	var best *Phase
	var bestN int
	for i := range r.Rows {
		if r.Rows[i].Mode != "none" {
			continue
		}
		if p := r.Rows[i].Phase("burst"); p != nil && p.Delivered > 0 && (best == nil || p.DeliveriesPerSec > best.DeliveriesPerSec) {
			best, bestN = p, r.Rows[i].N
		}
	}
	if best != nil {
		v.Judged = true
		v.Pass = best.DeliveriesPerSec >= targetDeliveriesPerSec && best.Missing == 0
		v.Figure = fmt.Sprintf("%s deliveries/s measured (%d messages × %s sessions, loadgen on the same 2 cores); server CPU %.0f ns/delivery → %s deliveries/s if the server had both cores",
			Count(best.DeliveriesPerSec), best.Messages, Count(float64(bestN)), best.CPUPerDeliveryNS,
			Count(best.DeliveriesPerCPUSecond*targetDeliveriesCoresOn))
	}
	r.Targets = append(r.Targets, v)
}

// Markdown renders the report.
func (r *FanoutReport) Markdown() string {
	var b strings.Builder
	w := func(format string, a ...any) { fmt.Fprintf(&b, format, a...) }
	w("# Fan-out benchmark\n\n")
	w("%s", r.Header.Markdown())
	w("- Took %.0f s. The machine is shared with other work: figures are noisy; compare runs by their medians.\n\n", r.ElapsedSeconds)
	w("## Targets\n\n%s\n", VerdictTable(r.Targets))
	w("## Results\n\n")
	w("One guild, one channel, N sessions (each a member, intents GUILDS | GUILD_MESSAGES | MESSAGE_CONTENT); messages posted with `POST /ingest/v1/channels/{id}/messages`. Latency is from just before the POST to the loadgen reading the dispatch (send time in the message's `nonce`).\n\n")
	w("| mode | sessions | phase | messages | delivered / expected | deliveries/s | p50 | p99 | max | fully delivered (median / max) | server CPU / delivery | errors |\n")
	w("|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---|\n")
	for _, row := range r.Rows {
		if row.Error != "" && len(row.Phases) == 0 {
			w("| %s | %s | — | | | | | | | | | %s |\n", row.Mode, Count(float64(row.N)), OneLine(row.Error))
			continue
		}
		errs := ErrorsText(row.Load.Errors)
		if row.Error != "" {
			errs = OneLine(row.Error) + "; " + errs
		}
		for _, p := range row.Phases {
			rate := Count(p.DeliveriesPerSec)
			if p.Name == "single" {
				rate = "—"
			}
			pe := ""
			if p.PostErrors > 0 {
				pe = fmt.Sprintf("; %d posts failed: %s", p.PostErrors, OneLine(p.FirstError))
			}
			if p.TimedOut {
				pe += "; timed out waiting"
			}
			w("| %s | %s | %s | %d | %s / %s | %s | %s | %s | %s | %s / %s | %.0f ns | %s%s |\n", row.Mode, Count(float64(row.N)), p.Name, p.Messages,
				Count(float64(p.Delivered)), Count(float64(p.Expected)), rate, Dur(p.Latency.P50US), Dur(p.Latency.P99US), Dur(p.Latency.MaxUS),
				Dur(p.FullyDeliveredP50US), Dur(p.FullyDeliveredMaxUS), p.CPUPerDeliveryNS, errs, pe)
		}
	}
	w("%s", floorMarkdown(r.Floors))
	w("\n## Setup\n\n| mode | sessions | loadgen processes | READY | failed | setup | server RSS after setup | compressor |\n|---|---:|---:|---:|---:|---:|---:|---|\n")
	for _, row := range r.Rows {
		w("| %s | %s | %d | %s | %d | %.1f s | %s | %s |\n", row.Mode, Count(float64(row.N)), row.Procs, Count(float64(row.Load.Ready)),
			row.Load.Failed, row.Load.SetupSeconds, MiB(float64(row.Server.RSSBytes)), row.Compressor)
	}
	pc := r.Config.Phases
	w("\n## How it was measured\n\n")
	w("- Each mode × size runs on a fresh `gatehouse serve` (fresh data dir, free ports, identify rate limit out of the way). The guild, its channel and N members (NDJSON `members:batch`, users granted MESSAGE_CONTENT) are created first; then loadgen processes of at most %d sessions each connect (%.0f connects/s per process) and identify; three untimed messages warm the path, then the run waits (at most 15 s) until the server uses under 10%% of a core.\n",
		r.Config.PerProc, r.Config.ConnectRate)
	w("- **single**: %d messages, one at a time: each is posted, every session receives it, %s passes. This is the \"message to N sessions\" latency.\n", pc.Single, pc.SingleGap)
	w("- **rate**: %.0f messages/s for %s, then wait for every delivery.\n", pc.Rate, pc.RateFor)
	w("- **burst**: about a million deliveries (1,000,000 / N messages, 50–1,000) posted by %d concurrent requests as fast as they go: peak deliveries/s = deliveries ÷ (first post → last receipt).\n", pc.Posters)
	w("- Server CPU is utime + stime from `/proc/<pid>/stat` (10 ms ticks) from the first post until every delivery arrived (single: only while a message was in flight), divided by deliveries. The loadgens decode every message (zlib with Go's compress/zlib, zstd with klauspost) on the same 2 cores, so measured deliveries/s and latency include their work; CPU per delivery is the server's alone.\n")
	w("- \"Fully delivered\" is, per message, the time from its post until its last recipient read it.\n")
	return b.String()
}
