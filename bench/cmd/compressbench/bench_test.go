package main

import (
	"errors"
	"os/exec"
	"strings"
	"testing"

	"gatehouse/bench/benchenv"
	"gatehouse/bench/corpus"
	"gatehouse/core/compress"
)

func smallCorpus() [][]byte { return corpus.Generate(1, 300) }

// TestEveryCodecMeasuresAndVerifies runs every row on a small corpus.
func TestEveryCodecMeasuresAndVerifies(t *testing.T) {
	msgs := smallCorpus()
	for _, c := range append(rustCodecs(), goCodecs()...) {
		row, err := measure(c, msgs, 1)
		if err != nil {
			t.Fatalf("%s: %v", c.Name, err)
		}
		if !row.Verified || row.Ratio <= 1 || row.OutputBytes <= 0 || row.MedianMicros <= 0 || row.MBps <= 0 {
			t.Errorf("%s: implausible row %+v", c.Name, row)
		}
		if c.Mode != "payload-zlib" && c.Impl != "go-stdlib" && row.StateBytes <= 0 {
			t.Errorf("%s: state %d after 100 messages", c.Name, row.StateBytes)
		}
	}
}

// corrupting flips one bit of the 50th message's output: verification
// must catch it.
type corrupting struct {
	compress.Compressor
	n int
}

func (c *corrupting) Compress(dst, msg []byte) ([]byte, error) {
	start := len(dst)
	out, err := c.Compressor.Compress(dst, msg)
	if c.n++; c.n == 50 && len(out) > start+8 {
		out[start+len(out[start:])/2] ^= 0x10
	}
	return out, err
}

func TestVerificationCatchesCorruption(t *testing.T) {
	for _, c := range goCodecs() {
		inner := c.New
		c.New = func() (compress.Compressor, error) {
			s, err := inner()
			return &corrupting{Compressor: s}, err
		}
		if _, err := measure(c, smallCorpus(), 1); err == nil || !strings.Contains(err.Error(), "verification") {
			t.Errorf("%s: corrupted output not caught (err = %v)", c.Name, err)
		}
	}
}

func TestVerificationCatchesDroppedMessage(t *testing.T) {
	c := goCodecs()[2] // klauspost zlib
	inner := c.New
	c.New = func() (compress.Compressor, error) {
		s, err := inner()
		return &dropping{Compressor: s}, err
	}
	if _, err := measure(c, smallCorpus(), 1); err == nil {
		t.Fatal("a dropped message was not caught")
	}
}

// dropping returns nothing for the 10th message.
type dropping struct {
	compress.Compressor
	n int
}

func (d *dropping) Compress(dst, msg []byte) ([]byte, error) {
	if d.n++; d.n == 10 {
		return dst, nil
	}
	return d.Compressor.Compress(dst, msg)
}

func TestTargets(t *testing.T) {
	rows := []Row{
		{Name: "rust zstd discord", OutputBytes: 1005},
		{Name: "libzstd reference (C)", OutputBytes: 1000},
		{Name: "rust zlib 6", OutputBytes: 1002, MBps: 90, MedianMicros: 1, CgoCallsPerMsg: 1, CgoOverheadPct: 2.9},
		{Name: "Go compress/flate 6", OutputBytes: 1000, MBps: 30, MedianMicros: 3},
	}
	ts := targets(rows, 26)
	if len(ts) != 3 || !ts[0].Pass || !ts[1].Pass || !ts[2].Pass {
		t.Fatalf("all three should pass: %+v", ts)
	}
	rows[0].OutputBytes = 1011 // 1.1% over the reference
	rows[2].OutputBytes = 1003 // one byte larger than flate once the header is excluded
	rows[2].CgoOverheadPct = 3.0
	ts = targets(rows, 26)
	for _, tg := range ts {
		if tg.Pass {
			t.Errorf("should fail: %+v", tg)
		}
	}
	if ts := targets(rows[1:2], 0); ts[0].Pass || ts[1].Pass || ts[2].Pass {
		t.Errorf("missing rows must fail: %+v", ts)
	}
}

func TestMarkdownStartsWithProvenance(t *testing.T) {
	rep := Report{
		Env:     Env{Base: benchenv.Base{Command: "go run ./bench/cmd/compressbench -out x", Commit: "uncommitted", Date: "2025-01-01 00:00 UTC", CPU: "cpu", Cores: 2, Go: "go"}, Rustc: "rustc"},
		Corpus:  CorpusInfo{Seed: 1, Summary: corpus.Summarize(corpus.Generate(1, 10))},
		Rows:    []Row{{Name: "r", Mode: "m", Ratio: 2}},
		Targets: []Target{{Name: "t", Pass: true, Detail: "d"}},
	}
	md := markdown(rep)
	for _, want := range []string{"command: `go run ./bench/cmd/compressbench -out x`", "commit: uncommitted", "date: 2025-01-01", "machine: cpu, 2 cores", "| r | m |", "**PASS** — t: d"} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q", want)
		}
	}
}

func TestReferenceProgram(t *testing.T) {
	if _, err := exec.LookPath("cc"); err != nil {
		t.Skip("no C compiler")
	}
	bin, cleanup, err := buildRef("cc", "../../ref/zstdref.c")
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) || strings.Contains(err.Error(), "zstd.h") {
			t.Skipf("libzstd-dev missing: %v", err)
		}
		t.Fatal(err)
	}
	defer cleanup()
	msgs := smallCorpus()
	row, version, err := runRef(bin, msgs, compress.ZstdDiscord, 2)
	if err != nil {
		t.Fatal(err)
	}
	if version == "" || row.Messages != len(msgs) || row.Ratio <= 1 || row.StateBytes < 1<<20 {
		t.Fatalf("implausible reference result: libzstd %q, %+v", version, row)
	}
}
