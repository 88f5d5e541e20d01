//! Volumes and their geometry, in LPS physical space as ITK, SimpleITK and Slicer define it.
//!
//! Voxel arrays are `ndarray::Array3` indexed `[z, y, x]` (C order), exactly as
//! `SimpleITK.GetArrayFromImage` hands them to pyradiomics. Geometry vectors
//! (`size`, `spacing`, `origin`) are in ITK order `(x, y, z)`.

mod nifti;
mod nrrd;
mod segmentation;

use ndarray::Array3;
use std::path::Path;

use crate::error::{Error, Result};

pub use segmentation::{SegmentInfo, SegmentSelector, read_segmentation_info};

/// Physical layout of a volume: ITK's `size`, `spacing`, `origin` and `direction`.
#[derive(Debug, Clone, PartialEq)]
pub struct Geometry {
    /// Number of voxels along x, y, z.
    pub size: [usize; 3],
    /// Voxel spacing in mm along x, y, z.
    pub spacing: [f64; 3],
    /// Physical (LPS) position of voxel (0,0,0)'s centre.
    pub origin: [f64; 3],
    /// Direction cosines, row-major 3×3; column j is the LPS direction of index axis j
    /// (ITK's `GetDirection()` order).
    pub direction: [f64; 9],
}

impl Geometry {
    /// Identity direction, zero origin.
    pub fn new(size: [usize; 3], spacing: [f64; 3]) -> Self {
        Geometry {
            size,
            spacing,
            origin: [0.0; 3],
            direction: [1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0],
        }
    }

    /// Number of voxels.
    pub fn len(&self) -> usize {
        self.size.iter().product()
    }

    /// True if the volume has no voxel.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Array shape `(z, y, x)`.
    pub fn shape_zyx(&self) -> [usize; 3] {
        [self.size[2], self.size[1], self.size[0]]
    }

    /// Physical point of a (continuous) index `(x, y, z)`: origin + D · diag(spacing) · index.
    pub fn index_to_physical(&self, index: [f64; 3]) -> [f64; 3] {
        let d = &self.direction;
        let s = [
            index[0] * self.spacing[0],
            index[1] * self.spacing[1],
            index[2] * self.spacing[2],
        ];
        let mut p = [0.0; 3];
        for (r, pr) in p.iter_mut().enumerate() {
            // Accumulate in ITK's order (row · scaled index, then + origin).
            let mut acc = 0.0;
            for (c, sc) in s.iter().enumerate() {
                acc += d[3 * r + c] * sc;
            }
            *pr = self.origin[r] + acc;
        }
        p
    }

    /// Continuous index `(x, y, z)` of a physical point (inverse of [`Geometry::index_to_physical`]).
    pub fn physical_to_index(&self, point: [f64; 3]) -> [f64; 3] {
        let inv = self.physical_to_index_matrix();
        let v = [
            point[0] - self.origin[0],
            point[1] - self.origin[1],
            point[2] - self.origin[2],
        ];
        let mut idx = [0.0; 3];
        for (r, ir) in idx.iter_mut().enumerate() {
            let mut acc = 0.0;
            for (c, vc) in v.iter().enumerate() {
                acc += inv[3 * r + c] * vc;
            }
            *ir = acc;
        }
        idx
    }

    /// ITK's PhysicalPointToIndex matrix: diag(1/spacing) · D⁻¹, row-major.
    pub fn physical_to_index_matrix(&self) -> [f64; 9] {
        let m = nalgebra::Matrix3::from_row_slice(&self.direction);
        let inv = m.try_inverse().unwrap_or_else(nalgebra::Matrix3::identity);
        let mut out = [0.0; 9];
        for r in 0..3 {
            for c in 0..3 {
                out[3 * r + c] = inv[(r, c)] / self.spacing[r];
            }
        }
        out
    }

    /// ITK's geometry check (`ImageToImageFilter::VerifyInputInformation`): sizes equal,
    /// |Δorigin| and |Δspacing| ≤ `coord_tol`·spacing_x per element and |Δdirection| ≤ `dir_tol`.
    /// Returns a description of the first difference, or `None` if they match.
    pub fn mismatch(&self, other: &Geometry, coord_tol: f64, dir_tol: f64) -> Option<String> {
        if self.size != other.size {
            return Some(format!("size {:?} vs {:?}", self.size, other.size));
        }
        let tol = coord_tol * self.spacing[0];
        for i in 0..3 {
            if (self.origin[i] - other.origin[i]).abs() > tol {
                return Some(format!("origin {:?} vs {:?}", self.origin, other.origin));
            }
            if (self.spacing[i] - other.spacing[i]).abs() > tol {
                return Some(format!("spacing {:?} vs {:?}", self.spacing, other.spacing));
            }
        }
        for i in 0..9 {
            if (self.direction[i] - other.direction[i]).abs() > dir_tol {
                return Some(format!("direction {:?} vs {:?}", self.direction, other.direction));
            }
        }
        None
    }
}

