//! A cache prefetch hint.

/// prefetch asks the CPU to start loading the cache line holding `p`, so a
/// batch can overlap the memory waits of its changes instead of paying
/// them one after another. A hint only: any address is fine, and on
/// targets without the instruction it does nothing.
#[inline(always)]
pub(crate) fn prefetch<T>(p: *const T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: PREFETCHT0 never faults and reads nothing observable, whatever
    // the address; SSE, which provides it, is part of the x86_64 baseline.
    unsafe {
        core::arch::x86_64::_mm_prefetch::<{ core::arch::x86_64::_MM_HINT_T0 }>(p.cast());
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = p;
}
