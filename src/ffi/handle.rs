//! Opaque handles: boxed objects tagged with a per-type magic number, so that a NULL, a
//! handle of another type or (usually) a freed handle is reported instead of crashing.

use super::error::{Failure, fail, radscore_status};

/// Written into a handle when it is freed.
const FREED: u64 = 0xDEAD_F4EE_DEAD_F4EE;

/// A C-visible object.
pub(crate) trait Object: Sized {
    /// Unique tag of live objects of this type.
    const MAGIC: u64;
    /// C type name, for messages.
    const NAME: &'static str;
    fn magic(&self) -> u64;
    fn set_magic(&mut self, magic: u64);
}

/// Box `value` and hand it to C.
pub(crate) fn into_raw<T: Object>(value: T) -> *mut T {
    Box::into_raw(Box::new(value))
}

/// Borrow a handle, checking NULL and its type tag.
///
/// # Safety
/// `ptr` must be NULL or point to memory radscore handed out (live or freed).
pub(crate) unsafe fn get<'a, T: Object>(ptr: *const T, arg: &str) -> Result<&'a T, Failure> {
    if ptr.is_null() {
        return Err(fail(radscore_status::NullArgument, format!("{arg} is NULL")));
    }
    // SAFETY: non-null and, per the contract, allocated by radscore as a `T`.
    let obj = unsafe { &*ptr };
    if obj.magic() != T::MAGIC {
        return Err(fail(
            radscore_status::InvalidHandle,
            format!("{arg} is not a live {} (freed, or another type)", T::NAME),
        ));
    }
    Ok(obj)
}

/// Mutably borrow a handle, checking NULL and its type tag.
///
/// # Safety
/// As [`get`], and no other reference to the object may be in use.
pub(crate) unsafe fn get_mut<'a, T: Object>(ptr: *mut T, arg: &str) -> Result<&'a mut T, Failure> {
    // SAFETY: forwarded contract.
    unsafe { get::<T>(ptr, arg)? };
    // SAFETY: checked above; exclusivity is the caller's contract.
    Ok(unsafe { &mut *ptr })
}

/// Free a handle; NULL is a no-op, a handle that is not live is ignored.
///
/// # Safety
/// `ptr` must be NULL or have been returned by radscore as a `T`, and not be used afterwards.
pub(crate) unsafe fn free<T: Object>(ptr: *mut T) {
    if ptr.is_null() {
        return;
    }
    // SAFETY: allocated by `into_raw::<T>` per the contract.
    let obj = unsafe { &mut *ptr };
    if obj.magic() != T::MAGIC {
        return;
    }
    obj.set_magic(FREED);
    // SAFETY: the pointer came from `Box::into_raw` and is freed once (the tag is now FREED).
    drop(unsafe { Box::from_raw(ptr) });
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

/// Implement [`Object`] for a handle struct with a `magic: u64` field.
macro_rules! object {
    ($t:ident, $magic:expr) => {
        impl $crate::ffi::handle::Object for $t {
            const MAGIC: u64 = $magic;
            const NAME: &'static str = stringify!($t);
            fn magic(&self) -> u64 {
                self.magic
            }
            fn set_magic(&mut self, magic: u64) {
                self.magic = magic;
            }
        }
    };
}
pub(crate) use object;
