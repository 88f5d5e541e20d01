//! GrayLevelDependence (gldm): pyradiomics' Gray Level Dependence Matrix features.
//!
//! For each ROI voxel, count its in-ROI neighbours (bidirectional offsets at `distances`) whose
//! gray level differs by at most `gldm_a`; the voxel goes into dependence size count + 1.

use super::glszm::{FramedRows, NeighbourSteps, SizeMatrixSums, force2d_axis};
use super::gray_levels::GrayLevels;
use super::{ClassSettings, FeatureClass, FeatureDef, RoiView, def, removed};
use crate::error::{Error, Result};

/// pyradiomics' `gldm` feature class.
#[derive(Debug, Clone, Copy, Default)]
pub struct GrayLevelDependence;

const FEATURES: &[FeatureDef] = &[
    def("DependenceEntropy"),
    def("DependenceNonUniformity"),
    def("DependenceNonUniformityNormalized"),
    removed("DependencePercentage"),
    def("DependenceVariance"),
    def("GrayLevelNonUniformity"),
    removed("GrayLevelNonUniformityNormalized"),
    def("GrayLevelVariance"),
    def("HighGrayLevelEmphasis"),
    def("LargeDependenceEmphasis"),
    def("LargeDependenceHighGrayLevelEmphasis"),
    def("LargeDependenceLowGrayLevelEmphasis"),
    def("LowGrayLevelEmphasis"),
    def("SmallDependenceEmphasis"),
    def("SmallDependenceHighGrayLevelEmphasis"),
    def("SmallDependenceLowGrayLevelEmphasis"),
];

impl FeatureClass for GrayLevelDependence {
    fn name(&self) -> &'static str {
        "gldm"
    }

    fn features(&self) -> &'static [FeatureDef] {
        FEATURES
    }

    /// The two deprecated features come out as NaN: pyradiomics raises for them and reports
    /// no value at all.
    fn compute(&self, roi: &RoiView<'_>, settings: &ClassSettings) -> Result<Vec<f64>> {
        let levels = roi.gray_level_index()?;
        let alpha = dependence_threshold(settings.gldm_a)?;
        let steps = NeighbourSteps::new(roi.shape, &settings.distances, force2d_axis(settings)?)?;
        let level_index = levels.index();

        // counts[level index · n_sizes + dependent neighbours]
        let n_sizes = steps.len() + 1;
        let mut counts = vec![0u32; levels.len() * n_sizes];
        let [nz, ny, nx] = roi.shape;
        let max_level = i64::from(levels.max());
        if (0..1 << 30).contains(&alpha) && max_level < 1 << 30 {
            let rows = FramedRows::new(roi.shape, &settings.distances, force2d_axis(settings)?)?;
            // Sixteen bits hold every level, difference and count when the levels are small
            // (the usual case): twice the voxels per vector instruction, half the bytes.
            if max_level + alpha + 1 < i64::from(i16::MAX) && n_sizes < usize::from(u16::MAX) {
                dependence_counts::<i16, u16>(&rows, roi, &levels, alpha, n_sizes, &mut counts);
            } else {
                dependence_counts::<i32, u32>(&rows, roi, &levels, alpha, n_sizes, &mut counts);
            }
        } else {
            let mut index = 0usize;
            for z in 0..nz {
                for y in 0..ny {
                    for x in 0..nx {
                        if roi.mask[index] {
                            let gray = roi.gray_levels[index];
                            let mut dependent = 0usize;
                            steps.for_each([z, y, x], index, |j| {
                                if let (Some(&inside), Some(&g)) = (roi.mask.get(j), roi.gray_levels.get(j)) {
                                    dependent += usize::from(inside & (i64::from(gray.abs_diff(g)) <= alpha));
                                }
                            });
                            if let Some(c) = counts.get_mut(level_index[index] as usize * n_sizes + dependent) {
                                *c += 1;
                            }
                        }
                        index += 1;
                    }
                }
            }
        }

        let mut cells = Vec::new();
        let mut by_level = Vec::with_capacity(levels.len());
        let mut per_size = vec![0.0f64; n_sizes];
        for (&level, row) in levels.values().iter().zip(counts.chunks_exact(n_sizes)) {
            let i = f64::from(level);
            let mut level_total = 0.0;
            for (size_index, &n) in row.iter().enumerate() {
                if n > 0 {
                    let n = f64::from(n);
                    cells.push((i, (size_index + 1) as f64, n));
                    level_total += n;
                    per_size[size_index] += n;
                }
            }
            by_level.push((i, level_total));
        }
        let by_size: Vec<(f64, f64)> = per_size
            .iter()
            .enumerate()
            .filter(|(_, n)| **n > 0.0)
            .map(|(j, &n)| ((j + 1) as f64, n))
            .collect();

        let s = SizeMatrixSums::new(&cells, &by_level, &by_size);
        Ok(vec![
            s.entropy,
            s.size_non_uniformity,
            s.size_non_uniformity_normalized,
            f64::NAN,
            s.size_variance,
            s.level_non_uniformity,
            f64::NAN,
            s.level_variance,
            s.high_level_emphasis,
            s.large_emphasis,
            s.large_high_level_emphasis,
            s.large_low_level_emphasis,
            s.low_level_emphasis,
            s.small_emphasis,
            s.small_high_level_emphasis,
            s.small_low_level_emphasis,
        ])
    }
}

