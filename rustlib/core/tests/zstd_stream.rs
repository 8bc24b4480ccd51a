//! ZstdStream against libzstd's own streaming decoder.

mod common;

use common::{compress_exact, json_like, random_bytes, Rng, Unzstd};
use gatehouse_core::compress::{Error, MessageCompressor, ZstdParams, ZstdStream, MAX_INPUT_LEN};

const PRESETS: [ZstdParams; 3] = [ZstdParams::DISCORD, ZstdParams::BALANCED, ZstdParams::LEAN];

/// ZSTD_MAGIC starts every zstd frame.
const ZSTD_MAGIC: [u8; 4] = [0x28, 0xb5, 0x2f, 0xfd];

#[test]
fn presets_decode_message_by_message() {
    let mut rng = Rng::new(10);
    for p in PRESETS {
        let mut z = ZstdStream::new(p).unwrap();
        let mut d = Unzstd::new();
        for i in 0..150 {
            let len = rng.below(40_000) as usize;
            let msg = if i % 4 == 0 {
                random_bytes(&mut rng, len)
            } else {
                json_like(&mut rng, len)
            };
            let out = compress_exact(&mut z, &msg);
            if i == 0 {
                assert!(
                    out.starts_with(&ZSTD_MAGIC),
                    "first message starts the frame"
                );
            } else {
                assert!(
                    !out.starts_with(&ZSTD_MAGIC),
                    "message {i} started a new frame"
                );
            }
            assert_eq!(d.message(&out, msg.len() + 1), msg, "{p:?} message {i}");
        }
    }
}

#[test]
fn frame_is_never_ended() {
    // A last block would have bit 0 of its 3-byte header set. Compress one
    // message per call and check the decoder still expects more frame.
    let mut z = ZstdStream::new(ZstdParams::LEAN).unwrap();
    let mut d = zstd_safe::DCtx::create();
    let out = compress_exact(&mut z, b"{\"op\":10}");
    let mut buf = [0u8; 64];
    let mut outb = zstd_safe::OutBuffer::around(&mut buf[..]);
    let mut inp = zstd_safe::InBuffer::around(&out);
    let hint = d.decompress_stream(&mut outb, &mut inp).unwrap();
    assert_ne!(hint, 0, "decoder says the frame is complete");
}

#[test]
fn empty_messages_decode_to_nothing() {
    let mut z = ZstdStream::new(ZstdParams::BALANCED).unwrap();
    let mut d = Unzstd::new();
    for msg in [&b""[..], b"", b"abc", b"", b"hello hello hello", b""] {
        let out = compress_exact(&mut z, msg);
        assert_eq!(d.message(&out, msg.len() + 1), msg);
    }
}

#[test]
fn too_small_buffer_is_refused_and_leaves_the_stream_untouched() {
    let mut rng = Rng::new(11);
    let mut z = ZstdStream::new(ZstdParams::DISCORD).unwrap();
    let mut d = Unzstd::new();
    let first = json_like(&mut rng, 10_000);
    let out = compress_exact(&mut z, &first);
    assert_eq!(d.message(&out, first.len() + 1), first);
    let msg = json_like(&mut rng, 7_000);
    let bound = z.bound(msg.len()).unwrap();
    let state = z.state_bytes();
    let mut small = vec![0x55u8; bound - 1];
    assert_eq!(
        z.compress(&msg, &mut small),
        Err(Error::BufferTooSmall { needed: bound })
    );
    assert!(
        small.iter().all(|&b| b == 0x55),
        "refused call wrote to the buffer"
    );
    assert_eq!(z.state_bytes(), state);
    let out = compress_exact(&mut z, &msg);
    assert_eq!(d.message(&out, msg.len() + 1), msg);
}

#[test]
fn bound_holds_for_incompressible_input_at_every_level() {
    let mut rng = Rng::new(12);
    let levels = [
        zstd_safe::min_c_level(),
        -5,
        1,
        3,
        6,
        12,
        16,
        19,
        zstd_safe::max_c_level(),
    ];
    for level in levels {
        for window_log in [10, 14, 18] {
            let p = ZstdParams {
                level,
                window_log,
                hash_log: 0,
                chain_log: 0,
            };
            let mut z = ZstdStream::new(p).unwrap();
            let mut d = Unzstd::new();
            for len in [0usize, 1, 1023, 1025, 5000, 140_000] {
                let msg = random_bytes(&mut rng, len);
                let out = compress_exact(&mut z, &msg);
                assert_eq!(d.message(&out, len + 1), msg, "{p:?} len {len}");
            }
        }
    }
}

#[test]
fn invalid_params_are_refused() {
    let bad = [
        ZstdParams {
            level: 1000,
            ..ZstdParams::LEAN
        },
        ZstdParams {
            level: zstd_safe::min_c_level() - 1,
            ..ZstdParams::LEAN
        },
        ZstdParams {
            window_log: 9,
            ..ZstdParams::LEAN
        },
        ZstdParams {
            window_log: 28,
            ..ZstdParams::LEAN
        },
        ZstdParams {
            window_log: 99,
            ..ZstdParams::LEAN
        },
        ZstdParams {
            hash_log: 5,
            ..ZstdParams::LEAN
        },
        ZstdParams {
            hash_log: 31,
            ..ZstdParams::LEAN
        },
        ZstdParams {
            chain_log: 28,
            ..ZstdParams::LEAN
        },
        ZstdParams {
            chain_log: u32::MAX,
            ..ZstdParams::LEAN
        },
    ];
    for p in bad {
        assert!(
            matches!(ZstdStream::new(p), Err(Error::InvalidParameter(_))),
            "{p:?}"
        );
    }
    // Zero means "libzstd's default for the level".
    assert!(ZstdStream::new(ZstdParams::default()).is_ok());
}

#[test]
fn oversized_messages_are_refused() {
    let z = ZstdStream::new(ZstdParams::LEAN).unwrap();
    assert_eq!(
        z.bound(MAX_INPUT_LEN + 1),
        Err(Error::TooLarge {
            len: MAX_INPUT_LEN + 1
        })
    );
}

#[test]
fn state_bytes_grow_with_the_preset() {
    let mut rng = Rng::new(13);
    let mut sizes = Vec::new();
    for p in PRESETS {
        let mut z = ZstdStream::new(p).unwrap();
        let fresh = z.state_bytes();
        for _ in 0..100 {
            let msg = json_like(&mut rng, 2000);
            compress_exact(&mut z, &msg);
        }
        let used = z.state_bytes();
        println!("zstd {p:?}: {fresh} bytes fresh, {used} after 100 messages");
        assert!(used > fresh, "libzstd allocates its workspace on first use");
        sizes.push(used);
    }
    assert!(
        sizes[0] > sizes[1] && sizes[1] > sizes[2],
        "discord > balanced > lean: {sizes:?}"
    );
    // Discord's setting keeps about 1.4 MiB per stream (DESIGN.md).
    assert!(
        (1_000_000..2_000_000).contains(&sizes[0]),
        "discord: {}",
        sizes[0]
    );
}
