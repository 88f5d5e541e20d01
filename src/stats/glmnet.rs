//! LASSO logistic regression as R's glmnet 4.1-8 computes it (`family = "binomial"`, α = 1),
//! and `cv.glmnet`.
//!
//! Objective: −(1/n)Σ[yᵢηᵢ − log(1 + e^{ηᵢ})] + λΣ|βⱼ| with an unpenalised intercept, solved on
//! internally standardised predictors (mean 0, 1/n standard deviation 1) and back-transformed
//! (βⱼ = β̃ⱼ/sⱼ, β₀ = β̃₀ − Σβⱼx̄ⱼ). The path follows glmnet's `lognet` two-class solver:
//! λ_max = max|⟨x̃ⱼ, y − ȳ⟩|/n, λₖ = λ_max·r^{k/(nlambda−1)} (r = lambda.min.ratio: 1e-4 when
//! n ≥ p, else 1e-2), sequential strong rules, Newton (IRLS) outer loop, cyclic coordinate descent
//! on the strong set and then on the active set, convergence when max_j x̃ⱼᵀWx̃ⱼ·Δβⱼ² < thresh·dev₀,
//! and the early path stop (after 5 λ: dev.ratio > 0.999 or a deviance gain < fdev = 1e-5).

use super::roc;
use super::{Fit, Predict, SplitMix64, check_finite_matrix, check_same_len, column_name, count_classes};
use crate::{Error, Result};
use nalgebra::DMatrix;

/// glmnet's `glmnet.control()` constants and path settings.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct LassoSettings {
    /// Number of λ values (R `nlambda`, 100).
    pub nlambda: usize,
    /// Smallest λ as a fraction of λ_max; `None` = glmnet's rule (1e-4 if n ≥ p, else 1e-2).
    pub lambda_min_ratio: Option<f64>,
    /// A user-supplied decreasing λ sequence (overrides nlambda and the ratio; no early stop).
    pub lambda: Option<Vec<f64>>,
    /// Standardise predictors internally (R `standardize = TRUE`).
    pub standardize: bool,
    /// Convergence threshold (R `thresh`, 1e-7).
    pub thresh: f64,
    /// Maximum coordinate-descent passes over all λ (R `maxit`, 1e5).
    pub maxit: usize,
    /// Minimum fractional deviance gain to continue the path (`fdev`, 1e-5).
    pub fdev: f64,
    /// Maximum dev.ratio before stopping (`devmax`, 0.999).
    pub devmax: f64,
    /// Minimum number of λ fitted before early stopping may happen (`mnlam`, 5).
    pub mnlam: usize,
}

impl Default for LassoSettings {
    fn default() -> Self {
        LassoSettings {
            nlambda: 100,
            lambda_min_ratio: None,
            lambda: None,
            standardize: true,
            thresh: 1e-7,
            maxit: 100_000,
            fdev: 1e-5,
            devmax: 0.999,
            mnlam: 5,
        }
    }
}

impl LassoSettings {
    /// Check the settings and resolve the λ-ratio rule for n observations and p predictors.
    fn checked_ratio(&self, n: usize, p: usize) -> Result<f64> {
        if self.nlambda < 1 {
            return Err(Error::setting("lasso.nlambda", "must be at least 1"));
        }
        let valid = self.thresh > 0.0 && self.fdev >= 0.0 && self.devmax > 0.0 && self.devmax <= 1.0;
        if !valid {
            return Err(Error::setting(
                "lasso.thresh/fdev/devmax",
                format!(
                    "invalid: thresh {}, fdev {}, devmax {}",
                    self.thresh, self.fdev, self.devmax
                ),
            ));
        }
        if let Some(lambda) = &self.lambda {
            if lambda.is_empty() || lambda.iter().any(|l| l.is_nan() || *l < 0.0 || !l.is_finite()) {
                return Err(Error::setting("lasso.lambda", "must be non-negative finite values"));
            }
            if lambda.windows(2).any(|w| w[1] > w[0]) {
                return Err(Error::setting("lasso.lambda", "must be decreasing"));
            }
        }
        let ratio = self.lambda_min_ratio.unwrap_or(if n < p { 1e-2 } else { 1e-4 });
        if !(ratio > 0.0 && ratio < 1.0) {
            return Err(Error::setting(
                "lasso.lambda_min_ratio",
                format!("must be in (0, 1), got {ratio}"),
            ));
        }
        Ok(ratio)
    }
}

