//! Every entry of the C ABI, called the way C would, with good and bad
//! arguments. Outputs are compared byte for byte with the core streams they
//! wrap (whose decodability the core's own tests prove).

use gatehouse_core::compress::{
    MessageCompressor, PayloadZlib, ZlibParams, ZlibStream, ZstdParams, ZstdStream, MAX_INPUT_LEN,
};
use gatehouse_ffi::*;
use std::ptr::{null, null_mut};

/// Kind names one constructor and the core stream that mirrors it.
#[derive(Clone, Copy, Debug)]
enum Kind {
    Zlib,
    Zstd,
    Payload,
}

const KINDS: [Kind; 3] = [Kind::Zlib, Kind::Zstd, Kind::Payload];

fn new(kind: Kind) -> *mut GhCompressor {
    let mut h = null_mut();
    let status = unsafe {
        match kind {
            Kind::Zlib => gh_compressor_new_zlib(6, 15, 8, &mut h),
            Kind::Zstd => gh_compressor_new_zstd(6, 18, 16, 16, &mut h),
            Kind::Payload => gh_compressor_new_payload_zlib(6, 15, 8, &mut h),
        }
    };
    assert_eq!(status, GH_OK);
    assert!(!h.is_null());
    h
}

fn mirror(kind: Kind) -> Box<dyn MessageCompressor> {
    match kind {
        Kind::Zlib => Box::new(ZlibStream::new(ZlibParams::default()).unwrap()),
        Kind::Zstd => Box::new(ZstdStream::new(ZstdParams::DISCORD).unwrap()),
        Kind::Payload => Box::new(PayloadZlib::new(ZlibParams::default()).unwrap()),
    }
}

fn mirror_compress(m: &mut dyn MessageCompressor, msg: &[u8]) -> Vec<u8> {
    let mut out = vec![0u8; m.bound(msg.len()).unwrap()];
    let n = m.compress(msg, &mut out).unwrap();
    out.truncate(n);
    out
}

/// compress calls gh_compressor_compress with a buffer of `cap` bytes.
fn compress(h: *mut GhCompressor, msg: &[u8], cap: usize) -> (GhStatus, usize, Vec<u8>) {
    let mut out = vec![0u8; cap];
    let mut len = usize::MAX;
    let status = unsafe {
        gh_compressor_compress(h, msg.as_ptr(), msg.len(), out.as_mut_ptr(), cap, &mut len)
    };
    (status, len, out)
}

fn bound(h: *mut GhCompressor, n: usize) -> usize {
    let mut b = 0;
    assert_eq!(unsafe { gh_compressor_bound(h, n, &mut b) }, GH_OK);
    b
}

#[test]
fn noop_is_ok() {
    assert_eq!(gh_noop(), GH_OK);
}

#[test]
fn output_matches_the_core_stream_and_grow_and_retry_works() {
    for kind in KINDS {
        let h = new(kind);
        let mut m = mirror(kind);
        for i in 0..40usize {
            let msg: Vec<u8> = (0..i * 97).map(|j| (j * i % 13) as u8 + b'a').collect();
            let b = bound(h, msg.len());
            // Too small first (every other message), then exactly the bound.
            if i % 2 == 0 {
                let (status, needed, out) = compress(h, &msg, b - 1);
                assert_eq!((status, needed), (GH_BUFFER_TOO_SMALL, b), "{kind:?}");
                assert!(out.iter().all(|&x| x == 0));
            }
            let (status, len, mut out) = compress(h, &msg, b);
            assert_eq!(status, GH_OK, "{kind:?} message {i}");
            out.truncate(len);
            assert_eq!(
                out,
                mirror_compress(m.as_mut(), &msg),
                "{kind:?} message {i}"
            );
        }
        unsafe { gh_compressor_free(h) };
    }
}

#[test]
fn zero_length_input_with_null_pointer_is_a_message() {
    for kind in KINDS {
        let h = new(kind);
        let mut m = mirror(kind);
        let mut out = vec![0u8; 256];
        let mut len = 0;
        let status =
            unsafe { gh_compressor_compress(h, null(), 0, out.as_mut_ptr(), 256, &mut len) };
        assert_eq!(status, GH_OK);
        assert_eq!(
            &out[..len],
            &mirror_compress(m.as_mut(), b"")[..],
            "{kind:?}"
        );
        unsafe { gh_compressor_free(h) };
    }
}

#[test]
fn zero_capacity_with_null_output_asks_for_the_size() {
    let h = new(Kind::Zstd);
    let mut len = 0;
    let msg = b"hello";
    let status = unsafe { gh_compressor_compress(h, msg.as_ptr(), 5, null_mut(), 0, &mut len) };
    assert_eq!((status, len), (GH_BUFFER_TOO_SMALL, bound(h, 5)));
    unsafe { gh_compressor_free(h) };
}

