//! memberlist_floor measures what this machine's memory lets a member-list
//! change cost at 1M members, whatever the data structure: the price of a
//! random cache line, alone and overlapped, and the time a change takes
//! when it does nothing but read `L` random lines of a list-sized region
//! in the rounds a real change must take one after another (user index,
//! then record, then the places in the order), batched and prefetched the
//! way `MemberList::apply_batch` does. The figures are a floor: a real
//! change also compares keys, shifts leaves, updates counts and writes
//! row changes.
//!
//! `cargo run --release --locked -p gatehouse-core --example memberlist_floor`
//! (about 40 s). Results: bench/results/2026-11-29/memberlist-floor.md.

use std::hint::black_box;

#[path = "../benches/support/cpuclock.rs"]
mod cpuclock;
#[path = "../benches/support/splitmix.rs"]
mod splitmix;
use cpuclock::thread_cpu_ns;
use splitmix::{mix, Rng};

#[inline]
fn prefetch(p: *const u64) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: prefetch is a hint; it never faults.
    unsafe {
        core::arch::x86_64::_mm_prefetch::<{ core::arch::x86_64::_MM_HINT_T0 }>(p.cast())
    };
    #[cfg(not(target_arch = "x86_64"))]
    let _ = p;
}

/// LINE is one cache line as 8 words.
const WORDS: usize = 8;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[v.len() / 2]
}

/// chase is ns per line following a random cycle through `bytes` of lines,
/// with `chains` independent walks at once.
fn chase(bytes: usize, chains: usize) -> f64 {
    let n = bytes / 64;
    let mut perm: Vec<usize> = (0..n).collect();
    let mut rng = Rng(7);
    for i in (1..n).rev() {
        perm.swap(i, rng.below(i as u64 + 1) as usize);
    }
    let mut a = vec![0u64; n * WORDS];
    for i in 0..n {
        a[perm[i] * WORDS] = (perm[(i + 1) % n] * WORDS) as u64;
    }
    let steps = 1_500_000 / chains;
    let mut at: Vec<usize> = (0..chains).map(|c| perm[c * n / chains] * WORDS).collect();
    let mut runs = Vec::new();
    for _ in 0..5 {
        let t = thread_cpu_ns();
        for _ in 0..steps {
            for p in at.iter_mut() {
                *p = a[*p] as usize;
            }
        }
        runs.push((thread_cpu_ns() - t) as f64 / (steps * chains) as f64);
    }
    black_box(&at);
    median(runs)
}

/// CHUNK is how many changes share one prefetch pass, as in the list.
const CHUNK: usize = 16;

/// changes is ns per change for changes that each read `rounds[r]` random
/// lines of a `bytes` region in round `r`, every address depending on a
/// word read in the round before (as a record's place depends on the
/// index, and a leaf on its parent); each round is prefetched for the
/// whole chunk before any of it is read.
fn changes(bytes: usize, rounds: &[usize], total: usize) -> f64 {
    let n = bytes / 64;
    let mut rng = Rng(11);
    let a: Vec<u64> = (0..n * WORDS).map(|_| rng.next()).collect();
    let per: usize = rounds.iter().sum();
    let mut seed = [0u64; CHUNK];
    let mut addr = vec![0usize; CHUNK * per];
    let mut runs = Vec::new();
    let mut sink = 0u64;
    for _ in 0..15 {
        let t = thread_cpu_ns();
        for _ in 0..total / CHUNK {
            for s in seed.iter_mut() {
                *s = rng.next();
            }
            let mut first = 0;
            for &k in rounds {
                // Addresses of this round, from what the last round read.
                for (c, s) in seed.iter().enumerate() {
                    for j in 0..k {
                        let line = (mix(s ^ j as u64) % n as u64) as usize;
                        addr[c * per + first + j] = line * WORDS;
                        prefetch(&a[line * WORDS]);
                    }
                }
                for (c, s) in seed.iter_mut().enumerate() {
                    for j in 0..k {
                        *s ^= a[addr[c * per + first + j]];
                    }
                }
                first += k;
            }
            for s in seed {
                sink ^= s;
            }
        }
        runs.push((thread_cpu_ns() - t) as f64 / (total / CHUNK * CHUNK) as f64);
    }
    black_box(sink);
    median(runs)
}

fn main() {
    const MIB: usize = 1 << 20;
    println!("random cache line, ns (median of 5; thread CPU time)");
    println!("| region | one chain (latency) | 16 chains (per line) |");
    println!("|---:|---:|---:|");
    for mib in [1, 4, 16, 64, 256] {
        println!(
            "| {mib} MiB | {:.1} | {:.1} |",
            chase(mib * MIB, 1),
            chase(mib * MIB, 16)
        );
    }
    println!();
    println!("changes that only read L random lines of a 64 MiB region (a 1M list with its names is ~60 MiB),");
    println!("in dependent rounds, chunks of {CHUNK} prefetched round by round; ns per change (median of 15)");
    println!("| lines per change | rounds | ns per change |");
    println!("|---:|---|---:|");
    for rounds in [
        &[1usize, 1, 1, 1][..],
        &[2, 1, 2, 1],
        &[2, 1, 3, 2],
        &[2, 1, 5, 4],
        &[2, 1, 7, 6],
        &[2, 1, 11, 10],
        &[2, 1, 14, 13, 13, 7],
    ] {
        let lines: usize = rounds.iter().sum();
        println!(
            "| {lines} | {rounds:?} | {:.0} |",
            changes(64 * MIB, rounds, 200_000)
        );
    }
}
