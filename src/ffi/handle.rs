//! Opaque handles. The C type is a zero-sized marker; behind the pointer is a boxed
//! `Tagged<Inner>` whose first field is a per-type magic number, so a NULL, a handle of
//! another type or (usually) a freed handle is reported instead of crashing.

use super::error::{Failure, fail, radscore_status};

/// Written into a handle when it is freed.
const FREED: u64 = 0xDEAD_F4EE_DEAD_F4EE;

/// The allocation behind a handle; `repr(C)` puts the tag first for every `T`.
#[repr(C)]
pub(crate) struct Tagged<T> {
    magic: u64,
    value: T,
}

/// A C-visible object type and the Rust value it holds.
pub(crate) trait Object {
    type Inner;
    /// Unique tag of live objects of this type.
    const MAGIC: u64;
    /// C type name, for messages.
    const NAME: &'static str;
}

/// Box `value` and hand it to C as a `*mut C`.
pub(crate) fn into_raw<C: Object>(value: C::Inner) -> *mut C {
    Box::into_raw(Box::new(Tagged { magic: C::MAGIC, value })).cast()
}

/// Read the tag of any handle.
///
/// # Safety
/// `ptr` must be non-null and point to a `Tagged<_>` allocated by radscore.
unsafe fn tag_of<C>(ptr: *const C) -> u64 {
    // SAFETY: every radscore allocation starts with the u64 tag (repr(C)).
    unsafe { ptr.cast::<u64>().read() }
}

/// Borrow a handle's value, checking NULL and its type tag.
///
/// # Safety
/// `ptr` must be NULL or a pointer radscore handed out (live or freed).
pub(crate) unsafe fn get<'a, C: Object>(ptr: *const C, arg: &str) -> Result<&'a C::Inner, Failure> {
    if ptr.is_null() {
        return Err(fail(radscore_status::NullArgument, format!("{arg} is NULL")));
    }
    // SAFETY: non-null radscore handle per the contract.
    if unsafe { tag_of(ptr) } != C::MAGIC {
        return Err(fail(
            radscore_status::InvalidHandle,
            format!("{arg} is not a live {} (freed, or another type)", C::NAME),
        ));
    }
    // SAFETY: the tag proves the allocation is a `Tagged<C::Inner>`.
    Ok(unsafe { &(*ptr.cast::<Tagged<C::Inner>>()).value })
}

/// Mutably borrow a handle's value, checking NULL and its type tag.
///
/// # Safety
/// As [`get`], and no other reference to the object may be in use.
pub(crate) unsafe fn get_mut<'a, C: Object>(ptr: *mut C, arg: &str) -> Result<&'a mut C::Inner, Failure> {
    // SAFETY: forwarded contract.
    unsafe { get::<C>(ptr, arg)? };
    // SAFETY: checked above; exclusivity is the caller's contract.
    Ok(unsafe { &mut (*ptr.cast::<Tagged<C::Inner>>()).value })
}

/// Free a handle; NULL is a no-op and a handle that is not live is ignored.
///
/// # Safety
/// `ptr` must be NULL or have been returned by radscore as a `C`, and not be used afterwards.
pub(crate) unsafe fn free<C: Object>(ptr: *mut C) {
    // SAFETY: per the contract.
    if ptr.is_null() || unsafe { tag_of(ptr) } != C::MAGIC {
        return;
    }
    let tagged = ptr.cast::<Tagged<C::Inner>>();
    // SAFETY: live allocation from `into_raw::<C>`; the tag is cleared before the box is freed.
    unsafe {
        (*tagged).magic = FREED;
        drop(Box::from_raw(tagged));
    }
}

/// Write an out-parameter (only on success).
///
/// # Safety
/// `out` must be NULL (checked earlier) or valid for writing a `T`.
pub(crate) unsafe fn write_out<T>(out: *mut T, value: T) {
    if !out.is_null() {
        // SAFETY: non-null and valid per the contract.
        unsafe { out.write(value) };
    }
}

/// Check an out-parameter for NULL before doing any work.
pub(crate) fn require_out<T>(out: *mut T, arg: &str) -> Result<(), Failure> {
    if out.is_null() {
        Err(fail(radscore_status::NullArgument, format!("{arg} (output) is NULL")))
    } else {
        Ok(())
    }
}

/// Read a NUL-terminated UTF-8 string argument.
///
/// # Safety
/// `ptr` must be NULL or a valid NUL-terminated string.
pub(crate) unsafe fn str_arg<'a>(ptr: *const std::ffi::c_char, arg: &str) -> Result<&'a str, Failure> {
    if ptr.is_null() {
        return Err(fail(radscore_status::NullArgument, format!("{arg} is NULL")));
    }
    // SAFETY: valid C string per the contract.
    unsafe { std::ffi::CStr::from_ptr(ptr) }
        .to_str()
        .map_err(|_| fail(radscore_status::InvalidArgument, format!("{arg} is not valid UTF-8")))
}

/// Read an optional string argument (NULL → None).
///
/// # Safety
/// As [`str_arg`].
pub(crate) unsafe fn opt_str_arg<'a>(ptr: *const std::ffi::c_char, arg: &str) -> Result<Option<&'a str>, Failure> {
    if ptr.is_null() {
        Ok(None)
    } else {
        // SAFETY: forwarded.
        unsafe { str_arg(ptr, arg) }.map(Some)
    }
}
