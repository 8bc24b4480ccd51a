//! ZlibStream and PayloadZlib against an independent inflater.

mod common;

use common::{compress_exact, inflate_whole, json_like, random_bytes, Inflater, Rng};
use gatehouse_core::compress::{Error, MessageCompressor, PayloadZlib, ZlibParams, ZlibStream};

const SUFFIX: [u8; 4] = [0x00, 0x00, 0xff, 0xff];

#[test]
fn every_message_ends_in_sync_marker_and_decodes_alone() {
    let mut rng = Rng::new(1);
    let mut z = ZlibStream::new(ZlibParams::default()).unwrap();
    let mut d = Inflater::new();
    for i in 0..200 {
        let len = rng.below(20_000) as usize;
        let msg = if i % 3 == 0 {
            random_bytes(&mut rng, len)
        } else {
            json_like(&mut rng, len)
        };
        let out = compress_exact(&mut z, &msg);
        assert!(
            out.ends_with(&SUFFIX),
            "message {i} does not end in 00 00 ff ff"
        );
        assert_eq!(d.message(&out, msg.len() + 1), msg, "message {i}");
    }
}

#[test]
fn first_bytes_are_a_zlib_header_for_the_window() {
    for wb in 9..=15 {
        let p = ZlibParams {
            level: 6,
            window_bits: wb,
            mem_level: 8,
        };
        let out = compress_exact(&mut ZlibStream::new(p).unwrap(), b"hi");
        assert_eq!(
            out[0],
            (((wb - 8) << 4) | 8) as u8,
            "CMF for windowBits {wb}"
        );
        assert_eq!(
            (u16::from(out[0]) << 8 | u16::from(out[1])) % 31,
            0,
            "FCHECK"
        );
    }
}

#[test]
fn empty_messages_still_flush() {
    let mut z = ZlibStream::new(ZlibParams::default()).unwrap();
    let mut d = Inflater::new();
    for msg in [&b""[..], b"", b"x", b"", b"", b"hello", b""] {
        let out = compress_exact(&mut z, msg);
        assert!(out.ends_with(&SUFFIX), "{msg:?} gave {out:02x?}");
        assert_eq!(d.message(&out, msg.len() + 1), msg);
    }
}

#[test]
fn too_small_buffer_is_refused_and_leaves_the_stream_untouched() {
    let mut rng = Rng::new(2);
    for make in [
        |p| Box::new(ZlibStream::new(p).unwrap()) as Box<dyn MessageCompressor>,
        |p| Box::new(PayloadZlib::new(p).unwrap()) as Box<dyn MessageCompressor>,
    ] {
        let mut z = make(ZlibParams::default());
        let mut d = Inflater::new();
        let first = json_like(&mut rng, 5000);
        let first_out = compress_exact(z.as_mut(), &first);
        let msg = json_like(&mut rng, 3000);
        let bound = z.bound(msg.len()).unwrap();
        let mut small = vec![0xaau8; bound - 1];
        assert_eq!(
            z.compress(&msg, &mut small),
            Err(Error::BufferTooSmall { needed: bound })
        );
        assert!(
            small.iter().all(|&b| b == 0xaa),
            "refused call wrote to the buffer"
        );
        assert_eq!(
            z.compress(&msg, &mut []),
            Err(Error::BufferTooSmall { needed: bound })
        );
        let out = compress_exact(z.as_mut(), &msg);
        // For the stream, both messages decode in order; for payload, each alone.
        if first_out.ends_with(&SUFFIX) {
            assert_eq!(d.message(&first_out, first.len() + 1), first);
            assert_eq!(d.message(&out, msg.len() + 1), msg);
        } else {
            assert_eq!(inflate_whole(&out, msg.len() + 1), msg);
        }
    }
}

