//! Extraction settings: pyradiomics 3.1's settings, defaults and parameter files.
//!
//! A parameter file (YAML or JSON) has the sections `setting`, `imageType`, `featureClass`
//! (and `voxelSetting`, accepted and ignored: radscore is segment-based). Loading checks
//! every key and type the way pyradiomics' schema does and names the offending key.
//! [`Settings::validate`] then turns the result into a [`ValidSettings`], checked once.

use indexmap::IndexMap;
use serde_json::Value;
use std::path::Path;

use crate::error::{Error, Result};
use crate::features::{self, ClassSettings, WeightingNorm};

/// Interpolators pyradiomics accepts (SimpleITK names and enum values).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Interpolator {
    NearestNeighbor,
    Linear,
    BSpline,
    Gaussian,
    LabelGaussian,
    HammingWindowedSinc,
    CosineWindowedSinc,
    WelchWindowedSinc,
    LanczosWindowedSinc,
    BlackmanWindowedSinc,
}

impl Interpolator {
    const ALL: [(&'static str, Interpolator); 10] = [
        ("sitkNearestNeighbor", Interpolator::NearestNeighbor),
        ("sitkLinear", Interpolator::Linear),
        ("sitkBSpline", Interpolator::BSpline),
        ("sitkGaussian", Interpolator::Gaussian),
        ("sitkLabelGaussian", Interpolator::LabelGaussian),
        ("sitkHammingWindowedSinc", Interpolator::HammingWindowedSinc),
        ("sitkCosineWindowedSinc", Interpolator::CosineWindowedSinc),
        ("sitkWelchWindowedSinc", Interpolator::WelchWindowedSinc),
        ("sitkLanczosWindowedSinc", Interpolator::LanczosWindowedSinc),
        ("sitkBlackmanWindowedSinc", Interpolator::BlackmanWindowedSinc),
    ];

    /// Parse a SimpleITK name (`sitkBSpline`).
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.iter().find(|(n, _)| *n == name).map(|(_, i)| *i)
    }

    /// Parse a SimpleITK enum value (1..=10).
    pub fn from_code(code: i64) -> Option<Self> {
        if (1..=10).contains(&code) {
            Some(Self::ALL[(code - 1) as usize].1)
        } else {
            None
        }
    }

    /// The SimpleITK name.
    pub fn name(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(_, i)| *i == self)
            .map(|(n, _)| *n)
            .unwrap_or("?")
    }
}

/// How `resegmentRange` is interpreted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ResegmentMode {
    /// The range is in image intensities.
    #[default]
    Absolute,
    /// The range is a fraction of the ROI's maximum intensity.
    Relative,
    /// The range is in standard deviations around the ROI mean.
    Sigma,
}

/// `lbp2DMethod`: the pattern scikit-image's `local_binary_pattern` computes for LBP2D.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LbpMethod {
    /// `default`: the P-bit pattern, bit i set when sample i ≥ the centre.
    Default,
    /// `ror`: the smallest of the pattern's P circular bit rotations.
    Ror,
    /// `uniform` (pyradiomics' default): the number of set bits for patterns with at most
    /// two 0/1 changes, P + 1 for the others.
    #[default]
    Uniform,
    /// `nri_uniform`: non-rotation-invariant uniform codes (P·(P−1) + 3 values). scikit-image
    /// has it, but pyradiomics' parameter schema rejects it: a parameter file cannot select
    /// it, only [`GeneralSettings::lbp2d_method`] set in code.
    NriUniform,
    /// `var`: the variance of the P samples (NaN where it is 0).
    Var,
}

impl LbpMethod {
    const ALL: [(&'static str, LbpMethod); 5] = [
        ("default", LbpMethod::Default),
        ("ror", LbpMethod::Ror),
        ("uniform", LbpMethod::Uniform),
        ("nri_uniform", LbpMethod::NriUniform),
        ("var", LbpMethod::Var),
    ];

    /// Parse scikit-image's method name (`uniform`).
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.iter().find(|(n, _)| *n == name).map(|(_, m)| *m)
    }