/// A fitted LASSO path on the original predictor scale.
#[derive(Debug, Clone, serde::Serialize)]
pub struct LassoPath {
    /// λ values (decreasing); the first is λ_max (R's `fix.lam`).
    pub lambda: Vec<f64>,
    /// Intercepts, one per λ.
    pub a0: Vec<f64>,
    /// Coefficients, one vector of p per λ.
    pub beta: Vec<Vec<f64>>,
    /// Fraction of null deviance explained, per λ.
    pub dev_ratio: Vec<f64>,
    /// Null deviance (−2 log-likelihood of the intercept-only model, R `nulldev`).
    pub null_deviance: f64,
    /// Number of non-zero coefficients per λ.
    pub df: Vec<usize>,
    /// Total coordinate-descent passes.
    pub passes: usize,
    /// Predictor names.
    pub names: Vec<String>,
}

const PMIN: f64 = 1e-9;
const BIG: f64 = 9.9e35;

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// Fit the LASSO logistic path (R `glmnet(x, y, family = "binomial")`).
pub fn glmnet_binomial(
    x: &DMatrix<f64>,
    y: &[bool],
    names: Option<&[String]>,
    settings: &LassoSettings,
) -> Result<LassoPath> {
    let n = x.nrows();
    let p = x.ncols();
    check_same_len(n, y.len(), "predictor rows", "outcome")?;
    check_finite_matrix(x, names)?;
    if p == 0 {
        return Err(Error::Stats("LASSO needs at least one predictor".into()));
    }
    let (events, non_events) = count_classes(y);
    if events <= 1 || non_events <= 1 {
        return Err(Error::Stats(format!(
            "one binomial class has 1 or 0 observations ({events} event(s), {non_events} non-event(s)); glmnet does not allow this"
        )));
    }
    let flmin = settings.checked_ratio(n, p)?;
    let names: Vec<String> = (0..p).map(|j| column_name(names, j)).collect();
    let w = 1.0 / n as f64;
    let yv: Vec<f64> = y.iter().map(|&b| if b { 1.0 } else { 0.0 }).collect();

    // Standardise (weighted mean, 1/n SD); constant columns are excluded (glmnet's ju = 0).
    let mut xs = Vec::with_capacity(n * p);
    let mut means = vec![0.0; p];
    let mut scales = vec![1.0; p];
    let mut usable = vec![true; p];
    for j in 0..p {
        let column = x.column(j);
        let first = column[0];
        usable[j] = column.iter().any(|&v| v != first);
        let mean = column.iter().map(|v| w * v).sum::<f64>();
        let start = xs.len();
        xs.extend(column.iter().map(|v| v - mean));
        let sd = xs[start..].iter().map(|v| w * v * v).sum::<f64>().sqrt();
        if settings.standardize && usable[j] {
            for v in &mut xs[start..] {
                *v /= sd;
            }
            scales[j] = sd;
        }
        means[j] = mean;
    }
    let col = |j: usize| &xs[j * n..(j + 1) * n];

    let mut xv = vec![0.0; p];
    // Null model.
    let q0 = yv.iter().map(|v| w * v).sum::<f64>();
    let bz = (q0 / (1.0 - q0)).ln();
    let vi = q0 * (1.0 - q0);
    let mut b0 = bz;
    let mut b = vec![0.0; p];
    let mut v = vec![w * vi; n];
    let mut r: Vec<f64> = yv.iter().map(|&yi| w * (yi - q0)).collect();
    let mut q = vec![q0; n];
    let mut xmz = vi;
    let dev1 = -(bz * q0 + (1.0 - q0).ln());
    let dev0 = dev1; // + Σ w y log y terms, all zero for 0/1 outcomes
    let fmax = (1.0 / PMIN - 1.0).ln();
    let fmin = -fmax;
    let vmin = (1.0 + PMIN) * PMIN * (1.0 - PMIN);
    let user_lambda = settings.lambda.clone();
    let nlam = user_lambda.as_ref().map_or(settings.nlambda, |l| l.len());
    let alf = if user_lambda.is_none() && nlam > 1 {
        flmin.max(1e-6).powf(1.0 / (nlam - 1) as f64)
    } else {
        1.0
    };
    let shr = settings.thresh * dev0;
    let mnl = settings.mnlam.min(nlam);
    let ne = p + 1; // dfmax default
    let mut ga: Vec<f64> = (0..p)
        .map(|j| if usable[j] { dot(&r, col(j)).abs() } else { 0.0 })
        .collect();
    let mut strong = vec![false; p];
    let mut active_pos = vec![usize::MAX; p];
    let mut active: Vec<usize> = Vec::new();
    let mut bs = vec![0.0; p];
    let mut nlp = 0usize;
    let mut al = 0.0f64;

    let mut out_lambda = Vec::new();
    let mut out_a0 = Vec::new();
    let mut out_beta: Vec<Vec<f64>> = Vec::new();
    let mut out_dev = Vec::new();

    for ilm in 0..nlam {
        let mut al0 = al;
        if let Some(lambda) = &user_lambda {
            al = lambda[ilm];
        } else if ilm >= 2 {
            al *= alf;
        } else if ilm == 0 {
            al = BIG;
        } else {
            al0 = ga
                .iter()
                .zip(&usable)
                .filter(|(_, u)| **u)
                .map(|(g, _)| *g)
                .fold(0.0, f64::max);
            al = alf * al0;
        }
        let tlam = 2.0 * al - al0;
        for k in 0..p {
            if !strong[k] && usable[k] && ga[k] > tlam {
                strong[k] = true;
            }
        }
        'irls: loop {
            let bs0 = b0;
            for &k in &active {
                bs[k] = b[k];
            }
            for k in 0..p {
                if strong[k] {
                    xv[k] = col(k).iter().zip(&v).map(|(xi, vi)| vi * xi * xi).sum();
                }
            }
            // Coordinate descent: a sweep over the strong set, then sweeps over the active set
            // until converged, then another strong-set sweep, until that sweep changes nothing.
            loop {
                nlp += 1;
                let mut dlx = 0.0f64;
                for k in 0..p {
                    if !strong[k] {
                        continue;
                    }
                    dlx = dlx.max(update_coordinate(k, col(k), &mut b, &xv, &mut r, &v, al));
                    if b[k] != 0.0 && active_pos[k] == usize::MAX {
                        active_pos[k] = active.len();
                        active.push(k);
                    }
                }
                dlx = dlx.max(update_intercept(&mut b0, &mut r, &v, xmz));
                if dlx < shr {
                    break;
                }
                if nlp > settings.maxit {
                    return Err(Error::Stats(format!(
                        "LASSO coordinate descent did not converge within {} passes (at λ number {})",
                        settings.maxit,
                        ilm + 1
                    )));
                }
                loop {
                    nlp += 1;
                    let mut dlx = 0.0f64;
                    for &k in &active {
                        dlx = dlx.max(update_coordinate(k, col(k), &mut b, &xv, &mut r, &v, al));
                    }
                    dlx = dlx.max(update_intercept(&mut b0, &mut r, &v, xmz));
                    if dlx < shr {
                        break;
                    }
                    if nlp > settings.maxit {
                        return Err(Error::Stats(format!(
                            "LASSO coordinate descent did not converge within {} passes (at λ number {})",
                            settings.maxit,
                            ilm + 1
                        )));
                    }
                }
            }
            // New quadratic approximation.
            for i in 0..n {
                let mut fi = b0;
                for &k in &active {
                    fi += b[k] * xs[k * n + i];
                }
                q[i] = if fi < fmin {
                    0.0
                } else if fi > fmax {
                    1.0
                } else {
                    1.0 / (1.0 + (-fi).exp())
                };
            }
            for i in 0..n {
                v[i] = w * q[i] * (1.0 - q[i]);
                r[i] = w * (yv[i] - q[i]);
            }
            xmz = v.iter().sum();
            if xmz <= vmin {
                break 'irls;
            }
            if xmz * (b0 - bs0).powi(2) < shr && active.iter().all(|&k| xv[k] * (b[k] - bs[k]).powi(2) < shr) {
                // Converged on the strong set: check the KKT conditions of the others.
                let mut violated = false;
                for k in 0..p {
                    if strong[k] || !usable[k] {
                        continue;
                    }
                    ga[k] = dot(&r, col(k)).abs();
                    if ga[k] > al {
                        strong[k] = true;
                        violated = true;
                    }
                }
                if !violated {
                    break 'irls;
                }
            }
        }
        let devi = binomial_dev2(&yv, &q, w);
        let dev_ratio = (dev1 - devi) / dev0;
        out_lambda.push(al);
        out_a0.push(b0);
        out_beta.push(b.clone());
        out_dev.push(dev_ratio);
        if xmz <= vmin {
            break;
        }
        if ilm + 1 < mnl || user_lambda.is_some() {
            continue;
        }
        let nonzero = active.iter().filter(|&&k| b[k] != 0.0).count();
        if nonzero > ne || dev_ratio > settings.devmax {
            break;
        }
        if let Some(prev) = out_dev.len().checked_sub(2).map(|i| out_dev[i])
            && dev_ratio - prev < settings.fdev
        {
            break;
        }
    }
    // R's fix.lam: the first λ is reported as exp(2 log λ₂ − log λ₃) (= λ_max).
    if user_lambda.is_none() && out_lambda.len() >= 3 {
        out_lambda[0] = (2.0 * out_lambda[1].ln() - out_lambda[2].ln()).exp();
    } else if user_lambda.is_none() && !out_lambda.is_empty() && out_lambda[0] == BIG {
        out_lambda[0] = out_lambda.get(1).map_or(f64::NAN, |l| l / alf);
    }
    // Back to the original scale.
    let mut beta_orig = Vec::with_capacity(out_beta.len());
    let mut a0_orig = Vec::with_capacity(out_beta.len());
    let mut df = Vec::with_capacity(out_beta.len());
    for (bt, a0) in out_beta.iter().zip(&out_a0) {
        let beta: Vec<f64> = (0..p).map(|j| bt[j] / scales[j]).collect();
        let intercept = a0 - (0..p).map(|j| beta[j] * means[j]).sum::<f64>();
        df.push(beta.iter().filter(|&&v| v != 0.0).count());
        beta_orig.push(beta);
        a0_orig.push(intercept);
    }
    Ok(LassoPath {
        lambda: out_lambda,
        a0: a0_orig,
        beta: beta_orig,
        dev_ratio: out_dev,
        null_deviance: 2.0 * n as f64 * dev0,
        df,
        passes: nlp,
        names,
    })
}

