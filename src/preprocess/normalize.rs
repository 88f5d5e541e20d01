//! Intensity normalization as pyradiomics' `normalizeImage` (SimpleITK `Normalize`, optional
//! outlier clipping, scaling).

use crate::image::{Image, PixelType};

/// `(x − mean) / sd` over the whole image (sd with N − 1, as ITK's StatisticsImageFilter),
/// clipped to ±`remove_outliers`, then multiplied by `scale`. The result is float64.
pub fn normalize(image: &Image, scale: f64, remove_outliers: Option<f64>) -> Image {
    let values = image.values();
    let n = values.len() as f64;
    // ITK accumulates sum and sum of squares with compensated (Kahan) summation.
    let (mut sum, mut c1) = (0.0f64, 0.0f64);
    let (mut sq, mut c2) = (0.0f64, 0.0f64);
    for &v in values.iter() {
        kahan(&mut sum, &mut c1, v);
        kahan(&mut sq, &mut c2, v * v);
    }
    let mean = sum / n;
    let variance = (sq - sum * sum / n) / (n - 1.0);
    let sigma = variance.sqrt();
    // ShiftScaleImageFilter: (x + shift) · scale with shift = −mean, scale = 1/σ.
    let inv = 1.0 / sigma;
    let voxels = values.mapv(|v| {
        let mut x = (v + -mean) * inv;
        if let Some(o) = remove_outliers {
            if x > o {
                x = o;
            }
            if x < -o {
                x = -o;
            }
        }
        x * scale
    });
    Image {
        voxels: voxels.into(),
        pixel_type: PixelType::F64,
        geometry: image.geometry.clone(),
    }
}

#[inline]
fn kahan(sum: &mut f64, c: &mut f64, v: f64) {
    let y = v - *c;
    let t = *sum + y;
    *c = (t - *sum) - y;
    *sum = t;
}
