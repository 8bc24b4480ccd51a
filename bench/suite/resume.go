package suite

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"syscall"
	"time"

	"gatehouse/bench/loadgen"
)

// ResumeConfig is the resume scenario: N sessions lose their connections
// at once while messages keep flowing; every session resumes and must miss
// nothing.
type ResumeConfig struct {
	Bin, Loadgen string
	N            int
	PerProc      int
	ConnectRate  float64
	Rate         float64       // messages per second, before, during and after
	Before       time.Duration // messages before the drop
	After        time.Duration // messages after everyone is back
	SetupTimeout time.Duration
	Verbose      bool
	SourceAddrs  string // the loadgens' --source-addrs
}

// ResumeResult is the scenario's figures.
type ResumeResult struct {
	N       int    `json:"n"`
	Error   string `json:"error,omitempty"`
	Trigger string `json:"trigger"`
	Load    Totals `json:"load"`
	// Dropped connections, sessions that got RESUMED, and those that could
	// not resume (op 9 or out of attempts).
	Dropped int64 `json:"dropped"`
	Resumed int64 `json:"resumed"`
	Failed  int64 `json:"failed"`
	// AllBackSeconds runs from the drop to the last RESUMED.
	AllBackSeconds float64             `json:"all_back_seconds"`
	DropToResumed  loadgen.HistSummary `json:"drop_to_resumed"`
	// Messages posted throughout; Missing deliveries are events lost.
	Messages  int                 `json:"messages"`
	Expected  int64               `json:"expected_deliveries"`
	Delivered int64               `json:"delivered"`
	Missing   int64               `json:"missing"`
	SeqGaps   int64               `json:"seq_gaps"`
	Latency   loadgen.HistSummary `json:"latency"`
}

// resumeTrigger says how the sessions lose their connections.
const resumeTrigger = "every loadgen drops all of its TCP connections at once (SIGUSR1 → DropAll: no close frame, as a network failure or a restarted load balancer would), then each session reconnects and sends op 6 Resume with its last seq; the loadgen also resumes on op 7"

// RunResume runs the scenario on a fresh gatehouse (no compression).
func RunResume(ctx context.Context, c ResumeConfig, work string) ResumeResult {
	res := ResumeResult{N: c.N, Trigger: resumeTrigger}
	fmt.Fprintf(os.Stderr, "resume: %d sessions\n", c.N)
	t, err := StartGatehouse(ctx, GatehouseOptions{Bin: c.Bin, Secret: FanoutSecret, IngestSecret: FanoutSecret + "-ingest"})
	if err != nil {
		res.Error = err.Error()
		return res
	}
	defer t.Stop()
	msgs := int(c.Rate*(c.Before+c.After).Seconds()) + int(c.Rate*60) // upper bound for tracking
	sp := FleetSpec{Loadgen: c.Loadgen, URL: t.WSURL, Conns: c.N, PerProc: c.PerProc, Secret: FanoutSecret,
		UserBase: 9_000_000_000, Intents: 513 | MessageContentIntent, Resume: true, Track: msgs,
		Rate: c.ConnectRate, Setup: c.SetupTimeout, Dir: work, Tag: "resume", Verbose: c.Verbose, SourceAddrs: c.SourceAddrs}
	if err := t.SetupGuild(ctx, sp.UserIDs()); err != nil {
		res.Error = "guild setup: " + err.Error()
		return res
	}
	f, err := StartFleet(sp)
	if err != nil {
		_, _ = f.Stop()
		res.Error = err.Error()
		return res
	}
	lines, err := f.WaitSetup(ctx, c.SetupTimeout+time.Minute)
	if err != nil {
		_, _ = f.Stop()
		res.Error = err.Error()
		return res
	}
	ready := ReadyOf(lines)
	t.Quiesce(ctx, 15*time.Second)

	// Post at Rate until told to stop.
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var posted, postErrs int
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(time.Duration(float64(time.Second) / c.Rate))
		defer tick.Stop()
		for i := 0; i < msgs; i++ {
			select {
			case <-stop:
				return
			case <-tick.C:
			}
			if err := t.Publish(ctx, ClassResume, i); err != nil {
				postErrs++
				continue
			}
			posted++
		}
	}()
	time.Sleep(c.Before)
	f.Signal(syscall.SIGUSR1)
	// Everyone back: every dropped session resumed or gave up.
	time.Sleep(200 * time.Millisecond)
	f.WaitFor(ctx, 60*time.Second, func(p Progress) bool { return p.Resuming == 0 && p.Resumed+p.Failed >= ready })
	time.Sleep(c.After)
	close(stop)
	wg.Wait()
	res.Messages = posted
	res.Expected = int64(posted) * ready
	f.WaitFor(ctx, waitLimit(res.Expected), func(p Progress) bool { return p.TaggedOf(ClassResume) >= res.Expected })
	results, stopErr := f.Stop()
	res.Load = Sum(results)
	for _, r := range results {
		if rr := r.Resume; rr != nil {
			res.Dropped += rr.ForcedDrops + rr.Disconnects + rr.Reconnects
			res.Resumed += rr.Resumed
			res.Failed += rr.Failed
			res.AllBackSeconds = max(res.AllBackSeconds, rr.AllBackSeconds)
			res.DropToResumed.Merge(rr.Took)
		}
		res.SeqGaps += r.Stats.Errors["seq_gap"]
	}
	d := MergeDeliveries(results, ClassResume)
	res.Delivered = int64(d.Count)
	res.Latency = d.Latency
	_, res.Missing = d.Completeness(posted, ready)
	if postErrs > 0 {
		res.Error = fmt.Sprintf("%d posts failed", postErrs)
	}
	if stopErr != nil {
		res.Error = stopErr.Error()
	}
	if res.Resumed < res.Dropped || postErrs > 0 {
		exited := ""
		if t.Exited() {
			exited = " (the server process had exited)"
		}
		log := Crash(t.LogPath)
		if log == "" {
			log = Tail(t.LogPath, 12)
		}
		res.Error = strings.TrimSpace(res.Error + "; server log" + exited + ":\n" + log)
	}
	fmt.Fprintf(os.Stderr, "resume: %d dropped, %d resumed, %d failed, all back in %.2fs; %d messages, %d/%d delivered, %d missing, %d seq gaps\n",
		res.Dropped, res.Resumed, res.Failed, res.AllBackSeconds, res.Messages, res.Delivered, res.Expected, res.Missing, res.SeqGaps)
	return res
}