/// One soft-thresholded Newton coordinate update; returns xvₖ·Δ² (glmnet's convergence measure).
fn update_coordinate(k: usize, xk: &[f64], b: &mut [f64], xv: &[f64], r: &mut [f64], v: &[f64], al: f64) -> f64 {
    let bk = b[k];
    let gk = dot(r, xk);
    let u = gk + xv[k] * bk;
    let au = u.abs() - al;
    b[k] = if au <= 0.0 { 0.0 } else { au.copysign(u) / xv[k] };
    let d = b[k] - bk;
    if d == 0.0 {
        return 0.0;
    }
    for ((ri, vi), xi) in r.iter_mut().zip(v).zip(xk) {
        *ri -= d * vi * xi;
    }
    xv[k] * d * d
}

fn update_intercept(b0: &mut f64, r: &mut [f64], v: &[f64], xmz: f64) -> f64 {
    let d = r.iter().sum::<f64>() / xmz;
    if d == 0.0 {
        return 0.0;
    }
    *b0 += d;
    for (ri, vi) in r.iter_mut().zip(v) {
        *ri -= d * vi;
    }
    xmz * d * d
}

/// glmnet's `dev2`: −Σ w[y log p + (1−y) log(1−p)] with p clipped to [pmin, 1−pmin].
fn binomial_dev2(y: &[f64], q: &[f64], w: f64) -> f64 {
    let pmax = 1.0 - PMIN;
    -y.iter()
        .zip(q)
        .map(|(&yi, &qi)| {
            let pi = qi.clamp(PMIN, pmax);
            w * (yi * pi.ln() + (1.0 - yi) * (1.0 - pi).ln())
        })
        .sum::<f64>()
}

