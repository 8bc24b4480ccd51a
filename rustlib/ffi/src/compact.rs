//! `GhCompactPool` and `GhCompactStream`: compact compression streams whose
//! idle state is at most 16 KiB, and the pools they borrow working contexts
//! from.
//!
//! A pool is not thread-safe; neither is a stream. The intended owner of
//! both is one event loop: it makes one pool per format, makes every
//! compact stream of its connections from that pool, and passes the same
//! pool to every call on those streams.

use crate::guard::{guard, in_slice, out_slice, overlaps};
use crate::status::*;
use gatehouse_core::compress::compact::{
    CompactStream, CompactZlib, CompactZstd, ZlibPool, ZstdPool, SMALL_SEND_MAX,
};
use gatehouse_core::compress::{Error, ZlibParams, ZstdParams, MAX_INPUT_LEN};
use std::panic::AssertUnwindSafe;

/// GH_COMPACT_SMALL_MAX is the largest message a hibernating compact stream
/// sends without waking (uncompressed, in its format). A caller that builds
/// a windowed stream's window only when the stream will wake checks it.
pub const GH_COMPACT_SMALL_MAX: usize = 128;
const _: () = assert!(GH_COMPACT_SMALL_MAX == SMALL_SEND_MAX);

/// GhCompactPool is an opaque pool of working contexts for compact streams
/// of one format and one set of parameters.
pub struct GhCompactPool {
    pool: Pool,
}

enum Pool {
    Zlib(ZlibPool),
    Zstd(ZstdPool),
}

/// GhCompactStream is an opaque compact compression stream.
pub struct GhCompactStream {
    stream: Stream,
    /// poisoned is set while a call that may break the stream runs and
    /// cleared when it returns normally, as for GhCompressor.
    poisoned: bool,
}

enum Stream {
    Zlib(CompactZlib),
    Zstd(CompactZstd),
}

/// status_of maps a core error to its status code.
fn status_of(e: Error) -> GhStatus {
    match e {
        Error::BufferTooSmall { .. } => GH_BUFFER_TOO_SMALL,
        Error::TooLarge { .. } => GH_TOO_LARGE,
        Error::InvalidParameter(_) => GH_INVALID_ARGUMENT,
        Error::OutOfMemory => GH_OUT_OF_MEMORY,
        Error::Broken => GH_INTERNAL_ERROR,
    }
}

/// new_pool stores a freshly made pool in `*out`, or null on failure.
///
/// # Safety
/// `out` is null or valid for one pointer write.
unsafe fn new_pool(
    out: *mut *mut GhCompactPool,
    make: impl FnOnce() -> Result<Pool, Error>,
) -> GhStatus {
    if out.is_null() {
        return GH_NULL_ARGUMENT;
    }
    // SAFETY: checked non-null; the caller promises it is writable.
    unsafe { out.write(std::ptr::null_mut()) };
    guard(AssertUnwindSafe(|| match make() {
        Ok(pool) => {
            // SAFETY: as above.
            unsafe { out.write(Box::into_raw(Box::new(GhCompactPool { pool }))) };
            GH_OK
        }
        Err(e) => status_of(e),
    }))
}

/// gh_compact_pool_new_zlib makes a pool for compact zlib-stream streams:
/// `level` 0..=9, `window_bits` 9..=15, `mem_level` 1..=9 as for
/// gh_compressor_new_zlib. The pool keeps up to `max_idle` working contexts
/// (about 400 KiB each at windowBits 15) for reuse; 0 takes the default (4).
/// On success `*out` holds the pool; on failure it is set to null.
///
/// # Safety
/// `out` must be null or valid for writing one pointer.
#[no_mangle]
pub unsafe extern "C" fn gh_compact_pool_new_zlib(
    level: i32,
    window_bits: i32,
    mem_level: i32,
    max_idle: usize,
    out: *mut *mut GhCompactPool,
) -> GhStatus {
    let params = ZlibParams {
        level,
        window_bits,
        mem_level,
    };
    // SAFETY: forwarded from the caller.
    unsafe { new_pool(out, || ZlibPool::new(params, max_idle).map(Pool::Zlib)) }
}

