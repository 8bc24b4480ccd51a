//! CompactZstd against libzstd's own streaming decoder (zstd-safe DCtx),
//! message by message, with hibernation at random points.

mod common;

use common::compact::{
    compress, incompressible_idle_state, small_sends_stay_asleep, zstd_message, SMALL_WINDOW,
};
use common::{json_like, Rng, Unzstd};
use gatehouse_core::compress::compact::{
    CompactStream, CompactZstd, ZstdPool, IDLE_STATE_LIMIT, SMALL_SEND_MAX,
};
use gatehouse_core::compress::{Error, MessageCompressor, ZstdParams, ZstdStream};

const ZSTD_MAGIC: [u8; 4] = [0x28, 0xb5, 0x2f, 0xfd];

#[test]
fn decodes_message_by_message_across_hibernation() {
    for (seed, params) in [
        (1, ZstdParams::DISCORD),
        (2, ZstdParams::LEAN),
        (3, ZstdParams::BALANCED),
        (4, SMALL_WINDOW),
    ] {
        let mut rng = Rng::new(seed);
        let mut pool = ZstdPool::new(params, 2).unwrap();
        let mut z = CompactZstd::new(&pool);
        let mut d = Unzstd::new();
        let mut sent_any = false;
        let mut asleep_sends = 0;
        for i in 0..250 {
            if rng.below(4) == 0 {
                z.hibernate(&mut pool).unwrap();
                assert!(z.hibernating());
                assert!(z.state_bytes() <= IDLE_STATE_LIMIT, "{}", z.state_bytes());
            }
            let was_asleep = z.hibernating();
            let msg = zstd_message(&mut rng);
            let out = compress(&mut z, &mut pool, &msg);
            if z.hibernating() {
                // Only a small message goes out without waking, and what
                // it adds keeps the stream under the idle limit.
                assert!(was_asleep && msg.len() <= SMALL_SEND_MAX, "message {i}");
                assert!(z.state_bytes() <= IDLE_STATE_LIMIT, "{}", z.state_bytes());
                asleep_sends += !msg.is_empty() as usize;
            }
            if !sent_any && !msg.is_empty() {
                assert!(
                    out.starts_with(&ZSTD_MAGIC),
                    "first message starts the frame"
                );
                sent_any = true;
            } else {
                assert!(
                    !out.starts_with(&ZSTD_MAGIC) || msg.is_empty(),
                    "message {i} restarted the frame"
                );
            }
            assert_eq!(
                d.message(&out, msg.len() + 1),
                msg,
                "{params:?} message {i}"
            );
        }
        assert!(asleep_sends > 3, "only {asleep_sends} sends while asleep");
    }
}

/// block_kinds lists, for each block in `out` (after a frame header if any),
/// its literals type (0 raw, 1 RLE, 2 compressed, 3 treeless) and its
/// sequence table modes (0 predefined, 1 RLE, 2 FSE, 3 repeat), or None for
/// raw and RLE blocks.
fn block_kinds(out: &[u8]) -> Vec<Option<(u8, [u8; 3])>> {
    let mut i = if out.starts_with(&ZSTD_MAGIC) { 6 } else { 0 };
    let mut kinds = Vec::new();
    while i < out.len() {
        let h = u32::from_le_bytes([out[i], out[i + 1], out[i + 2], 0]);
        assert_eq!(h & 1, 0, "a block marked last ends the frame");
        let (kind, size) = ((h >> 1) & 3, (h >> 3) as usize);
        i += 3;
        if kind != 2 {
            kinds.push(None);
            i += if kind == 0 { size } else { 1 };
            continue;
        }
        let b = &out[i..i + size];
        let (lt, sf) = (b[0] & 3, (b[0] >> 2) & 3);
        let lit_len = if lt < 2 {
            let (hl, regen) = match sf {
                0 | 2 => (1, (b[0] >> 3) as usize),
                1 => (2, (b[0] >> 4) as usize | (b[1] as usize) << 4),
                _ => (
                    3,
                    (b[0] >> 4) as usize | (b[1] as usize) << 4 | (b[2] as usize) << 12,
                ),
            };
            hl + if lt == 0 { regen } else { 1 }
        } else {
            let v = u64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], 0, 0, 0]);
            match sf {
                0 | 1 => 3 + ((v >> 14) & 1023) as usize,
                2 => 4 + ((v >> 18) & 16383) as usize,
                _ => 5 + ((v >> 22) & 262143) as usize,
            }
        };
        let s = &b[lit_len..];
        let nb = if s[0] < 128 {
            1
        } else if s[0] < 255 {
            2
        } else {
            3
        };
        let modes = if s[0] == 0 {
            [0; 3]
        } else {
            let m = s[nb];
            [m >> 6, (m >> 4) & 3, (m >> 2) & 3]
        };
        kinds.push(Some((lt, modes)));
        i += size;
    }
    kinds
}