impl LassoPath {
    /// Intercept and coefficients at penalty `s`, linearly interpolated in λ between the two
    /// neighbouring path values, with `s` outside the path clamped (R `lambda.interp`).
    pub fn coef_at(&self, s: f64) -> (f64, Vec<f64>) {
        let k = self.lambda.len();
        let p = self.names.len();
        if k == 0 {
            return (f64::NAN, vec![f64::NAN; p]);
        }
        if k == 1 {
            return (self.a0[0], self.beta[0].clone());
        }
        let first = self.lambda[0];
        let last = self.lambda[k - 1];
        let s = s.clamp(last, first);
        let sfrac = (first - s) / (first - last);
        let scaled: Vec<f64> = self.lambda.iter().map(|l| (first - l) / (first - last)).collect();
        // approx(scaled, 1..k, sfrac): fractional 0-based position.
        let mut lo = 0usize;
        let mut hi = k - 1;
        while lo + 1 < hi {
            let mid = (lo + hi) / 2;
            if sfrac < scaled[mid] {
                hi = mid;
            } else {
                lo = mid;
            }
        }
        let coord = if sfrac == scaled[hi] {
            hi as f64
        } else if sfrac == scaled[lo] {
            lo as f64
        } else {
            lo as f64 + (sfrac - scaled[lo]) / (scaled[hi] - scaled[lo])
        };
        let left = coord.floor() as usize;
        let right = coord.ceil() as usize;
        let mut frac = if left == right || (scaled[left] - scaled[right]).abs() < f64::EPSILON {
            1.0
        } else {
            (sfrac - scaled[right]) / (scaled[left] - scaled[right])
        };
        if !frac.is_finite() {
            frac = 1.0;
        }
        let a0 = self.a0[left] * frac + self.a0[right] * (1.0 - frac);
        let beta = (0..p)
            .map(|j| self.beta[left][j] * frac + self.beta[right][j] * (1.0 - frac))
            .collect();
        (a0, beta)
    }

