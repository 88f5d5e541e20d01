//! ROC analysis as pROC computes it: AUC with ties counted ½, DeLong's variance and confidence
//! interval, the paired DeLong test between two scores on the same subjects, and the
//! Youden-optimal threshold with sensitivity, specificity, PPV and NPV.
//!
//! Placements (DeLong 1988, as in pROC): for case i, V10ᵢ = mean over controls of ψ(Xᵢ, Yⱼ); for
//! control j, V01ⱼ = mean over cases of ψ(Xᵢ, Yⱼ), with ψ = 1 if the case scores higher, ½ on a tie.
//! AUC = mean(V10), Var = var(V10)/m + var(V01)/n with n−1 sample variances.

use super::distributions::{qnorm, two_sided_normal_p};
use super::{check_finite, check_same_len, count_classes, median, sample_cov};
use crate::{Error, Result};

/// Which side of the score means "case" (pROC's `direction`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Direction {
    /// `"<"`: controls score lower than cases (higher score = event). The right choice for a
    /// Radscore or a model probability.
    ControlsLower,
    /// `">"`: controls score higher than cases.
    ControlsHigher,
    /// pROC's `"auto"`: `"<"` if median(controls) ≤ median(cases), else `">"`. Can silently invert a
    /// predictor, so avoid it for model outputs.
    Auto,
}

/// A fitted ROC curve: the AUC and the DeLong placements behind its variance.
#[derive(Debug, Clone)]
pub struct Roc {
    /// Area under the curve.
    pub auc: f64,
    /// The direction used (`Auto` resolved).
    pub direction: Direction,
    /// Number of cases (events).
    pub n_cases: usize,
    /// Number of controls.
    pub n_controls: usize,
    /// V10: one placement per case, in input order.
    pub case_placements: Vec<f64>,
    /// V01: one placement per control, in input order.
    pub control_placements: Vec<f64>,
    /// Scores oriented so that higher means case (negated for `ControlsHigher`).
    oriented: Vec<f64>,
    outcome: Vec<bool>,
}

/// One point of the ROC curve at a threshold.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct RocPoint {
    /// Threshold on the original score scale (±∞ at the ends, as pROC).
    pub threshold: f64,
    pub sensitivity: f64,
    pub specificity: f64,
    /// Positive predictive value TP/(TP+FP); NaN when nothing is called positive.
    pub ppv: f64,
    /// Negative predictive value TN/(TN+FN); NaN when nothing is called negative.
    pub npv: f64,
    pub true_positives: usize,
    pub false_positives: usize,
    pub true_negatives: usize,
    pub false_negatives: usize,
}

/// The paired DeLong test (pROC `roc.test(method = "delong", paired = TRUE)`).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct DelongTest {
    pub auc1: f64,
    pub auc2: f64,
    /// Z = (AUC1 − AUC2) / √(Var1 + Var2 − 2 Cov).
    pub z: f64,
    /// Two-sided p-value.
    pub p_value: f64,
    pub var1: f64,
    pub var2: f64,
    pub covariance: f64,
    /// Confidence interval of AUC1 − AUC2 at the requested level.
    pub diff_ci: (f64, f64),
}

