//! NeighbouringGrayToneDifference (ngtdm): pyradiomics' Neighbouring Gray Tone Difference
//! Matrix features.
//!
//! For each ROI voxel, Ā is the mean gray level of its in-ROI neighbours (bidirectional
//! offsets at `distances`, centre excluded) and s_i accumulates |i − Ā|. A voxel without any
//! in-ROI neighbour still counts in n_i, with a difference of 0 (pyradiomics, not IBSI).

use super::glszm::{FramedRows, NeighbourSteps, force2d_axis};
use super::gray_levels::GrayLevels;
use super::{ClassSettings, FeatureClass, FeatureDef, RoiView, def};
use crate::error::Result;

/// pyradiomics' `ngtdm` feature class.
#[derive(Debug, Clone, Copy, Default)]
pub struct NeighbouringGrayToneDifference;

const FEATURES: &[FeatureDef] = &[
    def("Busyness"),
    def("Coarseness"),
    def("Complexity"),
    def("Contrast"),
    def("Strength"),
];

impl FeatureClass for NeighbouringGrayToneDifference {
    fn name(&self) -> &'static str {
        "ngtdm"
    }

    fn features(&self) -> &'static [FeatureDef] {
        FEATURES
    }

    fn compute(&self, roi: &RoiView<'_>, settings: &ClassSettings) -> Result<Vec<f64>> {
        let levels = roi.gray_level_index()?;
        let steps = NeighbourSteps::new(roi.shape, &settings.distances, force2d_axis(settings)?)?;
        let level_index = levels.index();

        let mut n = vec![0.0f64; levels.len()];
        let mut s = vec![0.0f64; levels.len()];
        let [nz, ny, nx] = roi.shape;
        // The C code sums integer levels in a double: exact, like these integer sums.
        // Voxel `i` of the box, in the ROI, with `count` in-ROI neighbours summing to `sum`.
        let mut add = |i: usize, count: u64, sum: u64| {
            let gray = roi.gray_levels[i];
            let diff = if count == 0 {
                0.0
            } else {
                (f64::from(gray) - sum as f64 / count as f64).abs()
            };
            let li = level_index[i] as usize;
            if let (Some(n_i), Some(s_i)) = (n.get_mut(li), s.get_mut(li)) {
                *n_i += 1.0;
                *s_i += diff;
            }
        };
        // The box sums below include the centre: one more term than the neighbours.
        let largest_sum = u64::from(levels.max()) * (steps.len() as u64 + 1);
        if largest_sum < u64::from(u32::MAX) {
            // Offset by offset over framed rows; frame voxels are outside (count 0, level 0).
            let rows = FramedRows::new(roi.shape, &settings.distances, force2d_axis(settings)?)?;
            // Sixteen bits hold every count and sum when the levels are small (the usual
            // case): twice the voxels per vector instruction and half the bytes to stream.
            if largest_sum < u64::from(u16::MAX) {
                neighbour_sums::<u16>(&rows, roi, &levels, &mut add);
            } else {
                neighbour_sums::<u32>(&rows, roi, &levels, &mut add);
            }
        } else {
            let mut index = 0usize;
            for z in 0..nz {
                for y in 0..ny {
                    for x in 0..nx {
                        if roi.mask[index] {
                            let (mut count, mut sum) = (0u64, 0u64);
                            steps.for_each([z, y, x], index, |j| {
                                if let (Some(&inside), Some(&g)) = (roi.mask.get(j), roi.gray_levels.get(j)) {
                                    count += u64::from(inside);
                                    sum += u64::from(g) * u64::from(inside);
                                }
                            });
                            add(index, count, sum);
                        }
                        index += 1;
                    }
                }
            }
        }

        let levels: Vec<f64> = levels.values().iter().map(|&g| f64::from(g)).collect();
        Ok(features(&levels, &n, &s).to_vec())
    }
}

