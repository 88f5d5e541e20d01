//! pyradiomics' voxel-wise image types: Square, SquareRoot, Logarithm and Exponential
//! (`getSquareImage` …). Each works in float64 on the whole image and rescales by the
//! largest absolute intensity M = max|x|, exactly as pyradiomics writes it:
//!
//! - square: (x / √M)², computed as (c·x)² with c = 1/√M;
//! - squareroot: √(x·M) for x > 0, −√(−x·M) for x < 0, 0 stays 0;
//! - logarithm: ln(x + 1) for x > 0, −ln(−(x − 1)) for x < 0, then scaled by M / max|result|;
//! - exponential: exp(c·x) with c = ln(M) / M.
//!
//! Degenerate images (M = 0, or M = 1 for the logarithm's scale) give the same NaN or infinite
//! values numpy gives; later checks of the ROI report them.

use super::{FilteredImage, derived, flat_values};
use crate::error::Result;
use crate::image::{Image, PixelType};

/// max|x| as numpy's `np.max(np.abs(im))` (NaN propagates).
fn max_abs(values: &[f64]) -> f64 {
    let mut m = f64::NEG_INFINITY;
    for &v in values {
        let a = v.abs();
        if a.is_nan() {
            return f64::NAN;
        }
        if a > m {
            m = a;
        }
    }
    m
}

fn finish(image: &Image, name: &str, values: Vec<f64>) -> Result<FilteredImage> {
    Ok(FilteredImage {
        name: name.into(),
        image: derived(image, values, PixelType::F64)?,
    })
}

/// `square`: (x / √M)².
pub fn square(image: &Image) -> Result<FilteredImage> {
    let mut values = flat_values(image);
    let coeff = 1.0 / max_abs(&values).sqrt();
    for v in &mut values {
        let s = coeff * *v;
        *v = s * s;
    }
    finish(image, "square", values)
}

/// `squareroot`: sign(x)·√(|x|·M).
pub fn square_root(image: &Image) -> Result<FilteredImage> {
    let mut values = flat_values(image);
    let coeff = max_abs(&values);
    for v in &mut values {
        if *v > 0.0 {
            *v = (*v * coeff).sqrt();
        } else if *v < 0.0 {
            *v = -(-*v * coeff).sqrt();
        }
    }
    finish(image, "squareroot", values)
}

/// `logarithm`: sign(x)·ln(|x| + 1), rescaled to the input's max|x|.
pub fn logarithm(image: &Image) -> Result<FilteredImage> {
    let mut values = flat_values(image);
    let im_max = max_abs(&values);
    for v in &mut values {
        if *v > 0.0 {
            *v = (*v + 1.0).ln();
        } else if *v < 0.0 {
            *v = -(-(*v - 1.0)).ln();
        }
    }
    let scale = im_max / max_abs(&values);
    for v in &mut values {
        *v *= scale;
    }
    finish(image, "logarithm", values)
}

/// `exponential`: exp(x·ln(M)/M).
pub fn exponential(image: &Image) -> Result<FilteredImage> {
    let mut values = flat_values(image);
    let im_max = max_abs(&values);
    let coeff = im_max.ln() / im_max;
    for v in &mut values {
        *v = (coeff * *v).exp();
    }
    finish(image, "exponential", values)
}