/// Build the ROC of `scores` against `is_case` (`true` = case / event).
pub fn roc(scores: &[f64], is_case: &[bool], direction: Direction) -> Result<Roc> {
    check_same_len(scores.len(), is_case.len(), "scores", "outcome")?;
    check_finite(scores, "score")?;
    let (n_cases, n_controls) = count_classes(is_case);
    if n_cases == 0 || n_controls == 0 {
        return Err(Error::Stats(format!(
            "ROC needs both classes; got {n_cases} case(s) and {n_controls} control(s)"
        )));
    }
    let direction = match direction {
        Direction::Auto => {
            let (cases, controls) = split(scores, is_case);
            if median(&controls) <= median(&cases) {
                Direction::ControlsLower
            } else {
                Direction::ControlsHigher
            }
        }
        d => d,
    };
    let oriented: Vec<f64> = match direction {
        Direction::ControlsHigher => scores.iter().map(|s| -s).collect(),
        _ => scores.to_vec(),
    };
    let (cases, controls) = split(&oriented, is_case);
    let mut sorted_controls = controls.clone();
    sorted_controls.sort_by(f64::total_cmp);
    let mut sorted_cases = cases.clone();
    sorted_cases.sort_by(f64::total_cmp);

    // V10ᵢ = (#controls below + ½ #controls tied) / n.
    let case_placements: Vec<f64> = cases
        .iter()
        .map(|&x| {
            let below = sorted_controls.partition_point(|&c| c < x);
            let not_above = sorted_controls.partition_point(|&c| c <= x);
            (below as f64 + 0.5 * (not_above - below) as f64) / n_controls as f64
        })
        .collect();
    // V01ⱼ = (#cases above + ½ #cases tied) / m.
    let control_placements: Vec<f64> = controls
        .iter()
        .map(|&y| {
            let below = sorted_cases.partition_point(|&c| c < y);
            let not_above = sorted_cases.partition_point(|&c| c <= y);
            ((n_cases - not_above) as f64 + 0.5 * (not_above - below) as f64) / n_cases as f64
        })
        .collect();
    let auc = case_placements.iter().sum::<f64>() / n_cases as f64;
    Ok(Roc {
        auc,
        direction,
        n_cases,
        n_controls,
        case_placements,
        control_placements,
        oriented,
        outcome: is_case.to_vec(),
    })
}

fn split(scores: &[f64], is_case: &[bool]) -> (Vec<f64>, Vec<f64>) {
    let mut cases = Vec::new();
    let mut controls = Vec::new();
    for (&s, &c) in scores.iter().zip(is_case) {
        if c {
            cases.push(s);
        } else {
            controls.push(s);
        }
    }
    (cases, controls)
}

/// AUC alone (with ties counted ½), for callers that need no variance (bootstrap loops).
pub fn auc(scores: &[f64], is_case: &[bool]) -> Result<f64> {
    Ok(roc(scores, is_case, Direction::ControlsLower)?.auc)
}

impl Roc {
    /// DeLong variance of the AUC (pROC `var(roc)`).
    pub fn delong_variance(&self) -> f64 {
        let var10 = sample_cov(&self.case_placements, &self.case_placements);
        let var01 = sample_cov(&self.control_placements, &self.control_placements);
        // With a single case or control the sample variance is undefined: NaN, as R's var() gives NA.
        var10 / self.n_cases as f64 + var01 / self.n_controls as f64
    }

    /// DeLong confidence interval AUC ± z·√Var, clipped to [0, 1] (pROC `ci.auc(method="delong")`).
    pub fn delong_ci(&self, level: f64) -> Result<(f64, f64)> {
        let z = level_to_z(level)?;
        let half = z * self.delong_variance().sqrt();
        Ok(((self.auc - half).max(0.0), (self.auc + half).min(1.0)))
    }

    /// All ROC points, at pROC's thresholds: −∞, the midpoints between consecutive distinct
    /// scores, +∞ (ascending on the oriented scale). A subject is called positive when its
    /// score is ≥ the threshold (direction `<`) or ≤ it (direction `>`).
    pub fn points(&self) -> Vec<RocPoint> {
        let mut order: Vec<usize> = (0..self.oriented.len()).collect();
        order.sort_by(|&a, &b| self.oriented[a].total_cmp(&self.oriented[b]));
        // Distinct values with the counts of cases and controls at each.
        let mut values: Vec<(f64, usize, usize)> = Vec::new();
        for &i in &order {
            let v = self.oriented[i];
            let is_case = self.outcome[i];
            match values.last_mut() {
                Some(last) if last.0 == v => {
                    if is_case {
                        last.1 += 1
                    } else {
                        last.2 += 1
                    }
                }
                _ => values.push((v, usize::from(is_case), usize::from(!is_case))),
            }
        }
        let mut points = Vec::with_capacity(values.len() + 1);
        // Everyone at or above values[k] is positive; k = 0 is the −∞ threshold.
        let mut cases_below = 0usize;
        let mut controls_below = 0usize;
        for k in 0..=values.len() {
            let threshold = if k == 0 {
                f64::NEG_INFINITY
            } else if k == values.len() {
                f64::INFINITY
            } else {
                (values[k - 1].0 + values[k].0) / 2.0
            };
            if k > 0 {
                cases_below += values[k - 1].1;
                controls_below += values[k - 1].2;
            }
            let tp = self.n_cases - cases_below;
            let fp = self.n_controls - controls_below;
            let threshold = if self.direction == Direction::ControlsHigher {
                -threshold
            } else {
                threshold
            };
            points.push(self.point(threshold, tp, fp));
        }
        points
    }

