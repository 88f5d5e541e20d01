//! The pyradiomics feature classes, one file each, behind one trait.
//!
//! | file            | class key    | pyradiomics class |
//! |-----------------|--------------|-------------------|
//! | `shape.rs`      | `shape`      | RadiomicsShape    |
//! | `shape2d.rs`    | `shape2D`    | RadiomicsShape2D (single-slice ROI, force2D) |
//! | `firstorder.rs` | `firstorder` | RadiomicsFirstOrder |
//! | `glcm.rs`       | `glcm`       | Gray Level Co-occurrence Matrix |
//! | `glrlm.rs`      | `glrlm`      | Gray Level Run Length Matrix |
//! | `glszm.rs`      | `glszm`      | Gray Level Size Zone Matrix |
//! | `gldm.rs`       | `gldm`       | Gray Level Dependence Matrix |
//! | `ngtdm.rs`      | `ngtdm`      | Neighbouring Gray Tone Difference Matrix |
//!
//! Every class sees a [`RoiView`]: the image cropped to the ROI bounding box (no padding),
//! in `(z, y, x)` order as pyradiomics' numpy arrays.

pub mod firstorder;
pub mod glcm;
pub mod gldm;
pub mod glrlm;
pub mod glszm;
pub mod gray_levels;
mod histogram;
pub mod neighbourhood;
pub mod ngtdm;
pub mod shape;
pub mod shape2d;

use std::borrow::Cow;

use crate::error::Result;

pub use firstorder::FirstOrder;
pub use glcm::GrayLevelCooccurrence;
pub use gldm::GrayLevelDependence;
pub use glrlm::GrayLevelRunLength;
pub use glszm::GrayLevelSizeZone;
pub use gray_levels::GrayLevels;
pub use ngtdm::NeighbouringGrayToneDifference;
pub use shape::Shape;
pub use shape2d::Shape2D;

/// pyradiomics' epsilon inside logarithms (`numpy.spacing(1)`).
pub const EPS: f64 = f64::EPSILON;

/// A feature of a class: its pyradiomics name and whether pyradiomics marks it deprecated
/// (deprecated features are computed only when asked for by name).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FeatureDef {
    pub name: &'static str,
    pub deprecated: bool,
    /// pyradiomics raises `DeprecationWarning` for it, so it never appears in its output
    /// (even when asked for by name); radscore omits it likewise.
    pub omitted: bool,
}

/// Shorthand for building the feature tables.
pub const fn def(name: &'static str) -> FeatureDef {
    FeatureDef {
        name,
        deprecated: false,
        omitted: false,
    }
}

/// Shorthand for a deprecated feature.
pub const fn deprecated(name: &'static str) -> FeatureDef {
    FeatureDef {
        name,
        deprecated: true,
        omitted: false,
    }
}

/// Shorthand for a deprecated feature pyradiomics no longer reports (it raises instead).
pub const fn removed(name: &'static str) -> FeatureDef {
    FeatureDef {
        name,
        deprecated: true,
        omitted: true,
    }
}

/// The ROI as every feature class sees it: arrays cropped to the mask's bounding box,
/// C order `(z, y, x)`, all of length `shape[0]·shape[1]·shape[2]`.
#[derive(Debug, Clone, Copy)]
pub struct RoiView<'a> {
    /// Cropped array shape `(z, y, x)`.
    pub shape: [usize; 3],
    /// Voxel spacing in mm, `(z, y, x)`.
    pub spacing: [f64; 3],
    /// True inside the ROI.
    pub mask: &'a [bool],
    /// Raw intensities (not discretized), as float64; used by firstorder.
    pub intensities: &'a [f64],
    /// Discretized gray levels (bin indices ≥ 1) inside the ROI, 0 outside.
    pub gray_levels: &'a [u32],
    /// The index of `gray_levels` ([`GrayLevels::new`] of this view), when the caller built it
    /// once for all classes, as extraction does; `None` makes each texture class build its own.
    pub levels: Option<&'a GrayLevels>,
}

impl<'a> RoiView<'a> {
    /// Number of voxels in the cropped arrays.
    pub fn len(&self) -> usize {
        self.shape[0] * self.shape[1] * self.shape[2]
    }

