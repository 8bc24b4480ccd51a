//go:build cgo

package bindings

import (
	"os"
	"os/exec"
	"strings"
	"testing"

	"gatehouse/core/compress"
)

// TestFreedContextsGoBackToTheOS: a pool that keeps two idle contexts and
// sees 48 streams wake and then hibernate frees 46 working contexts; with
// the malloc thresholds gatehouse sets, glibc hands them back to the kernel
// (about 18 MiB for zlib, 75 MiB for zstd at Discord's settings) instead of
// keeping them free inside its arenas, resident. Without the thresholds the
// second round fails: glibc's own threshold has risen past a context.
//
// It runs in a child process of the test binary: what the other tests of
// this package allocated and freed before it would otherwise move the
// arenas' free-byte count by hundreds of KiB either way.
// allocChildEnv marks the child process TestFreedContextsGoBackToTheOS
// runs itself in.
const allocChildEnv = "GATEHOUSE_ALLOC_TEST_CHILD"

func TestFreedContextsGoBackToTheOS(t *testing.T) {
	if os.Getenv(allocChildEnv) == "" {
		cmd := exec.Command(os.Args[0], "-test.run=^TestFreedContextsGoBackToTheOS$", "-test.v", "-test.count=1")
		cmd.Env = append(os.Environ(), allocChildEnv+"=1")
		out, err := cmd.CombinedOutput()
		t.Logf("child process:\n%s", out)
		if err != nil {
			t.Fatalf("child process: %v", err)
		}
		if strings.Contains(string(out), "--- SKIP: TestFreedContextsGoBackToTheOS") {
			t.Skip("skipped in the child process (see its output)")
		}
		if !strings.Contains(string(out), "--- PASS: TestFreedContextsGoBackToTheOS") {
			t.Fatal("child process did not run the test to a pass (skipped?)")
		}
		return
	}
	switch r := tuneMalloc(); r {
	case -1:
		t.Skip("not glibc: nothing to tune")
	case 2:
		t.Skip("GLIBC_TUNABLES sets the malloc thresholds for this run")
	case 1:
	default:
		t.Fatalf("glibc refused the malloc thresholds (%d)", r)
	}
	if _, _, ok := mallocStats(); !ok {
		t.Skip("no mallinfo2: cannot see the C heap")
	}
	jsonPool, _ := pools()
	// The gateway's settings: zlib level 6 and zstd at Discord's. (Lean
	// zstd contexts are mostly blocks under the threshold, which
	// glibc keeps in its arenas for reuse, as it should.)
	for _, c := range compactCodecs()[1:3] {
		p, err := c.newPool()
		if err != nil {
			t.Fatal(err)
		}
		streams := make([]*CompactStream, 48)
		for i := range streams {
			if streams[i], err = p.NewCompactStream(); err != nil {
				t.Fatal(err)
			}
		}
		// Twice: glibc's own threshold would rise during the first round's
		// frees, and the second round's contexts would then come from the
		// arenas and stay there.
		var dst []byte
		for round := range 2 {
			contexts := 0
			for i, s := range streams {
				off := (round*len(streams) + i) * 4096
				if dst, err = s.Compress(dst[:0], jsonPool[off:off+4096]); err != nil {
					t.Fatal(err)
				}
				contexts += s.StateBytes()
			}
			heldAwake, freeAwake, _ := mallocStats()
			for _, s := range streams {
				if err := s.Hibernate(); err != nil {
					t.Fatal(err)
				}
			}
			heldAsleep, freeAsleep, _ := mallocStats()
			back := heldAwake - heldAsleep
			t.Logf("%s round %d: 48 contexts of %d KiB; %d KiB back to the kernel, %+d KiB free in arenas",
				c.name, round, contexts>>10, back>>10, (freeAsleep-freeAwake)>>10)
			if back < int64(contexts/2) {
				t.Errorf("%s round %d: %d KiB back to the kernel when 46 of 48 contexts (%d KiB) were freed",
					c.name, round, back>>10, contexts>>10)
			}
			// A zlib context's history ring (16 KiB) must be mapped on
			// its own too: left in the arenas, the freed rings sit
			// between live retained windows and stay resident (at
			// 19,000 idle sessions: 11.5 KiB RSS each instead of 4.7).
			// 46 freed rings would leave ~736 KiB; allow half of that.
			if grown := freeAsleep - freeAwake; c.mode == compress.ZlibStream && grown > 46*16<<10/2 {
				t.Errorf("%s round %d: %d KiB more free inside the arenas after 46 contexts were freed",
					c.name, round, grown>>10)
			}
		}
		for _, s := range streams {
			s.Close()
		}
		p.Close()
	}
}