    /// scikit-image's method name.
    pub fn name(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(_, m)| *m == self)
            .map(|(n, _)| *n)
            .unwrap_or("?")
    }
}

/// Image types pyradiomics offers (`imageType` section keys).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ImageTypeKind {
    Original,
    Wavelet,
    LoG,
    Square,
    SquareRoot,
    Logarithm,
    Exponential,
    Gradient,
    LBP2D,
    LBP3D,
}

impl ImageTypeKind {
    const ALL: [(&'static str, ImageTypeKind); 10] = [
        ("Original", ImageTypeKind::Original),
        ("Wavelet", ImageTypeKind::Wavelet),
        ("LoG", ImageTypeKind::LoG),
        ("Square", ImageTypeKind::Square),
        ("SquareRoot", ImageTypeKind::SquareRoot),
        ("Logarithm", ImageTypeKind::Logarithm),
        ("Exponential", ImageTypeKind::Exponential),
        ("Gradient", ImageTypeKind::Gradient),
        ("LBP2D", ImageTypeKind::LBP2D),
        ("LBP3D", ImageTypeKind::LBP3D),
    ];

    /// Parse the parameter-file name.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.iter().find(|(n, _)| *n == name).map(|(_, k)| *k)
    }

    /// The parameter-file name.
    pub fn name(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(_, k)| *k == self)
            .map(|(n, _)| *n)
            .unwrap_or("?")
    }
}

/// Every pyradiomics setting that affects feature values, with pyradiomics' defaults
/// (`RadiomicsFeatureExtractor._getDefaultSettings` and the feature classes' defaults).
#[derive(Debug, Clone, PartialEq)]
pub struct GeneralSettings {
    pub minimum_roi_dimensions: usize,
    pub minimum_roi_size: Option<usize>,
    pub geometry_tolerance: Option<f64>,
    pub correct_mask: bool,
    pub additional_info: bool,
    pub label: u32,
    pub label_channel: usize,
    pub bin_width: f64,
    /// Whether binWidth was written as an integer (pyradiomics' default 25 is one): numpy then
    /// computes an integer image's bin edges in the image's own type, overflow included.
    pub bin_width_is_integer: bool,
    pub bin_count: Option<usize>,
    pub normalize: bool,
    pub normalize_scale: f64,
    pub remove_outliers: Option<f64>,
    /// `(x, y, z)` spacing in mm; 0 keeps the original spacing on that axis. A parameter file
    /// may give 2 values (x, y), as pyradiomics wants for a 2-D image; z is then 0.
    pub resampled_pixel_spacing: Option<[f64; 3]>,
    /// How many values `resampledPixelSpacing` had (3, or 2): pyradiomics requires one per
    /// image axis, checked when the image is known.
    pub resampled_pixel_spacing_axes: usize,
    pub interpolator: Option<Interpolator>,
    pub pad_distance: usize,
    pub distances: Vec<usize>,
    pub force2d: bool,
    pub force2d_dimension: usize,
    pub resegment_range: Option<Vec<f64>>,
    pub resegment_mode: ResegmentMode,
    pub resegment_shape: bool,
    pub pre_crop: bool,
    /// LoG sigmas in mm.
    pub sigma: Vec<f64>,
    /// Whether each sigma was written as an integer (`1` vs `1.0`): pyradiomics names LoG
    /// images with Python's `str(sigma)` (`log-sigma-1-mm-3D` vs `log-sigma-1-0-mm-3D`).
    pub sigma_is_integer: Vec<bool>,
    pub start_level: usize,
    pub level: usize,
    pub wavelet: String,
    pub gradient_use_spacing: bool,
    /// LBP2D sampling-circle radius in voxels (`lbp2DRadius`, default 1).
    pub lbp2d_radius: f64,
    /// LBP2D number of circle samples P (`lbp2DSamples`): 8 by default, the value
    /// `getLBP2DImage` uses (its docstring says 9, its code reads 8).
    pub lbp2d_samples: usize,
    /// LBP2D pattern (`lbp2DMethod`, default `uniform`).
    pub lbp2d_method: LbpMethod,
    pub lbp3d_levels: usize,
    pub lbp3d_icosphere_radius: f64,
    pub lbp3d_icosphere_subdivision: usize,
    pub voxel_array_shift: f64,
    pub symmetrical_glcm: bool,
    pub weighting_norm: Option<WeightingNorm>,
    pub gldm_a: f64,
}

