//! `radscore_mask`: a label map, copied from a caller's buffer or read from a file.

use std::ffi::c_char;

use super::huge_pages::advise as advise_huge_pages;
use crate::image::decode_to_labels;

use super::error::{Failure, boundary, fail, radscore_status};
use super::handle::{self, Object, get, opt_str_arg, require_out, str_arg, write_out};
use super::image::buffer_arguments;
use crate::image::{self, LabelMap, PixelType, SegmentSelector};

/// A label map (the ROI is the voxels equal to the settings' label). Free with `radscore_mask_free`.
pub struct radscore_mask {
    _private: [u8; 0],
}

/// What a `radscore_mask` handle holds.
pub(crate) struct MaskHandle {
    pub(crate) mask: LabelMap,
    /// Label of the segment chosen in a `.seg.nrrd`, which overrides the settings' label.
    pub(crate) label: Option<u32>,
}

impl Object for radscore_mask {
    type Inner = MaskHandle;
    const MAGIC: u64 = 0x3A5C_3A5C_3A5C_3A5C;
    const NAME: &'static str = "radscore_mask";
}

/// Create a mask by copying a caller's label buffer. Arguments as `radscore_image_from_buffer`;
/// `pixel_type` must be an integer type. Values are cast to uint32 as pyradiomics does.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn radscore_mask_from_buffer(
    data: *const std::ffi::c_void,
    data_len: usize,
    pixel_type: i32,
    dims: *const usize,
    spacing: *const f64,
    origin: *const f64,
    direction: *const f64,
    out: *mut *mut radscore_mask,
) -> super::radscore_status {
    boundary(|| {
        require_out(out, "out")?;
        // SAFETY: forwarded contract.
        // Decoded straight to labels, cast as pyradiomics' sitk.Cast(..., sitkUInt32), once the
        // pixel type is known to be an integer type.
        let integer = |t: PixelType| {
            if t.is_integer() {
                Ok(())
            } else {
                Err(fail(
                    radscore_status::InvalidArgument,
                    format!("a mask needs an integer pixel type, got {}", t.numpy_name()),
                ))
            }
        };
        let (bytes, t, g) =
            unsafe { buffer_arguments(data, data_len, pixel_type, dims, spacing, origin, direction, integer) }?;
        let labels = decode_to_labels(
            bytes,
            t,
            cfg!(target_endian = "big"),
            g.shape_zyx(),
            Some(advise_huge_pages),
        )?;
        let mask = LabelMap::new(labels, g)?;
        // SAFETY: checked non-null.
        unsafe { write_out(out, new_handle(mask, None)) };
        Ok(())
    })
}

fn new_handle(mask: LabelMap, label: Option<u32>) -> *mut radscore_mask {
    handle::into_raw::<radscore_mask>(MaskHandle { mask, label })
}

/// Read a mask file. For a Slicer `.seg.nrrd`, `segment` names the segment (its name, or its
/// label value as decimal text) and that segment's label is used for extraction; otherwise
/// pass NULL. `out` receives a new handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn radscore_mask_read(
    path: *const c_char,
    segment: *const c_char,
    out: *mut *mut radscore_mask,
) -> super::radscore_status {
    boundary(|| {
        // SAFETY: NUL-terminated per the contract.
        let path = unsafe { str_arg(path, "path") }?;
        // SAFETY: NULL or NUL-terminated per the contract.
        let segment = unsafe { opt_str_arg(segment, "segment") }?;
        require_out(out, "out")?;
        let selector = segment.map(|s| match s.parse::<u32>() {
            Ok(v) => SegmentSelector::LabelValue(v),
            Err(_) => SegmentSelector::Name(s.to_string()),
        });
        let (mask, label) = image::read_label_map(path, selector.as_ref())?;
        // SAFETY: checked non-null.
        unsafe { write_out(out, new_handle(mask, label)) };
        Ok(())
    })
}

/// Free a mask. NULL is a no-op; must not be called twice on the same handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn radscore_mask_free(mask: *mut radscore_mask) {
    let _ = std::panic::catch_unwind(|| {
        // SAFETY: per the contract.
        unsafe { handle::free(mask) }
    });
}

pub(crate) unsafe fn mask_ref<'a>(p: *const radscore_mask) -> Result<&'a MaskHandle, Failure> {
    // SAFETY: forwarded.
    unsafe { get(p, "mask") }
}
