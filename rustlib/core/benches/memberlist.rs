//! Member-list benchmarks at 10k, 100k and 1M members: ns per change for
//! presence flips (a member moving between `online` or its role and
//! `offline`) and nick changes, applied in batches of 32 as the gateway
//! does, and bytes per member.
//!
//! criterion times each workload; a second pass times every batch on the
//! thread's CPU clock (the bench machine is shared: CPU time leaves out the
//! time other processes hold the core) for p50/p99, and writes JSON to
//! `$MEMBERLIST_BENCH_JSON` when set, for `make bench-memberlist`.
//! `MEMBERLIST_SIZES=10000,100000` picks sizes; `MEMBERLIST_BATCHES=n` times
//! n batches per workload instead of 4000 (two runs under cachegrind that
//! differ only in n give the instructions and misses per change).

use criterion::{criterion_group, criterion_main, Criterion};
use gatehouse_core::memberlist::{Change, MemberList, RowChange};
use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::sync::atomic::{AtomicIsize, Ordering};
use std::time::{Duration, Instant};

#[path = "support/cpuclock.rs"]
mod cpuclock;
#[path = "support/splitmix.rs"]
mod splitmix;
use cpuclock::thread_cpu_ns;
use splitmix::Rng;

/// Counting tracks live heap bytes, so bytes per member is what the
/// allocator handed out, not only what the list believes it holds.
struct Counting;
static LIVE: AtomicIsize = AtomicIsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        LIVE.fetch_add(l.size() as isize, Ordering::Relaxed);
        unsafe { System.alloc(l) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        LIVE.fetch_sub(l.size() as isize, Ordering::Relaxed);
        unsafe { System.dealloc(p, l) }
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, n: usize) -> *mut u8 {
        LIVE.fetch_add(n as isize - l.size() as isize, Ordering::Relaxed);
        unsafe { System.realloc(p, l, n) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

const ONLINE: u64 = u64::MAX - 1;
const OFFLINE: u64 = u64::MAX;
const ROLES: [u64; 5] = [1005, 1004, 1003, 1002, 1001];
const BATCH: usize = 32;

/// name is a folded display name: 3–16 lowercase letters and digits, one
/// in sixteen sharing the stem "discorduser" so prefixes tie.
fn name(r: &mut Rng) -> Vec<u8> {
    let mut s = if r.below(16) == 0 {
        b"discorduser".to_vec()
    } else {
        Vec::new()
    };
    let len = 3 + r.below(14) as usize;
    while s.len() < len {
        s.push(b"abcdefghijklmnopqrstuvwxyz0123456789"[r.below(36) as usize]);
    }
    s
}

/// World is a list of n members and what the workload needs to know of
/// each: its online group, whether it is online, and its name.
struct World {
    list: MemberList,
    home: Vec<u64>,
    online: Vec<bool>,
    names: Vec<Vec<u8>>,
    spare: Vec<Vec<u8>>,
    rng: Rng,
    out: Vec<RowChange>,
    bytes_per_member: f64,
    name_bytes_per_member: f64,
    build_ns_per_member: f64,
}

fn user(i: usize) -> u64 {
    // Snowflake-like ids: a timestamp part and a sequence.
    ((1_420_070_400_000 + i as u64 * 7) << 22) | (i as u64 & 0xfff)
}

impl World {
    fn new(n: usize) -> World {
        let mut rng = Rng(n as u64);
        let home: Vec<u64> = (0..n)
            .map(|_| match rng.below(100) {
                0..=9 => ROLES[rng.below(5) as usize],
                _ => ONLINE,
            })
            .collect();
        let online: Vec<bool> = (0..n).map(|_| rng.below(2) == 0).collect();
        let names: Vec<Vec<u8>> = (0..n).map(|_| name(&mut rng)).collect();
        let spare: Vec<Vec<u8>> = (0..4096).map(|_| name(&mut rng)).collect();
        let mut order = ROLES.to_vec();
        order.extend([ONLINE, OFFLINE]);
        let mut out = Vec::with_capacity(BATCH * 4);
        let before = LIVE.load(Ordering::Relaxed);
        let start = thread_cpu_ns();
        let mut list = MemberList::with_capacity(n);
        list.apply(&Change::SetOrder { groups: &order }, &mut out)
            .unwrap();
        let mut batch = Vec::with_capacity(256);
        for chunk in (0..n).collect::<Vec<_>>().chunks(256) {
            batch.clear();
            batch.extend(chunk.iter().map(|&i| Change::Upsert {
                user: user(i),
                group: if online[i] { home[i] } else { OFFLINE },
                name: &names[i],
            }));
            out.clear();
            list.apply_batch(&batch, &mut out).unwrap();
        }
        let build = thread_cpu_ns() - start;
        let live = (LIVE.load(Ordering::Relaxed) - before) as f64 - out.capacity() as f64 * 40.0;
        let names_stored = list.name_bytes() as f64;
        World {
            bytes_per_member: (live - names_stored) / n as f64,
            name_bytes_per_member: names_stored / n as f64,
            build_ns_per_member: build as f64 / n as f64,
            list,
            home,
            online,
            names,
            spare,
            rng,
            out,
        }
    }

    /// pick draws the next batch: BATCH random members, each flipped or
    /// renamed in the world's state.
    fn pick(&mut self, op: Op) -> [usize; BATCH] {
        let mut picked = [0usize; BATCH];
        let n = self.names.len() as u64;
        for i in picked.iter_mut() {
            *i = self.rng.below(n) as usize;
            match op {
                Op::Presence => self.online[*i] = !self.online[*i],
                Op::Nick => {
                    let s = self.rng.below(self.spare.len() as u64) as usize;
                    std::mem::swap(&mut self.names[*i], &mut self.spare[s]);
                }
            }
        }
        picked
    }

    /// apply applies the changes of picked members and returns how many
    /// row changes they produced.
    fn apply(&mut self, picked: &[usize; BATCH]) -> usize {
        let changes: [Change; BATCH] = picked.map(|i| Change::Upsert {
            user: user(i),
            group: if self.online[i] {
                self.home[i]
            } else {
                OFFLINE
            },
            name: &self.names[i],
        });
        self.out.clear();
        self.list.apply_batch(&changes, &mut self.out).unwrap();
        self.out.len()
    }

    /// batch draws and applies one batch.
    fn batch(&mut self, op: Op) -> usize {
        let picked = self.pick(op);
        self.apply(&picked)
    }
}

#[derive(Clone, Copy, Debug)]
enum Op {
    Presence,
    Nick,
}

impl Op {
    fn name(self) -> &'static str {
        match self {
            Op::Presence => "presence",
            Op::Nick => "nick",
        }
    }
}

fn sizes() -> Vec<usize> {
    std::env::var("MEMBERLIST_SIZES")
        .ok()
        .map(|s| {
            s.split(',')
                .map(|x| x.trim().parse().expect("size"))
                .collect()
        })
        .unwrap_or_else(|| vec![10_000, 100_000, 1_000_000])
}

/// batches is how many batches the percentile pass times per workload.
fn batches() -> usize {
    std::env::var("MEMBERLIST_BATCHES")
        .ok()
        .map(|s| s.trim().parse().expect("MEMBERLIST_BATCHES"))
        .unwrap_or(4000)
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

/// Figures is one workload's per-change times from the percentile pass.
struct Figures {
    p50: f64,
    p99: f64,
    mean: f64,
    wall_p50: f64,
    rows: f64,
}

/// measure times `batches` batches on the thread CPU clock, minus the cost
/// of reading the clock, and on the wall clock.
fn measure(w: &mut World, op: Op, batches: usize) -> Figures {
    let mut clock: Vec<u64> = (0..1000)
        .map(|_| {
            let a = thread_cpu_ns();
            thread_cpu_ns() - a
        })
        .collect();
    clock.sort_unstable();
    let clock_cost = clock[clock.len() / 2] as f64;
    for _ in 0..batches / 10 {
        w.batch(op); // warm-up
    }
    let (mut cpu, mut wall) = (Vec::with_capacity(batches), Vec::with_capacity(batches));
    let mut rows = 0;
    for _ in 0..batches {
        let picked = w.pick(op);
        let t0 = Instant::now();
        let c0 = thread_cpu_ns();
        rows += w.apply(&picked);
        let c1 = thread_cpu_ns();
        wall.push(t0.elapsed().as_nanos() as f64 / BATCH as f64);
        cpu.push(((c1 - c0) as f64 - clock_cost).max(0.0) / BATCH as f64);
    }
    let mean = cpu.iter().sum::<f64>() / cpu.len() as f64;
    cpu.sort_by(f64::total_cmp);
    wall.sort_by(f64::total_cmp);
    Figures {
        p50: percentile(&cpu, 0.5),
        p99: percentile(&cpu, 0.99),
        mean,
        wall_p50: percentile(&wall, 0.5),
        rows: rows as f64 / (batches * BATCH) as f64,
    }
}

fn bench(c: &mut Criterion) {
    let mut json = Vec::new();
    for n in sizes() {
        let mut w = World::new(n);
        eprintln!(
            "memberlist n={n}: {:.1} B/member besides {:.1} B of stored name, built at {:.0} ns/member",
            w.bytes_per_member, w.name_bytes_per_member, w.build_ns_per_member
        );
        let mut group = c.benchmark_group(format!("memberlist/members={n}"));
        group.throughput(criterion::Throughput::Elements(BATCH as u64));
        for op in [Op::Presence, Op::Nick] {
            group.bench_function(format!("{}/batch={BATCH}", op.name()), |b| {
                b.iter(|| black_box(w.batch(op)))
            });
        }
        group.finish();
        for op in [Op::Presence, Op::Nick] {
            let f = measure(&mut w, op, batches());
            eprintln!(
                "memberlist n={n} {}: p50 {:.0} ns, p99 {:.0} ns, mean {:.0} ns per change (thread CPU); wall p50 {:.0} ns; {:.2} row changes per change",
                op.name(), f.p50, f.p99, f.mean, f.wall_p50, f.rows
            );
            json.push(format!(
                concat!(
                    "{{\"impl\":\"rust-native\",\"members\":{},\"op\":\"{}\",\"batch\":{},",
                    "\"p50_ns\":{:.1},\"p99_ns\":{:.1},\"mean_ns\":{:.1},\"wall_p50_ns\":{:.1},",
                    "\"rows_per_change\":{:.3},\"bytes_per_member\":{:.2},",
                    "\"name_bytes_per_member\":{:.2},\"build_ns_per_member\":{:.1}}}"
                ),
                n,
                op.name(),
                BATCH,
                f.p50,
                f.p99,
                f.mean,
                f.wall_p50,
                f.rows,
                w.bytes_per_member,
                w.name_bytes_per_member,
                w.build_ns_per_member
            ));
        }
    }
    if let Ok(path) = std::env::var("MEMBERLIST_BENCH_JSON") {
        std::fs::write(&path, format!("[\n{}\n]\n", json.join(",\n"))).expect("write results");
        eprintln!("memberlist: wrote {path}");
    }
}

fn config() -> Criterion {
    Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
}

criterion_group! {
    name = benches;
    config = config();
    targets = bench
}
criterion_main!(benches);
