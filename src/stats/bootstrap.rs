//! Bootstrap: the percentile confidence interval of an AUC (pROC `ci.auc(method = "bootstrap")`:
//! stratified by default, quantile type 7) and Harrell's optimism-corrected performance (rms
//! `validate(method = "boot")`), where every resample re-runs a caller-supplied modelling procedure
//! (the whole pipeline: filters, LASSO-CV, stepwise…), plus the bias-corrected calibration curve.
//!
//! Resamples whose outcomes are all one class cannot give an AUC (and most fits fail on them):
//! they are skipped and counted, as rms counts failed fits; stratified resampling avoids them.
//! Resample indices can be supplied (to reproduce another program's resamples exactly) or drawn
//! from a seeded generator (R's `sample()` stream itself cannot be reproduced).

use super::calibration::calibration_curve;
use super::roc::auc;
use super::{Predict, SplitMix64, check_same_len, count_classes, quantile_type7};
use crate::{Error, Result};
use nalgebra::DMatrix;

/// Where the bootstrap resamples come from.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Resamples {
    /// Explicit 0-based row indices, one vector of length n per resample.
    Given(Vec<Vec<usize>>),
    /// `b` resamples drawn with radscore's seeded generator; `stratified` resamples events and
    /// non-events separately, keeping their counts (pROC's default for AUC CIs).
    Seeded { b: usize, seed: u64, stratified: bool },
}

/// Resolve the resamples to index vectors, validated against n rows.
pub fn resample_indices(resamples: &Resamples, y: &[bool]) -> Result<Vec<Vec<usize>>> {
    let n = y.len();
    match resamples {
        Resamples::Given(sets) => {
            for (b, set) in sets.iter().enumerate() {
                if set.len() != n {
                    return Err(Error::Stats(format!(
                        "resample {} has {} indices, expected {n}",
                        b + 1,
                        set.len()
                    )));
                }
                if let Some(&bad) = set.iter().find(|&&i| i >= n) {
                    return Err(Error::Stats(format!(
                        "resample {} has index {bad}, but there are only {n} rows",
                        b + 1
                    )));
                }
            }
            Ok(sets.clone())
        }
        Resamples::Seeded { b, seed, stratified } => {
            if *b == 0 {
                return Err(Error::setting("bootstrap.b", "must be at least 1"));
            }
            let mut rng = SplitMix64(*seed);
            let events: Vec<usize> = (0..n).filter(|&i| y[i]).collect();
            let non_events: Vec<usize> = (0..n).filter(|&i| !y[i]).collect();
            Ok((0..*b)
                .map(|_| {
                    if *stratified {
                        let mut set: Vec<usize> = (0..events.len()).map(|_| events[rng.below(events.len())]).collect();
                        set.extend((0..non_events.len()).map(|_| non_events[rng.below(non_events.len())]));
                        set
                    } else {
                        (0..n).map(|_| rng.below(n)).collect()
                    }
                })
                .collect())
        }
    }
}

fn one_class(y: &[bool], set: &[usize]) -> bool {
    let first = set.first().map(|&i| y[i]);
    set.iter().all(|&i| Some(y[i]) == first)
}

/// Percentile bootstrap CI of the AUC.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct BootstrapCi {
    /// AUC on the original data.
    pub auc: f64,
    pub lower: f64,
    /// Median of the bootstrap AUCs (pROC's middle value).
    pub median: f64,
    pub upper: f64,
    /// Resamples used and skipped (one class only).
    pub used: usize,
    pub skipped: usize,
}

/// Percentile CI of the AUC of fixed `scores` (direction "<": higher score = event).
pub fn bootstrap_auc_ci(scores: &[f64], y: &[bool], resamples: &Resamples, level: f64) -> Result<BootstrapCi> {
    check_same_len(scores.len(), y.len(), "scores", "outcome")?;
    if !(level > 0.0 && level < 1.0) {
        return Err(Error::setting(
            "bootstrap.level",
            format!("must be in (0, 1), got {level}"),
        ));
    }
    let apparent = auc(scores, y)?;
    let sets = resample_indices(resamples, y)?;
    let mut aucs = Vec::with_capacity(sets.len());
    let mut skipped = 0;
    for set in &sets {
        if one_class(y, set) {
            skipped += 1;
            continue;
        }
        let s: Vec<f64> = set.iter().map(|&i| scores[i]).collect();
        let t: Vec<bool> = set.iter().map(|&i| y[i]).collect();
        aucs.push(auc(&s, &t)?);
    }
    if aucs.is_empty() {
        return Err(Error::Stats(format!(
            "all {skipped} bootstrap resamples had a single class"
        )));
    }
    aucs.sort_by(f64::total_cmp);
    let alpha = (1.0 - level) / 2.0;
    Ok(BootstrapCi {
        auc: apparent,
        lower: quantile_type7(&aucs, alpha),
        median: quantile_type7(&aucs, 0.5),
        upper: quantile_type7(&aucs, 1.0 - alpha),
        used: aucs.len(),
        skipped,
    })
}

