//! The compact-stream entries of the C ABI, called the way C would, with
//! good and bad arguments. Outputs are compared byte for byte with the core
//! streams they wrap, whose decodability the core's tests prove.

use gatehouse_core::compress::compact::{
    CompactStream, CompactZlib, CompactZstd, ZlibPool, ZstdPool, IDLE_STATE_LIMIT, SMALL_SEND_MAX,
};
use gatehouse_core::compress::{ZlibParams, ZstdParams};
use gatehouse_ffi::*;
use std::ptr::{null, null_mut};

fn zlib_pool() -> *mut GhCompactPool {
    let mut p = null_mut();
    assert_eq!(
        unsafe { gh_compact_pool_new_zlib(6, 15, 8, 2, &mut p) },
        GH_OK
    );
    assert!(!p.is_null());
    p
}

fn zstd_pool() -> *mut GhCompactPool {
    let mut p = null_mut();
    assert_eq!(
        unsafe { gh_compact_pool_new_zstd(6, 18, 16, 16, 2, &mut p) },
        GH_OK
    );
    assert!(!p.is_null());
    p
}

fn stream(p: *const GhCompactPool) -> *mut GhCompactStream {
    let mut h = null_mut();
    assert_eq!(unsafe { gh_compact_new(p, &mut h) }, GH_OK);
    assert!(!h.is_null());
    h
}

fn compress(
    p: *mut GhCompactPool,
    h: *mut GhCompactStream,
    msg: &[u8],
    cap: usize,
) -> (GhStatus, usize, Vec<u8>) {
    let mut out = vec![0u8; cap];
    let mut len = usize::MAX;
    let st = unsafe {
        gh_compact_compress(
            p,
            h,
            msg.as_ptr(),
            msg.len(),
            out.as_mut_ptr(),
            cap,
            &mut len,
        )
    };
    (st, len, out)
}

fn bound(h: *mut GhCompactStream, n: usize) -> usize {
    let mut b = 0;
    assert_eq!(unsafe { gh_compact_bound(h, n, &mut b) }, GH_OK);
    b
}

fn state(h: *mut GhCompactStream) -> (usize, i32) {
    let (mut bytes, mut idle) = (0, -1);
    assert_eq!(unsafe { gh_compact_state(h, &mut bytes, &mut idle) }, GH_OK);
    (bytes, idle)
}

#[test]
fn zlib_output_matches_the_core_stream_across_hibernation() {
    let p = zlib_pool();
    let h = stream(p);
    let mut mpool = ZlibPool::new(ZlibParams::default(), 2).unwrap();
    let mut m = CompactZlib::new(&mpool);
    for i in 0..60usize {
        let msg: Vec<u8> = (0..i * 131).map(|j| (j * i % 17) as u8 + b'a').collect();
        let b = bound(h, msg.len());
        let asleep = state(h).1 == 1;
        if i % 2 == 0 {
            let (st, needed, out) = compress(p, h, &msg, b - 1);
            assert_eq!((st, needed), (GH_BUFFER_TOO_SMALL, b));
            assert!(out.iter().all(|&x| x == 0));
        }
        let (st, len, mut out) = compress(p, h, &msg, b);
        assert_eq!(st, GH_OK, "message {i}");
        out.truncate(len);
        let mut want = vec![0u8; m.bound(msg.len()).unwrap()];
        let n = m.compress(&mut mpool, &msg, &mut want).unwrap();
        assert_eq!(out, &want[..n], "message {i}");
        // Only a small message leaves a hibernating stream asleep.
        let small = asleep && msg.len() <= SMALL_SEND_MAX;
        assert_eq!(state(h).1, i32::from(small), "message {i}");
        if i % 3 == 0 {
            assert_eq!(unsafe { gh_compact_hibernate(p, h) }, GH_OK);
            m.hibernate(&mut mpool).unwrap();
            let (bytes, idle) = state(h);
            assert_eq!(idle, 1);
            assert!(bytes <= IDLE_STATE_LIMIT, "{bytes}");
        }
    }
    let mut pool_bytes = 0;
    assert_eq!(
        unsafe { gh_compact_pool_state_bytes(p, &mut pool_bytes) },
        GH_OK
    );
    assert!(pool_bytes > 0);
    unsafe {
        gh_compact_free(p, h);
        gh_compact_pool_free(p);
    }
}

