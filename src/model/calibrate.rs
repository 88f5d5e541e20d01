//! Local recalibration of a published card: z-score parameters from the local cohort, then
//! the fusion intercept refitted with the published slopes fixed (recalibration-in-the-large),
//! or an intercept and one overall slope on the published linear predictor (logistic
//! recalibration).

use std::collections::BTreeMap;

use super::card::{ModelCard, PredictorKind};
use super::predict::{ClinicalValue, logistic};
use crate::error::{Error, Result};
use crate::extract::FeatureSet;

/// How to refit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recalibration {
    /// Refit the intercept only; the published coefficients are kept (offset logistic model).
    InTheLarge,
    /// Refit an intercept and one slope multiplying the published linear predictor.
    Logistic,
}

/// One lesion of the local cohort.
#[derive(Debug, Clone, PartialEq)]
pub struct CohortLesion {
    pub features: FeatureSet,
    pub clinical: BTreeMap<String, ClinicalValue>,
    /// 1 if the card's event happened.
    pub outcome: bool,
}

/// What recalibration estimated.
#[derive(Debug, Clone, PartialEq)]
pub struct CalibrationReport {
    pub method: Recalibration,
    pub n: usize,
    pub events: usize,
    /// Fitted fusion intercept (in-the-large) or calibration intercept (logistic).
    pub intercept: f64,
    pub intercept_se: f64,
    /// Calibration slope (1 for in-the-large).
    pub slope: f64,
    pub slope_se: f64,
    /// Mean predicted probability before and after, against the observed event rate.
    pub mean_predicted_before: Option<f64>,
    pub mean_predicted_after: f64,
    pub observed_rate: f64,
}

/// Set each Radscore feature's mean and SD (n − 1, as R's `scale()`) from the cohort.
pub fn fit_zscore(card: &mut ModelCard, cohort: &[FeatureSet]) -> Result<()> {
    if cohort.len() < 2 {
        return Err(Error::Model(format!(
            "z-scoring needs at least 2 lesions, the cohort has {}",
            cohort.len()
        )));
    }
    for f in &mut card.radscore.features {
        let mut xs = Vec::with_capacity(cohort.len());
        for (i, lesion) in cohort.iter().enumerate() {
            let x = *lesion
                .get(&f.key)
                .ok_or_else(|| Error::Model(format!("cohort lesion {} has no feature '{}'", i + 1, f.key)))?;
            if !x.is_finite() {
                return Err(Error::Model(format!(
                    "cohort lesion {} has feature '{}' = {x}",
                    i + 1,
                    f.key
                )));
            }
            xs.push(x);
        }
        let n = xs.len() as f64;
        let mean = xs.iter().sum::<f64>() / n;
        let sd = (xs.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / (n - 1.0)).sqrt();
        if !(sd > 0.0) {
            return Err(Error::Model(format!(
                "feature '{}' is constant in the cohort (SD 0): it cannot be z-scored",
                f.key
            )));
        }
        f.mean = Some(mean);
        f.sd = Some(sd);
    }
    Ok(())
}

/// The published linear predictor without the fusion intercept, per lesion.
fn offsets(card: &ModelCard, cohort: &[CohortLesion]) -> Result<Vec<f64>> {
    let mut probe = card.clone();
    probe.fusion.intercept = Some(0.0);
    cohort
        .iter()
        .enumerate()
        .map(|(i, l)| {
            probe
                .predict(&l.features, &l.clinical)
                .map(|p| p.linear_predictor)
                .map_err(|e| Error::Model(format!("cohort lesion {}: {e}", i + 1)))
        })
        .collect()
}

