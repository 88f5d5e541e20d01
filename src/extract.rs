//! The extraction pipeline (placeholder).
use crate::error::Result;
use crate::image::{Image, LabelMap};
use crate::settings::ValidSettings;
use indexmap::IndexMap;
use std::path::Path;

/// Ordered feature values keyed by pyradiomics names (`original_glcm_Imc1`).
pub type FeatureSet = IndexMap<String, f64>;

/// Extract features from an image and mask.
pub fn extract(_image: &Image, _mask: &LabelMap, _settings: &ValidSettings) -> Result<FeatureSet> {
    Ok(FeatureSet::new())
}

/// Read image and mask files and extract.
pub fn extract_files(image: &Path, mask: &Path, settings: &ValidSettings) -> Result<FeatureSet> {
    let img = crate::image::read_image(image)?;
    let (m, _) = crate::image::read_label_map(mask, None)?;
    extract(&img, &m, settings)
}