#[test]
fn null_arguments_are_refused() {
    let p = zlib_pool();
    let h = stream(p);
    let mut len = 0;
    let mut out = [0u8; 64];
    unsafe {
        assert_eq!(
            gh_compact_pool_new_zlib(6, 15, 8, 0, null_mut()),
            GH_NULL_ARGUMENT
        );
        assert_eq!(gh_compact_new(null(), &mut null_mut()), GH_NULL_ARGUMENT);
        assert_eq!(gh_compact_new(p, null_mut()), GH_NULL_ARGUMENT);
        assert_eq!(gh_compact_bound(null(), 1, &mut len), GH_NULL_ARGUMENT);
        assert_eq!(gh_compact_bound(h, 1, null_mut()), GH_NULL_ARGUMENT);
        let c = |p, h, out_len| {
            gh_compact_compress(p, h, b"x".as_ptr(), 1, out.as_ptr() as *mut u8, 64, out_len)
        };
        assert_eq!(c(null_mut(), h, &mut len), GH_NULL_ARGUMENT);
        assert_eq!(c(p, null_mut(), &mut len), GH_NULL_ARGUMENT);
        assert_eq!(c(p, h, null_mut()), GH_NULL_ARGUMENT);
        assert_eq!(
            gh_compact_compress(p, h, null(), 1, out.as_mut_ptr(), 64, &mut len),
            GH_NULL_ARGUMENT
        );
        assert_eq!(gh_compact_hibernate(null_mut(), h), GH_NULL_ARGUMENT);
        assert_eq!(gh_compact_hibernate(p, null_mut()), GH_NULL_ARGUMENT);
        let mut idle = 0;
        assert_eq!(
            gh_compact_state(null(), &mut len, &mut idle),
            GH_NULL_ARGUMENT
        );
        assert_eq!(gh_compact_state(h, null_mut(), &mut idle), GH_NULL_ARGUMENT);
        assert_eq!(gh_compact_state(h, &mut len, null_mut()), GH_NULL_ARGUMENT);
        assert_eq!(
            gh_compact_pool_state_bytes(null(), &mut len),
            GH_NULL_ARGUMENT
        );
        assert_eq!(gh_compact_pool_state_bytes(p, null_mut()), GH_NULL_ARGUMENT);
        gh_compact_free(null_mut(), null_mut());
        gh_compact_pool_free(null_mut());
        // The stream still works after all that.
        let (st, _, _) = compress(p, h, b"still fine", 64);
        assert_eq!(st, GH_OK);
        gh_compact_free(p, h);
        gh_compact_pool_free(p);
    }
}

#[test]
fn bad_parameters_and_mismatched_pools_are_refused() {
    let mut p = null_mut();
    unsafe {
        assert_eq!(
            gh_compact_pool_new_zlib(10, 15, 8, 0, &mut p),
            GH_INVALID_ARGUMENT
        );
        assert!(p.is_null());
        assert_eq!(
            gh_compact_pool_new_zlib(6, 8, 8, 0, &mut p),
            GH_INVALID_ARGUMENT
        );
        assert_eq!(
            gh_compact_pool_new_zlib(6, 15, 0, 0, &mut p),
            GH_INVALID_ARGUMENT
        );
        let a = zlib_pool();
        let mut b = null_mut();
        assert_eq!(gh_compact_pool_new_zlib(1, 15, 8, 0, &mut b), GH_OK);
        let h = stream(a);
        let (st, len, _) = compress(b, h, b"hello", 64);
        assert_eq!((st, len), (GH_INVALID_ARGUMENT, 0));
        assert_eq!(gh_compact_hibernate(b, h), GH_INVALID_ARGUMENT);
        let (st, _, _) = compress(a, h, b"hello", 64);
        assert_eq!(st, GH_OK);
        let mut len = 0;
        let mut out = [0u8; 8];
        assert_eq!(
            gh_compact_compress(a, h, out.as_ptr(), 8, out.as_mut_ptr(), 8, &mut len),
            GH_INVALID_ARGUMENT,
            "overlapping buffers"
        );
        assert_eq!(gh_compact_bound(h, usize::MAX, &mut len), GH_TOO_LARGE);
        // Freeing with the wrong pool frees the context instead of pooling it.
        gh_compact_free(b, h);
        gh_compact_pool_free(a);
        gh_compact_pool_free(b);
    }
}

#[test]
fn a_stream_outlives_its_pool_for_free() {
    let p = zlib_pool();
    let h = stream(p);
    let (st, _, _) = compress(p, h, b"hello", 64);
    assert_eq!(st, GH_OK);
    unsafe {
        gh_compact_pool_free(p);
        gh_compact_free(null_mut(), h);
    }
}

#[test]
fn zstd_output_matches_the_core_stream_across_hibernation() {
    let p = zstd_pool();
    let h = stream(p);
    let mut mpool = ZstdPool::new(ZstdParams::DISCORD, 2).unwrap();
    let mut m = CompactZstd::new(&mpool);
    for i in 0..60usize {
        let msg: Vec<u8> = (0..i * 131).map(|j| (j * i % 17) as u8 + b'a').collect();
        let b = bound(h, msg.len());
        if i % 2 == 0 {
            let (st, needed, _) = compress(p, h, &msg, b - 1);
            assert_eq!((st, needed), (GH_BUFFER_TOO_SMALL, b));
        }
        let (st, len, mut out) = compress(p, h, &msg, b);
        assert_eq!(st, GH_OK, "message {i}");
        out.truncate(len);
        let mut want = vec![0u8; m.bound(msg.len()).unwrap()];
        let n = m.compress(&mut mpool, &msg, &mut want).unwrap();
        assert_eq!(out, &want[..n], "message {i}");
        if i % 3 == 0 {
            assert_eq!(unsafe { gh_compact_hibernate(p, h) }, GH_OK);
            m.hibernate(&mut mpool).unwrap();
            let (bytes, idle) = state(h);
            assert!(idle == 1 || i == 0, "message {i}");
            assert!(bytes <= IDLE_STATE_LIMIT, "{bytes}");
        }
    }
    unsafe {
        gh_compact_free(p, h);
        gh_compact_pool_free(p);
    }
}

