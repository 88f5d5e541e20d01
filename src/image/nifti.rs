//! NIfTI-1 / NIfTI-2 reader and NIfTI-1 writer.
//!
//! The header is parsed by hand (it is a fixed binary layout). Geometry follows ITK 5.4's
//! `NiftiImageIO` (SimpleITK 2.5), which reads NIfTI-1 through niftilib's single-precision
//! matrices:
//! - `qto_xyz` is niftilib's quaternion matrix (computed in double, stored as float), or
//!   `diag(pixdim)` when `qform_code` is 0; `sto_xyz` is the `srow` rows (zeros when
//!   `sform_code` is 0).
//! - The sform is used when it is orthonormal after column normalisation and either the qform
//!   is unknown, the sform code is SCANNER_ANAT, or both forms agree; also when both forms agree
//!   element-wise. Otherwise the qform, otherwise an error (no orthonormal definition).
//! - RAS → LPS: origin `(-m03, -m13, m23)`, direction columns with x and y negated, then
//!   normalised. Spacing is `pixdim` (not the matrix column norms), scaled by the unit;
//!   a negative pixdim flips its direction column (ImageFileReader).
//! - `scl_slope`/`scl_inter` are applied when the slope is non-zero and not the identity;
//!   integer data then becomes float32 (cast to float first, rescaled in double, stored
//!   as float). Non-finite float voxels read as 0, as niftilib does.
//!
//! NIfTI-2 uses the same rules with the double-precision fields kept in double (niftilib 2).

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

use flate2::read::MultiGzDecoder;
use ndarray::Array3;

use super::nrrd::{check_geometry, push_le, type_size};
use crate::error::{Error, Result};
use crate::image::{Geometry, Image, PixelType, Voxels};

const NIFTI1_HEADER: usize = 348;
const NIFTI2_HEADER: usize = 540;

/// The header fields radscore uses, widened to f64/i64.
#[derive(Debug, Clone)]
struct Header {
    version: u8,
    big_endian: bool,
    /// One file (`n+1`/`n+2`) or header/image pair (`ni1`/`ni2`).
    single_file: bool,
    dim: [i64; 8],
    datatype: i32,
    pixdim: [f64; 8],
    vox_offset: f64,
    scl_slope: f64,
    scl_inter: f64,
    xyzt_units: i32,
    intent_code: i32,
    qform_code: i32,
    sform_code: i32,
    quatern: [f64; 3],
    qoffset: [f64; 3],
    srow: [[f64; 4]; 3],
}

/// Little helper reading numbers at fixed offsets in either byte order.
struct Fields<'a> {
    bytes: &'a [u8],
    big: bool,
}

impl Fields<'_> {
    fn arr<const N: usize>(&self, at: usize) -> [u8; N] {
        let mut a = [0u8; N];
        if let Some(s) = self.bytes.get(at..at + N) {
            a.copy_from_slice(s);
        }
        if self.big {
            a.reverse();
        }
        a
    }
    fn i16(&self, at: usize) -> i64 {
        i16::from_le_bytes(self.arr(at)) as i64
    }
    fn i32(&self, at: usize) -> i32 {
        i32::from_le_bytes(self.arr(at))
    }
    fn i64(&self, at: usize) -> i64 {
        i64::from_le_bytes(self.arr(at))
    }
    fn f32(&self, at: usize) -> f64 {
        f32::from_le_bytes(self.arr(at)) as f64
    }
    fn f64(&self, at: usize) -> f64 {
        f64::from_le_bytes(self.arr(at))
    }
}

/// niftilib's FIXED_FLOAT: non-finite header floats read as 0.
fn finite_or_zero(v: f64) -> f64 {
    if v.is_finite() { v } else { 0.0 }
}