impl Default for GeneralSettings {
    fn default() -> Self {
        GeneralSettings {
            minimum_roi_dimensions: 2,
            minimum_roi_size: None,
            geometry_tolerance: None,
            correct_mask: false,
            additional_info: true,
            label: 1,
            label_channel: 0,
            bin_width: 25.0,
            bin_width_is_integer: true,
            bin_count: None,
            normalize: false,
            normalize_scale: 1.0,
            remove_outliers: None,
            resampled_pixel_spacing: None,
            resampled_pixel_spacing_axes: 3,
            interpolator: Some(Interpolator::BSpline),
            pad_distance: 5,
            distances: vec![1],
            force2d: false,
            force2d_dimension: 0,
            resegment_range: None,
            resegment_mode: ResegmentMode::Absolute,
            resegment_shape: false,
            pre_crop: false,
            sigma: Vec::new(),
            sigma_is_integer: Vec::new(),
            start_level: 0,
            level: 1,
            wavelet: "coif1".into(),
            gradient_use_spacing: true,
            lbp2d_radius: 1.0,
            lbp2d_samples: 8,
            lbp2d_method: LbpMethod::Uniform,
            lbp3d_levels: 2,
            lbp3d_icosphere_radius: 1.0,
            lbp3d_icosphere_subdivision: 1,
            voxel_array_shift: 0.0,
            symmetrical_glcm: true,
            weighting_norm: None,
            gldm_a: 0.0,
        }
    }
}

impl GeneralSettings {
    /// The feature-class view of these settings.
    pub fn class_settings(&self) -> ClassSettings {
        ClassSettings {
            distances: self.distances.clone(),
            symmetrical_glcm: self.symmetrical_glcm,
            weighting_norm: self.weighting_norm,
            gldm_a: self.gldm_a,
            force2d: self.force2d,
            force2d_dimension: self.force2d_dimension,
            voxel_array_shift: self.voxel_array_shift,
        }
    }