/// Recalibrate `card` on `cohort`: z-score parameters (if missing), the Radscore intercept
/// (set to `radscore_intercept` when the card has none), ordinal codes 0, 1, 2, … where
/// missing, then the fusion intercept (and slope) by maximum likelihood.
pub fn recalibrate(
    card: &ModelCard,
    cohort: &[CohortLesion],
    method: Recalibration,
    radscore_intercept: f64,
) -> Result<(ModelCard, CalibrationReport)> {
    let mut card = card.clone();
    let before = if card.missing().is_empty() {
        let probs: Result<Vec<f64>> = cohort
            .iter()
            .map(|l| card.predict(&l.features, &l.clinical).map(|p| p.probability))
            .collect();
        probs.ok().map(|p| p.iter().sum::<f64>() / p.len().max(1) as f64)
    } else {
        None
    };
    if card
        .radscore
        .features
        .iter()
        .any(|f| f.mean.is_none() || f.sd.is_none())
    {
        let feats: Vec<FeatureSet> = cohort.iter().map(|l| l.features.clone()).collect();
        fit_zscore(&mut card, &feats)?;
    }
    if card.radscore.intercept.is_none() {
        card.radscore.intercept = Some(radscore_intercept);
    }
    for p in &mut card.fusion.predictors {
        if let PredictorKind::Ordinal { levels, codes, .. } = &mut p.kind
            && codes.is_none()
        {
            *codes = Some((0..levels.len()).map(|i| i as f64).collect());
        }
    }
    let missing: Vec<String> = card.missing().into_iter().filter(|m| m != "fusion.intercept").collect();
    if !missing.is_empty() {
        return Err(Error::Model(format!(
            "recalibration keeps the published coefficients, but these are missing: {} (train the model instead: radscore train)",
            missing.join("; ")
        )));
    }
    let y: Vec<f64> = cohort.iter().map(|l| if l.outcome { 1.0 } else { 0.0 }).collect();
    let events = y.iter().filter(|&&v| v > 0.5).count();
    if events == 0 || events == y.len() {
        return Err(Error::Model(format!(
            "the cohort has {events} events among {} lesions: both outcomes are needed to recalibrate",
            y.len()
        )));
    }
    let off = offsets(&card, cohort)?;
    let (intercept, intercept_se, slope, slope_se) = match method {
        Recalibration::InTheLarge => {
            let (a, se) = fit_intercept(&off, &y)?;
            (a, se, 1.0, 0.0)
        }
        Recalibration::Logistic => fit_intercept_slope(&off, &y)?,
    };
    // Fold the fit into the card: logit = a + b·(offset) keeps the published structure when b = 1.
    card.fusion.intercept = Some(intercept);
    if method == Recalibration::Logistic {
        for p in &mut card.fusion.predictors {
            match &mut p.kind {
                PredictorKind::Radscore { coefficient }
                | PredictorKind::Continuous { coefficient, .. }
                | PredictorKind::Binary { coefficient, .. }
                | PredictorKind::Ordinal { coefficient, .. } => {
                    *coefficient = coefficient.map(|c| c * slope);
                }
                PredictorKind::Categorical { coefficients, .. } => {
                    if let Some(c) = coefficients {
                        c.iter_mut().for_each(|v| *v *= slope);
                    }
                }
            }
        }
    }
    let after: f64 = off.iter().map(|o| logistic(intercept + slope * o)).sum::<f64>() / off.len() as f64;
    card.provenance.fit_locally.push(format!(
        "recalibrated ({}) on {} local lesions ({events} events): fusion intercept {intercept:.4} (SE {intercept_se:.4}){}",
        match method {
            Recalibration::InTheLarge => "in the large",
            Recalibration::Logistic => "logistic",
        },
        y.len(),
        if method == Recalibration::Logistic { format!(", slope {slope:.4} (SE {slope_se:.4})") } else { String::new() }
    ));
    let report = CalibrationReport {
        method,
        n: y.len(),
        events,
        intercept,
        intercept_se,
        slope,
        slope_se,
        mean_predicted_before: before,
        mean_predicted_after: after,
        observed_rate: events as f64 / y.len() as f64,
    };
    Ok((card, report))
}

