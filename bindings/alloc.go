//go:build cgo

package bindings

// /* gatehouse_tune_malloc fixes glibc's mmap threshold (and trim
//    threshold), so that every allocation of at least mmap_threshold bytes
//    is its own mapping and goes back to the kernel when freed. It returns
//    1 when glibc took both settings, 0 when it refused one, and -1 where
//    the C library is not glibc (no mallopt; nothing is changed). */
// #include <stdlib.h> /* defines __GLIBC__ where the C library is glibc */
// #ifdef __GLIBC__
// #include <malloc.h>
// #endif
// static int gatehouse_tune_malloc(int mmap_threshold, int trim_threshold) {
// #ifdef __GLIBC__
// 	int ok = mallopt(M_MMAP_THRESHOLD, mmap_threshold);
// 	ok &= mallopt(M_TRIM_THRESHOLD, trim_threshold);
// 	return ok;
// #else
// 	(void)mmap_threshold;
// 	(void)trim_threshold;
// 	return -1;
// #endif
// }
//
// /* gatehouse_malloc_stats writes mallinfo2's bytes the heap has from the
//    kernel (arenas plus blocks mapped on their own) and bytes free inside
//    the arenas, and returns 1, or returns 0 where mallinfo2 does not exist. */
// static int gatehouse_malloc_stats(long *held, long *arena_free) {
// #ifdef __GLIBC__
// #if __GLIBC_PREREQ(2, 33)
// 	struct mallinfo2 m = mallinfo2();
// 	*held = (long)(m.arena + m.hblkhd);
// 	*arena_free = (long)m.fordblks;
// 	return 1;
// #endif
// #endif
// 	(void)held;
// 	(void)arena_free;
// 	return 0;
// }
import "C"

import (
	"os"
	"strings"
	"sync"
)

// mallocMmapThreshold is the allocation size from which glibc maps memory
// on its own instead of carving it from an arena: 16 KiB, at or below every
// large buffer of a working context (a zlib-rs deflate state of ~270 KiB in
// one block, its 16 KiB history ring, our zstd encoder's tables and window)
// and above what a hibernating stream keeps (its whole idle state is under
// 16 KiB, handle included). It was 32 KiB until the zlib history ring
// shrank to 16 KiB (118a432): the rings then came from the arenas, and at
// 19,000 idle sessions an idle compact zlib session cost 11.5 KiB of RSS
// instead of 4.7 (bench/results/2026-11-29/conn-mmap-threshold/).
//
// Why: glibc starts with a 128 KiB threshold but raises it to the size of
// any mapped block that is freed, up to 32 MiB. The first working context a
// pool frees lifts it past every context, so all later contexts come from
// the arenas, and an arena gives memory back only from its top: contexts
// freed below small live blocks (retained windows) stay resident. At 19,000
// idle sessions that made compact streams cost more RSS than full ones.
// A fixed threshold also stops the dynamic adjustment.
const mallocMmapThreshold = 16 << 10

// mallocTrimThreshold is how much free memory glibc lets gather at the top
// of an arena before returning it. 0 returns it at once; glibc checks only
// after a free that leaves a free block of at least 64 KiB, which with the
// threshold above is rare, so this costs few system calls.
const mallocTrimThreshold = 0

// tuneMalloc applies the thresholds once per process, the first time a
// compact pool is made (the pools are what free and reallocate working
// contexts all day). It leaves them alone when the operator has set either
// through GLIBC_TUNABLES, which glibc has then already applied. The result
// is as gatehouse_tune_malloc's, or 2 when skipped for the tunables.
var tuneMalloc = sync.OnceValue(func() int {
	if t := os.Getenv("GLIBC_TUNABLES"); strings.Contains(t, "malloc.mmap_threshold") ||
		strings.Contains(t, "malloc.trim_threshold") {
		return 2
	}
	return int(C.gatehouse_tune_malloc(mallocMmapThreshold, mallocTrimThreshold))
})

// mallocStats reports glibc's view of the C heap, summed over its arenas
// (mallinfo2): the bytes it holds from the kernel, in arenas or mapped on
// their own, and how many of those are free inside the arenas (kept, not
// returned). ok is false where that is unknown (not glibc, or glibc before
// 2.33). Tests use it to see freed contexts leave.
func mallocStats() (held, arenaFree int64, ok bool) {
	var h, free C.long
	if C.gatehouse_malloc_stats(&h, &free) == 0 {
		return 0, 0, false
	}
	return int64(h), int64(free), true
}