fn parse_header(bytes: &[u8], path: &Path) -> Result<Header> {
    let first = bytes
        .get(..4)
        .ok_or_else(|| Error::format(path, "not a NIfTI file (shorter than a header)"))?;
    let size_le = i32::from_le_bytes([first[0], first[1], first[2], first[3]]);
    let size_be = i32::from_be_bytes([first[0], first[1], first[2], first[3]]);
    let version = if size_le == NIFTI1_HEADER as i32 || size_be == NIFTI1_HEADER as i32 {
        1
    } else if size_le == NIFTI2_HEADER as i32 || size_be == NIFTI2_HEADER as i32 {
        2
    } else {
        return Err(Error::format(
            path,
            "not a NIfTI file (bad magic: sizeof_hdr is neither 348 nor 540)",
        ));
    };
    let header_len = if version == 1 { NIFTI1_HEADER } else { NIFTI2_HEADER };
    if bytes.len() < header_len {
        return Err(Error::format(
            path,
            format!("truncated header: {} of {header_len} bytes", bytes.len()),
        ));
    }
    if version == 1 {
        // niftilib decides the byte order from dim[0] (1..7), falling back to sizeof_hdr.
        let dim0_le = i16::from_le_bytes([bytes[40], bytes[41]]);
        let big = if (1..=7).contains(&dim0_le) {
            false
        } else if (1..=7).contains(&dim0_le.swap_bytes()) {
            true
        } else if dim0_le == 0 {
            size_le != NIFTI1_HEADER as i32
        } else {
            return Err(Error::format(path, format!("invalid dim[0] = {dim0_le}")));
        };
        let f = Fields { bytes, big };
        let magic = &bytes[344..348];
        let is_nifti = magic[0] == b'n'
            && (magic[1] == b'i' || magic[1] == b'+')
            && (b'1'..=b'9').contains(&magic[2])
            && magic[3] == 0;
        if !is_nifti {
            return Err(Error::Unsupported {
                path: path.to_path_buf(),
                what: "Analyze 7.5 header (no NIfTI magic 'n+1'/'ni1')".into(),
            });
        }
        let mut dim = [0i64; 8];
        let mut pixdim = [0.0; 8];
        for i in 0..8 {
            dim[i] = f.i16(40 + 2 * i);
            pixdim[i] = f.f32(76 + 4 * i);
        }
        let mut srow = [[0.0; 4]; 3];
        for (r, row) in srow.iter_mut().enumerate() {
            for (c, v) in row.iter_mut().enumerate() {
                *v = f.f32(280 + 16 * r + 4 * c);
            }
        }
        Ok(Header {
            version,
            big_endian: big,
            single_file: magic[1] == b'+',
            dim,
            datatype: f.i16(70) as i32,
            pixdim,
            vox_offset: f.f32(108),
            scl_slope: finite_or_zero(f.f32(112)),
            scl_inter: finite_or_zero(f.f32(116)),
            xyzt_units: bytes[123] as i32,
            intent_code: f.i16(68) as i32,
            qform_code: f.i16(252) as i32,
            sform_code: f.i16(254) as i32,
            quatern: [f.f32(256), f.f32(260), f.f32(264)].map(finite_or_zero),
            qoffset: [f.f32(268), f.f32(272), f.f32(276)].map(finite_or_zero),
            srow,
        })
    } else {
        let big = size_le != NIFTI2_HEADER as i32;
        let f = Fields { bytes, big };
        let magic = &bytes[4..12];
        if !(magic[0] == b'n' && (magic[1] == b'i' || magic[1] == b'+') && magic[2] == b'2' && magic[3] == 0) {
            return Err(Error::format(path, "not a NIfTI-2 file (bad magic, expected 'n+2')"));
        }
        let mut dim = [0i64; 8];
        let mut pixdim = [0.0; 8];
        for i in 0..8 {
            dim[i] = f.i64(16 + 8 * i);
            pixdim[i] = f.f64(104 + 8 * i);
        }
        let mut srow = [[0.0; 4]; 3];
        for (r, row) in srow.iter_mut().enumerate() {
            for (c, v) in row.iter_mut().enumerate() {
                *v = f.f64(400 + 32 * r + 8 * c);
            }
        }
        Ok(Header {
            version,
            big_endian: big,
            single_file: magic[1] == b'+',
            dim,
            datatype: f.i16(12) as i32,
            pixdim,
            vox_offset: f.i64(168) as f64,
            scl_slope: finite_or_zero(f.f64(176)),
            scl_inter: finite_or_zero(f.f64(184)),
            xyzt_units: f.i32(500),
            intent_code: f.i32(504),
            qform_code: f.i32(344),
            sform_code: f.i32(348),
            quatern: [f.f64(352), f.f64(360), f.f64(368)].map(finite_or_zero),
            qoffset: [f.f64(376), f.f64(384), f.f64(392)].map(finite_or_zero),
            srow,
        })
    }
}

