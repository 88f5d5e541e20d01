//! Status codes, the per-thread last error message, and the panic boundary.

use std::cell::RefCell;
use std::ffi::{CString, c_char};
use std::panic::{AssertUnwindSafe, catch_unwind};

use crate::error::Error;

/// Result of a fallible call. Values are stable: new codes are only ever added.
#[repr(i32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum radscore_status {
    /// Success.
    Ok = 0,
    /// A required pointer argument was NULL.
    NullArgument = 1,
    /// An argument is out of range or inconsistent (sizes, pixel type, dimensions).
    InvalidArgument = 2,
    /// A file could not be read or written.
    Io = 3,
    /// A file is malformed, truncated or corrupt.
    Format = 4,
    /// A valid file uses something radscore does not support.
    Unsupported = 5,
    /// A setting or parameter file is invalid.
    Setting = 6,
    /// The mask does not contain the requested label (or is empty).
    LabelAbsent = 7,
    /// Image and mask do not share a geometry.
    GeometryMismatch = 8,
    /// The ROI is too small for the settings (e.g. a single voxel).
    RoiTooSmall = 9,
    /// The image holds NaN or infinite values.
    NonFinite = 10,
    /// A model file or model input is invalid.
    Model = 11,
    /// A statistical procedure failed.
    Stats = 12,
    /// The progress callback asked to stop.
    Cancelled = 13,
    /// A caller-provided output buffer is too small.
    BufferTooSmall = 14,
    /// A key or index does not exist.
    NotFound = 15,
    /// A handle is not a live object of the expected type (freed, or of another type).
    InvalidHandle = 16,
    /// An internal error (a bug in radscore); the message says where.
    Panic = 99,
}

impl From<&Error> for radscore_status {
    fn from(e: &Error) -> Self {
        match e {
            Error::Io { .. } => radscore_status::Io,
            Error::Format { .. } => radscore_status::Format,
            Error::Unsupported { .. } => radscore_status::Unsupported,
            Error::Setting { .. } => radscore_status::Setting,
            Error::LabelAbsent { .. } => radscore_status::LabelAbsent,
            Error::GeometryMismatch { .. } => radscore_status::GeometryMismatch,
            Error::RoiTooSmall { .. } => radscore_status::RoiTooSmall,
            Error::NonFinite { .. } => radscore_status::NonFinite,
            Error::InvalidArgument(_) => radscore_status::InvalidArgument,
            Error::Model(_) => radscore_status::Model,
            Error::Stats(_) => radscore_status::Stats,
            Error::Cancelled => radscore_status::Cancelled,
        }
    }
}

thread_local! {
    static LAST_ERROR: RefCell<Option<CString>> = const { RefCell::new(None) };
}

pub(crate) fn set_last_error(message: &str) {
    let c = CString::new(message.replace('\0', " ")).unwrap_or_default();
    LAST_ERROR.with(|e| *e.borrow_mut() = Some(c));
}

pub(crate) fn clear_last_error() {
    LAST_ERROR.with(|e| *e.borrow_mut() = None);
}

/// A failure to report: its status and message.
pub(crate) struct Failure(pub radscore_status, pub String);

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        Failure((&e).into(), e.to_string())
    }
}

pub(crate) fn fail(status: radscore_status, message: impl Into<String>) -> Failure {
    Failure(status, message.into())
}

/// Run an export's body: clear the last error, catch panics, record failures.
pub(crate) fn boundary(f: impl FnOnce() -> Result<(), Failure>) -> radscore_status {
    clear_last_error();
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(())) => radscore_status::Ok,
        Ok(Err(Failure(status, message))) => {
            set_last_error(&message);
            status
        }
        Err(payload) => {
            let what = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".into());
            set_last_error(&format!("internal error (please report): {what}"));
            radscore_status::Panic
        }
    }
}

/// Run a non-status export (getter): panics give `fallback`.
pub(crate) fn boundary_value<T>(fallback: T, f: impl FnOnce() -> T) -> T {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or(fallback)
}

/// Copy the calling thread's last error message into `buf` (NUL-terminated, truncated to
/// `len` bytes including the NUL) and return its full length in bytes, excluding the NUL
/// (snprintf semantics: call with `buf = NULL, len = 0` to size the buffer). Returns 0 when
/// the last call on this thread succeeded.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn radscore_last_error(buf: *mut c_char, len: usize) -> usize {
    boundary_value(0, || {
        LAST_ERROR.with(|e| {
            let e = e.borrow();
            let Some(msg) = e.as_ref() else {
                if !buf.is_null() && len > 0 {
                    // SAFETY: the caller provides `len` writable bytes at `buf`.
                    unsafe { *buf = 0 };
                }
                return 0;
            };
            let bytes = msg.as_bytes();
            if !buf.is_null() && len > 0 {
                let n = bytes.len().min(len - 1);
                // SAFETY: `n < len` bytes fit in the caller's buffer, plus the NUL.
                unsafe {
                    std::ptr::copy_nonoverlapping(bytes.as_ptr(), buf.cast::<u8>(), n);
                    *buf.add(n) = 0;
                }
            }
            bytes.len()
        })
    })
}

/// A static description of a status code (never NULL; unknown codes give "unknown status").
#[unsafe(no_mangle)]
pub extern "C" fn radscore_status_str(status: i32) -> *const c_char {
    let s: &'static str = match status {
        0 => "ok\0",
        1 => "a required pointer argument was NULL\0",
        2 => "invalid argument\0",
        3 => "file could not be read or written\0",
        4 => "malformed, truncated or corrupt file\0",
        5 => "unsupported file content\0",
        6 => "invalid setting or parameter file\0",
        7 => "label not present in the mask\0",
        8 => "image and mask geometry mismatch\0",
        9 => "ROI too small\0",
        10 => "image contains NaN or infinite values\0",
        11 => "invalid model or model input\0",
        12 => "statistics failed\0",
        13 => "cancelled by the caller\0",
        14 => "output buffer too small\0",
        15 => "not found\0",
        16 => "invalid or freed handle\0",
        99 => "internal error\0",
        _ => "unknown status\0",
    };
    s.as_ptr().cast()
}
