//! Logistic regression exactly as R's `glm(y ~ x, family = binomial)`: IRLS with R's starting
//! values (μ = (y + ½)/2), link clamps (|η| > 30) and convergence rule
//! |dev − dev_old|/(|dev| + 0.1) < ε (ε = 1e-8, at most 25 iterations); standard errors from the
//! QR factor of the last weighted least-squares step (as `summary.glm`), Wald z and p, odds ratios
//! with Wald (`confint.default`) and profile-likelihood (`confint`, R ≥ 4.4 / MASS) intervals,
//! deviance and AIC; separation detection; univariate screening; backward elimination on Wald p.

use super::distributions::{qchisq, qnorm, two_sided_normal_p};
use super::{Fit, Predict, check_finite_matrix, check_same_len, column_name, count_classes};
use crate::{Error, Result};
use nalgebra::{DMatrix, DVector};

/// R's `glm.control()`: convergence tolerance and iteration limit.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct GlmSettings {
    /// ε of the relative-deviance convergence test (R default 1e-8).
    pub epsilon: f64,
    /// Maximum IRLS iterations (R default 25).
    pub max_iter: usize,
}

impl Default for GlmSettings {
    fn default() -> Self {
        GlmSettings {
            epsilon: 1e-8,
            max_iter: 25,
        }
    }
}

impl GlmSettings {
    /// Check the settings (ε > 0 and finite, at least one iteration).
    pub fn validate(self) -> Result<Self> {
        if !(self.epsilon > 0.0 && self.epsilon.is_finite()) {
            return Err(Error::setting(
                "glm.epsilon",
                format!("must be a positive number, got {}", self.epsilon),
            ));
        }
        if self.max_iter == 0 {
            return Err(Error::setting("glm.max_iter", "must be at least 1"));
        }
        Ok(self)
    }
}

/// Logistic regression with an intercept; implements [`Fit`].
#[derive(Debug, Clone, Default)]
pub struct LogisticRegression {
    pub settings: GlmSettings,
    /// Predictor names for the output and for error messages (R names them x1, x2, … otherwise).
    pub names: Option<Vec<String>>,
}

/// How the data separate the outcome, if they do.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub enum Separation {
    /// Every subject is predicted perfectly (residual deviance ≈ 0): the MLE does not exist and
    /// coefficients/SEs grow without bound with the iterations.
    Complete { fitted_at_bound: usize },
    /// Some subjects have fitted probabilities numerically 0 or 1 (R's warning "fitted
    /// probabilities numerically 0 or 1 occurred"): quasi-complete separation or an extreme
    /// predictor. Wald p-values are unreliable (Hauck–Donner); prefer profile intervals.
    QuasiComplete { fitted_at_bound: usize },
}

/// One coefficient of a fitted logistic model.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Coefficient {
    pub name: String,
    pub estimate: f64,
    pub std_error: f64,
    /// Wald z = estimate / SE.
    pub z: f64,
    /// Two-sided Wald p = 2Φ(−|z|).
    pub p_value: f64,
    /// exp(estimate).
    pub odds_ratio: f64,
    /// exp(estimate ± z₀.₉₇₅·SE) (R `exp(confint.default(fit))`).
    pub or_wald_ci: (f64, f64),
}

/// A fitted logistic regression (R's `glm` + `summary.glm`).
#[derive(Debug, Clone, serde::Serialize)]
pub struct LogisticFit {
    /// Coefficients, intercept first.
    pub coefficients: Vec<Coefficient>,
    /// Unscaled covariance matrix of the estimates (intercept first), row-major p × p.
    pub covariance: Vec<Vec<f64>>,
    pub null_deviance: f64,
    pub deviance: f64,
    pub df_null: usize,
    pub df_residual: usize,
    pub aic: f64,
    pub iterations: usize,
    pub converged: bool,
    pub separation: Option<Separation>,
    /// Fitted probabilities of the training rows.
    pub fitted: Vec<f64>,
    #[serde(skip)]
    design: DMatrix<f64>,
    #[serde(skip)]
    response: Vec<f64>,
    #[serde(skip)]
    settings: GlmSettings,
}