    /// Set one setting from a parameter-file value, checking its type and range as
    /// pyradiomics' schema does. `path` is used in error messages (`setting.binWidth`).
    pub fn set(&mut self, key: &str, value: &Value, path: &str) -> Result<()> {
        let k = || format!("{path}{key}");
        match key {
            "minimumROIDimensions" => {
                let v = int(value, &k())?;
                if !(1..=3).contains(&v) {
                    return Err(Error::setting(k(), format!("must be 1, 2 or 3, got {v}")));
                }
                self.minimum_roi_dimensions = v as usize;
            }
            "minimumROISize" => self.minimum_roi_size = opt(value, |v| positive_int(v, &k()))?,
            "geometryTolerance" => self.geometry_tolerance = opt(value, |v| positive_float(v, &k()))?,
            "correctMask" => self.correct_mask = boolean(value, &k())?,
            "additionalInfo" => self.additional_info = boolean(value, &k())?,
            "label" => {
                let v = positive_int(value, &k())?;
                self.label = u32::try_from(v).map_err(|_| Error::setting(k(), "is too large"))?;
            }
            "label_channel" => self.label_channel = non_negative_int(value, &k())?,
            "binWidth" => {
                self.bin_width = positive_float(value, &k())?;
                self.bin_width_is_integer = value.is_i64() || value.is_u64();
            }
            "binCount" => self.bin_count = opt(value, |v| positive_int(v, &k()))?,
            "normalize" => self.normalize = boolean(value, &k())?,
            "normalizeScale" => self.normalize_scale = positive_float(value, &k())?,
            "removeOutliers" => self.remove_outliers = opt(value, |v| positive_float(v, &k()))?,
            "resampledPixelSpacing" => {
                let mut axes = 3;
                self.resampled_pixel_spacing = opt(value, |v| {
                    let list = float_list(v, &k(), |x| x >= 0.0, "must be ≥ 0")?;
                    match list[..] {
                        [x, y, z] => Ok([x, y, z]),
                        // One value per axis of a 2-D image, as pyradiomics takes them.
                        [x, y] => {
                            axes = 2;
                            Ok([x, y, 0.0])
                        }
                        _ => Err(Error::setting(
                            k(),
                            format!(
                                "needs 3 values (x, y, z), or 2 (x, y) for a 2-D image, got {}",
                                list.len()
                            ),
                        )),
                    }
                })?;
                self.resampled_pixel_spacing_axes = axes;
            }
            "interpolator" => {
                self.interpolator = match value {
                    Value::Null => None,
                    Value::String(s) => Some(Interpolator::from_name(s).ok_or_else(|| {
                        Error::setting(
                            k(),
                            format!("unknown interpolator '{s}' (e.g. sitkBSpline, sitkLinear, sitkNearestNeighbor)"),
                        )
                    })?),
                    Value::Number(n) if n.as_i64().is_some() => {
                        let c = n.as_i64().unwrap_or(0);
                        Some(
                            Interpolator::from_code(c)
                                .ok_or_else(|| Error::setting(k(), format!("interpolator code {c} not in 1..=10")))?,
                        )
                    }
                    other => return Err(type_error(&k(), "a SimpleITK interpolator name or code", other)),
                }
            }
            "padDistance" => self.pad_distance = non_negative_int(value, &k())?,
            "distances" => {
                let list = match value {
                    Value::Array(items) => items
                        .iter()
                        .map(|v| positive_int(v, &k()))
                        .collect::<Result<Vec<_>>>()?,
                    other => return Err(type_error(&k(), "a list of positive integers", other)),
                };
                if list.is_empty() {
                    return Err(Error::setting(k(), "needs at least one distance"));
                }
                self.distances = list;
            }
            "force2D" => self.force2d = boolean(value, &k())?,
            "force2Ddimension" => {
                let v = int(value, &k())?;
                if !(0..=2).contains(&v) {
                    return Err(Error::setting(k(), format!("must be 0, 1 or 2, got {v}")));
                }
                self.force2d_dimension = v as usize;
            }
            "resegmentRange" => {
                self.resegment_range = opt(value, |v| {
                    let list = float_list(v, &k(), |_| true, "")?;
                    if list.is_empty() || list.len() > 2 {
                        return Err(Error::setting(k(), format!("needs 1 or 2 values, got {}", list.len())));
                    }
                    Ok(list)
                })?
            }
            "resegmentMode" => {
                self.resegment_mode = match string(value, &k())?.as_str() {
                    "absolute" => ResegmentMode::Absolute,
                    "relative" => ResegmentMode::Relative,
                    "sigma" => ResegmentMode::Sigma,
                    s => {
                        return Err(Error::setting(
                            k(),
                            format!("must be absolute, relative or sigma, got '{s}'"),
                        ));
                    }
                }
            }
            "resegmentShape" => self.resegment_shape = boolean(value, &k())?,
            "preCrop" => self.pre_crop = boolean(value, &k())?,
            "sigma" => {
                self.sigma = float_list(value, &k(), |x| x > 0.0, "must be > 0")?;
                self.sigma_is_integer = match value {
                    Value::Array(items) => items.iter().map(|v| v.is_i64() || v.is_u64()).collect(),
                    _ => Vec::new(),
                };
            }
            "start_level" => self.start_level = non_negative_int(value, &k())?,
            "level" => self.level = positive_int(value, &k())?,
            "wavelet" => self.wavelet = string(value, &k())?,
            "gradientUseSpacing" => self.gradient_use_spacing = boolean(value, &k())?,
            "lbp2DRadius" => self.lbp2d_radius = positive_float(value, &k())?,
            "lbp2DSamples" => self.lbp2d_samples = positive_int(value, &k())?,
            "lbp2DMethod" => {
                // pyradiomics' schema: enum ['default', 'ror', 'uniform', 'var'] (no nri_uniform).
                let s = string(value, &k())?;
                self.lbp2d_method = match LbpMethod::from_name(&s) {
                    Some(m) if m != LbpMethod::NriUniform => m,
                    _ => {
                        return Err(Error::setting(
                            k(),
                            format!("must be default, ror, uniform or var, got '{s}'"),
                        ));
                    }
                };
            }
            "lbp3DLevels" => self.lbp3d_levels = positive_int(value, &k())?,
            "lbp3DIcosphereRadius" => self.lbp3d_icosphere_radius = positive_float(value, &k())?,
            "lbp3DIcosphereSubdivision" => self.lbp3d_icosphere_subdivision = non_negative_int(value, &k())?,
            "voxelArrayShift" => self.voxel_array_shift = int(value, &k())? as f64,
            "symmetricalGLCM" => self.symmetrical_glcm = boolean(value, &k())?,
            "weightingNorm" => {
                self.weighting_norm = match value {
                    Value::Null => None,
                    Value::String(s) => Some(WeightingNorm::from_name(s).ok_or_else(|| {
                        Error::setting(
                            k(),
                            format!("must be euclidean, manhattan, infinity or no_weighting, got '{s}'"),
                        )
                    })?),
                    other => return Err(type_error(&k(), "a string or null", other)),
                }
            }
            "gldm_a" => self.gldm_a = non_negative_int(value, &k())? as f64,
            _ => return Err(Error::setting(k(), "unknown setting")),
        }
        Ok(())
    }
}

