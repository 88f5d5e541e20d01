//! Baseline-table tests with R's defaults: `chisq.test` (Yates' continuity correction for 2 × 2
//! tables only) and `wilcox.test` for two samples (exact p when both samples have < 50 values and
//! there are no ties, else the normal approximation with continuity correction and tie correction).

use super::check_finite;
use super::correlation::midranks;
use super::distributions::{pchisq_upper, pnorm, pnorm_upper};
use crate::{Error, Result};

/// Pearson's χ² test of independence on a contingency table.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ChiSquareTest {
    pub statistic: f64,
    pub df: f64,
    pub p_value: f64,
    /// Whether Yates' correction was applied.
    pub corrected: bool,
    /// Expected counts, same shape as the table.
    pub expected: Vec<Vec<f64>>,
    /// R warns "Chi-squared approximation may be incorrect" when any expected count is < 5.
    pub low_expected: bool,
}

/// R `chisq.test(table, correct = TRUE)`: rows × columns of counts.
pub fn chisq_test(table: &[Vec<f64>], correct: bool) -> Result<ChiSquareTest> {
    let r = table.len();
    let c = table.first().map_or(0, |row| row.len());
    if r < 2 || c < 2 || table.iter().any(|row| row.len() != c) {
        return Err(Error::Stats(format!(
            "chi-square test needs a rectangular table of at least 2×2, got {r} row(s)"
        )));
    }
    for (i, row) in table.iter().enumerate() {
        if let Some(j) = row.iter().position(|v| !(v.is_finite() && *v >= 0.0)) {
            return Err(Error::Stats(format!(
                "table cell ({}, {}) is {} (counts must be ≥ 0)",
                i + 1,
                j + 1,
                row[j]
            )));
        }
    }
    let total: f64 = table.iter().flatten().sum();
    let row_sums: Vec<f64> = table.iter().map(|row| row.iter().sum()).collect();
    let col_sums: Vec<f64> = (0..c).map(|j| table.iter().map(|row| row[j]).sum()).collect();
    if row_sums.iter().chain(&col_sums).any(|&s| s == 0.0) {
        return Err(Error::Stats(
            "chi-square test: a row or column of the table is all zero".into(),
        ));
    }
    let expected: Vec<Vec<f64>> = row_sums
        .iter()
        .map(|rs| col_sums.iter().map(|cs| rs * cs / total).collect())
        .collect();
    let corrected = correct && r == 2 && c == 2;
    let yates = if corrected {
        let min_dev = (0..2)
            .flat_map(|i| (0..2).map(move |j| (i, j)))
            .map(|(i, j)| (table[i][j] - expected[i][j]).abs())
            .fold(f64::INFINITY, f64::min);
        min_dev.min(0.5)
    } else {
        0.0
    };
    let mut statistic = 0.0;
    for i in 0..r {
        for j in 0..c {
            statistic += ((table[i][j] - expected[i][j]).abs() - yates).powi(2) / expected[i][j];
        }
    }
    let df = ((r - 1) * (c - 1)) as f64;
    Ok(ChiSquareTest {
        statistic,
        df,
        p_value: pchisq_upper(statistic, df),
        corrected,
        low_expected: expected.iter().flatten().any(|&e| e < 5.0),
        expected,
    })
}

/// Two-sample Wilcoxon rank-sum (Mann–Whitney) test, two-sided.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct WilcoxonTest {
    /// W = rank sum of x − n_x(n_x+1)/2 (R's statistic).
    pub statistic: f64,
    pub p_value: f64,
    /// Whether the exact distribution was used.
    pub exact: bool,
}

/// R `wilcox.test(x, y)` with its defaults (two-sided, `exact = NULL`, `correct = TRUE`).
pub fn wilcox_test(x: &[f64], y: &[f64]) -> Result<WilcoxonTest> {
    check_finite(x, "x")?;
    check_finite(y, "y")?;
    let (nx, ny) = (x.len(), y.len());
    if nx == 0 || ny == 0 {
        return Err(Error::Stats(format!(
            "Wilcoxon test needs values in both groups, got {nx} and {ny}"
        )));
    }
    let combined: Vec<f64> = x.iter().chain(y).copied().collect();
    let ranks = midranks(&combined);
    let rank_sum_x: f64 = ranks[..nx].iter().sum();
    let statistic = rank_sum_x - (nx * (nx + 1)) as f64 / 2.0;
    let mut sorted = combined.clone();
    sorted.sort_by(f64::total_cmp);
    let mut tie_term = 0.0;
    let mut has_ties = false;
    let mut i = 0;
    while i < sorted.len() {
        let mut j = i + 1;
        while j < sorted.len() && sorted[j] == sorted[i] {
            j += 1;
        }
        let t = (j - i) as f64;
        if t > 1.0 {
            has_ties = true;
            tie_term += t * t * t - t;
        }
        i = j;
    }
    if nx < 50 && ny < 50 && !has_ties {
        let counts = wilcox_counts(nx, ny);
        let total: f64 = counts.iter().sum();
        let w = (statistic.round() as usize).min(counts.len() - 1);
        // Sum the smaller tail directly (no 1 − cdf cancellation).
        let p = if statistic > (nx * ny) as f64 / 2.0 {
            counts[w..].iter().sum::<f64>() / total
        } else {
            counts[..=w].iter().sum::<f64>() / total
        };
        return Ok(WilcoxonTest {
            statistic,
            p_value: (2.0 * p).min(1.0),
            exact: true,
        });
    }
    let (fx, fy) = (nx as f64, ny as f64);
    let z = statistic - fx * fy / 2.0;
    let sigma = ((fx * fy / 12.0) * ((fx + fy + 1.0) - tie_term / ((fx + fy) * (fx + fy - 1.0)))).sqrt();
    let correction = 0.5 * z.signum();
    let z = (z - correction) / sigma;
    let p = 2.0 * pnorm(z).min(pnorm_upper(z));
    Ok(WilcoxonTest {
        statistic,
        p_value: p.min(1.0),
        exact: false,
    })
}

/// Frequencies of the Mann–Whitney statistic U = 0..m·n for sample sizes m and n (the
/// coefficients of the Gaussian binomial [m+n choose m]), by the recurrence
/// f(m, n, u) = f(m−1, n, u−n) + f(m, n−1, u).
fn wilcox_counts(m: usize, n: usize) -> Vec<f64> {
    // table[j] holds the distribution for (i, j) while i runs from 0 to m.
    let max_u = m * n;
    let mut prev: Vec<Vec<f64>> = (0..=n).map(|_| vec![1.0]).collect(); // i = 0: only U = 0
    for i in 1..=m {
        let mut cur: Vec<Vec<f64>> = Vec::with_capacity(n + 1);
        cur.push(vec![1.0]); // j = 0
        for j in 1..=n {
            let len = i * j + 1;
            let mut dist = vec![0.0; len];
            // choose the largest of i+j values from x: adds j to U
            for (u, &c) in prev[j].iter().enumerate() {
                dist[u + j] += c;
            }
            for (u, &c) in cur[j - 1].iter().enumerate() {
                dist[u] += c;
            }
            cur.push(dist);
        }
        prev = cur;
    }
    let mut out = prev.pop().unwrap_or_default();
    out.resize(max_u + 1, 0.0);
    out
}
