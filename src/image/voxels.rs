//! Voxel storage in a volume's own scalar type.
//!
//! A CT is int16: held as float64 it takes four times the memory, and on a 512×512×60 CT
//! filling those pages costs more than inflating the file. Images therefore keep the values
//! they were read with ([`Voxels`]), and masks their label type ([`Labels`]); the few
//! whole-volume passes (the B-spline prefilter, the bounding box, scans) are generic over the
//! stored type, and everything after the crop to the ROI works on float64 as before.

use ndarray::{Array3, ArrayView3, s};
use rayon::prelude::*;
use std::borrow::Cow;

/// A stored scalar: converts to float64 exactly.
pub trait Scalar: bytemuck::Pod + Into<f64> + PartialEq + Send + Sync + std::fmt::Debug {}
impl<T: bytemuck::Pod + Into<f64> + PartialEq + Send + Sync + std::fmt::Debug> Scalar for T {}

/// An image's voxel values, `[z, y, x]`, in the narrowest type that holds them exactly.
/// Types without an exact compact form here (uint32, 64-bit integers) are held as float64,
/// which is what pyradiomics computes with.
#[derive(Debug, Clone, PartialEq)]
pub enum Voxels {
    U8(Array3<u8>),
    I8(Array3<i8>),
    U16(Array3<u16>),
    I16(Array3<i16>),
    I32(Array3<i32>),
    F32(Array3<f32>),
    F64(Array3<f64>),
}

/// Run `$body` with `$a` bound to the typed array of a [`Voxels`] (each arm is monomorphized).
macro_rules! with_voxels {
    ($v:expr, $a:ident => $body:expr) => {
        match $v {
            $crate::image::Voxels::U8($a) => $body,
            $crate::image::Voxels::I8($a) => $body,
            $crate::image::Voxels::U16($a) => $body,
            $crate::image::Voxels::I16($a) => $body,
            $crate::image::Voxels::I32($a) => $body,
            $crate::image::Voxels::F32($a) => $body,
            $crate::image::Voxels::F64($a) => $body,
        }
    };
}
pub(crate) use with_voxels;

/// Run `$body` with `$a` bound to the typed array of a [`Labels`].
macro_rules! with_labels {
    ($v:expr, $a:ident => $body:expr) => {
        match $v {
            $crate::image::Labels::U8($a) => $body,
            $crate::image::Labels::U16($a) => $body,
            $crate::image::Labels::U32($a) => $body,
        }
    };
}
pub(crate) use with_labels;

impl From<Array3<f64>> for Voxels {
    fn from(a: Array3<f64>) -> Self {
        Voxels::F64(a)
    }
}

impl Voxels {
    /// Array shape `[z, y, x]`.
    pub fn shape(&self) -> &[usize] {
        with_voxels!(self, a => a.shape())
    }

    /// Array shape `(z, y, x)`.
    pub fn dim(&self) -> (usize, usize, usize) {
        with_voxels!(self, a => a.dim())
    }

    /// Number of voxels.
    pub fn len(&self) -> usize {
        with_voxels!(self, a => a.len())
    }

    /// True if there is no voxel.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The values as float64 (borrowed when already stored so).
    pub fn to_f64(&self) -> Cow<'_, Array3<f64>> {
        match self {
            Voxels::F64(a) => Cow::Borrowed(a),
            other => Cow::Owned(with_voxels!(other, a => a.mapv(Into::into))),
        }
    }

    /// The values as float64, consuming the storage.
    pub fn into_f64(self) -> Array3<f64> {
        match self {
            Voxels::F64(a) => a,
            other => with_voxels!(other, a => a.mapv(Into::into)),
        }
    }

    /// The values as a mutable float64 array, converting the storage to float64 first.
    pub fn make_f64(&mut self) -> &mut Array3<f64> {
        if !matches!(self, Voxels::F64(_)) {
            *self = Voxels::F64(self.to_f64().into_owned());
        }
        match self {
            Voxels::F64(a) => a,
            _ => unreachable!("converted to float64 above"),
        }
    }

    /// The box of `size` (x, y, z) starting at `lower` (x, y, z), in the same storage.
    pub fn crop(&self, lower: [usize; 3], size: [usize; 3]) -> Voxels {
        match self {
            Voxels::U8(a) => Voxels::U8(crop(a, lower, size)),
            Voxels::I8(a) => Voxels::I8(crop(a, lower, size)),
            Voxels::U16(a) => Voxels::U16(crop(a, lower, size)),
            Voxels::I16(a) => Voxels::I16(crop(a, lower, size)),
            Voxels::I32(a) => Voxels::I32(crop(a, lower, size)),
            Voxels::F32(a) => Voxels::F32(crop(a, lower, size)),
            Voxels::F64(a) => Voxels::F64(crop(a, lower, size)),
        }
    }

    /// The box of `size` (x, y, z) starting at `lower` (x, y, z) as float64 in C order, in one
    /// pass (no cropped copy in the stored type first).
    pub fn crop_f64(&self, lower: [usize; 3], size: [usize; 3]) -> Vec<f64> {
        with_voxels!(self, a => box_view(a, lower, size).iter().map(|&v| Into::<f64>::into(v)).collect())
    }

    /// Number of NaN or infinite values (integer storage has none), scanned in parallel.
    pub fn count_non_finite(&self) -> usize {
        fn scan<T: Scalar>(a: &Array3<T>) -> usize {
            let count = |v: &[T]| {
                v.iter()
                    .fold(0, |n, &v| n + usize::from(!Into::<f64>::into(v).is_finite()))
            };
            match a.as_slice() {
                Some(flat) => flat.par_chunks(1 << 16).map(count).sum(),
                None => a.iter().filter(|&&v| !Into::<f64>::into(v).is_finite()).count(),
            }
        }
        match self {
            Voxels::F32(a) => scan(a),
            Voxels::F64(a) => scan(a),
            _ => 0,
        }
    }
}