/// The scalar type a volume was stored with. pyradiomics keeps it through
/// resampling (int16 results are truncated toward zero) and discretization.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PixelType {
    U8,
    I8,
    U16,
    I16,
    U32,
    I32,
    U64,
    I64,
    F32,
    F64,
}

impl PixelType {
    /// True for the integer types.
    pub fn is_integer(self) -> bool {
        !matches!(self, PixelType::F32 | PixelType::F64)
    }

    /// Convert a computed value into this pixel type the way ITK's resampler casts its
    /// output (`CastPixelWithBoundsChecking`, verified against SimpleITK 2.5.7): integers are
    /// clamped to the type's range, then truncated toward zero; NaN becomes what x86's
    /// truncating conversion yields (0 for 8/16-bit and uint32, the minimum for int32/int64,
    /// 2^63 for uint64). float32 clamps to ±FLT_MAX (so ±inf too) and rounds; float64 passes through.
    pub fn cast(self, v: f64) -> f64 {
        fn clamp_trunc(v: f64, lo: f64, hi: f64, nan: f64) -> f64 {
            if v.is_nan() {
                return nan;
            }
            // `+ 0.0` turns the -0.0 of truncating e.g. -0.7 into 0.
            v.clamp(lo, hi).trunc() + 0.0
        }
        match self {
            PixelType::U8 => clamp_trunc(v, 0.0, u8::MAX as f64, 0.0),
            PixelType::I8 => clamp_trunc(v, i8::MIN as f64, i8::MAX as f64, 0.0),
            PixelType::U16 => clamp_trunc(v, 0.0, u16::MAX as f64, 0.0),
            PixelType::I16 => clamp_trunc(v, i16::MIN as f64, i16::MAX as f64, 0.0),
            PixelType::U32 => clamp_trunc(v, 0.0, u32::MAX as f64, 0.0),
            PixelType::I32 => clamp_trunc(v, i32::MIN as f64, i32::MAX as f64, i32::MIN as f64),
            PixelType::U64 => clamp_trunc(v, 0.0, u64::MAX as f64, 9_223_372_036_854_775_808.0),
            PixelType::I64 => clamp_trunc(v, i64::MIN as f64, i64::MAX as f64, i64::MIN as f64),
            PixelType::F32 => {
                if v.is_nan() {
                    v
                } else {
                    v.clamp(-(f32::MAX as f64), f32::MAX as f64) as f32 as f64
                }
            }
            PixelType::F64 => v,
        }
    }

    /// Name as numpy spells the dtype.
    pub fn numpy_name(self) -> &'static str {
        match self {
            PixelType::U8 => "uint8",
            PixelType::I8 => "int8",
            PixelType::U16 => "uint16",
            PixelType::I16 => "int16",
            PixelType::U32 => "uint32",
            PixelType::I32 => "int32",
            PixelType::U64 => "uint64",
            PixelType::I64 => "int64",
            PixelType::F32 => "float32",
            PixelType::F64 => "float64",
        }
    }
}

/// A scalar image. Values are held as `f64` (exact for every supported type);
/// `pixel_type` remembers the stored type, which pyradiomics' arithmetic depends on.
#[derive(Debug, Clone)]
pub struct Image {
    /// Voxel values indexed `[z, y, x]`.
    pub voxels: Array3<f64>,
    pub pixel_type: PixelType,
    pub geometry: Geometry,
}

impl Image {
    /// Build an image, checking that the array shape matches the geometry.
    pub fn new(voxels: Array3<f64>, pixel_type: PixelType, geometry: Geometry) -> Result<Self> {
        let shape = voxels.shape();
        if shape != geometry.shape_zyx() {
            return Err(Error::InvalidArgument(format!(
                "voxel array shape (z,y,x) {:?} does not match geometry size (x,y,z) {:?}",
                shape, geometry.size
            )));
        }
        Ok(Image {
            voxels,
            pixel_type,
            geometry,
        })
    }
}

/// An integer label map (pyradiomics reads every mask as UInt32).
#[derive(Debug, Clone)]
pub struct LabelMap {
    /// Labels indexed `[z, y, x]`.
    pub labels: Array3<u32>,
    pub geometry: Geometry,
}