const LINK_THRESHOLD: f64 = 30.0;

/// R's C `logit_linkinv`: clamps η beyond ±30 to ε/(1+ε) and 1/(1+ε).
fn linkinv(eta: f64) -> f64 {
    let t = if eta < -LINK_THRESHOLD {
        f64::EPSILON
    } else if eta > LINK_THRESHOLD {
        1.0 / f64::EPSILON
    } else {
        eta.exp()
    };
    t / (1.0 + t)
}

/// R's C `logit_mu_eta`: dμ/dη, floored at ε beyond ±30.
fn mu_eta(eta: f64) -> f64 {
    if !(-LINK_THRESHOLD..=LINK_THRESHOLD).contains(&eta) {
        f64::EPSILON
    } else {
        let opexp = 1.0 + eta.exp();
        eta.exp() / (opexp * opexp)
    }
}

/// Binomial deviance Σ 2[y log(y/μ) + (1−y) log((1−y)/(1−μ))] for 0/1 y.
fn binomial_deviance(y: &[f64], mu: &[f64]) -> f64 {
    y.iter()
        .zip(mu)
        .map(|(&yi, &m)| {
            let mut d = 0.0;
            if yi > 0.0 {
                d += yi * (yi / m).ln();
            }
            if yi < 1.0 {
                d += (1.0 - yi) * ((1.0 - yi) / (1.0 - m)).ln();
            }
            2.0 * d
        })
        .sum()
}

struct IrlsResult {
    coefficients: Vec<f64>,
    mu: Vec<f64>,
    deviance: f64,
    iterations: usize,
    converged: bool,
    /// R factor of the QR of the last weighted design (p × p).
    r_factor: DMatrix<f64>,
}

/// `glm.fit` for the binomial family with logit link. `x` includes the intercept column when
/// wanted. `names` label the columns for error messages.
fn irls(
    x: &DMatrix<f64>,
    y: &[f64],
    offset: &[f64],
    eta_start: Option<&[f64]>,
    settings: &GlmSettings,
    names: &[String],
) -> Result<IrlsResult> {
    let n = x.nrows();
    let p = x.ncols();
    let mut eta: Vec<f64> = match eta_start {
        Some(e) => e.to_vec(),
        // binomial()$initialize: mustart = (y + 0.5)/2 with unit weights; η = logit(μ).
        None => y.iter().map(|&yi| super::qlogis((yi + 0.5) / 2.0)).collect(),
    };
    let mut mu: Vec<f64> = eta.iter().map(|&e| linkinv(e)).collect();
    if p == 0 {
        // R's EMPTY model: η = offset.
        let mu: Vec<f64> = offset.iter().map(|&o| linkinv(o)).collect();
        let deviance = binomial_deviance(y, &mu);
        return Ok(IrlsResult {
            coefficients: Vec::new(),
            mu,
            deviance,
            iterations: 0,
            converged: true,
            r_factor: DMatrix::zeros(0, 0),
        });
    }
    if n < p {
        return Err(Error::Stats(format!(
            "logistic regression needs at least as many rows ({n}) as coefficients ({p})"
        )));
    }
    let mut dev_old = binomial_deviance(y, &mu);
    let mut coefficients = vec![0.0; p];
    let mut r_factor = DMatrix::zeros(p, p);
    let mut weighted_x = DMatrix::zeros(n, p);
    let mut weighted_z = DVector::zeros(n);
    let mut deviance = dev_old;
    let mut converged = false;
    let mut iterations = 0;
    for iter in 1..=settings.max_iter {
        iterations = iter;
        for i in 0..n {
            let d = mu_eta(eta[i]);
            let variance = mu[i] * (1.0 - mu[i]);
            let z = (eta[i] - offset[i]) + (y[i] - mu[i]) / d;
            let w = (d * d / variance).sqrt();
            weighted_z[i] = z * w;
            for j in 0..p {
                weighted_x[(i, j)] = x[(i, j)] * w;
            }
        }
        let qr = weighted_x.clone().qr();
        let r = qr.r();
        for j in 0..p {
            let column_norm = weighted_x.column(j).norm();
            if r[(j, j)].abs() <= 1e-11 * column_norm || column_norm == 0.0 {
                return Err(Error::Stats(format!(
                    "predictor '{}' is constant or collinear with the predictors before it (R would report its coefficient as NA)",
                    names.get(j).map_or("?", |s| s.as_str())
                )));
            }
        }
        let qtz = qr.q().transpose() * &weighted_z;
        let solved = r
            .solve_upper_triangular(&qtz)
            .ok_or_else(|| Error::Stats("logistic regression: singular weighted design".into()))?;
        coefficients.copy_from_slice(solved.as_slice());
        r_factor = r;
        let linear = x * &solved;
        for i in 0..n {
            eta[i] = linear[i] + offset[i];
            mu[i] = linkinv(eta[i]);
        }
        deviance = binomial_deviance(y, &mu);
        if !deviance.is_finite() {
            return Err(Error::Stats(
                "logistic regression diverged (non-finite deviance)".into(),
            ));
        }
        if (deviance - dev_old).abs() / (deviance.abs() + 0.1) < settings.epsilon {
            converged = true;
            break;
        }
        dev_old = deviance;
    }
    Ok(IrlsResult {
        coefficients,
        mu,
        deviance,
        iterations,
        converged,
        r_factor,
    })
}