    fn point(&self, threshold: f64, tp: usize, fp: usize) -> RocPoint {
        let fn_ = self.n_cases - tp;
        let tn = self.n_controls - fp;
        let ratio = |a: usize, b: usize| if b == 0 { f64::NAN } else { a as f64 / b as f64 };
        RocPoint {
            threshold,
            sensitivity: ratio(tp, self.n_cases),
            specificity: ratio(tn, self.n_controls),
            ppv: ratio(tp, tp + fp),
            npv: ratio(tn, tn + fn_),
            true_positives: tp,
            false_positives: fp,
            true_negatives: tn,
            false_negatives: fn_,
        }
    }

    /// The threshold(s) maximising Youden's J = sensitivity + specificity − 1 (pROC
    /// `coords(roc, "best", best.method = "youden")`). Like pROC, every tied optimum is returned,
    /// in ascending order of the oriented score.
    pub fn youden_best(&self) -> Vec<RocPoint> {
        let points = self.points();
        let j = |p: &RocPoint| p.sensitivity + p.specificity;
        let best = points.iter().map(j).fold(f64::NEG_INFINITY, f64::max);
        points.into_iter().filter(|p| j(p) == best).collect()
    }

    /// Sensitivity, specificity, PPV and NPV when subjects with score ≥ `threshold` (direction `<`)
    /// or ≤ `threshold` (direction `>`) are called positive.
    pub fn at_threshold(&self, threshold: f64) -> RocPoint {
        let oriented_threshold = if self.direction == Direction::ControlsHigher {
            -threshold
        } else {
            threshold
        };
        let mut tp = 0;
        let mut fp = 0;
        for (&s, &c) in self.oriented.iter().zip(&self.outcome) {
            if s >= oriented_threshold {
                if c { tp += 1 } else { fp += 1 }
            }
        }
        self.point(threshold, tp, fp)
    }
}

fn level_to_z(level: f64) -> Result<f64> {
    if !(level > 0.0 && level < 1.0) {
        return Err(Error::Stats(format!("confidence level must be in (0, 1), got {level}")));
    }
    Ok(qnorm(1.0 - (1.0 - level) / 2.0))
}

/// DeLong covariance of two AUCs computed on the same subjects (pROC `cov(roc1, roc2)`).
pub fn delong_covariance(a: &Roc, b: &Roc) -> Result<f64> {
    if a.outcome != b.outcome {
        return Err(Error::Stats(
            "paired DeLong needs both ROC curves on the same subjects with the same outcomes".into(),
        ));
    }
    let cov10 = sample_cov(&a.case_placements, &b.case_placements);
    let cov01 = sample_cov(&a.control_placements, &b.control_placements);
    Ok(cov10 / a.n_cases as f64 + cov01 / a.n_controls as f64)
}

/// Paired DeLong test of AUC1 = AUC2 with a `level` confidence interval of the difference.
pub fn delong_test(a: &Roc, b: &Roc, level: f64) -> Result<DelongTest> {
    let covariance = delong_covariance(a, b)?;
    let var1 = a.delong_variance();
    let var2 = b.delong_variance();
    let se = (var1 + var2 - 2.0 * covariance).sqrt();
    let diff = a.auc - b.auc;
    let z = diff / se;
    let zq = level_to_z(level)?;
    Ok(DelongTest {
        auc1: a.auc,
        auc2: b.auc,
        z,
        p_value: two_sided_normal_p(z),
        var1,
        var2,
        covariance,
        diff_ci: (diff - zq * se, diff + zq * se),
    })
}