    /// Linear predictors for the rows of `x` at each penalty in `s`: `result[s_index][row]`.
    pub fn predict_link(&self, x: &DMatrix<f64>, s: &[f64]) -> Result<Vec<Vec<f64>>> {
        if x.ncols() != self.names.len() {
            return Err(Error::Stats(format!(
                "the LASSO path has {} predictor(s) but the data have {} column(s)",
                self.names.len(),
                x.ncols()
            )));
        }
        check_finite_matrix(x, Some(&self.names))?;
        Ok(s.iter()
            .map(|&lam| {
                let (a0, beta) = self.coef_at(lam);
                (0..x.nrows())
                    .map(|i| a0 + (0..beta.len()).map(|j| beta[j] * x[(i, j)]).sum::<f64>())
                    .collect()
            })
            .collect())
    }
}

/// Performance measures of binomial predictions (glmnet `assess.glmnet` / `cv.lognet`).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Assessment {
    /// Mean of −2[y log p + (1−y) log(1−p)], p clipped to [1e-5, 1−1e-5].
    pub deviance: f64,
    /// Misclassification rate (an event with p ≤ ½ or a non-event with p ≥ ½ counts as an error).
    pub class: f64,
    /// AUC with ties counted ½ (glmnet breaks ties at random; equal when there are none).
    pub auc: f64,
    /// Mean of (y₁ − (1−p))² + (y₂ − p)² = 2(y − p)².
    pub mse: f64,
    /// Mean of 2|y − p|.
    pub mae: f64,
}

