//! `GhCompressor`: one connection's compression stream behind a handle.

use crate::guard::{guard, in_slice, out_slice, overlaps};
use crate::status::*;
use gatehouse_core::compress::{
    Error, MessageCompressor, PayloadZlib, ZlibParams, ZlibStream, ZstdParams, ZstdStream,
    MAX_INPUT_LEN,
};
use std::panic::AssertUnwindSafe;

/// GhCompressor is an opaque compression stream: zlib-stream, zstd-stream
/// or payload zlib. It is not thread-safe: one caller at a time.
pub struct GhCompressor {
    stream: Stream,
    /// poisoned is set while a compress call runs and cleared when it
    /// returns normally, so a stream left mid-message by a panic or a
    /// backend failure refuses every later call.
    poisoned: bool,
}

enum Stream {
    Zlib(ZlibStream),
    Zstd(ZstdStream),
    Payload(PayloadZlib),
}

impl Stream {
    fn get(&self) -> &dyn MessageCompressor {
        match self {
            Stream::Zlib(s) => s,
            Stream::Zstd(s) => s,
            Stream::Payload(s) => s,
        }
    }

    fn get_mut(&mut self) -> &mut dyn MessageCompressor {
        match self {
            Stream::Zlib(s) => s,
            Stream::Zstd(s) => s,
            Stream::Payload(s) => s,
        }
    }
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

/// new_handle stores a freshly made stream in `*out`, or null on failure.
///
/// # Safety
/// `out` is null or valid for one pointer write.
unsafe fn new_handle(
    out: *mut *mut GhCompressor,
    make: impl FnOnce() -> Result<Stream, Error>,
) -> GhStatus {
    if out.is_null() {
        return GH_NULL_ARGUMENT;
    }
    // SAFETY: checked non-null; the caller promises it is writable.
    unsafe { out.write(std::ptr::null_mut()) };
    guard(AssertUnwindSafe(|| match make() {
        Ok(stream) => {
            let handle = Box::new(GhCompressor {
                stream,
                poisoned: false,
            });
            // SAFETY: as above.
            unsafe { out.write(Box::into_raw(handle)) };
            GH_OK
        }
        Err(e) => status_of(e),
    }))
}

/// gh_compressor_new_zlib makes a zlib-stream compressor: one zlib stream,
/// every message sync-flushed so it ends in `00 00 ff ff`. `level` 0..=9,
/// `window_bits` 9..=15, `mem_level` 1..=9. On success `*out` holds the
/// handle; on failure it is set to null.
///
/// # Safety
/// `out` must be null or valid for writing one pointer.
#[no_mangle]
pub unsafe extern "C" fn gh_compressor_new_zlib(
    level: i32,
    window_bits: i32,
    mem_level: i32,
    out: *mut *mut GhCompressor,
) -> GhStatus {
    let params = ZlibParams {
        level,
        window_bits,
        mem_level,
    };
    // SAFETY: forwarded from the caller.
    unsafe { new_handle(out, || ZlibStream::new(params).map(Stream::Zlib)) }
}

/// gh_compressor_new_payload_zlib makes a payload compressor: every message
/// is a complete, independent zlib stream. Parameters as for
/// gh_compressor_new_zlib.
///
/// # Safety
/// `out` must be null or valid for writing one pointer.
#[no_mangle]
pub unsafe extern "C" fn gh_compressor_new_payload_zlib(
    level: i32,
    window_bits: i32,
    mem_level: i32,
    out: *mut *mut GhCompressor,
) -> GhStatus {
    let params = ZlibParams {
        level,
        window_bits,
        mem_level,
    };
    // SAFETY: forwarded from the caller.
    unsafe { new_handle(out, || PayloadZlib::new(params).map(Stream::Payload)) }
}

/// gh_compressor_new_zstd makes a zstd-stream compressor: one zstd frame
/// that is never ended, every message flushed. `window_log` 10..=27,
/// `hash_log` and `chain_log` 6..=27; 0 in any of them takes libzstd's
/// default for the level.
///
/// # Safety
/// `out` must be null or valid for writing one pointer.
#[no_mangle]
pub unsafe extern "C" fn gh_compressor_new_zstd(
    level: i32,
    window_log: i32,
    hash_log: i32,
    chain_log: i32,
    out: *mut *mut GhCompressor,
) -> GhStatus {
    let logs = (
        u32::try_from(window_log),
        u32::try_from(hash_log),
        u32::try_from(chain_log),
    );
    let make = || match logs {
        (Ok(window_log), Ok(hash_log), Ok(chain_log)) => ZstdStream::new(ZstdParams {
            level,
            window_log,
            hash_log,
            chain_log,
        })
        .map(Stream::Zstd),
        _ => Err(Error::InvalidParameter("zstd logs must not be negative")),
    };
    // SAFETY: forwarded from the caller.
    unsafe { new_handle(out, make) }
}

/// gh_compressor_bound writes to `*out_bound` the output capacity that
/// guarantees gh_compressor_compress never answers GH_BUFFER_TOO_SMALL for
/// an input of `in_len` bytes.
///
/// # Safety
/// `h` must be null or a live handle; `out_bound` null or writable.
#[no_mangle]
pub unsafe extern "C" fn gh_compressor_bound(
    h: *const GhCompressor,
    in_len: usize,
    out_bound: *mut usize,
) -> GhStatus {
    guard(AssertUnwindSafe(|| {
        // SAFETY: null or a live handle, per the contract.
        let Some(c) = (unsafe { h.as_ref() }) else {
            return GH_NULL_ARGUMENT;
        };
        if out_bound.is_null() {
            return GH_NULL_ARGUMENT;
        }
        match c.stream.get().bound(in_len) {
            Ok(n) => {
                // SAFETY: checked non-null; writable per the contract.
                unsafe { out_bound.write(n) };
                GH_OK
            }
            Err(e) => status_of(e),
        }
    }))
}

/// gh_compressor_compress compresses the `in_len` bytes at `in_ptr` into the
/// `out_cap` bytes at `out_ptr` and writes the compressed length to
/// `*out_len`. The output decodes on its own given every earlier output of
/// the same handle.
///
/// If `out_cap` is below the bound it returns GH_BUFFER_TOO_SMALL with the
/// bound in `*out_len` and changes nothing else: grow and call again. On any
/// other failure `*out_len` is 0. A zero-length input is a valid message
/// (`in_ptr` may then be null); so is a zero capacity with a null `out_ptr`,
/// which just asks for the size. The buffers must not overlap.
///
/// # Safety
/// `h` must be null or a live handle used by no one else during the call;
/// `in_ptr` readable for `in_len` bytes; `out_ptr` writable for `out_cap`
/// bytes; `out_len` null or writable. None is kept after the call.
#[no_mangle]
pub unsafe extern "C" fn gh_compressor_compress(
    h: *mut GhCompressor,
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
        // SAFETY: null or a live handle with no other user, per the contract.
        let Some(c) = (unsafe { h.as_mut() }) else {
            return GH_NULL_ARGUMENT;
        };
        if c.poisoned {
            return GH_INTERNAL_ERROR;
        }
        if in_len > MAX_INPUT_LEN {
            return GH_TOO_LARGE;
        }
        // SAFETY: the caller promises the spans are real memory.
        let (input, output) =
            match unsafe { (in_slice(in_ptr, in_len), out_slice(out_ptr, out_cap)) } {
                (Ok(i), Ok(o)) => (i, o),
                (Err(s), _) | (_, Err(s)) => return s,
            };
        if overlaps(input, output) {
            return GH_INVALID_ARGUMENT;
        }
        c.poisoned = true;
        let result = c.stream.get_mut().compress(input, output);
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

/// gh_compressor_state_bytes writes to `*out_bytes` every byte of state the
/// handle holds now: the handle itself plus the backend's tables and
/// buffers (libzstd allocates its share on the first message).
///
/// # Safety
/// `h` must be null or a live handle; `out_bytes` null or writable.
#[no_mangle]
pub unsafe extern "C" fn gh_compressor_state_bytes(
    h: *const GhCompressor,
    out_bytes: *mut usize,
) -> GhStatus {
    guard(AssertUnwindSafe(|| {
        // SAFETY: null or a live handle, per the contract.
        let Some(c) = (unsafe { h.as_ref() }) else {
            return GH_NULL_ARGUMENT;
        };
        if out_bytes.is_null() {
            return GH_NULL_ARGUMENT;
        }
        let bytes = c.stream.get().heap_bytes() + std::mem::size_of::<GhCompressor>();
        // SAFETY: checked non-null; writable per the contract.
        unsafe { out_bytes.write(bytes) };
        GH_OK
    }))
}

/// gh_compressor_free releases a handle. Null is ignored. The handle must
/// not be used afterwards, nor freed twice.
///
/// # Safety
/// `h` must be null or a live handle from a gh_compressor_new_* call.
#[no_mangle]
pub unsafe extern "C" fn gh_compressor_free(h: *mut GhCompressor) {
    if h.is_null() {
        return;
    }
    // SAFETY: a live handle made by Box::into_raw in new_handle.
    let handle = unsafe { Box::from_raw(h) };
    guard(AssertUnwindSafe(move || {
        drop(handle);
        GH_OK
    }));
}