#[test]
fn bound_holds_for_incompressible_input_at_every_setting() {
    let mut rng = Rng::new(3);
    let lens = [0usize, 1, 7, 100, 4096, 70_000];
    for level in 0..=9 {
        for window_bits in [9, 12, 15] {
            for mem_level in [1, 5, 9] {
                let p = ZlibParams {
                    level,
                    window_bits,
                    mem_level,
                };
                let mut z = ZlibStream::new(p).unwrap();
                let mut d = Inflater::new();
                let mut payload = PayloadZlib::new(p).unwrap();
                for &len in &lens {
                    let msg = random_bytes(&mut rng, len);
                    let out = compress_exact(&mut z, &msg);
                    assert_eq!(d.message(&out, len + 1), msg, "{p:?} len {len}");
                    let out = compress_exact(&mut payload, &msg);
                    assert_eq!(inflate_whole(&out, len + 1), msg, "payload {p:?} len {len}");
                }
            }
        }
    }
}

#[test]
fn payload_messages_are_independent_streams() {
    let mut rng = Rng::new(4);
    let mut z = PayloadZlib::new(ZlibParams {
        level: 1,
        window_bits: 15,
        mem_level: 8,
    })
    .unwrap();
    let msgs: Vec<Vec<u8>> = (0..50).map(|i| json_like(&mut rng, i * 300)).collect();
    let outs: Vec<Vec<u8>> = msgs.iter().map(|m| compress_exact(&mut z, m)).collect();
    // Decode in reverse order: nothing may depend on an earlier message.
    for (m, o) in msgs.iter().zip(&outs).rev() {
        assert_eq!(&inflate_whole(o, m.len() + 1), m);
    }
}

#[test]
fn payload_reset_leaves_no_trace_of_earlier_messages() {
    // A reused state must write exactly what a fresh one writes, whatever
    // came before: the reset is what makes each message independent.
    let mut rng = Rng::new(5);
    let params = ZlibParams::default();
    let mut reused = PayloadZlib::new(params).unwrap();
    for i in 0..20 {
        let msg = json_like(&mut rng, 200 + i * 400);
        let other = random_bytes(&mut rng, 3_000);
        compress_exact(&mut reused, &other);
        let again = compress_exact(&mut reused, &msg);
        let fresh = compress_exact(&mut PayloadZlib::new(params).unwrap(), &msg);
        assert_eq!(again, fresh, "message {i}");
    }
}

#[test]
fn invalid_params_are_refused() {
    let bad = [
        ZlibParams {
            level: -1,
            ..Default::default()
        },
        ZlibParams {
            level: 10,
            ..Default::default()
        },
        ZlibParams {
            level: 1000,
            ..Default::default()
        },
        ZlibParams {
            window_bits: 8,
            ..Default::default()
        },
        ZlibParams {
            window_bits: 16,
            ..Default::default()
        },
        ZlibParams {
            window_bits: 99,
            ..Default::default()
        },
        ZlibParams {
            mem_level: 0,
            ..Default::default()
        },
        ZlibParams {
            mem_level: 10,
            ..Default::default()
        },
    ];
    for p in bad {
        assert!(
            matches!(ZlibStream::new(p), Err(Error::InvalidParameter(_))),
            "{p:?}"
        );
        assert!(
            matches!(PayloadZlib::new(p), Err(Error::InvalidParameter(_))),
            "{p:?}"
        );
    }
}

#[test]
fn oversized_messages_are_refused() {
    let z = ZlibStream::new(ZlibParams::default()).unwrap();
    let too_big = gatehouse_core::compress::MAX_INPUT_LEN + 1;
    assert_eq!(z.bound(too_big), Err(Error::TooLarge { len: too_big }));
    assert_eq!(
        z.bound(usize::MAX),
        Err(Error::TooLarge { len: usize::MAX })
    );
}

#[test]
fn state_bytes_follow_the_params() {
    let small = ZlibStream::new(ZlibParams {
        level: 6,
        window_bits: 9,
        mem_level: 1,
    })
    .unwrap();
    let big = ZlibStream::new(ZlibParams::default()).unwrap();
    assert!(small.state_bytes() < big.state_bytes());
    assert_eq!(big.heap_bytes(), 380_032);
    assert_eq!(small.heap_bytes(), 137_216);
}