fn pixel_type_of(datatype: i32, path: &Path) -> Result<PixelType> {
    Ok(match datatype {
        2 => PixelType::U8,
        4 => PixelType::I16,
        8 => PixelType::I32,
        16 => PixelType::F32,
        64 => PixelType::F64,
        256 => PixelType::I8,
        512 => PixelType::U16,
        768 => PixelType::U32,
        1024 => PixelType::I64,
        1280 => PixelType::U64,
        other => {
            let name = match other {
                1 => "binary",
                32 => "complex64",
                128 => "RGB24",
                1536 => "float128",
                1792 => "complex128",
                2048 => "complex256",
                2304 => "RGBA32",
                _ => "unknown",
            };
            return Err(Error::Unsupported {
                path: path.to_path_buf(),
                what: format!("NIfTI datatype {other} ({name})"),
            });
        }
    })
}

fn read_all(path: &Path, split_inflate: bool) -> Result<Vec<u8>> {
    let file = File::open(path).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let mut reader = BufReader::with_capacity(1 << 16, file);
    let mut magic = [0u8; 2];
    let mut head = Vec::with_capacity(2);
    (&mut reader)
        .take(2)
        .read_to_end(&mut head)
        .map_err(|source| Error::Io {
            path: path.to_path_buf(),
            source,
        })?;
    if let Some(m) = head.get(..2) {
        magic.copy_from_slice(m);
    }
    let chained = std::io::Cursor::new(head).chain(reader);
    let mut out = Vec::new();
    if magic == [0x1f, 0x8b] {
        let mut compressed = Vec::new();
        let mut chained = chained;
        chained.read_to_end(&mut compressed).map_err(|source| Error::Io {
            path: path.to_path_buf(),
            source,
        })?;
        if let Some(all) = super::gunzip_whole(&compressed, usize::MAX, split_inflate) {
            return Ok(all);
        }
        MultiGzDecoder::new(&compressed[..])
            .read_to_end(&mut out)
            .map_err(|e| Error::format(path, format!("corrupt gzip data: {e}")))?;
    } else {
        let mut chained = chained;
        chained.read_to_end(&mut out).map_err(|source| Error::Io {
            path: path.to_path_buf(),
            source,
        })?;
    }
    Ok(out)
}

/// The image file of a `.hdr` header (`.img` or `.img.gz` beside it).
fn image_file_of(path: &Path) -> PathBuf {
    let name = path.to_string_lossy();
    let stem = name
        .strip_suffix(".gz")
        .unwrap_or(&name)
        .strip_suffix(".hdr")
        .map(str::to_string)
        .unwrap_or_else(|| name.to_string());
    let img = PathBuf::from(format!("{stem}.img"));
    if img.exists() {
        img
    } else {
        PathBuf::from(format!("{stem}.img.gz"))
    }
}

