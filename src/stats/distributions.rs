//! Distribution functions with R's argument conventions (`pnorm`, `qnorm`, `pchisq`, `pf`, `qf`),
//! wrapping `statrs` so that no invalid argument can panic: out-of-domain input gives NaN.

use statrs::distribution::{ChiSquared, ContinuousCDF, FisherSnedecor, Normal};

fn standard_normal() -> Option<Normal> {
    Normal::new(0.0, 1.0).ok()
}

/// Standard normal density, with z² split as R does so that exp(−z²/2) keeps full precision.
pub fn dnorm(z: f64) -> f64 {
    let z = z.abs();
    if z > 40.0 {
        return 0.0;
    }
    let high = (z * 16.0).trunc() / 16.0;
    let low_part = (z - high) * (z + high);
    (-0.5 * high * high).exp() * (-0.5 * low_part).exp() / (2.0 * std::f64::consts::PI).sqrt()
}

/// Upper tail Q(z) = P(Z > z) for z ≥ 0, to ~1e-15 relative: a power series for Φ near 0 and the
/// continued fraction of Mills' ratio in the tail. (statrs' erfc is off by ~4e-11 in the tail,
/// too coarse for pROC's printed p-values.)
fn upper_tail_nonnegative(z: f64) -> f64 {
    if z < 1.5 {
        // Φ(z) − ½ = φ(z) Σ z^(2n+1) / (1·3·5⋯(2n+1)); every term positive.
        let mut term = z;
        let mut sum = z;
        let z2 = z * z;
        let mut n = 1.0;
        while term > 1e-17 * sum {
            term *= z2 / (2.0 * n + 1.0);
            sum += term;
            n += 1.0;
        }
        0.5 - dnorm(z) * sum
    } else {
        // Q(z)/φ(z) = 1/(z + 1/(z + 2/(z + 3/(z + …)))), modified Lentz.
        let tiny = 1e-300;
        let mut f = z;
        let mut c = z;
        let mut d = 0.0;
        for k in 1..5000 {
            let a = k as f64;
            d = z + a * d;
            if d.abs() < tiny {
                d = tiny;
            }
            c = z + a / c;
            if c.abs() < tiny {
                c = tiny;
            }
            d = 1.0 / d;
            let delta = c * d;
            f *= delta;
            if (delta - 1.0).abs() < 1e-16 {
                break;
            }
        }
        dnorm(z) / f
    }
}

/// P(Z ≤ z) for the standard normal (R `pnorm(z)`).
pub fn pnorm(z: f64) -> f64 {
    if z.is_nan() {
        return f64::NAN;
    }
    if z >= 0.0 {
        1.0 - upper_tail_nonnegative(z)
    } else {
        upper_tail_nonnegative(-z)
    }
}

/// P(Z > z) for the standard normal (R `pnorm(z, lower.tail = FALSE)`), accurate in the far tail.
pub fn pnorm_upper(z: f64) -> f64 {
    if z.is_nan() {
        return f64::NAN;
    }
    if z >= 0.0 {
        upper_tail_nonnegative(z)
    } else {
        1.0 - upper_tail_nonnegative(-z)
    }
}

/// Standard normal quantile (R `qnorm(p)`); NaN outside [0, 1]. statrs' inverse polished by
/// Newton steps on [`pnorm`].
pub fn qnorm(p: f64) -> f64 {
    if !(0.0..=1.0).contains(&p) {
        return f64::NAN;
    }
    if p == 0.0 {
        return f64::NEG_INFINITY;
    }
    if p == 1.0 {
        return f64::INFINITY;
    }
    let Some(normal) = standard_normal() else {
        return f64::NAN;
    };
    let mut x = normal.inverse_cdf(p);
    for _ in 0..3 {
        let density = dnorm(x);
        if !is_positive(density) {
            break;
        }
        // Work on the smaller tail so the residual is not swamped by rounding of 1 − Q.
        let residual = if p < 0.5 {
            pnorm(x) - p
        } else {
            (1.0 - p) - pnorm_upper(x)
        };
        let step = residual / density;
        x -= step;
        if step.abs() <= 1e-16 * x.abs() {
            break;
        }
    }
    x
}

/// Two-sided normal p-value 2·P(Z > |z|) (R `2 * pnorm(-abs(z))`).
pub fn two_sided_normal_p(z: f64) -> f64 {
    2.0 * pnorm_upper(z.abs())
}

/// P(X > x) for χ²(df) (R `pchisq(x, df, lower.tail = FALSE)`).
pub fn pchisq_upper(x: f64, df: f64) -> f64 {
    if x.is_nan() || !is_positive(df) {
        return f64::NAN;
    }
    if x <= 0.0 {
        return 1.0;
    }
    ChiSquared::new(df).map_or(f64::NAN, |d| d.sf(x))
}

/// χ² quantile (R `qchisq(p, df)`).
pub fn qchisq(p: f64, df: f64) -> f64 {
    if !(0.0..=1.0).contains(&p) || !is_positive(df) {
        return f64::NAN;
    }
    ChiSquared::new(df).map_or(f64::NAN, |d| d.inverse_cdf(p))
}

/// P(X > x) for F(df1, df2) (R `pf(x, df1, df2, lower.tail = FALSE)`).
pub fn pf_upper(x: f64, df1: f64, df2: f64) -> f64 {
    if x.is_nan() || !is_positive(df1) || !is_positive(df2) {
        return f64::NAN;
    }
    if x <= 0.0 {
        return 1.0;
    }
    if x.is_infinite() {
        return 0.0;
    }
    FisherSnedecor::new(df1, df2).map_or(f64::NAN, |d| d.sf(x))
}

/// F quantile (R `qf(p, df1, df2)`), refined by Newton steps on the CDF so that it is accurate to
/// a few ulps rather than to the tolerance of the incomplete-beta inversion.
pub fn qf(p: f64, df1: f64, df2: f64) -> f64 {
    if !(0.0..=1.0).contains(&p) || !is_positive(df1) || !is_positive(df2) {
        return f64::NAN;
    }
    let Ok(dist) = FisherSnedecor::new(df1, df2) else {
        return f64::NAN;
    };
    if p == 0.0 {
        return 0.0;
    }
    if p == 1.0 {
        return f64::INFINITY;
    }
    let mut x = dist.inverse_cdf(p);
    if !x.is_finite() || x <= 0.0 {
        return x;
    }
    use statrs::distribution::Continuous;
    for _ in 0..4 {
        let density = dist.pdf(x);
        if !is_positive(density) {
            break;
        }
        let step = (dist.cdf(x) - p) / density;
        let next = x - step;
        if !next.is_finite() || next <= 0.0 {
            break;
        }
        x = next;
        if step.abs() <= 1e-15 * x {
            break;
        }
    }
    x
}

/// `x > 0`, false for NaN.
pub(crate) fn is_positive(x: f64) -> bool {
    x > 0.0
}
