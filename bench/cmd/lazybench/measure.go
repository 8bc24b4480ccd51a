package main

import (
	"context"
	"os"
	"sync"
	"time"

	"gatehouse/bench/loadgen"
	"gatehouse/bench/suite"
)

// sample is the CPU time of the processes measured and the sessions'
// counters at one moment. CPU is [gateway, loadgen processes..., this
// process (the NATS server and the stand-in node)].
type sample struct {
	at       time.Time
	cpu      []float64
	Progress suite.Progress
}

// sampleNow reads /proc for every pid and the fleet's latest progress
// (the loadgen prints it every 100 ms).
func sampleNow(pids []int, f *suite.Fleet) sample {
	s := sample{at: time.Now(), Progress: f.Progress()}
	for _, pid := range append(pids, os.Getpid()) {
		c, _ := suite.ProcCPUSeconds(pid)
		s.cpu = append(s.cpu, c)
	}
	return s
}

// Window is what happened between two samples.
type Window struct {
	Seconds          float64 `json:"seconds"`
	ServerCPUSeconds float64 `json:"server_cpu_seconds"`
	// ServerCores is the gateway's CPU time over the wall time: 1.0 is
	// one core busy.
	ServerCores float64 `json:"server_cores"`
	// LoadgenCores and BenchCores are the load generator's and this
	// process's (the NATS server and the stand-in node): they share the
	// machine with the gateway.
	LoadgenCores float64 `json:"loadgen_cores"`
	BenchCores   float64 `json:"bench_cores"`
	// Bytes is what the sessions received (WebSocket payloads as sent,
	// compressed when the sessions ask for it); Messages every message.
	Bytes                   int64   `json:"bytes"`
	BytesPerSec             float64 `json:"bytes_per_s"`
	BytesPerSessionSec      float64 `json:"bytes_per_session_per_s"`
	Messages                int64   `json:"messages"`
	DispatchesPerSec        float64 `json:"member_list_dispatches_per_s"`
	OpsPerSec               float64 `json:"member_list_ops_per_s"`
	ListBytesPerSec         float64 `json:"member_list_bytes_per_s"`
	BytesPerDispatch        float64 `json:"bytes_per_member_list_dispatch"`
	DispatchesPerSessionSec float64 `json:"member_list_dispatches_per_session_per_s"`
	// Lazy is the member list counters' difference over the window.
	Lazy loadgen.LazyStats `json:"member_list"`
	// Errors are the sessions' errors in the window, by kind.
	Errors map[string]int64 `json:"errors,omitempty"`
}

// Churn is the measured window with the presence changes.
type Churn struct {
	Window
	Published       int64   `json:"presence_changes"`
	PublishSeconds  float64 `json:"publish_seconds"`
	PublishedPerSec float64 `json:"presence_changes_per_s"`
	PublishErrors   int64   `json:"publish_errors"`
	// DrainSeconds is how long after the last change the gateway took to
	// go quiet (under 10 % of a core for half a second, at least 0.5 s);
	// DrainDispatches the member list updates received meanwhile.
	DrainSeconds    float64 `json:"drain_seconds"`
	DrainDispatches int64   `json:"drain_dispatches"`
	// ServerCPUPerChangeUS is the gateway's CPU time, churn and drain,
	// per presence change.
	ServerCPUPerChangeUS float64 `json:"server_cpu_per_change_us"`
	// DispatchesPerChangePerSession is member list updates received, churn
	// and drain, per presence change and session: the share of changes a
	// session hears of.
	DispatchesPerChangePerSession float64 `json:"member_list_dispatches_per_change_per_session"`
	// SnapshotRequests is the gateway asking the stand-in node for all
	// its presence during the churn or the drain: it noticed a lost
	// contribution.
	SnapshotRequests int64 `json:"snapshot_requests"`
	OnlineAtEnd      int   `json:"stand_in_online_at_end"`
}

// window turns two samples into figures.
func window(a, b sample, sessions int) Window {
	w := Window{Seconds: b.at.Sub(a.at).Seconds()}
	if w.Seconds <= 0 {
		return w
	}
	n := len(a.cpu)
	w.ServerCPUSeconds = b.cpu[0] - a.cpu[0]
	w.ServerCores = w.ServerCPUSeconds / w.Seconds
	for i := 1; i < n-1; i++ {
		w.LoadgenCores += (b.cpu[i] - a.cpu[i]) / w.Seconds
	}
	w.BenchCores = (b.cpu[n-1] - a.cpu[n-1]) / w.Seconds
	pa, pb := a.Progress, b.Progress
	w.Bytes, w.Messages = pb.BytesIn-pa.BytesIn, pb.Messages-pa.Messages
	w.BytesPerSec = float64(w.Bytes) / w.Seconds
	w.BytesPerSessionSec = w.BytesPerSec / float64(sessions)
	w.Lazy = pb.Lazy
	w.Lazy.Add(negate(pa.Lazy))
	w.DispatchesPerSec = float64(w.Lazy.Dispatches) / w.Seconds
	w.DispatchesPerSessionSec = w.DispatchesPerSec / float64(sessions)
	w.OpsPerSec = float64(w.Lazy.Ops) / w.Seconds
	w.ListBytesPerSec = float64(w.Lazy.Bytes) / w.Seconds
	if w.Lazy.Dispatches > 0 {
		w.BytesPerDispatch = float64(w.Lazy.Bytes) / float64(w.Lazy.Dispatches)
	}
	for k, v := range pb.ErrorsByKind {
		if d := v - pa.ErrorsByKind[k]; d != 0 {
			if w.Errors == nil {
				w.Errors = map[string]int64{}
			}
			w.Errors[k] = d
		}
	}
	return w
}

func negate(s loadgen.LazyStats) loadgen.LazyStats {
	return loadgen.LazyStats{Requested: -s.Requested, Synced: -s.Synced, Dispatches: -s.Dispatches, Bytes: -s.Bytes,
		Ops: -s.Ops, Syncs: -s.Syncs, LaterSyncs: -s.LaterSyncs, Inserts: -s.Inserts, Deletes: -s.Deletes,
		Updates: -s.Updates, Invalidates: -s.Invalidates, Malformed: -s.Malformed}
}

// Second is one second of the churn.
type Second struct {
	T                float64 `json:"t"`
	ServerCores      float64 `json:"server_cores"`
	BytesPerSec      float64 `json:"bytes_per_s"`
	DispatchesPerSec float64 `json:"member_list_dispatches_per_s"`
}

// series samples every second until stopped.
type series struct {
	mu     sync.Mutex
	out    []Second
	cancel context.CancelFunc
	done   chan struct{}
}

func startSeries(ctx context.Context, pids []int, f *suite.Fleet) *series {
	ctx, cancel := context.WithCancel(ctx)
	s := &series{cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(s.done)
		t := time.NewTicker(time.Second)
		defer t.Stop()
		first := sampleNow(pids, f)
		prev := first
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			cur := sampleNow(pids, f)
			w := window(prev, cur, 1)
			s.mu.Lock()
			s.out = append(s.out, Second{T: cur.at.Sub(first.at).Seconds(), ServerCores: w.ServerCores, BytesPerSec: w.BytesPerSec, DispatchesPerSec: w.DispatchesPerSec})
			s.mu.Unlock()
			prev = cur
		}
	}()
	return s
}

func (s *series) stop() []Second {
	s.cancel()
	<-s.done
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.out
}
