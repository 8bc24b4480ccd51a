package suite

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"gatehouse/bench/loadgen"
)

// UserStride separates the user ids of a fleet's processes: process p's
// session i is user UserBase + p*UserStride + i.
const UserStride = 1_000_000

// FleetSpec is the work of one fleet of loadgen processes.
type FleetSpec struct {
	Loadgen  string // loadgen binary
	URL      string
	Conns    int
	PerProc  int // sessions per process (≤ 19,000 under a 20,000 open-file limit)
	Secret   string
	UserBase uint64
	Compress string // none, zlib-stream, zstd-stream
	Protocol string // gateway (default), centrifugo
	Intents  uint64 // 0: the loadgen's default
	Resume   bool
	Track    int     // --track-messages
	Rate     float64 // connects per second per process, 0 unpaced
	Barrier  bool    // --identify-barrier
	Hold     string  // --hold; default "-1s" (until Stop)
	// SourceAddrs is the loadgens' --source-addrs (e.g.
	// "127.0.0.2-127.0.0.40"), to pass ~28,000 connections per server port.
	SourceAddrs string
	Setup       time.Duration
	Dir         string // where result files go
	Tag         string // prefix of file names and forwarded lines
	Verbose     bool   // forward per-second progress lines
	// Extra are more loadgen flags, e.g. --lazy.
	Extra []string
}

// Split is how many sessions each process of the fleet holds.
func (sp FleetSpec) Split() []int {
	// The loadgen refuses more sessions than its open-file limit holds,
	// so a per-process count past 19,000 needs a raised ulimit -n.
	per := sp.PerProc
	if per <= 0 {
		per = 19000
	}
	n := (sp.Conns + per - 1) / per
	out := make([]int, n)
	for i := range out {
		out[i] = sp.Conns / n
		if i < sp.Conns%n {
			out[i]++
		}
	}
	return out
}

// UserIDs are the users the fleet's sessions identify as, in order.
func (sp FleetSpec) UserIDs() []uint64 {
	var ids []uint64
	for p, n := range sp.Split() {
		for i := 0; i < n; i++ {
			ids = append(ids, sp.UserBase+uint64(p)*UserStride+uint64(i))
		}
	}
	return ids
}

// Fleet is the running loadgen processes.
type Fleet struct {
	procs []*lgProc
}

type lgProc struct {
	cmd     *exec.Cmd
	conns   int
	jsonOut string
	setup   chan SetupLine
	done    chan struct{}

	mu   sync.Mutex
	last Progress
}

// SetupLine is the loadgen's {"event":"setup"} line.
type SetupLine struct {
	Event  string             `json:"event"`
	Ready  int64              `json:"ready"`
	Failed int64              `json:"failed"`
	Errors map[string]int64   `json:"errors"`
	Self   loadgen.ProcessMem `json:"self"`
}

// ReadyOf is the sessions READY over every process's setup line.
func ReadyOf(lines []SetupLine) int64 {
	var n int64
	for _, l := range lines {
		n += l.Ready
	}
	return n
}

// Progress is the loadgen's {"event":"progress"} line, or their sum.
type Progress struct {
	Ready      int64            `json:"ready"`
	Failed     int64            `json:"failed"`
	Open       int64            `json:"open"`
	Dispatches int64            `json:"dispatches"`
	Tagged     map[string]int64 `json:"tagged"`
	Resumed    int64            `json:"resumed"`
	Resuming   int64            `json:"resuming"`
	Errors     int64            `json:"errors"`
	// ErrorsByKind, Messages and BytesIn (as received, compressed) are
	// the loadgen's counters of those names; Lazy its member list
	// counters (zero without --lazy).
	ErrorsByKind map[string]int64  `json:"errors_by_kind"`
	Messages     int64             `json:"messages"`
	BytesIn      int64             `json:"bytes_in"`
	Lazy         loadgen.LazyStats `json:"lazy"`
}

// TaggedOf is deliveries of class so far.
func (p Progress) TaggedOf(class int) int64 { return p.Tagged[strconv.Itoa(class)] }

// StartFleet starts the processes.
func StartFleet(sp FleetSpec) (*Fleet, error) {
	f := &Fleet{}
	hold, grace := sp.Hold, "0s"
	if hold == "" {
		hold = "-1s"
	} else {
		grace = "5s" // a fleet that ends by itself closes its sessions properly
	}
	for i, conns := range sp.Split() {
		p := &lgProc{conns: conns, setup: make(chan SetupLine, 1), done: make(chan struct{}),
			jsonOut: filepath.Join(sp.Dir, fmt.Sprintf("%s-%d.json", sp.Tag, i))}
		args := []string{"--url", sp.URL, "--conns", strconv.Itoa(conns), "--secret", sp.Secret,
			"--user-base", strconv.FormatUint(sp.UserBase+uint64(i)*UserStride, 10),
			"--hold", hold, "--close-grace", grace, "--json-out", p.jsonOut,
			"--progress-json", "100ms"}
		if sp.Compress != "" {
			args = append(args, "--compress", sp.Compress)
		}
		if sp.Protocol != "" {
			args = append(args, "--protocol", sp.Protocol)
		}
		if sp.Intents != 0 {
			args = append(args, "--intents", strconv.FormatUint(sp.Intents, 10))
		}
		if sp.Resume {
			args = append(args, "--resume")
		}
		if sp.Track > 0 {
			args = append(args, "--track-messages", strconv.Itoa(sp.Track))
		}
		if sp.Rate > 0 {
			args = append(args, "--rate", strconv.FormatFloat(sp.Rate, 'f', -1, 64))
		}
		if sp.Barrier {
			args = append(args, "--identify-barrier")
		}
		if sp.SourceAddrs != "" {
			args = append(args, "--source-addrs", sp.SourceAddrs)
		}
		if sp.Setup > 0 {
			args = append(args, "--setup-timeout", sp.Setup.String())
		}
		args = append(args, sp.Extra...)
		p.cmd = exec.Command(sp.Loadgen, args...)
		p.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
		stdout, err := p.cmd.StdoutPipe()
		if err != nil {
			return f, err
		}
		stderr, err := p.cmd.StderrPipe()
		if err != nil {
			return f, err
		}
		if err := p.cmd.Start(); err != nil {
			return f, fmt.Errorf("start %s: %w", sp.Loadgen, err)
		}
		f.procs = append(f.procs, p)
		go forward(stderr, fmt.Sprintf("  [%s/%d] ", sp.Tag, i), sp.Verbose)
		go func() {
			p.readEvents(stdout)
			_ = p.cmd.Wait()
			close(p.done)
		}()
	}
	return f, nil
}