/// niftilib's quaternion → matrix (`nifti_quatern_to_mat44`); `single` rounds to float.
fn quatern_to_mat(h: &Header, d: [f64; 3], single: bool) -> [[f64; 4]; 4] {
    let round = |v: f64| if single { v as f32 as f64 } else { v };
    let [mut b, mut c, mut dd] = h.quatern;
    let mut a = 1.0 - (b * b + c * c + dd * dd);
    if a < 1.0e-7 {
        a = 1.0 / (b * b + c * c + dd * dd).sqrt();
        b *= a;
        c *= a;
        dd *= a;
        a = 0.0;
    } else {
        a = a.sqrt();
    }
    let xd = if d[0] > 0.0 { d[0] } else { 1.0 };
    let yd = if d[1] > 0.0 { d[1] } else { 1.0 };
    let mut zd = if d[2] > 0.0 { d[2] } else { 1.0 };
    if h.pixdim[0] < 0.0 {
        zd = -zd;
    }
    [
        [
            round((a * a + b * b - c * c - dd * dd) * xd),
            round(2.0 * (b * c - a * dd) * yd),
            round(2.0 * (b * dd + a * c) * zd),
            h.qoffset[0],
        ],
        [
            round(2.0 * (b * c + a * dd) * xd),
            round((a * a + c * c - b * b - dd * dd) * yd),
            round(2.0 * (c * dd - a * b) * zd),
            h.qoffset[1],
        ],
        [
            round(2.0 * (b * dd - a * c) * xd),
            round(2.0 * (c * dd + a * b) * yd),
            round((a * a + dd * dd - c * c - b * b) * zd),
            h.qoffset[2],
        ],
        [0.0, 0.0, 0.0, 1.0],
    ]
}

fn column_norm(m: &[[f64; 4]; 4], j: usize) -> f64 {
    (m[0][j] * m[0][j] + m[1][j] * m[1][j] + m[2][j] * m[2][j]).sqrt()
}

/// ITK's "sform decomposable without skew": invertible affine whose normalised columns are
/// orthonormal within 1e-4.
fn orthonormal_affine(m: &[[f64; 4]; 4]) -> bool {
    if m[3] != [0.0, 0.0, 0.0, 1.0] {
        return false;
    }
    let mut r = [[0.0; 3]; 3];
    for j in 0..3 {
        let n = column_norm(m, j);
        if n == 0.0 || !n.is_finite() {
            return false;
        }
        for i in 0..3 {
            r[i][j] = m[i][j] / n;
        }
    }
    for i in 0..3 {
        for k in 0..3 {
            let dot: f64 = (0..3).map(|j| r[i][j] * r[k][j]).sum();
            let expect = if i == k { 1.0 } else { 0.0 };
            if (dot - expect).abs() > 1.0e-4 {
                return false;
            }
        }
    }
    true
}

/// ITK's "sform and qform very similar": equal left singular vectors and singular values
/// (within 1e-4) and equal offsets. ITK compares the SVD factors U and W, which ignores the
/// right factor (so a flipped column usually still counts as similar); M·Mᵀ = U·W²·Uᵀ carries
/// that information, so it is compared instead, with the column lengths. The signs ITK's
/// single-precision SVD picks are not reproduced: for some flipped-axis pairs ITK calls the
/// forms different and takes the qform where this takes the sform.
fn forms_very_similar(s: &[[f64; 4]; 4], q: &[[f64; 4]; 4]) -> bool {
    let gram = |m: &[[f64; 4]; 4], i: usize, k: usize| (0..3).map(|j| m[i][j] * m[k][j]).sum::<f64>();
    let scale = (0..3).map(|i| gram(q, i, i)).fold(1.0f64, f64::max);
    let gram_close = (0..3).all(|i| (0..3).all(|k| (gram(s, i, k) - gram(q, i, k)).abs() <= 1.0e-4 * scale));
    // Column norms too: ITK's U differs for permuted columns of different lengths.
    let norms_close = (0..3).all(|j| (column_norm(s, j) - column_norm(q, j)).abs() <= 1.0e-4);
    gram_close
        && norms_close
        && (0..3).all(|i| (s[i][3] - q[i][3]).abs() <= 1.0e-4)
        && (0..4).all(|j| (s[3][j] - q[3][j]).abs() <= 1.0e-4)
}

