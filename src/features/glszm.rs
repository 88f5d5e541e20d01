//! GrayLevelSizeZone (glszm): placeholder until implemented.

use super::{ClassSettings, FeatureClass, FeatureDef, RoiView};
use crate::error::{Error, Result};

/// pyradiomics' `glszm` feature class.
#[derive(Debug, Clone, Copy, Default)]
pub struct GrayLevelSizeZone;

impl FeatureClass for GrayLevelSizeZone {
    fn name(&self) -> &'static str {
        "glszm"
    }
    fn features(&self) -> &'static [FeatureDef] {
        &[]
    }
    fn compute(&self, _roi: &RoiView<'_>, _settings: &ClassSettings) -> Result<Vec<f64>> {
        Err(Error::InvalidArgument("glszm not implemented yet".into()))
    }
}