/// An enabled image type and the settings it overrides.
#[derive(Debug, Clone, PartialEq)]
pub struct ImageTypeSpec {
    pub kind: ImageTypeKind,
    /// Raw overrides from the `imageType` section (already type-checked).
    pub overrides: IndexMap<String, Value>,
}

/// Loaded extraction settings (a pyradiomics parameter file, or defaults).
/// Turn them into [`ValidSettings`] with [`Settings::validate`] before use.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    pub general: GeneralSettings,
    /// Enabled image types in parameter-file order.
    pub image_types: Vec<ImageTypeSpec>,
    /// Enabled feature classes; `None` enables every non-deprecated feature of the class,
    /// a list enables exactly those features (deprecated ones included) in that order.
    pub feature_classes: IndexMap<String, Option<Vec<String>>>,
}

impl Default for Settings {
    /// `RadiomicsFeatureExtractor()` defaults: Original image, every class but shape2D.
    fn default() -> Self {
        let mut feature_classes = IndexMap::new();
        for c in features::default_classes() {
            feature_classes.insert(c.name().to_string(), None);
        }
        Settings {
            general: GeneralSettings::default(),
            image_types: vec![ImageTypeSpec {
                kind: ImageTypeKind::Original,
                overrides: IndexMap::new(),
            }],
            feature_classes,
        }
    }
}

impl Settings {
    /// Load a pyradiomics parameter file (`.yaml`, `.yml` or `.json`).
    pub fn from_file(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Self::from_str(&text).map_err(|e| match e {
            Error::Setting { key, reason } => Error::Setting {
                key,
                reason: format!("{reason} (in {})", path.display()),
            },
            other => other,
        })
    }

    /// Parse a parameter file's text: JSON or YAML (JSON is tried first).
    #[allow(clippy::should_implement_trait)]
    pub fn from_str(text: &str) -> Result<Self> {
        let value: Value = match serde_json::from_str(text) {
            Ok(v) => v,
            Err(_) => serde_norway::from_str(text)
                .map_err(|e| Error::setting("<parameter file>", format!("not valid YAML or JSON: {e}")))?,
        };
        Self::from_value(&value)
    }