/// Maximum-likelihood intercept of `logit p = a + offset`, with its SE.
///
/// The score Σ(y − p) falls strictly from `events` to `events − n` as `a` grows, so its one root
/// is bracketed first and then found by Newton steps kept inside the bracket (bisection where a
/// step would leave it). Plain Newton from 0 overshoots when the offsets are large: with
/// offsets of 2–15 every p starts near 1, the first step lands where every p is near 0, and the
/// next one where the information has underflowed to 0.
fn fit_intercept(offset: &[f64], y: &[f64]) -> Result<(f64, f64)> {
    let score_and_information = |a: f64| {
        offset.iter().zip(y).fold((0.0, 0.0), |(score, info), (o, yi)| {
            let p = logistic(a + o);
            (score + (yi - p), info + p * (1.0 - p))
        })
    };
    // A bracket [lo, hi] with a positive score at lo and a negative one at hi.
    const FARTHEST: f64 = 1e6;
    let no_fit = |beyond: f64| {
        Error::Model(format!(
            "recalibration in the large: no intercept within ±{FARTHEST} fits (none up to {beyond}; offsets \
             from {} to {})",
            offset.iter().copied().fold(f64::INFINITY, f64::min),
            offset.iter().copied().fold(f64::NEG_INFINITY, f64::max)
        ))
    };
    let (mut lo, mut hi) = (-1.0, 1.0);
    while score_and_information(lo).0 <= 0.0 {
        lo *= 2.0;
        if lo < -FARTHEST {
            return Err(no_fit(lo));
        }
    }
    while score_and_information(hi).0 >= 0.0 {
        hi *= 2.0;
        if hi > FARTHEST {
            return Err(no_fit(hi));
        }
    }
    let mut a = 0.0; // inside the bracket: lo ≤ −1 and hi ≥ 1
    for _ in 0..200 {
        let (score, info) = score_and_information(a);
        if score > 0.0 {
            lo = a;
        } else if score < 0.0 {
            hi = a;
        }
        let newton = a + score / info;
        let next = if info > 0.0 && newton > lo && newton < hi {
            newton
        } else {
            0.5 * (lo + hi)
        };
        if score == 0.0 || (next - a).abs() <= 1e-12 * (1.0 + a.abs()) {
            let (_, info) = score_and_information(next);
            return Ok((next, (1.0 / info).sqrt()));
        }
        a = next;
    }
    Err(Error::Model(format!(
        "recalibration in the large did not converge (last intercept {a}, between {lo} and {hi})"
    )))
}

/// Log-likelihood of `logit p = a + b·offset`.
fn log_likelihood(offset: &[f64], y: &[f64], a: f64, b: f64) -> f64 {
    offset
        .iter()
        .zip(y)
        .map(|(o, yi)| {
            let eta = a + b * o;
            // log(1 + e^η) computed stably.
            let log1pexp = if eta > 0.0 {
                eta + (-eta).exp().ln_1p()
            } else {
                eta.exp().ln_1p()
            };
            yi * eta - log1pexp
        })
        .sum()
}