#[test]
fn woken_streams_never_reuse_tables_they_do_not_know() {
    // Similar messages, so that an encoder that kept its tables would reuse
    // them: the first block after every wake must describe its own.
    let mut rng = Rng::new(21);
    let mut pool = ZstdPool::new(ZstdParams::DISCORD, 1).unwrap();
    let mut z = CompactZstd::new(&pool);
    let mut d = Unzstd::new();
    let (mut reused_while_active, mut checked) = (0, 0);
    for i in 0..400 {
        let woke = i % 5 == 0;
        if woke {
            z.hibernate(&mut pool).unwrap();
        }
        let len = 1500 + rng.below(1500) as usize;
        let msg = json_like(&mut rng, len);
        let out = compress(&mut z, &mut pool, &msg);
        assert_eq!(d.message(&out, msg.len() + 1), msg, "message {i}");
        let kinds = block_kinds(&out);
        if let Some(Some((lt, modes))) = kinds.first() {
            if woke && i > 0 {
                assert_ne!(*lt, 3, "message {i}: treeless literals right after waking");
                assert!(
                    !modes.contains(&3),
                    "message {i}: repeat tables right after waking: {modes:?}"
                );
                checked += 1;
            } else if *lt == 3 || modes.contains(&3) {
                reused_while_active += 1;
            }
        }
    }
    assert!(
        checked > 50,
        "only {checked} woken messages were compressed blocks"
    );
    assert!(
        reused_while_active > 0,
        "active streams never reuse tables: the check above proves nothing"
    );
}

#[test]
fn many_streams_share_one_pool() {
    let mut rng = Rng::new(7);
    let mut pool = ZstdPool::new(ZstdParams::DISCORD, 3).unwrap();
    let mut streams: Vec<(CompactZstd, Unzstd)> = (0..30)
        .map(|_| (CompactZstd::new(&pool), Unzstd::new()))
        .collect();
    for _ in 0..500 {
        let k = rng.below(streams.len() as u64) as usize;
        let (z, d) = &mut streams[k];
        if rng.below(3) == 0 {
            z.hibernate(&mut pool).unwrap();
        } else {
            let msg = zstd_message(&mut rng);
            let out = compress(z, &mut pool, &msg);
            assert_eq!(d.message(&out, msg.len() + 1), msg, "stream {k}");
        }
    }
    assert!(pool.idle_contexts() <= 3);
}

#[test]
fn small_messages_while_hibernating_stay_asleep_and_join_the_window() {
    for params in [
        ZstdParams::DISCORD,
        ZstdParams {
            level: 1,
            window_log: 10,
            hash_log: 10,
            chain_log: 10,
        },
    ] {
        let mut pool = ZstdPool::new(params, 0).unwrap();
        let mut z = CompactZstd::new(&pool);
        // Each goes out as one raw block inside the frame. The tail's
        // reserve (256 B) takes two messages of the largest small size;
        // more when the packed window leaves more room.
        small_sends_stay_asleep(
            &mut z,
            &mut pool,
            &mut Unzstd::new(),
            1 << params.window_log.max(10),
            2,
            |out| assert!(!out.starts_with(&ZSTD_MAGIC)),
            |out, small| {
                assert_eq!(block_kinds(out), [None], "not one raw block");
                assert_eq!(out.len(), small.len() + 3);
            },
        );
    }
}

