//! R's `pretty()` (R ≥ 4.2 defaults: shrink.sml = 0.75, high.u.bias = 1.5, u5.bias = 2.75,
//! min.n = n %/% 3, eps.correct = 0, f.min = 2^-20, bounds = TRUE): about n + 1 equally spaced
//! "round" values (1, 2 or 5 × 10^k apart) covering the range of `values`.

/// `pretty(values, n)`; empty when `values` has no finite value.
pub fn pretty(values: &[f64], n: usize) -> Vec<f64> {
    let finite = values.iter().copied().filter(|v| v.is_finite());
    let (lo, up) = finite.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| (a.min(v), b.max(v)));
    if !lo.is_finite() {
        return Vec::new();
    }
    let min_n = n / 3;
    let (l, u, unit, ndiv) = r_pretty(lo, up, n, min_n, 0.75, 1.5, 2.75, 2f64.powi(-20));
    let count = ((u - l) / unit + 1e-10).floor() as usize;
    // seq.int(l, u, by = unit), which clamps to u (pmin(x, to)).
    let mut out: Vec<f64> = (0..=count).map(|i| (l + i as f64 * unit).min(u)).collect();
    // R zaps values that are rounding noise around 0 (|s| < 1e-14 · delta).
    if ndiv > 0 {
        let delta = (u - l) / ndiv as f64;
        for v in &mut out {
            if v.abs() < 1e-14 * delta {
                *v = 0.0;
            }
        }
    }
    out
}

/// R's C `R_pretty` with `return_bounds = TRUE`: (lower bound, upper bound, unit, ndiv).
#[allow(clippy::too_many_arguments)]
fn r_pretty(
    lo: f64,
    up: f64,
    ndiv: usize,
    min_n: usize,
    shrink: f64,
    h: f64,
    h5: f64,
    f_min: f64,
) -> (f64, f64, f64, usize) {
    const ROUNDING_EPS: f64 = 1e-10;
    let dx = up - lo;
    let mut cell;
    let i_small;
    if dx == 0.0 && up == 0.0 {
        cell = 1.0;
        i_small = true;
    } else {
        cell = lo.abs().max(up.abs());
        let mut u = 1.0
            + if h5 >= 1.5 * h + 0.5 {
                1.0 / (1.0 + h)
            } else {
                1.5 / (1.0 + h5)
            };
        u *= ndiv.max(1) as f64 * f64::EPSILON;
        i_small = dx < cell * u * 3.0;
    }
    if i_small {
        if cell > 10.0 {
            cell = 9.0 + cell / 10.0;
        }
        cell *= shrink;
        if min_n > 1 {
            cell /= min_n as f64;
        }
    } else {
        cell = dx;
        if ndiv > 1 {
            cell /= ndiv as f64;
        }
    }
    let subsmall = f_min * f64::MIN_POSITIVE;
    if cell < subsmall {
        cell = subsmall;
    } else if cell > f64::MAX / 1.25 {
        cell = 0.1 * f64::MAX;
    }
    let base = 10f64.powf(cell.log10().floor());
    let mut unit = base;
    let two = 2.0 * base;
    if two - cell < h * (cell - unit) {
        unit = two;
        let five = 5.0 * base;
        if five - cell < h5 * (cell - unit) {
            unit = five;
            let ten = 10.0 * base;
            if ten - cell < h * (cell - unit) {
                unit = ten;
            }
        }
    }
    let mut ns = (lo / unit + ROUNDING_EPS).floor();
    let mut nu = (up / unit - ROUNDING_EPS).ceil();
    while ns * unit > lo + ROUNDING_EPS * unit {
        ns -= 1.0;
    }
    while nu * unit < up - ROUNDING_EPS * unit {
        nu += 1.0;
    }
    let mut k = (0.5 + nu - ns) as i64;
    let mut ndiv_out = k.max(0) as usize;
    if k < min_n as i64 {
        k = min_n as i64 - k;
        if ns >= 0.0 {
            nu += (k / 2) as f64;
            ns -= (k / 2 + k % 2) as f64;
        } else {
            ns -= (k / 2) as f64;
            nu += (k / 2 + k % 2) as f64;
        }
        ndiv_out = min_n;
    }
    let mut l = lo;
    let mut u = up;
    if ns * unit < l {
        l = ns * unit;
    }
    if nu * unit > u {
        u = nu * unit;
    }
    (l, u, unit, ndiv_out)
}