/// Maximum-likelihood `logit p = a + b·offset` (Newton–Raphson with step halving, started
/// from the in-the-large fit), with SEs from the observed information.
fn fit_intercept_slope(offset: &[f64], y: &[f64]) -> Result<(f64, f64, f64, f64)> {
    let (mut a, _) = fit_intercept(offset, y)?;
    let mut b = 1.0;
    let mut ll = log_likelihood(offset, y, a, b);
    for _ in 0..200 {
        let (mut g0, mut g1, mut h00, mut h01, mut h11) = (0.0, 0.0, 0.0, 0.0, 0.0);
        for (o, yi) in offset.iter().zip(y) {
            let p = logistic(a + b * o);
            let w = p * (1.0 - p);
            g0 += yi - p;
            g1 += (yi - p) * o;
            h00 += w;
            h01 += w * o;
            h11 += w * o * o;
        }
        let det = h00 * h11 - h01 * h01;
        if !(det.abs() > 1e-300) {
            return Err(Error::Model(
                "logistic recalibration is singular (the linear predictor does not vary)".into(),
            ));
        }
        let da = (h11 * g0 - h01 * g1) / det;
        let db = (h00 * g1 - h01 * g0) / det;
        if da.abs() < 1e-10 && db.abs() < 1e-10 {
            return Ok((a, (h11 / det).sqrt(), b, (h00 / det).sqrt()));
        }
        let mut t = 1.0;
        loop {
            let next = log_likelihood(offset, y, a + t * da, b + t * db);
            if next >= ll - 1e-12 || t < 1e-8 {
                a += t * da;
                b += t * db;
                ll = next;
                break;
            }
            t /= 2.0;
        }
    }
    Err(Error::Model(
        "logistic recalibration did not converge (separation?)".into(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The offsets and outcomes of the 40 simulated lesions of `radscore demo --seed 3`, where
    /// Newton from 0 overshot: every p started near 1, and the information underflowed to 0.
    const OFFSETS: [f64; 40] = [
        3.9173590067932484,
        14.732477796945256,
        10.131302705254894,
        3.7463595559538305,
        4.074418597515707,
        9.63130692117069,
        3.1976970966317153,
        4.484221077140106,
        6.701207612319751,
        10.713685037958221,
        2.6051800173062767,
        8.089354841490561,
        6.515944071966342,
        6.177015779379326,
        6.356159761041348,
        5.474050887172828,
        11.65915573709728,
        9.422148324279078,
        5.931862487933184,
        5.703348829711658,
        7.1378794922160065,
        1.7467117831898755,
        6.417948417740597,
        4.216077836950586,
        4.921167339988125,
        1.696194652025376,
        5.301406059847599,
        7.11995075295563,
        5.753599570935038,
        3.260720684970119,
        10.248851329374471,
        8.22646114492156,
        8.527248820198961,
        8.820362681979905,
        8.170002636646228,
        10.381740624170133,
        7.575513654525511,
        5.802026792938357,
        3.3270051959060734,
        4.051618121040801,
    ];
    const OUTCOMES: [f64; 40] = [
        0.0, 1.0, 1.0, 0.0, 0.0, 1.0, 0.0, 0.0, 1.0, 1.0, 0.0, 1.0, 1.0, 1.0, 1.0, 0.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.0,
        0.0, 1.0, 1.0, 0.0, 0.0, 1.0, 1.0, 0.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.0,
    ];

    fn close(ours: f64, theirs: f64, tolerance: f64) -> bool {
        (ours - theirs).abs() <= tolerance * theirs.abs()
    }

    /// statsmodels 0.15.0 on the same numbers:
    /// `GLM(y, ones, family=Binomial(), offset=OFFSETS).fit(tol=1e-14)` gives the intercept
    /// -4.844018057557415 (SE 0.47096509792833513), and `Logit(y, [1, OFFSETS])` with Newton
    /// -6.228758069787757 and slope 1.271453967276771 (SEs 2.1881112879798286 and
    /// 0.41837361363593817).
    #[test]
    fn large_offsets_recalibrate_as_statsmodels_does() {
        let (a, se) = fit_intercept(&OFFSETS, &OUTCOMES).unwrap();
        assert!(close(a, -4.844018057557415, 1e-9), "intercept {a}");
        assert!(close(se, 0.47096509792833513, 1e-7), "SE {se}");
        let (a, a_se, b, b_se) = fit_intercept_slope(&OFFSETS, &OUTCOMES).unwrap();
        assert!(close(a, -6.228758069787757, 1e-8), "intercept {a}");
        assert!(close(b, 1.271453967276771, 1e-8), "slope {b}");
        assert!(close(a_se, 2.1881112879798286, 1e-6), "intercept SE {a_se}");
        assert!(close(b_se, 0.41837361363593817, 1e-6), "slope SE {b_se}");
    }
}