/// The matrix ITK takes the geometry from (see the module comment).
fn choose_matrix(h: &Header, d: [f64; 3], path: &Path) -> Result<[[f64; 4]; 4]> {
    let single = h.version == 1;
    let qform = if h.qform_code > 0 {
        quatern_to_mat(h, d, single)
    } else {
        [
            [d[0], 0.0, 0.0, 0.0],
            [0.0, d[1], 0.0, 0.0],
            [0.0, 0.0, d[2], 0.0],
            [0.0, 0.0, 0.0, 1.0],
        ]
    };
    let sform = if h.sform_code > 0 {
        [h.srow[0], h.srow[1], h.srow[2], [0.0, 0.0, 0.0, 1.0]]
    } else {
        [[0.0; 4]; 4]
    };
    let similar = {
        let rotation = (0..3).all(|i| (0..3).all(|j| (sform[i][j] - qform[i][j]).abs() <= 1.0e-5));
        let translation: f64 = (0..4).map(|i| (sform[i][3] - qform[i][3]).abs()).sum();
        let bottom: f64 = (0..4).map(|j| (sform[3][j] - qform[3][j]).abs()).sum();
        rotation && translation <= 1.0e-7 && bottom <= 1.0e-7
    };
    let mut prefer_sform = similar;
    if (!prefer_sform || h.sform_code != 0) && orthonormal_affine(&sform) {
        // An unknown qform, or a scanner-anatomical sform: take the sform.
        if (h.qform_code == 0 && h.sform_code != 0) || h.sform_code == 1 {
            prefer_sform = true;
        } else if h.qform_code != 0 && h.sform_code != 0 {
            prefer_sform = forms_very_similar(&sform, &qform);
        }
    }
    if prefer_sform {
        Ok(sform)
    } else if h.qform_code > 0 {
        Ok(qform)
    } else {
        Err(Error::format(
            path,
            "no orthonormal orientation: the sform is skewed and there is no qform",
        ))
    }
}

