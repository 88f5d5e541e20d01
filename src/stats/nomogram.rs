//! Nomogram points as rms 8.1 `nomogram(fit, fun = plogis, maxscale = 100)` assigns them for a
//! logistic model with linear (one-column) predictors.
//!
//! Axis values per predictor: its distinct values when it has ≤ 10 of them, otherwise
//! `pretty(range(x), 10)` over the full data range (which may extend beyond the data). The
//! contribution of predictor j at value v is βⱼ·v; Rⱼ is its range over the axis values. The
//! predictor with the widest range gets 0–100 points: scale = 100 / maxⱼ(max Rⱼ − min Rⱼ), and
//! points_j(v) = (βⱼ·v − min Rⱼ)·scale. Total points TP map back to the linear predictor
//! lp = β₀ + Σⱼ min Rⱼ + TP/scale and to the probability plogis(lp).

use super::pretty::pretty;
use super::{check_finite_matrix, check_same_len, column_name, plogis};
use crate::{Error, Result};
use nalgebra::DMatrix;

/// One predictor's axis.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct NomogramAxis {
    pub name: String,
    pub coefficient: f64,
    /// Axis values (ascending).
    pub values: Vec<f64>,
    /// Points at each axis value.
    pub points: Vec<f64>,
    /// min over the axis of βⱼ·v.
    pub min_contribution: f64,
}

/// A fitted nomogram.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Nomogram {
    pub intercept: f64,
    pub axes: Vec<NomogramAxis>,
    /// Points per unit of linear predictor.
    pub scale: f64,
    /// Total-points axis: pretty(c(0, maximum total points), 10).
    pub total_points_axis: Vec<f64>,
    /// Event probability at each total-points axis value.
    pub total_points_probability: Vec<f64>,
}

/// One subject's score.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct NomogramScore {
    pub points: Vec<f64>,
    pub total_points: f64,
    pub linear_predictor: f64,
    pub probability: f64,
}

/// Build the nomogram of a logistic model: `coefficients` = intercept then one per column of
/// `x` (the training data, which fix the axis ranges).
pub fn nomogram(coefficients: &[f64], x: &DMatrix<f64>, names: &[String]) -> Result<Nomogram> {
    check_same_len(
        coefficients.len(),
        x.ncols() + 1,
        "coefficients (intercept first)",
        "predictor columns + 1",
    )?;
    check_same_len(x.ncols(), names.len(), "predictor columns", "names")?;
    check_finite_matrix(x, Some(names))?;
    if x.nrows() == 0 || x.ncols() == 0 {
        return Err(Error::Stats("nomogram needs at least one predictor and one row".into()));
    }
    let mut axes = Vec::with_capacity(x.ncols());
    let mut widest: f64 = 0.0;
    for j in 0..x.ncols() {
        let beta = coefficients[j + 1];
        let mut distinct: Vec<f64> = x.column(j).iter().copied().collect();
        distinct.sort_by(f64::total_cmp);
        distinct.dedup();
        let values = if distinct.len() <= 10 {
            distinct
        } else {
            pretty(&[distinct[0], distinct[distinct.len() - 1]], 10)
        };
        let contributions: Vec<f64> = values.iter().map(|v| beta * v).collect();
        let min = contributions.iter().copied().fold(f64::INFINITY, f64::min);
        let max = contributions.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        widest = widest.max(max - min);
        axes.push(NomogramAxis {
            name: column_name(Some(names), j),
            coefficient: beta,
            values,
            points: contributions,
            min_contribution: min,
        });
    }
    if widest.is_nan() || widest <= 0.0 {
        return Err(Error::Stats(
            "nomogram: every predictor has a zero coefficient or a single value".into(),
        ));
    }
    let scale = 100.0 / widest;
    let mut max_total = 0.0;
    for axis in &mut axes {
        let min = axis.min_contribution;
        for p in &mut axis.points {
            *p = (*p - min) * scale;
        }
        max_total += axis.points.iter().copied().fold(0.0, f64::max);
    }
    let intercept = coefficients[0];
    let base = intercept + axes.iter().map(|a| a.min_contribution).sum::<f64>();
    let total_points_axis = pretty(&[0.0, max_total.max(100.0)], 10);
    let total_points_probability = total_points_axis.iter().map(|tp| plogis(base + tp / scale)).collect();
    Ok(Nomogram {
        intercept,
        axes,
        scale,
        total_points_axis,
        total_points_probability,
    })
}

impl Nomogram {
    /// Points, total points, linear predictor and probability of one subject (`row` in the
    /// predictor order).
    pub fn score(&self, row: &[f64]) -> Result<NomogramScore> {
        check_same_len(row.len(), self.axes.len(), "subject values", "nomogram predictors")?;
        if let Some(j) = row.iter().position(|v| !v.is_finite()) {
            return Err(Error::Stats(format!(
                "value of '{}' is missing or not finite",
                self.axes[j].name
            )));
        }
        let points: Vec<f64> = self
            .axes
            .iter()
            .zip(row)
            .map(|(a, v)| (a.coefficient * v - a.min_contribution) * self.scale)
            .collect();
        let total_points: f64 = points.iter().sum();
        let linear_predictor =
            self.intercept + self.axes.iter().map(|a| a.min_contribution).sum::<f64>() + total_points / self.scale;
        Ok(NomogramScore {
            points,
            total_points,
            linear_predictor,
            probability: plogis(linear_predictor),
        })
    }
}
