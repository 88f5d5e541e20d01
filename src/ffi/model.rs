//! `radscore_model` and `radscore_prediction`: Radscore, probability and nomogram points.

use std::collections::BTreeMap;
use std::ffi::c_char;

use super::error::{Failure, boundary, boundary_value, fail, radscore_status};
use super::handle::{self, Object, get, require_out, str_arg, write_out};
use super::result::radscore_result;
use crate::model::{ClinicalValue, ModelCard, Prediction};

/// A model card (Radscore + fusion model + nomogram). Free with `radscore_model_free`.
pub struct radscore_model {
    _private: [u8; 0],
}

impl Object for radscore_model {
    type Inner = ModelCard;
    const MAGIC: u64 = 0x40DE_140D_E140_DE14;
    const NAME: &'static str = "radscore_model";
}

/// One prediction. Free with `radscore_prediction_free`.
pub struct radscore_prediction {
    _private: [u8; 0],
}

/// What a `radscore_prediction` handle holds.
pub(crate) struct PredictionHandle {
    prediction: Prediction,
    json: String,
}

impl Object for radscore_prediction {
    type Inner = PredictionHandle;
    const MAGIC: u64 = 0x94ED_1C70_94ED_1C70;
    const NAME: &'static str = "radscore_prediction";
}

fn put_model(out: *mut *mut radscore_model, card: ModelCard) {
    // SAFETY: callers checked `out` with `require_out`.
    unsafe { write_out(out, handle::into_raw::<radscore_model>(card)) };
}

/// Load a model file (JSON). `out` receives a new handle (free with `radscore_model_free`).
/// Errors: NULL arguments, `RADSCORE_STATUS_IO`, `RADSCORE_STATUS_MODEL` naming what is wrong.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn radscore_model_from_file(
    path: *const c_char,
    out: *mut *mut radscore_model,
) -> radscore_status {
    boundary(|| {
        // SAFETY: NUL-terminated per the contract.
        let path = unsafe { str_arg(path, "path") }?;
        require_out(out, "out")?;
        put_model(out, ModelCard::from_file(path)?);
        Ok(())
    })
}

/// Load a model from its JSON text. `out` receives a new handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn radscore_model_from_string(
    json: *const c_char,
    out: *mut *mut radscore_model,
) -> radscore_status {
    boundary(|| {
        // SAFETY: NUL-terminated per the contract.
        let json = unsafe { str_arg(json, "json") }?;
        require_out(out, "out")?;
        put_model(out, ModelCard::from_json(json)?);
        Ok(())
    })
}

/// Load a model card shipped with radscore by id ("front-oncol-2025", "cancer-med-2026").
#[unsafe(no_mangle)]
pub unsafe extern "C" fn radscore_model_from_card(id: *const c_char, out: *mut *mut radscore_model) -> radscore_status {
    boundary(|| {
        // SAFETY: NUL-terminated per the contract.
        let id = unsafe { str_arg(id, "id") }?;
        require_out(out, "out")?;
        put_model(out, crate::model::published_card(id)?);
        Ok(())
    })
}

/// The model as JSON (the model file), copied into `buf` with snprintf semantics: returns the
/// full length excluding the NUL; 0 if `model` is NULL or invalid.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn radscore_model_json(model: *const radscore_model, buf: *mut c_char, len: usize) -> usize {
    boundary_value(0, || {
        // SAFETY: per the contract.
        match unsafe { get(model, "model") } {
            // SAFETY: `buf` holds `len` bytes per the contract.
            Ok(m) => unsafe { copy_text(&m.to_json(), buf, len) },
            Err(_) => 0,
        }
    })
}

/// `RADSCORE_STATUS_OK` if the model can predict; otherwise `RADSCORE_STATUS_MODEL` with a
/// message listing what must be fitted locally (and how).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn radscore_model_check_complete(model: *const radscore_model) -> radscore_status {
    boundary(|| {
        // SAFETY: per the contract.
        let m = unsafe { get(model, "model") }?;
        m.require_complete()?;
        Ok(())
    })
}

fn parse_clinical(json: Option<&str>) -> Result<BTreeMap<String, ClinicalValue>, Failure> {
    let Some(json) = json else {
        return Ok(BTreeMap::new());
    };
    let v: serde_json::Value = serde_json::from_str(json).map_err(|e| {
        fail(
            radscore_status::Model,
            format!("clinical values are not a JSON object: {e}"),
        )
    })?;
    let obj = v.as_object().ok_or_else(|| {
        fail(
            radscore_status::Model,
            "clinical values must be a JSON object {\"name\": value}",
        )
    })?;
    obj.iter()
        .map(|(k, v)| {
            let value = match v {
                serde_json::Value::Number(n) => ClinicalValue::Number(n.as_f64().unwrap_or(f64::NAN)),
                serde_json::Value::String(s) => ClinicalValue::parse(s),
                serde_json::Value::Bool(b) => ClinicalValue::Number(if *b { 1.0 } else { 0.0 }),
                other => {
                    return Err(fail(
                        radscore_status::Model,
                        format!("clinical value '{k}' must be a number or a string, got {other}"),
                    ));
                }
            };
            Ok((k.clone(), value))
        })
        .collect()
}

