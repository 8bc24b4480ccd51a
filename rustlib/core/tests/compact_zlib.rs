//! CompactZlib against an inflater we did not write (flate2 on
//! miniz_oxide), message by message, with hibernation at random points.

mod common;

use common::{json_like, random_bytes, Inflater, Rng};
use gatehouse_core::compress::compact::{
    CompactStream, CompactZlib, ZlibPool, IDLE_STATE_LIMIT, SMALL_SEND_MAX,
};
use gatehouse_core::compress::{Error, MessageCompressor, ZlibParams, ZlibStream};

const SUFFIX: [u8; 4] = [0x00, 0x00, 0xff, 0xff];

fn compress(z: &mut CompactZlib, pool: &mut ZlibPool, msg: &[u8]) -> Vec<u8> {
    let mut out = vec![0u8; z.bound(msg.len()).unwrap()];
    let n = z.compress(pool, msg, &mut out).unwrap();
    out.truncate(n);
    out
}

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

/// ACK is a heartbeat ACK as the gateway sends it.
const ACK: &[u8] = br#"{"t":null,"s":null,"op":11,"d":null}"#;

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
        let mut rng = Rng::new(41);
        let mut pool = ZlibPool::new(params, 0).unwrap();
        let mut z = CompactZlib::new(&pool);
        let mut d = Inflater::new();
        for round in 0..6 {
            let msg = json_like(&mut rng, 20_000);
            let out = compress(&mut z, &mut pool, &msg);
            assert_eq!(d.message(&out, msg.len() + 1), msg);
            z.hibernate(&mut pool).unwrap();
            // Heartbeat ACKs and unique small messages (random, so that
            // only the exact bytes can match them later) until the tail is
            // full: each is stored, ends in the sync marker, decodes alone,
            // and leaves the stream asleep within the idle limit.
            let mut sent = Vec::new();
            let mut asleep = 0;
            loop {
                let small = if asleep % 3 == 0 {
                    ACK.to_vec()
                } else {
                    let len = 1 + rng.below(SMALL_SEND_MAX as u64) as usize;
                    random_bytes(&mut rng, len)
                };
                let out = compress(&mut z, &mut pool, &small);
                assert!(out.ends_with(&SUFFIX));
                assert_eq!(d.message(&out, small.len() + 1), small, "round {round}");
                sent.extend_from_slice(&small);
                if !z.hibernating() {
                    break;
                }
                assert_eq!(out.len(), small.len() + 10, "not one stored block");
                assert!(z.state_bytes() <= IDLE_STATE_LIMIT, "{}", z.state_bytes());
                asleep += 1;
            }
            assert!(
                asleep >= 7,
                "round {round}: woke after {asleep} small sends"
            );
            // What went out stored is in the decoder's window and in the
            // woken context's: repeating it costs back-references only.
            z.hibernate(&mut pool).unwrap();
            let window = 1usize << params.window_bits;
            let echo = sent[sent.len().saturating_sub(window - 300)..].to_vec();
            let out = compress(&mut z, &mut pool, &echo);
            assert_eq!(d.message(&out, echo.len() + 1), echo, "round {round}");
            assert!(
                out.len() * 8 < echo.len(),
                "round {round}: {} B for {} B sent before",
                out.len(),
                echo.len()
            );
        }
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
    let mut rng = Rng::new(5);
    let mut pool = ZlibPool::new(ZlibParams::default(), 0).unwrap();
    let mut z = CompactZlib::new(&pool);
    let mut d = Inflater::new();
    for _ in 0..20 {
        let msg = random_bytes(&mut rng, 50_000);
        let out = compress(&mut z, &mut pool, &msg);
        assert_eq!(d.message(&out, msg.len() + 1), msg);
        z.hibernate(&mut pool).unwrap();
        assert!(z.state_bytes() <= IDLE_STATE_LIMIT, "{}", z.state_bytes());
        assert!(
            z.retained_window() > 8 * 1024,
            "kept {}",
            z.retained_window()
        );
        // A budget filled by an incompressible window still leaves the
        // tail its reserve (256 B) for small messages sent while asleep.
        let mut asleep = 0;
        while z.hibernating() {
            let small = random_bytes(&mut rng, SMALL_SEND_MAX);
            let out = compress(&mut z, &mut pool, &small);
            assert_eq!(d.message(&out, small.len() + 1), small);
            if z.hibernating() {
                assert!(z.state_bytes() <= IDLE_STATE_LIMIT, "{}", z.state_bytes());
                asleep += 1;
            }
        }
        assert!(asleep >= 256 / SMALL_SEND_MAX, "woke after {asleep}"); // the tail reserve
    }
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