/// gh_compact_pool_new_zstd makes a pool for compact zstd-stream streams,
/// written by gatehouse's own zstd block encoder: `level` selects its
/// search effort as zstd levels do; `window_log` 10..=27 is the frame's
/// window; `hash_log` and `chain_log` 6..=27 size its match tables (the
/// chain always spans the window); 0 in a log takes 18 / 16 / 16, Discord's
/// production setting. The pool keeps up to `max_idle` working contexts
/// (about 1.7 MiB each at windowLog 18) for reuse; 0 takes the default (4).
/// On success `*out` holds the pool; on failure it is set to null.
///
/// # Safety
/// `out` must be null or valid for writing one pointer.
#[no_mangle]
pub unsafe extern "C" fn gh_compact_pool_new_zstd(
    level: i32,
    window_log: i32,
    hash_log: i32,
    chain_log: i32,
    max_idle: usize,
    out: *mut *mut GhCompactPool,
) -> GhStatus {
    let logs = (
        u32::try_from(window_log),
        u32::try_from(hash_log),
        u32::try_from(chain_log),
    );
    let make = || match logs {
        (Ok(window_log), Ok(hash_log), Ok(chain_log)) => ZstdPool::new(
            ZstdParams {
                level,
                window_log,
                hash_log,
                chain_log,
            },
            max_idle,
        )
        .map(Pool::Zstd),
        _ => Err(Error::InvalidParameter("zstd logs must not be negative")),
    };
    // SAFETY: forwarded from the caller.
    unsafe { new_pool(out, make) }
}

/// gh_compact_pool_state_bytes writes to `*out_bytes` the memory the pool
/// holds: its idle working contexts and its packing buffers. Contexts held
/// by active streams count with those streams.
///
/// # Safety
/// `p` must be null or a live pool; `out_bytes` null or writable.
#[no_mangle]
pub unsafe extern "C" fn gh_compact_pool_state_bytes(
    p: *const GhCompactPool,
    out_bytes: *mut usize,
) -> GhStatus {
    guard(AssertUnwindSafe(|| {
        // SAFETY: null or a live pool, per the contract.
        let Some(p) = (unsafe { p.as_ref() }) else {
            return GH_NULL_ARGUMENT;
        };
        if out_bytes.is_null() {
            return GH_NULL_ARGUMENT;
        }
        let bytes = std::mem::size_of::<GhCompactPool>()
            + match &p.pool {
                Pool::Zlib(z) => z.heap_bytes(),
                Pool::Zstd(z) => z.heap_bytes(),
            };
        // SAFETY: checked non-null; writable per the contract.
        unsafe { out_bytes.write(bytes) };
        GH_OK
    }))
}

/// gh_compact_pool_free releases a pool and its idle contexts. Null is
/// ignored. Streams made from it stay valid and may still be freed; every
/// other call on them needs a live pool.
///
/// # Safety
/// `p` must be null or a live pool from gh_compact_pool_new_*, not used
/// afterwards nor freed twice.
#[no_mangle]
pub unsafe extern "C" fn gh_compact_pool_free(p: *mut GhCompactPool) {
    if p.is_null() {
        return;
    }
    // SAFETY: a live pool made by Box::into_raw in new_pool.
    let pool = unsafe { Box::from_raw(p) };
    guard(AssertUnwindSafe(move || {
        drop(pool);
        GH_OK
    }));
}

/// gh_compact_new makes a compact stream for `p`'s format and parameters.
/// It holds no working context until its first message. On success `*out`
/// holds the stream; on failure it is set to null.
///
/// # Safety
/// `p` must be null or a live pool; `out` null or valid for one pointer write.
#[no_mangle]
pub unsafe extern "C" fn gh_compact_new(
    p: *const GhCompactPool,
    out: *mut *mut GhCompactStream,
) -> GhStatus {
    // SAFETY: forwarded under the same contract.
    unsafe { new_stream(p, out, false) }
}

/// gh_compact_new_windowed makes a windowed compact zstd-stream stream: it
/// keeps no plaintext while hibernating (its idle state is a few words), and
/// whoever wakes it gives it its window through
/// gh_compact_compress_windowed. A pool of another format: GH_INVALID_ARGUMENT.
///
/// # Safety
/// As gh_compact_new.
#[no_mangle]
pub unsafe extern "C" fn gh_compact_new_windowed(
    p: *const GhCompactPool,
    out: *mut *mut GhCompactStream,
) -> GhStatus {
    // SAFETY: forwarded under the same contract.
    unsafe { new_stream(p, out, true) }
}

