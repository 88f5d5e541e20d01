//! First order statistics (pyradiomics `firstorder`).
//!
//! Every statistic is computed on the raw ROI intensities as float64, except Entropy and
//! Uniformity, which use the histogram of the discretized gray levels. Sums follow numpy's
//! pairwise summation and means are computed as numpy does (sum / n, then central moments
//! around that mean), so that nearly flat regions give the same Skewness/Kurtosis as numpy.

use super::{ClassSettings, EPS, FeatureClass, FeatureDef, RoiView, def, deprecated};
use crate::error::{Error, Result};
use crate::numpy::{pairwise_sum, pairwise_sum_by};

/// pyradiomics' `firstorder` feature class.
#[derive(Debug, Clone, Copy, Default)]
pub struct FirstOrder;

/// The features, in ASCII order of the names (pyradiomics' output order).
const FEATURES: [FeatureDef; 19] = [
    def("10Percentile"),
    def("90Percentile"),
    def("Energy"),
    def("Entropy"),
    def("InterquartileRange"),
    def("Kurtosis"),
    def("Maximum"),
    def("Mean"),
    def("MeanAbsoluteDeviation"),
    def("Median"),
    def("Minimum"),
    def("Range"),
    def("RobustMeanAbsoluteDeviation"),
    def("RootMeanSquared"),
    def("Skewness"),
    deprecated("StandardDeviation"),
    def("TotalEnergy"),
    def("Uniformity"),
    def("Variance"),
];

impl FeatureClass for FirstOrder {
    fn name(&self) -> &'static str {
        "firstorder"
    }

    fn features(&self) -> &'static [FeatureDef] {
        &FEATURES
    }

    fn compute(&self, roi: &RoiView<'_>, settings: &ClassSettings) -> Result<Vec<f64>> {
        let n = roi.len();
        if roi.mask.len() != n || roi.intensities.len() != n || roi.gray_levels.len() != n {
            return Err(Error::InvalidArgument(format!(
                "firstorder: ROI arrays have lengths mask {}, intensities {}, gray levels {}; shape {:?} needs {n}",
                roi.mask.len(),
                roi.intensities.len(),
                roi.gray_levels.len(),
                roi.shape
            )));
        }
        // ROI values in C order, as numpy's `imageArray[maskArray]`.
        let values: Vec<f64> = roi
            .intensities
            .iter()
            .zip(roi.mask)
            .filter(|(_, m)| **m)
            .map(|(v, _)| *v)
            .collect();
        if values.is_empty() {
            return Err(Error::RoiTooSmall {
                detail: "firstorder: the mask holds no voxel".into(),
            });
        }
        let non_finite = values.iter().filter(|v| !v.is_finite()).count();
        if non_finite > 0 {
            return Err(Error::NonFinite {
                count: non_finite,
                location: Some("the firstorder ROI".into()),
            });
        }
        let levels: Vec<u32> = roi
            .gray_levels
            .iter()
            .zip(roi.mask)
            .filter(|(_, m)| **m)
            .map(|(g, _)| *g)
            .collect();
        Ok(first_order_values(
            &values,
            &levels,
            roi.spacing,
            settings.voxel_array_shift,
        ))
    }
}

/// All features for non-empty, finite `values` (C order) and their gray `levels`.
fn first_order_values(values: &[f64], levels: &[u32], spacing: [f64; 3], shift: f64) -> Vec<f64> {
    let count = values.len() as f64;
    let minimum = values.iter().copied().fold(f64::INFINITY, f64::min);
    let maximum = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    // Order statistics in ascending rank, each selection narrowing the next one.
    let mut ranks = OrderStatistics::new(values);
    let p10 = ranks.percentile(0.1);
    let p25 = ranks.percentile(0.25);
    let median = ranks.median();
    let p75 = ranks.percentile(0.75);
    let p90 = ranks.percentile(0.9);
    let mut scratch = ranks.into_buffer();

    let mean = pairwise_sum_by(values, |v| v) / count;

    // Energy and RMS on the shifted values.
    let energy = pairwise_sum_by(values, |v| {
        let s = v + shift;
        s * s
    });
    // numpy multiplies the spacing as SimpleITK gives it, (x, y, z).
    let voxel_volume = spacing[2] * spacing[1] * spacing[0];
    let total_energy = energy * voxel_volume;
    let rms = (energy / count).sqrt();

    // Central moments around numpy's mean.
    let m2 = pairwise_sum_by(values, |v| {
        let d = v - mean;
        d * d
    }) / count;
    let m3 = pairwise_sum_by(values, |v| {
        let d = v - mean;
        d * d * d
    }) / count;
    let m4 = pairwise_sum_by(values, |v| {
        let d2 = (v - mean) * (v - mean);
        d2 * d2
    }) / count;
    // numpy's std: sqrt of the mean squared deviation; pyradiomics squares it again.
    let std = m2.sqrt();
    let variance = std * std;
    // A flat region has m2 = 0: pyradiomics divides by 1 instead.
    let m2_safe = if m2 == 0.0 { 1.0 } else { m2 };
    let skewness = m3 / m2_safe.powf(1.5);
    let kurtosis = m4 / (m2_safe * m2_safe);

    let mad = pairwise_sum_by(values, |v| (v - mean).abs()) / count;
    let robust_mad = robust_mean_absolute_deviation(values, p10, p90, &mut scratch);

    let (entropy, uniformity) = histogram_features(levels);

    vec![
        p10,
        p90,
        energy,
        entropy,
        p75 - p25,
        kurtosis,
        maximum,
        mean,
        mad,
        median,
        minimum,
        maximum - minimum,
        robust_mad,
        rms,
        skewness,
        std,
        total_energy,
        uniformity,
        variance,
    ]
}

