//! Resampling as SimpleITK's ResampleImageFilter and pyradiomics' `resampleImage` (placeholder).

use crate::error::{Error, Result};
use crate::image::{Geometry, Image, LabelMap};
use crate::settings::Interpolator;

/// Resample `image` onto `target` (identity transform, default value 0), casting the result
/// back to the image's pixel type like ITK does.
pub fn resample_image(_image: &Image, _target: &Geometry, _interpolator: Interpolator) -> Result<Image> {
    Err(Error::InvalidArgument("resampling not implemented yet".into()))
}

/// Nearest-neighbour resampling of a label map onto `target` (ITK rounds half up).
pub fn resample_label_map(_mask: &LabelMap, _target: &Geometry) -> Result<LabelMap> {
    Err(Error::InvalidArgument("resampling not implemented yet".into()))
}

/// pyradiomics' `resampleImage`: derive the output grid from the mask's ROI bounding box,
/// padded by `pad_distance`, with `spacing` (x, y, z; 0 keeps the mask spacing), and resample
/// image (with `interpolator`) and mask (nearest neighbour) onto it.
pub fn resample_to_spacing(
    _image: &Image,
    _mask: &LabelMap,
    _label: u32,
    _spacing: [f64; 3],
    _interpolator: Interpolator,
    _pad_distance: usize,
) -> Result<(Image, LabelMap)> {
    Err(Error::InvalidArgument("resampling not implemented yet".into()))
}
