//! Checks the zlib state-bytes formula against what zlib-rs really
//! allocates, counted by a global allocator. Its own test binary, because a
//! global allocator is per binary. Only the allocations of the thread under
//! test are counted, so the harness's own threads add no noise.

use gatehouse_core::compress::{MessageCompressor, PayloadZlib, ZlibParams, ZlibStream};
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicIsize, AtomicUsize, Ordering};
use std::sync::Mutex;

/// Counting wraps the system allocator and keeps the live byte count of the
/// thread named in TRACKED.
struct Counting;

static LIVE: AtomicIsize = AtomicIsize::new(0);
static TRACKED: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    /// MARK's address identifies a thread without allocating.
    static MARK: u8 = const { 0 };
}

fn this_thread() -> usize {
    MARK.with(|m| m as *const u8 as usize)
}

fn count(delta: isize) {
    if TRACKED.load(Ordering::SeqCst) == this_thread() {
        LIVE.fetch_add(delta, Ordering::SeqCst);
    }
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count(layout.size() as isize);
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        count(layout.size() as isize);
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        count(-(layout.size() as isize));
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// SERIAL keeps the two tests from counting each other's allocations.
static SERIAL: Mutex<()> = Mutex::new(());

/// live_delta runs `f` and returns how many bytes it left allocated on this
/// thread.
fn live_delta<T>(f: impl FnOnce() -> T) -> (T, isize) {
    TRACKED.store(this_thread(), Ordering::SeqCst);
    let before = LIVE.load(Ordering::SeqCst);
    let value = f();
    let delta = LIVE.load(Ordering::SeqCst) - before;
    TRACKED.store(0, Ordering::SeqCst);
    (value, delta)
}

fn all_params() -> impl Iterator<Item = ZlibParams> {
    (9..=15).flat_map(|window_bits| {
        (1..=9).map(move |mem_level| ZlibParams {
            level: 6,
            window_bits,
            mem_level,
        })
    })
}

#[test]
fn formula_matches_zlib_rs_allocation() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    for params in all_params() {
        let (stream, allocated) = live_delta(|| ZlibStream::new(params).unwrap());
        assert_eq!(
            allocated as usize,
            params.backend_bytes(),
            "zlib-rs allocated {allocated} bytes for {params:?}"
        );
        assert_eq!(stream.heap_bytes(), params.backend_bytes());
        assert_eq!(
            stream.state_bytes(),
            params.backend_bytes() + std::mem::size_of::<ZlibStream>()
        );
        let (payload, allocated) = live_delta(|| PayloadZlib::new(params).unwrap());
        assert_eq!(
            allocated as usize,
            params.backend_bytes(),
            "zlib-rs allocated {allocated} bytes for payload {params:?}"
        );
        assert_eq!(
            payload.state_bytes(),
            params.backend_bytes() + std::mem::size_of::<PayloadZlib>()
        );
    }
}

#[test]
fn compressing_allocates_nothing_more() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let msg: Vec<u8> = (0..100_000u32).map(|i| (i * 7 % 251) as u8).collect();
    let mut out = vec![0u8; 200_000];
    let mut stream = ZlibStream::new(ZlibParams::default()).unwrap();
    let mut payload = PayloadZlib::new(ZlibParams::default()).unwrap();
    let (_, grown) = live_delta(|| {
        for _ in 0..10 {
            stream.compress(&msg, &mut out).unwrap();
            payload.compress(&msg, &mut out).unwrap();
        }
    });
    assert_eq!(grown, 0, "compressing changed live heap by {grown} bytes");
}
