//! Calibration as R computes it: `lowess` (Cleveland's clowess, R's defaults f = 2/3, iter = 3,
//! delta = 1% of the x range), the apparent calibration curve of rms/`val.prob` (lowess with
//! iter = 0), calibration intercept and slope, Brier score, Emax/Eavg/E90, and the
//! Hosmer–Lemeshow test with ResourceSelection's grouping.

use super::distributions::{is_positive, pchisq_upper};
use super::logistic::{approx_linear, logistic_offset_fit};
use super::{check_finite, check_same_len, count_classes, qlogis, quantile_type7};
use crate::{Error, Result};
use nalgebra::DMatrix;

/// R `lowess(x, y, f, iter, delta)`: returns (sorted x, smoothed y).
pub fn lowess(x: &[f64], y: &[f64], f: f64, iter: usize, delta: Option<f64>) -> Result<(Vec<f64>, Vec<f64>)> {
    check_same_len(x.len(), y.len(), "x", "y")?;
    check_finite(x, "x")?;
    check_finite(y, "y")?;
    if !is_positive(f) || !f.is_finite() {
        return Err(Error::setting("lowess.f", format!("must be positive, got {f}")));
    }
    let n = x.len();
    if n == 0 {
        return Ok((Vec::new(), Vec::new()));
    }
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| x[a].total_cmp(&x[b]));
    let xs: Vec<f64> = order.iter().map(|&i| x[i]).collect();
    let ys: Vec<f64> = order.iter().map(|&i| y[i]).collect();
    let delta = delta.unwrap_or(0.01 * (xs[n - 1] - xs[0]));
    let fitted = clowess(&xs, &ys, f, iter, delta);
    Ok((xs, fitted))
}

/// Cleveland's local weighted fit at `xs` using points nleft..=nright (0-based), as R's `lowest`.
#[allow(clippy::too_many_arguments)]
fn lowest(
    x: &[f64],
    y: &[f64],
    xs: f64,
    nleft: usize,
    nright: usize,
    w: &mut [f64],
    robust: Option<&[f64]>,
) -> Option<f64> {
    let n = x.len();
    let range = x[n - 1] - x[0];
    let h = (xs - x[nleft]).max(x[nright] - xs);
    let h9 = 0.999 * h;
    let h1 = 0.001 * h;
    let mut a = 0.0;
    let mut j = nleft;
    while j < n {
        w[j] = 0.0;
        let r = (x[j] - xs).abs();
        if r <= h9 {
            w[j] = if r <= h1 { 1.0 } else { (1.0 - (r / h).powi(3)).powi(3) };
            if let Some(rw) = robust {
                w[j] *= rw[j];
            }
            a += w[j];
        } else if x[j] > xs {
            break;
        }
        j += 1;
    }
    let nrt = j - 1; // rightmost point used (ties on the right included)
    if a <= 0.0 {
        return None;
    }
    for wj in &mut w[nleft..=nrt] {
        *wj /= a;
    }
    if h > 0.0 {
        let center: f64 = (nleft..=nrt).map(|j| w[j] * x[j]).sum();
        let mut b = xs - center;
        let c: f64 = (nleft..=nrt).map(|j| w[j] * (x[j] - center).powi(2)).sum();
        if c.sqrt() > 0.001 * range {
            b /= c;
            for j in nleft..=nrt {
                w[j] *= b * (x[j] - center) + 1.0;
            }
        }
    }
    Some((nleft..=nrt).map(|j| w[j] * y[j]).sum())
}