/// Measures of probabilities `prob` against outcomes `y`.
pub fn assess(prob: &[f64], y: &[bool]) -> Result<Assessment> {
    check_same_len(prob.len(), y.len(), "predictions", "outcome")?;
    let n = prob.len() as f64;
    let mut deviance = 0.0;
    let mut class = 0.0;
    let mut mse = 0.0;
    let mut mae = 0.0;
    for (&p, &event) in prob.iter().zip(y) {
        deviance += binomial_cv_deviance(p, event);
        class += misclassified(p, event);
        let yi = if event { 1.0 } else { 0.0 };
        mse += 2.0 * (yi - p).powi(2);
        mae += 2.0 * (yi - p).abs();
    }
    let auc = roc::auc(prob, y).unwrap_or(f64::NAN);
    Ok(Assessment {
        deviance: deviance / n,
        class: class / n,
        auc,
        mse: mse / n,
        mae: mae / n,
    })
}

fn binomial_cv_deviance(p: f64, event: bool) -> f64 {
    let p = p.clamp(1e-5, 1.0 - 1e-5);
    if event { -2.0 * p.ln() } else { -2.0 * (1.0 - p).ln() }
}

fn misclassified(p: f64, event: bool) -> f64 {
    let wrong = if event { p <= 0.5 } else { p >= 0.5 };
    if wrong { 1.0 } else { 0.0 }
}

/// cv.glmnet's `type.measure`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum CvMeasure {
    Deviance,
    Auc,
    Class,
}

/// How the folds are assigned.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Folds {
    /// Fold ids 1..=K per row, as R's `foldid`.
    Given(Vec<usize>),
    /// `sample(rep(1:K, length = n))` with radscore's seeded generator (not R's stream).
    Seeded { nfolds: usize, seed: u64 },
}

/// Cross-validation settings.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct CvSettings {
    pub lasso: LassoSettings,
    pub measure: CvMeasure,
    pub folds: Folds,
}

impl Default for CvSettings {
    fn default() -> Self {
        CvSettings {
            lasso: LassoSettings::default(),
            measure: CvMeasure::Deviance,
            folds: Folds::Seeded { nfolds: 10, seed: 1 },
        }
    }
}

/// Result of `cv.glmnet`.
#[derive(Debug, Clone, serde::Serialize)]
pub struct CvResult {
    /// The full-data path (its λ grid is the CV grid).
    pub fit: LassoPath,
    pub lambda: Vec<f64>,
    /// Mean cross-validated measure per λ.
    pub cvm: Vec<f64>,
    /// Its standard error per λ.
    pub cvsd: Vec<f64>,
    /// Non-zero coefficients per λ.
    pub nzero: Vec<usize>,
    /// The measure actually used (AUC falls back to deviance with < 10 rows per fold, as R).
    pub measure: CvMeasure,
    pub lambda_min: f64,
    pub lambda_1se: f64,
    /// 0-based positions of lambda_min and lambda_1se in `lambda`.
    pub index_min: usize,
    pub index_1se: usize,
    /// Fold id (1..=K) of each row.
    pub foldid: Vec<usize>,
}

/// Resolve the fold assignment to ids 1..=K, validated.
pub fn resolve_folds(folds: &Folds, n: usize) -> Result<Vec<usize>> {
    match folds {
        Folds::Given(ids) => {
            check_same_len(ids.len(), n, "foldid", "outcome")?;
            let k = ids.iter().copied().max().unwrap_or(0);
            if let Some(i) = ids.iter().position(|&f| f == 0) {
                return Err(Error::Stats(format!(
                    "foldid of row {} is 0; fold ids start at 1",
                    i + 1
                )));
            }
            if k < 3 {
                return Err(Error::Stats(format!(
                    "cv.glmnet needs at least 3 folds; the fold ids give {k}"
                )));
            }
            for f in 1..=k {
                if !ids.contains(&f) {
                    return Err(Error::Stats(format!("fold {f} of 1..{k} has no rows")));
                }
            }
            Ok(ids.clone())
        }
        Folds::Seeded { nfolds, seed } => {
            if *nfolds < 3 || *nfolds > n {
                return Err(Error::setting("cv.nfolds", format!("must be in 3..={n}, got {nfolds}")));
            }
            let mut ids: Vec<usize> = (0..n).map(|i| i % nfolds + 1).collect();
            SplitMix64(*seed).shuffle(&mut ids);
            Ok(ids)
        }
    }
}