/// A label map's labels, `[z, y, x]`, in the narrowest unsigned type that holds them
/// (uint8 for a Slicer labelmap, eight times less memory than the float64 a
/// `sitk.Cast(mask, sitkUInt32)` route through float would take).
#[derive(Debug, Clone, PartialEq)]
pub enum Labels {
    U8(Array3<u8>),
    U16(Array3<u16>),
    U32(Array3<u32>),
}

impl From<Array3<u32>> for Labels {
    fn from(a: Array3<u32>) -> Self {
        Labels::U32(a)
    }
}

impl Labels {
    /// Array shape `[z, y, x]`.
    pub fn shape(&self) -> &[usize] {
        with_labels!(self, a => a.shape())
    }

    /// Number of voxels.
    pub fn len(&self) -> usize {
        with_labels!(self, a => a.len())
    }

    /// True if there is no voxel.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The labels as uint32 (borrowed when already stored so).
    pub fn to_u32(&self) -> Cow<'_, Array3<u32>> {
        match self {
            Labels::U32(a) => Cow::Borrowed(a),
            Labels::U8(a) => Cow::Owned(a.mapv(u32::from)),
            Labels::U16(a) => Cow::Owned(a.mapv(u32::from)),
        }
    }

    /// The labels as a mutable uint32 array, converting the storage to uint32 first.
    pub fn make_u32(&mut self) -> &mut Array3<u32> {
        if !matches!(self, Labels::U32(_)) {
            *self = Labels::U32(self.to_u32().into_owned());
        }
        match self {
            Labels::U32(a) => a,
            _ => unreachable!("converted to uint32 above"),
        }
    }

    /// The box of `size` (x, y, z) starting at `lower` (x, y, z), in the same storage.
    pub fn crop(&self, lower: [usize; 3], size: [usize; 3]) -> Labels {
        match self {
            Labels::U8(a) => Labels::U8(crop(a, lower, size)),
            Labels::U16(a) => Labels::U16(crop(a, lower, size)),
            Labels::U32(a) => Labels::U32(crop(a, lower, size)),
        }
    }

    /// `label == value` per voxel, in C order.
    pub fn equals(&self, label: u32) -> Vec<bool> {
        with_labels!(self, a => a.iter().map(|&l| self::label(l) == label).collect())
    }
}

/// The box of `size` (x, y, z) starting at `lower` (x, y, z) of a `[z, y, x]` array.
fn box_view<T>(a: &Array3<T>, lower: [usize; 3], size: [usize; 3]) -> ArrayView3<'_, T> {
    a.slice(s![
        lower[2]..lower[2] + size[2],
        lower[1]..lower[1] + size[1],
        lower[0]..lower[0] + size[0]
    ])
}

/// [`box_view`], copied.
fn crop<T: Clone>(a: &Array3<T>, lower: [usize; 3], size: [usize; 3]) -> Array3<T> {
    box_view(a, lower, size).to_owned()
}

/// The label type of a stored label (uint8, uint16 or uint32).
pub trait Label: Scalar + Into<u32> {}
impl<T: Scalar + Into<u32>> Label for T {}

/// A stored value as float64 (a function, so code written once for every storage type reads
/// the same in each).
#[inline]
pub(crate) fn value<T: Scalar>(v: T) -> f64 {
    v.into()
}

/// A stored label as uint32.
#[inline]
pub(crate) fn label<L: Label>(l: L) -> u32 {
    l.into()
}
