//! The model file: its types, loading and validation.

use serde::{Deserialize, Serialize};
use std::path::Path;

use super::MODEL_FORMAT_VERSION;
use crate::error::{Error, Result};

/// A model file (format version 1).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelCard {
    /// Always "radscore-model".
    pub format: String,
    /// [`MODEL_FORMAT_VERSION`].
    pub format_version: u32,
    /// Short identifier, e.g. "front-oncol-2025".
    pub id: String,
    /// Human-readable title.
    pub title: String,
    /// What the probability is the probability of.
    pub event: Event,
    /// The Radscore (a linear combination of z-scored radiomics features).
    pub radscore: RadscoreModel,
    /// The multivariable logistic model combining the Radscore with clinical predictors.
    pub fusion: FusionModel,
    /// Where every number comes from.
    pub provenance: Provenance,
}

/// The predicted event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Event {
    /// In words, e.g. "non-response to surufatinib (SD or PD by mRECIST at 3 months)".
    pub description: String,
    /// Which way the Radscore points, e.g. "higher Radscore → more likely non-response".
    pub direction: String,
}

/// The Radscore: `intercept + Σ coefficient · (x − mean) / sd`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RadscoreModel {
    pub features: Vec<RadscoreFeature>,
    /// `null` when not published (to be fitted locally).
    pub intercept: Option<f64>,
    /// Printed names that could not be mapped to one pyradiomics key unambiguously.
    #[serde(default)]
    pub ambiguous: Vec<AmbiguousFeature>,
}

/// One Radscore term.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RadscoreFeature {
    /// pyradiomics feature key, e.g. "wavelet-LLH_glcm_Imc1".
    pub key: String,
    /// The name as printed in the source, e.g. "Wavelet_LLH_Imc1".
    #[serde(default)]
    pub printed_name: Option<String>,
    pub coefficient: f64,
    /// Training-cohort mean (z-scoring); `null` = fit locally.
    pub mean: Option<f64>,
    /// Training-cohort standard deviation (n − 1); `null` = fit locally.
    pub sd: Option<f64>,
}

/// A printed feature name with more than one reading.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AmbiguousFeature {
    pub printed_name: String,
    pub candidates: Vec<String>,
    pub chosen: String,
    pub reason: String,
}

/// `logit P(event) = intercept + Σ β_j · x_j`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FusionModel {
    /// `null` when not published.
    pub intercept: Option<f64>,
    pub predictors: Vec<Predictor>,
}

/// One predictor of the fusion model. In the file it is one flat object:
/// `{"name", "label", "kind", <the kind's fields>, "axis"}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "RawPredictor", into = "RawPredictor")]
pub struct Predictor {
    /// Identifier used on the command line and in cohort files, e.g. "ki67".
    pub name: String,
    /// Label for people, e.g. "Ki67 index".
    pub label: String,
    pub kind: PredictorKind,
    /// Values drawn on the nomogram axis (numbers); empty = the levels, or `pretty()` of the
    /// valid range.
    pub axis: Vec<serde_json::Value>,
}

/// The kinds of predictor and how they enter the linear predictor.
#[derive(Debug, Clone, PartialEq)]
pub enum PredictorKind {
    /// The lesion's Radscore (computed from the features).
    Radscore { coefficient: Option<f64> },
    /// A number with a unit and a valid range; contributes `coefficient · x`.
    Continuous {
        unit: String,
        min: f64,
        max: f64,
        coefficient: Option<f64>,
    },
    /// Yes/no; `levels` = [absent, present], contributes `coefficient` when present.
    Binary {
        levels: [String; 2],
        coefficient: Option<f64>,
    },
    /// Ordered levels coded by `codes`; contributes `coefficient · code`.
    Ordinal {
        levels: Vec<String>,
        codes: Option<Vec<f64>>,
        coefficient: Option<f64>,
    },
    /// Unordered levels, the first is the reference; one coefficient per other level.
    Categorical {
        levels: Vec<String>,
        coefficients: Option<Vec<f64>>,
    },
}

