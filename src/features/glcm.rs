//! GrayLevelCooccurrence (glcm): placeholder until implemented.

use super::{ClassSettings, FeatureClass, FeatureDef, RoiView};
use crate::error::{Error, Result};

/// pyradiomics' `glcm` feature class.
#[derive(Debug, Clone, Copy, Default)]
pub struct GrayLevelCooccurrence;

impl FeatureClass for GrayLevelCooccurrence {
    fn name(&self) -> &'static str {
        "glcm"
    }
    fn features(&self) -> &'static [FeatureDef] {
        &[]
    }
    fn compute(&self, _roi: &RoiView<'_>, _settings: &ClassSettings) -> Result<Vec<f64>> {
        Err(Error::InvalidArgument("glcm not implemented yet".into()))
    }
}