#[test]
fn null_arguments_are_refused() {
    unsafe {
        assert_eq!(
            gh_compressor_new_zlib(6, 15, 8, null_mut()),
            GH_NULL_ARGUMENT
        );
        assert_eq!(
            gh_compressor_new_zstd(6, 18, 16, 16, null_mut()),
            GH_NULL_ARGUMENT
        );
        assert_eq!(
            gh_compressor_new_payload_zlib(6, 15, 8, null_mut()),
            GH_NULL_ARGUMENT
        );

        let mut n = 0usize;
        assert_eq!(gh_compressor_bound(null(), 10, &mut n), GH_NULL_ARGUMENT);
        assert_eq!(gh_compressor_state_bytes(null(), &mut n), GH_NULL_ARGUMENT);
        let mut buf = [0u8; 64];
        let msg = b"x";
        let status =
            gh_compressor_compress(null_mut(), msg.as_ptr(), 1, buf.as_mut_ptr(), 64, &mut n);
        assert_eq!(status, GH_NULL_ARGUMENT);

        let h = new(Kind::Zlib);
        assert_eq!(gh_compressor_bound(h, 10, null_mut()), GH_NULL_ARGUMENT);
        assert_eq!(gh_compressor_state_bytes(h, null_mut()), GH_NULL_ARGUMENT);
        let status = gh_compressor_compress(h, msg.as_ptr(), 1, buf.as_mut_ptr(), 64, null_mut());
        assert_eq!(status, GH_NULL_ARGUMENT);
        n = 7;
        let status = gh_compressor_compress(h, null(), 1, buf.as_mut_ptr(), 64, &mut n);
        assert_eq!((status, n), (GH_NULL_ARGUMENT, 0));
        let status = gh_compressor_compress(h, msg.as_ptr(), 1, null_mut(), 64, &mut n);
        assert_eq!(status, GH_NULL_ARGUMENT);
        // The refusals did not touch the stream: it still matches a fresh mirror.
        let mut m = mirror(Kind::Zlib);
        let (status, len, out) = compress(h, b"after", 64);
        assert_eq!(status, GH_OK);
        assert_eq!(&out[..len], &mirror_compress(m.as_mut(), b"after")[..]);
        gh_compressor_free(h);
        gh_compressor_free(null_mut());
    }
}

#[test]
fn invalid_params_are_refused_and_leave_out_null() {
    let zlib_bad = [
        (1000, 15, 8),
        (-1, 15, 8),
        (6, 99, 8),
        (6, 8, 8),
        (6, 15, 0),
        (6, 15, 10),
    ];
    let zstd_bad = [
        (1000, 18, 16, 16),
        (3, 99, 0, 0),
        (3, -1, 0, 0),
        (3, 0, 31, 0),
        (3, 0, 0, -7),
        (3, 9, 0, 0),
    ];
    unsafe {
        for (l, w, m) in zlib_bad {
            let mut h = std::ptr::dangling_mut::<GhCompressor>(); // garbage the call must clear
            assert_eq!(gh_compressor_new_zlib(l, w, m, &mut h), GH_INVALID_ARGUMENT);
            assert!(h.is_null());
            let mut h = std::ptr::dangling_mut::<GhCompressor>();
            assert_eq!(
                gh_compressor_new_payload_zlib(l, w, m, &mut h),
                GH_INVALID_ARGUMENT
            );
            assert!(h.is_null());
        }
        for (l, w, hl, cl) in zstd_bad {
            let mut h = std::ptr::dangling_mut::<GhCompressor>();
            assert_eq!(
                gh_compressor_new_zstd(l, w, hl, cl, &mut h),
                GH_INVALID_ARGUMENT
            );
            assert!(h.is_null());
        }
    }
}

#[test]
fn oversized_lengths_are_refused() {
    let h = new(Kind::Zstd);
    let mut n = 0usize;
    let mut buf = [0u8; 64];
    let msg = b"x";
    unsafe {
        assert_eq!(
            gh_compressor_bound(h, MAX_INPUT_LEN + 1, &mut n),
            GH_TOO_LARGE
        );
        assert_eq!(gh_compressor_bound(h, usize::MAX, &mut n), GH_TOO_LARGE);
        let s = gh_compressor_compress(h, msg.as_ptr(), usize::MAX, buf.as_mut_ptr(), 64, &mut n);
        assert_eq!(s, GH_TOO_LARGE);
        let s = gh_compressor_compress(
            h,
            msg.as_ptr(),
            isize::MAX as usize + 1,
            buf.as_mut_ptr(),
            64,
            &mut n,
        );
        assert_eq!(s, GH_TOO_LARGE);
        let s = gh_compressor_compress(h, msg.as_ptr(), 1, buf.as_mut_ptr(), usize::MAX, &mut n);
        assert_eq!(s, GH_INVALID_ARGUMENT);
        let s = gh_compressor_compress(
            h,
            msg.as_ptr(),
            1,
            buf.as_mut_ptr(),
            isize::MAX as usize + 1,
            &mut n,
        );
        assert_eq!(s, GH_INVALID_ARGUMENT);
        gh_compressor_free(h);
    }
}

#[test]
fn overlapping_buffers_are_refused() {
    let h = new(Kind::Zlib);
    let mut buf = vec![b'a'; 4096];
    let mut n = 0;
    let p = buf.as_mut_ptr();
    let s = unsafe { gh_compressor_compress(h, p, 100, p.wrapping_add(50), 3000, &mut n) };
    assert_eq!(s, GH_INVALID_ARGUMENT);
    let s = unsafe { gh_compressor_compress(h, p, 100, p.wrapping_add(100), 3000, &mut n) };
    assert_eq!(s, GH_OK, "adjacent is not overlapping");
    unsafe { gh_compressor_free(h) };
}

#[test]
fn state_bytes_include_the_handle_and_grow_with_use() {
    for kind in KINDS {
        let h = new(kind);
        let mut before = 0;
        assert_eq!(unsafe { gh_compressor_state_bytes(h, &mut before) }, GH_OK);
        let m = mirror(kind);
        assert!(
            before > m.heap_bytes() || matches!(kind, Kind::Zstd),
            "{kind:?}"
        );
        compress(h, b"{\"op\":0}", 1024);
        let mut after = 0;
        assert_eq!(unsafe { gh_compressor_state_bytes(h, &mut after) }, GH_OK);
        assert!(after >= before, "{kind:?}: {before} -> {after}");
        unsafe { gh_compressor_free(h) };
    }
}
