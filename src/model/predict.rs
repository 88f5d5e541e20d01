//! Radscore, probability and nomogram points for one lesion.

use std::collections::BTreeMap;

use super::card::{ModelCard, PredictorKind};
use super::nomogram::NomogramScale;
use crate::error::{Error, Result};
use crate::extract::FeatureSet;

/// A clinical input as given on the command line or in a cohort file.
#[derive(Debug, Clone, PartialEq)]
pub enum ClinicalValue {
    Number(f64),
    Text(String),
}

impl ClinicalValue {
    /// Parse `30`, `yes`, `multiple`, ...
    pub fn parse(s: &str) -> Self {
        match s.trim().parse::<f64>() {
            Ok(v) => ClinicalValue::Number(v),
            Err(_) => ClinicalValue::Text(s.trim().to_string()),
        }
    }
}

/// One predictor's share of the prediction.
#[derive(Debug, Clone, PartialEq)]
pub struct TermPoints {
    pub predictor: String,
    /// The value used, as text (a level name or a number).
    pub value: String,
    /// β·x, its contribution to the linear predictor.
    pub contribution: f64,
    /// Nomogram points.
    pub points: f64,
}

/// A prediction for one lesion.
#[derive(Debug, Clone, PartialEq)]
pub struct Prediction {
    pub radscore: f64,
    pub linear_predictor: f64,
    /// Probability of the card's event.
    pub probability: f64,
    pub event: String,
    pub terms: Vec<TermPoints>,
    pub total_points: f64,
}

impl Prediction {
    /// The prediction as JSON (`model`, `event`, `radscore`, `linear_predictor`,
    /// `probability`, `terms` with points, `total_points`), as the CLI and the C API print it.
    pub fn to_json(&self, model_id: &str) -> serde_json::Value {
        let terms: Vec<serde_json::Value> = self
            .terms
            .iter()
            .map(|t| {
                serde_json::json!({"predictor": t.predictor, "value": t.value,
                    "contribution": t.contribution, "points": t.points})
            })
            .collect();
        serde_json::json!({"model": model_id, "event": self.event, "radscore": self.radscore,
            "linear_predictor": self.linear_predictor, "probability": self.probability,
            "terms": terms, "total_points": self.total_points})
    }
}

impl ModelCard {
    /// Refuse an incomplete card, naming what must be fitted and how.
    pub fn require_complete(&self) -> Result<()> {
        let missing = self.missing();
        if missing.is_empty() {
            return Ok(());
        }
        Err(Error::Model(format!(
            "model '{}' cannot predict yet: {} must be fitted on a local cohort (radscore calibrate --model CARD \
             --cohort COHORT.csv --out MODEL.json): {}",
            self.id,
            missing.len(),
            missing.join("; ")
        )))
    }

    /// The Radscore of a lesion from its features.
    pub fn radscore(&self, features: &FeatureSet) -> Result<f64> {
        self.require_complete()?;
        let mut score = self.radscore.intercept.unwrap_or(0.0);
        for f in &self.radscore.features {
            let x = *features.get(&f.key).ok_or_else(|| {
                Error::Model(format!(
                    "feature '{}' is missing from the extracted features (check the extraction settings: the model \
                     was built with image types and classes that produce it)",
                    f.key
                ))
            })?;
            if !x.is_finite() {
                return Err(Error::Model(format!(
                    "feature '{}' is {x}, the Radscore cannot be computed",
                    f.key
                )));
            }
            let (mean, sd) = (f.mean.unwrap_or(0.0), f.sd.unwrap_or(1.0));
            score += f.coefficient * (x - mean) / sd;
        }
        Ok(score)
    }

    /// Predict from features and clinical values.
    pub fn predict(&self, features: &FeatureSet, clinical: &BTreeMap<String, ClinicalValue>) -> Result<Prediction> {
        let rs = self.radscore(features)?;
        self.predict_with_radscore(rs, clinical)
    }