fn with_intercept(x: &DMatrix<f64>) -> DMatrix<f64> {
    let n = x.nrows();
    let mut design = DMatrix::from_element(n, x.ncols() + 1, 1.0);
    design.view_mut((0, 1), (n, x.ncols())).copy_from(x);
    design
}

fn response(y: &[bool]) -> Vec<f64> {
    y.iter().map(|&b| if b { 1.0 } else { 0.0 }).collect()
}

impl LogisticRegression {
    /// Logistic regression with default settings and the given predictor names.
    pub fn with_names(names: Vec<String>) -> Self {
        LogisticRegression {
            settings: GlmSettings::default(),
            names: Some(names),
        }
    }
}

impl Fit for LogisticRegression {
    type Model = LogisticFit;

    fn fit(&self, x: &DMatrix<f64>, y: &[bool]) -> Result<LogisticFit> {
        let settings = self.settings.validate()?;
        check_same_len(x.nrows(), y.len(), "predictor rows", "outcome")?;
        check_finite_matrix(x, self.names.as_deref())?;
        let (events, non_events) = count_classes(y);
        if events == 0 || non_events == 0 {
            return Err(Error::Stats(format!(
                "logistic regression needs both outcomes; got {events} event(s) and {non_events} non-event(s)"
            )));
        }
        let mut names = vec!["(Intercept)".to_string()];
        names.extend((0..x.ncols()).map(|j| column_name(self.names.as_deref(), j)));
        let design = with_intercept(x);
        let yv = response(y);
        let n = yv.len();
        let offset = vec![0.0; n];
        let fit = irls(&design, &yv, &offset, None, &settings, &names)?;
        let p = design.ncols();
        let r_inverse = fit
            .r_factor
            .clone()
            .try_inverse()
            .ok_or_else(|| Error::Stats("logistic regression: singular information matrix".into()))?;
        let covariance = &r_inverse * r_inverse.transpose();
        let z975 = qnorm(0.975);
        let coefficients = (0..p)
            .map(|j| {
                let estimate = fit.coefficients[j];
                let std_error = covariance[(j, j)].sqrt();
                let z = estimate / std_error;
                Coefficient {
                    name: names[j].clone(),
                    estimate,
                    std_error,
                    z,
                    p_value: two_sided_normal_p(z),
                    odds_ratio: estimate.exp(),
                    or_wald_ci: ((estimate - z975 * std_error).exp(), (estimate + z975 * std_error).exp()),
                }
            })
            .collect();
        let mean_y = yv.iter().sum::<f64>() / n as f64;
        let null_deviance = binomial_deviance(&yv, &vec![mean_y; n]);
        // R warns when any fitted μ is within 10ε of 0 or 1.
        let bound = 10.0 * f64::EPSILON;
        let at_bound = fit.mu.iter().filter(|&&m| m > 1.0 - bound || m < bound).count();
        let separation = if fit.deviance < 1e-6 * n as f64 || (!fit.converged && at_bound == n) {
            Some(Separation::Complete {
                fitted_at_bound: at_bound,
            })
        } else if at_bound > 0 || !fit.converged {
            Some(Separation::QuasiComplete {
                fitted_at_bound: at_bound,
            })
        } else {
            None
        };
        Ok(LogisticFit {
            coefficients,
            covariance: (0..p).map(|i| (0..p).map(|j| covariance[(i, j)]).collect()).collect(),
            null_deviance,
            deviance: fit.deviance,
            df_null: n - 1,
            df_residual: n - p,
            // Binomial AIC with 0/1 data: −2 log L = deviance, plus 2 per coefficient.
            aic: fit.deviance + 2.0 * p as f64,
            iterations: fit.iterations,
            converged: fit.converged,
            separation,
            fitted: fit.mu,
            design,
            response: yv,
            settings,
        })
    }
}

