//! The panic boundary and the argument checks every entry shares.

use crate::status::*;
use std::panic::{catch_unwind, UnwindSafe};

/// guard runs one entry's body and turns a panic into GH_PANIC, so no
/// unwind ever crosses into C.
pub(crate) fn guard(body: impl FnOnce() -> GhStatus + UnwindSafe) -> GhStatus {
    catch_unwind(body).unwrap_or(GH_PANIC)
}

/// in_slice borrows the caller's input. Zero length is valid with any
/// pointer, null included.
///
/// # Safety
/// When `len > 0`, `ptr` must point to `len` readable bytes that stay valid
/// and unmodified for the duration of the call.
pub(crate) unsafe fn in_slice<'a>(ptr: *const u8, len: usize) -> Result<&'a [u8], GhStatus> {
    if len == 0 {
        return Ok(&[]);
    }
    if ptr.is_null() {
        return Err(GH_NULL_ARGUMENT);
    }
    check_span(ptr as usize, len)?;
    // SAFETY: non-null, caller promises `len` readable bytes, and the span
    // is within isize::MAX and does not wrap the address space.
    Ok(unsafe { std::slice::from_raw_parts(ptr, len) })
}

/// out_slice borrows the caller's output buffer. Zero capacity is valid with
/// any pointer, null included.
///
/// # Safety
/// When `cap > 0`, `ptr` must point to `cap` writable bytes that nothing
/// else reads or writes for the duration of the call.
pub(crate) unsafe fn out_slice<'a>(ptr: *mut u8, cap: usize) -> Result<&'a mut [u8], GhStatus> {
    if cap == 0 {
        return Ok(&mut []);
    }
    if ptr.is_null() {
        return Err(GH_NULL_ARGUMENT);
    }
    check_span(ptr as usize, cap)?;
    // SAFETY: as for in_slice, plus the caller promises exclusive access.
    Ok(unsafe { std::slice::from_raw_parts_mut(ptr, cap) })
}

/// check_span refuses a length no real buffer can have: over isize::MAX, or
/// running past the end of the address space.
fn check_span(addr: usize, len: usize) -> Result<(), GhStatus> {
    if len > isize::MAX as usize || addr.checked_add(len).is_none() {
        return Err(GH_INVALID_ARGUMENT);
    }
    Ok(())
}

/// overlaps says whether two byte spans share memory.
pub(crate) fn overlaps(a: &[u8], b: &[u8]) -> bool {
    let (a0, b0) = (a.as_ptr() as usize, b.as_ptr() as usize);
    !a.is_empty() && !b.is_empty() && a0 < b0 + b.len() && b0 < a0 + a.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guard_turns_a_panic_into_a_status() {
        assert_eq!(guard(|| panic!("boom")), GH_PANIC);
        assert_eq!(guard(|| GH_OK), GH_OK);
    }

    #[test]
    fn spans_that_cannot_exist_are_refused() {
        assert_eq!(
            check_span(16, isize::MAX as usize + 1),
            Err(GH_INVALID_ARGUMENT)
        );
        assert_eq!(check_span(usize::MAX - 3, 8), Err(GH_INVALID_ARGUMENT));
        assert_eq!(check_span(16, 8), Ok(()));
    }

    #[test]
    fn overlap_is_detected() {
        let buf = [0u8; 16];
        assert!(overlaps(&buf[0..8], &buf[7..9]));
        assert!(!overlaps(&buf[0..8], &buf[8..16]));
        assert!(!overlaps(&buf[0..0], &buf[0..16]));
    }
}