/// The flat file form of a [`Predictor`] (every key checked, unknown keys rejected).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPredictor {
    name: String,
    label: String,
    kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    unit: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    min: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    max: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    levels: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "is_absent")]
    codes: Option<Option<Vec<f64>>>,
    #[serde(default, skip_serializing_if = "is_absent")]
    coefficient: Option<Option<f64>>,
    #[serde(default, skip_serializing_if = "is_absent")]
    coefficients: Option<Option<Vec<f64>>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    axis: Vec<serde_json::Value>,
}

fn is_absent<T>(v: &Option<Option<T>>) -> bool {
    v.is_none()
}

impl TryFrom<RawPredictor> for Predictor {
    type Error = String;
    fn try_from(r: RawPredictor) -> std::result::Result<Self, String> {
        let at = format!("predictor '{}'", r.name);
        let need = |field: &str| format!("{at} of kind '{}' needs '{field}'", r.kind);
        let unexpected = |field: &str, present: bool| -> std::result::Result<(), String> {
            if present {
                Err(format!("{at}: '{field}' does not apply to kind '{}'", r.kind))
            } else {
                Ok(())
            }
        };
        let coefficient = r.coefficient.unwrap_or(None);
        let kind = match r.kind.as_str() {
            "radscore" => {
                unexpected("levels", r.levels.is_some())?;
                PredictorKind::Radscore { coefficient }
            }
            "continuous" => {
                unexpected("levels", r.levels.is_some())?;
                PredictorKind::Continuous {
                    unit: r.unit.clone().ok_or_else(|| need("unit"))?,
                    min: r.min.ok_or_else(|| need("min"))?,
                    max: r.max.ok_or_else(|| need("max"))?,
                    coefficient,
                }
            }
            "binary" => {
                let levels = r.levels.clone().ok_or_else(|| need("levels"))?;
                let levels: [String; 2] = levels
                    .try_into()
                    .map_err(|l: Vec<String>| format!("{at}: a binary predictor needs 2 levels, got {}", l.len()))?;
                PredictorKind::Binary { levels, coefficient }
            }
            "ordinal" => PredictorKind::Ordinal {
                levels: r.levels.clone().ok_or_else(|| need("levels"))?,
                codes: r.codes.clone().unwrap_or(None),
                coefficient,
            },
            "categorical" => {
                unexpected("coefficient", r.coefficient.is_some())?;
                PredictorKind::Categorical {
                    levels: r.levels.clone().ok_or_else(|| need("levels"))?,
                    coefficients: r.coefficients.clone().unwrap_or(None),
                }
            }
            other => {
                return Err(format!(
                    "{at}: unknown kind '{other}' (radscore, continuous, binary, ordinal, categorical)"
                ));
            }
        };
        Ok(Predictor {
            name: r.name,
            label: r.label,
            kind,
            axis: r.axis,
        })
    }
}

impl From<Predictor> for RawPredictor {
    fn from(p: Predictor) -> Self {
        let mut r = RawPredictor {
            name: p.name,
            label: p.label,
            axis: p.axis,
            ..RawPredictor::default()
        };
        match p.kind {
            PredictorKind::Radscore { coefficient } => {
                r.kind = "radscore".into();
                r.coefficient = Some(coefficient);
            }
            PredictorKind::Continuous {
                unit,
                min,
                max,
                coefficient,
            } => {
                r.kind = "continuous".into();
                r.unit = Some(unit);
                r.min = Some(min);
                r.max = Some(max);
                r.coefficient = Some(coefficient);
            }
            PredictorKind::Binary { levels, coefficient } => {
                r.kind = "binary".into();
                r.levels = Some(levels.to_vec());
                r.coefficient = Some(coefficient);
            }
            PredictorKind::Ordinal {
                levels,
                codes,
                coefficient,
            } => {
                r.kind = "ordinal".into();
                r.levels = Some(levels);
                r.codes = Some(codes);
                r.coefficient = Some(coefficient);
            }
            PredictorKind::Categorical { levels, coefficients } => {
                r.kind = "categorical".into();
                r.levels = Some(levels);
                r.coefficients = Some(coefficients);
            }
        }
        r
    }
}

