//! CompactZlib against an inflater we did not write (flate2 on
//! miniz_oxide), message by message, with hibernation at random points.

mod common;

use common::compact::{compress, incompressible_idle_state, small_sends_stay_asleep};
use common::{json_like, random_bytes, Inflater, Rng};
use gatehouse_core::compress::compact::{
    CompactStream, CompactZlib, ZlibPool, IDLE_STATE_LIMIT, SMALL_SEND_MAX,
};
use gatehouse_core::compress::{Error, MessageCompressor, ZlibParams, ZlibStream};

const SUFFIX: [u8; 4] = [0x00, 0x00, 0xff, 0xff];

/// message makes gateway-shaped text mostly, random bytes sometimes, of
/// sizes from empty to 40 KB, one in five around the small-send limit.
fn message(rng: &mut Rng) -> Vec<u8> {
    let len = match rng.below(10) {
        0 => 0,
        1 => rng.below(40_000) as usize,
        2 | 3 => rng.below(SMALL_SEND_MAX as u64 + 40) as usize,
        _ => rng.below(3_000) as usize,
    };
    if rng.below(8) == 0 {
        random_bytes(rng, len)
    } else {
        json_like(rng, len)
    }
}

#[test]
fn decodes_message_by_message_across_hibernation() {
    for (seed, params) in [
        (1, ZlibParams::default()),
        (
            2,
            ZlibParams {
                level: 1,
                window_bits: 15,
                mem_level: 8,
            },
        ),
        (
            3,
            ZlibParams {
                level: 9,
                window_bits: 9,
                mem_level: 1,
            },
        ),
        (
            4,
            ZlibParams {
                level: 6,
                window_bits: 12,
                mem_level: 9,
            },
        ),
    ] {
        let mut rng = Rng::new(seed);
        let mut pool = ZlibPool::new(params, 2).unwrap();
        let mut z = CompactZlib::new(&pool);
        let mut d = Inflater::new();
        let mut asleep_sends = 0;
        for i in 0..600 {
            if rng.below(4) == 0 {
                z.hibernate(&mut pool).unwrap();
                assert!(z.hibernating());
                assert!(z.state_bytes() <= IDLE_STATE_LIMIT, "{}", z.state_bytes());
            }
            let was_asleep = z.hibernating();
            let msg = message(&mut rng);
            let out = compress(&mut z, &mut pool, &msg);
            assert!(out.ends_with(&SUFFIX), "{params:?} message {i}");
            assert_eq!(
                d.message(&out, msg.len() + 1),
                msg,
                "{params:?} message {i}"
            );
            if z.hibernating() {
                // Only a small message goes out without waking, and what
                // it adds keeps the stream under the idle limit.
                assert!(was_asleep && msg.len() <= SMALL_SEND_MAX, "message {i}");
                assert!(z.state_bytes() <= IDLE_STATE_LIMIT, "{}", z.state_bytes());
                asleep_sends += 1;
            }
        }
        assert!(asleep_sends > 10, "only {asleep_sends} sends while asleep");
    }
}

#[test]
fn many_streams_share_one_pool() {
    let mut rng = Rng::new(7);
    let mut pool = ZlibPool::new(ZlibParams::default(), 3).unwrap();
    let mut streams: Vec<(CompactZlib, Inflater)> = (0..40)
        .map(|_| (CompactZlib::new(&pool), Inflater::new()))
        .collect();
    for _ in 0..1500 {
        let k = rng.below(streams.len() as u64) as usize;
        let (z, d) = &mut streams[k];
        if rng.below(3) == 0 {
            z.hibernate(&mut pool).unwrap();
        } else {
            let msg = message(&mut rng);
            let out = compress(z, &mut pool, &msg);
            assert_eq!(d.message(&out, msg.len() + 1), msg, "stream {k}");
        }
    }
    assert!(pool.idle_contexts() <= 3);
}

#[test]
fn first_message_carries_the_zlib_header_and_later_ones_do_not() {
    let msg = br#"{"t":null,"s":null,"op":10,"d":{"heartbeat_interval":41250,"_trace":["gateway-prd-main-1234",{"micros":0}]}}"#.repeat(2);
    assert!(msg.len() > SMALL_SEND_MAX);
    let mut pool = ZlibPool::new(ZlibParams::default(), 0).unwrap();
    let mut z = CompactZlib::new(&pool);
    z.hibernate(&mut pool).unwrap(); // nothing sent yet: nothing to keep
    let first = compress(&mut z, &mut pool, &msg);
    assert_eq!(&first[..2], &[0x78, 0x9c]);
    z.hibernate(&mut pool).unwrap();
    let second = compress(&mut z, &mut pool, &msg);
    let mut d = Inflater::new();
    assert_eq!(d.message(&first, msg.len() + 1), msg);
    assert_eq!(d.message(&second, msg.len() + 1), msg);
    assert!(
        second.len() < first.len() / 2,
        "the repeat should be a back-reference: {} B then {} B",
        first.len(),
        second.len()
    );
}