/// `cv.glmnet(x, y, family = "binomial", foldid = ...)`: the full path fixes the λ grid; each fold
/// is fitted on its own λ path (its own λ_max and early stop) and predicted at the full-data λ by
/// `lambda.interp`; fold means are weighted by fold size; lambda.min is the largest λ attaining the
/// best mean, lambda.1se the largest λ within one standard error of it.
pub fn cv_glmnet(x: &DMatrix<f64>, y: &[bool], names: Option<&[String]>, settings: &CvSettings) -> Result<CvResult> {
    let n = x.nrows();
    let fit = glmnet_binomial(x, y, names, &settings.lasso)?;
    let foldid = resolve_folds(&settings.folds, n)?;
    let nfolds = foldid.iter().copied().max().unwrap_or(0);
    let mut measure = settings.measure;
    if measure == CvMeasure::Auc && (n as f64) / (nfolds as f64) < 10.0 {
        measure = CvMeasure::Deviance;
    }
    let nlam = fit.lambda.len();
    let mut fold_means = vec![vec![0.0; nlam]; nfolds];
    let mut fold_weights = vec![0.0; nfolds];
    for f in 1..=nfolds {
        let train: Vec<usize> = (0..n).filter(|&i| foldid[i] != f).collect();
        let test: Vec<usize> = (0..n).filter(|&i| foldid[i] == f).collect();
        let x_train = x.select_rows(&train);
        let y_train: Vec<bool> = train.iter().map(|&i| y[i]).collect();
        let mut fold_settings = settings.lasso.clone();
        fold_settings.lambda = settings.lasso.lambda.clone();
        let fold_fit = glmnet_binomial(&x_train, &y_train, names, &fold_settings)
            .map_err(|e| Error::Stats(format!("cross-validation fold {f}: {e}")))?;
        let x_test = x.select_rows(&test);
        let y_test: Vec<bool> = test.iter().map(|&i| y[i]).collect();
        let links = fold_fit.predict_link(&x_test, &fit.lambda)?;
        fold_weights[f - 1] = test.len() as f64;
        for (l, link) in links.iter().enumerate() {
            let prob: Vec<f64> = link.iter().map(|&e| 1.0 / (1.0 + (-e).exp())).collect();
            fold_means[f - 1][l] = match measure {
                CvMeasure::Deviance => {
                    prob.iter()
                        .zip(&y_test)
                        .map(|(&p, &e)| binomial_cv_deviance(p, e))
                        .sum::<f64>()
                        / prob.len() as f64
                }
                CvMeasure::Class => {
                    prob.iter()
                        .zip(&y_test)
                        .map(|(&p, &e)| misclassified(p, e))
                        .sum::<f64>()
                        / prob.len() as f64
                }
                CvMeasure::Auc => roc::auc(&prob, &y_test).unwrap_or(f64::NAN),
            };
        }
    }
    let total_weight: f64 = fold_weights.iter().sum();
    let mut cvm = vec![0.0; nlam];
    let mut cvsd = vec![0.0; nlam];
    for l in 0..nlam {
        // NaN fold values (an AUC fold with one class) are dropped, as R's na.rm = TRUE.
        let pairs: Vec<(f64, f64)> = (0..nfolds)
            .filter(|&f| !fold_means[f][l].is_nan())
            .map(|f| (fold_means[f][l], fold_weights[f]))
            .collect();
        let wsum: f64 = pairs.iter().map(|(_, w)| w).sum();
        let mean = pairs.iter().map(|(m, w)| m * w).sum::<f64>() / wsum;
        let var = pairs.iter().map(|(m, w)| w * (m - mean).powi(2)).sum::<f64>() / wsum;
        cvm[l] = mean;
        cvsd[l] = (var / (nfolds as f64 - 1.0)).sqrt();
    }
    let _ = total_weight;
    // For AUC larger is better: R negates before choosing.
    let sign = if measure == CvMeasure::Auc { -1.0 } else { 1.0 };
    let best = cvm
        .iter()
        .map(|m| sign * m)
        .filter(|m| !m.is_nan())
        .fold(f64::INFINITY, f64::min);
    let index_min = (0..nlam)
        .filter(|&l| sign * cvm[l] <= best)
        .max_by(|&a, &b| fit.lambda[a].total_cmp(&fit.lambda[b]))
        .ok_or_else(|| Error::Stats("cross-validation produced no finite measure".into()))?;
    let bound = sign * cvm[index_min] + cvsd[index_min];
    let index_1se = (0..nlam)
        .filter(|&l| sign * cvm[l] <= bound)
        .max_by(|&a, &b| fit.lambda[a].total_cmp(&fit.lambda[b]))
        .unwrap_or(index_min);
    Ok(CvResult {
        lambda: fit.lambda.clone(),
        nzero: fit.df.clone(),
        lambda_min: fit.lambda[index_min],
        lambda_1se: fit.lambda[index_1se],
        index_min,
        index_1se,
        cvm,
        cvsd,
        measure,
        foldid,
        fit,
    })
}

