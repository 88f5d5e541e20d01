//! Mask checks, bounding box and cropping, as pyradiomics' `checkMask`, `_checkROI`,
//! `_correctMask` and `cropToTumorMask`.

use ndarray::Array3;

use crate::error::{Error, Result};
use crate::image::{Geometry, Image, Label, LabelMap, with_labels};
use crate::preprocess::resample;
use crate::settings::GeneralSettings;

/// ITK's default coordinate and direction tolerance.
pub const DEFAULT_GEOMETRY_TOLERANCE: f64 = 1e-6;

/// Inclusive voxel bounding box, `(x, y, z)` lower and upper indices (ITK order).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BoundingBox {
    pub lower: [usize; 3],
    pub upper: [usize; 3],
}

impl BoundingBox {
    /// Size along x, y, z.
    pub fn size(&self) -> [usize; 3] {
        [
            self.upper[0] - self.lower[0] + 1,
            self.upper[1] - self.lower[1] + 1,
            self.upper[2] - self.lower[2] + 1,
        ]
    }
}

/// Bounding box and voxel count of `label`, or `None` if the label is absent.
pub fn bounding_box(mask: &LabelMap, label: u32) -> Option<(BoundingBox, usize)> {
    fn scan<L: Label>(labels: &Array3<L>, label: u32) -> Option<(BoundingBox, usize)> {
        let mut lower = [usize::MAX; 3];
        let mut upper = [0usize; 3];
        let mut count = 0usize;
        for ((z, y, x), &l) in labels.indexed_iter() {
            if Into::<u32>::into(l) == label {
                count += 1;
                let idx = [x, y, z];
                for a in 0..3 {
                    lower[a] = lower[a].min(idx[a]);
                    upper[a] = upper[a].max(idx[a]);
                }
            }
        }
        (count > 0).then_some((BoundingBox { lower, upper }, count))
    }
    with_labels!(&mask.labels, a => scan(a, label))
}

/// pyradiomics' `checkMask`: verify that image and mask share a geometry (or correct the
/// mask when `correctMask` is on), that the label is present, and that the ROI meets
/// `minimumROIDimensions` / `minimumROISize`. Returns the bounding box and, if the mask
/// had to be resampled onto the image grid, the corrected mask.
pub fn check_mask(image: &Image, mask: &LabelMap, s: &GeneralSettings) -> Result<(BoundingBox, Option<LabelMap>)> {
    let tol = s.geometry_tolerance.unwrap_or(DEFAULT_GEOMETRY_TOLERANCE);
    let mut corrected = None;
    if let Some(detail) = image.geometry.mismatch(&mask.geometry, tol, tol) {
        if !s.correct_mask {
            return Err(Error::GeometryMismatch {
                detail: format!(
                    "{detail} (tolerance {tol}); enable correctMask to resample the mask onto the image grid, \
                     or raise geometryTolerance"
                ),
            });
        }
        check_roi_inside_image(&image.geometry, mask, s.label)?;
        corrected = Some(resample::resample_label_map(mask, &image.geometry)?);
    }
    let m = corrected.as_ref().unwrap_or(mask);
    let (bb, count) = bounding_box(m, s.label).ok_or_else(|| Error::LabelAbsent {
        label: s.label,
        present: m.labels_present(),
    })?;
    let size = bb.size();
    let ndims = size.iter().filter(|&&n| n > 1).count();
    if ndims == 0 {
        return Err(Error::RoiTooSmall {
            detail: "the mask holds a single voxel; features cannot be computed for one voxel".into(),
        });
    }
    if ndims < s.minimum_roi_dimensions {
        return Err(Error::RoiTooSmall {
            detail: format!(
                "the ROI spans {ndims} dimension(s) (bounding box {size:?} voxels), minimumROIDimensions is {}",
                s.minimum_roi_dimensions
            ),
        });
    }
    if let Some(min) = s.minimum_roi_size
        && count <= min
    {
        return Err(Error::RoiTooSmall {
            detail: format!("the ROI has {count} voxels, minimumROISize requires more than {min}"),
        });
    }
    Ok((bb, corrected))
}

/// pyradiomics' `_checkROI`: the ROI's bounding box (voxel corners) must lie inside the image.
fn check_roi_inside_image(image: &Geometry, mask: &LabelMap, label: u32) -> Result<()> {
    let (bb, _) = bounding_box(mask, label).ok_or_else(|| Error::LabelAbsent {
        label,
        present: mask.labels_present(),
    })?;
    let lo = [
        bb.lower[0] as f64 - 0.5,
        bb.lower[1] as f64 - 0.5,
        bb.lower[2] as f64 - 0.5,
    ];
    let hi = [
        bb.upper[0] as f64 + 0.5,
        bb.upper[1] as f64 + 0.5,
        bb.upper[2] as f64 + 0.5,
    ];
    let singular = || Error::InvalidArgument(format!("image direction {:?} is singular", image.direction));
    let a = image
        .physical_to_index(mask.geometry.index_to_physical(lo))
        .ok_or_else(singular)?;
    let b = image
        .physical_to_index(mask.geometry.index_to_physical(hi))
        .ok_or_else(singular)?;
    let tolerance = 1e-3;
    for axis in 0..3 {
        let min = a[axis].min(b[axis]);
        let max = a[axis].max(b[axis]);
        if min < -0.5 - tolerance || max > image.size[axis] as f64 - 0.5 + tolerance {
            return Err(Error::GeometryMismatch {
                detail: format!(
                    "the ROI's bounding box lies outside the image (axis {axis}: ROI spans image index {min:.3}..{max:.3}, \
                     image size {:?})",
                    image.size
                ),
            });
        }
    }
    Ok(())
}

/// pyradiomics' `cropToTumorMask`: crop to the bounding box grown by `pad` voxels (clamped
/// to the image). Returns the cropped geometry and the lower corner index used.
pub fn crop_geometry(geometry: &Geometry, bb: &BoundingBox, pad: usize) -> (Geometry, [usize; 3]) {
    let mut lower = [0usize; 3];
    let mut size = [0usize; 3];
    for a in 0..3 {
        lower[a] = bb.lower[a].saturating_sub(pad);
        let upper = (bb.upper[a] + pad).min(geometry.size[a].saturating_sub(1));
        size[a] = upper + 1 - lower[a];
    }
    let origin = geometry.index_to_physical([lower[0] as f64, lower[1] as f64, lower[2] as f64]);
    (
        Geometry {
            size,
            spacing: geometry.spacing,
            origin,
            direction: geometry.direction,
            dimension: geometry.dimension,
        },
        lower,
    )
}

/// Crop image and mask to the bounding box grown by `pad` voxels.
pub fn crop(image: &Image, mask: &LabelMap, bb: &BoundingBox, pad: usize) -> (Image, LabelMap) {
    let (geometry, lower) = crop_geometry(&mask.geometry, bb, pad);
    let img = Image {
        voxels: image.voxels.crop(lower, geometry.size),
        pixel_type: image.pixel_type,
        geometry: geometry.clone(),
    };
    let m = LabelMap {
        labels: mask.labels.crop(lower, geometry.size),
        geometry,
    };
    (img, m)
}