/// new_stream is gh_compact_new and gh_compact_new_windowed.
///
/// # Safety
/// As gh_compact_new.
unsafe fn new_stream(
    p: *const GhCompactPool,
    out: *mut *mut GhCompactStream,
    windowed: bool,
) -> GhStatus {
    if out.is_null() {
        return GH_NULL_ARGUMENT;
    }
    // SAFETY: checked non-null; writable per the contract.
    unsafe { out.write(std::ptr::null_mut()) };
    guard(AssertUnwindSafe(|| {
        // SAFETY: null or a live pool, per the contract.
        let Some(p) = (unsafe { p.as_ref() }) else {
            return GH_NULL_ARGUMENT;
        };
        let stream = match (&p.pool, windowed) {
            (Pool::Zlib(z), false) => Stream::Zlib(CompactZlib::new(z)),
            (Pool::Zlib(_), true) => return GH_INVALID_ARGUMENT,
            (Pool::Zstd(z), false) => Stream::Zstd(CompactZstd::new(z)),
            (Pool::Zstd(z), true) => Stream::Zstd(CompactZstd::new_windowed(z)),
        };
        let h = Box::new(GhCompactStream {
            stream,
            poisoned: false,
        });
        // SAFETY: as above.
        unsafe { out.write(Box::into_raw(h)) };
        GH_OK
    }))
}

/// gh_compact_bound writes to `*out_bound` the output capacity that
/// guarantees gh_compact_compress never answers GH_BUFFER_TOO_SMALL for an
/// input of `in_len` bytes.
///
/// # Safety
/// `h` must be null or a live stream; `out_bound` null or writable.
#[no_mangle]
pub unsafe extern "C" fn gh_compact_bound(
    h: *const GhCompactStream,
    in_len: usize,
    out_bound: *mut usize,
) -> GhStatus {
    guard(AssertUnwindSafe(|| {
        // SAFETY: null or a live stream, per the contract.
        let Some(c) = (unsafe { h.as_ref() }) else {
            return GH_NULL_ARGUMENT;
        };
        if out_bound.is_null() {
            return GH_NULL_ARGUMENT;
        }
        let b = match &c.stream {
            Stream::Zlib(s) => s.bound(in_len),
            Stream::Zstd(s) => s.bound(in_len),
        };
        match b {
            Ok(n) => {
                // SAFETY: checked non-null; writable per the contract.
                unsafe { out_bound.write(n) };
                GH_OK
            }
            Err(e) => status_of(e),
        }
    }))
}

/// Pair is a stream and its pool, of one format.
enum Pair<'a> {
    Zlib(&'a mut ZlibPool, &'a mut CompactZlib),
    Zstd(&'a mut ZstdPool, &'a mut CompactZstd),
}

/// pair matches a stream with the pool it is used with, or refuses a pool
/// of the other format with an InvalidParameter error.
fn pair<'a>(p: &'a mut GhCompactPool, c: &'a mut GhCompactStream) -> Result<Pair<'a>, Error> {
    match (&mut p.pool, &mut c.stream) {
        (Pool::Zlib(p), Stream::Zlib(s)) => Ok(Pair::Zlib(p, s)),
        (Pool::Zstd(p), Stream::Zstd(s)) => Ok(Pair::Zstd(p, s)),
        _ => Err(Error::InvalidParameter("pool and stream formats differ")),
    }
}

