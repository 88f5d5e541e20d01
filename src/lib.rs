//! radscore: radiomics feature extraction with exact PyRadiomics 3.1 parity.
//!
//! Data flows one way:
//! file/buffer → [`image`] → [`preprocess`] → [`features`] → [`extract`] (ordered feature set)
//! → `model` → prediction.
//!
//! Every module below [`ffi`] is safe Rust returning [`Result`]; only [`ffi`] knows about C.

// `!(x > 0.0)` is deliberate throughout: it rejects NaN along with non-positive values.
#![allow(clippy::neg_cmp_op_on_partial_ord)]

pub mod batch;
pub mod demo;
pub mod error;
pub mod extract;
pub mod features;
pub mod ffi;
pub mod image;
pub mod model;
pub mod numpy;
pub mod phantom;
pub mod preprocess;
pub mod settings;
pub mod stats;
pub mod train;

pub use error::{Error, Result};
pub use extract::{FeatureSet, extract, extract_files};
pub use image::{Geometry, Image, LabelMap, PixelType};
pub use settings::{Settings, ValidSettings};
