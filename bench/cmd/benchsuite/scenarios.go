package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"gatehouse/bench/peers/centrifugo"
	"gatehouse/bench/suite"
)

// runScenario runs one scenario, writing its files into dir.
func runScenario(ctx context.Context, o *options, name, dir string, rep *suite.Report) suite.ScenarioRun {
	sr := suite.ScenarioRun{Name: name, Status: "ok"}
	var err error
	switch name {
	case "compress":
		// bench-compress has no flags variable: it writes bench/results,
		// and the suite copies the files.
		if err = makeTarget(ctx, o, "bench-compress", "", ""); err == nil {
			sr.Files, err = copyFiles("bench/results", dir, "compress.json", "compress.md")
		}
	case "memberlist":
		flags := "-out " + dir
		if o.quick {
			flags += " -sizes 10000,100000"
		}
		sr, err = optionalTarget(ctx, o, sr, "bench-memberlist", "MEMBERLISTBENCH_FLAGS", flags, "memberlist.json", "memberlist.md")
		// The end-to-end part: op 14 sessions on the built gateway while
		// presence churns (bench/cmd/lazybench).
		// At 1,000,000 members (`make bench-lazy`) the setup alone takes
		// about 7 minutes here, so the suite runs a quarter of the guild.
		lflags := "-out " + dir + " -members 250000 -duration 20s"
		if o.quick {
			lflags = "-out " + dir + " -quick"
		}
		lr, lerr := optionalTarget(ctx, o, suite.ScenarioRun{}, "bench-lazy", "LAZYBENCH_FLAGS", lflags, "lazy.json", "lazy.md")
		sr.Files = append(sr.Files, lr.Files...)
		if lr.Note != "" {
			sr.Note = strings.TrimSpace(sr.Note + " " + lr.Note)
		}
		if err == nil {
			err = lerr
		}
	case "conn", "identify":
		sr.Name = name
		if o.scenarios["conn"] && o.scenarios["identify"] {
			sr.Name = "conn + identify"
		}
		flags := "-out " + dir
		switch {
		case !o.scenarios["conn"]: // the storm alone, after one small measurement connbench always makes
			flags += " -modes none -sizes 1000 -storm " + map[bool]string{true: "5000", false: "19000"}[o.quick]
		case o.quick:
			flags += " -quick"
		default:
			flags += " -modes none,zlib-full,zlib-compact,zstd-discord -sizes 1000,5000,19000"
		}
		if err = makeTarget(ctx, o, "bench-conn", "CONNBENCH_FLAGS", flags); err == nil {
			sr.Files = []string{"conn.json", "conn.md"}
		}
	case "cluster":
		sr, err = optionalTarget(ctx, o, sr, "bench-cluster", "CLUSTERBENCH_FLAGS", "-out "+dir, "cluster.json", "cluster.md")
	case "fanout":
		err = runFanout(ctx, o, dir, rep)
		sr.Files = []string{"fanout.json", "fanout.md"}
	case "peers":
		err = runPeers(ctx, o, rep, &sr)
	case "resume":
		err = runResume(ctx, o, rep)
	}
	if err != nil {
		sr.Status, sr.Note = "failed", err.Error()
	}
	return sr
}

// optionalTarget runs a make target another part of the project owns, if
// the Makefile has it yet.
func optionalTarget(ctx context.Context, o *options, sr suite.ScenarioRun, target, flagsVar, flags string, files ...string) (suite.ScenarioRun, error) {
	if exec.CommandContext(ctx, o.makeCmd, "-n", target).Run() != nil {
		sr.Status, sr.Note = "skipped", "no `make "+target+"` in this tree"
		return sr, nil
	}
	err := makeTarget(ctx, o, target, flagsVar, flags)
	if err == nil {
		sr.Files = files
	}
	return sr, err
}

// makeTarget runs `make target VAR=flags`, its output on our stderr.
func makeTarget(ctx context.Context, o *options, target, flagsVar, flags string) error {
	args := []string{target}
	if flagsVar != "" {
		args = append(args, flagsVar+"="+flags)
	}
	cmd := exec.CommandContext(ctx, o.makeCmd, args...)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("make %s: %w", target, err)
	}
	return nil
}

