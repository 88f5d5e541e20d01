//! NRRD reader and writer (placeholder).
use crate::error::{Error, Result};
use crate::image::{Geometry, Image, PixelType};
use ndarray::Array3;
use std::path::Path;

pub(super) fn read(path: &Path) -> Result<Image> {
    Err(Error::Unsupported {
        path: path.into(),
        what: "NRRD (not implemented yet)".into(),
    })
}

pub(super) fn write(path: &Path, _voxels: &Array3<f64>, _pt: PixelType, _g: &Geometry) -> Result<()> {
    Err(Error::Unsupported {
        path: path.into(),
        what: "NRRD writing (not implemented yet)".into(),
    })
}