/// Per ROI voxel `i` of the box, in C order: `add(i, count, sum)` with the number of its
/// in-ROI neighbours and their summed levels, added offset by offset over framed rows in `T`
/// (which the caller checked holds the largest sum).
fn neighbour_sums<T>(rows: &FramedRows, roi: &RoiView<'_>, levels: &GrayLevels, add: &mut impl FnMut(usize, u64, u64))
where
    T: Copy + Default + std::ops::AddAssign + std::ops::Add<Output = T> + std::ops::Sub<Output = T>,
    T: From<u8> + Into<u64> + TryFrom<u32>,
{
    let nx = roi.shape[2];
    let (zero, one) = (T::default(), T::from(1u8));
    let inside = rows.frame(zero, |framed, box_row| {
        for (f, &m) in framed.iter_mut().zip(&roi.mask[box_row]) {
            *f = if m { one } else { zero };
        }
    });
    let weighted = rows.frame(zero, |framed, box_row| {
        let gray = &roi.gray_levels[box_row.clone()];
        for ((f, &m), &g) in framed.iter_mut().zip(&roi.mask[box_row]).zip(gray) {
            *f = if m { T::try_from(g).unwrap_or(zero) } else { zero };
        }
    });
    if let Some([plane, row]) = rows.whole_neighbourhood() {
        // All 26 neighbours: their sum is the 3×3×3 box's minus the centre, and a box sum is
        // three passes of two additions (x, y, z) instead of 26 (integers: the same sums).
        let (count, sum) = (box_sums(&inside, plane, row), box_sums(&weighted, plane, row));
        let (ny, framed_ny) = (roi.shape[1], plane / row);
        for r in 0..roi.shape[0] * ny {
            let first = r * nx;
            // Framed index of the row's first voxel (one voxel of frame on every side).
            let framed = ((r / ny + 1) * framed_ny + r % ny + 1) * row + 1;
            for x in levels.row_span(r) {
                let (i, f) = (first + x, framed + x);
                if roi.mask[i] {
                    add(i, (count[f] - inside[f]).into(), (sum[f] - weighted[f]).into());
                }
            }
        }
        return;
    }
    let (mut count, mut sum) = (vec![zero; nx], vec![zero; nx]);
    rows.for_each_row(|first, neighbours, _| {
        // Only the row's ROI voxels count.
        let span = levels.row_span(first / nx);
        let (from, len) = (span.start, span.len());
        let (count, sum) = (&mut count[..len], &mut sum[..len]);
        count.fill(zero);
        sum.fill(zero);
        for &start in neighbours {
            for (c, &v) in count.iter_mut().zip(&inside[start + from..start + from + len]) {
                *c += v;
            }
            for (t, &g) in sum.iter_mut().zip(&weighted[start + from..start + from + len]) {
                *t += g;
            }
        }
        for x in 0..len {
            let i = first + from + x;
            if roi.mask[i] {
                add(i, count[x].into(), sum[x].into());
            }
        }
    });
}

/// The five features from the levels present (`i`), their voxel counts `n` (all > 0) and
/// summed differences `s`, in the order of [`FEATURES`].
/// The sum over the 3×3×3 box around every voxel of `values` (framed by one voxel of zeros,
/// `plane` and `row` its strides), valid where the box lies inside the frame. Frame positions
/// hold partial sums never read; none exceeds 27 times the largest value.
fn box_sums<T: Copy + Default + std::ops::Add<Output = T>>(values: &[T], plane: usize, row: usize) -> Vec<T> {
    fn add3<T: Copy + std::ops::Add<Output = T>>(out: &mut [T], a: &[T], b: &[T], c: &[T]) {
        for (((o, &a), &b), &c) in out.iter_mut().zip(a).zip(b).zip(c) {
            *o = a + b + c;
        }
    }
    let n = values.len();
    let (mut along_x, mut along_y) = (vec![T::default(); n], vec![T::default(); n]);
    add3(
        &mut along_x[1..n - 1],
        &values[..n - 2],
        &values[1..n - 1],
        &values[2..],
    );
    add3(
        &mut along_y[row..n - row],
        &along_x[..n - 2 * row],
        &along_x[row..n - row],
        &along_x[2 * row..],
    );
    add3(
        &mut along_x[plane..n - plane],
        &along_y[..n - 2 * plane],
        &along_y[plane..n - plane],
        &along_y[2 * plane..],
    );
    along_x
}

fn features(i: &[f64], n: &[f64], s: &[f64]) -> [f64; 5] {
    let n_vp: f64 = n.iter().sum();
    let p: Vec<f64> = n.iter().map(|&n_i| n_i / n_vp).collect();
    let ps: Vec<f64> = p.iter().zip(s).map(|(p_i, s_i)| p_i * s_i).collect();
    let sum_ps: f64 = ps.iter().sum();
    let sum_s: f64 = s.iter().sum();
    let n_gp = i.len() as f64;

    // Pair sums over i ≠ j; every term is symmetric, so take j > i and double.
    let (mut contrast_sum, mut busy_denominator, mut complexity, mut strength) = (0.0, 0.0, 0.0, 0.0);
    for a in 0..i.len() {
        for b in a + 1..i.len() {
            let d = i[a] - i[b];
            let d2 = d * d;
            contrast_sum += 2.0 * p[a] * p[b] * d2;
            busy_denominator += 2.0 * (i[a] * p[a] - i[b] * p[b]).abs();
            complexity += 2.0 * d.abs() * (ps[a] + ps[b]) / (p[a] + p[b]);
            strength += 2.0 * (p[a] + p[b]) * d2;
        }
    }

    let coarseness = if sum_ps != 0.0 { 1.0 / sum_ps } else { 1e6 };
    let divisor = n_gp * (n_gp - 1.0);
    let contrast = if divisor != 0.0 {
        contrast_sum * sum_s / n_vp / divisor
    } else {
        0.0
    };
    let busyness = if busy_denominator != 0.0 {
        sum_ps / busy_denominator
    } else {
        0.0
    };
    let strength = if sum_s != 0.0 { strength / sum_s } else { 0.0 };
    [busyness, coarseness, complexity / n_vp, contrast, strength]
}
