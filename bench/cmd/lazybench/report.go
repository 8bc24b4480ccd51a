package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"gatehouse/bench/suite"
)

// Report is lazy.json.
type Report struct {
	suite.Header
	LoadAvgEnd     string         `json:"load_avg_at_end"`
	ElapsedSeconds float64        `json:"elapsed_seconds"`
	Params         Params         `json:"params"`
	Compressor     string         `json:"server_compressor"`
	Setup          Setup          `json:"setup"`
	Idle           Window         `json:"idle"`
	Churn          Churn          `json:"churn"`
	Timeline       []Second       `json:"timeline,omitempty"`
	Final          suite.Progress `json:"sessions_at_end"`
	Load           suite.Totals   `json:"load"`
	ServerLogLines map[string]int `json:"server_log_lines,omitempty"`
	// ServerLogSamples are the first warnings and errors of the log.
	ServerLogSamples []string        `json:"server_log_samples,omitempty"`
	Targets          []suite.Verdict `json:"targets"`
	Error            string          `json:"error,omitempty"`
	ServerLogTail    string          `json:"server_log_tail,omitempty"`
}

// Setup is how the run got to the churn.
type Setup struct {
	NodeUsers     int            `json:"stand_in_users"`
	OnlineAtStart int            `json:"stand_in_online_at_start"`
	Layout        map[string]int `json:"hoisted_role_members"`
	IngestSeconds float64        `json:"ingest_seconds"`
	MembersPerSec float64        `json:"ingest_members_per_s"`
	Ready         int64          `json:"ready"`
	ReadySeconds  float64        `json:"ready_seconds"`
	// GuildCreateSeconds is when every session had its GUILD_CREATE (and
	// sent op 14), from the first connect.
	GuildCreateSeconds float64            `json:"guild_create_seconds"`
	Synced             int64              `json:"synced"`
	SyncSeconds        float64            `json:"synced_seconds"`
	QuiesceSeconds     float64            `json:"quiesce_seconds"`
	Server             suite.ServerSample `json:"server_after_setup"`
}

// keptUp says whether the gateway took every change as it came: the
// whole rate published, nothing lost on the way (a lost contribution
// makes it ask for a snapshot; a full queue logs a slow consumer), and no
// backlog worth the name when the churn stopped.
func (r *Report) keptUp() (bool, string) {
	c := &r.Churn
	var why []string
	if c.PublishedPerSec < 0.98*r.Params.Rate {
		why = append(why, fmt.Sprintf("published %.0f/s of %.0f/s", c.PublishedPerSec, r.Params.Rate))
	}
	if c.SnapshotRequests > 0 {
		why = append(why, fmt.Sprintf("%d snapshot requests (presence lost)", c.SnapshotRequests))
	}
	if n := r.ServerLogLines["slow consumer"]; n > 0 {
		why = append(why, fmt.Sprintf("%d slow-consumer log lines, at least %d presence messages dropped", n, r.ServerLogLines[presenceDropped]))
	}
	if c.DrainSeconds > 5 {
		why = append(why, fmt.Sprintf("%.1f s of backlog after the churn", c.DrainSeconds))
	}
	return len(why) == 0, strings.Join(why, "; ")
}

// judge fills Targets.
func (r *Report) judge() {
	c := &r.Churn
	v := suite.Verdict{Name: "the presence-churn scenario under one core (gateway CPU < 1.0 core while it keeps up)", Judged: c.Published > 0}
	if v.Judged {
		ok, why := r.keptUp()
		v.Pass = ok && c.ServerCores < 1
		v.Figure = fmt.Sprintf("%.2f cores at %s presence changes/s, %s members, %d sessions on rows %s; drained in %.1f s",
			c.ServerCores, suite.Count(c.PublishedPerSec), suite.Count(float64(r.Params.Members)), r.Params.Sessions, r.Params.Ranges, c.DrainSeconds)
		if !ok {
			v.Figure += "; did not keep up: " + why
		}
	} else {
		v.Figure = "not measured"
		if r.Error != "" {
			v.Figure += ": " + r.Error
		}
	}
	r.Targets = []suite.Verdict{v}
	s := suite.Verdict{Name: "every session subscribed and received every update without errors or seq gaps", Judged: r.Setup.Ready > 0}
	if s.Judged {
		errs := r.Load.Errors
		s.Pass = r.Setup.Synced == int64(r.Params.Sessions) && len(errs) == 0 && r.Load.Failed == 0
		s.Figure = fmt.Sprintf("%d/%d READY, %d/%d SYNC, errors: %s", r.Setup.Ready, r.Params.Sessions, r.Setup.Synced, r.Params.Sessions, suite.ErrorsText(errs))
	}
	r.Targets = append(r.Targets, s)
}

