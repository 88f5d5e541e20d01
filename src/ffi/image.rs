//! `radscore_image`: a scalar image, copied from a caller's buffer or read from a file.

use std::ffi::c_char;

use crate::image::decode_to_voxels;

use super::error::{Failure, boundary, fail, radscore_status};
use super::handle::{self, Object, get, require_out, str_arg, write_out};
use super::huge_pages::advise as advise_huge_pages;
use crate::image::{Geometry, Image, PixelType};

/// Pixel types of caller buffers (native byte order). Values are stable.
#[repr(i32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum radscore_pixel_type {
    Uint8 = 1,
    Int8 = 2,
    Uint16 = 3,
    Int16 = 4,
    Uint32 = 5,
    Int32 = 6,
    Uint64 = 7,
    Int64 = 8,
    Float32 = 9,
    Float64 = 10,
}

/// A scalar image with its geometry (LPS). Free with `radscore_image_free`.
pub struct radscore_image {
    _private: [u8; 0],
}

impl Object for radscore_image {
    type Inner = Image;
    const MAGIC: u64 = 0x1A6E_1A6E_1A6E_1A6E;
    const NAME: &'static str = "radscore_image";
}

pub(crate) fn pixel_type(code: i32) -> Result<PixelType, Failure> {
    Ok(match code {
        1 => PixelType::U8,
        2 => PixelType::I8,
        3 => PixelType::U16,
        4 => PixelType::I16,
        5 => PixelType::U32,
        6 => PixelType::I32,
        7 => PixelType::U64,
        8 => PixelType::I64,
        9 => PixelType::F32,
        10 => PixelType::F64,
        other => {
            return Err(fail(
                radscore_status::InvalidArgument,
                format!("pixel_type {other} is not a radscore_pixel_type (1..10)"),
            ));
        }
    })
}

fn bytes_per_voxel(t: PixelType) -> usize {
    match t {
        PixelType::U8 | PixelType::I8 => 1,
        PixelType::U16 | PixelType::I16 => 2,
        PixelType::U32 | PixelType::I32 | PixelType::F32 => 4,
        PixelType::U64 | PixelType::I64 | PixelType::F64 => 8,
    }
}

/// Validate buffer arguments; the geometry and the voxel bytes (decoded by the caller).
///
/// # Safety
/// Pointers as documented on `radscore_image_from_buffer`.
///
/// `accept` vets the pixel type once every argument is valid and before any voxel is read.
#[allow(clippy::too_many_arguments)]
pub(crate) unsafe fn buffer_arguments<'a>(
    data: *const std::ffi::c_void,
    data_len: usize,
    pixel: i32,
    dims: *const usize,
    spacing: *const f64,
    origin: *const f64,
    direction: *const f64,
    accept: impl Fn(PixelType) -> Result<(), Failure>,
) -> Result<(&'a [u8], PixelType, Geometry), Failure> {
    let t = pixel_type(pixel)?;
    if dims.is_null() {
        return Err(fail(radscore_status::NullArgument, "dims is NULL"));
    }
    if spacing.is_null() {
        return Err(fail(radscore_status::NullArgument, "spacing is NULL"));
    }
    if data.is_null() {
        return Err(fail(radscore_status::NullArgument, "data is NULL"));
    }
    // SAFETY: the caller provides 3 dims (k, j, i) and 3 spacings (x, y, z).
    let (k, j, i) = unsafe { (*dims, *dims.add(1), *dims.add(2)) };
    // SAFETY: as above.
    let sp = unsafe { [*spacing, *spacing.add(1), *spacing.add(2)] };
    if k == 0 || j == 0 || i == 0 {
        return Err(fail(
            radscore_status::InvalidArgument,
            format!("dims must be positive, got (k, j, i) = ({k}, {j}, {i})"),
        ));
    }
    let n = k
        .checked_mul(j)
        .and_then(|v| v.checked_mul(i))
        .ok_or_else(|| fail(radscore_status::InvalidArgument, "dims overflow"))?;
    let need = n
        .checked_mul(bytes_per_voxel(t))
        .ok_or_else(|| fail(radscore_status::InvalidArgument, "dims overflow"))?;
    if data_len != need {
        return Err(fail(
            radscore_status::InvalidArgument,
            format!(
                "buffer holds {data_len} bytes but dims ({k}, {j}, {i}) of {} need {need}",
                t.numpy_name()
            ),
        ));
    }
    if sp.iter().any(|s| !(s.is_finite() && *s > 0.0)) {
        return Err(fail(
            radscore_status::InvalidArgument,
            format!("spacing must be positive and finite, got {sp:?}"),
        ));
    }
    let mut g = Geometry::new([i, j, k], sp);
    if !origin.is_null() {
        // SAFETY: the caller provides 3 doubles.
        g.origin = unsafe { [*origin, *origin.add(1), *origin.add(2)] };
    }
    if !direction.is_null() {
        for (idx, d) in g.direction.iter_mut().enumerate() {
            // SAFETY: the caller provides 9 doubles.
            *d = unsafe { *direction.add(idx) };
        }
    }
    if g.origin.iter().chain(g.direction.iter()).any(|v| !v.is_finite()) {
        return Err(fail(
            radscore_status::InvalidArgument,
            "origin and direction must be finite",
        ));
    }
    let det = nalgebra::Matrix3::from_row_slice(&g.direction).determinant();
    if det.abs() < 1e-6 {
        return Err(fail(
            radscore_status::InvalidArgument,
            format!("direction matrix is singular (determinant {det:e})"),
        ));
    }
    accept(t)?;
    // SAFETY: `data` holds `data_len` readable bytes per the contract.
    let bytes = unsafe { std::slice::from_raw_parts(data.cast::<u8>(), data_len) };
    Ok((bytes, t, g))
}