    /// Build settings from a parsed parameter file.
    pub fn from_value(value: &Value) -> Result<Self> {
        let mut settings = Settings::default();
        let top = match value {
            Value::Null => return Ok(settings),
            Value::Object(map) => map,
            other => {
                return Err(type_error(
                    "<parameter file>",
                    "a mapping with setting/imageType/featureClass",
                    other,
                ));
            }
        };
        for key in top.keys() {
            if !["setting", "imageType", "featureClass", "voxelSetting"].contains(&key.as_str()) {
                return Err(Error::setting(
                    key,
                    "unknown section (expected setting, imageType, featureClass or voxelSetting)",
                ));
            }
        }
        if let Some(section) = top.get("setting") {
            for (key, v) in mapping(section, "setting")? {
                settings.general.set(key, v, "setting.")?;
            }
        }
        if let Some(section) = top.get("voxelSetting") {
            for (key, v) in mapping(section, "voxelSetting")? {
                let k = format!("voxelSetting.{key}");
                match key.as_str() {
                    "kernelRadius" | "voxelBatch" => {
                        positive_int(v, &k)?;
                    }
                    "maskedKernel" => {
                        boolean(v, &k)?;
                    }
                    "initValue" => {
                        // pyradiomics accepts a float, and YAML's `nan`.
                        if !(v.is_number() || v.as_str().is_some_and(|s| s.eq_ignore_ascii_case("nan"))) {
                            return Err(type_error(&k, "a number", v));
                        }
                    }
                    _ => return Err(Error::setting(k, "unknown voxel setting")),
                }
            }
        }
        if let Some(section) = top.get("imageType") {
            settings.image_types.clear();
            for (name, v) in mapping(section, "imageType")? {
                let kind = ImageTypeKind::from_name(name).ok_or_else(|| {
                    Error::setting(
                        format!("imageType.{name}"),
                        "unknown image type (Original, Wavelet, LoG, Square, SquareRoot, Logarithm, Exponential, Gradient, LBP2D, LBP3D)",
                    )
                })?;
                let mut overrides = IndexMap::new();
                if !v.is_null() {
                    let mut probe = GeneralSettings::default();
                    for (key, sv) in mapping(v, &format!("imageType.{name}"))? {
                        probe.set(key, sv, &format!("imageType.{name}."))?;
                        overrides.insert(key.clone(), sv.clone());
                    }
                }
                settings.image_types.push(ImageTypeSpec { kind, overrides });
            }
        }
        if let Some(section) = top.get("featureClass") {
            settings.feature_classes.clear();
            for (class, v) in mapping(section, "featureClass")? {
                let list = match v {
                    Value::Null => None,
                    Value::Array(items) if items.is_empty() => None,
                    Value::Array(items) => Some(
                        items
                            .iter()
                            .map(|i| string(i, &format!("featureClass.{class}")))
                            .collect::<Result<Vec<_>>>()?,
                    ),
                    other => {
                        return Err(type_error(
                            &format!("featureClass.{class}"),
                            "a list of feature names or null",
                            other,
                        ));
                    }
                };
                settings.feature_classes.insert(class.clone(), list);
            }
        } else if top.contains_key("setting") || top.contains_key("imageType") {
            // pyradiomics: a parameter file without featureClass enables every class, shape2D included.
            settings.feature_classes.insert("shape2D".into(), None);
        }
        Ok(settings)
    }

    /// The studies' configuration: original + wavelet (coif1), resampled to 1×1×1 mm with a
    /// cubic B-spline, bin width 25, every default feature class → 851 features.
    pub fn preset(name: &str) -> Result<Self> {
        match name {
            "pyradiomics-default" | "default" => Ok(Settings::default()),
            "surufatinib" => {
                let mut s = Settings::default();
                s.general.resampled_pixel_spacing = Some([1.0, 1.0, 1.0]);
                s.general.interpolator = Some(Interpolator::BSpline);
                s.general.bin_width = 25.0;
                s.image_types.push(ImageTypeSpec {
                    kind: ImageTypeKind::Wavelet,
                    overrides: IndexMap::new(),
                });
                Ok(s)
            }
            other => Err(Error::setting(
                "preset",
                format!("unknown preset '{other}' (available: surufatinib, pyradiomics-default)"),
            )),
        }
    }

