//! Intraclass correlation as irr 0.84.1 `icc()` computes it (McGraw & Wong 1996), with its F test
//! against H0: ICC = r0 and its confidence interval, plus the reproducibility filter used in
//! radiomics (keep features whose ICC ≥ 0.75; drop constant features).
//!
//! Forms (n subjects × k raters): ICC(1,1) one-way; ICC(2,1) = irr "twoway, agreement" = ICC(A,1),
//! the radiomics default (Koo & Li 2016); ICC(3,1) = "twoway, consistency" = ICC(C,1); and their
//! average-measure versions (ICC(1,k), ICC(A,k), ICC(C,k)).

use super::distributions::{pf_upper, qf};
use super::{check_same_len, column_name};
use crate::{Error, Result};
use nalgebra::DMatrix;

/// Which ANOVA model and definition of agreement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum IccModel {
    /// ICC(1): one-way random effects (irr `model = "oneway"`, irr's default).
    OneWay,
    /// ICC(2) / ICC(A): two-way random effects, absolute agreement (irr `"twoway", "agreement"`).
    TwoWayAgreement,
    /// ICC(3) / ICC(C): two-way mixed effects, consistency (irr `"twoway", "consistency"`).
    TwoWayConsistency,
}

/// Single rater or the mean of k raters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum IccUnit {
    Single,
    Average,
}

/// ICC settings; the default is ICC(2,1) with a 95% interval and H0: ICC = 0.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct IccSettings {
    pub model: IccModel,
    pub unit: IccUnit,
    /// ICC under the null hypothesis of the F test (irr `r0`), in [0, 1).
    pub r0: f64,
    /// Confidence level of the interval (irr `conf.level`).
    pub conf_level: f64,
}

impl Default for IccSettings {
    fn default() -> Self {
        IccSettings {
            model: IccModel::TwoWayAgreement,
            unit: IccUnit::Single,
            r0: 0.0,
            conf_level: 0.95,
        }
    }
}

impl IccSettings {
    /// Check r0 ∈ [0, 1) and the level ∈ (0, 1).
    pub fn validate(self) -> Result<Self> {
        if !(0.0..1.0).contains(&self.r0) {
            return Err(Error::setting("icc.r0", format!("must be in [0, 1), got {}", self.r0)));
        }
        if !(self.conf_level > 0.0 && self.conf_level < 1.0) {
            return Err(Error::setting(
                "icc.conf_level",
                format!("must be in (0, 1), got {}", self.conf_level),
            ));
        }
        Ok(self)
    }
}

/// Mean squares of the two-way ANOVA (no replication).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct MeanSquares {
    /// Between subjects (rows).
    pub rows: f64,
    /// Between raters (columns).
    pub columns: f64,
    /// Residual (two-way).
    pub error: f64,
    /// Within subjects (one-way).
    pub within: f64,
}

/// An ICC with its test and interval (irr's `icclist`).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct IccResult {
    pub value: f64,
    pub f_value: f64,
    pub df1: f64,
    pub df2: f64,
    pub p_value: f64,
    pub lower: f64,
    pub upper: f64,
    pub subjects: usize,
    pub raters: usize,
    pub mean_squares: MeanSquares,
}

