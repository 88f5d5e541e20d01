//! Z-scoring as R's `scale()`: (x − mean)/sd with the n−1 standard deviation, with the training
//! cohort's parameters kept so that validation data are transformed with the same mean and sd.

use super::{check_finite_matrix, check_same_len, column_name};
use crate::{Error, Result};
use nalgebra::DMatrix;

/// Per-column centring and scaling parameters learned on the training data.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ZScore {
    pub names: Vec<String>,
    pub means: Vec<f64>,
    /// Sample standard deviations (n−1 denominator).
    pub sds: Vec<f64>,
}

impl ZScore {
    /// Learn means and n−1 SDs of each column. A constant column is an error naming it (R's
    /// `scale()` would divide by 0 and give NaN).
    pub fn fit(x: &DMatrix<f64>, names: &[String]) -> Result<ZScore> {
        check_same_len(x.ncols(), names.len(), "feature columns", "feature names")?;
        check_finite_matrix(x, Some(names))?;
        let n = x.nrows();
        if n < 2 {
            return Err(Error::Stats(format!("z-scoring needs at least 2 rows, got {n}")));
        }
        let mut means = Vec::with_capacity(x.ncols());
        let mut sds = Vec::with_capacity(x.ncols());
        for (j, column) in x.column_iter().enumerate() {
            let mean = column.sum() / n as f64;
            let sd = (column.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1) as f64).sqrt();
            if sd == 0.0 {
                return Err(Error::Stats(format!(
                    "column '{}' is constant (sd = 0) and cannot be z-scored",
                    column_name(Some(names), j)
                )));
            }
            means.push(mean);
            sds.push(sd);
        }
        Ok(ZScore {
            names: names.to_vec(),
            means,
            sds,
        })
    }

    /// Apply the stored parameters to new data with the same columns.
    pub fn transform(&self, x: &DMatrix<f64>) -> Result<DMatrix<f64>> {
        if x.ncols() != self.means.len() {
            return Err(Error::Stats(format!(
                "z-score parameters are for {} column(s) but the data have {}",
                self.means.len(),
                x.ncols()
            )));
        }
        check_finite_matrix(x, Some(&self.names))?;
        Ok(DMatrix::from_fn(x.nrows(), x.ncols(), |i, j| {
            (x[(i, j)] - self.means[j]) / self.sds[j]
        }))
    }
}