/// gh_compact_compress compresses the `in_len` bytes at `in_ptr` on stream
/// `h` into the `out_cap` bytes at `out_ptr` and writes the compressed
/// length to `*out_len`, waking the stream with a context from `p` if it was
/// hibernating, unless the message is small (at most 128 bytes): that goes
/// out uncompressed and the stream stays hibernating (see
/// gh_compact_state). `p` must be the pool `h` was made from (or one made
/// with the same format and parameters): otherwise GH_INVALID_ARGUMENT. Buffers,
/// grow-and-retry on GH_BUFFER_TOO_SMALL, zero lengths and failures behave
/// as for gh_compressor_compress.
///
/// # Safety
/// `p` and `h` must be null or live, used by no one else during the call;
/// `in_ptr` readable for `in_len` bytes; `out_ptr` writable for `out_cap`
/// bytes; `out_len` null or writable. None is kept after the call.
#[no_mangle]
pub unsafe extern "C" fn gh_compact_compress(
    p: *mut GhCompactPool,
    h: *mut GhCompactStream,
    in_ptr: *const u8,
    in_len: usize,
    out_ptr: *mut u8,
    out_cap: usize,
    out_len: *mut usize,
) -> GhStatus {
    // SAFETY: forwarded under the same contract, with an empty window.
    unsafe {
        compress(
            p,
            h,
            std::ptr::null(),
            0,
            in_ptr,
            in_len,
            out_ptr,
            out_cap,
            out_len,
        )
    }
}

/// gh_compact_compress_windowed is gh_compact_compress for a windowed stream
/// (gh_compact_new_windowed): if the stream wakes, its context is primed with
/// the `win_len` bytes at `win_ptr`, which must be exactly the last bytes of
/// plaintext the stream has compressed (as many as the caller has, up to the
/// frame's window; only the last 2^windowLog are read). Anything else breaks
/// the client's stream; a shorter suffix only costs ratio. The window is
/// ignored when the stream does not wake and by streams made otherwise.
///
/// # Safety
/// As gh_compact_compress; `win_ptr` readable for `win_len` bytes (null
/// with 0), not overlapping the output.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn gh_compact_compress_windowed(
    p: *mut GhCompactPool,
    h: *mut GhCompactStream,
    win_ptr: *const u8,
    win_len: usize,
    in_ptr: *const u8,
    in_len: usize,
    out_ptr: *mut u8,
    out_cap: usize,
    out_len: *mut usize,
) -> GhStatus {
    // SAFETY: forwarded under the same contract.
    unsafe {
        compress(
            p, h, win_ptr, win_len, in_ptr, in_len, out_ptr, out_cap, out_len,
        )
    }
}

/// compress is gh_compact_compress and gh_compact_compress_windowed.
///
/// # Safety
/// As gh_compact_compress_windowed.
#[allow(clippy::too_many_arguments)]
unsafe fn compress(
    p: *mut GhCompactPool,
    h: *mut GhCompactStream,
    win_ptr: *const u8,
    win_len: usize,
    in_ptr: *const u8,
    in_len: usize,
    out_ptr: *mut u8,
    out_cap: usize,
    out_len: *mut usize,
) -> GhStatus {
    if out_len.is_null() {
        return GH_NULL_ARGUMENT;
    }
    // SAFETY: checked non-null; writable per the contract.
    unsafe { out_len.write(0) };
    guard(AssertUnwindSafe(|| {
        // SAFETY: null or live with no other user, per the contract.
        let (Some(p), Some(c)) = (unsafe { p.as_mut() }, unsafe { h.as_mut() }) else {
            return GH_NULL_ARGUMENT;
        };
        if c.poisoned {
            return GH_INTERNAL_ERROR;
        }
        if in_len > MAX_INPUT_LEN {
            return GH_TOO_LARGE;
        }
        // SAFETY: the caller promises the spans are real memory.
        let (window, input, output) = match unsafe {
            (
                in_slice(win_ptr, win_len),
                in_slice(in_ptr, in_len),
                out_slice(out_ptr, out_cap),
            )
        } {
            (Ok(w), Ok(i), Ok(o)) => (w, i, o),
            (Err(s), _, _) | (_, Err(s), _) | (_, _, Err(s)) => return s,
        };
        if overlaps(input, output) || overlaps(window, output) {
            return GH_INVALID_ARGUMENT;
        }
        c.poisoned = true;
        let result = pair(p, c).and_then(|pair| match pair {
            Pair::Zlib(p, s) => s.compress(p, input, output),
            Pair::Zstd(p, s) => s.compress_windowed(p, window, input, output),
        });
        c.poisoned = result == Err(Error::Broken);
        let (status, len) = match result {
            Ok(n) => (GH_OK, n),
            Err(Error::BufferTooSmall { needed }) => (GH_BUFFER_TOO_SMALL, needed),
            Err(e) => (status_of(e), 0),
        };
        // SAFETY: as above.
        unsafe { out_len.write(len) };
        status
    }))
}