/// Mean absolute deviation of the values within [p10, p90]. numpy runs it on an array where the
/// excluded voxels are NaN, i.e. zero-filled sums over the full length divided by the kept count.
fn robust_mean_absolute_deviation(values: &[f64], p10: f64, p90: f64, buffer: &mut Vec<f64>) -> f64 {
    let keep = |v: f64| !(v - p10 < 0.0 || v - p90 > 0.0);
    buffer.clear();
    buffer.extend(values.iter().map(|&v| if keep(v) { v } else { 0.0 }));
    let kept = values.iter().filter(|&&v| keep(v)).count() as f64;
    // p10 <= p90, so at least the voxels at those ranks are kept and `kept` >= 1.
    let mean = pairwise_sum(buffer) / kept;
    for (b, &v) in buffer.iter_mut().zip(values) {
        *b = if keep(v) { (v - mean).abs() } else { 0.0 };
    }
    pairwise_sum(buffer) / kept
}

/// Entropy and Uniformity of the gray-level histogram (levels present only, ascending).
fn histogram_features(levels: &[u32]) -> (f64, f64) {
    let max_level = levels.iter().copied().max().unwrap_or(0) as usize;
    let counts: Vec<f64> = if max_level <= 4 * levels.len() + 1024 {
        // Direct counting when the levels are dense enough (the usual case).
        let mut table = vec![0usize; max_level + 1];
        for &g in levels {
            if let Some(c) = table.get_mut(g as usize) {
                *c += 1;
            }
        }
        table.into_iter().filter(|&c| c > 0).map(|c| c as f64).collect()
    } else {
        let mut sorted = levels.to_vec();
        sorted.sort_unstable();
        sorted.chunk_by(|a, b| a == b).map(|run| run.len() as f64).collect()
    };
    let total = pairwise_sum(&counts);
    let total = if total == 0.0 { 1.0 } else { total };
    let probabilities: Vec<f64> = counts.iter().map(|c| c / total).collect();
    let entropy = -pairwise_sum_by(&probabilities, |p| p * (p + EPS).log2());
    let uniformity = pairwise_sum_by(&probabilities, |p| p * p);
    (entropy, uniformity)
}

/// Order statistics of a buffer by repeated selection. Invariant: every value left of `lower` is
/// <= every value from `lower` on, so ranks asked in ascending order only search the right part.
struct OrderStatistics {
    buffer: Vec<f64>,
    lower: usize,
}

impl OrderStatistics {
    fn new(values: &[f64]) -> Self {
        OrderStatistics {
            buffer: values.to_vec(),
            lower: 0,
        }
    }

    fn into_buffer(self) -> Vec<f64> {
        self.buffer
    }

    /// The value of 0-based rank `k` (clamped to the last rank).
    fn kth(&mut self, k: usize) -> f64 {
        let Some(last) = self.buffer.len().checked_sub(1) else {
            return f64::NAN;
        };
        let k = k.min(last);
        let (part, offset) = if k >= self.lower {
            (&mut self.buffer[self.lower..], self.lower)
        } else {
            (&mut self.buffer[..self.lower], 0)
        };
        let (_, value, _) = part.select_nth_unstable_by(k - offset, f64::total_cmp);
        let value = *value;
        self.lower = self.lower.max(k);
        value
    }

    /// The value of rank `k + 1` right after [`OrderStatistics::kth`]`(k)`: the minimum of the right part.
    fn next_after(&self, k: usize) -> f64 {
        self.buffer
            .get(k + 1..)
            .unwrap_or(&[])
            .iter()
            .copied()
            .fold(f64::INFINITY, f64::min)
    }

    /// numpy's default ("linear") percentile, `q` in [0, 1]: virtual index (n−1)·q,
    /// interpolated with numpy's two-sided lerp.
    fn percentile(&mut self, q: f64) -> f64 {
        let n = self.buffer.len();
        let Some(last) = n.checked_sub(1) else {
            return f64::NAN;
        };
        let virtual_index = last as f64 * q;
        if virtual_index >= last as f64 {
            return self.kth(last);
        }
        let previous_index = virtual_index.floor();
        let gamma = virtual_index - previous_index;
        let k = previous_index as usize;
        let previous = self.kth(k);
        let next = self.next_after(k);
        let diff = next - previous;
        if gamma >= 0.5 {
            next - diff * (1.0 - gamma)
        } else {
            previous + diff * gamma
        }
    }

    /// numpy's median: the middle value, or the sum of the two middle values halved.
    fn median(&mut self) -> f64 {
        let n = self.buffer.len();
        if n % 2 == 1 {
            return self.kth(n / 2);
        }
        let Some(k) = (n / 2).checked_sub(1) else {
            return f64::NAN;
        };
        let low = self.kth(k);
        let high = self.next_after(k);
        (low + high) / 2.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentile_matches_numpy_examples() {
        // numpy.percentile([1, 2, 3, 4], [10, 25, 75, 90]) = [1.3, 1.75, 3.25, 3.7]
        let mut v = OrderStatistics::new(&[4.0, 1.0, 3.0, 2.0]);
        assert!((v.percentile(0.1) - 1.3).abs() < 1e-15);
        assert!((v.percentile(0.25) - 1.75).abs() < 1e-15);
        assert_eq!(v.median(), 2.5);
        assert!((v.percentile(0.75) - 3.25).abs() < 1e-15);
        assert!((v.percentile(0.9) - 3.7).abs() < 1e-15);
        // Out of order ranks still give the right values.
        assert!((v.percentile(0.1) - 1.3).abs() < 1e-15);
        let mut one = OrderStatistics::new(&[7.0]);
        assert_eq!(one.percentile(0.9), 7.0);
        assert_eq!(one.median(), 7.0);
    }
}