// rewrite renders dir/lazy.md again from dir/lazy.json (after a change
// to the Markdown, without measuring again).
func rewrite(dir string) error {
	b, err := os.ReadFile(filepath.Join(dir, "lazy.json"))
	if err != nil {
		return err
	}
	var r Report
	if err := json.Unmarshal(b, &r); err != nil {
		return fmt.Errorf("lazy.json: %w", err)
	}
	return os.WriteFile(filepath.Join(dir, "lazy.md"), []byte(r.markdown()), 0o644)
}

func (r *Report) write(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if err := suite.WriteJSON(dir, "lazy.json", r); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "lazy.md"), []byte(r.markdown()), 0o644)
}

func rate(bps float64) string {
	switch {
	case bps >= 1<<20:
		return fmt.Sprintf("%.2f MiB/s", bps/(1<<20))
	case bps >= 1<<10:
		return fmt.Sprintf("%.1f KiB/s", bps/(1<<10))
	}
	return fmt.Sprintf("%.0f B/s", bps)
}

func (r *Report) markdown() string {
	var b strings.Builder
	w := func(format string, a ...any) { fmt.Fprintf(&b, format, a...) }
	p, c, s := r.Params, &r.Churn, &r.Setup
	w("# Lazy member list, end to end\n\n%s", r.Markdown())
	w("- Load average at the end: %s. Took %.0f s. The machine has %d cores shared with other work (the gateway, the load generator, the NATS server and the stand-in node all run on it): every figure is noisy.\n",
		r.LoadAvgEnd, r.ElapsedSeconds, r.Machine.Cores)
	w("- Scenario: a %s-member guild; %d WebSocket sessions (compression %s, intents %d) each send op 14 for rows %s of its channel and must get their SYNC first; then %s presence changes/s for %.0f s. Server compressor: %s.\n",
		suite.Count(float64(p.Members)), p.Sessions, p.Compress, p.Intents, p.Ranges, suite.Count(p.Rate), p.Seconds, r.Compressor)
	if r.Error != "" {
		w("\n**Error:** %s\n", suite.OneLine(r.Error))
		if r.ServerLogTail != "" {
			w("\n```\n%s\n```\n", r.ServerLogTail)
		}
	}
	w("\n## Targets\n\n%s", suite.VerdictTable(r.Targets))

	w("\n## Churn\n\n| figure | value |\n|---|---|\n")
	w("| presence changes published | %d in %.1f s = %s/s (%d publish errors) |\n", c.Published, c.PublishSeconds, suite.Count(c.PublishedPerSec), c.PublishErrors)
	w("| **gateway CPU** | **%.2f cores** (%.1f s of CPU over %.1f s); idle before the churn %.2f cores |\n", c.ServerCores, c.ServerCPUSeconds, c.Seconds, r.Idle.ServerCores)
	if d := r.ServerLogLines[presenceDropped]; d > 0 && int64(d) < c.Published {
		w("| gateway CPU per presence change (churn + drain) | %.1f µs per change published; %.1f µs per change not dropped (at least %d dropped) |\n",
			c.ServerCPUPerChangeUS, c.ServerCPUPerChangeUS*float64(c.Published)/float64(c.Published-int64(d)), d)
	} else {
		w("| gateway CPU per presence change (churn + drain) | %.1f µs |\n", c.ServerCPUPerChangeUS)
	}
	w("| drain after the last change | %.1f s (%d member list dispatches meanwhile) |\n", c.DrainSeconds, c.DrainDispatches)
	w("| **bytes to the sessions** | **%s** in all, %s per session (every message, as sent) |\n", rate(c.BytesPerSec), rate(c.BytesPerSessionSec))
	w("| GUILD_MEMBER_LIST_UPDATE | %s dispatches/s in all (%.2f per session per s), %s, %.0f B per dispatch; %.3f dispatches per presence change per session (churn + drain) |\n",
		suite.Count(c.DispatchesPerSec), c.DispatchesPerSessionSec, rate(c.ListBytesPerSec), c.BytesPerDispatch, c.DispatchesPerChangePerSession)
	l := c.Lazy
	w("| ops received | %s/s: %d INSERT, %d DELETE, %d UPDATE, %d SYNC, %d INVALIDATE |\n", suite.Count(c.OpsPerSec), l.Inserts, l.Deletes, l.Updates, l.Syncs, l.Invalidates)
	w("| SYNC fallbacks (as the sessions saw them: a SYNC of a chunk already sent) | %d (%.4f per dispatch) |\n", l.LaterSyncs, perDispatch(l.LaterSyncs, l.Dispatches))
	w("| snapshot requests to the stand-in node (churn and drain) | %d |\n", c.SnapshotRequests)
	w("| server log | %s |\n", logText(r.ServerLogLines))
	w("| session errors in the window | %s; over the run: %s |\n", suite.ErrorsText(c.Errors), suite.ErrorsText(r.Load.Errors))
	w("| other processes | load generator %.2f cores, NATS server + stand-in node %.2f cores |\n", c.LoadgenCores, c.BenchCores)
	w("| stand-in users online | %s at the start, %s at the end |\n", suite.Count(float64(s.OnlineAtStart)), suite.Count(float64(c.OnlineAtEnd)))
	if len(r.Timeline) > 0 {
		w("\nPer second (gateway cores / member list dispatches received):\n\n")
		var parts []string
		for _, x := range r.Timeline {
			parts = append(parts, fmt.Sprintf("%.2f/%s", x.ServerCores, suite.Count(x.DispatchesPerSec)))
		}
		w("%s\n", strings.Join(parts, " · "))
	}

	w("\n## Setup\n\n| step | figure |\n|---|---|\n")
	w("| members:batch (%d concurrent requests) | %s members in %.1f s (%s/s) |\n", p.Streams, suite.Count(float64(p.Members)), s.IngestSeconds, suite.Count(s.MembersPerSec))
	w("| hoisted roles (members) | %s |\n", layoutText(s.Layout))
	w("| sessions READY, GUILD_CREATE, SYNC | %d READY in %.1f s, every GUILD_CREATE (op 14 sent) by %.1f s, %d SYNCs by %.1f s, from the first connect: the first session loads the guild, its first op 14 builds the list |\n",
		s.Ready, s.ReadySeconds, s.GuildCreateSeconds, s.Synced, s.SyncSeconds)
	w("| gateway after setup | RSS %s, Go heap in use %s, %d sessions |\n", suite.MiB(float64(s.Server.RSSBytes)), suite.MiB(float64(s.Server.HeapInuseBytes)), s.Server.Sessions)

	w("\n## How\n\n")
	w("- `bin/gatehouse serve --nats-url` runs as its own process against a NATS server with JetStream that lazybench runs in-process (`cluster.StartLocalCluster`, one server, `--replicas 1`).\n")
	w("- Presence comes the way a cluster carries it: a stand-in for another gateway node publishes on the NATS user subject with core/hub's own wire (`hub.EncodeContribution`, `EncodeNodeHeartbeat`, `EncodeNodeSnapshot`): a heartbeat every second, the snapshot the gateway asks for when it first hears the node (the initial online set, %.0f %% of its users, online 70 %% / idle 20 %% / dnd 10 %%), then one numbered contribution per change. A million members need no million sockets.\n", p.Online*100)
	w("- The churn keeps the online count steady: 40 %% of changes take a random online user offline, 40 %% bring a random offline user online, 20 %% switch an online user between online, idle and dnd. Online users show a fixed activity each (none, a custom status or a game). Changes are uniform over the stand-in users, so a change lands in a hoisted staff role (visible in rows 0–99) about as often as those roles' share of the guild.\n")
	w("- Guild: hoisted roles Admin, Moderator, Helper, Server Booster (by position), a non-hoisted Verified role on ~60 %%; usernames, display names (70 %%, some non-ASCII) and nicks (8 %%) generated from the seed. Over 1,000 members, offline members are left out of the list, so rows 0–99 are the top of the hoisted groups.\n")
	w("- The sessions are one `bin/loadgen` process (`--lazy`): each sends op 14 after its GUILD_CREATE and counts every GUILD_MEMBER_LIST_UPDATE (bytes, ops by kind, SYNCs of a chunk it already had). The members come through `POST /ingest/v1/guilds/{id}/members:batch`, generated while streamed.\n")
	w("- CPU is utime + stime from `/proc/<pid>/stat` (10 ms resolution) over the churn window; bytes are the WebSocket payloads the sessions read. The gateway does not export its own member list counters (`Hub.LazyStats`) on /metrics, so SYNC fallbacks are counted on the client side.\n")
	w("- The node runs its hub with `LazyAllShifts` on (cmd/gatehouse/node forces it: PROTOCOL.md's contract that the ops alone keep a client's array as long as the list), so every INSERT and DELETE of the list goes to every holder, even far past its rows, with a stub item: a session hears of every online/offline change in the guild (\"dispatches per presence change per session\" above). `gatehouse serve` has no flag for the leaner mode (`LazyLean`), in which only changes to held rows are sent; `-serve-args` passes one on once it exists.\n")
	w("- The target is judged only when the gateway kept up: the full rate published, no snapshot request (a lost contribution), no slow-consumer log line, and at most 5 s to drain.\n")
	return b.String()
}

func perDispatch(n, d int64) float64 {
	if d == 0 {
		return 0
	}
	return float64(n) / float64(d)
}

func logText(m map[string]int) string {
	if len(m) == 0 {
		return "no warnings"
	}
	var parts []string
	for _, k := range logKinds {
		if m[k] > 0 {
			parts = append(parts, fmt.Sprintf("%d × %q", m[k], k))
		}
	}
	if n := m[presenceDropped]; n > 0 {
		parts = append(parts, fmt.Sprintf("at least %d presence messages dropped by the gateway's NATS subscription", n))
	}
	return strings.Join(parts, ", ")
}

func layoutText(m map[string]int) string {
	var parts []string
	for _, r := range roles {
		if r.hoist {
			parts = append(parts, fmt.Sprintf("%s %s", r.name, suite.Count(float64(m[r.name]))))
		}
	}
	return strings.Join(parts, ", ")
}
