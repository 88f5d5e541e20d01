//! First order statistics (pyradiomics `firstorder`).
//!
//! Every statistic is computed on the raw ROI intensities as float64, except Entropy and
//! Uniformity, which use the histogram of the discretized gray levels. Sums follow numpy's
//! pairwise summation and means are computed as numpy does (sum / n, then central moments
//! around that mean), so that nearly flat regions give the same Skewness/Kurtosis as numpy.

use super::{ClassSettings, EPS, FeatureClass, FeatureDef, RoiView, def, deprecated};
use crate::error::{Error, Result};
use crate::numpy::{pairwise_sum, pairwise_sum_by, pairwise_sums_by};

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
        // NaN voxels (of a derived image) are left out as pyradiomics' nan-functions leave
        // them out; an infinite value or nothing but NaN has no features.
        let infinite = values.iter().filter(|v| v.is_infinite()).count();
        if infinite > 0 || values.iter().all(|v| v.is_nan()) {
            return Err(Error::NonFinite {
                count: values.iter().filter(|v| !v.is_finite()).count(),
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

/// The percentiles firstorder reports (as fractions), besides the median.
const PERCENTILES: [f64; 4] = [0.1, 0.25, 0.75, 0.9];

/// All features for `values` (C order; NaN or finite, not all NaN) and their gray `levels`.
///
/// NaN voxels are left out as pyradiomics' `numpy.nan*` functions leave them out: the sums
/// run over every voxel with NaN as 0 and divide by the count of the others, the order
/// statistics see only the others; the histogram (Entropy, Uniformity) counts them in the
/// level digitize gave them.
fn first_order_values(values: &[f64], levels: &[u32], spacing: [f64; 3], shift: f64) -> Vec<f64> {
    let count = values.iter().filter(|v| !v.is_nan()).count() as f64;
    // f64::min and max pass over NaN.
    let minimum = values.iter().copied().fold(f64::INFINITY, f64::min);
    let maximum = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let finite: Vec<f64>;
    let ranked = if count < values.len() as f64 {
        finite = values.iter().copied().filter(|v| !v.is_nan()).collect();
        &finite
    } else {
        values
    };
    let ranks = OrderStatistics::new(ranked, &PERCENTILES);
    let [p10, p25, p75, p90] = PERCENTILES.map(|q| ranks.percentile(q));
    let median = ranks.median();
    let mut scratch = Vec::with_capacity(values.len());

    // The sums numpy makes one array pass each, here two passes (each sum in numpy's order):
    // those that need no mean, then the central moments around numpy's mean.
    // Energy and RMS are on the shifted values.
    let [sum, energy] = pairwise_sums_by(values, |v| {
        if v.is_nan() {
            return [0.0; 2];
        }
        let s = v + shift;
        [v, s * s]
    });
    let mean = sum / count;
    // numpy multiplies the spacing as SimpleITK gives it, (x, y, z).
    let voxel_volume = spacing[2] * spacing[1] * spacing[0];
    let total_energy = energy * voxel_volume;
    let rms = (energy / count).sqrt();

    let [s2, s3, s4, s_abs] = pairwise_sums_by(values, |v| {
        if v.is_nan() {
            return [0.0; 4];
        }
        let d = v - mean;
        let d2 = (v - mean) * (v - mean);
        [d * d, d * d * d, d2 * d2, d.abs()]
    });
    let (m2, m3, m4) = (s2 / count, s3 / count, s4 / count);
    // numpy's std: sqrt of the mean squared deviation; pyradiomics squares it again.
    let std = m2.sqrt();
    let variance = std * std;
    // A flat region has m2 = 0: pyradiomics divides by 1 instead.
    let m2_safe = if m2 == 0.0 { 1.0 } else { m2 };
    let skewness = m3 / m2_safe.powf(1.5);
    let kurtosis = m4 / (m2_safe * m2_safe);

    let mad = s_abs / count;
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
    let keep = |v: f64| !(v.is_nan() || v - p10 < 0.0 || v - p90 > 0.0);
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

/// numpy's order statistics (percentiles, median) of finite values: the few ranks they read,
/// all found in one go by [`values_at_ranks`].
struct OrderStatistics {
    n: usize,
    /// (rank, value), ascending rank.
    found: Vec<(usize, f64)>,
}

impl OrderStatistics {
    /// Ready to answer [`Self::percentile`] for each of `quantiles` and [`Self::median`].
    fn new(values: &[f64], quantiles: &[f64]) -> Self {
        let n = values.len();
        let mut ranks = Vec::new();
        if let Some(last) = n.checked_sub(1) {
            for &q in quantiles {
                let (k, _) = percentile_position(last, q);
                ranks.extend([k, (k + 1).min(last)]);
            }
            ranks.extend([n / 2, n.saturating_sub(1) / 2]);
        }
        ranks.sort_unstable();
        ranks.dedup();
        let found = ranks.iter().copied().zip(values_at_ranks(values, &ranks)).collect();
        OrderStatistics { n, found }
    }

    /// The value of 0-based rank `k`, which [`Self::new`] was asked to find.
    fn kth(&self, k: usize) -> f64 {
        match self.found.binary_search_by_key(&k, |&(rank, _)| rank) {
            Ok(i) => self.found[i].1,
            Err(_) => f64::NAN,
        }
    }

    /// numpy's default ("linear") percentile, `q` in [0, 1]: virtual index (n−1)·q,
    /// interpolated with numpy's two-sided lerp.
    fn percentile(&self, q: f64) -> f64 {
        let Some(last) = self.n.checked_sub(1) else {
            return f64::NAN;
        };
        let (k, gamma) = percentile_position(last, q);
        if k == last {
            return self.kth(last);
        }
        let previous = self.kth(k);
        let next = self.kth(k + 1);
        let diff = next - previous;
        if gamma >= 0.5 {
            next - diff * (1.0 - gamma)
        } else {
            previous + diff * gamma
        }
    }

    /// numpy's median: the middle value, or the sum of the two middle values halved.
    fn median(&self) -> f64 {
        let n = self.n;
        if n == 0 {
            return f64::NAN;
        }
        if n % 2 == 1 {
            return self.kth(n / 2);
        }
        (self.kth(n / 2 - 1) + self.kth(n / 2)) / 2.0
    }
}

/// Where numpy's linear percentile `q` of ranks 0..=`last` falls: the rank below the virtual
/// index (n−1)·q and the fraction past it; `last` itself when the index reaches it.
fn percentile_position(last: usize, q: f64) -> (usize, f64) {
    let virtual_index = last as f64 * q;
    if virtual_index >= last as f64 {
        return (last, 0.0);
    }
    let previous = virtual_index.floor();
    (previous as usize, virtual_index - previous)
}

/// An integer that orders like `v` under `f64::total_cmp`.
fn order_key(v: f64) -> u64 {
    let bits = v.to_bits();
    if bits >> 63 == 1 { !bits } else { bits | 1 << 63 }
}

/// The float whose [`order_key`] is `key`.
fn from_order_key(key: u64) -> f64 {
    f64::from_bits(if key >> 63 == 1 { key & !(1 << 63) } else { !key })
}

/// The values at 0-based `ranks` (ascending, distinct, each below `values.len()`) in the order
/// of `f64::total_cmp`: exactly the elements a sort would put there.
fn values_at_ranks(values: &[f64], ranks: &[usize]) -> Vec<f64> {
    let mut keys: Vec<u64> = values.iter().map(|&v| order_key(v)).collect();
    let mut found = vec![0u64; ranks.len()];
    keys_at_ranks(&mut keys, ranks, 64, &mut found);
    found.into_iter().map(from_order_key).collect()
}

/// Below this many keys, select directly.
const SELECT_DIRECTLY: usize = 1 << 14;

/// [`values_at_ranks`] on order keys that agree above bit `bits` (64: none known to agree).
/// A large set is first split on its next 16 bits, a radix histogram: only the buckets holding
/// a rank asked for are kept, so selection runs on a small part of a large ROI.
fn keys_at_ranks(keys: &mut [u64], ranks: &[usize], bits: u32, found: &mut [u64]) {
    if bits == 0 {
        // Every key is the same.
        found.fill(keys[0]);
        return;
    }
    if keys.len() <= SELECT_DIRECTLY {
        // Ascending ranks: each selection leaves the next rank in the part to its right.
        let mut lower = 0;
        for (f, &rank) in found.iter_mut().zip(ranks) {
            let (_, key, _) = keys[lower..].select_nth_unstable(rank - lower);
            *f = *key;
            lower = rank;
        }
        return;
    }
    let shift = bits - 16;
    let digit = |key: u64| ((key >> shift) & 0xFFFF) as usize;
    let mut counts = vec![0u32; 1 << 16];
    for &key in keys.iter() {
        counts[digit(key)] += 1;
    }
    // The buckets holding the ranks, with each rank's position within its bucket.
    let mut buckets: Vec<(usize, std::ops::Range<usize>, Vec<usize>)> = Vec::new();
    let (mut below, mut next) = (0usize, 0usize);
    for (b, &c) in counts.iter().enumerate() {
        let end = below + c as usize;
        let first = next;
        while next < ranks.len() && ranks[next] < end {
            next += 1;
        }
        if next > first {
            buckets.push((b, first..next, ranks[first..next].iter().map(|r| r - below).collect()));
        }
        if next == ranks.len() {
            break;
        }
        below = end;
    }
    if let [(b, _, within)] = buckets.as_slice()
        && counts[*b] as usize == keys.len()
    {
        // One bucket holds every key: split on the next bits, in place.
        keys_at_ranks(keys, within, shift, found);
        return;
    }
    let mut slot = vec![u8::MAX; 1 << 16];
    for (i, (b, _, _)) in buckets.iter().enumerate() {
        slot[*b] = i as u8;
    }
    let mut members: Vec<Vec<u64>> = buckets
        .iter()
        .map(|(b, _, _)| Vec::with_capacity(counts[*b] as usize))
        .collect();
    for &key in keys.iter() {
        if let Some(m) = members.get_mut(usize::from(slot[digit(key)])) {
            m.push(key);
        }
    }
    for ((_, at, within), mut m) in buckets.into_iter().zip(members) {
        keys_at_ranks(&mut m, &within, shift, &mut found[at]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentile_matches_numpy_examples() {
        // numpy.percentile([1, 2, 3, 4], [10, 25, 75, 90]) = [1.3, 1.75, 3.25, 3.7]
        let v = OrderStatistics::new(&[4.0, 1.0, 3.0, 2.0], &PERCENTILES);
        assert!((v.percentile(0.1) - 1.3).abs() < 1e-15);
        assert!((v.percentile(0.25) - 1.75).abs() < 1e-15);
        assert_eq!(v.median(), 2.5);
        assert!((v.percentile(0.75) - 3.25).abs() < 1e-15);
        assert!((v.percentile(0.9) - 3.7).abs() < 1e-15);
        let one = OrderStatistics::new(&[7.0], &PERCENTILES);
        assert_eq!(one.percentile(0.9), 7.0);
        assert_eq!(one.median(), 7.0);
    }

    #[test]
    fn ranks_are_those_of_a_sort() {
        // Large enough to be split by the radix histogram (twice, for the narrow ranges),
        // with duplicates, signed zeros, negative values and one all-equal set.
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let wide: Vec<f64> = (0..100_000)
            .map(|_| (next() % 2_000_001) as f64 / 7.0 - 1.4e5)
            .collect();
        let narrow: Vec<f64> = (0..70_000).map(|_| 100.0 + (next() % 1000) as f64 * 1e-12).collect();
        let integers: Vec<f64> = (0..50_000).map(|_| (next() % 300) as f64 - 150.0).collect();
        let zeros: Vec<f64> = (0..40_000).map(|i| if i % 3 == 0 { -0.0 } else { 0.0 }).collect();
        let flat = vec![3.25; 30_000];
        for values in [wide, narrow, integers, zeros, flat] {
            let mut sorted = values.clone();
            sorted.sort_unstable_by(f64::total_cmp);
            let last = values.len() - 1;
            let ranks = [0, 1, last / 10, last / 4, last / 2, last / 2 + 1, last - 1, last];
            let found = values_at_ranks(&values, &ranks);
            for (&rank, value) in ranks.iter().zip(found) {
                assert_eq!(value.to_bits(), sorted[rank].to_bits(), "rank {rank}");
            }
        }
    }
}