/// Create an image by copying a caller's voxel buffer.
///
/// - `data`: `data_len` bytes of voxels of `pixel_type` (a `radscore_pixel_type`), native byte
///   order, C order with dims `{k, j, i}` (slowest first: as numpy and Slicer's
///   `arrayFromVolume` hand them). Copied; the caller keeps ownership. A large buffer is
///   copied on the process's shared worker threads (all cores, or `RAYON_NUM_THREADS`), not
///   on the pool `radscore_settings_set_threads` sizes for an extraction.
/// - `spacing`: 3 doubles {x, y, z} (= {i, j, k}) in mm, > 0.
/// - `origin`: 3 doubles (LPS mm) or NULL for 0. `direction`: 9 doubles, row-major 3×3 whose
///   columns are the i, j, k axis directions in LPS (ITK's GetDirection), or NULL for identity.
///   (Slicer's IJK-to-RAS matrix must be converted to LPS by negating its first two rows.)
/// - `out` receives a new handle (free with `radscore_image_free`).
///
/// Errors: NULL arguments, unknown pixel type, `data_len` not equal to the product of dims
/// times the voxel size, non-positive spacing, singular direction.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn radscore_image_from_buffer(
    data: *const std::ffi::c_void,
    data_len: usize,
    pixel_type: i32,
    dims: *const usize,
    spacing: *const f64,
    origin: *const f64,
    direction: *const f64,
    out: *mut *mut radscore_image,
) -> radscore_status {
    boundary(|| {
        require_out(out, "out")?;
        // SAFETY: forwarded contract.
        let (bytes, t, g) =
            unsafe { buffer_arguments(data, data_len, pixel_type, dims, spacing, origin, direction, |_| Ok(())) }?;
        // Kept in its own type (an int16 CT is not widened to float64), on huge pages: the
        // host's allocator hands out 4 KiB ones, 7,700 faults for a fresh 512×512×60 CT.
        let voxels = decode_to_voxels(
            bytes,
            t,
            cfg!(target_endian = "big"),
            g.shape_zyx(),
            Some(advise_huge_pages),
        )?;
        let image = Image::new(voxels, t, g)?;
        // SAFETY: checked non-null.
        unsafe { write_out(out, handle::into_raw::<radscore_image>(image)) };
        Ok(())
    })
}

/// Read an image file (.nrrd, .nhdr, .nii, .nii.gz). `path` is borrowed for the call; `out`
/// receives a new handle. Errors: NULL arguments, `RADSCORE_STATUS_IO`, `_FORMAT`, `_UNSUPPORTED`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn radscore_image_read(path: *const c_char, out: *mut *mut radscore_image) -> radscore_status {
    boundary(|| {
        // SAFETY: NUL-terminated per the contract.
        let path = unsafe { str_arg(path, "path") }?;
        require_out(out, "out")?;
        let image = crate::image::read_image(path)?;
        // SAFETY: checked non-null.
        unsafe { write_out(out, handle::into_raw::<radscore_image>(image)) };
        Ok(())
    })
}

/// Free an image. NULL is a no-op; must not be called twice on the same handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn radscore_image_free(image: *mut radscore_image) {
    let _ = std::panic::catch_unwind(|| {
        // SAFETY: per the contract.
        unsafe { handle::free(image) }
    });
}

pub(crate) unsafe fn image_ref<'a>(p: *const radscore_image) -> Result<&'a Image, Failure> {
    // SAFETY: forwarded.
    unsafe { get(p, "image") }
}