#[test]
fn a_small_first_message_starts_the_frame_without_a_context() {
    let hello = br#"{"t":null,"s":null,"op":10,"d":{"heartbeat_interval":41250}}"#;
    let mut pool = ZstdPool::new(ZstdParams::DISCORD, 0).unwrap();
    let mut z = CompactZstd::new(&pool);
    let out = compress(&mut z, &mut pool, hello);
    assert!(z.hibernating(), "Hello woke the stream");
    assert!(out.starts_with(&ZSTD_MAGIC));
    assert_eq!(out.len(), 6 + 3 + hello.len());
    let mut d = Unzstd::new();
    assert_eq!(d.message(&out, 128), hello);
    let ready = [&hello[..], &hello[..], &hello[..]].concat();
    let out = compress(&mut z, &mut pool, &ready);
    assert!(!z.hibernating());
    assert!(
        out.len() < 40,
        "{} B: the Hello was not in the window",
        out.len()
    );
    assert_eq!(d.message(&out, ready.len() + 1), ready);
}

#[test]
fn empty_messages_send_nothing_and_the_frame_waits_for_content() {
    let mut pool = ZstdPool::new(ZstdParams::LEAN, 0).unwrap();
    let mut z = CompactZstd::new(&pool);
    let mut d = Unzstd::new();
    assert!(compress(&mut z, &mut pool, b"").is_empty());
    z.hibernate(&mut pool).unwrap();
    let first = compress(&mut z, &mut pool, b"{\"op\":10}");
    assert!(first.starts_with(&ZSTD_MAGIC));
    assert_eq!(d.message(&first, 64), b"{\"op\":10}");
    z.hibernate(&mut pool).unwrap();
    assert!(compress(&mut z, &mut pool, b"").is_empty());
    let again = compress(&mut z, &mut pool, b"{\"op\":10}");
    assert!(!again.starts_with(&ZSTD_MAGIC));
    assert_eq!(d.message(&again, 64), b"{\"op\":10}");
}

#[test]
fn never_idle_ratio_is_close_to_libzstd() {
    // A guard against encoder regressions on gateway-shaped text; the
    // benchmark corpus figures are in bench/results/compress.md.
    let mut rng = Rng::new(31);
    let msgs: Vec<Vec<u8>> = (0..600)
        .map(|_| {
            let len = 200 + rng.below(3000) as usize;
            json_like(&mut rng, len)
        })
        .collect();
    let mut full = ZstdStream::new(ZstdParams::DISCORD).unwrap();
    let mut pool = ZstdPool::new(ZstdParams::DISCORD, 0).unwrap();
    let mut z = CompactZstd::new(&pool);
    let mut d = Unzstd::new();
    let (mut full_bytes, mut compact_bytes) = (0, 0);
    for m in &msgs {
        let mut out = vec![0u8; full.bound(m.len()).unwrap()];
        full_bytes += full.compress(m, &mut out).unwrap();
        let out = compress(&mut z, &mut pool, m);
        assert_eq!(d.message(&out, m.len() + 1), *m);
        compact_bytes += out.len();
    }
    assert!(
        compact_bytes * 100 <= full_bytes * 110,
        "compact {compact_bytes} B vs libzstd {full_bytes} B"
    );
}

#[test]
fn idle_state_stays_under_the_limit_for_incompressible_traffic() {
    let mut pool = ZstdPool::new(ZstdParams::DISCORD, 0).unwrap();
    let mut z = CompactZstd::new(&pool);
    incompressible_idle_state(
        &mut z,
        &mut pool,
        &mut Unzstd::new(),
        10,
        150_000,
        CompactZstd::retained_window,
    );
}

#[test]
fn refusals_leave_the_stream_usable() {
    let mut pool = ZstdPool::new(ZstdParams::DISCORD, 0).unwrap();
    let mut other = ZstdPool::new(ZstdParams::LEAN, 0).unwrap();
    let mut z = CompactZstd::new(&pool);
    let mut small = [0u8; 4];
    assert!(matches!(
        z.compress(&mut pool, b"hello world", &mut small),
        Err(Error::BufferTooSmall { .. })
    ));
    let mut out = vec![0u8; 256];
    assert!(matches!(
        z.compress(&mut other, b"hello", &mut out),
        Err(Error::InvalidParameter(_))
    ));
    assert!(matches!(
        z.hibernate(&mut other),
        Err(Error::InvalidParameter(_))
    ));
    let out = compress(&mut z, &mut pool, b"hello");
    assert_eq!(Unzstd::new().message(&out, 16), b"hello");
}
