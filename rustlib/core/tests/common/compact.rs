//! What the compact zlib and compact zstd tests run alike: one stream, its
//! pool and a decoder we did not write, driven through small sends while
//! hibernating and through incompressible traffic. Each codec's test adds
//! the checks only it can make (stored block or raw block, sizes).

use super::{json_like, random_bytes, Inflater, Rng, Unzstd};
use gatehouse_core::compress::compact::{CompactStream, IDLE_STATE_LIMIT, SMALL_SEND_MAX};
use gatehouse_core::compress::ZstdParams;

/// Decoder is a message-by-message decoder of a compact stream's output.
pub trait Decoder {
    fn message(&mut self, input: &[u8], limit: usize) -> Vec<u8>;
}

impl Decoder for Inflater {
    fn message(&mut self, input: &[u8], limit: usize) -> Vec<u8> {
        Inflater::message(self, input, limit)
    }
}

impl Decoder for Unzstd {
    fn message(&mut self, input: &[u8], limit: usize) -> Vec<u8> {
        Unzstd::message(self, input, limit)
    }
}

/// SMALL_WINDOW is level 9 over a 1 KiB window: most messages are longer
/// than the window, so every one works at its edge.
pub const SMALL_WINDOW: ZstdParams = ZstdParams {
    level: 9,
    window_log: 10,
    hash_log: 10,
    chain_log: 10,
};

/// ACK is a heartbeat ACK as the gateway sends it.
pub const ACK: &[u8] = br#"{"t":null,"s":null,"op":11,"d":null}"#;

/// compress compresses one message into a buffer exactly as long as the
/// stream's bound, so a bound that is too low fails the test.
pub fn compress<S: CompactStream>(z: &mut S, pool: &mut S::Pool, msg: &[u8]) -> Vec<u8> {
    let mut out = vec![0u8; z.bound(msg.len()).unwrap()];
    let n = z.compress(pool, msg, &mut out).unwrap();
    out.truncate(n);
    out
}

/// small_sends_stay_asleep runs six rounds of: a 20 KB message, hibernate,
/// then heartbeat ACKs and unique small messages (random, so that only the
/// exact bytes can match them later) until the stream wakes. Each small
/// message must decode alone; while the stream stays asleep it must hold
/// at most the idle limit, and `asleep_out(out, small)` makes the codec's
/// own checks of what went out. At least `min_asleep` must go out asleep.
/// Then what went out while asleep (its last `window` − 300 bytes) is sent
/// again after another hibernation: it is in the decoder's window and in
/// the woken context's, so it must cost back-references only.
pub fn small_sends_stay_asleep<S: CompactStream>(
    z: &mut S,
    pool: &mut S::Pool,
    d: &mut impl Decoder,
    window: usize,
    min_asleep: usize,
    each_out: impl Fn(&[u8]),
    asleep_out: impl Fn(&[u8], &[u8]),
) {
    let mut rng = Rng::new(41);
    for round in 0..6 {
        let msg = json_like(&mut rng, 20_000);
        let out = compress(z, pool, &msg);
        assert_eq!(d.message(&out, msg.len() + 1), msg);
        z.hibernate(pool).unwrap();
        let mut sent = Vec::new();
        let mut asleep = 0;
        loop {
            let small = if asleep % 3 == 0 {
                ACK.to_vec()
            } else {
                let len = 1 + rng.below(SMALL_SEND_MAX as u64) as usize;
                random_bytes(&mut rng, len)
            };
            let out = compress(z, pool, &small);
            each_out(&out);
            assert_eq!(d.message(&out, small.len() + 1), small, "round {round}");
            sent.extend_from_slice(&small);
            if !z.hibernating() {
                break;
            }
            asleep_out(&out, &small);
            assert!(z.state_bytes() <= IDLE_STATE_LIMIT, "{}", z.state_bytes());
            asleep += 1;
        }
        assert!(
            asleep >= min_asleep,
            "round {round}: woke after {asleep} small sends"
        );
        z.hibernate(pool).unwrap();
        let echo = sent[sent.len().saturating_sub(window - 300)..].to_vec();
        let out = compress(z, pool, &echo);
        assert_eq!(d.message(&out, echo.len() + 1), echo, "round {round}");
        assert!(
            out.len() * 8 < echo.len(),
            "round {round}: {} B for {} B sent before",
            out.len(),
            echo.len()
        );
    }
}

/// incompressible_idle_state sends `rounds` random messages of `len` bytes,
/// hibernating after each: the idle state stays under the limit, keeps
/// more than 8 KiB of window, and still leaves the tail its reserve
/// (256 B) for small messages sent while asleep. `retained` is the
/// stream's retained_window.
pub fn incompressible_idle_state<S: CompactStream>(
    z: &mut S,
    pool: &mut S::Pool,
    d: &mut impl Decoder,
    rounds: usize,
    len: usize,
    retained: impl Fn(&S) -> usize,
) {
    let mut rng = Rng::new(5);
    for _ in 0..rounds {
        let msg = random_bytes(&mut rng, len);
        let out = compress(z, pool, &msg);
        assert_eq!(d.message(&out, msg.len() + 1), msg);
        z.hibernate(pool).unwrap();
        assert!(z.state_bytes() <= IDLE_STATE_LIMIT, "{}", z.state_bytes());
        assert!(retained(z) > 8 * 1024, "kept {}", retained(z));
        let mut asleep = 0;
        while z.hibernating() {
            let small = random_bytes(&mut rng, SMALL_SEND_MAX);
            let out = compress(z, pool, &small);
            assert_eq!(d.message(&out, small.len() + 1), small);
            if z.hibernating() {
                assert!(z.state_bytes() <= IDLE_STATE_LIMIT, "{}", z.state_bytes());
                asleep += 1;
            }
        }
        assert!(asleep >= 256 / SMALL_SEND_MAX, "woke after {asleep}"); // the tail reserve
    }
}

/// zstd_message makes gateway-shaped text mostly, random bytes sometimes, of
/// sizes from empty to 200 KB (past the 128 KiB block limit), one in five
/// around the small-send limit.
pub fn zstd_message(rng: &mut Rng) -> Vec<u8> {
    let len = match rng.below(20) {
        0 => 0,
        1 => 100_000 + rng.below(100_000) as usize,
        2..=4 => rng.below(20_000) as usize,
        5..=8 => rng.below(SMALL_SEND_MAX as u64 + 40) as usize,
        _ => rng.below(3_000) as usize,
    };
    if rng.below(8) == 0 {
        random_bytes(rng, len)
    } else {
        json_like(rng, len)
    }
}
