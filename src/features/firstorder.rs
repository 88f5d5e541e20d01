//! FirstOrder (firstorder): placeholder until implemented.

use super::{ClassSettings, FeatureClass, FeatureDef, RoiView};
use crate::error::{Error, Result};

/// pyradiomics' `firstorder` feature class.
#[derive(Debug, Clone, Copy, Default)]
pub struct FirstOrder;

impl FeatureClass for FirstOrder {
    fn name(&self) -> &'static str {
        "firstorder"
    }
    fn features(&self) -> &'static [FeatureDef] {
        &[]
    }
    fn compute(&self, _roi: &RoiView<'_>, _settings: &ClassSettings) -> Result<Vec<f64>> {
        Err(Error::InvalidArgument("firstorder not implemented yet".into()))
    }
}
