//! heap_bytes is checked against what the allocator actually handed out,
//! so the bytes-per-member figure the benchmark reports can be trusted.

use gatehouse_core::memberlist::{Change, MemberList};
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicIsize, Ordering};

/// Counting tracks live bytes requested through the global allocator.
struct Counting;

static LIVE: AtomicIsize = AtomicIsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size() as isize, Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new: usize) -> *mut u8 {
        LIVE.fetch_add(new as isize - layout.size() as isize, Ordering::Relaxed);
        unsafe { System.realloc(ptr, layout, new) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

#[test]
fn heap_bytes_matches_the_allocator() {
    const ONLINE: u64 = u64::MAX - 1;
    const OFFLINE: u64 = u64::MAX;
    // Names and batches are made before counting starts.
    let names: Vec<Vec<u8>> = (0..100_000u64)
        .map(|i| format!("member{}", i.wrapping_mul(2_654_435_761) % 1_000_003).into_bytes())
        .collect();
    let order = [7, ONLINE, OFFLINE];
    let mut out = Vec::with_capacity(16);
    let mut list = MemberList::new();
    let before = LIVE.load(Ordering::Relaxed);
    list.apply(&Change::SetOrder { groups: &order }, &mut out)
        .unwrap();
    for (i, name) in names.iter().enumerate() {
        let group = [7, ONLINE, OFFLINE, OFFLINE][i % 4];
        out.clear();
        let c = Change::Upsert {
            user: (i as u64) << 22,
            group,
            name,
        };
        list.apply(&c, &mut out).unwrap();
    }
    // Churn: remove and re-add a tenth, so free lists and merges show up.
    for (i, name) in names.iter().enumerate().step_by(10) {
        out.clear();
        let user = (i as u64) << 22;
        list.apply(&Change::Remove { user }, &mut out).unwrap();
        list.apply(
            &Change::Upsert {
                user,
                group: ONLINE,
                name,
            },
            &mut out,
        )
        .unwrap();
    }
    let measured = (LIVE.load(Ordering::Relaxed) - before) as f64;
    let reported = list.heap_bytes() as f64;
    let n = names.len() as f64;
    println!(
        "allocator {:.1} B/member, heap_bytes {:.1} B/member, name bytes stored {:.1} B/member",
        measured / n,
        reported / n,
        list.name_bytes() as f64 / n
    );
    assert!(
        (reported - measured).abs() / measured < 0.03,
        "heap_bytes {reported} vs allocator {measured}"
    );
}
