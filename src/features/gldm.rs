//! GrayLevelDependence (gldm): placeholder until implemented.

use super::{ClassSettings, FeatureClass, FeatureDef, RoiView};
use crate::error::{Error, Result};

/// pyradiomics' `gldm` feature class.
#[derive(Debug, Clone, Copy, Default)]
pub struct GrayLevelDependence;

impl FeatureClass for GrayLevelDependence {
    fn name(&self) -> &'static str {
        "gldm"
    }
    fn features(&self) -> &'static [FeatureDef] {
        &[]
    }
    fn compute(&self, _roi: &RoiView<'_>, _settings: &ClassSettings) -> Result<Vec<f64>> {
        Err(Error::InvalidArgument("gldm not implemented yet".into()))
    }
}