/// Read a NIfTI-1/-2 image (`.nii`, `.nii.gz`, or `.hdr` with its `.img`) as SimpleITK does.
pub(super) fn read(path: &Path, split_inflate: bool) -> Result<Image> {
    let bytes = read_all(path, split_inflate)?;
    let h = parse_header(&bytes, path)?;
    let header_len = if h.version == 1 { NIFTI1_HEADER } else { NIFTI2_HEADER };
    let pixel_type = pixel_type_of(h.datatype, path)?;
    let ndim = h.dim[0];
    if !(1..=7).contains(&ndim) {
        return Err(Error::format(path, format!("invalid dim[0] = {ndim}")));
    }
    let ndim = ndim as usize;
    if let Some(i) = (1..=ndim).find(|&i| h.dim[i] <= 0) {
        return Err(Error::format(path, format!("invalid dim[{i}] = {}", h.dim[i])));
    }
    // ITK drops trailing axes of size 1 beyond the third.
    let mut real_dim = ndim;
    while real_dim > 3 && h.dim[real_dim] == 1 {
        real_dim -= 1;
    }
    if !(2..=3).contains(&real_dim) {
        return Err(Error::Unsupported {
            path: path.to_path_buf(),
            what: format!("{real_dim}-D image (radscore reads 2-D and 3-D images)"),
        });
    }
    if (1005..=1007).contains(&h.intent_code) && ndim >= 5 && h.dim[5] > 1 {
        return Err(Error::Unsupported {
            path: path.to_path_buf(),
            what: "vector/matrix-valued NIfTI (intent vector/displacement/symmatrix)".into(),
        });
    }
    // niftilib replaces zero or non-finite pixdim of the defined axes by 1.
    let mut pixdim = h.pixdim;
    for p in pixdim.iter_mut().take(ndim + 1).skip(1) {
        if *p == 0.0 || !p.is_finite() {
            *p = 1.0;
        }
    }
    let unit_scale = match h.xyzt_units & 0x07 {
        1 => 1.0e3,
        3 => 1.0e-3,
        _ => 1.0,
    };
    let size = [
        h.dim[1] as usize,
        if ndim >= 2 { h.dim[2] as usize } else { 1 },
        if real_dim >= 3 { h.dim[3] as usize } else { 1 },
    ];
    let d = [pixdim[1], pixdim[2], pixdim[3]];
    let (mut spacing, mut origin, mut columns) =
        ([1.0; 3], [0.0; 3], [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]);
    let axes = real_dim.min(3);
    for (i, s) in spacing.iter_mut().enumerate().take(axes) {
        *s = d[i] * unit_scale;
    }
    if h.qform_code > 0 || h.sform_code > 0 {
        let m = choose_matrix(&h, d, path)?;
        origin[0] = -m[0][3] * unit_scale;
        origin[1] = -m[1][3] * unit_scale;
        if axes > 2 {
            origin[2] = m[2][3] * unit_scale;
        }
        for (j, col) in columns.iter_mut().enumerate().take(axes) {
            let mut v = [0.0; 3];
            for (i, vi) in v.iter_mut().enumerate().take(axes) {
                *vi = if i < 2 { -m[i][j] } else { m[i][j] };
            }
            let sum: f64 = v.iter().map(|x| x * x).sum();
            if sum != 0.0 {
                let norm = sum.sqrt();
                for x in v.iter_mut() {
                    *x /= norm;
                }
            }
            *col = v;
        }
    }
    for i in 0..3 {
        if spacing[i] < 0.0 {
            spacing[i] = -spacing[i];
            for c in columns[i].iter_mut() {
                *c = -*c;
            }
        }
    }
    let mut direction = [0.0; 9];
    for (j, col) in columns.iter().enumerate() {
        for (r, v) in col.iter().enumerate() {
            direction[3 * r + j] = *v;
        }
    }
    check_geometry(path, &spacing, &origin, &direction)?;
    let geometry = Geometry {
        size,
        spacing,
        origin,
        direction,
        dimension: real_dim,
    };

    // Data: all voxels of the defined axes (ITK reads the whole block), from vox_offset.
    // Axes beyond the third have size 1 here, so `count` is the voxel count.
    let count = size
        .iter()
        .try_fold(1usize, |acc, &s| acc.checked_mul(s))
        .ok_or_else(|| Error::format(path, "dimensions overflow the address space"))?;
    let nbytes = count
        .checked_mul(type_size(pixel_type))
        .ok_or_else(|| Error::format(path, "dimensions overflow the address space"))?;
    let (data_source, data_owner);
    let offset = if h.vox_offset.is_finite() && h.vox_offset > 0.0 {
        h.vox_offset as usize
    } else {
        0
    };
    let data: &[u8] = if h.single_file {
        let start = offset.max(header_len);
        data_source = path.to_path_buf();
        bytes.get(start..).unwrap_or_default()
    } else {
        data_source = image_file_of(path);
        data_owner = read_all(&data_source, split_inflate)?;
        data_owner.get(offset..).unwrap_or_default()
    };
    let data = data.get(..nbytes).ok_or_else(|| {
        Error::format(
            &data_source,
            format!("truncated data: the header needs {nbytes} bytes, found {}", data.len()),
        )
    })?;
    // Rescale as ITK does; integer types are promoted to float32.
    let mut slope = h.scl_slope;
    if slope.abs() < f64::EPSILON {
        slope = 1.0;
    }
    let inter = h.scl_inter;
    let must_rescale = slope.abs() > f64::EPSILON && ((slope - 1.0).abs() > f64::EPSILON || inter.abs() > f64::EPSILON);
    if !must_rescale {
        // Decode straight into the stored type (see `Voxels`); niftilib reads non-finite
        // float voxels as 0.
        let mut voxels = super::decode_to_voxels(data, pixel_type, h.big_endian, geometry.shape_zyx(), None)?;
        match &mut voxels {
            Voxels::F32(a) => a.mapv_inplace(|v| if v.is_finite() { v } else { 0.0 }),
            Voxels::F64(a) => a.mapv_inplace(|v| if v.is_finite() { v } else { 0.0 }),
            _ => {}
        }
        return Image::new(voxels, pixel_type, geometry);
    }
    let mut values: Vec<f64> = Vec::with_capacity(count);
    super::decode_voxels_parallel(data, pixel_type, h.big_endian, &mut values);
    if !pixel_type.is_integer() {
        for v in values.iter_mut() {
            if !v.is_finite() {
                *v = 0.0;
            }
        }
    }
    let pixel_type = {
        let out_type = if pixel_type == PixelType::F64 {
            PixelType::F64
        } else {
            PixelType::F32
        };
        for v in values.iter_mut() {
            if out_type == PixelType::F32 {
                let mut tmp = (*v as f32 as f64) * slope;
                tmp += inter;
                *v = tmp as f32 as f64;
            } else {
                let mut tmp = *v * slope;
                tmp += inter;
                *v = tmp;
            }
        }
        out_type
    };
    let voxels = Array3::from_shape_vec(geometry.shape_zyx(), values)
        .map_err(|e| Error::format(path, format!("array shape: {e}")))?;
    Image::new(voxels, pixel_type, geometry)
}