impl LabelMap {
    /// Build a label map, checking that the array shape matches the geometry.
    pub fn new(labels: Array3<u32>, geometry: Geometry) -> Result<Self> {
        if labels.shape() != geometry.shape_zyx() {
            return Err(Error::InvalidArgument(format!(
                "label array shape (z,y,x) {:?} does not match geometry size (x,y,z) {:?}",
                labels.shape(),
                geometry.size
            )));
        }
        Ok(LabelMap { labels, geometry })
    }

    /// Sorted distinct non-zero labels present.
    pub fn labels_present(&self) -> Vec<u32> {
        let mut seen = std::collections::BTreeSet::new();
        for &l in self.labels.iter() {
            if l != 0 {
                seen.insert(l);
            }
        }
        seen.into_iter().collect()
    }
}

/// Read a scalar image from `.nrrd`, `.nhdr`, `.nii` or `.nii.gz` (chosen by extension).
pub fn read_image(path: impl AsRef<Path>) -> Result<Image> {
    let path = path.as_ref();
    match format_of(path)? {
        FileFormat::Nrrd => nrrd::read(path),
        FileFormat::Nifti => nifti::read(path),
    }
}

/// Read a mask as a label map (values cast to UInt32 as pyradiomics does). For a Slicer
/// `.seg.nrrd`, `segment` picks the segment (by name or label value); the returned label
/// map then holds that segment's voxels with the returned label value.
pub fn read_label_map(path: impl AsRef<Path>, segment: Option<&SegmentSelector>) -> Result<(LabelMap, Option<u32>)> {
    let path = path.as_ref();
    if let Some(sel) = segment {
        return segmentation::read_segment(path, sel);
    }
    let image = read_image(path)?;
    Ok((to_label_map(image), None))
}

/// Cast an image to a UInt32 label map, as `sitk.Cast(mask, sitk.sitkUInt32)` does
/// (negative integers wrap, floats truncate).
pub fn to_label_map(image: Image) -> LabelMap {
    let labels = image.voxels.mapv(|v| {
        if v >= 0.0 {
            v.min(u32::MAX as f64) as u32
        } else {
            (v as i64) as u32
        }
    });
    LabelMap {
        labels,
        geometry: image.geometry,
    }
}

/// Write an image as gzip-compressed NRRD (LPS), readable by Slicer, ITK and pyradiomics.
pub fn write_nrrd(
    path: impl AsRef<Path>,
    voxels: &Array3<f64>,
    pixel_type: PixelType,
    geometry: &Geometry,
) -> Result<()> {
    nrrd::write(path.as_ref(), voxels, pixel_type, geometry)
}

/// Write an image as NIfTI-1 (`.nii` or `.nii.gz`), with qform and sform set from the geometry.
pub fn write_nifti(
    path: impl AsRef<Path>,
    voxels: &Array3<f64>,
    pixel_type: PixelType,
    geometry: &Geometry,
) -> Result<()> {
    nifti::write(path.as_ref(), voxels, pixel_type, geometry)
}

/// Convert packed values of `pt` (little or big endian) to f64, appending to `out`.
pub(crate) fn decode_voxels(bytes: &[u8], pt: PixelType, big_endian: bool, out: &mut Vec<f64>) {
    macro_rules! convert {
        ($t:ty, $n:expr) => {{
            let decode = |c: &[u8]| {
                let mut a = [0u8; $n];
                a.copy_from_slice(c);
                if big_endian {
                    <$t>::from_be_bytes(a)
                } else {
                    <$t>::from_le_bytes(a)
                }
            };
            out.extend(bytes.chunks_exact($n).map(|c| decode(c) as f64));
        }};
    }
    match pt {
        PixelType::U8 => out.extend(bytes.iter().map(|&b| b as f64)),
        PixelType::I8 => out.extend(bytes.iter().map(|&b| b as i8 as f64)),
        PixelType::U16 => convert!(u16, 2),
        PixelType::I16 => convert!(i16, 2),
        PixelType::U32 => convert!(u32, 4),
        PixelType::I32 => convert!(i32, 4),
        PixelType::U64 => convert!(u64, 8),
        PixelType::I64 => convert!(i64, 8),
        PixelType::F32 => convert!(f32, 4),
        PixelType::F64 => convert!(f64, 8),
    }
}

enum FileFormat {
    Nrrd,
    Nifti,
}

fn format_of(path: &Path) -> Result<FileFormat> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    if name.ends_with(".nrrd") || name.ends_with(".nhdr") {
        Ok(FileFormat::Nrrd)
    } else if name.ends_with(".nii") || name.ends_with(".nii.gz") || name.ends_with(".hdr") {
        Ok(FileFormat::Nifti)
    } else {
        Err(Error::Unsupported {
            path: path.to_path_buf(),
            what: "file type (expected .nrrd, .nhdr, .nii, .nii.gz or .hdr)".into(),
        })
    }
}