/// ICC of a complete n × k table (rows = subjects, columns = raters/observers).
pub fn icc(ratings: &DMatrix<f64>, settings: &IccSettings) -> Result<IccResult> {
    let settings = settings.validate()?;
    let ns = ratings.nrows();
    let nr = ratings.ncols();
    if ns < 2 || nr < 2 {
        return Err(Error::Stats(format!(
            "ICC needs at least 2 subjects and 2 raters; got {ns} × {nr}"
        )));
    }
    for (j, column) in ratings.column_iter().enumerate() {
        if let Some(i) = column.iter().position(|v| !v.is_finite()) {
            return Err(Error::Stats(format!(
                "ICC: subject (row) {}, rater (column) {} is missing or not finite",
                i + 1,
                j + 1
            )));
        }
    }
    let (n, k) = (ns as f64, nr as f64);
    let grand_mean = ratings.mean();
    let row_means: Vec<f64> = ratings.row_iter().map(|r| r.mean()).collect();
    let col_means: Vec<f64> = ratings.column_iter().map(|c| c.mean()).collect();
    let ss_total: f64 = ratings.iter().map(|v| (v - grand_mean).powi(2)).sum();
    let ss_rows = k * row_means.iter().map(|m| (m - grand_mean).powi(2)).sum::<f64>();
    let ss_cols = n * col_means.iter().map(|m| (m - grand_mean).powi(2)).sum::<f64>();
    let ss_error = ss_total - ss_rows - ss_cols;
    // One-way within-subject sum of squares, as irr: Σ var(row)·(k−1).
    let ss_within: f64 = ratings
        .row_iter()
        .zip(&row_means)
        .map(|(r, m)| r.iter().map(|v| (v - m).powi(2)).sum::<f64>())
        .sum();
    let ms_r = ss_rows / (n - 1.0);
    let ms_c = ss_cols / (k - 1.0);
    let ms_e = ss_error / ((n - 1.0) * (k - 1.0));
    let ms_w = ss_within / (n * (k - 1.0));
    let mean_squares = MeanSquares {
        rows: ms_r,
        columns: ms_c,
        error: ms_e,
        within: ms_w,
    };
    let r0 = settings.r0;
    let alpha = 1.0 - settings.conf_level;
    let upper_q = 1.0 - alpha / 2.0;
    let (value, f_value, df1, df2, lower, upper) = match (settings.model, settings.unit) {
        (IccModel::OneWay, IccUnit::Single) => {
            let coeff = (ms_r - ms_w) / (ms_r + (k - 1.0) * ms_w);
            let f = ms_r / ms_w * (1.0 - r0) / (1.0 + (k - 1.0) * r0);
            let df2 = n * (k - 1.0);
            let fl = (ms_r / ms_w) / qf(upper_q, n - 1.0, df2);
            let fu = (ms_r / ms_w) * qf(upper_q, df2, n - 1.0);
            (
                coeff,
                f,
                n - 1.0,
                df2,
                (fl - 1.0) / (fl + (k - 1.0)),
                (fu - 1.0) / (fu + (k - 1.0)),
            )
        }
        (IccModel::OneWay, IccUnit::Average) => {
            let coeff = (ms_r - ms_w) / ms_r;
            let f = ms_r / ms_w * (1.0 - r0);
            let df2 = n * (k - 1.0);
            let fl = (ms_r / ms_w) / qf(upper_q, n - 1.0, df2);
            let fu = (ms_r / ms_w) * qf(upper_q, df2, n - 1.0);
            (coeff, f, n - 1.0, df2, 1.0 - 1.0 / fl, 1.0 - 1.0 / fu)
        }
        (IccModel::TwoWayConsistency, IccUnit::Single) => {
            let coeff = (ms_r - ms_e) / (ms_r + (k - 1.0) * ms_e);
            let f = ms_r / ms_e * (1.0 - r0) / (1.0 + (k - 1.0) * r0);
            let df2 = (n - 1.0) * (k - 1.0);
            let fl = (ms_r / ms_e) / qf(upper_q, n - 1.0, df2);
            let fu = (ms_r / ms_e) * qf(upper_q, df2, n - 1.0);
            (
                coeff,
                f,
                n - 1.0,
                df2,
                (fl - 1.0) / (fl + (k - 1.0)),
                (fu - 1.0) / (fu + (k - 1.0)),
            )
        }
        (IccModel::TwoWayConsistency, IccUnit::Average) => {
            let coeff = (ms_r - ms_e) / ms_r;
            let f = ms_r / ms_e * (1.0 - r0);
            let df2 = (n - 1.0) * (k - 1.0);
            let fl = (ms_r / ms_e) / qf(upper_q, n - 1.0, df2);
            let fu = (ms_r / ms_e) * qf(upper_q, df2, n - 1.0);
            (coeff, f, n - 1.0, df2, 1.0 - 1.0 / fl, 1.0 - 1.0 / fu)
        }
        (IccModel::TwoWayAgreement, unit) => {
            let single = unit == IccUnit::Single;
            let coeff = if single {
                (ms_r - ms_e) / (ms_r + (k - 1.0) * ms_e + (k / n) * (ms_c - ms_e))
            } else {
                (ms_r - ms_e) / (ms_r + (ms_c - ms_e) / n)
            };
            // F against r0 (a, b with r0), then irr 0.84.1 reuses v computed from the estimate for
            // the test's df2 and the interval (the printed "F(19,39.7)" on anxiety).
            let kk = if single { k } else { 1.0 };
            let a0 = (kk * r0) / (n * (1.0 - r0));
            let b0 = 1.0 + (kk * r0 * (n - 1.0)) / (n * (1.0 - r0));
            let f = ms_r / (a0 * ms_c + b0 * ms_e);
            let a = (k * coeff) / (n * (1.0 - coeff));
            let b = 1.0 + (k * coeff * (n - 1.0)) / (n * (1.0 - coeff));
            let v = (a * ms_c + b * ms_e).powi(2)
                / ((a * ms_c).powi(2) / (k - 1.0) + (b * ms_e).powi(2) / ((n - 1.0) * (k - 1.0)));
            let fl = qf(upper_q, n - 1.0, v);
            let fu = qf(upper_q, v, n - 1.0);
            let (lower, upper) = if single {
                (
                    (n * (ms_r - fl * ms_e)) / (fl * (k * ms_c + (k * n - k - n) * ms_e) + n * ms_r),
                    (n * (fu * ms_r - ms_e)) / (k * ms_c + (k * n - k - n) * ms_e + n * fu * ms_r),
                )
            } else {
                (
                    (n * (ms_r - fl * ms_e)) / (fl * (ms_c - ms_e) + n * ms_r),
                    (n * (fu * ms_r - ms_e)) / (ms_c - ms_e + n * fu * ms_r),
                )
            };
            (coeff, f, n - 1.0, v, lower, upper)
        }
    };
    Ok(IccResult {
        value,
        f_value,
        df1,
        df2,
        p_value: pf_upper(f_value, df1, df2),
        lower,
        upper,
        subjects: ns,
        raters: nr,
        mean_squares,
    })
}

