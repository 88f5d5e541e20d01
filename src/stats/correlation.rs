//! Spearman correlation (R `cor(x, method = "spearman")`: midranks, then Pearson) and the
//! redundancy filter of caret's `findCorrelation`.
//!
//! Redundancy rule (caret `findCorrelation(exact = TRUE)`, ported as is, CRAN quirk included):
//! 1. take |ρ|; order the features by their mean |ρ| with the other features, descending
//!    (a stable order: ties keep the input order);
//! 2. walk the pairs (i, j), i < j in that order; when neither is removed and |ρ_ij| > cutoff,
//!    compare mn1 = mean |ρ| of i with the features still present and mn2 = mean of every
//!    remaining |ρ| entry outside row j (caret's `mean(x2[-j, ])`); remove i if mn1 > mn2, else j.
//!
//! Comparisons are strict, so a pair exactly at the cutoff is kept, and an exact tie mn1 = mn2
//! removes j. Ties in the mean |ρ| make the result depend on the input column order; the means
//! are accumulated in f64, so near-ties (within ~1e-15) may resolve differently from R's
//! long-double `mean`. caret switches to an approximate algorithm (`exact = FALSE`) at 100 or more
//! columns; [`RedundancyMethod::CaretDefault`] reproduces that switch, [`RedundancyMethod::Exact`]
//! always uses the exact walk (deterministic and recommended; state it in the methods).

use super::{check_finite_matrix, check_same_len, column_name};
use crate::{Error, Result};
use nalgebra::DMatrix;

/// Midranks of `values` (ties get the mean of their ranks, 1-based), as R's `rank()`.
pub fn midranks(values: &[f64]) -> Vec<f64> {
    let n = values.len();
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| values[a].total_cmp(&values[b]));
    let mut ranks = vec![0.0; n];
    let mut start = 0;
    while start < n {
        let mut end = start + 1;
        while end < n && values[order[end]] == values[order[start]] {
            end += 1;
        }
        // Positions start..end (0-based) share the mean rank ((start+1) + end) / 2.
        let rank = (start + 1 + end) as f64 / 2.0;
        for &k in &order[start..end] {
            ranks[k] = rank;
        }
        start = end;
    }
    ranks
}

/// Pearson correlation matrix of the columns of `x` (p × p). Constant columns are an error
/// naming the column (R returns NA there, which caret then rejects).
pub fn pearson_matrix(x: &DMatrix<f64>, names: Option<&[String]>) -> Result<DMatrix<f64>> {
    let n = x.nrows();
    if n < 2 {
        return Err(Error::Stats(format!("correlation needs at least 2 rows, got {n}")));
    }
    check_finite_matrix(x, names)?;
    let mut centered = x.clone();
    for (j, mut column) in centered.column_iter_mut().enumerate() {
        let mean = column.mean();
        column.add_scalar_mut(-mean);
        let norm = column.norm();
        if norm == 0.0 || !norm.is_finite() {
            return Err(Error::Stats(format!(
                "column '{}' is constant: its correlation is undefined (remove constant features first)",
                column_name(names, j)
            )));
        }
        column /= norm;
    }
    let mut r = centered.transpose() * &centered;
    for j in 0..r.ncols() {
        r[(j, j)] = 1.0;
    }
    // Rounding can push |r| a hair above 1.
    r.apply(|v| *v = v.clamp(-1.0, 1.0));
    Ok(r)
}

/// Spearman correlation matrix (midranks of each column, then Pearson).
pub fn spearman_matrix(x: &DMatrix<f64>, names: Option<&[String]>) -> Result<DMatrix<f64>> {
    check_finite_matrix(x, names)?;
    let mut ranked = x.clone();
    for mut column in ranked.column_iter_mut() {
        let values: Vec<f64> = column.iter().copied().collect();
        for (v, r) in column.iter_mut().zip(midranks(&values)) {
            *v = r;
        }
    }
    pearson_matrix(&ranked, names)
}

/// Spearman ρ of two vectors.
pub fn spearman(a: &[f64], b: &[f64]) -> Result<f64> {
    check_same_len(a.len(), b.len(), "first vector", "second vector")?;
    let x = DMatrix::from_fn(a.len(), 2, |i, j| if j == 0 { a[i] } else { b[i] });
    Ok(spearman_matrix(&x, None)?[(0, 1)])
}

/// Which caret algorithm to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum RedundancyMethod {
    /// caret `exact = TRUE`: recompute the mean correlations at each step.
    Exact,
    /// caret `exact = FALSE`: rank the mean |ρ| (diagonal included) once and compare ranks.
    Fast,
    /// caret's default: Exact below 100 columns, Fast from 100 on.
    CaretDefault,
}

/// Indices (0-based) of the columns caret's `findCorrelation` would remove, in caret's order.
/// `corr` must be a symmetric correlation matrix without missing values.
pub fn find_correlation(corr: &DMatrix<f64>, cutoff: f64, method: RedundancyMethod) -> Result<Vec<usize>> {
    let p = corr.nrows();
    if corr.ncols() != p {
        return Err(Error::Stats(format!(
            "correlation matrix must be square, got {}×{}",
            p,
            corr.ncols()
        )));
    }
    if !cutoff.is_finite() {
        return Err(Error::setting(
            "correlation.cutoff",
            format!("must be a number, got {cutoff}"),
        ));
    }
    if p < 2 {
        return Ok(Vec::new());
    }
    if let Some(k) = corr.iter().position(|v| !v.is_finite()) {
        return Err(Error::Stats(format!(
            "correlation matrix has a missing value at row {}, column {}",
            k % p + 1,
            k / p + 1
        )));
    }
    let exact = match method {
        RedundancyMethod::Exact => true,
        RedundancyMethod::Fast => false,
        RedundancyMethod::CaretDefault => p < 100,
    };
    let abs = corr.map(f64::abs);
    Ok(if exact {
        exact_walk(&abs, cutoff)
    } else {
        fast_ranks(&abs, cutoff)
    })
}

