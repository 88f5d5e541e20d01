//! Gray Level Run Length Matrix features (pyradiomics `glrlm`).
//!
//! A run is a maximal sequence of consecutive ROI voxels of equal gray level along an angle. One
//! pass over the ROI finds, for every voxel and angle, whether the voxel starts a run (its
//! predecessor along the angle is outside the box, outside the ROI or of another level) and
//! walks the run forward. Features are computed per angle and averaged with `nanmean`.

use super::glcm::{MAX_MATRIX_CELLS, check_level_range, nanmean, texture_angles};
use super::gray_levels::GrayLevels;
use super::histogram::InterleavedHistogram;
use super::{ClassSettings, EPS, FeatureClass, FeatureDef, RoiView, WeightingNorm, def};
use crate::error::{Error, Result};
use crate::numpy::add_reduce;

/// pyradiomics' `glrlm` feature class.
#[derive(Debug, Clone, Copy, Default)]
pub struct GrayLevelRunLength;

/// Every glrlm feature in pyradiomics' order (ASCII order of the method names).
const FEATURES: [FeatureDef; 16] = [
    def("GrayLevelNonUniformity"),
    def("GrayLevelNonUniformityNormalized"),
    def("GrayLevelVariance"),
    def("HighGrayLevelRunEmphasis"),
    def("LongRunEmphasis"),
    def("LongRunHighGrayLevelEmphasis"),
    def("LongRunLowGrayLevelEmphasis"),
    def("LowGrayLevelRunEmphasis"),
    def("RunEntropy"),
    def("RunLengthNonUniformity"),
    def("RunLengthNonUniformityNormalized"),
    def("RunPercentage"),
    def("RunVariance"),
    def("ShortRunEmphasis"),
    def("ShortRunHighGrayLevelEmphasis"),
    def("ShortRunLowGrayLevelEmphasis"),
];
const N_FEATURES: usize = FEATURES.len();

impl FeatureClass for GrayLevelRunLength {
    fn name(&self) -> &'static str {
        "glrlm"
    }

    fn features(&self) -> &'static [FeatureDef] {
        &FEATURES
    }

    fn compute(&self, roi: &RoiView<'_>, settings: &ClassSettings) -> Result<Vec<f64>> {
        let levels = roi.gray_level_index()?;
        check_level_range(&levels)?;
        // GLRLM always uses distance 1, whatever `distances` says.
        let offsets = texture_angles(roi, &[1], settings)?;
        let nl = levels.len();
        let max_run = roi.shape.iter().copied().max().unwrap_or(1);
        let plane = nl
            .checked_mul(max_run)
            .ok_or_else(|| Error::InvalidArgument(format!("glrlm: {nl} gray levels are too many")))?;
        let cells = plane
            .checked_mul(offsets.len())
            .filter(|&c| c <= MAX_MATRIX_CELLS)
            .ok_or_else(|| {
                Error::InvalidArgument(format!(
                    "glrlm: {nl} gray levels × run lengths up to {max_run} make too large a matrix"
                ))
            })?;
        let counts = count_runs(roi, &levels, &offsets, plane, cells);
        let matrices = angle_matrices(&counts, plane, &offsets, roi.spacing, settings.weighting_norm);
        let gv: Vec<f64> = levels.values().iter().map(|&g| f64::from(g)).collect();
        let per_angle: Vec<[f64; N_FEATURES]> = matrices
            .iter()
            .map(|(p, runs)| angle_features(p, *runs, nl, max_run, &gv))
            .collect();
        let mut column = Vec::with_capacity(per_angle.len());
        Ok((0..N_FEATURES)
            .map(|f| {
                column.clear();
                column.extend(per_angle.iter().map(|a| a[f]));
                nanmean(&column)
            })
            .collect())
    }
}