    /// True if the cropped arrays are empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Linear index of `(z, y, x)`.
    #[inline]
    pub fn index(&self, z: usize, y: usize, x: usize) -> usize {
        (z * self.shape[1] + y) * self.shape[2] + x
    }

    /// The view's gray-level index: the shared one if it was given (and fits the box), else
    /// built now, which also checks the view.
    pub fn gray_level_index(&self) -> Result<Cow<'a, GrayLevels>> {
        match self.levels {
            Some(levels) if levels.index().len() == self.len() => Ok(Cow::Borrowed(levels)),
            _ => GrayLevels::new(self).map(Cow::Owned),
        }
    }
}

/// How GLCM and GLRLM merge their per-angle matrices (pyradiomics' `weightingNorm`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WeightingNorm {
    /// Weight each angle by exp(−‖d‖²) with the Manhattan distance.
    Manhattan,
    /// Weight each angle by exp(−‖d‖²) with the Euclidean distance.
    Euclidean,
    /// Weight each angle by exp(−‖d‖²) with the Chebyshev distance.
    Infinity,
    /// Plain sum of the angle matrices.
    NoWeighting,
}

impl WeightingNorm {
    /// Parse pyradiomics' spelling.
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "manhattan" => Some(Self::Manhattan),
            "euclidean" => Some(Self::Euclidean),
            "infinity" => Some(Self::Infinity),
            "no_weighting" => Some(Self::NoWeighting),
            _ => None,
        }
    }
}

/// Settings that change feature values (validated copies of the pyradiomics settings).
#[derive(Debug, Clone, PartialEq)]
pub struct ClassSettings {
    /// Chebyshev distances for neighbours (GLCM, GLDM, NGTDM), default `[1]`.
    pub distances: Vec<usize>,
    /// GLCM: add the transpose (default true).
    pub symmetrical_glcm: bool,
    /// GLCM/GLRLM: merge angles with this weighting (default none: features are averaged).
    pub weighting_norm: Option<WeightingNorm>,
    /// GLDM: gray-level difference regarded as dependent (default 0).
    pub gldm_a: f64,
    /// Compute texture in 2D slices (angles in-plane only).
    pub force2d: bool,
    /// Axis (numpy order, 0 = z) normal to the 2D plane when `force2d`.
    pub force2d_dimension: usize,
    /// firstorder: shift added to intensities before Energy, TotalEnergy, RMS.
    pub voxel_array_shift: f64,
}

impl Default for ClassSettings {
    fn default() -> Self {
        ClassSettings {
            distances: vec![1],
            symmetrical_glcm: true,
            weighting_norm: None,
            gldm_a: 0.0,
            force2d: false,
            force2d_dimension: 0,
            voxel_array_shift: 0.0,
        }
    }
}

/// One pyradiomics feature class.
pub trait FeatureClass: Sync + Send {
    /// Key used in feature names and parameter files (`glcm`).
    fn name(&self) -> &'static str;
    /// Every feature of the class, sorted as pyradiomics sorts them (ASCII order of the names).
    fn features(&self) -> &'static [FeatureDef];
    /// Compute every feature of [`FeatureClass::features`], in that order.
    /// NaN marks a value pyradiomics reports as NaN.
    fn compute(&self, roi: &RoiView<'_>, settings: &ClassSettings) -> Result<Vec<f64>>;
}

/// The classes pyradiomics enables by default, in its output order (alphabetical after shape).
pub fn default_classes() -> [&'static dyn FeatureClass; 7] {
    [
        &Shape,
        &FirstOrder,
        &GrayLevelCooccurrence,
        &GrayLevelDependence,
        &GrayLevelRunLength,
        &GrayLevelSizeZone,
        &NeighbouringGrayToneDifference,
    ]
}

/// Look up a class by its parameter-file key (the default classes and `shape2D`).
pub fn class_by_name(name: &str) -> Option<&'static dyn FeatureClass> {
    if name == Shape2D.name() {
        return Some(&Shape2D);
    }
    default_classes().into_iter().find(|c| c.name() == name)
}