/// gh_compact_hibernate gives stream `h`'s working context back to `p` and
/// keeps only its packed recent plaintext: at most 16 KiB in all. A stream
/// already hibernating, or that has sent nothing, is left as it is. On
/// failure the stream stays active and usable.
///
/// # Safety
/// `p` and `h` must be null or live, used by no one else during the call.
#[no_mangle]
pub unsafe extern "C" fn gh_compact_hibernate(
    p: *mut GhCompactPool,
    h: *mut GhCompactStream,
) -> GhStatus {
    guard(AssertUnwindSafe(|| {
        // SAFETY: null or live with no other user, per the contract.
        let (Some(p), Some(c)) = (unsafe { p.as_mut() }, unsafe { h.as_mut() }) else {
            return GH_NULL_ARGUMENT;
        };
        if c.poisoned {
            return GH_INTERNAL_ERROR;
        }
        let result = pair(p, c).and_then(|pair| match pair {
            Pair::Zlib(p, s) => s.hibernate(p),
            Pair::Zstd(p, s) => s.hibernate(p),
        });
        match result {
            Ok(()) => GH_OK,
            Err(e) => status_of(e),
        }
    }))
}

/// gh_compact_state writes to `*out_bytes` every byte of state stream `h`
/// holds now (the handle, its retained window and, while active, its
/// working context) and to `*out_hibernating` 1 if it holds no working
/// context, else 0.
///
/// # Safety
/// `h` must be null or a live stream; the out-parameters null or writable.
#[no_mangle]
pub unsafe extern "C" fn gh_compact_state(
    h: *const GhCompactStream,
    out_bytes: *mut usize,
    out_hibernating: *mut i32,
) -> GhStatus {
    guard(AssertUnwindSafe(|| {
        // SAFETY: null or a live stream, per the contract.
        let Some(c) = (unsafe { h.as_ref() }) else {
            return GH_NULL_ARGUMENT;
        };
        if out_bytes.is_null() || out_hibernating.is_null() {
            return GH_NULL_ARGUMENT;
        }
        let (bytes, idle) = match &c.stream {
            Stream::Zlib(s) => (s.state_bytes(), s.hibernating()),
            Stream::Zstd(s) => (s.state_bytes(), s.hibernating()),
        };
        // The core stream lives inside the handle, so its size is counted
        // once, through the handle's.
        let bytes = bytes - stream_value_size(&c.stream) + std::mem::size_of::<GhCompactStream>();
        // SAFETY: checked non-null; writable per the contract.
        unsafe {
            out_bytes.write(bytes);
            out_hibernating.write(i32::from(idle));
        }
        GH_OK
    }))
}

/// stream_value_size is the size of the core stream value a handle holds.
fn stream_value_size(s: &Stream) -> usize {
    match s {
        Stream::Zlib(_) => std::mem::size_of::<CompactZlib>(),
        Stream::Zstd(_) => std::mem::size_of::<CompactZstd>(),
    }
}

/// gh_compact_free releases stream `h`. If `p` is not null and is the pool
/// `h` was made from, a working context the stream holds goes back to it
/// for reuse; otherwise the context is freed with the stream. Null `h` is
/// ignored. The stream must not be used afterwards, nor freed twice.
///
/// # Safety
/// `p` must be null or a live pool; `h` null or a live stream from
/// gh_compact_new; neither used by anyone else during the call.
#[no_mangle]
pub unsafe extern "C" fn gh_compact_free(p: *mut GhCompactPool, h: *mut GhCompactStream) {
    if h.is_null() {
        return;
    }
    // SAFETY: a live stream made by Box::into_raw in gh_compact_new.
    let mut c = unsafe { Box::from_raw(h) };
    guard(AssertUnwindSafe(move || {
        // SAFETY: null or a live pool with no other user, per the contract.
        if let Some(p) = unsafe { p.as_mut() } {
            if !c.poisoned {
                match pair(p, &mut c) {
                    Ok(Pair::Zlib(p, s)) => s.release(p),
                    Ok(Pair::Zstd(p, s)) => s.release(p),
                    Err(_) => {}
                }
            }
        }
        drop(c);
        GH_OK
    }));
}