#[test]
fn a_small_first_message_starts_the_stream_without_a_context() {
    let hello = br#"{"t":null,"s":null,"op":10,"d":{"heartbeat_interval":41250}}"#;
    let mut pool = ZlibPool::new(ZlibParams::default(), 0).unwrap();
    let mut z = CompactZlib::new(&pool);
    let out = compress(&mut z, &mut pool, hello);
    assert!(z.hibernating(), "Hello woke the stream");
    assert_eq!(&out[..2], &[0x78, 0x9c]);
    assert_eq!(out.len(), 2 + 5 + hello.len() + 5);
    let mut d = Inflater::new();
    assert_eq!(d.message(&out, 128), hello);
    // The next, larger message reaches back into the stored Hello.
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
fn small_messages_while_hibernating_stay_asleep_and_join_the_window() {
    for params in [
        ZlibParams::default(),
        ZlibParams {
            level: 1,
            window_bits: 9,
            mem_level: 1,
        },
    ] {
        let mut pool = ZlibPool::new(params, 0).unwrap();
        let mut z = CompactZlib::new(&pool);
        // Each goes out stored and ends in the sync marker.
        small_sends_stay_asleep(
            &mut z,
            &mut pool,
            &mut Inflater::new(),
            1 << params.window_bits,
            7,
            |out| assert!(out.ends_with(&SUFFIX)),
            |out, small| assert_eq!(out.len(), small.len() + 10, "not one stored block"),
        );
    }
}

#[test]
fn empty_messages_still_flush() {
    let mut pool = ZlibPool::new(ZlibParams::default(), 0).unwrap();
    let mut z = CompactZlib::new(&pool);
    let mut d = Inflater::new();
    for (i, msg) in [&b""[..], b"", b"x", b"", b"hello", b""].iter().enumerate() {
        if i % 2 == 1 {
            z.hibernate(&mut pool).unwrap();
        }
        let out = compress(&mut z, &mut pool, msg);
        assert!(out.ends_with(&SUFFIX), "{msg:?} gave {out:02x?}");
        assert_eq!(d.message(&out, msg.len() + 1), *msg);
    }
}

#[test]
fn hibernating_keeps_ratio_close_to_a_full_stream() {
    // Every message after a hibernation is the worst case: each one is
    // compressed by a context primed only from the packed window.
    let mut rng = Rng::new(11);
    let msgs: Vec<Vec<u8>> = (0..400)
        .map(|_| {
            let len = 1 + rng.below(2000) as usize;
            json_like(&mut rng, len)
        })
        .collect();
    let mut full = ZlibStream::new(ZlibParams::default()).unwrap();
    let mut pool = ZlibPool::new(ZlibParams::default(), 0).unwrap();
    let mut z = CompactZlib::new(&pool);
    let (mut full_bytes, mut compact_bytes) = (0, 0);
    for m in &msgs {
        let mut out = vec![0u8; full.bound(m.len()).unwrap()];
        full_bytes += full.compress(m, &mut out).unwrap();
        compact_bytes += compress(&mut z, &mut pool, m).len();
        z.hibernate(&mut pool).unwrap();
    }
    assert!(
        compact_bytes * 100 <= full_bytes * 105,
        "compact {compact_bytes} B vs full {full_bytes} B"
    );
}

#[test]
fn idle_state_stays_under_the_limit_for_incompressible_traffic() {
    let mut pool = ZlibPool::new(ZlibParams::default(), 0).unwrap();
    let mut z = CompactZlib::new(&pool);
    incompressible_idle_state(
        &mut z,
        &mut pool,
        &mut Inflater::new(),
        20,
        50_000,
        CompactZlib::retained_window,
    );
}

#[test]
fn refusals_leave_the_stream_usable() {
    let mut pool = ZlibPool::new(ZlibParams::default(), 0).unwrap();
    let mut other = ZlibPool::new(
        ZlibParams {
            level: 1,
            ..ZlibParams::default()
        },
        0,
    )
    .unwrap();
    let mut z = CompactZlib::new(&pool);
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
    assert_eq!(Inflater::new().message(&out, 16), b"hello");
}