    /// Check the combination of settings and feature names once.
    pub fn validate(self) -> Result<ValidSettings> {
        for (class, list) in &self.feature_classes {
            let known: Vec<&'static str> = match features::class_by_name(class) {
                Some(c) => c.features().iter().map(|f| f.name).collect(),
                None => {
                    return Err(Error::setting(
                        format!("featureClass.{class}"),
                        "unknown feature class (shape, shape2D, firstorder, glcm, glrlm, glszm, gldm, ngtdm)",
                    ));
                }
            };
            if let Some(list) = list {
                for f in list {
                    if !known.contains(&f.as_str()) {
                        return Err(Error::setting(
                            format!("featureClass.{class}"),
                            format!("unknown feature '{f}'"),
                        ));
                    }
                }
            }
        }
        let mut per_type = Vec::with_capacity(self.image_types.len());
        for spec in &self.image_types {
            let mut g = self.general.clone();
            for (k, v) in &spec.overrides {
                g.set(k, v, &format!("imageType.{}.", spec.kind.name()))?;
            }
            check_general(&g, spec.kind)?;
            per_type.push(g);
        }
        check_general(&self.general, ImageTypeKind::Original)?;
        Ok(ValidSettings {
            settings: self,
            per_type,
        })
    }
}

fn check_general(g: &GeneralSettings, kind: ImageTypeKind) -> Result<()> {
    if g.wavelet.is_empty() && kind == ImageTypeKind::Wavelet {
        return Err(Error::setting("wavelet", "must name a wavelet"));
    }
    // Gray levels run up to binCount, and the texture classes refuse levels above this; a
    // typo of a billion would otherwise cost gigabytes of bin edges first (as in pyradiomics).
    let max_bins = crate::features::glcm::MAX_GRAY_LEVEL as usize;
    if let Some(n) = g.bin_count.filter(|&n| n > max_bins) {
        return Err(Error::setting(
            "binCount",
            format!("must be at most {max_bins}, got {n}"),
        ));
    }
    if kind == ImageTypeKind::LoG && g.sigma.is_empty() {
        return Err(Error::setting(
            "sigma",
            "LoG needs at least one sigma (e.g. sigma: [1.0, 2.0])",
        ));
    }
    Ok(())
}

/// Settings checked once by [`Settings::validate`]; what the extractor consumes.
#[derive(Debug, Clone)]
pub struct ValidSettings {
    settings: Settings,
    per_type: Vec<GeneralSettings>,
}

impl ValidSettings {
    /// The checked settings.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// The general settings.
    pub fn general(&self) -> &GeneralSettings {
        &self.settings.general
    }

    /// The enabled image types with their merged settings (general settings updated by the
    /// image type's own, as pyradiomics merges them).
    pub fn image_types(&self) -> impl Iterator<Item = (&ImageTypeSpec, &GeneralSettings)> {
        self.settings.image_types.iter().zip(&self.per_type)
    }

    /// These settings with the ROI label `label` instead, when given and different (a Slicer
    /// segment's label value, a cohort row's Label column); checked again, as a label of 0 is
    /// refused.
    pub fn with_label(&self, label: Option<u32>) -> Result<std::borrow::Cow<'_, ValidSettings>> {
        match label {
            Some(l) if l != self.general().label => {
                let mut s = self.settings.clone();
                s.general.label = l;
                Ok(std::borrow::Cow::Owned(s.validate()?))
            }
            _ => Ok(std::borrow::Cow::Borrowed(self)),
        }
    }
}

