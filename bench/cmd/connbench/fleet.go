package main

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
	"syscall"
	"time"

	"gatehouse/bench/loadgen"
)

// fleet is the loadgen processes of one measurement: N sessions split into
// processes of at most perProc sockets each, with disjoint user ranges.
type fleet struct {
	procs []*lgProc
}

type lgProc struct {
	cmd     *exec.Cmd
	conns   int
	jsonOut string
	setup   chan setupLine // the {"event":"setup"} line, once
	done    chan struct{}
}

// setupLine is what loadgen prints on stdout when every session is READY
// or failed.
type setupLine struct {
	Event  string             `json:"event"`
	Ready  int64              `json:"ready"`
	Failed int64              `json:"failed"`
	Errors map[string]int64   `json:"errors"`
	Self   loadgen.ProcessMem `json:"self"`
}

// fleetSpec is one fleet's work.
type fleetSpec struct {
	url      string
	conns    int
	compress string
	barrier  bool
	hold     string // --hold
	grace    string // --close-grace
	userBase uint64
	tag      string // prefix of progress lines and file names
}

// startFleet starts the processes; their progress lines are forwarded to
// stderr with a prefix.
func startFleet(o *options, dir string, sp fleetSpec) (*fleet, error) {
	f := &fleet{}
	n := (sp.conns + o.perProc - 1) / o.perProc
	for i := 0; i < n; i++ {
		conns := sp.conns / n
		if i < sp.conns%n {
			conns++
		}
		p := &lgProc{conns: conns, setup: make(chan setupLine, 1), done: make(chan struct{}),
			jsonOut: filepath.Join(dir, fmt.Sprintf("%s-%d.json", sp.tag, i))}
		args := []string{"--url", sp.url, "--conns", strconv.Itoa(conns), "--secret", o.secret,
			"--user-base", strconv.FormatUint(sp.userBase+uint64(i)*1_000_000, 10),
			"--compress", sp.compress, "--hold", sp.hold, "--close-grace", sp.grace,
			"--json-out", p.jsonOut, "--setup-timeout", o.setupTimeout.String()}
		if sp.barrier {
			args = append(args, "--identify-barrier")
		}
		p.cmd = exec.Command(o.loadgen, args...)
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
			return f, fmt.Errorf("start %s: %w", o.loadgen, err)
		}
		f.procs = append(f.procs, p)
		prefix := fmt.Sprintf("  [%s/%d] ", sp.tag, i)
		go forward(stderr, prefix, o.verbose)
		go func() {
			readEvents(stdout, p.setup)
			_ = p.cmd.Wait()
			close(p.done)
		}()
	}
	return f, nil
}

// readEvents passes the setup line on and drains the rest.
func readEvents(r io.Reader, setup chan<- setupLine) {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		var l setupLine
		if json.Unmarshal(sc.Bytes(), &l) == nil && l.Event == "setup" {
			setup <- l
		}
	}
}

// forward copies a child's stderr to ours, prefixed; progress lines only
// when verbose, every other line always.
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

// waitSetup waits for every process's setup line.
func (f *fleet) waitSetup(ctx context.Context, limit time.Duration) ([]setupLine, error) {
	var out []setupLine
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

// stop signals every process (SIGTERM), waits for them and reads their
// results.
func (f *fleet) stop() ([]loadgen.Result, error) {
	for _, p := range f.procs {
		_ = p.cmd.Process.Signal(syscall.SIGTERM)
	}
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

// wait waits for every process to exit on its own (a fleet with a finite
// --hold), killing them after limit.
func (f *fleet) wait(limit time.Duration) {
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