// readEvents passes the setup line on and keeps the latest progress.
func (p *lgProc) readEvents(r io.Reader) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		var ev struct {
			Event string `json:"event"`
		}
		if json.Unmarshal(sc.Bytes(), &ev) != nil {
			continue
		}
		switch ev.Event {
		case "setup":
			var l SetupLine
			if json.Unmarshal(sc.Bytes(), &l) == nil {
				p.setup <- l
			}
		case "progress":
			var pr Progress
			if json.Unmarshal(sc.Bytes(), &pr) == nil {
				p.mu.Lock()
				p.last = pr
				p.mu.Unlock()
			}
		}
	}
}

// forward copies a child's stderr to ours, prefixed; progress lines only
// when verbose.
func forward(r io.Reader, prefix string, verbose bool) {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := sc.Text()
		if !verbose && strings.HasPrefix(line, "loadgen: up ") {
			continue
		}
		fmt.Fprintln(os.Stderr, prefix+line)
	}
}

// WaitSetup waits for every process's setup line.
func (f *Fleet) WaitSetup(ctx context.Context, limit time.Duration) ([]SetupLine, error) {
	var out []SetupLine
	timeout := time.After(limit)
	for i, p := range f.procs {
		select {
		case l := <-p.setup:
			out = append(out, l)
		case <-p.done:
			return out, fmt.Errorf("loadgen %d exited before setup finished", i)
		case <-timeout:
			return out, fmt.Errorf("setup not finished after %s", limit)
		case <-ctx.Done():
			return out, ctx.Err()
		}
	}
	return out, nil
}

// Progress sums the latest progress line of every process.
func (f *Fleet) Progress() Progress {
	var s Progress
	s.Tagged = map[string]int64{}
	s.ErrorsByKind = map[string]int64{}
	for _, p := range f.procs {
		p.mu.Lock()
		l := p.last
		p.mu.Unlock()
		s.Ready += l.Ready
		s.Failed += l.Failed
		s.Open += l.Open
		s.Dispatches += l.Dispatches
		s.Resumed += l.Resumed
		s.Resuming += l.Resuming
		s.Errors += l.Errors
		s.Messages += l.Messages
		s.BytesIn += l.BytesIn
		s.Lazy.Add(l.Lazy)
		for k, v := range l.Tagged {
			s.Tagged[k] += v
		}
		for k, v := range l.ErrorsByKind {
			s.ErrorsByKind[k] += v
		}
	}
	return s
}

// WaitFor polls the summed progress until done says so, limit passes or
// ctx ends; it returns the last progress and whether done was reached.
func (f *Fleet) WaitFor(ctx context.Context, limit time.Duration, done func(Progress) bool) (Progress, bool) {
	deadline := time.Now().Add(limit)
	for {
		p := f.Progress()
		if done(p) {
			return p, true
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return p, false
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Wait waits for every process to exit on its own (a fleet with a finite
// Hold), killing them after limit.
func (f *Fleet) Wait(limit time.Duration) {
	deadline := time.After(limit)
	for _, p := range f.procs {
		select {
		case <-p.done:
		case <-deadline:
			_ = p.cmd.Process.Kill()
			<-p.done
		}
	}
}

// Pids are the processes' ids (for their CPU time).
func (f *Fleet) Pids() []int {
	out := make([]int, 0, len(f.procs))
	for _, p := range f.procs {
		out = append(out, p.cmd.Process.Pid)
	}
	return out
}

// Signal sends sig to every process.
func (f *Fleet) Signal(sig os.Signal) {
	for _, p := range f.procs {
		_ = p.cmd.Process.Signal(sig)
	}
}

// Stop ends every process (SIGTERM, SIGKILL after 30 s) and reads their
// results.
func (f *Fleet) Stop() ([]loadgen.Result, error) {
	f.Signal(syscall.SIGTERM)
	var out []loadgen.Result
	var firstErr error
	for i, p := range f.procs {
		select {
		case <-p.done:
		case <-time.After(30 * time.Second):
			_ = p.cmd.Process.Kill()
			<-p.done
		}
		b, err := os.ReadFile(p.jsonOut)
		if err != nil {
			if firstErr == nil {
				firstErr = fmt.Errorf("loadgen %d: %w", i, err)
			}
			continue
		}
		var r loadgen.Result
		if err := json.Unmarshal(b, &r); err != nil && firstErr == nil {
			firstErr = fmt.Errorf("loadgen %d result: %w", i, err)
		}
		out = append(out, r)
	}
	return out, firstErr
}
