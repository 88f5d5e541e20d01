//! Nomogram points as R's rms package draws them (`nomogram(fit, fun = plogis, maxscale = 100)`):
//! the predictor whose contribution to the linear predictor spans the widest range gets
//! 0–100 points; every other predictor is scaled alike; total points map back to the linear
//! predictor and the probability.

use super::card::{ModelCard, Predictor, PredictorKind};
use crate::error::{Error, Result};
use crate::stats::pretty::pretty;

/// One predictor's axis: tick labels, their contributions to the linear predictor and points.
#[derive(Debug, Clone, PartialEq)]
pub struct NomogramAxis {
    pub predictor: String,
    pub label: String,
    pub ticks: Vec<String>,
    pub contributions: Vec<f64>,
    pub points: Vec<f64>,
}

/// The nomogram's scale: points per unit of linear predictor and each axis's minimum.
#[derive(Debug, Clone, PartialEq)]
pub struct NomogramScale {
    /// Points per unit of linear predictor (`sc` in rms).
    pub points_per_unit: f64,
    pub axes: Vec<NomogramAxis>,
    /// Linear predictor at 0 total points: intercept + Σ min contribution.
    pub lp_at_zero: f64,
}

impl NomogramScale {
    /// Build the scale of a complete card.
    pub fn new(card: &ModelCard) -> Result<Self> {
        let intercept = card
            .fusion
            .intercept
            .ok_or_else(|| Error::Model("the nomogram needs fusion.intercept (fit locally)".into()))?;
        let mut axes = Vec::new();
        for p in &card.fusion.predictors {
            let (ticks, contributions) = axis_values(p)?;
            axes.push(NomogramAxis {
                predictor: p.name.clone(),
                label: p.label.clone(),
                ticks,
                contributions,
                points: Vec::new(),
            });
        }
        let widest = axes
            .iter()
            .map(|a| range(&a.contributions))
            .fold(0.0f64, |m, (lo, hi)| m.max(hi - lo));
        if !(widest > 0.0) {
            return Err(Error::Model("no predictor varies along its nomogram axis".into()));
        }
        let sc = 100.0 / widest;
        let mut lp_at_zero = intercept;
        for a in &mut axes {
            let (lo, _) = range(&a.contributions);
            lp_at_zero += lo;
            a.points = a.contributions.iter().map(|c| (c - lo) * sc).collect();
        }
        Ok(NomogramScale {
            points_per_unit: sc,
            axes,
            lp_at_zero,
        })
    }

    /// Points of one predictor's contribution `c` (its β·x).
    pub fn points(&self, predictor: &str, contribution: f64) -> Option<f64> {
        let a = self.axes.iter().find(|a| a.predictor == predictor)?;
        let (lo, _) = range(&a.contributions);
        Some((contribution - lo) * self.points_per_unit)
    }

    /// Linear predictor for a total number of points.
    pub fn linear_predictor(&self, total_points: f64) -> f64 {
        self.lp_at_zero + total_points / self.points_per_unit
    }
}

fn range(v: &[f64]) -> (f64, f64) {
    v.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &x| {
        (lo.min(x), hi.max(x))
    })
}

/// Tick labels and contributions of a predictor's axis: the card's `axis` values, or the
/// levels, or `pretty(min, max, 10)` of a continuous predictor's valid range.
fn axis_values(p: &Predictor) -> Result<(Vec<String>, Vec<f64>)> {
    let need = |what: &str| Error::Model(format!("predictor '{}': the nomogram needs {what}", p.name));
    let numbers = |p: &Predictor| -> Result<Vec<f64>> {
        p.axis
            .iter()
            .map(|v| {
                v.as_f64()
                    .ok_or_else(|| Error::Model(format!("predictor '{}': axis value {v} is not a number", p.name)))
            })
            .collect()
    };
    match &p.kind {
        PredictorKind::Radscore { coefficient } => {
            let b = coefficient.ok_or_else(|| need("its coefficient"))?;
            let xs = numbers(p)?;
            if xs.len() < 2 {
                return Err(need("an axis (at least two Radscore values)"));
            }
            Ok((xs.iter().map(fmt_tick).collect(), xs.iter().map(|x| b * x).collect()))
        }
        PredictorKind::Continuous {
            min, max, coefficient, ..
        } => {
            let b = coefficient.ok_or_else(|| need("its coefficient"))?;
            let xs = if p.axis.is_empty() {
                pretty(&[*min, *max], 10)
            } else {
                numbers(p)?
            };
            Ok((xs.iter().map(fmt_tick).collect(), xs.iter().map(|x| b * x).collect()))
        }
        PredictorKind::Binary { levels, coefficient } => {
            let b = coefficient.ok_or_else(|| need("its coefficient"))?;
            Ok((levels.to_vec(), vec![0.0, b]))
        }
        PredictorKind::Ordinal {
            levels,
            codes,
            coefficient,
        } => {
            let b = coefficient.ok_or_else(|| need("its coefficient"))?;
            let codes = codes.clone().ok_or_else(|| need("the level codes"))?;
            Ok((levels.clone(), codes.iter().map(|c| b * c).collect()))
        }
        PredictorKind::Categorical { levels, coefficients } => {
            let c = coefficients.clone().ok_or_else(|| need("its coefficients"))?;
            let mut contributions = vec![0.0];
            contributions.extend(c);
            Ok((levels.clone(), contributions))
        }
    }
}

fn fmt_tick(x: &f64) -> String {
    let s = format!("{x:.6}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" { "0".into() } else { s.to_string() }
}
