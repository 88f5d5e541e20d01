//! NeighbouringGrayToneDifference (ngtdm): placeholder until implemented.

use super::{ClassSettings, FeatureClass, FeatureDef, RoiView};
use crate::error::{Error, Result};

/// pyradiomics' `ngtdm` feature class.
#[derive(Debug, Clone, Copy, Default)]
pub struct NeighbouringGrayToneDifference;

impl FeatureClass for NeighbouringGrayToneDifference {
    fn name(&self) -> &'static str {
        "ngtdm"
    }
    fn features(&self) -> &'static [FeatureDef] {
        &[]
    }
    fn compute(&self, _roi: &RoiView<'_>, _settings: &ClassSettings) -> Result<Vec<f64>> {
        Err(Error::InvalidArgument("ngtdm not implemented yet".into()))
    }
}