/// Why a feature was dropped by the ICC filter.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub enum IccDrop {
    /// Every value of every observer is the same: the ICC is 0/0.
    Constant,
    /// ICC below the threshold (or undefined).
    Below { icc: f64 },
}

/// Per-feature result of the ICC filter.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct FeatureIcc {
    pub name: String,
    /// None for a constant feature.
    pub icc: Option<IccResult>,
    /// None when kept.
    pub dropped: Option<IccDrop>,
}

/// Compute the ICC of every feature between two or more observers' feature tables (each
/// subjects × features, same subjects in the same row order, same feature columns) on the raw
/// values, and keep the features with ICC ≥ `threshold` (0.75 in the usual protocol).
pub fn icc_filter(
    observers: &[&DMatrix<f64>],
    names: &[String],
    settings: &IccSettings,
    threshold: f64,
) -> Result<Vec<FeatureIcc>> {
    let settings = settings.validate()?;
    if observers.len() < 2 {
        return Err(Error::Stats(format!(
            "ICC filter needs at least 2 observers, got {}",
            observers.len()
        )));
    }
    if !threshold.is_finite() {
        return Err(Error::setting(
            "icc.threshold",
            format!("must be a number, got {threshold}"),
        ));
    }
    let first = observers[0];
    for (o, table) in observers.iter().enumerate() {
        if table.shape() != first.shape() {
            return Err(Error::Stats(format!(
                "observer {} table is {}×{} but observer 1 table is {}×{}",
                o + 1,
                table.nrows(),
                table.ncols(),
                first.nrows(),
                first.ncols()
            )));
        }
    }
    check_same_len(first.ncols(), names.len(), "feature columns", "feature names")?;
    let mut results = Vec::with_capacity(names.len());
    for j in 0..first.ncols() {
        let name = column_name(Some(names), j);
        let ratings = DMatrix::from_fn(first.nrows(), observers.len(), |i, o| observers[o][(i, j)]);
        for (o, table) in observers.iter().enumerate() {
            if let Some(i) = table.column(j).iter().position(|v| !v.is_finite()) {
                return Err(Error::Stats(format!(
                    "observer {}: row {}, column '{name}' is missing or not finite",
                    o + 1,
                    i + 1
                )));
            }
        }
        let reference = ratings[(0, 0)];
        if ratings.iter().all(|&v| v == reference) {
            results.push(FeatureIcc {
                name,
                icc: None,
                dropped: Some(IccDrop::Constant),
            });
            continue;
        }
        let r = icc(&ratings, &settings)?;
        // NaN (undefined ICC) never passes.
        let dropped = if r.value >= threshold {
            None
        } else {
            Some(IccDrop::Below { icc: r.value })
        };
        results.push(FeatureIcc {
            name,
            icc: Some(r),
            dropped,
        });
    }
    Ok(results)
}
