//! GrayLevelRunLength (glrlm): placeholder until implemented.

use super::{ClassSettings, FeatureClass, FeatureDef, RoiView};
use crate::error::{Error, Result};

/// pyradiomics' `glrlm` feature class.
#[derive(Debug, Clone, Copy, Default)]
pub struct GrayLevelRunLength;

impl FeatureClass for GrayLevelRunLength {
    fn name(&self) -> &'static str {
        "glrlm"
    }
    fn features(&self) -> &'static [FeatureDef] {
        &[]
    }
    fn compute(&self, _roi: &RoiView<'_>, _settings: &ClassSettings) -> Result<Vec<f64>> {
        Err(Error::InvalidArgument("glrlm not implemented yet".into()))
    }
}
