//! Property tests: any parameters, any sequence of messages, decoded message
//! by message by decoders we did not write; and a refused call in the middle
//! of a sequence changes nothing.

mod common;

use common::{inflate_whole, Inflater, Unzstd};
use gatehouse_core::compress::{
    Error, MessageCompressor, PayloadZlib, ZlibParams, ZlibStream, ZstdParams, ZstdStream,
};
use proptest::prelude::*;

/// message is either arbitrary bytes or text made of a few repeated words,
/// so both the incompressible and the highly compressible paths run.
fn message() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..3000),
        (proptest::collection::vec(0usize..6, 0..2000)).prop_map(|picks| {
            const WORDS: [&[u8]; 6] = [
                b"{\"op\":",
                b"0,",
                b"\"d\":",
                b"null}",
                b"guild ",
                b"\xe2\x9c\x93",
            ];
            picks
                .into_iter()
                .flat_map(|i| WORDS[i].iter().copied())
                .collect()
        }),
    ]
}

fn zlib_params() -> impl Strategy<Value = ZlibParams> {
    (0i32..=9, 9i32..=15, 1i32..=9).prop_map(|(level, window_bits, mem_level)| ZlibParams {
        level,
        window_bits,
        mem_level,
    })
}

fn zstd_params() -> impl Strategy<Value = ZstdParams> {
    (
        -7i32..=19,
        prop_oneof![Just(0u32), 10u32..=20],
        prop_oneof![Just(0u32), 6u32..=18],
        prop_oneof![Just(0u32), 6u32..=18],
    )
        .prop_map(|(level, window_log, hash_log, chain_log)| ZstdParams {
            level,
            window_log,
            hash_log,
            chain_log,
        })
}

/// compress_step compresses `msg`, first trying a buffer one byte short of
/// the bound when `probe` is set, which must be refused without effect.
fn compress_step(
    c: &mut dyn MessageCompressor,
    msg: &[u8],
    probe: bool,
) -> Result<Vec<u8>, TestCaseError> {
    let bound = c.bound(msg.len()).unwrap();
    let mut out = vec![0u8; bound];
    if probe {
        let refused = c.compress(msg, &mut out[..bound - 1]);
        prop_assert_eq!(refused, Err(Error::BufferTooSmall { needed: bound }));
    }
    let n = c.compress(msg, &mut out).unwrap();
    out.truncate(n);
    Ok(out)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn zlib_stream_round_trips(params in zlib_params(),
                               msgs in proptest::collection::vec((message(), any::<bool>()), 1..12)) {
        let mut z = ZlibStream::new(params).unwrap();
        let mut d = Inflater::new();
        for (msg, probe) in &msgs {
            let out = compress_step(&mut z, msg, *probe)?;
            prop_assert!(out.ends_with(&[0, 0, 0xff, 0xff]));
            prop_assert_eq!(&d.message(&out, msg.len() + 1), msg);
        }
    }

    #[test]
    fn payload_zlib_round_trips(params in zlib_params(),
                                msgs in proptest::collection::vec((message(), any::<bool>()), 1..8)) {
        let mut z = PayloadZlib::new(params).unwrap();
        for (msg, probe) in &msgs {
            let out = compress_step(&mut z, msg, *probe)?;
            prop_assert_eq!(&inflate_whole(&out, msg.len() + 1), msg);
        }
    }

    #[test]
    fn zstd_stream_round_trips(params in zstd_params(),
                               msgs in proptest::collection::vec((message(), any::<bool>()), 1..12)) {
        let mut z = ZstdStream::new(params).unwrap();
        let mut d = Unzstd::new();
        for (msg, probe) in &msgs {
            let out = compress_step(&mut z, msg, *probe)?;
            prop_assert_eq!(&d.message(&out, msg.len() + 1), msg);
        }
    }
}