fn put_prediction(out: *mut *mut radscore_prediction, p: Prediction, card: &ModelCard) {
    let json = p.to_json(&card.id).to_string();
    // SAFETY: callers checked `out` with `require_out`.
    unsafe {
        write_out(
            out,
            handle::into_raw::<radscore_prediction>(PredictionHandle { prediction: p, json }),
        )
    };
}

/// Predict from extracted features (`features`, a result of `radscore_extract` holding every
/// feature the Radscore needs) and clinical values given as a JSON object, e.g.
/// `{"ki67": 30, "hepatic_metastases": "multiple", "extrahepatic_metastasis": "yes"}`
/// (NULL when the model has no clinical predictor). `out` receives a new prediction.
/// Errors: NULL arguments; `RADSCORE_STATUS_MODEL` for an incomplete model, a missing feature,
/// or a missing, unknown or out-of-range clinical value (the message names it).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn radscore_model_predict(
    model: *const radscore_model,
    features: *const radscore_result,
    clinical_json: *const c_char,
    out: *mut *mut radscore_prediction,
) -> radscore_status {
    boundary(|| {
        // SAFETY: handles and strings per the contract.
        let m = unsafe { get(model, "model") }?;
        let r = unsafe { get(features, "features") }?;
        let clinical = unsafe { super::handle::opt_str_arg(clinical_json, "clinical_json") }?;
        require_out(out, "out")?;
        let p = m.predict(&r.features, &parse_clinical(clinical)?)?;
        put_prediction(out, p, m);
        Ok(())
    })
}

/// Predict from a Radscore value and clinical values (JSON object, or NULL).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn radscore_model_predict_radscore(
    model: *const radscore_model,
    radscore: f64,
    clinical_json: *const c_char,
    out: *mut *mut radscore_prediction,
) -> radscore_status {
    boundary(|| {
        // SAFETY: handles and strings per the contract.
        let m = unsafe { get(model, "model") }?;
        let clinical = unsafe { super::handle::opt_str_arg(clinical_json, "clinical_json") }?;
        require_out(out, "out")?;
        if !radscore.is_finite() {
            return Err(fail(
                radscore_status::InvalidArgument,
                format!("radscore must be finite, got {radscore}"),
            ));
        }
        let p = m.predict_with_radscore(radscore, &parse_clinical(clinical)?)?;
        put_prediction(out, p, m);
        Ok(())
    })
}

/// The Radscore of a prediction (NaN if `prediction` is NULL or invalid).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn radscore_prediction_radscore(prediction: *const radscore_prediction) -> f64 {
    // SAFETY: per the contract.
    boundary_value(f64::NAN, || {
        unsafe { get(prediction, "prediction") }.map_or(f64::NAN, |p| p.prediction.radscore)
    })
}

/// The probability of the model's event (NaN if `prediction` is NULL or invalid).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn radscore_prediction_probability(prediction: *const radscore_prediction) -> f64 {
    // SAFETY: per the contract.
    boundary_value(f64::NAN, || {
        unsafe { get(prediction, "prediction") }.map_or(f64::NAN, |p| p.prediction.probability)
    })
}

/// The nomogram's total points (NaN if `prediction` is NULL or invalid).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn radscore_prediction_total_points(prediction: *const radscore_prediction) -> f64 {
    // SAFETY: per the contract.
    boundary_value(f64::NAN, || {
        unsafe { get(prediction, "prediction") }.map_or(f64::NAN, |p| p.prediction.total_points)
    })
}

/// The whole prediction as JSON (`radscore`, `linear_predictor`, `probability`, `event`,
/// `terms` with points, `total_points`), snprintf semantics; 0 if NULL or invalid.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn radscore_prediction_json(
    prediction: *const radscore_prediction,
    buf: *mut c_char,
    len: usize,
) -> usize {
    boundary_value(0, || {
        // SAFETY: per the contract.
        match unsafe { get(prediction, "prediction") } {
            // SAFETY: `buf` holds `len` bytes per the contract.
            Ok(p) => unsafe { copy_text(&p.json, buf, len) },
            Err(_) => 0,
        }
    })
}

/// Free a model. NULL is a no-op; must not be called twice on the same handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn radscore_model_free(model: *mut radscore_model) {
    let _ = std::panic::catch_unwind(|| {
        // SAFETY: per the contract.
        unsafe { handle::free(model) }
    });
}

/// Free a prediction. NULL is a no-op; must not be called twice on the same handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn radscore_prediction_free(prediction: *mut radscore_prediction) {
    let _ = std::panic::catch_unwind(|| {
        // SAFETY: per the contract.
        unsafe { handle::free(prediction) }
    });
}

/// snprintf-style copy of `text` into `buf` (NUL-terminated, truncated); returns its length.
///
/// # Safety
/// `buf` must be NULL or hold `len` writable bytes.
pub(crate) unsafe fn copy_text(text: &str, buf: *mut c_char, len: usize) -> usize {
    let bytes = text.as_bytes();
    if !buf.is_null() && len > 0 {
        let n = bytes.len().min(len - 1);
        // SAFETY: `n + 1 ≤ len` bytes fit in the caller's buffer.
        unsafe {
            std::ptr::copy_nonoverlapping(bytes.as_ptr(), buf.cast::<u8>(), n);
            *buf.add(n) = 0;
        }
    }
    bytes.len()
}