/// `P[a][level][length − 1]`: runs per angle, level index and run length. An angle along which no
/// line holds more than one ROI voxel is zeroed, as pyradiomics does. Offsets are unit steps
/// (GLRLM always uses distance 1).
///
/// Per angle, one pass in memory order keeps each voxel's length of run so far (one more than
/// its predecessor's when they share a level) and counts a run where the next voxel differs.
/// Nothing branches on the data: voxels outside the ROI carry a spare level whose counts are
/// dropped, so the run structure of a noisy wavelet band costs no mispredicted branches.
fn count_runs(roi: &RoiView<'_>, levels: &GrayLevels, offsets: &[[isize; 3]], plane: usize, cells: usize) -> Vec<u32> {
    let size = [roi.shape[0], roi.shape[1], roi.shape[2]];
    let nl = levels.len();
    let max_run = plane / nl.max(1);
    // The index array framed by one layer of outside voxels, so every neighbour exists. Each
    // level index is stored times max_run: equal exactly when the levels are, and already the
    // first cell of the level's row of counts.
    let spare = (nl * max_run) as u32;
    let padded = [size[0] + 2, size[1] + 2, size[2] + 2];
    let mut index = vec![spare; padded[0] * padded[1] * padded[2]];
    let row = size[2];
    for (r, src) in levels.index().chunks_exact(row.max(1)).enumerate() {
        let (z, y) = (r / size[1], r % size[1]);
        let start = ((z + 1) * padded[1] + y + 1) * padded[2] + 1;
        for (d, &l) in index[start..start + row].iter_mut().zip(src) {
            *d = if l == GrayLevels::OUTSIDE {
                spare
            } else {
                l * max_run as u32
            };
        }
    }
    let mut counts = vec![0u32; cells];
    // Run length so far per voxel (0 on the frame).
    let mut length = vec![0u32; index.len()];
    // One angle's counts, with the spare level's row and one sink cell.
    let sink = (nl + 1) * max_run;
    let mut histogram = InterleavedHistogram::new(sink + 1);
    let mut cell = vec![0u32; row];
    for (a, o) in offsets.iter().enumerate() {
        // A run read backwards is the same run: walk every angle towards higher addresses.
        let lin = ((o[0] * padded[1] as isize + o[1]) * padded[2] as isize + o[2]).unsigned_abs();
        histogram.clear();
        for z in 1..=size[0] {
            for y in 1..=size[1] {
                // Only the row's ROI voxels: one outside the ROI counts into the dropped spare
                // level, and its stale length is never read (a voxel whose predecessor is
                // outside starts a run whatever that length says).
                let span = levels.row_span((z - 1) * size[1] + y - 1);
                if span.is_empty() {
                    continue;
                }
                let row = span.len();
                let first = (z * padded[1] + y) * padded[2] + 1 + span.start;
                let here = &index[first..first + row];
                let next = &index[first + lin..first + lin + row];
                if lin >= size[2] {
                    // The predecessors lie in earlier rows: the lengths of a row are independent.
                    let (done, rest) = length.split_at_mut(first);
                    let before = &done[first - lin..first - lin + row];
                    let back = &index[first - lin..first - lin + row];
                    for (((len, &prev_len), &l), &b) in rest[..row].iter_mut().zip(before).zip(here).zip(back) {
                        // prev_len + 1 on the same level, else 1: masked, so it vectorizes.
                        *len = (prev_len & 0u32.wrapping_sub(u32::from(b == l))) + 1;
                    }
                } else {
                    for v in first..first + row {
                        length[v] = (length[v - lin] & 0u32.wrapping_sub(u32::from(index[v - lin] == index[v]))) + 1;
                    }
                }
                // The cell of every voxel of the row (vectorized), then the counting alone: a
                // tight loop whose only memory write is the increment.
                let last = (max_run - 1) as u32;
                for (((c, &l), &n), &len) in cell[..row]
                    .iter_mut()
                    .zip(here)
                    .zip(next)
                    .zip(&length[first..first + row])
                {
                    let at = l + (len - 1).min(last);
                    // A voxel inside a run counts into the sink instead: no branch.
                    *c = if n != l { at } else { sink as u32 };
                }
                histogram.count(&cell[..row]);
            }
        }
        histogram.add_to(0..plane, &mut counts[a * plane..(a + 1) * plane]);
        let multi = counts[a * plane..(a + 1) * plane]
            .chunks_exact(max_run)
            .any(|lengths| lengths[1..].iter().any(|&c| c > 0));
        if !multi
            && !line_with_two_voxels(
                levels.index(),
                [size[0] as isize, size[1] as isize, size[2] as isize],
                o,
            )
        {
            counts[a * plane..(a + 1) * plane].iter_mut().for_each(|c| *c = 0);
        }
    }
    counts
}

