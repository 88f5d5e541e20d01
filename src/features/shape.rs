//! Shape (shape): placeholder until implemented.

use super::{ClassSettings, FeatureClass, FeatureDef, RoiView};
use crate::error::{Error, Result};

/// pyradiomics' `shape` feature class.
#[derive(Debug, Clone, Copy, Default)]
pub struct Shape;

impl FeatureClass for Shape {
    fn name(&self) -> &'static str {
        "shape"
    }
    fn features(&self) -> &'static [FeatureDef] {
        &[]
    }
    fn compute(&self, _roi: &RoiView<'_>, _settings: &ClassSettings) -> Result<Vec<f64>> {
        Err(Error::InvalidArgument("shape not implemented yet".into()))
    }
}