impl std::ops::Deref for ValidSettings {
    type Target = Settings;
    fn deref(&self) -> &Settings {
        &self.settings
    }
}

// ---- typed value readers (each error names the key) ----

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(n) if n.is_f64() => "a float",
        Value::Number(_) => "an integer",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a mapping",
    }
}

fn type_error(key: &str, expected: &str, got: &Value) -> Error {
    Error::setting(key, format!("expected {expected}, got {} ({got})", type_name(got)))
}

fn mapping<'a>(v: &'a Value, key: &str) -> Result<&'a serde_json::Map<String, Value>> {
    match v {
        Value::Object(m) => Ok(m),
        other => Err(type_error(key, "a mapping", other)),
    }
}

fn opt<T>(v: &Value, f: impl FnOnce(&Value) -> Result<T>) -> Result<Option<T>> {
    if v.is_null() { Ok(None) } else { f(v).map(Some) }
}

fn boolean(v: &Value, key: &str) -> Result<bool> {
    v.as_bool().ok_or_else(|| type_error(key, "true or false", v))
}

fn string(v: &Value, key: &str) -> Result<String> {
    v.as_str()
        .map(str::to_string)
        .ok_or_else(|| type_error(key, "a string", v))
}

fn int(v: &Value, key: &str) -> Result<i64> {
    match v {
        Value::Number(n) if n.is_i64() || n.is_u64() => n
            .as_i64()
            .ok_or_else(|| Error::setting(key, format!("integer {n} is out of range"))),
        other => Err(type_error(key, "an integer", other)),
    }
}

fn positive_int(v: &Value, key: &str) -> Result<usize> {
    let i = int(v, key)?;
    if i <= 0 {
        return Err(Error::setting(key, format!("must be > 0, got {i}")));
    }
    Ok(i as usize)
}

fn non_negative_int(v: &Value, key: &str) -> Result<usize> {
    let i = int(v, key)?;
    if i < 0 {
        return Err(Error::setting(key, format!("must be ≥ 0, got {i}")));
    }
    Ok(i as usize)
}

fn float(v: &Value, key: &str) -> Result<f64> {
    match v {
        Value::Number(n) => n.as_f64().ok_or_else(|| type_error(key, "a number", v)),
        other => Err(type_error(key, "a number", other)),
    }
}

fn positive_float(v: &Value, key: &str) -> Result<f64> {
    let f = float(v, key)?;
    if !(f > 0.0) || !f.is_finite() {
        return Err(Error::setting(key, format!("must be > 0, got {f}")));
    }
    Ok(f)
}

fn float_list(v: &Value, key: &str, ok: impl Fn(f64) -> bool, rule: &str) -> Result<Vec<f64>> {
    match v {
        Value::Array(items) => items
            .iter()
            .map(|i| {
                let f = float(i, key)?;
                if !f.is_finite() || !ok(f) {
                    return Err(Error::setting(key, format!("{rule}, got {f}")));
                }
                Ok(f)
            })
            .collect(),
        other => Err(type_error(key, "a list of numbers", other)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_key_is_named() {
        let e = Settings::from_str("setting:\n  binwidth: 25\n").unwrap_err();
        assert!(e.to_string().contains("setting.binwidth"), "{e}");
    }

    #[test]
    fn wrong_type_is_named() {
        let e = Settings::from_str("{\"setting\": {\"binCount\": 2.5}}").unwrap_err();
        assert!(e.to_string().contains("setting.binCount"), "{e}");
        assert!(e.to_string().contains("integer"), "{e}");
    }

    #[test]
    fn image_type_override() {
        let s = Settings::from_str("imageType:\n  Original: {}\n  Wavelet: {binWidth: 10}\n").unwrap();
        assert_eq!(s.image_types.len(), 2);
        let v = s.validate().unwrap();
        let widths: Vec<f64> = v.image_types().map(|(_, g)| g.bin_width).collect();
        assert_eq!(widths, vec![25.0, 10.0]);
    }
}