// ---------------------------------------------------------------------------------------
// Writer

fn datatype_of(pt: PixelType) -> (i16, i16) {
    match pt {
        PixelType::U8 => (2, 8),
        PixelType::I8 => (256, 8),
        PixelType::U16 => (512, 16),
        PixelType::I16 => (4, 16),
        PixelType::U32 => (768, 32),
        PixelType::I32 => (8, 32),
        PixelType::U64 => (1280, 64),
        PixelType::I64 => (1024, 64),
        PixelType::F32 => (16, 32),
        PixelType::F64 => (64, 64),
    }
}

/// Quaternion (b, c, d) and qfac of the rotation part of a RAS matrix with unit columns
/// (niftilib's `nifti_mat44_to_quatern` for an orthonormal input).
fn rotation_to_quatern(r: [[f64; 3]; 3]) -> ([f64; 3], f64) {
    let [[r11, r12, mut r13], [r21, r22, mut r23], [r31, r32, mut r33]] = r;
    let det = r11 * r22 * r33 - r11 * r32 * r23 - r21 * r12 * r33 + r21 * r32 * r13 + r31 * r12 * r23 - r31 * r22 * r13;
    let qfac = if det > 0.0 {
        1.0
    } else {
        r13 = -r13;
        r23 = -r23;
        r33 = -r33;
        -1.0
    };
    let mut a = r11 + r22 + r33 + 1.0;
    let (b, c, d);
    if a > 0.5 {
        a = 0.5 * a.sqrt();
        b = 0.25 * (r32 - r23) / a;
        c = 0.25 * (r13 - r31) / a;
        d = 0.25 * (r21 - r12) / a;
    } else {
        let xd = 1.0 + r11 - (r22 + r33);
        let yd = 1.0 + r22 - (r11 + r33);
        let zd = 1.0 + r33 - (r11 + r22);
        let (mut bb, mut cc, mut dd);
        if xd > 1.0 {
            bb = 0.5 * xd.sqrt();
            cc = 0.25 * (r12 + r21) / bb;
            dd = 0.25 * (r13 + r31) / bb;
            a = 0.25 * (r32 - r23) / bb;
        } else if yd > 1.0 {
            cc = 0.5 * yd.sqrt();
            bb = 0.25 * (r12 + r21) / cc;
            dd = 0.25 * (r23 + r32) / cc;
            a = 0.25 * (r13 - r31) / cc;
        } else {
            dd = 0.5 * zd.sqrt();
            bb = 0.25 * (r13 + r31) / dd;
            cc = 0.25 * (r23 + r32) / dd;
            a = 0.25 * (r21 - r12) / dd;
        }
        if a < 0.0 {
            bb = -bb;
            cc = -cc;
            dd = -dd;
        }
        b = bb;
        c = cc;
        d = dd;
    }
    ([b, c, d], qfac)
}