/// True if some line along offset `o` crosses at least two ROI voxels (not necessarily
/// consecutive): pyradiomics keeps an angle only then.
fn line_with_two_voxels(index: &[u32], size: [isize; 3], o: &[isize; 3]) -> bool {
    let inside =
        |p: [isize; 3]| p[0] >= 0 && p[1] >= 0 && p[2] >= 0 && p[0] < size[0] && p[1] < size[1] && p[2] < size[2];
    let lin = (o[0] * size[1] + o[1]) * size[2] + o[2];
    let mut v = 0isize;
    for z in 0..size[0] {
        for y in 0..size[1] {
            for x in 0..size[2] {
                // Walk only from line starts: voxels whose predecessor is outside the box.
                if !inside([z - o[0], y - o[1], x - o[2]]) {
                    let mut found = 0;
                    let mut at = [z, y, x];
                    let mut w = v;
                    while inside(at) {
                        if index[w as usize] != GrayLevels::OUTSIDE {
                            found += 1;
                            if found > 1 {
                                return true;
                            }
                        }
                        at = [at[0] + o[0], at[1] + o[1], at[2] + o[2]];
                        w += lin;
                    }
                }
                v += 1;
            }
        }
    }
    false
}

/// The matrices features are computed on, each with its run count `Nr` (NaN if 0): per angle,
/// or one distance-weighted sum; empty angles removed when there are several.
fn angle_matrices(
    counts: &[u32],
    plane: usize,
    offsets: &[[isize; 3]],
    spacing: [f64; 3],
    weighting: Option<WeightingNorm>,
) -> Vec<(Vec<f64>, f64)> {
    let mut matrices: Vec<Vec<f64>> = counts
        .chunks_exact(plane.max(1))
        .take(offsets.len())
        .map(|c| c.iter().map(|&n| f64::from(n)).collect())
        .collect();
    if let Some(norm) = weighting {
        let weights: Vec<f64> = offsets.iter().map(|o| glrlm_weight(norm, o, spacing)).collect();
        let mut merged = vec![0.0; plane];
        let mut terms = vec![0.0; matrices.len()];
        for (cell, out) in merged.iter_mut().enumerate() {
            for ((t, m), w) in terms.iter_mut().zip(&matrices).zip(&weights) {
                *t = m[cell] * w;
            }
            *out = add_reduce(&terms);
        }
        matrices = vec![merged];
    }
    let several = matrices.len() > 1;
    matrices
        .into_iter()
        .map(|m| {
            let runs: f64 = m.iter().sum();
            (m, runs)
        })
        .filter(|(_, runs)| !several || *runs != 0.0)
        .map(|(m, runs)| (m, if runs == 0.0 { f64::NAN } else { runs }))
        .collect()
}

/// pyradiomics' GLRLM angle weight: the angle's length in mm under the chosen norm.
fn glrlm_weight(norm: WeightingNorm, offset: &[isize; 3], spacing: [f64; 3]) -> f64 {
    let d = [
        offset[0].unsigned_abs() as f64 * spacing[0],
        offset[1].unsigned_abs() as f64 * spacing[1],
        offset[2].unsigned_abs() as f64 * spacing[2],
    ];
    match norm {
        WeightingNorm::Infinity => d[0].max(d[1]).max(d[2]),
        WeightingNorm::Euclidean => (d[0] * d[0] + d[1] * d[1] + d[2] * d[2]).sqrt(),
        WeightingNorm::Manhattan => d[0] + d[1] + d[2],
        WeightingNorm::NoWeighting => 1.0,
    }
}

