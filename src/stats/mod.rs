//! Statistics for building and validating a clinical-radiomics model, computing the same numbers
//! as the R packages clinicians and reviewers trust (pROC, stats::glm, irr, caret, glmnet, rms,
//! ResourceSelection, dcurves). Each method lives in its own file; every public function returns
//! [`crate::Error::Stats`] (or [`crate::Error::InvalidArgument`]) with the offending row, column or
//! value named, never panics on data.
//!
//! Conventions shared by all methods:
//! - a binary outcome is `&[bool]`, `true` = event / case (R's second factor level);
//! - a design matrix is a [`nalgebra::DMatrix<f64>`] with one row per subject and one column per
//!   predictor, *without* an intercept column (the methods add it);
//! - randomness (fold ids, bootstrap indices) is an input, or drawn from a seeded [`SplitMix64`],
//!   because R's `sample()` stream cannot be reproduced outside R.

pub mod bootstrap;
pub mod calibration;
pub mod correlation;
pub mod dca;
pub mod distributions;
pub mod glmnet;
pub mod hypothesis;
pub mod icc;
pub mod io;
pub mod logistic;
pub mod nomogram;
pub mod pretty;
pub mod roc;
pub mod zscore;

use crate::{Error, Result};
use nalgebra::DMatrix;

/// A modelling procedure that learns from a design matrix and a binary outcome (like linfa's `Fit`).
pub trait Fit {
    /// The fitted model.
    type Model: Predict;
    /// Fit on `x` (n × p, no intercept column) and `y` (n outcomes, `true` = event).
    fn fit(&self, x: &DMatrix<f64>, y: &[bool]) -> Result<Self::Model>;
}

/// A fitted model that predicts event probabilities.
pub trait Predict {
    /// Linear predictor (log-odds) for each row of `x`.
    fn linear_predictor(&self, x: &DMatrix<f64>) -> Result<Vec<f64>>;
    /// Event probability for each row of `x`.
    fn predict_proba(&self, x: &DMatrix<f64>) -> Result<Vec<f64>> {
        Ok(self.linear_predictor(x)?.into_iter().map(plogis).collect())
    }
}

/// Logistic function, written to stay accurate for large |η|.
pub fn plogis(eta: f64) -> f64 {
    if eta >= 0.0 {
        1.0 / (1.0 + (-eta).exp())
    } else {
        let e = eta.exp();
        e / (1.0 + e)
    }
}

/// Log-odds of a probability.
pub fn qlogis(p: f64) -> f64 {
    (p / (1.0 - p)).ln()
}

/// Convert a 0/1 column to outcomes; any other value is an error naming the row (1-based).
pub fn outcome_from_01(values: &[f64], column: &str) -> Result<Vec<bool>> {
    values
        .iter()
        .enumerate()
        .map(|(i, &v)| {
            if v == 1.0 {
                Ok(true)
            } else if v == 0.0 {
                Ok(false)
            } else {
                Err(Error::Stats(format!(
                    "row {}, column '{column}': outcome must be 0 or 1, found {v}",
                    i + 1
                )))
            }
        })
        .collect()
}

/// Error unless every value is finite; names the row (1-based) and the column.
pub fn check_finite(values: &[f64], column: &str) -> Result<()> {
    match values.iter().position(|v| !v.is_finite()) {
        None => Ok(()),
        Some(i) => Err(non_finite_error(i, column, values[i])),
    }
}

fn non_finite_error(row: usize, column: &str, value: f64) -> Error {
    let what = if value.is_nan() {
        "is missing (NaN)"
    } else {
        "is infinite"
    };
    Error::Stats(format!("row {}, column '{column}' {what}", row + 1))
}

/// Error unless every entry of the matrix is finite; names the row and the column (by name when
/// `names` has one for it).
pub fn check_finite_matrix(x: &DMatrix<f64>, names: Option<&[String]>) -> Result<()> {
    for (j, column) in x.column_iter().enumerate() {
        if let Some(i) = column.iter().position(|v| !v.is_finite()) {
            let name = column_name(names, j);
            return Err(non_finite_error(i, &name, column[i]));
        }
    }
    Ok(())
}

/// The name of column `j` (0-based) for messages: the given name, or "x<j+1>" as R names them.
pub fn column_name(names: Option<&[String]>, j: usize) -> String {
    names
        .and_then(|n| n.get(j))
        .cloned()
        .unwrap_or_else(|| format!("x{}", j + 1))
}

/// Error unless `a` and `b` have the same length.
pub fn check_same_len(a: usize, b: usize, what_a: &str, what_b: &str) -> Result<()> {
    if a == b {
        Ok(())
    } else {
        Err(Error::Stats(format!("{what_a} has {a} values but {what_b} has {b}")))
    }
}

/// Number of events and non-events.
pub fn count_classes(y: &[bool]) -> (usize, usize) {
    let events = y.iter().filter(|&&v| v).count();
    (events, y.len() - events)
}

/// SplitMix64: a small, fast, seeded generator for fold ids and bootstrap resamples. It does not
/// reproduce R's Mersenne-Twister `sample()`; pass indices explicitly to match an R run.
#[derive(Debug, Clone)]
pub struct SplitMix64(pub u64);

impl SplitMix64 {
    /// Next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform integer in `0..n` (n > 0), without modulo bias (rejection sampling).
    pub fn below(&mut self, n: usize) -> usize {
        let n64 = n.max(1) as u64;
        let zone = u64::MAX - (u64::MAX % n64);
        loop {
            let r = self.next_u64();
            if r < zone {
                return (r % n64) as usize;
            }
        }
    }

    /// Fisher–Yates shuffle.
    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.below(i + 1);
            items.swap(i, j);
        }
    }
}

/// Sample mean.
pub(crate) fn mean(values: &[f64]) -> f64 {
    values.iter().sum::<f64>() / values.len() as f64
}

/// R's `median` (mean of the two middle values for an even count); NaN when empty.
pub(crate) fn median(values: &[f64]) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len();
    if n % 2 == 1 {
        sorted[n / 2]
    } else {
        (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0
    }
}

/// R's `quantile(x, probs, type = 7)` on values already sorted ascending (same arithmetic:
/// index 1 + (n−1)p, then (1−h)·x[lo] + h·x[hi] when the two differ).
pub(crate) fn quantile_type7(sorted: &[f64], prob: f64) -> f64 {
    let n = sorted.len();
    if n == 0 || prob.is_nan() {
        return f64::NAN;
    }
    let index = (n - 1) as f64 * prob.clamp(0.0, 1.0);
    let lo = index.floor();
    let lo_index = (lo as usize).min(n - 1);
    let hi_index = (index.ceil() as usize).min(n - 1);
    let low_value = sorted[lo_index];
    let high_value = sorted[hi_index];
    if index > lo && high_value != low_value {
        let h = index - lo;
        (1.0 - h) * low_value + h * high_value
    } else {
        low_value
    }
}

/// Sample covariance with the n−1 denominator.
pub(crate) fn sample_cov(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len();
    if n < 2 {
        return f64::NAN;
    }
    let ma = mean(a);
    let mb = mean(b);
    a.iter().zip(b).map(|(x, y)| (x - ma) * (y - mb)).sum::<f64>() / (n - 1) as f64
}
