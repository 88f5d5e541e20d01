//! Everything pyradiomics does between loading and feature classes, in its order:
//! normalization ([`normalize`]), resampling ([`resample`]), mask checks and cropping
//! ([`roi`]), re-segmentation ([`resegment`]) and discretization ([`discretize`]).

pub mod discretize;
pub mod normalize;
pub mod resample;
pub mod resegment;
pub mod roi;
