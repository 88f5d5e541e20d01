//! Nomogram points as R's rms package draws them (`nomogram(fit, fun = plogis, maxscale = 100)`):
//! the predictor whose contribution to the linear predictor spans the widest range gets
//! 0–100 points; every other predictor is scaled alike; total points map back to the linear
//! predictor and the probability.

use super::card::{ModelCard, Predictor, PredictorKind};
use crate::error::{Error, Result};

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
                pretty(*min, *max, 10)
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

/// R's `pretty(c(lo, hi), n)` (R ≥ 4.2 defaults: shrink.sml 0.75, high.u.bias 1.5,
/// u5.bias 2.75, min.n = n %/% 3): about `n + 1` round values covering [lo, hi].
pub fn pretty(lo: f64, hi: f64, n: usize) -> Vec<f64> {
    let (lo, hi) = if lo <= hi { (lo, hi) } else { (hi, lo) };
    let ndiv = n.max(1) as f64;
    let min_n = (n / 3) as f64;
    let (h, h5) = (1.5, 2.75);
    let rounding_eps = 1e-10;
    let dx = hi - lo;
    let mut cell;
    let i_small;
    if dx == 0.0 && hi == 0.0 {
        cell = 1.0;
        i_small = true;
    } else {
        cell = lo.abs().max(hi.abs());
        let u = 1.0
            + if h5 >= 1.5 * h + 0.5 {
                1.0 / (1.0 + h)
            } else {
                1.5 / (1.0 + h5)
            };
        let u = u * ndiv.max(1.0) * f64::EPSILON;
        i_small = dx < cell * u * 3.0;
    }
    if i_small {
        if cell > 10.0 {
            cell = 9.0 + cell / 10.0;
        }
        cell *= 0.75;
        if min_n > 1.0 {
            cell /= min_n;
        }
    } else {
        cell = dx;
        if ndiv > 1.0 {
            cell /= ndiv;
        }
    }
    let cell = cell.max(20.0 * f64::MIN_POSITIVE);
    let base = 10f64.powf(cell.log10().floor());
    let mut unit = base;
    let ns2 = 2.0 * base;
    if ns2 - cell < h * (cell - unit) {
        unit = ns2;
        let ns5 = 5.0 * base;
        if ns5 - cell < h5 * (cell - unit) {
            unit = ns5;
            let ns10 = 10.0 * base;
            if ns10 - cell < h * (cell - unit) {
                unit = ns10;
            }
        }
    }
    let mut ns = (lo / unit + rounding_eps).floor();
    let mut nu = (hi / unit - rounding_eps).ceil();
    while ns * unit > lo + rounding_eps * unit {
        ns -= 1.0;
    }
    while nu * unit < hi - rounding_eps * unit {
        nu += 1.0;
    }
    let mut k = (0.5 + nu - ns).floor();
    if k < min_n {
        let d = min_n - k;
        let half = (d / 2.0).floor();
        let rem = d - 2.0 * half;
        if ns >= 0.0 {
            nu += half;
            ns -= half + rem;
        } else {
            ns -= half;
            nu += half + rem;
        }
        k = min_n;
    }
    let (l, u) = (ns * unit, nu * unit);
    let steps = k.max(1.0) as usize;
    let by = (u - l) / steps as f64;
    (0..=steps)
        .map(|i| {
            let v = l + i as f64 * by;
            if v.abs() < 1e-14 * by { 0.0 } else { v }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::pretty;

    #[test]
    fn pretty_matches_r() {
        // R 4.3: pretty(c(0, 100), 10); pretty(c(1, 3.2)); pretty(c(-1.7, 4.1), 10)
        assert_eq!(
            pretty(0.0, 100.0, 10),
            (0..=10).map(|i| i as f64 * 10.0).collect::<Vec<_>>()
        );
        assert_eq!(pretty(1.0, 3.2, 5), vec![1.0, 1.5, 2.0, 2.5, 3.0, 3.5]);
        assert_eq!(
            pretty(-1.7, 4.1, 10),
            vec![-2.0, -1.5, -1.0, -0.5, 0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0, 4.5]
        );
    }
}
