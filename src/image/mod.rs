//! Volumes and their geometry, in LPS physical space as ITK, SimpleITK and Slicer define it.
//!
//! Voxel arrays are `ndarray::Array3` indexed `[z, y, x]` (C order), exactly as
//! `SimpleITK.GetArrayFromImage` hands them to pyradiomics. Geometry vectors
//! (`size`, `spacing`, `origin`) are in ITK order `(x, y, z)`.

mod matrix_inverse;
mod nifti;
mod nrrd;
mod parallel_gunzip;
mod segmentation;
mod voxels;

use matrix_inverse::itk_matrix_inverse;
use ndarray::Array3;
use std::borrow::Cow;
use std::path::Path;

use crate::error::{Error, Result};

pub use segmentation::{SegmentInfo, SegmentSelector, read_segmentation_info};
pub use voxels::{Label, Labels, Scalar, Voxels};
pub(crate) use voxels::{label, with_labels, with_voxels};

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
    /// ITK's image dimension: 2 for a 2-D file (held here as one slice, z size 1), else 3.
    /// pyradiomics computes shape2D instead of shape, and a 2-D wavelet and LoG, on 2-D images.
    pub dimension: usize,
}

impl Geometry {
    /// Identity direction, zero origin.
    pub fn new(size: [usize; 3], spacing: [f64; 3]) -> Self {
        Geometry {
            size,
            spacing,
            origin: [0.0; 3],
            direction: [1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0],
            dimension: 3,
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

    /// Physical point of an index `(x, y, z)` as ITK's `TransformIndexToPhysicalPoint` computes
    /// it: the origin, plus each column of D · diag(spacing) times the index in turn.
    pub fn index_to_physical(&self, index: [f64; 3]) -> [f64; 3] {
        let m = self.index_to_physical_matrix();
        let mut p = self.origin;
        for (r, pr) in p.iter_mut().enumerate() {
            for (c, &i) in index.iter().enumerate() {
                *pr += m[3 * r + c] * i;
            }
        }
        p
    }

    /// Continuous index `(x, y, z)` of a physical point as ITK's
    /// `TransformPhysicalPointToContinuousIndex` computes it; `None` if the geometry has no
    /// inverse (singular direction, zero spacing).
    pub fn physical_to_index(&self, point: [f64; 3]) -> Option<[f64; 3]> {
        let inv = self.physical_to_index_matrix()?;
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
        Some(idx)
    }

    /// ITK's PhysicalPointToIndex matrix, (D · diag(spacing))⁻¹ row-major, to the last bit as
    /// ITK computes it (see [`itk_matrix_inverse`]); `None` for a singular direction or a zero
    /// or non-finite spacing.
    pub fn physical_to_index_matrix(&self) -> Option<[f64; 9]> {
        itk_matrix_inverse(&self.index_to_physical_matrix())
    }

    /// ITK's IndexToPhysicalPoint matrix, D · diag(spacing) row-major.
    pub fn index_to_physical_matrix(&self) -> [f64; 9] {
        let mut m = [0.0; 9];
        for r in 0..3 {
            for c in 0..3 {
                m[3 * r + c] = self.direction[3 * r + c] * self.spacing[c];
            }
        }
        m
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
            let clamped = v.clamp(lo, hi);
            if clamped.abs() < 9.0e15 {
                // Truncation through an integer: exact here, and one instruction where
                // `trunc` is a libm call on baseline x86-64 (a whole resampled CT goes
                // through this). The integer's +0 also stands for the -0.0 of e.g. -0.7.
                clamped as i64 as f64
            } else {
                // `+ 0.0` turns a -0.0 into 0 (not reached: such values are integers).
                clamped.trunc() + 0.0
            }
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

/// A scalar image. Values are stored in their own type ([`Voxels`], exact for every supported
/// type) and computed with as `f64`; `pixel_type` remembers the type the image was stored with,
/// which pyradiomics' arithmetic depends on.
#[derive(Debug, Clone)]
pub struct Image {
    /// Voxel values indexed `[z, y, x]`.
    pub voxels: Voxels,
    pub pixel_type: PixelType,
    pub geometry: Geometry,
}

impl Image {
    /// Build an image, checking that the array shape matches the geometry.
    pub fn new(voxels: impl Into<Voxels>, pixel_type: PixelType, geometry: Geometry) -> Result<Self> {
        let voxels = voxels.into();
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

    /// The voxel values as float64, `[z, y, x]`.
    pub fn values(&self) -> Cow<'_, Array3<f64>> {
        self.voxels.to_f64()
    }
}

/// An integer label map (pyradiomics reads every mask as UInt32).
#[derive(Debug, Clone)]
pub struct LabelMap {
    /// Labels indexed `[z, y, x]`.
    pub labels: Labels,
    pub geometry: Geometry,
}

impl LabelMap {
    /// Build a label map, checking that the array shape matches the geometry.
    pub fn new(labels: impl Into<Labels>, geometry: Geometry) -> Result<Self> {
        let labels = labels.into();
        if labels.shape() != geometry.shape_zyx() {
            return Err(Error::InvalidArgument(format!(
                "label array shape (z,y,x) {:?} does not match geometry size (x,y,z) {:?}",
                labels.shape(),
                geometry.size
            )));
        }
        Ok(LabelMap { labels, geometry })
    }

    /// The labels as uint32, `[z, y, x]`.
    pub fn values(&self) -> Cow<'_, Array3<u32>> {
        self.labels.to_u32()
    }

    /// Whether any voxel holds `label`.
    pub fn contains(&self, label: u32) -> bool {
        fn scan<L: Label>(a: &Array3<L>, label: u32) -> bool {
            use rayon::prelude::*;
            match a.as_slice() {
                Some(flat) => flat.par_chunks(1 << 16).any(|c| holds(c, label)),
                None => a.iter().any(|&l| Into::<u32>::into(l) == label),
            }
        }
        with_labels!(&self.labels, a => scan(a, label))
    }

    /// Sorted distinct non-zero labels present.
    pub fn labels_present(&self) -> Vec<u32> {
        let mut seen = std::collections::BTreeSet::new();
        with_labels!(&self.labels, a => {
            for &l in a.iter() {
                let l = voxels::label(l);
                if l != 0 {
                    seen.insert(l);
                }
            }
        });
        seen.into_iter().collect()
    }
}

/// Whether `labels` holds `label`: a branch-free scan the compiler vectorizes (a mask of a
/// whole CT is scanned more than once before cropping).
pub(crate) fn holds<L: Label>(labels: &[L], label: u32) -> bool {
    labels
        .iter()
        .fold(false, |found, &l| found | (Into::<u32>::into(l) == label))
}

/// Read a scalar image from `.nrrd`, `.nhdr`, `.nii` or `.nii.gz` (chosen by extension).
pub fn read_image(path: impl AsRef<Path>) -> Result<Image> {
    read_image_reusing(path.as_ref(), &mut SparePages::default())
}

/// [`read_image`], reading a gzip NRRD's compressed bytes into `spare`'s pages and leaving
/// them there for the next read.
pub(crate) fn read_image_reusing(path: &Path, spare: &mut SparePages) -> Result<Image> {
    match format_of(path)? {
        FileFormat::Nrrd => nrrd::read(path, spare),
        FileFormat::Nifti => nifti::read(path, spare.split_inflate()),
    }
}

/// Read a mask as a label map (values cast to UInt32 as pyradiomics does). For a Slicer
/// `.seg.nrrd`, `segment` picks the segment (by name or label value); the returned label
/// map then holds that segment's voxels with the returned label value.
pub fn read_label_map(path: impl AsRef<Path>, segment: Option<&SegmentSelector>) -> Result<(LabelMap, Option<u32>)> {
    read_label_map_reusing(path.as_ref(), segment, &mut SparePages::default())
}

/// [`read_label_map`], inflating a gzip NRRD's one-byte labels into `spare`'s pages.
pub(crate) fn read_label_map_reusing(
    path: &Path,
    segment: Option<&SegmentSelector>,
    spare: &mut SparePages,
) -> Result<(LabelMap, Option<u32>)> {
    if let Some(sel) = segment {
        return segmentation::read_segment(path, sel);
    }
    match format_of(path)? {
        FileFormat::Nrrd => Ok((nrrd::read_labels(path, spare)?, None)),
        FileFormat::Nifti => Ok((to_label_map(nifti::read(path, spare.split_inflate())?), None)),
    }
}

/// Cast an image to a UInt32 label map, as `sitk.Cast(mask, sitkUInt32)` does
/// (negative integers wrap, floats truncate). uint8 and uint16 labels keep their storage.
pub fn to_label_map(image: Image) -> LabelMap {
    let labels = match image.voxels {
        Voxels::U8(a) => Labels::U8(a),
        Voxels::U16(a) => Labels::U16(a),
        other => Labels::U32(with_voxels!(other, a => a.mapv(|v| u32::from_f64(voxels::value(v))))),
    };
    LabelMap {
        labels,
        geometry: image.geometry,
    }
}

/// A voxel type the readers decode into: the storage types of [`Voxels`] and [`Labels`]
/// (decoding a CT to int16 or a mask to uint8 never holds it as float64, eight bytes a voxel),
/// plus `f64` and `u32` for the stored types without an exact compact form.
pub(crate) trait Sample: bytemuck::Pod + Send + Sync + 'static {
    /// `v` in this type; for `u32` labels the rule of `sitk.Cast(..., sitkUInt32)`. The compact
    /// types only ever receive values of their own type.
    fn from_f64(v: f64) -> Self;
    /// `v` in this type, equal to `from_f64(v as f64)` (a cheaper path for integer voxels).
    fn from_i32(v: i32) -> Self;
    /// The stored type whose bytes are exactly this type's.
    const STORES: Option<PixelType>;
}

impl Sample for f64 {
    const STORES: Option<PixelType> = Some(PixelType::F64);
    fn from_f64(v: f64) -> Self {
        v
    }
    fn from_i32(v: i32) -> Self {
        v as f64
    }
}

impl Sample for u32 {
    const STORES: Option<PixelType> = Some(PixelType::U32);
    fn from_f64(v: f64) -> Self {
        if v >= 0.0 {
            v.min(u32::MAX as f64) as u32
        } else {
            (v as i64) as u32
        }
    }
    fn from_i32(v: i32) -> Self {
        // Negative values wrap, as through i64 above.
        v as u32
    }
}

macro_rules! compact_sample {
    ($($t:ty => $pt:ident),*) => {$(
        impl Sample for $t {
            const STORES: Option<PixelType> = Some(PixelType::$pt);
            fn from_f64(v: f64) -> Self {
                v as $t
            }
            fn from_i32(v: i32) -> Self {
                v as $t
            }
        }
    )*};
}
compact_sample!(u8 => U8, i8 => I8, u16 => U16, i16 => I16, i32 => I32, f32 => F32);

/// Told where a large buffer for voxels was just allocated, before any of them is written: the
/// C API asks Linux for transparent huge pages there (`ffi::huge_pages::advise`), which the
/// CLI's allocator does for every large block. Readers inside the library pass `None`.
pub(crate) type FreshBuffer = fn(*mut u8, usize);

/// Decode packed values of `pt` into image storage of `shape` (z, y, x); `bytes` must hold
/// exactly the shape's values. Float NaN and infinities are kept. `fresh`: see [`FreshBuffer`].
pub(crate) fn decode_to_voxels(
    bytes: &[u8],
    pt: PixelType,
    big_endian: bool,
    shape: [usize; 3],
    fresh: Option<FreshBuffer>,
) -> Result<Voxels> {
    Ok(match pt {
        PixelType::U8 => Voxels::U8(decode_array(bytes, pt, big_endian, shape, fresh)?),
        PixelType::I8 => Voxels::I8(decode_array(bytes, pt, big_endian, shape, fresh)?),
        PixelType::U16 => Voxels::U16(decode_array(bytes, pt, big_endian, shape, fresh)?),
        PixelType::I16 => Voxels::I16(decode_array(bytes, pt, big_endian, shape, fresh)?),
        PixelType::I32 => Voxels::I32(decode_array(bytes, pt, big_endian, shape, fresh)?),
        PixelType::F32 => Voxels::F32(decode_array(bytes, pt, big_endian, shape, fresh)?),
        PixelType::U32 | PixelType::U64 | PixelType::I64 | PixelType::F64 => {
            Voxels::F64(decode_array(bytes, pt, big_endian, shape, fresh)?)
        }
    })
}

/// Decode packed labels of `pt` into label storage of `shape` (z, y, x), cast to uint32 as
/// `sitk.Cast(mask, sitkUInt32)` unless they are uint8 or uint16. `fresh`: see [`FreshBuffer`].
pub(crate) fn decode_to_labels(
    bytes: &[u8],
    pt: PixelType,
    big_endian: bool,
    shape: [usize; 3],
    fresh: Option<FreshBuffer>,
) -> Result<Labels> {
    Ok(match pt {
        PixelType::U8 => Labels::U8(decode_array(bytes, pt, big_endian, shape, fresh)?),
        PixelType::U16 => Labels::U16(decode_array(bytes, pt, big_endian, shape, fresh)?),
        _ => Labels::U32(decode_array(bytes, pt, big_endian, shape, fresh)?),
    })
}

/// Decode packed values of `pt` into a `[z, y, x]` array of `T`.
fn decode_array<T: Sample>(
    bytes: &[u8],
    pt: PixelType,
    big_endian: bool,
    shape: [usize; 3],
    fresh: Option<FreshBuffer>,
) -> Result<Array3<T>> {
    let count: usize = shape.iter().product();
    // Room for whole blocks, so that a parallel decode writes straight into this storage.
    let mut values: Vec<T> = Vec::with_capacity(count.next_multiple_of(DECODE_BLOCK));
    if let Some(fresh) = fresh {
        fresh(values.as_mut_ptr().cast(), count * std::mem::size_of::<T>());
    }
    decode_voxels_parallel(bytes, pt, big_endian, &mut values);
    Array3::from_shape_vec(shape, values)
        .map_err(|e| Error::InvalidArgument(format!("array of shape (z,y,x) {shape:?}: {e}")))
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

/// Decode up to `bytes` bytes of packed `pt` values from `reader` into `out`, a chunk at a
/// time, so the packed data never exists whole beside the decoded values. Returns the number
/// of bytes read: fewer than `bytes` only at the end of the stream.
pub(crate) fn decode_stream<T: Sample>(
    reader: &mut dyn std::io::Read,
    bytes: usize,
    pt: PixelType,
    big_endian: bool,
    out: &mut Vec<T>,
) -> std::io::Result<usize> {
    // A multiple of every type size; small enough to stay in cache while it is decoded.
    const CHUNK: usize = 1 << 18;
    let mut chunk = vec![0u8; CHUNK.min(bytes)];
    let mut done = 0;
    while done < bytes {
        let want = (bytes - done).min(CHUNK);
        let filled = fill(reader, &mut chunk[..want])?;
        decode_voxels(&chunk[..filled], pt, big_endian, out);
        done += filled;
        if filled < want {
            break;
        }
    }
    Ok(done)
}

/// Inflate a whole single-member gzip stream at once with libdeflate (about half the time of
/// a streaming zlib; on several threads when `split_inflate` allows, see [`gunzip_exact`]).
/// `None` unless the first member is intact and holds exactly the size the stream's last
/// trailer gives (so not for several members of other sizes, damage, more than 4 GiB): callers
/// then stream it through flate2, which reads every case and names what is wrong. `max` bounds
/// what is inflated in memory (the bytes a header asks for): a longer stream takes the
/// streaming path, which keeps only what is needed and checks the rest on the fly.
pub(crate) fn gunzip_whole(compressed: &[u8], max: usize, split_inflate: bool) -> Option<Vec<u8>> {
    let size = gzip_size(compressed)?;
    if size > max {
        return None;
    }
    let mut out = vec![0u8; size];
    gunzip_exact(compressed, &mut out, split_inflate).then_some(out)
}

/// The inflated size a gzip stream's trailer gives, if the stream can be one member of it.
fn gzip_size(compressed: &[u8]) -> Option<usize> {
    let n = compressed.len();
    if n < 18 {
        return None;
    }
    let size = u32::from_le_bytes(compressed[n - 4..].try_into().ok()?) as usize;
    // Deflate expands at most ~1032:1; anything larger is a wrapped or forged size.
    (size <= n.saturating_mul(1032)).then_some(size)
}

/// Inflate a single-member gzip stream of exactly `out.len()` bytes into `out` with libdeflate,
/// split across the worker threads if `split_inflate` allows and the stream is large (see
/// `parallel_gunzip`); false (callers then take the streaming path) unless it is one intact
/// member of that size.
fn gunzip_exact(compressed: &[u8], out: &mut [u8], split_inflate: bool) -> bool {
    if gzip_size(compressed) != Some(out.len()) {
        return false;
    }
    if split_inflate && parallel_gunzip::gunzip(compressed, out) {
        return true;
    }
    // libdeflate inflates the first member and checks its own trailer (CRC-32 and size). That
    // member must fill `out` exactly: the bytes a reader needs, as ITK reads them. Members after
    // it could only hold bytes past those, which ITK never reads either.
    let inflated = libdeflater::Decompressor::new().gzip_decompress(compressed, out);
    inflated == Ok(out.len())
}

/// Pages one read leaves mapped for the next. Reading a CT and then its mask, the mask's
/// voxels are inflated into the pages the CT's compressed bytes were read into; across the
/// lesions of a batch, the next CT is inflated into the last one's voxels and its compressed
/// bytes read into the last mask's. A fresh page costs a fault the first time it is written
/// (about 1.5 µs here, 3,300 of them for a 13 MB gzip CT, 7,700 for its 31 MB of voxels), a
/// page written before costs nothing.
///
/// It also says whether the read has the worker threads to itself (see [`Self::for_batch`]).
#[derive(Default)]
pub(crate) struct SparePages {
    bytes: Vec<u8>,
    /// The `Vec<T>` of an earlier image's voxels, T known only at run time.
    values: Option<Box<dyn std::any::Any + Send>>,
    /// The other worker threads are busy with other lesions.
    workers_busy: bool,
}

impl SparePages {
    /// Pages for a batch worker: the other workers are extracting other lesions, so a gzip
    /// stream is inflated on this thread alone (splitting it would only add work).
    pub(crate) fn for_batch() -> Self {
        SparePages {
            workers_busy: true,
            ..Default::default()
        }
    }

    /// Whether a large gzip stream may be inflated on several worker threads
    /// (see `parallel_gunzip`).
    fn split_inflate(&self) -> bool {
        !self.workers_busy
    }

    /// The spare buffer emptied, to read into (its pages stay mapped).
    fn take_empty(&mut self) -> Vec<u8> {
        let mut bytes = std::mem::take(&mut self.bytes);
        bytes.clear();
        bytes
    }

    /// Keep `bytes` for the next read, unless the buffer already held is larger.
    fn keep(&mut self, bytes: Vec<u8>) {
        if bytes.capacity() > self.bytes.capacity() {
            self.bytes = bytes;
        }
    }

    /// Whether [`Self::take_for`] can hand out values of `T` (one-byte types).
    fn can_hold<T: Sample>() -> bool {
        std::mem::size_of::<T>() == 1 && std::mem::align_of::<T>() == 1
    }

    /// `count` zeroed values of a one-byte `T` in the spare pages, if they hold that many.
    /// Growing a smaller buffer costs more than fresh pages: reading a 30 mm lesion's mask into
    /// the 13 MB its CT's compressed bytes had left took 9 ms to grow and clear, against 3 ms
    /// for a fresh buffer (one thread, CLI); the spare pages then stay for a later read. So the
    /// CT's compressed bytes are read into a buffer with room for such a mask (`read_piece`).
    fn take_for<T: Sample>(&mut self, count: usize) -> Option<Vec<T>> {
        if !Self::can_hold::<T>() || self.bytes.capacity() < count {
            return None;
        }
        let mut values: Vec<T> = bytemuck::allocation::try_cast_vec(self.take_empty()).ok()?;
        values.resize(count, T::zeroed());
        Some(values)
    }

    /// `count` values of `T` in an earlier image's voxels, if they were of type `T`. Their
    /// old contents stay (the caller overwrites every value); only a longer volume's extra
    /// values are zeroed.
    fn take_values<T: Sample>(&mut self, count: usize) -> Option<Vec<T>> {
        let mut values = match self.values.take()?.downcast::<Vec<T>>() {
            Ok(values) => *values,
            Err(other) => {
                self.values = Some(other);
                return None;
            }
        };
        if values.len() >= count {
            values.truncate(count);
        } else {
            values.reserve_exact(count - values.len());
            values.resize(count, T::zeroed());
        }
        Some(values)
    }

    /// Keep the voxels of `image` and, if its labels are one byte each, of `mask` for the
    /// next lesion's reads.
    pub(crate) fn keep_volumes(&mut self, image: Image, mask: LabelMap) {
        self.values = Some(with_voxels!(image.voxels, a => {
            Box::new(a.into_raw_vec_and_offset().0) as Box<dyn std::any::Any + Send>
        }));
        if let Labels::U8(labels) = mask.labels {
            self.keep(labels.into_raw_vec_and_offset().0);
        }
    }
}

/// Inflate a whole gzip member holding exactly `count` values of `pt` straight into `out`
/// (empty), when `T` stores `pt` as is: no intermediate byte buffer for a CT. False when the
/// stream or the types do not allow it (callers then decode as usual).
pub(crate) fn gunzip_values<T: Sample>(
    compressed: &[u8],
    count: usize,
    pt: PixelType,
    big_endian: bool,
    out: &mut Vec<T>,
    spare: &mut SparePages,
) -> bool {
    if T::STORES != Some(pt) || !out.is_empty() {
        return false;
    }
    // Before any page is mapped: a header whose sizes the stream cannot hold (a forged or
    // wrong header, a gzip bomb's tail) must not get gigabytes of pages touched first.
    if gzip_size(compressed) != count.checked_mul(std::mem::size_of::<T>()) {
        return false;
    }
    // Zeroed pages from the allocator cost nothing until written; spare ones nothing again.
    let mut values: Vec<T> = spare
        .take_values(count)
        .or_else(|| spare.take_for(count))
        .unwrap_or_else(|| bytemuck::zeroed_vec(count));
    let bytes: &mut [u8] = bytemuck::cast_slice_mut(&mut values);
    prefault(bytes);
    if !gunzip_exact(compressed, bytes, spare.split_inflate()) {
        return false;
    }
    if big_endian != cfg!(target_endian = "big") {
        for v in bytes.chunks_exact_mut(std::mem::size_of::<T>()) {
            v.reverse();
        }
    }
    *out = values;
    true
}

/// Map every page of a large fresh buffer on all worker threads before the inflate fills it:
/// the kernel's first-touch work (a fault, a page to clear) per 4 KiB page is otherwise paid
/// on the critical path of the inflate, whose first part, or whole stream, one thread writes.
/// (Skipping it when the inflate is split measured the same, within noise.)
fn prefault(bytes: &mut [u8]) {
    use rayon::prelude::*;
    const PAGE: usize = 4096;
    if rayon::current_num_threads() < 2 || bytes.len() < 1 << 22 {
        return;
    }
    bytes.par_chunks_mut(256 * PAGE).for_each(|chunk| {
        for page in chunk.chunks_mut(PAGE) {
            // An opaque zero: a store the compiler cannot drop as redundant on zeroed memory.
            page[0] = std::hint::black_box(0);
        }
    });
}

/// Read until `buf` is full or the stream ends; the number of bytes read.
fn fill(reader: &mut dyn std::io::Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match reader.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

/// Convert packed values of `pt` (little or big endian) to `T`, appending to `out`.
pub(crate) fn decode_voxels<T: Sample>(bytes: &[u8], pt: PixelType, big_endian: bool, out: &mut Vec<T>) {
    decode_into(bytes, pt, big_endian, out, false);
}

/// [`decode_voxels`] split across the worker threads for a large buffer (decoding a CT and
/// first touching its float64 pages); the values and their order are the same. Split only
/// into an empty `out` with room for whole [`DECODE_BLOCK`]s (see [`decode_blocks`]).
pub(crate) fn decode_voxels_parallel<T: Sample>(bytes: &[u8], pt: PixelType, big_endian: bool, out: &mut Vec<T>) {
    let parallel = rayon::current_num_threads() > 1 && bytes.len() >= 1 << 22;
    decode_into(bytes, pt, big_endian, out, parallel);
}

/// Values per task of a parallel decode.
const DECODE_BLOCK: usize = 4096;

/// Decode values of `size` bytes each on the worker threads, [`DECODE_BLOCK`] values a task,
/// each block by the same loop as on one thread, which the compiler vectorizes. (A parallel
/// collect value by value checks every write and does not: copying a 512×512×60 int16 CT and
/// its mask through the C API took 5.9–6.3 ms on two threads against 3.6–4.2 ms on one, and
/// 4.1–4.9 ms on two this way, repeated calls, see bench/README.md.) The blocks are
/// written straight into `out`'s storage, viewed as blocks; false, with `out` untouched, when
/// it is not empty or its room is not whole blocks.
fn decode_blocks<T: Sample>(bytes: &[u8], size: usize, decode: impl Fn(&[u8]) -> T + Sync, out: &mut Vec<T>) -> bool {
    use rayon::prelude::*;
    if !out.is_empty() {
        return false;
    }
    let mut blocks: Vec<[T; DECODE_BLOCK]> = match bytemuck::allocation::try_cast_vec(std::mem::take(out)) {
        Ok(blocks) => blocks,
        Err((_, values)) => {
            *out = values;
            return false;
        }
    };
    let whole = bytes.len() / (size * DECODE_BLOCK) * (size * DECODE_BLOCK);
    blocks.par_extend(bytes[..whole].par_chunks_exact(size * DECODE_BLOCK).map(|chunk| {
        let mut block = [T::zeroed(); DECODE_BLOCK];
        for (v, c) in block.iter_mut().zip(chunk.chunks_exact(size)) {
            *v = decode(c);
        }
        block
    }));
    let mut values: Vec<T> = bytemuck::allocation::cast_vec(blocks);
    values.extend(bytes[whole..].chunks_exact(size).map(decode));
    *out = values;
    true
}

fn decode_into<T: Sample>(bytes: &[u8], pt: PixelType, big_endian: bool, out: &mut Vec<T>, parallel: bool) {
    // `$to` turns the stored value into T: integers up to 32 bits take the cheaper path.
    macro_rules! convert {
        ($t:ty, $n:expr, $to:expr) => {{
            let decode = |c: &[u8]| {
                let mut a = [0u8; $n];
                a.copy_from_slice(c);
                let v = if big_endian {
                    <$t>::from_be_bytes(a)
                } else {
                    <$t>::from_le_bytes(a)
                };
                $to(v)
            };
            if !(parallel && decode_blocks(bytes, $n, decode, out)) {
                out.extend(bytes.chunks_exact($n).map(decode));
            }
        }};
    }
    match pt {
        PixelType::U8 => convert!(u8, 1, |v| T::from_i32(v as i32)),
        PixelType::I8 => convert!(i8, 1, |v| T::from_i32(v as i32)),
        PixelType::U16 => convert!(u16, 2, |v| T::from_i32(v as i32)),
        PixelType::I16 => convert!(i16, 2, |v| T::from_i32(v as i32)),
        PixelType::I32 => convert!(i32, 4, T::from_i32),
        PixelType::U32 => convert!(u32, 4, |v| T::from_f64(v as f64)),
        PixelType::U64 => convert!(u64, 8, |v| T::from_f64(v as f64)),
        PixelType::I64 => convert!(i64, 8, |v| T::from_f64(v as f64)),
        PixelType::F32 => convert!(f32, 4, |v| T::from_f64(v as f64)),
        PixelType::F64 => convert!(f64, 8, T::from_f64),
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