/// Count, per ROI voxel of the box, its neighbours within `alpha` of its level, offset by
/// offset over framed rows in `L` (levels) and `C` (counts), and add the voxel to
/// `counts[level index · n_sizes + dependent]`. The caller checked that every level,
/// difference and count fits. The frame holds −(α + 1), more than α away from every level
/// (all ≥ 1), so frame neighbours never count.
fn dependence_counts<L, C>(
    rows: &FramedRows,
    roi: &RoiView<'_>,
    levels: &GrayLevels,
    alpha: i64,
    n_sizes: usize,
    counts: &mut [u32],
) where
    L: Copy + PartialOrd + std::ops::Sub<Output = L> + std::ops::Neg<Output = L> + TryFrom<i64>,
    C: Copy + Default + std::ops::AddAssign + From<bool> + Into<u32>,
{
    let nx = roi.shape[2];
    let level_index = levels.index();
    let to_lane = |v: i64| L::try_from(v).ok();
    let (Some(outside), Some(a)) = (to_lane(-alpha - 1), to_lane(alpha)) else {
        return;
    };
    let framed = rows.frame(outside, |framed, box_row| {
        let gray = &roi.gray_levels[box_row.clone()];
        for ((f, &inside), &g) in framed.iter_mut().zip(&roi.mask[box_row]).zip(gray) {
            *f = if inside {
                to_lane(i64::from(g)).unwrap_or(outside)
            } else {
                outside
            };
        }
    });
    let exact = alpha == 0;
    let mut dependent = vec![C::default(); nx];
    rows.for_each_row(|first, neighbours, here| {
        // Only the row's ROI voxels count.
        let span = levels.row_span(first / nx);
        let (from, len) = (span.start, span.len());
        let centre = &framed[here + from..here + from + len];
        let dependent = &mut dependent[..len];
        dependent.fill(C::default());
        for &start in neighbours {
            let around = &framed[start + from..start + from + len];
            if exact {
                // α = 0 (the default): one compare per neighbour instead of two and a
                // subtraction. The frame's −1 never equals a level.
                for ((d, &c), &g) in dependent.iter_mut().zip(centre).zip(around) {
                    *d += C::from(c == g);
                }
            } else {
                for ((d, &c), &g) in dependent.iter_mut().zip(centre).zip(around) {
                    let diff = c - g;
                    *d += C::from((diff <= a) & (diff >= -a));
                }
            }
        }
        for (&d, &l) in dependent.iter().zip(&level_index[first + from..first + from + len]) {
            if l != GrayLevels::OUTSIDE {
                let d: u32 = d.into();
                if let Some(c) = counts.get_mut(l as usize * n_sizes + d as usize) {
                    *c += 1;
                }
            }
        }
    });
}

/// pyradiomics hands `gldm_a` to C as an int and compares integer differences with it, so only
/// its integer part matters.
fn dependence_threshold(gldm_a: f64) -> Result<i64> {
    if !gldm_a.is_finite() {
        return Err(Error::setting(
            "gldm_a",
            format!("must be a finite integer, got {gldm_a}"),
        ));
    }
    Ok(gldm_a.trunc().clamp(i64::MIN as f64, i64::MAX as f64) as i64)
}
