//! Windowed CompactZstd streams (`new_windowed`): they keep no plaintext
//! while hibernating and are given their window on waking. libzstd's own
//! streaming decoder checks every message.

mod common;

use common::compact::{zstd_message, SMALL_WINDOW};
use common::{json_like, random_bytes, Rng, Unzstd};
use gatehouse_core::compress::compact::{CompactStream, CompactZstd, ZstdPool, SMALL_SEND_MAX};
use gatehouse_core::compress::ZstdParams;

/// windowed_compress compresses `msg` into a buffer exactly as long as the
/// bound, giving the stream `window` in case it wakes.
fn windowed_compress(
    z: &mut CompactZstd,
    pool: &mut ZstdPool,
    window: &[u8],
    msg: &[u8],
) -> Vec<u8> {
    let mut out = vec![0u8; z.bound(msg.len()).unwrap()];
    let n = z.compress_windowed(pool, window, msg, &mut out).unwrap();
    out.truncate(n);
    out
}

/// The window a waking stream gets may be all it compressed, only the most
/// recent part (a caller that lost older payloads), or nothing: every one
/// decodes.
#[test]
fn windowed_streams_decode_with_whole_partial_or_no_windows() {
    for (seed, params) in [
        (11, ZstdParams::DISCORD),
        (12, ZstdParams::LEAN),
        (13, SMALL_WINDOW),
    ] {
        let mut rng = Rng::new(seed);
        let mut pool = ZstdPool::new(params, 2).unwrap();
        let mut z = CompactZstd::new_windowed(&pool);
        assert!(z.windowed());
        let mut d = Unzstd::new();
        let mut plain: Vec<u8> = Vec::new();
        let (mut wakes, mut asleep_sends) = (0, 0);
        for i in 0..300 {
            if rng.below(4) == 0 {
                z.hibernate(&mut pool).unwrap();
                assert!(z.hibernating());
                assert!(z.state_bytes() <= 256, "idle state {} B", z.state_bytes());
            }
            let msg = zstd_message(&mut rng);
            let keep = match rng.below(3) {
                0 => plain.len(),
                1 => plain.len().min(rng.below(70_000) as usize),
                _ => 0,
            };
            let was_asleep = z.hibernating();
            let out = windowed_compress(&mut z, &mut pool, &plain[plain.len() - keep..], &msg);
            if was_asleep && !z.hibernating() {
                wakes += 1;
            }
            if z.hibernating() && !msg.is_empty() {
                assert!(msg.len() <= SMALL_SEND_MAX, "message {i} sent asleep");
                assert!(
                    z.state_bytes() <= 256,
                    "small sends kept {}",
                    z.state_bytes()
                );
                asleep_sends += 1;
            }
            assert_eq!(
                d.message(&out, msg.len() + 1),
                msg,
                "{params:?} message {i}"
            );
            plain.extend_from_slice(&msg);
        }
        assert!(
            wakes > 30 && asleep_sends > 3,
            "{wakes} wakes, {asleep_sends} asleep sends"
        );
    }
}

/// A woken stream matches against the window it is given: a message sent
/// again after hibernating costs a few bytes with the window and its full
/// size without one.
#[test]
fn a_woken_stream_matches_against_its_window() {
    let mut rng = Rng::new(21);
    let msg = random_bytes(&mut rng, 20_000);
    let mut sizes = Vec::new();
    for give_window in [true, false] {
        let mut pool = ZstdPool::new(ZstdParams::DISCORD, 0).unwrap();
        let mut z = CompactZstd::new_windowed(&pool);
        let mut d = Unzstd::new();
        let first = windowed_compress(&mut z, &mut pool, &[], &msg);
        assert_eq!(d.message(&first, msg.len() + 1), msg);
        z.hibernate(&mut pool).unwrap();
        let window: &[u8] = if give_window { &msg } else { &[] };
        let again = windowed_compress(&mut z, &mut pool, window, &msg);
        assert_eq!(d.message(&again, msg.len() + 1), msg);
        sizes.push(again.len());
    }
    assert!(sizes[0] < 100, "with the window: {} B", sizes[0]);
    assert!(sizes[1] > 19_000, "without one: {} B", sizes[1]);
}

/// Streams made with `new` ignore the window: they prime from what they
/// packed themselves, so a wrong window cannot reach them.
#[test]
fn packed_streams_ignore_the_window() {
    let mut rng = Rng::new(31);
    let mut pool = ZstdPool::new(ZstdParams::DISCORD, 0).unwrap();
    let mut z = CompactZstd::new(&pool);
    assert!(!z.windowed());
    let mut d = Unzstd::new();
    let garbage = random_bytes(&mut rng, 50_000);
    for i in 0..40 {
        if i % 3 == 0 {
            z.hibernate(&mut pool).unwrap();
        }
        let msg = json_like(&mut rng, 2_000);
        let out = windowed_compress(&mut z, &mut pool, &garbage, &msg);
        assert_eq!(d.message(&out, msg.len() + 1), msg, "message {i}");
    }
}
