//! `radscore_result`: the ordered features of one extraction.

use std::collections::HashMap;
use std::ffi::{CString, c_char};

use super::error::{boundary, boundary_value, fail, radscore_status};
use super::handle::{self, Object, get, require_out, str_arg, write_out};
use crate::extract::FeatureSet;

/// Features of one extraction, in pyradiomics' order. Free with `radscore_result_free`.
pub struct radscore_result {
    _private: [u8; 0],
}

/// What a `radscore_result` handle holds.
pub(crate) struct ResultHandle {
    pub(crate) features: FeatureSet,
    keys: Vec<CString>,
    values: Vec<f64>,
    index: HashMap<String, usize>,
    json: String,
}

impl Object for radscore_result {
    type Inner = ResultHandle;
    const MAGIC: u64 = 0x7E5C_7E5C_7E5C_7E5C;
    const NAME: &'static str = "radscore_result";
}

pub(crate) fn new_result(features: &FeatureSet) -> *mut radscore_result {
    let keys = features
        .keys()
        .map(|k| CString::new(k.as_str()).unwrap_or_default())
        .collect();
    let values = features.values().copied().collect();
    let index = features.keys().enumerate().map(|(i, k)| (k.clone(), i)).collect();
    let map: serde_json::Map<String, serde_json::Value> = features
        .iter()
        .map(|(k, v)| {
            let v = serde_json::Number::from_f64(*v)
                .map(serde_json::Value::Number)
                .unwrap_or(serde_json::Value::Null);
            (k.clone(), v)
        })
        .collect();
    let json = serde_json::Value::Object(map).to_string();
    handle::into_raw::<radscore_result>(ResultHandle {
        features: features.clone(),
        keys,
        values,
        index,
        json,
    })
}

/// Number of features (0 if `result` is NULL or invalid).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn radscore_result_count(result: *const radscore_result) -> usize {
    boundary_value(0, || {
        // SAFETY: per the contract.
        unsafe { get(result, "result") }.map(|r| r.values.len()).unwrap_or(0)
    })
}

/// Key of feature `index` (e.g. "original_glcm_Imc1"), or NULL if out of range. The string is
/// owned by `result` and valid until it is freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn radscore_result_key(result: *const radscore_result, index: usize) -> *const c_char {
    boundary_value(std::ptr::null(), || {
        // SAFETY: per the contract.
        match unsafe { get(result, "result") } {
            Ok(r) => r.keys.get(index).map_or(std::ptr::null(), |k| k.as_ptr()),
            Err(_) => std::ptr::null(),
        }
    })
}

/// Value of feature `index` into `*out` (NaN where pyradiomics gives NaN).
/// Errors: NULL arguments; `RADSCORE_STATUS_NOT_FOUND` if `index` ≥ count.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn radscore_result_value(
    result: *const radscore_result,
    index: usize,
    out: *mut f64,
) -> radscore_status {
    boundary(|| {
        // SAFETY: per the contract.
        let r = unsafe { get(result, "result") }?;
        require_out(out, "out")?;
        let v = *r.values.get(index).ok_or_else(|| {
            fail(
                radscore_status::NotFound,
                format!(
                    "index {index} is out of range (the result has {} features)",
                    r.values.len()
                ),
            )
        })?;
        // SAFETY: checked non-null.
        unsafe { write_out(out, v) };
        Ok(())
    })
}

/// Value of the feature named `key` into `*out`.
/// Errors: NULL arguments; `RADSCORE_STATUS_NOT_FOUND` if there is no such feature.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn radscore_result_get(
    result: *const radscore_result,
    key: *const c_char,
    out: *mut f64,
) -> radscore_status {
    boundary(|| {
        // SAFETY: per the contract.
        let r = unsafe { get(result, "result") }?;
        // SAFETY: NUL-terminated per the contract.
        let key = unsafe { str_arg(key, "key") }?;
        require_out(out, "out")?;
        let i = *r.index.get(key).ok_or_else(|| {
            fail(
                radscore_status::NotFound,
                format!("no feature named '{key}' in the result"),
            )
        })?;
        // SAFETY: checked non-null.
        unsafe { write_out(out, r.values[i]) };
        Ok(())
    })
}

/// The whole result as one JSON object `{"key": value, ...}` (NaN as null), copied into `buf`
/// (NUL-terminated, truncated to `len` bytes including the NUL). Returns the full length in
/// bytes excluding the NUL (snprintf semantics: call with NULL, 0 to size the buffer); 0 if
/// `result` is NULL or invalid.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn radscore_result_json(result: *const radscore_result, buf: *mut c_char, len: usize) -> usize {
    boundary_value(0, || {
        // SAFETY: per the contract.
        let Ok(r) = (unsafe { get(result, "result") }) else {
            return 0;
        };
        let bytes = r.json.as_bytes();
        if !buf.is_null() && len > 0 {
            let n = bytes.len().min(len - 1);
            // SAFETY: the caller provides `len` writable bytes; `n + 1 ≤ len`.
            unsafe {
                std::ptr::copy_nonoverlapping(bytes.as_ptr(), buf.cast::<u8>(), n);
                *buf.add(n) = 0;
            }
        }
        bytes.len()
    })
}

/// Free a result (and the key strings it owns). NULL is a no-op; must not be called twice.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn radscore_result_free(result: *mut radscore_result) {
    let _ = std::panic::catch_unwind(|| {
        // SAFETY: per the contract.
        unsafe { handle::free(result) }
    });
}