/// Write NIfTI-1 (`.nii`, gzip-compressed when the name ends in `.gz`), qform and sform
/// both SCANNER_ANAT, RAS matrices from the LPS geometry.
pub(super) fn write(path: &Path, voxels: &Array3<f64>, pt: PixelType, g: &Geometry) -> Result<()> {
    if voxels.shape() != g.shape_zyx() {
        return Err(Error::InvalidArgument(format!(
            "voxel array shape (z,y,x) {:?} does not match geometry size (x,y,z) {:?}",
            voxels.shape(),
            g.size
        )));
    }
    check_geometry(path, &g.spacing, &g.origin, &g.direction)?;
    if g.size.iter().any(|&s| s > i16::MAX as usize) {
        return Err(Error::InvalidArgument(format!(
            "size {:?} exceeds NIfTI-1's 32767 per axis",
            g.size
        )));
    }
    let mut h = vec![0u8; NIFTI1_HEADER + 4];
    let put = |h: &mut Vec<u8>, at: usize, b: &[u8]| h[at..at + b.len()].copy_from_slice(b);
    put(&mut h, 0, &(NIFTI1_HEADER as i32).to_le_bytes());
    h[38] = b'r'; // "regular", as niftilib writes
    let dims: [i16; 8] = [3, g.size[0] as i16, g.size[1] as i16, g.size[2] as i16, 1, 1, 1, 1];
    for (i, d) in dims.iter().enumerate() {
        put(&mut h, 40 + 2 * i, &d.to_le_bytes());
    }
    let (datatype, bitpix) = datatype_of(pt);
    put(&mut h, 70, &datatype.to_le_bytes());
    put(&mut h, 72, &bitpix.to_le_bytes());

    // RAS rotation with unit columns, and the RAS affine (LPS → RAS negates x and y rows).
    let d = &g.direction;
    let mut rotation = [[0.0; 3]; 3];
    for i in 0..3 {
        let sign = if i < 2 { -1.0 } else { 1.0 };
        for j in 0..3 {
            rotation[i][j] = sign * d[3 * i + j];
        }
    }
    let (quatern, qfac) = rotation_to_quatern(rotation);
    let pixdim: [f32; 8] = [
        qfac as f32,
        g.spacing[0] as f32,
        g.spacing[1] as f32,
        g.spacing[2] as f32,
        1.0,
        1.0,
        1.0,
        1.0,
    ];
    for (i, p) in pixdim.iter().enumerate() {
        put(&mut h, 76 + 4 * i, &p.to_le_bytes());
    }
    put(&mut h, 108, &((NIFTI1_HEADER + 4) as f32).to_le_bytes());
    put(&mut h, 112, &1.0f32.to_le_bytes()); // scl_slope
    h[123] = 2 | 8; // mm, seconds
    put(&mut h, 252, &1i16.to_le_bytes()); // qform_code SCANNER_ANAT
    put(&mut h, 254, &1i16.to_le_bytes()); // sform_code SCANNER_ANAT
    let ras_origin = [-g.origin[0], -g.origin[1], g.origin[2]];
    for (i, q) in quatern.iter().enumerate() {
        put(&mut h, 256 + 4 * i, &(*q as f32).to_le_bytes());
    }
    for (i, o) in ras_origin.iter().enumerate() {
        put(&mut h, 268 + 4 * i, &(*o as f32).to_le_bytes());
    }
    for (i, row) in rotation.iter().enumerate() {
        for (j, r) in row.iter().enumerate() {
            put(&mut h, 280 + 16 * i + 4 * j, &((r * g.spacing[j]) as f32).to_le_bytes());
        }
        put(&mut h, 280 + 16 * i + 12, &(ras_origin[i] as f32).to_le_bytes());
    }
    put(&mut h, 344, b"n+1\0");

    let mut raw = Vec::with_capacity(voxels.len() * type_size(pt));
    for &v in voxels.iter() {
        push_le(&mut raw, v, pt);
    }
    let gz = path.to_string_lossy().to_ascii_lowercase().ends_with(".gz");
    if gz {
        super::nrrd::write_gzip_file_all(path, &[&h, &raw])
    } else {
        let io = |source| Error::Io {
            path: path.to_path_buf(),
            source,
        };
        let mut all = h;
        all.extend_from_slice(&raw);
        std::fs::write(path, all).map_err(io)
    }
}