#[test]
fn pools_of_the_other_format_are_refused() {
    let (zl, zs) = (zlib_pool(), zstd_pool());
    let (a, b) = (stream(zl), stream(zs));
    unsafe {
        let (st, _, _) = compress(zs, a, b"hello", 64);
        assert_eq!(st, GH_INVALID_ARGUMENT);
        let (st, _, _) = compress(zl, b, b"hello", 64);
        assert_eq!(st, GH_INVALID_ARGUMENT);
        assert_eq!(gh_compact_hibernate(zl, b), GH_INVALID_ARGUMENT);
        let mut p = null_mut();
        assert_eq!(
            gh_compact_pool_new_zstd(6, -1, 16, 16, 0, &mut p),
            GH_INVALID_ARGUMENT
        );
        assert_eq!(
            gh_compact_pool_new_zstd(6, 28, 16, 16, 0, &mut p),
            GH_INVALID_ARGUMENT
        );
        assert_eq!(
            gh_compact_pool_new_zstd(6, 18, 16, 16, 0, null_mut()),
            GH_NULL_ARGUMENT
        );
        // Both streams still work with their own pools.
        assert_eq!(compress(zl, a, b"hello", 64).0, GH_OK);
        assert_eq!(compress(zs, b, b"hello", 64).0, GH_OK);
        gh_compact_free(zs, a); // wrong pool: the context is just freed
        gh_compact_free(zs, b);
        gh_compact_pool_free(zl);
        gh_compact_pool_free(zs);
    }
}

#[test]
fn windowed_zstd_output_matches_the_core_stream_across_hibernation() {
    let p = zstd_pool();
    let mut h = null_mut();
    assert_eq!(unsafe { gh_compact_new_windowed(p, &mut h) }, GH_OK);
    let mut mpool = ZstdPool::new(ZstdParams::DISCORD, 2).unwrap();
    let mut m = CompactZstd::new_windowed(&mpool);
    let mut plain: Vec<u8> = Vec::new();
    for i in 0..60usize {
        let msg: Vec<u8> = (0..i * 131).map(|j| (j * i % 17) as u8 + b'a').collect();
        let b = bound(h, msg.len());
        let mut out = vec![0u8; b];
        let mut len = 0;
        let st = unsafe {
            gh_compact_compress_windowed(
                p,
                h,
                plain.as_ptr(),
                plain.len(),
                msg.as_ptr(),
                msg.len(),
                out.as_mut_ptr(),
                b,
                &mut len,
            )
        };
        assert_eq!(st, GH_OK, "message {i}");
        out.truncate(len);
        let mut want = vec![0u8; m.bound(msg.len()).unwrap()];
        let n = m
            .compress_windowed(&mut mpool, &plain, &msg, &mut want)
            .unwrap();
        assert_eq!(out, &want[..n], "message {i}");
        plain.extend_from_slice(&msg);
        if i % 3 == 0 {
            assert_eq!(unsafe { gh_compact_hibernate(p, h) }, GH_OK);
            m.hibernate(&mut mpool).unwrap();
            let (bytes, idle) = state(h);
            assert!(idle == 1 || i == 0, "message {i}");
            assert!(bytes <= 512, "{bytes}");
        }
    }
    unsafe {
        // A window that overlaps the output is refused.
        let mut out = vec![0u8; 256];
        let mut len = 0;
        let st = gh_compact_compress_windowed(
            p,
            h,
            out.as_ptr(),
            16,
            b"x".as_ptr(),
            1,
            out.as_mut_ptr(),
            256,
            &mut len,
        );
        assert_eq!(st, GH_INVALID_ARGUMENT);
        let st = gh_compact_compress_windowed(
            p,
            h,
            null(),
            16,
            b"x".as_ptr(),
            1,
            out.as_mut_ptr(),
            256,
            &mut len,
        );
        assert_eq!(st, GH_NULL_ARGUMENT);
        gh_compact_free(p, h);
        // Zlib pools make no windowed streams; nulls are refused.
        let zl = zlib_pool();
        let mut w = null_mut();
        assert_eq!(gh_compact_new_windowed(zl, &mut w), GH_INVALID_ARGUMENT);
        assert!(w.is_null());
        assert_eq!(gh_compact_new_windowed(null(), &mut w), GH_NULL_ARGUMENT);
        assert_eq!(gh_compact_new_windowed(p, null_mut()), GH_NULL_ARGUMENT);
        gh_compact_pool_free(zl);
        gh_compact_pool_free(p);
    }
}