/// The 16 features of one angle's matrix `p` (levels × run lengths) with `runs` = Nr.
fn angle_features(p: &[f64], runs: f64, nl: usize, max_run: usize, gv: &[f64]) -> [f64; N_FEATURES] {
    let mut pr = vec![0.0; max_run];
    let mut pg = vec![0.0; nl];
    let (mut entropy, mut srlgle, mut srhgle, mut lrlgle, mut lrhgle) = (0.0, 0.0, 0.0, 0.0, 0.0);
    for (i, row) in p.chunks_exact(max_run.max(1)).take(nl).enumerate() {
        let ii = gv[i] * gv[i];
        for (j, &v) in row.iter().enumerate() {
            // Zero cells (and the run lengths pyradiomics deletes) add only zeros.
            if v == 0.0 {
                continue;
            }
            let jj = (j as f64 + 1.0) * (j as f64 + 1.0);
            pr[j] += v;
            pg[i] += v;
            let q = v / runs;
            entropy += q * (q + EPS).log2();
            srlgle += v / (ii * jj);
            srhgle += v * ii / jj;
            lrlgle += v * jj / ii;
            lrhgle += v * (jj * ii);
        }
    }
    let (mut sre, mut lre, mut rln, mut run_voxels) = (0.0, 0.0, 0.0, 0.0);
    for (j, &v) in pr.iter().enumerate() {
        let len = j as f64 + 1.0;
        sre += v / (len * len);
        lre += v * (len * len);
        rln += v * v;
        run_voxels += v * len;
    }
    let (mut gln, mut lglre, mut hglre) = (0.0, 0.0, 0.0);
    for (&v, &g) in pg.iter().zip(gv) {
        gln += v * v;
        lglre += v / (g * g);
        hglre += v * (g * g);
    }
    let gray_mean: f64 = pg.iter().zip(gv).map(|(&v, &g)| v / runs * g).sum();
    let gray_variance: f64 = pg
        .iter()
        .zip(gv)
        .map(|(&v, &g)| v / runs * ((g - gray_mean) * (g - gray_mean)))
        .sum();
    // pyradiomics deletes run lengths absent from every angle; without runs at all (one angle,
    // Nr = NaN) that leaves empty sums, so RunVariance is 0, not NaN. Skipping zeros does both.
    let run_mean: f64 = pr
        .iter()
        .enumerate()
        .filter(|(_, v)| **v != 0.0)
        .map(|(j, &v)| v / runs * (j as f64 + 1.0))
        .sum();
    let run_variance: f64 = pr
        .iter()
        .enumerate()
        .filter(|(_, v)| **v != 0.0)
        .map(|(j, &v)| {
            let d = j as f64 + 1.0 - run_mean;
            v / runs * (d * d)
        })
        .sum();
    let runs2 = runs * runs;
    [
        gln / runs,
        gln / runs2,
        gray_variance,
        hglre / runs,
        lre / runs,
        lrhgle / runs,
        lrlgle / runs,
        lglre / runs,
        -entropy,
        rln / runs,
        rln / runs2,
        runs / run_voxels,
        run_variance,
        sre / runs,
        srhgle / runs,
        srlgle / runs,
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn feature_names_are_sorted() {
        let names: Vec<&str> = FEATURES.iter().map(|f| f.name).collect();
        let mut sorted = names.clone();
        sorted.sort_unstable();
        assert_eq!(names, sorted);
    }

    #[test]
    fn runs_along_x() {
        // One row: levels 1 1 2, in ROI, shape (1, 1, 3): one angle (0, 0, 1).
        let mask = [true; 3];
        let gray = [1u32, 1, 2];
        let intensities = [0.0; 3];
        let roi = RoiView {
            shape: [1, 1, 3],
            spacing: [1.0; 3],
            mask: &mask,
            intensities: &intensities,
            gray_levels: &gray,
            levels: None,
        };
        let v = GrayLevelRunLength.compute(&roi, &ClassSettings::default()).unwrap();
        // Two runs (lengths 2 and 1) over 3 voxels.
        assert_eq!(v[11], 2.0 / 3.0);
        // SRE = (1/4 + 1) / 2.
        assert_eq!(v[13], 0.625);
    }
}