/// Harrell's optimism bootstrap of the AUC (C statistic).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct OptimismResult {
    /// AUC of the procedure fitted and evaluated on the original data.
    pub apparent: f64,
    /// Mean over successful resamples of AUC(on its resample) − AUC(on the original data).
    pub optimism: f64,
    /// apparent − optimism.
    pub corrected: f64,
    /// Resamples that contributed.
    pub used: usize,
    /// Resamples skipped because they held one class only.
    pub skipped_one_class: usize,
    /// Resamples whose procedure returned an error (rms: "Divergence or singularity in k samples"),
    /// with the first error message.
    pub failed: usize,
    pub first_failure: Option<String>,
    /// Per-resample optimism of the successful resamples, in resample order.
    pub per_resample: Vec<f64>,
}

fn rows(x: &DMatrix<f64>, y: &[bool], set: &[usize]) -> (DMatrix<f64>, Vec<bool>) {
    (x.select_rows(set), set.iter().map(|&i| y[i]).collect())
}

/// Harrell's bootstrap: for each resample, `procedure` is re-run on the resample, and the model's
/// AUC on the resample minus its AUC on the original data is that resample's optimism. The
/// corrected AUC is apparent − mean optimism over the resamples that succeeded.
pub fn optimism_bootstrap<M, F>(
    x: &DMatrix<f64>,
    y: &[bool],
    procedure: F,
    resamples: &Resamples,
) -> Result<OptimismResult>
where
    M: Predict,
    F: Fn(&DMatrix<f64>, &[bool]) -> Result<M>,
{
    check_same_len(x.nrows(), y.len(), "predictor rows", "outcome")?;
    let (events, non_events) = count_classes(y);
    if events == 0 || non_events == 0 {
        return Err(Error::Stats(
            "optimism bootstrap needs both outcomes in the data".into(),
        ));
    }
    let model = procedure(x, y)?;
    let apparent = auc(&model.predict_proba(x)?, y)?;
    let sets = resample_indices(resamples, y)?;
    let mut per_resample = Vec::with_capacity(sets.len());
    let mut skipped_one_class = 0;
    let mut failed = 0;
    let mut first_failure = None;
    for set in &sets {
        if one_class(y, set) {
            skipped_one_class += 1;
            continue;
        }
        let (xb, yb) = rows(x, y, set);
        let outcome = procedure(&xb, &yb).and_then(|m| {
            let train = auc(&m.predict_proba(&xb)?, &yb)?;
            let test = auc(&m.predict_proba(x)?, y)?;
            Ok(train - test)
        });
        match outcome {
            Ok(o) => per_resample.push(o),
            Err(e) => {
                failed += 1;
                first_failure.get_or_insert_with(|| e.to_string());
            }
        }
    }
    if per_resample.is_empty() {
        return Err(Error::Stats(format!(
            "no bootstrap resample succeeded ({skipped_one_class} single-class, {failed} failed{})",
            first_failure.map(|e| format!(": {e}")).unwrap_or_default()
        )));
    }
    let optimism = per_resample.iter().sum::<f64>() / per_resample.len() as f64;
    Ok(OptimismResult {
        apparent,
        optimism,
        corrected: apparent - optimism,
        used: per_resample.len(),
        skipped_one_class,
        failed,
        first_failure,
        per_resample,
    })
}

/// Apparent and bias-corrected calibration curves (rms `calibrate(method = "boot")`).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct CalibrationBootstrap {
    /// Predicted probabilities at which the curves are evaluated.
    pub grid: Vec<f64>,
    pub apparent: Vec<f64>,
    pub bias_corrected: Vec<f64>,
    pub used: usize,
    pub skipped: usize,
}

/// For each resample: refit, smooth (lowess, iter = 0) observed vs predicted on the resample and
/// on the original data at `grid`; the mean difference is the optimism subtracted from the
/// apparent curve.
pub fn calibration_bootstrap<M, F>(
    x: &DMatrix<f64>,
    y: &[bool],
    procedure: F,
    resamples: &Resamples,
    grid: &[f64],
) -> Result<CalibrationBootstrap>
where
    M: Predict,
    F: Fn(&DMatrix<f64>, &[bool]) -> Result<M>,
{
    let model = procedure(x, y)?;
    let p = model.predict_proba(x)?;
    let apparent = calibration_curve(&p, y, grid)?;
    let sets = resample_indices(resamples, y)?;
    let mut sum = vec![0.0; grid.len()];
    let mut used = 0;
    let mut skipped = 0;
    for set in &sets {
        if one_class(y, set) {
            skipped += 1;
            continue;
        }
        let (xb, yb) = rows(x, y, set);
        let outcome = procedure(&xb, &yb).and_then(|m| {
            let train = calibration_curve(&m.predict_proba(&xb)?, &yb, grid)?;
            let test = calibration_curve(&m.predict_proba(x)?, y, grid)?;
            Ok((train, test))
        });
        match outcome {
            Ok((train, test)) if train.iter().chain(&test).all(|v| v.is_finite()) => {
                for k in 0..grid.len() {
                    sum[k] += train[k] - test[k];
                }
                used += 1;
            }
            _ => skipped += 1,
        }
    }
    if used == 0 {
        return Err(Error::Stats("no calibration bootstrap resample succeeded".into()));
    }
    let bias_corrected = apparent.iter().zip(&sum).map(|(a, s)| a - s / used as f64).collect();
    Ok(CalibrationBootstrap {
        grid: grid.to_vec(),
        apparent,
        bias_corrected,
        used,
        skipped,
    })
}