/// Coefficients of a LASSO model at one λ, on the original scale; implements [`Predict`].
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct LassoModel {
    pub lambda: f64,
    pub intercept: f64,
    pub coefficients: Vec<f64>,
    pub names: Vec<String>,
}

impl LassoModel {
    /// Names of the predictors with non-zero coefficients (the selected features).
    pub fn selected(&self) -> Vec<String> {
        self.names
            .iter()
            .zip(&self.coefficients)
            .filter(|(_, c)| **c != 0.0)
            .map(|(n, _)| n.clone())
            .collect()
    }
}

impl Predict for LassoModel {
    fn linear_predictor(&self, x: &DMatrix<f64>) -> Result<Vec<f64>> {
        if x.ncols() != self.coefficients.len() {
            return Err(Error::Stats(format!(
                "the LASSO model has {} predictor(s) but the data have {} column(s)",
                self.coefficients.len(),
                x.ncols()
            )));
        }
        check_finite_matrix(x, Some(&self.names))?;
        Ok((0..x.nrows())
            .map(|i| {
                self.intercept
                    + self
                        .coefficients
                        .iter()
                        .enumerate()
                        .map(|(j, b)| b * x[(i, j)])
                        .sum::<f64>()
            })
            .collect())
    }
}

/// Which λ of cv.glmnet to use (R `coef(cvfit, s = ...)`, default "lambda.1se").
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum LambdaChoice {
    Min,
    OneSe,
}

impl CvResult {
    /// The model at lambda.min or lambda.1se.
    pub fn model(&self, choice: LambdaChoice) -> LassoModel {
        let lambda = match choice {
            LambdaChoice::Min => self.lambda_min,
            LambdaChoice::OneSe => self.lambda_1se,
        };
        let (intercept, coefficients) = self.fit.coef_at(lambda);
        LassoModel {
            lambda,
            intercept,
            coefficients,
            names: self.fit.names.clone(),
        }
    }
}

/// The whole "cv.glmnet, then take the model at lambda.min/1se" procedure as a [`Fit`], for use
/// inside bootstrap validation.
#[derive(Debug, Clone)]
pub struct LassoCv {
    pub settings: CvSettings,
    pub choice: LambdaChoice,
    pub names: Option<Vec<String>>,
}

impl Fit for LassoCv {
    type Model = LassoModel;
    fn fit(&self, x: &DMatrix<f64>, y: &[bool]) -> Result<LassoModel> {
        Ok(cv_glmnet(x, y, self.names.as_deref(), &self.settings)?.model(self.choice))
    }
}
