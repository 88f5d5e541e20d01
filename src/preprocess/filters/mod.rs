//! pyradiomics 3.1's image types (`imageType` section): the filters that derive images from
//! the loaded (normalized, resampled) image before features are computed on them.
//!
//! Each filter reproduces pyradiomics' generator (`radiomics.imageoperations.get<Kind>Image`)
//! value for value: the same arithmetic, in the same order, in the same precision, with the
//! same output pixel type, names and yield order. The names are the image-type prefixes of
//! the feature keys (`wavelet-LLH_glcm_Imc1`, `log-sigma-3-0-mm-3D_firstorder_Mean`).
//!
//! | kind | names (in yield order) | pixel type |
//! |---|---|---|
//! | Original | `original` | unchanged |
//! | Wavelet | `wavelet-LLH` … `wavelet-HHH`, then `wavelet-LLL` ([`wavelet`]) | float64 (float32 input: float32) |
//! | LoG | `log-sigma-<σ>-mm-3D` per sigma ([`log`]) | float32 |
//! | Square, SquareRoot, Logarithm, Exponential | `square`, `squareroot`, `logarithm`, `exponential` | float64 |
//! | Gradient | `gradient` | float32 |
//! | LBP2D | `lbp-2D` ([`lbp`]: scikit-image's `local_binary_pattern` per slice along `force2Ddimension`) | unchanged (numpy's cast of the float64 codes) |
//! | LBP3D | `lbp-3D-m1` … `lbp-3D-m<levels>`, `lbp-3D-k` ([`lbp3d`]: spherical harmonics of scipy-spline samples on an icosphere) | float64 |

pub mod elementwise;
pub mod gradient;
pub mod lbp;
pub mod lbp3d;
pub mod log;
pub mod wavelet;
mod wavelet_table;

use std::ops::{Add, Mul, Sub};

use crate::error::{Error, Result};
use crate::image::{Image, LabelMap};
use crate::settings::{GeneralSettings, ImageTypeKind};

/// One derived image and its image-type name (the feature-key prefix).
#[derive(Debug, Clone)]
pub struct FilteredImage {
    /// pyradiomics' image-type name, e.g. `original`, `wavelet-LLH`, `log-sigma-1-0-mm-3D`, `square`.
    pub name: String,
    /// The derived image, with the input's geometry.
    pub image: Image,
}

/// Run the filter of `kind` on the whole `image` and return its derived images in
/// pyradiomics' yield order. An image type can yield nothing (LoG on an image that is too
/// small, as pyradiomics skips it with a warning).
pub fn apply(
    kind: ImageTypeKind,
    image: &Image,
    mask: &LabelMap,
    settings: &GeneralSettings,
) -> Result<Vec<FilteredImage>> {
    let mut out = Vec::new();
    for_each(kind, image, mask, settings, |f| {
        out.push(f);
        Ok(())
    })?;
    Ok(out)
}

/// Like [`apply`], but hands each derived image to `emit` as soon as it is ready, so a caller
/// that crops each image to the ROI right away never holds all of them at once (a wavelet
/// transform of a whole CT yields eight full-size float64 volumes). An error from `emit`
/// stops the filter and is returned.
pub fn for_each(
    kind: ImageTypeKind,
    image: &Image,
    mask: &LabelMap,
    settings: &GeneralSettings,
    mut emit: impl FnMut(FilteredImage) -> Result<()>,
) -> Result<()> {
    match kind {
        ImageTypeKind::Original => emit(FilteredImage {
            name: "original".into(),
            image: image.clone(),
        }),
        ImageTypeKind::Wavelet => wavelet::wavelet_images(image, settings, emit),
        ImageTypeKind::LoG => {
            for f in log::log_images(image, &settings.sigma, &settings.sigma_is_integer)? {
                emit(f)?;
            }
            Ok(())
        }
        ImageTypeKind::Square => emit(elementwise::square(image)?),
        ImageTypeKind::SquareRoot => emit(elementwise::square_root(image)?),
        ImageTypeKind::Logarithm => emit(elementwise::logarithm(image)?),
        ImageTypeKind::Exponential => emit(elementwise::exponential(image)?),
        ImageTypeKind::Gradient => emit(gradient::gradient(image, settings.gradient_use_spacing)?),
        ImageTypeKind::LBP2D => emit(lbp::lbp2d(
            image,
            settings.lbp2d_radius,
            settings.lbp2d_samples,
            settings.lbp2d_method,
            // A 2-D image is its own plane, whatever force2Ddimension says.
            if image.geometry.dimension == 2 {
                0
            } else {
                settings.force2d_dimension
            },
        )?),
        // pyradiomics computes LBP3D on 3-D images only (it logs a warning otherwise).
        ImageTypeKind::LBP3D if image.geometry.dimension == 2 => Ok(()),
        ImageTypeKind::LBP3D => {
            for f in lbp3d::lbp3d(
                image,
                mask,
                settings.label,
                settings.lbp3d_levels,
                settings.lbp3d_icosphere_radius,
                settings.lbp3d_icosphere_subdivision,
            )? {
                emit(f)?;
            }
            Ok(())
        }
    }
}

/// The two floating-point precisions pyradiomics' filters compute in (numpy/pywt keep
/// float32 data in float32; everything else is float64).
pub(crate) trait Real:
    Copy + Send + Sync + PartialEq + Add<Output = Self> + Sub<Output = Self> + Mul<Output = Self> + 'static
{
    const ZERO: Self;
    fn from_f64(v: f64) -> Self;
    fn to_f64(self) -> f64;
    /// The values as f64, without a copy when they already are.
    fn into_f64_vec(values: Vec<Self>) -> Vec<f64>;
}

impl Real for f64 {
    const ZERO: Self = 0.0;
    fn from_f64(v: f64) -> Self {
        v
    }
    fn to_f64(self) -> f64 {
        self
    }
    fn into_f64_vec(values: Vec<Self>) -> Vec<f64> {
        values
    }
}

impl Real for f32 {
    const ZERO: Self = 0.0;
    fn from_f64(v: f64) -> Self {
        v as f32
    }
    fn to_f64(self) -> f64 {
        self as f64
    }
    fn into_f64_vec(values: Vec<Self>) -> Vec<f64> {
        values.into_iter().map(f64::from).collect()
    }
}

/// The image's voxels as a flat C-order (`[z, y, x]`) slice of values.
fn flat_values(image: &Image) -> Vec<f64> {
    let values = image.values();
    match values.as_slice() {
        Some(s) => s.to_vec(),
        None => values.iter().copied().collect(),
    }
}

/// Build a derived image with `image`'s geometry from flat C-order values.
fn derived(image: &Image, values: Vec<f64>, pixel_type: crate::image::PixelType) -> Result<Image> {
    let voxels = ndarray::Array3::from_shape_vec(image.geometry.shape_zyx(), values)
        .map_err(|e| Error::InvalidArgument(format!("derived image shape: {e}")))?;
    Image::new(voxels, pixel_type, image.geometry.clone())
}