/// R's `clowess` on x sorted ascending.
fn clowess(x: &[f64], y: &[f64], f: f64, nsteps: usize, delta: f64) -> Vec<f64> {
    let n = x.len();
    let mut ys = vec![0.0; n];
    if n < 2 {
        ys.copy_from_slice(y);
        return ys;
    }
    let ns = ((f * n as f64 + 1e-7) as usize).clamp(2, n);
    let mut rw = vec![0.0; n];
    let mut res = vec![0.0; n];
    let mut work = vec![0.0; n];
    let mut iteration = 1;
    while iteration <= nsteps + 1 {
        let mut nleft = 0usize;
        let mut nright = ns - 1;
        let mut last: Option<usize> = None;
        let mut i = 0usize;
        loop {
            if nright < n - 1 {
                let d1 = x[i] - x[nleft];
                let d2 = x[nright + 1] - x[i];
                if d1 > d2 {
                    nleft += 1;
                    nright += 1;
                    continue;
                }
            }
            let robust = if iteration > 1 { Some(rw.as_slice()) } else { None };
            ys[i] = lowest(x, y, x[i], nleft, nright, &mut work, robust).unwrap_or(y[i]);
            // Interpolate the points skipped by delta.
            match last {
                Some(l) if l + 1 < i => {
                    let denom = x[i] - x[l];
                    for j in l + 1..i {
                        let alpha = (x[j] - x[l]) / denom;
                        ys[j] = alpha * ys[i] + (1.0 - alpha) * ys[l];
                    }
                }
                None if i > 0 => {
                    // R's last = 0 sentinel with 1-based arrays: cannot happen (i starts at the first point).
                }
                _ => {}
            }
            let mut l = i;
            let cut = x[l] + delta;
            let mut k = l + 1;
            while k < n {
                if x[k] > cut {
                    break;
                }
                if x[k] == x[l] {
                    ys[k] = ys[l];
                    l = k;
                }
                k += 1;
            }
            last = Some(l);
            i = (l + 1).max(k - 1);
            if l >= n - 1 {
                break;
            }
        }
        for k in 0..n {
            res[k] = y[k] - ys[k];
        }
        let sc = res.iter().map(|r| r.abs()).sum::<f64>() / n as f64;
        if iteration > nsteps {
            break;
        }
        let mut abs_res: Vec<f64> = res.iter().map(|r| r.abs()).collect();
        abs_res.sort_by(f64::total_cmp);
        let m1 = n / 2;
        let cmad = if n % 2 == 0 {
            3.0 * (abs_res[m1] + abs_res[n - m1 - 1])
        } else {
            6.0 * abs_res[m1]
        };
        if cmad < 1e-7 * sc {
            break;
        }
        let c9 = 0.999 * cmad;
        let c1 = 0.001 * cmad;
        for k in 0..n {
            let r = res[k].abs();
            rw[k] = if r <= c1 {
                1.0
            } else if r <= c9 {
                (1.0 - (r / cmad).powi(2)).powi(2)
            } else {
                0.0
            };
        }
        iteration += 1;
    }
    ys
}

/// Apparent calibration summary (rms `val.prob` quantities).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct CalibrationStats {
    /// Calibration-in-the-large: intercept of logit P(y) = a + offset(logit p).
    pub intercept: f64,
    /// Calibration slope: coefficient b of logit P(y) = a + b·logit p.
    pub slope: f64,
    /// Mean squared error of the probabilities.
    pub brier: f64,
    /// Mean, maximum and 90th percentile of |lowess calibration curve − p| at the observed p.
    pub eavg: f64,
    pub emax: f64,
    pub e90: f64,
}

/// Calibration intercept, slope, Brier score and E statistics of probabilities `p` against `y`.
pub fn calibration_stats(p: &[f64], y: &[bool]) -> Result<CalibrationStats> {
    check_same_len(p.len(), y.len(), "probabilities", "outcome")?;
    check_finite(p, "probability")?;
    if let Some(i) = p.iter().position(|v| !(*v > 0.0 && *v < 1.0)) {
        return Err(Error::Stats(format!(
            "row {}: probability {} is not in (0, 1)",
            i + 1,
            p[i]
        )));
    }
    let (events, non_events) = count_classes(y);
    if events == 0 || non_events == 0 {
        return Err(Error::Stats("calibration needs both outcomes".into()));
    }
    let n = p.len();
    let yv: Vec<f64> = y.iter().map(|&b| if b { 1.0 } else { 0.0 }).collect();
    let logit: Vec<f64> = p.iter().map(|&v| qlogis(v)).collect();
    let ones = DMatrix::from_element(n, 1, 1.0);
    let intercept = logistic_offset_fit(&ones, &yv, &logit)?[0];
    let design = DMatrix::from_fn(n, 2, |i, j| if j == 0 { 1.0 } else { logit[i] });
    let slope = logistic_offset_fit(&design, &yv, &vec![0.0; n])?[1];
    let brier = p.iter().zip(&yv).map(|(a, b)| (a - b).powi(2)).sum::<f64>() / n as f64;
    let (sx, sy) = lowess(p, &yv, 2.0 / 3.0, 0, None)?;
    let mut errors: Vec<f64> = p.iter().map(|&v| (v - approx_linear(&sx, &sy, v)).abs()).collect();
    let eavg = errors.iter().sum::<f64>() / n as f64;
    let emax = errors.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    errors.sort_by(f64::total_cmp);
    Ok(CalibrationStats {
        intercept,
        slope,
        brier,
        eavg,
        emax,
        e90: quantile_type7(&errors, 0.9),
    })
}

