//go:build cgo

package bindings

import "testing"

// TestFreedContextsGoBackToTheOS: a pool that keeps two idle contexts and
// sees 48 streams wake and then hibernate frees 46 working contexts; with
// the malloc thresholds gatehouse sets, glibc hands them back to the kernel
// (about 18 MiB for zlib, 75 MiB for zstd at Discord's settings) instead of
// keeping them free inside its arenas, resident. Without the thresholds the
// second round fails: glibc's own threshold has risen past a context.
func TestFreedContextsGoBackToTheOS(t *testing.T) {
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
	// zstd contexts are mostly blocks under the 32 KiB threshold, which
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
		}
		for _, s := range streams {
			s.Close()
		}
		p.Close()
	}
}
