//! The calling thread's CPU clock, shared by the member-list bench and the
//! memberlist_floor example (the bench machine is shared: CPU time leaves
//! out time other processes hold the core).

/// thread_cpu_ns reads the calling thread's CPU clock.
pub fn thread_cpu_ns() -> u64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: ts is a valid timespec to write.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64
}