impl Predict for LogisticFit {
    fn linear_predictor(&self, x: &DMatrix<f64>) -> Result<Vec<f64>> {
        let p = self.coefficients.len();
        if x.ncols() + 1 != p {
            return Err(Error::Stats(format!(
                "the model has {} predictor(s) but the data have {} column(s)",
                p - 1,
                x.ncols()
            )));
        }
        check_finite_matrix(x, None)?;
        Ok((0..x.nrows())
            .map(|i| {
                self.coefficients[0].estimate
                    + (1..p)
                        .map(|j| self.coefficients[j].estimate * x[(i, j - 1)])
                        .sum::<f64>()
            })
            .collect())
    }
}

/// A profile-likelihood confidence interval on the coefficient scale (exponentiate for the OR).
/// NaN where R gives NA (the profile did not reach the cut-off within its 10 steps).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct ProfileInterval {
    pub lower: f64,
    pub upper: f64,
}

impl LogisticFit {
    /// Profile-likelihood confidence intervals for every coefficient, computed as R's
    /// `confint(glm)` (stats ≥ 4.4, formerly MASS): `profile.glm` with α = (1−level)/4 steps the
    /// coefficient by zmax/5 standard errors (zmax = √χ²₁(1−α)), at most 9 steps each way, refitting
    /// the others with the coefficient as an offset; then an FMM interpolating spline of z against
    /// the coefficient on 3·(points) grid values, inverted by linear interpolation at ±z_{(1−level)/2}.
    /// This is R's interpolation, not an exact root, so it matches R rather than the exact profile.
    pub fn profile_confint(&self, level: f64) -> Result<Vec<ProfileInterval>> {
        if !(level > 0.0 && level < 1.0) {
            return Err(Error::Stats(format!("confidence level must be in (0, 1), got {level}")));
        }
        let alpha = (1.0 - level) / 4.0;
        let zmax = qchisq(1.0 - alpha, 1.0).sqrt();
        let step_size = zmax / 5.0;
        let max_steps = 10;
        let p = self.coefficients.len();
        let n = self.response.len();
        let beta: Vec<f64> = self.coefficients.iter().map(|c| c.estimate).collect();
        let names: Vec<String> = self.coefficients.iter().map(|c| c.name.clone()).collect();
        let full_lp: Vec<f64> = (0..n)
            .map(|i| (0..p).map(|j| self.design[(i, j)] * beta[j]).sum())
            .collect();
        let cutoff = [qnorm((1.0 - level) / 2.0), qnorm(1.0 - (1.0 - level) / 2.0)];
        let mut intervals = Vec::with_capacity(p);
        for i in 0..p {
            let others: Vec<usize> = (0..p).filter(|&j| j != i).collect();
            let reduced = self.design.select_columns(&others);
            let reduced_names: Vec<String> = others.iter().map(|&j| names[j].clone()).collect();
            let mut zs = vec![0.0];
            let mut values = vec![beta[i]];
            for sign in [-1.0, 1.0] {
                let mut lp = full_lp.clone();
                let mut z: f64 = 0.0;
                let mut step = 0;
                loop {
                    step += 1;
                    if step >= max_steps || z.abs() >= zmax {
                        break;
                    }
                    let bi = beta[i] + sign * step as f64 * step_size * self.coefficients[i].std_error;
                    let offset: Vec<f64> = (0..n).map(|r| self.design[(r, i)] * bi).collect();
                    let fit = irls(
                        &reduced,
                        &self.response,
                        &offset,
                        Some(&lp),
                        &self.settings,
                        &reduced_names,
                    )?;
                    for r in 0..n {
                        lp[r] = offset[r]
                            + others
                                .iter()
                                .enumerate()
                                .map(|(k, &j)| self.design[(r, j)] * fit.coefficients[k])
                                .sum::<f64>();
                    }
                    let mut zz = fit.deviance - self.deviance;
                    if zz <= -1e-3 {
                        return Err(Error::Stats(format!(
                            "profiling '{}' found a better fit than the original: the original fit had not converged",
                            names[i]
                        )));
                    }
                    zz = zz.max(0.0);
                    z = sign * zz.sqrt();
                    zs.push(z);
                    values.push(bi);
                }
            }
            // Order the profile points by z (R: order(zi)).
            let mut order: Vec<usize> = (0..zs.len()).collect();
            order.sort_by(|&a, &b| zs[a].total_cmp(&zs[b]));
            let xs: Vec<f64> = order.iter().map(|&k| values[k]).collect();
            let ys: Vec<f64> = order.iter().map(|&k| zs[k]).collect();
            let (grid_x, grid_y) = spline_fmm_grid(&xs, &ys);
            let lower = approx_linear(&grid_y, &grid_x, cutoff[0]);
            let upper = approx_linear(&grid_y, &grid_x, cutoff[1]);
            intervals.push(ProfileInterval { lower, upper });
        }
        Ok(intervals)
    }