// copyFiles copies names from src to dst.
func copyFiles(src, dst string, names ...string) ([]string, error) {
	for _, n := range names {
		in, err := os.Open(filepath.Join(src, n))
		if err != nil {
			return nil, err
		}
		out, err := os.Create(filepath.Join(dst, n))
		if err == nil {
			_, err = io.Copy(out, in)
			if cerr := out.Close(); err == nil {
				err = cerr
			}
		}
		in.Close()
		if err != nil {
			return nil, err
		}
	}
	return names, nil
}

func sizes(o *options) []int {
	if o.sizes != nil {
		return o.sizes
	}
	if o.quick {
		return []int{1000, 5000}
	}
	return []int{1000, 5000, 19000}
}

func runFanout(ctx context.Context, o *options, dir string, rep *suite.Report) error {
	c := suite.FanoutConfig{Bin: o.bin, Loadgen: o.loadgen, Sizes: sizes(o), Modes: []string{"none", "zlib-stream", "zstd-stream"},
		PerProc: o.perProc, ConnectRate: 1500, Phases: suite.DefaultPhases, SetupTimeout: 2 * time.Minute, Verbose: o.verbose, SourceAddrs: o.sources,
		WriteFloor: o.writefloor}
	if o.quick {
		c.Phases.RateFor = 3 * time.Second
	}
	fr, err := suite.FanoutReportOf(ctx, c, rep.Header)
	if err != nil {
		return err
	}
	rep.Fanout = fr
	return fr.Write(dir)
}

func runPeers(ctx context.Context, o *options, rep *suite.Report, sr *suite.ScenarioRun) error {
	c := suite.PeersConfig{Gatehouse: o.bin, Gobaseline: o.gobaseline, Loadgen: o.loadgen, Sizes: sizes(o),
		PerProc: o.perProc, ConnectRate: 1500, Settle: 2 * time.Second, SetupTimeout: 2 * time.Minute, Verbose: o.verbose, SourceAddrs: o.sources,
		Phases: suite.PhaseConfig{Single: 10, SingleGap: 200 * time.Millisecond, Posters: 8}}
	pr := &suite.PeersReport{Sizes: c.Sizes, Phases: c.Phases}
	if o.centrifugo {
		bin, err := centrifugo.Install(ctx, o.goCmd, o.peersDir)
		if err != nil {
			sr.Note = "Centrifugo not measured: " + err.Error()
		} else {
			c.Centrifugo = bin
			pr.Version = centrifugo.Module + "@" + centrifugo.Version
		}
	} else {
		sr.Note = "Centrifugo not measured (-centrifugo=false)"
	}
	if _, err := os.Stat(c.Gobaseline); err != nil {
		c.Gobaseline = ""
		sr.Note += " plain Go baseline not measured: " + err.Error()
	}
	work, err := os.MkdirTemp("", "benchsuite-peers-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	pr.Rows = suite.RunPeers(ctx, c, work)
	pr.ComputeRatios()
	rep.Peers = pr
	return nil
}

func runResume(ctx context.Context, o *options, rep *suite.Report) error {
	c := suite.ResumeConfig{Bin: o.bin, Loadgen: o.loadgen, N: 10000, PerProc: o.perProc, ConnectRate: 1500, Rate: 20, SourceAddrs: o.sources,
		Before: 2 * time.Second, After: 2 * time.Second, SetupTimeout: 2 * time.Minute, Verbose: o.verbose}
	if o.quick {
		c.N = 2000
	}
	if o.resumeN > 0 {
		c.N = o.resumeN
	}
	work, err := os.MkdirTemp("", "benchsuite-resume-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	res := suite.RunResume(ctx, c, work)
	rep.Resume = &res
	if res.Error != "" && res.Resumed == 0 {
		return fmt.Errorf("%s", res.Error)
	}
	return nil
}
