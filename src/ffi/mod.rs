//! The C ABI: the only module with `unsafe` and `extern "C"` (and, for the same reason, the
//! CLI's allocator in `huge_pages`).
//!
//! Conventions (the header `include/radscore.h` is generated from this module by cbindgen):
//! - every symbol starts with `radscore_`; a function named after an object takes it first;
//! - objects are opaque handles created by `_new`/`_from_*`/`_read`/`radscore_extract` into an
//!   out-parameter and destroyed by `_free`; `_free(NULL)` does nothing;
//! - fallible functions return a [`radscore_status`] (0 = OK); out-parameters come last and are
//!   written only on success; on failure [`radscore_last_error`] tells why (per thread);
//! - no panic crosses the boundary: each export runs inside `catch_unwind` and reports
//!   `RADSCORE_STATUS_PANIC`;
//! - input buffers are copied: the caller keeps ownership of everything it passes in;
//!   strings returned by radscore are borrowed from the handle that returned them.
#![allow(non_camel_case_types)]
#![allow(clippy::missing_safety_doc)]

mod error;
mod extract;
mod handle;
mod huge_pages;
mod image;
mod mask;
mod model;
mod result;
mod settings;

pub use error::*;
pub use extract::*;
pub use huge_pages::HugePageAllocator;
pub use image::*;
pub use mask::*;
pub use model::*;
pub use result::*;
pub use settings::*;

use std::ffi::c_char;

/// The ABI version of this header and library. It changes whenever a signature, a struct
/// layout or the meaning of a value changes; check `radscore_abi_version() == RADSCORE_ABI_VERSION`
/// when loading the library.
pub const RADSCORE_ABI_VERSION: u32 = 1;

/// The library version as a static NUL-terminated string (e.g. "0.1.0"). Never NULL; do not free.
#[unsafe(no_mangle)]
pub extern "C" fn radscore_version() -> *const c_char {
    concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr().cast()
}

/// The ABI version the library was built with (compare with `RADSCORE_ABI_VERSION`).
#[unsafe(no_mangle)]
pub extern "C" fn radscore_abi_version() -> u32 {
    RADSCORE_ABI_VERSION
}