    /// Design matrix used for the fit (intercept column first).
    pub fn design(&self) -> &DMatrix<f64> {
        &self.design
    }
}

/// R's `regularize.values(x, y, mean)`: sort by x (stably) and average y over tied x.
fn regularize(x: &[f64], y: &[f64]) -> (Vec<f64>, Vec<f64>) {
    let mut order: Vec<usize> = (0..x.len()).filter(|&i| !x[i].is_nan() && !y[i].is_nan()).collect();
    order.sort_by(|&a, &b| x[a].total_cmp(&x[b]));
    let mut ux: Vec<f64> = Vec::with_capacity(order.len());
    let mut uy: Vec<f64> = Vec::with_capacity(order.len());
    let mut counts: Vec<f64> = Vec::with_capacity(order.len());
    for &i in &order {
        if ux.last() == Some(&x[i]) {
            if let (Some(sum), Some(count)) = (uy.last_mut(), counts.last_mut()) {
                *sum += y[i];
                *count += 1.0;
            }
        } else {
            ux.push(x[i]);
            uy.push(y[i]);
            counts.push(1.0);
        }
    }
    for (sum, count) in uy.iter_mut().zip(&counts) {
        *sum /= count;
    }
    (ux, uy)
}

/// R's `spline(x, y)` with method "fmm" and the default n = 3·length(unique x) grid over
/// [min x, max x] (`seq.int` spacing), returning (grid, spline values).
pub(crate) fn spline_fmm_grid(x: &[f64], y: &[f64]) -> (Vec<f64>, Vec<f64>) {
    let (x, y) = regularize(x, y);
    let nx = x.len();
    if nx == 0 {
        return (Vec::new(), Vec::new());
    }
    let n_out = 3 * nx;
    let (xmin, xmax) = (x[0], x[nx - 1]);
    let grid = seq_length_out(xmin, xmax, n_out);
    let (b, c, d) = fmm_coefficients(&x, &y);
    let values = grid.iter().map(|&u| spline_eval(&x, &y, &b, &c, &d, u)).collect();
    (grid, values)
}

/// R's `seq.int(from, to, length.out = n)` (symmetric fill from both ends, exact end points).
fn seq_length_out(from: f64, to: f64, n: usize) -> Vec<f64> {
    let mut out = vec![from; n];
    if n > 1 {
        out[n - 1] = to;
    }
    if n > 2 {
        let by = (to - from) / (n - 1) as f64;
        for (i, v) in out.iter_mut().enumerate().take(n - 1).skip(1) {
            *v = if i < n / 2 {
                from + i as f64 * by
            } else {
                to - (n - 1 - i) as f64 * by
            };
        }
    }
    out
}