fn exact_walk(abs: &DMatrix<f64>, cutoff: f64) -> Vec<usize> {
    let p = abs.nrows();
    // Mean |ρ| of each column without the diagonal; stable descending order.
    let column_mean = |j: usize| (0..p).filter(|&i| i != j).map(|i| abs[(i, j)]).sum::<f64>() / (p - 1) as f64;
    let means: Vec<f64> = (0..p).map(column_mean).collect();
    let mut order: Vec<usize> = (0..p).collect();
    order.sort_by(|&a, &b| means[b].total_cmp(&means[a]));
    let x = DMatrix::from_fn(p, p, |i, j| abs[(order[i], order[j])]);
    // Running sums over x2 = x without the diagonal and without removed rows/columns.
    let mut row_sum: Vec<f64> = (0..p)
        .map(|i| (0..p).filter(|&j| j != i).map(|j| x[(i, j)]).sum())
        .collect();
    let mut row_count: Vec<f64> = vec![(p - 1) as f64; p];
    let mut total_sum: f64 = row_sum.iter().sum();
    let mut total_count = (p * (p - 1)) as f64;
    let mut removed = vec![false; p];
    let remove = |d: usize,
                  removed: &mut Vec<bool>,
                  row_sum: &mut Vec<f64>,
                  row_count: &mut Vec<f64>,
                  total_sum: &mut f64,
                  total_count: &mut f64| {
        // Row d and column d hold the same live entries (symmetry): drop both.
        *total_sum -= 2.0 * row_sum[d];
        *total_count -= 2.0 * row_count[d];
        for m in 0..p {
            if m != d && !removed[m] {
                row_sum[m] -= x[(m, d)];
                row_count[m] -= 1.0;
            }
        }
        row_sum[d] = 0.0;
        row_count[d] = 0.0;
        removed[d] = true;
    };
    for i in 0..p - 1 {
        if removed[i] {
            continue;
        }
        for j in i + 1..p {
            if removed[i] {
                break;
            }
            if removed[j] || x[(i, j)] <= cutoff {
                continue;
            }
            let mn1 = row_sum[i] / row_count[i];
            let mn2 = (total_sum - row_sum[j]) / (total_count - row_count[j]);
            let d = if mn1 > mn2 { i } else { j };
            remove(
                d,
                &mut removed,
                &mut row_sum,
                &mut row_count,
                &mut total_sum,
                &mut total_count,
            );
        }
    }
    (0..p).filter(|&k| removed[k]).map(|k| order[k]).collect()
}

fn fast_ranks(abs: &DMatrix<f64>, cutoff: f64) -> Vec<usize> {
    let p = abs.nrows();
    // colMeans(|ρ|) with the diagonal, then dense ranks (R: as.numeric(as.factor(.))).
    let means: Vec<f64> = (0..p).map(|j| abs.column(j).sum() / p as f64).collect();
    let mut distinct = means.clone();
    distinct.sort_by(f64::total_cmp);
    distinct.dedup();
    let rank: Vec<usize> = means.iter().map(|m| distinct.partition_point(|d| d < m)).collect();
    // Upper-triangle pairs above the cutoff in column-major order (R's which()).
    let mut discard_columns = Vec::new();
    let mut discard_rows = Vec::new();
    for col in 0..p {
        for row in 0..col {
            if abs[(row, col)] > cutoff {
                if rank[col] > rank[row] {
                    discard_columns.push(col);
                } else {
                    discard_rows.push(row);
                }
            }
        }
    }
    let mut out: Vec<usize> = Vec::new();
    for k in discard_columns.into_iter().chain(discard_rows) {
        if !out.contains(&k) {
            out.push(k);
        }
    }
    out
}

/// Result of the Spearman redundancy filter.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct RedundancyResult {
    /// Names kept, in input order.
    pub kept: Vec<String>,
    /// Names removed, in the order caret reports them.
    pub removed: Vec<String>,
}

/// Spearman correlation of the columns of `x`, then caret's `findCorrelation` at `cutoff`
/// (0.90 in the usual protocol).
pub fn redundancy_filter(
    x: &DMatrix<f64>,
    names: &[String],
    cutoff: f64,
    method: RedundancyMethod,
) -> Result<RedundancyResult> {
    check_same_len(x.ncols(), names.len(), "feature columns", "feature names")?;
    let corr = spearman_matrix(x, Some(names))?;
    let removed_idx = find_correlation(&corr, cutoff, method)?;
    let mut is_removed = vec![false; names.len()];
    for &k in &removed_idx {
        is_removed[k] = true;
    }
    Ok(RedundancyResult {
        kept: names
            .iter()
            .zip(&is_removed)
            .filter(|(_, r)| !**r)
            .map(|(n, _)| n.clone())
            .collect(),
        removed: removed_idx.iter().map(|&k| names[k].clone()).collect(),
    })
}