/// The apparent calibration curve: lowess(p, y, iter = 0) evaluated at `grid` by linear
/// interpolation (ties in p averaged, as `approx(ties = mean)`); grid points outside the range of
/// `p` take the end values (`rule = 2`), so that bootstrap resamples with a narrower range still
/// give a curve.
pub fn calibration_curve(p: &[f64], y: &[bool], grid: &[f64]) -> Result<Vec<f64>> {
    let yv: Vec<f64> = y.iter().map(|&b| if b { 1.0 } else { 0.0 }).collect();
    let (sx, sy) = lowess(p, &yv, 2.0 / 3.0, 0, None)?;
    let (Some(&lo), Some(&hi)) = (sx.first(), sx.last()) else {
        return Ok(vec![f64::NAN; grid.len()]);
    };
    Ok(grid.iter().map(|&g| approx_linear(&sx, &sy, g.clamp(lo, hi))).collect())
}

/// rms `calibrate`'s default grid: 50 points from the 5th smallest to the 5th largest p.
pub fn rms_calibration_grid(p: &[f64]) -> Vec<f64> {
    let mut sorted = p.to_vec();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len();
    if n < 10 {
        return sorted;
    }
    let (lo, hi) = (sorted[4], sorted[n - 5]);
    (0..50).map(|k| lo + (hi - lo) * k as f64 / 49.0).collect()
}

/// Hosmer–Lemeshow goodness-of-fit test.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct HosmerLemeshow {
    pub statistic: f64,
    pub df: f64,
    pub p_value: f64,
    /// Observed events / non-events and expected, per non-empty group.
    pub observed_events: Vec<f64>,
    pub expected_events: Vec<f64>,
    pub group_sizes: Vec<usize>,
}

/// ResourceSelection `hoslem.test(y, p, g)`: breaks = unique(quantile(p, 0:g/g)) (type 7), bins
/// right-closed with the first including the minimum, χ² = Σ over bins and both outcomes of
/// (O − E)²/E, df = G − 2 with G the number of non-empty bins.
pub fn hosmer_lemeshow(p: &[f64], y: &[bool], g: usize) -> Result<HosmerLemeshow> {
    check_same_len(p.len(), y.len(), "probabilities", "outcome")?;
    check_finite(p, "probability")?;
    if p.is_empty() {
        return Err(Error::Stats("Hosmer–Lemeshow: no observations".into()));
    }
    if g < 3 {
        return Err(Error::setting(
            "hosmer_lemeshow.g",
            format!("needs at least 3 groups, got {g}"),
        ));
    }
    let mut sorted = p.to_vec();
    sorted.sort_by(f64::total_cmp);
    let mut breaks: Vec<f64> = (0..=g).map(|k| quantile_type7(&sorted, k as f64 / g as f64)).collect();
    breaks.dedup();
    if breaks.len() < 2 {
        return Err(Error::Stats(
            "Hosmer–Lemeshow: all probabilities are equal, no groups can be formed".into(),
        ));
    }
    let bins = breaks.len() - 1;
    let mut obs1 = vec![0.0; bins];
    let mut exp1 = vec![0.0; bins];
    let mut exp0 = vec![0.0; bins];
    let mut sizes = vec![0usize; bins];
    for (&pi, &yi) in p.iter().zip(y) {
        // (b_k, b_{k+1}], the first bin closed on the left.
        let k = breaks[1..].partition_point(|&b| b < pi).min(bins - 1);
        sizes[k] += 1;
        exp1[k] += pi;
        exp0[k] += 1.0 - pi;
        if yi {
            obs1[k] += 1.0;
        }
    }
    let mut statistic = 0.0;
    let mut groups = 0usize;
    let mut observed_events = Vec::new();
    let mut expected_events = Vec::new();
    let mut group_sizes = Vec::new();
    for k in 0..bins {
        if sizes[k] == 0 {
            continue;
        }
        groups += 1;
        let obs0 = sizes[k] as f64 - obs1[k];
        statistic += (obs0 - exp0[k]).powi(2) / exp0[k] + (obs1[k] - exp1[k]).powi(2) / exp1[k];
        observed_events.push(obs1[k]);
        expected_events.push(exp1[k]);
        group_sizes.push(sizes[k]);
    }
    let df = groups as f64 - 2.0;
    Ok(HosmerLemeshow {
        statistic,
        df,
        p_value: if df > 0.0 {
            pchisq_upper(statistic, df)
        } else {
            f64::NAN
        },
        observed_events,
        expected_events,
        group_sizes,
    })
}