/// Forsythe–Malcolm–Moler cubic spline coefficients (end conditions from the cubics through
/// the first and last four points), as R's `spline_coef(method = "fmm")`.
fn fmm_coefficients(x: &[f64], y: &[f64]) -> (Vec<f64>, Vec<f64>, Vec<f64>) {
    let n = x.len();
    let mut b = vec![0.0; n];
    let mut c = vec![0.0; n];
    let mut d = vec![0.0; n];
    if n < 2 {
        return (b, c, d);
    }
    if n < 3 {
        let t = (y[1] - y[0]) / (x[1] - x[0]);
        b[0] = t;
        b[1] = t;
        return (b, c, d);
    }
    let nm1 = n - 1;
    // Tridiagonal system: b = diagonal, d = off-diagonal, c = right-hand side.
    d[0] = x[1] - x[0];
    c[1] = (y[1] - y[0]) / d[0];
    for i in 1..nm1 {
        d[i] = x[i + 1] - x[i];
        b[i] = 2.0 * (d[i - 1] + d[i]);
        c[i + 1] = (y[i + 1] - y[i]) / d[i];
        c[i] = c[i + 1] - c[i];
    }
    b[0] = -d[0];
    b[nm1] = -d[n - 2];
    c[0] = 0.0;
    c[nm1] = 0.0;
    if n > 3 {
        c[0] = c[2] / (x[3] - x[1]) - c[1] / (x[2] - x[0]);
        c[nm1] = c[n - 2] / (x[nm1] - x[n - 3]) - c[n - 3] / (x[n - 2] - x[n - 4]);
        c[0] = c[0] * d[0] * d[0] / (x[3] - x[0]);
        c[nm1] = -c[nm1] * d[n - 2] * d[n - 2] / (x[nm1] - x[n - 4]);
    }
    for i in 1..n {
        let t = d[i - 1] / b[i - 1];
        b[i] -= t * d[i - 1];
        c[i] -= t * c[i - 1];
    }
    c[nm1] /= b[nm1];
    for i in (0..nm1).rev() {
        c[i] = (c[i] - d[i] * c[i + 1]) / b[i];
    }
    b[nm1] = (y[nm1] - y[n - 2]) / d[n - 2] + d[n - 2] * (c[n - 2] + 2.0 * c[nm1]);
    for i in 0..nm1 {
        b[i] = (y[i + 1] - y[i]) / d[i] - d[i] * (c[i + 1] + 2.0 * c[i]);
        d[i] = (c[i + 1] - c[i]) / d[i];
        c[i] *= 3.0;
    }
    c[nm1] *= 3.0;
    d[nm1] = d[n - 2];
    (b, c, d)
}

/// R's `spline_eval` for a cubic spline (no natural-spline extrapolation rule needed for fmm).
fn spline_eval(x: &[f64], y: &[f64], b: &[f64], c: &[f64], d: &[f64], u: f64) -> f64 {
    let n = x.len();
    // Find i with x[i] ≤ u < x[i+1] by bisection (R keeps i = 0 left of the data).
    let mut i = 0usize;
    let mut j = n;
    while j > i + 1 {
        let k = (i + j) / 2;
        if u < x[k] {
            j = k;
        } else {
            i = k;
        }
    }
    let dx = u - x[i];
    y[i] + dx * (b[i] + dx * (c[i] + dx * d[i]))
}

/// R's `approx(x, y, xout)` (linear, rule = 1: NaN outside the data), after regularizing x.
pub(crate) fn approx_linear(x: &[f64], y: &[f64], v: f64) -> f64 {
    let (x, y) = regularize(x, y);
    let n = x.len();
    if n == 0 || v.is_nan() || v < x[0] || v > x[n - 1] {
        return f64::NAN;
    }
    let mut i = 0usize;
    let mut j = n - 1;
    while i + 1 < j {
        let k = (i + j) / 2;
        if v < x[k] {
            j = k;
        } else {
            i = k;
        }
    }
    if v == x[j] {
        return y[j];
    }
    if v == x[i] {
        return y[i];
    }
    y[i] + (y[j] - y[i]) * ((v - x[i]) / (x[j] - x[i]))
}

