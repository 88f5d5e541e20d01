//! Decision curve analysis as R's dcurves `dca()`: net benefit of a risk score, of treat-all and
//! of treat-none at each threshold probability.
//!
//! A subject is test-positive when its risk is ≥ the threshold; risks of exactly 0 or 1 are first
//! moved to −ε and 1 + ε so that they are never / always positive (ε = machine epsilon).
//! NB(pt) = TP/n − FP/n · pt/(1 − pt) − harm, computed as dcurves does:
//! tp_rate = P(test+ | event)·π, fp_rate = P(test+ | no event)·(1 − π), π = the event rate.

use super::{check_finite, check_same_len, count_classes};
use crate::{Error, Result};

/// One row of a decision curve (dcurves' `dca()$dca` columns).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct NetBenefit {
    pub threshold: f64,
    /// Event rate π.
    pub pos_rate: f64,
    /// Fraction called positive.
    pub test_pos_rate: f64,
    pub tp_rate: f64,
    pub fp_rate: f64,
    pub harm: f64,
    pub net_benefit: f64,
    /// (NB − NB_treat_all) / (pt/(1−pt)): net interventions avoided (dcurves
    /// `net_intervention_avoided`); −∞/NaN at pt = 0 as in R.
    pub net_intervention_avoided: f64,
}

/// A decision curve for the model and the two reference strategies.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct DecisionCurve {
    pub model: Vec<NetBenefit>,
    pub treat_all: Vec<NetBenefit>,
    pub treat_none: Vec<NetBenefit>,
}

/// dcurves' default thresholds `seq(0, 0.99, by = 0.01)`.
pub fn default_thresholds() -> Vec<f64> {
    (0..100).map(|i| i as f64 * 0.01).collect()
}

fn curve(risk: &[f64], y: &[bool], thresholds: &[f64], harm: f64, treat_all: Option<&[NetBenefit]>) -> Vec<NetBenefit> {
    let n = y.len() as f64;
    let (events, non_events) = count_classes(y);
    let pos_rate = events as f64 / n;
    // dcurves' 0/1 shift.
    let shifted: Vec<f64> = risk
        .iter()
        .map(|&r| {
            if r == 0.0 {
                r - f64::EPSILON
            } else if r == 1.0 {
                r + f64::EPSILON
            } else {
                r
            }
        })
        .collect();
    thresholds
        .iter()
        .enumerate()
        .map(|(k, &pt)| {
            let mut positives = 0usize;
            let mut tp = 0usize;
            let mut fp = 0usize;
            for (&r, &event) in shifted.iter().zip(y) {
                if r >= pt {
                    positives += 1;
                    if event {
                        tp += 1;
                    } else {
                        fp += 1;
                    }
                }
            }
            let tp_rate = tp as f64 / events as f64 * pos_rate;
            let fp_rate = fp as f64 / non_events as f64 * (1.0 - pos_rate);
            let net_benefit = tp_rate - pt / (1.0 - pt) * fp_rate - harm;
            let net_intervention_avoided = match treat_all {
                Some(all) => (net_benefit - all[k].net_benefit) / (pt / (1.0 - pt)),
                None => f64::NAN,
            };
            NetBenefit {
                threshold: pt,
                pos_rate,
                test_pos_rate: positives as f64 / n,
                tp_rate,
                fp_rate,
                harm,
                net_benefit,
                net_intervention_avoided,
            }
        })
        .collect()
}

/// Decision curve of predicted risks `risk` (probabilities) against outcomes `y`, at `thresholds`
/// (each in [0, 1)), with a per-subject `harm` subtracted from the model's net benefit.
pub fn decision_curve(risk: &[f64], y: &[bool], thresholds: &[f64], harm: f64) -> Result<DecisionCurve> {
    check_same_len(risk.len(), y.len(), "risks", "outcome")?;
    check_finite(risk, "risk")?;
    let (events, non_events) = count_classes(y);
    if events == 0 || non_events == 0 {
        return Err(Error::Stats(format!(
            "decision curve needs both outcomes; got {events} event(s) and {non_events} non-event(s)"
        )));
    }
    if let Some(t) = thresholds.iter().find(|t| !(0.0..1.0).contains(*t)) {
        return Err(Error::setting(
            "dca.thresholds",
            format!("each threshold must be in [0, 1), got {t}"),
        ));
    }
    if !harm.is_finite() {
        return Err(Error::setting("dca.harm", format!("must be a number, got {harm}")));
    }
    let treat_all = curve(&vec![1.0; y.len()], y, thresholds, 0.0, None);
    let treat_none = curve(&vec![0.0; y.len()], y, thresholds, 0.0, None);
    let model = curve(risk, y, thresholds, harm, Some(&treat_all));
    Ok(DecisionCurve {
        model,
        treat_all,
        treat_none,
    })
}