    /// Predict from a Radscore and clinical values.
    pub fn predict_with_radscore(
        &self,
        radscore: f64,
        clinical: &BTreeMap<String, ClinicalValue>,
    ) -> Result<Prediction> {
        self.require_complete()?;
        for name in clinical.keys() {
            if !self.fusion.predictors.iter().any(|p| &p.name == name) {
                return Err(Error::Model(format!(
                    "'{name}' is not a predictor of model '{}' (predictors: {})",
                    self.id,
                    self.fusion
                        .predictors
                        .iter()
                        .map(|p| p.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )));
            }
        }
        let scale = NomogramScale::new(self).ok();
        let mut lp = self.fusion.intercept.unwrap_or(0.0);
        let mut terms = Vec::new();
        for p in &self.fusion.predictors {
            let (value, contribution) = match &p.kind {
                PredictorKind::Radscore { coefficient } => {
                    (format!("{radscore:.4}"), coefficient.unwrap_or(0.0) * radscore)
                }
                kind => {
                    let v = clinical.get(&p.name).ok_or_else(|| {
                        Error::Model(format!(
                            "clinical value '{}' ({}) is missing: {}",
                            p.name,
                            p.label,
                            valid(kind)
                        ))
                    })?;
                    contribution(&p.name, kind, v)?
                }
            };
            lp += contribution;
            let points = scale
                .as_ref()
                .and_then(|s| s.points(&p.name, contribution))
                .unwrap_or(f64::NAN);
            terms.push(TermPoints {
                predictor: p.name.clone(),
                value,
                contribution,
                points,
            });
        }
        let total_points = terms.iter().map(|t| t.points).sum();
        Ok(Prediction {
            radscore,
            linear_predictor: lp,
            probability: logistic(lp),
            event: self.event.description.clone(),
            terms,
            total_points,
        })
    }
}

/// The logistic function, stable for large |x|.
pub fn logistic(x: f64) -> f64 {
    if x >= 0.0 {
        1.0 / (1.0 + (-x).exp())
    } else {
        let e = x.exp();
        e / (1.0 + e)
    }
}

fn valid(kind: &PredictorKind) -> String {
    match kind {
        PredictorKind::Radscore { .. } => "computed from the features".into(),
        PredictorKind::Continuous { unit, min, max, .. } => format!("a number from {min} to {max} {unit}"),
        PredictorKind::Binary { levels, .. } => format!("one of {}, {} (or 0, 1)", levels[0], levels[1]),
        PredictorKind::Ordinal { levels, .. } | PredictorKind::Categorical { levels, .. } => {
            format!("one of {}", levels.join(", "))
        }
    }
}

fn level_index(levels: &[String], v: &ClinicalValue) -> Option<usize> {
    match v {
        ClinicalValue::Text(t) => levels.iter().position(|l| l.eq_ignore_ascii_case(t)),
        ClinicalValue::Number(x) => {
            let i = *x as usize;
            (x.fract() == 0.0 && *x >= 0.0 && i < levels.len()).then_some(i)
        }
    }
}

fn contribution(name: &str, kind: &PredictorKind, v: &ClinicalValue) -> Result<(String, f64)> {
    let invalid = || {
        Error::Model(format!(
            "clinical value '{name}' = {v:?} is not valid: expected {}",
            valid(kind)
        ))
    };
    match kind {
        PredictorKind::Radscore { .. } => Err(invalid()),
        PredictorKind::Continuous {
            min, max, coefficient, ..
        } => match v {
            ClinicalValue::Number(x) if x.is_finite() && x >= min && x <= max => {
                Ok((format!("{x}"), coefficient.unwrap_or(0.0) * x))
            }
            _ => Err(invalid()),
        },
        PredictorKind::Binary { levels, coefficient } => {
            let yes_no = match v {
                ClinicalValue::Text(t) if ["yes", "true", "present"].contains(&t.to_lowercase().as_str()) => Some(1),
                ClinicalValue::Text(t) if ["no", "false", "absent"].contains(&t.to_lowercase().as_str()) => Some(0),
                _ => None,
            };
            let i = level_index(levels, v).or(yes_no).ok_or_else(invalid)?;
            Ok((levels[i].clone(), coefficient.unwrap_or(0.0) * i as f64))
        }
        PredictorKind::Ordinal {
            levels,
            codes,
            coefficient,
        } => {
            let i = level_index(levels, v).ok_or_else(invalid)?;
            let code = codes.as_ref().and_then(|c| c.get(i)).copied().unwrap_or(i as f64);
            Ok((levels[i].clone(), coefficient.unwrap_or(0.0) * code))
        }
        PredictorKind::Categorical { levels, coefficients } => {
            let i = level_index(levels, v).ok_or_else(invalid)?;
            let b = if i == 0 {
                0.0
            } else {
                coefficients.as_ref().and_then(|c| c.get(i - 1)).copied().unwrap_or(0.0)
            };
            Ok((levels[i].clone(), b))
        }
    }
}