/// One predictor's univariate logistic model (screening).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct UnivariateResult {
    pub name: String,
    /// The predictor's coefficient (not the intercept).
    pub coefficient: Coefficient,
    pub converged: bool,
    pub separation: Option<Separation>,
}

/// Fit `y ~ x_j` for every column j and report the predictor's coefficient, OR, Wald CI and p.
pub fn univariate_screening(x: &DMatrix<f64>, y: &[bool], names: &[String]) -> Result<Vec<UnivariateResult>> {
    check_same_len(x.ncols(), names.len(), "predictor columns", "names")?;
    (0..x.ncols())
        .map(|j| {
            let model = LogisticRegression::with_names(vec![names[j].clone()]);
            let column = x.columns(j, 1).into_owned();
            let fit = model.fit(&column, y)?;
            let coefficient = fit
                .coefficients
                .get(1)
                .cloned()
                .ok_or_else(|| Error::Stats("missing coefficient".into()))?;
            Ok(UnivariateResult {
                name: names[j].clone(),
                coefficient,
                converged: fit.converged,
                separation: fit.separation,
            })
        })
        .collect()
}

/// Result of backward elimination.
#[derive(Debug, Clone, serde::Serialize)]
pub struct BackwardResult {
    /// Names kept in the final model, in their original order.
    pub kept: Vec<String>,
    /// Names removed, in removal order, with the Wald p that removed them.
    pub removed: Vec<(String, f64)>,
    /// The final fit (None when every predictor was removed).
    pub final_fit: Option<LogisticFit>,
}

/// Backward elimination on the Wald p-value: fit, drop the predictor with the largest p if that
/// p ≥ `threshold` (0.05 in the usual protocol), refit, repeat. Ties in p drop the leftmost
/// predictor. Each predictor is one column (one-df terms), so its Wald χ² test is its z test.
pub fn backward_elimination(x: &DMatrix<f64>, y: &[bool], names: &[String], threshold: f64) -> Result<BackwardResult> {
    check_same_len(x.ncols(), names.len(), "predictor columns", "names")?;
    if !(threshold > 0.0 && threshold <= 1.0) {
        return Err(Error::setting(
            "stepwise.threshold",
            format!("must be in (0, 1], got {threshold}"),
        ));
    }
    let mut active: Vec<usize> = (0..x.ncols()).collect();
    let mut removed = Vec::new();
    while !active.is_empty() {
        let sub = x.select_columns(&active);
        let model = LogisticRegression::with_names(active.iter().map(|&j| names[j].clone()).collect());
        let fit = model.fit(&sub, y)?;
        let mut worst: Option<(usize, f64)> = None;
        for (k, c) in fit.coefficients.iter().enumerate().skip(1) {
            let p = if c.p_value.is_nan() { 1.0 } else { c.p_value };
            if worst.is_none_or(|(_, wp)| p > wp) {
                worst = Some((k - 1, p));
            }
        }
        match worst {
            Some((k, p)) if p >= threshold => {
                let j = active.remove(k);
                removed.push((names[j].clone(), p));
            }
            _ => {
                return Ok(BackwardResult {
                    kept: active.iter().map(|&j| names[j].clone()).collect(),
                    removed,
                    final_fit: Some(fit),
                });
            }
        }
    }
    Ok(BackwardResult {
        kept: Vec::new(),
        removed,
        final_fit: None,
    })
}

/// Coefficients of the binomial GLM `y ~ design + offset(offset)` fitted as R's glm.fit (the
/// design includes any intercept column). Used for calibration intercept/slope.
pub(crate) fn logistic_offset_fit(design: &DMatrix<f64>, y: &[f64], offset: &[f64]) -> Result<Vec<f64>> {
    let names: Vec<String> = (0..design.ncols()).map(|j| format!("column {}", j + 1)).collect();
    Ok(irls(design, y, offset, None, &GlmSettings::default(), &names)?.coefficients)
}