/// Where the numbers come from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Provenance {
    pub source: String,
    #[serde(default)]
    pub doi: Option<String>,
    #[serde(default)]
    pub cohort_size: Option<u32>,
    #[serde(default)]
    pub reported_auc: Option<f64>,
    /// Numbers taken from the publication.
    #[serde(default)]
    pub published: Vec<String>,
    /// Numbers that must be (or were) fitted on a local cohort.
    #[serde(default)]
    pub fit_locally: Vec<String>,
    #[serde(default)]
    pub notes: Vec<String>,
}

impl ModelCard {
    /// Parse and validate a model file's text.
    pub fn from_json(text: &str) -> Result<Self> {
        let de = &mut serde_json::Deserializer::from_str(text);
        let card: ModelCard = serde_path_to_error::deserialize(de).map_err(|e| {
            let path = e.path().to_string();
            Error::Model(format!("invalid model file at '{path}': {}", e.into_inner()))
        })?;
        card.validate()?;
        Ok(card)
    }

    /// Read and validate a model file.
    pub fn from_file(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Self::from_json(&text).map_err(|e| match e {
            Error::Model(m) => Error::Model(format!("{}: {m}", path.display())),
            other => other,
        })
    }

    /// Write the card as pretty JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// Structural checks: everything present must be well formed (missing numbers are allowed
    /// and reported by [`ModelCard::missing`]).
    pub fn validate(&self) -> Result<()> {
        let bad = |m: String| Err(Error::Model(m));
        if self.format != "radscore-model" {
            return bad(format!("'format' must be \"radscore-model\", got \"{}\"", self.format));
        }
        if self.format_version != MODEL_FORMAT_VERSION {
            return bad(format!(
                "format_version {} is not supported (this radscore reads version {MODEL_FORMAT_VERSION})",
                self.format_version
            ));
        }
        if self.radscore.features.is_empty() {
            return bad("radscore.features is empty".into());
        }
        for (i, f) in self.radscore.features.iter().enumerate() {
            let at = format!("radscore.features[{i}] ({})", f.key);
            if !is_feature_key(&f.key) {
                return bad(format!(
                    "{at}: '{}' is not a pyradiomics feature key (imageType_class_Feature)",
                    f.key
                ));
            }
            if !f.coefficient.is_finite() {
                return bad(format!("{at}: coefficient must be a finite number"));
            }
            if f.mean.is_some_and(|m| !m.is_finite()) {
                return bad(format!("{at}: mean must be a finite number"));
            }
            if let Some(sd) = f.sd
                && !(sd > 0.0 && sd.is_finite())
            {
                return bad(format!("{at}: sd must be > 0, got {sd}"));
            }
        }
        if self.radscore.intercept.is_some_and(|v| !v.is_finite()) {
            return bad("radscore.intercept must be a finite number".into());
        }
        if self.fusion.intercept.is_some_and(|v| !v.is_finite()) {
            return bad("fusion.intercept must be a finite number".into());
        }
        let mut names = std::collections::BTreeSet::new();
        let mut radscore_terms = 0;
        for (i, p) in self.fusion.predictors.iter().enumerate() {
            let at = format!("fusion.predictors[{i}] ({})", p.name);
            if p.name.is_empty() || !p.name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                return bad(format!("{at}: name must be letters, digits or '_'"));
            }
            if !names.insert(p.name.clone()) {
                return bad(format!("{at}: duplicate predictor name"));
            }
            let finite = |c: &Option<f64>| c.is_none_or(|v| v.is_finite());
            match &p.kind {
                PredictorKind::Radscore { coefficient } => {
                    radscore_terms += 1;
                    if !finite(coefficient) {
                        return bad(format!("{at}: coefficient must be a finite number"));
                    }
                }
                PredictorKind::Continuous {
                    min, max, coefficient, ..
                } => {
                    if !(min.is_finite() && max.is_finite() && min < max) {
                        return bad(format!("{at}: needs min < max, got {min}..{max}"));
                    }
                    if !finite(coefficient) {
                        return bad(format!("{at}: coefficient must be a finite number"));
                    }
                }
                PredictorKind::Binary { levels, coefficient } => {
                    if levels[0] == levels[1] {
                        return bad(format!("{at}: the two levels must differ"));
                    }
                    if !finite(coefficient) {
                        return bad(format!("{at}: coefficient must be a finite number"));
                    }
                }
                PredictorKind::Ordinal {
                    levels,
                    codes,
                    coefficient,
                } => {
                    if levels.len() < 2 {
                        return bad(format!("{at}: needs at least 2 levels"));
                    }
                    if let Some(c) = codes
                        && (c.len() != levels.len() || c.iter().any(|v| !v.is_finite()))
                    {
                        return bad(format!(
                            "{at}: {} codes for {} levels (one finite code per level)",
                            c.len(),
                            levels.len()
                        ));
                    }
                    if !finite(coefficient) {
                        return bad(format!("{at}: coefficient must be a finite number"));
                    }
                }
                PredictorKind::Categorical { levels, coefficients } => {
                    if levels.len() < 2 {
                        return bad(format!("{at}: needs at least 2 levels"));
                    }
                    if let Some(c) = coefficients
                        && (c.len() != levels.len() - 1 || c.iter().any(|v| !v.is_finite()))
                    {
                        return bad(format!(
                            "{at}: {} coefficients for {} levels (one per non-reference level)",
                            c.len(),
                            levels.len()
                        ));
                    }
                }
            }
        }
        if radscore_terms != 1 {
            return bad(format!(
                "fusion.predictors must contain exactly one radscore term, found {radscore_terms}"
            ));
        }
        Ok(())
    }

    /// Everything that must be fitted locally before the card can predict, as paths
    /// (empty when the card is complete).
    pub fn missing(&self) -> Vec<String> {
        let mut m = Vec::new();
        for (i, f) in self.radscore.features.iter().enumerate() {
            if f.mean.is_none() || f.sd.is_none() {
                m.push(format!("radscore.features[{i}] ({}) mean and sd", f.key));
            }
        }
        if self.radscore.intercept.is_none() {
            m.push("radscore.intercept".into());
        }
        if self.fusion.intercept.is_none() {
            m.push("fusion.intercept".into());
        }
        for p in &self.fusion.predictors {
            let missing = match &p.kind {
                PredictorKind::Radscore { coefficient }
                | PredictorKind::Continuous { coefficient, .. }
                | PredictorKind::Binary { coefficient, .. } => coefficient.is_none(),
                PredictorKind::Ordinal { codes, coefficient, .. } => codes.is_none() || coefficient.is_none(),
                PredictorKind::Categorical { coefficients, .. } => coefficients.is_none(),
            };
            if missing {
                m.push(format!("fusion predictor '{}' coefficient(s)", p.name));
            }
        }
        m
    }

    /// Feature keys the Radscore needs.
    pub fn feature_keys(&self) -> Vec<&str> {
        self.radscore.features.iter().map(|f| f.key.as_str()).collect()
    }
}

/// `imageType_class_Feature` with a known class.
fn is_feature_key(key: &str) -> bool {
    let parts: Vec<&str> = key.splitn(3, '_').collect();
    parts.len() == 3
        && !parts[0].is_empty()
        && [
            "shape",
            "firstorder",
            "glcm",
            "glrlm",
            "glszm",
            "gldm",
            "ngtdm",
            "shape2D",
        ]
        .contains(&parts[1])
        && !parts[2].is_empty()
}
