//! Everything pyradiomics does between loading and feature classes, in its order:
//! normalization ([`normalize`]), resampling ([`resample`]), mask checks and cropping
//! ([`roi`]), re-segmentation ([`resegment`]) and discretization ([`discretize`]).
//! The image-type filters (wavelet, LoG, …) that derive images from the loaded one are in [`filters`].

pub mod discretize;
pub mod filters;
pub mod normalize;
pub mod resample;
pub mod resegment;
pub mod roi;
