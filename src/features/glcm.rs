//! Gray Level Co-occurrence Matrix features (pyradiomics `glcm`).
//!
//! One pass over the ROI counts co-occurrences for every angle into flat `u32` matrices indexed
//! by the *present* gray levels (absent levels are dropped, as pyradiomics does). Each angle's
//! matrix is then made symmetric, optionally merged by distance weighting, normalised, and the
//! features are computed per angle and averaged with `nanmean`.
//!
//! The helpers at the end (the gray-level range check, numpy-like sums, angle weights) are shared
//! with `glrlm.rs`.

use nalgebra::DMatrix;
use nalgebra::linalg::Hessenberg;

use super::gray_levels::GrayLevels;
use super::histogram::InterleavedHistogram;
use super::neighbourhood::angles;
use super::{ClassSettings, EPS, FeatureClass, FeatureDef, RoiView, WeightingNorm, def, removed};
use crate::error::{Error, Result};
use crate::numpy::{add_reduce, complex_sqrt_re, pairwise_sum};

/// pyradiomics' `glcm` feature class.
#[derive(Debug, Clone, Copy, Default)]
pub struct GrayLevelCooccurrence;

/// Every glcm feature in pyradiomics' order (ASCII order of the method names).
const FEATURES: [FeatureDef; 28] = [
    def("Autocorrelation"),
    def("ClusterProminence"),
    def("ClusterShade"),
    def("ClusterTendency"),
    def("Contrast"),
    def("Correlation"),
    def("DifferenceAverage"),
    def("DifferenceEntropy"),
    def("DifferenceVariance"),
    removed("Dissimilarity"),
    removed("Homogeneity1"),
    removed("Homogeneity2"),
    def("Id"),
    def("Idm"),
    def("Idmn"),
    def("Idn"),
    def("Imc1"),
    def("Imc2"),
    def("InverseVariance"),
    def("JointAverage"),
    def("JointEnergy"),
    def("JointEntropy"),
    def("MCC"),
    def("MaximumProbability"),
    def("SumAverage"),
    def("SumEntropy"),
    def("SumSquares"),
    removed("SumVariance"),
];

// Positions in FEATURES.
const AUTOCORRELATION: usize = 0;
const CLUSTER_PROMINENCE: usize = 1;
const CLUSTER_SHADE: usize = 2;
const CLUSTER_TENDENCY: usize = 3;
const CONTRAST: usize = 4;
const CORRELATION: usize = 5;
const DIFFERENCE_AVERAGE: usize = 6;
const DIFFERENCE_ENTROPY: usize = 7;
const DIFFERENCE_VARIANCE: usize = 8;
const DISSIMILARITY: usize = 9;
const HOMOGENEITY1: usize = 10;
const HOMOGENEITY2: usize = 11;
const ID: usize = 12;
const IDM: usize = 13;
const IDMN: usize = 14;
const IDN: usize = 15;
const IMC1: usize = 16;
const IMC2: usize = 17;
const INVERSE_VARIANCE: usize = 18;
const JOINT_AVERAGE: usize = 19;
const JOINT_ENERGY: usize = 20;
const JOINT_ENTROPY: usize = 21;
const MCC: usize = 22;
const MAXIMUM_PROBABILITY: usize = 23;
const SUM_AVERAGE: usize = 24;
const SUM_ENTROPY: usize = 25;
const SUM_SQUARES: usize = 26;
const SUM_VARIANCE: usize = 27;
const N_FEATURES: usize = FEATURES.len();

impl FeatureClass for GrayLevelCooccurrence {
    fn name(&self) -> &'static str {
        "glcm"
    }

    fn features(&self) -> &'static [FeatureDef] {
        &FEATURES
    }

    /// Deprecated features (Dissimilarity, Homogeneity1/2, SumVariance) are NaN: pyradiomics
    /// raises a DeprecationWarning for them and reports no value.
    fn compute(&self, roi: &RoiView<'_>, settings: &ClassSettings) -> Result<Vec<f64>> {
        let levels = roi.gray_level_index()?;
        check_level_range(&levels)?;
        let offsets = texture_angles(roi, &settings.distances, settings)?;
        let nl = levels.len();
        let cell_count = nl
            .checked_mul(nl)
            .and_then(|c| c.checked_mul(offsets.len()))
            .filter(|&c| c <= MAX_MATRIX_CELLS)
            .ok_or_else(|| {
                Error::InvalidArgument(format!(
                    "glcm: {nl} gray levels over {} angles make too large a matrix (use a larger bin width)",
                    offsets.len()
                ))
            })?;
        let counts = count_cooccurrences(roi, &levels, &offsets, cell_count);
        let (matrices, layout) = angle_matrices(&counts, nl, &offsets, roi.spacing, settings, &levels);
        Ok(features_over_angles(&matrices, nl, &levels, layout))
    }
}

/// Count `P[a][i][j]`: voxel of level index `i` whose neighbour at offset `a` has level index `j`,
/// both in the ROI.
///
/// Angle by angle over a copy of the level indices framed by outside voxels (so every neighbour
/// exists): each row's cells `i·(n+1) + j` come from one vectorized pass, outside voxels carrying
/// the spare level n whose row and column are dropped; a tight loop then counts them into four
/// interleaved histograms, so no chain of increments to one cell forms in a uniform region.
fn count_cooccurrences(roi: &RoiView<'_>, levels: &GrayLevels, offsets: &[[isize; 3]], cells: usize) -> Vec<u32> {
    let nl = levels.len();
    let plane = nl * nl;
    let side = nl + 1;
    let [nz, ny, nx] = roi.shape;
    let mut margin = [0usize; 3];
    for o in offsets {
        for a in 0..3 {
            margin[a] = margin[a].max(o[a].unsigned_abs());
        }
    }
    let framed_size = [nz + 2 * margin[0], ny + 2 * margin[1], nx + 2 * margin[2]];
    let stride = [(framed_size[1] * framed_size[2]) as isize, framed_size[2] as isize, 1];
    let spare = nl as u32;
    // The neighbour's index j, and the voxel's own i·(n+1), framed by the spare level.
    let mut there = vec![spare; framed_size.iter().product()];
    for z in 0..nz {
        for y in 0..ny {
            let start = ((z + margin[0]) * framed_size[1] + y + margin[1]) * framed_size[2] + margin[2];
            let src = &levels.index()[(z * ny + y) * nx..(z * ny + y + 1) * nx];
            for (d, &l) in there[start..start + nx].iter_mut().zip(src) {
                *d = if l == GrayLevels::OUTSIDE { spare } else { l };
            }
        }
    }
    let here: Vec<u32> = there.iter().map(|&l| l * side as u32).collect();
    let mut counts = vec![0u32; cells];
    let mut histogram = InterleavedHistogram::new(side * side);
    let mut cell = vec![0u32; nx];
    for (a, o) in offsets.iter().enumerate() {
        histogram.clear();
        let step = o[0] * stride[0] + o[1] * stride[1] + o[2];
        for z in 0..nz {
            for y in 0..ny {
                // Voxels outside the ROI only count into the dropped spare row: skip them.
                let span = levels.row_span(z * ny + y);
                if span.is_empty() {
                    continue;
                }
                let row_start = ((z + margin[0]) * framed_size[1] + y + margin[1]) * framed_size[2] + margin[2];
                let start = row_start + span.start;
                let neighbour = start.wrapping_add_signed(step);
                let cell = &mut cell[..span.len()];
                for ((c, &i), &j) in cell
                    .iter_mut()
                    .zip(&here[start..start + span.len()])
                    .zip(&there[neighbour..neighbour + span.len()])
                {
                    *c = i + j;
                }
                histogram.count(cell);
            }
        }
        // Drop the spare level's row and column.
        let matrix = &mut counts[a * plane..(a + 1) * plane];
        for (i, row) in matrix.chunks_exact_mut(nl).enumerate() {
            histogram.add_to(i * side..i * side + nl, row);
        }
    }
    counts
}

/// The matrices features are computed on: per angle (or one weighted sum), symmetric if asked,
/// empty angles removed, each normalised to sum 1 (NaN if it sums to 0).
fn angle_matrices(
    counts: &[u32],
    nl: usize,
    offsets: &[[isize; 3]],
    spacing: [f64; 3],
    settings: &ClassSettings,
    levels: &GrayLevels,
) -> (Vec<Vec<f64>>, NumpyLayout) {
    // pyradiomics deletes the absent levels from a matrix over 1..=max level.
    let absent_levels = (levels.max() as usize).saturating_sub(nl);
    let plane = nl * nl;
    let mut matrices: Vec<Vec<f64>> = counts
        .chunks_exact(plane.max(1))
        .take(offsets.len())
        .map(|c| {
            let mut p: Vec<f64> = c.iter().map(|&n| f64::from(n)).collect();
            if settings.symmetrical_glcm {
                for i in 0..nl {
                    for j in 0..nl {
                        p[i * nl + j] = f64::from(c[i * nl + j]) + f64::from(c[j * nl + i]);
                    }
                }
            }
            p
        })
        .collect();
    if let Some(norm) = settings.weighting_norm {
        let weights: Vec<f64> = offsets.iter().map(|o| glcm_weight(norm, o, spacing)).collect();
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
    let empty_angles = if matrices.len() > 1 {
        matrices.iter().filter(|m| m.iter().all(|&v| v == 0.0)).count()
    } else {
        0
    };
    let layout = NumpyLayout::of(
        absent_levels,
        settings.weighting_norm.is_some(),
        matrices.len(),
        empty_angles,
    );
    // Counts sum exactly in any order; weighted matrices in numpy's.
    let sums: Vec<f64> = matrices
        .iter()
        .map(|m| layout.sum_cells(nl, &mut Vec::new(), |i, j| m[i * nl + j]))
        .collect();
    if matrices.len() > 1 {
        let mut kept = Vec::with_capacity(matrices.len());
        for (m, &s) in matrices.into_iter().zip(&sums) {
            if s != 0.0 {
                kept.push((m, s));
            }
        }
        return (kept.into_iter().map(|(m, s)| normalised(m, s)).collect(), layout);
    }
    (
        matrices.into_iter().zip(sums).map(|(m, s)| normalised(m, s)).collect(),
        layout,
    )
}

/// How pyradiomics' normalised `P_glcm` lies in memory, which decides the order in which numpy
/// sums each angle's cells (and so the last bits of the means and entropies, which decide
/// Correlation's `σx·σy == 0` and Imc2's `HXY2 − HXY < 0` on degenerate angles).
///
/// `numpy.delete` of exactly one index copies into a new C-order array; of none or several it
/// indexes with a mask, which puts the deleted axis outermost in memory, the others in their
/// memory order. So the gray-level deletions (axis i, then j) leave j outer of i unless exactly
/// one level was absent; deleting several empty angles puts the angle axis outermost (one
/// empty angle gives C order again); the distance weighting's sum over angles leaves one angle.
/// numpy then sums in memory order: one after the other into each angle's sum while angles
/// are innermost, pairwise over each angle's contiguous block of cells once they are not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct NumpyLayout {
    /// The cells of an angle run j-major (column after column).
    column_major: bool,
    /// Each angle's cells are one contiguous block (summed pairwise).
    blocks: bool,
}

impl NumpyLayout {
    fn of(absent_levels: usize, weighted: bool, angles: usize, empty_angles: usize) -> Self {
        let column_major = absent_levels != 1;
        if weighted || angles == 1 {
            return NumpyLayout {
                column_major,
                blocks: true,
            };
        }
        match empty_angles {
            0 => NumpyLayout {
                column_major,
                blocks: false,
            },
            1 => NumpyLayout {
                column_major: false,
                blocks: angles == 2,
            },
            _ => NumpyLayout {
                column_major,
                blocks: true,
            },
        }
    }

    /// numpy's sum over the (i, j) cells of one angle of `term(i, j)`; `buffer` is scratch.
    fn sum_cells(self, nl: usize, buffer: &mut Vec<f64>, term: impl Fn(usize, usize) -> f64) -> f64 {
        if self.blocks {
            buffer.clear();
            self.for_each_cell(nl, term, |v| buffer.push(v));
            0.0 + pairwise_sum(buffer)
        } else {
            let mut sum = 0.0;
            self.for_each_cell(nl, term, |v| sum += v);
            sum
        }
    }

    /// `term(i, j)` of every cell, in memory order.
    #[inline]
    fn for_each_cell(self, nl: usize, term: impl Fn(usize, usize) -> f64, mut visit: impl FnMut(f64)) {
        for outer in 0..nl {
            for inner in 0..nl {
                visit(if self.column_major {
                    term(inner, outer)
                } else {
                    term(outer, inner)
                });
            }
        }
    }

    /// numpy's `P.sum(2)` (over j, for p_x) is pairwise when j is innermost.
    fn rows_pairwise(self) -> bool {
        self.blocks && !self.column_major
    }

    /// `P.sum(1)` (over i, for p_y) is pairwise when i is innermost.
    fn columns_pairwise(self) -> bool {
        self.blocks && self.column_major
    }

    /// `px * py` is a fresh array in C order, its angle axis outermost when P's is.
    fn of_outer_product(self) -> Self {
        NumpyLayout {
            column_major: false,
            blocks: self.blocks,
        }
    }
}

fn normalised(mut m: Vec<f64>, sum: f64) -> Vec<f64> {
    let sum = if sum == 0.0 { f64::NAN } else { sum };
    m.iter_mut().for_each(|v| *v /= sum);
    m
}

/// pyradiomics' GLCM distance weight exp(−‖a·spacing‖²) for one angle.
fn glcm_weight(norm: WeightingNorm, offset: &[isize; 3], spacing: [f64; 3]) -> f64 {
    let d = [
        offset[0].unsigned_abs() as f64 * spacing[0],
        offset[1].unsigned_abs() as f64 * spacing[1],
        offset[2].unsigned_abs() as f64 * spacing[2],
    ];
    match norm {
        WeightingNorm::Infinity => {
            let m = d[0].max(d[1]).max(d[2]);
            (-(m * m)).exp()
        }
        WeightingNorm::Euclidean => (-(d[0] * d[0] + d[1] * d[1] + d[2] * d[2])).exp(),
        WeightingNorm::Manhattan => {
            let s = d[0] + d[1] + d[2];
            (-(s * s)).exp()
        }
        WeightingNorm::NoWeighting => 1.0,
    }
}

/// Per-angle features, then nanmean over angles (plain mean for JointAverage, complex-aware
/// handling for MCC), as pyradiomics does.
fn features_over_angles(matrices: &[Vec<f64>], nl: usize, levels: &GrayLevels, layout: NumpyLayout) -> Vec<f64> {
    let ng = levels.max() as usize;
    let gv: Vec<f64> = levels.values().iter().map(|&g| f64::from(g)).collect();
    let mut scratch = Scratch::new(nl, ng);
    let mut per_angle: Vec<[f64; N_FEATURES]> = Vec::with_capacity(matrices.len());
    let mut mcc_eigen: Vec<Option<EigenSummary>> = Vec::with_capacity(matrices.len());
    for p in matrices {
        per_angle.push(angle_features(p, nl, ng, &gv, layout, &mut scratch));
        mcc_eigen.push(second_largest_eigenvalue(p, nl, &mut scratch));
    }
    let mut out = vec![f64::NAN; N_FEATURES];
    let mut column = Vec::with_capacity(per_angle.len());
    for (f, value) in out.iter_mut().enumerate() {
        column.clear();
        column.extend(per_angle.iter().map(|a| a[f]));
        *value = match f {
            DISSIMILARITY | HOMOGENEITY1 | HOMOGENEITY2 | SUM_VARIANCE => f64::NAN,
            // `ux.mean()`: NaN angles are not skipped.
            JOINT_AVERAGE => mean(&column),
            MCC => mcc(&mcc_eigen, nl),
            _ => nanmean(&column),
        };
    }
    out
}

/// Work buffers reused across angles.
struct Scratch {
    px: Vec<f64>,
    py: Vec<f64>,
    sum_diag: Vec<f64>,
    diff_diag: Vec<f64>,
    q: Vec<f64>,
    denominators: Vec<f64>,
    /// Terms of one pairwise sum.
    terms: Vec<f64>,
}

impl Scratch {
    fn new(nl: usize, ng: usize) -> Self {
        Scratch {
            px: vec![0.0; nl],
            py: vec![0.0; nl],
            sum_diag: vec![0.0; (2 * ng).saturating_sub(1)],
            diff_diag: vec![0.0; ng],
            q: Vec::new(),
            denominators: Vec::new(),
            terms: Vec::new(),
        }
    }
}

/// `p · log2(p + eps)`, the term of an entropy; an empty cell's is −0.0 (0 · log2(eps)).
#[inline]
fn entropy_term(p: f64) -> f64 {
    if p == 0.0 { -0.0 } else { p * (p + EPS).log2() }
}

/// All features but MCC for one normalised matrix `p` (nl × nl, row = reference level).
/// The marginals, means and HXY, HXY2 are summed in numpy's order for pyradiomics' `layout`
/// (on a degenerate angle their last bits decide Correlation and Imc2); the other sums run in
/// row-major order, within rounding of numpy's.
fn angle_features(
    p: &[f64],
    nl: usize,
    ng: usize,
    gv: &[f64],
    layout: NumpyLayout,
    s: &mut Scratch,
) -> [f64; N_FEATURES] {
    let mut out = [f64::NAN; N_FEATURES];
    let (px, py, terms) = (&mut s.px, &mut s.py, &mut s.terms);
    for (i, x) in px.iter_mut().enumerate() {
        let row = &p[i * nl..(i + 1) * nl];
        *x = if layout.rows_pairwise() {
            0.0 + pairwise_sum(row)
        } else {
            row.iter().sum()
        };
    }
    for (j, y) in py.iter_mut().enumerate() {
        *y = if layout.columns_pairwise() {
            terms.clear();
            terms.extend((0..nl).map(|i| p[i * nl + j]));
            0.0 + pairwise_sum(terms)
        } else {
            (0..nl).map(|i| p[i * nl + j]).sum()
        };
    }
    let ux = layout.sum_cells(nl, terms, |i, j| gv[i] * p[i * nl + j]);
    let uy = layout.sum_cells(nl, terms, |i, j| gv[j] * p[i * nl + j]);
    let hxy = layout.sum_cells(nl, terms, |i, j| entropy_term(p[i * nl + j]));
    let hxy2 = layout
        .of_outer_product()
        .sum_cells(nl, terms, |i, j| entropy_term(px[i] * py[j]));
    let sum_diag = &mut s.sum_diag;
    let diff_diag = &mut s.diff_diag;
    sum_diag.iter_mut().for_each(|v| *v = 0.0);
    diff_diag.iter_mut().for_each(|v| *v = 0.0);
    let (mut autocorrelation, mut prominence, mut shade, mut tendency, mut contrast) = (0.0, 0.0, 0.0, 0.0, 0.0);
    let (mut sum_squares_x, mut sum_squares_y, mut covariance) = (0.0, 0.0, 0.0);
    let (mut energy, mut hxy1) = (0.0, 0.0);
    let mut maximum = f64::NEG_INFINITY;
    let mut any_nan = false;
    for i in 0..nl {
        let gi = gv[i];
        let row = &p[i * nl..(i + 1) * nl];
        for (j, &v) in row.iter().enumerate() {
            let gj = gv[j];
            if v.is_nan() {
                any_nan = true;
            }
            if v > maximum {
                maximum = v;
            }
            // Zero cells add only ±0 to every remaining sum.
            if v == 0.0 {
                continue;
            }
            autocorrelation += v * (gi * gj);
            let t = gi + gj - ux - uy;
            let t2 = t * t;
            prominence += v * (t2 * t2);
            shade += v * (t2 * t);
            tendency += v * t2;
            let d = (gi - gj).abs();
            contrast += v * (d * d);
            sum_squares_x += v * ((gi - ux) * (gi - ux));
            sum_squares_y += v * ((gj - uy) * (gj - uy));
            covariance += v * (gi - ux) * (gj - uy);
            energy += v * v;
            hxy1 += v * (px[i] * py[j] + EPS).log2();
            // Gray levels are ≥ 1 and ≤ ng, so both indices are in range.
            sum_diag[levels_index(gi + gj - 2.0)] += v;
            diff_diag[levels_index(d)] += v;
        }
    }
    if any_nan {
        // A matrix that summed to 0 (weighted, with no pair) became all NaN: every feature is
        // NaN but InverseVariance when 1 is the only level, whose sum over the differences
        // k ≥ 1 pyradiomics takes over an empty slice: 0.
        if ng == 1 {
            out[INVERSE_VARIANCE] = 0.0;
        }
        return out;
    }
    let hxy = -hxy;
    let hxy1 = -hxy1;
    let hxy2 = -hxy2;
    let hx = -px
        .iter()
        .filter(|&&v| v != 0.0)
        .map(|&v| v * (v + EPS).log2())
        .sum::<f64>();
    let hy = -py
        .iter()
        .filter(|&&v| v != 0.0)
        .map(|&v| v * (v + EPS).log2())
        .sum::<f64>();

    out[AUTOCORRELATION] = autocorrelation;
    out[CLUSTER_PROMINENCE] = prominence;
    out[CLUSTER_SHADE] = shade;
    out[CLUSTER_TENDENCY] = tendency;
    out[CONTRAST] = contrast;
    let sigma_product = sum_squares_x.sqrt() * sum_squares_y.sqrt();
    out[CORRELATION] = if sigma_product == 0.0 {
        1.0
    } else {
        covariance / (sigma_product + EPS)
    };

    let ngf = ng as f64;
    let (mut average, mut entropy) = (0.0, 0.0);
    let (mut id, mut idn, mut idm, mut idmn, mut inverse_variance) = (0.0, 0.0, 0.0, 0.0, 0.0);
    for (k, &v) in diff_diag.iter().enumerate() {
        let k = k as f64;
        average += k * v;
        if v != 0.0 {
            entropy += v * (v + EPS).log2();
        }
        id += v / (1.0 + k);
        idn += v / (1.0 + k / ngf);
        idm += v / (1.0 + k * k);
        idmn += v / (1.0 + (k * k) / (ngf * ngf));
        if k >= 1.0 {
            inverse_variance += v / (k * k);
        }
    }
    let variance: f64 = diff_diag
        .iter()
        .enumerate()
        .map(|(k, &v)| v * ((k as f64 - average) * (k as f64 - average)))
        .sum();
    out[DIFFERENCE_AVERAGE] = average;
    out[DIFFERENCE_ENTROPY] = -entropy;
    out[DIFFERENCE_VARIANCE] = variance;
    out[ID] = id;
    out[IDM] = idm;
    out[IDMN] = idmn;
    out[IDN] = idn;
    out[INVERSE_VARIANCE] = inverse_variance;

    let divisor = hx.max(hy);
    out[IMC1] = if divisor == 0.0 { 0.0 } else { (hxy - hxy1) / divisor };
    // pyradiomics: (1 − e^(−2(HXY2 − HXY)))^0.5 with numpy.e ** x, i.e. pow (not exp).
    out[IMC2] = if hxy2 == hxy {
        0.0
    } else {
        (1.0 - std::f64::consts::E.powf(-2.0 * (hxy2 - hxy))).sqrt()
    };
    out[JOINT_AVERAGE] = ux;
    out[JOINT_ENERGY] = energy;
    out[JOINT_ENTROPY] = hxy;
    out[MAXIMUM_PROBABILITY] = maximum;

    let (mut sum_average, mut sum_entropy) = (0.0, 0.0);
    for (k, &v) in sum_diag.iter().enumerate() {
        sum_average += (k as f64 + 2.0) * v;
        if v != 0.0 {
            sum_entropy += v * (v + EPS).log2();
        }
    }
    out[SUM_AVERAGE] = sum_average;
    out[SUM_ENTROPY] = -sum_entropy;
    out[SUM_SQUARES] = sum_squares_x;
    out
}

/// A non-negative integral f64 (a gray-level sum or difference) as an index.
#[inline]
fn levels_index(v: f64) -> usize {
    v as usize
}

/// The second largest eigenvalue of one angle's MCC matrix, and whether any eigenvalue of it is
/// complex (numpy returns real eigenvalues only if all of the stack are real).
#[derive(Debug, Clone, Copy)]
struct EigenSummary {
    second: (f64, f64),
    complex: bool,
}

/// Q[a,b] = Σ_k p[a,k]·p[b,k] / (px[a]·py[k] + ε); its general eigenvalues sorted as numpy sorts
/// complex numbers (real part, then imaginary part). `None` when numpy would raise (non-finite
/// matrix, no convergence), which makes MCC NaN.
fn second_largest_eigenvalue(p: &[f64], nl: usize, s: &mut Scratch) -> Option<EigenSummary> {
    if p.iter().any(|v| !v.is_finite()) {
        return None;
    }
    if nl < 2 {
        return Some(EigenSummary {
            second: (f64::NAN, 0.0),
            complex: false,
        });
    }
    let (px, py) = (&s.px, &s.py);
    // px and py still hold this angle's marginals (angle_features ran on the same matrix).
    s.denominators.clear();
    for &pa in px.iter() {
        s.denominators.extend(py.iter().map(|&pk| pa * pk + EPS));
    }
    s.q.clear();
    s.q.resize(nl * nl, 0.0);
    for a in 0..nl {
        let q_row = &mut s.q[a * nl..(a + 1) * nl];
        for k in 0..nl {
            let pak = p[a * nl + k];
            if pak == 0.0 {
                continue; // adds exact zeros only
            }
            let den = s.denominators[a * nl + k];
            for (b, q) in q_row.iter_mut().enumerate() {
                *q += pak * p[b * nl + k] / den;
            }
        }
    }
    let mut values = general_eigenvalues(&mut s.q, nl)?;
    let complex = values.iter().any(|v| v.1 != 0.0);
    values.sort_by(|x, y| x.0.total_cmp(&y.0).then(x.1.total_cmp(&y.1)));
    let second = values[values.len() - 2];
    Some(EigenSummary { second, complex })
}

/// MCC over angles: sqrt of the second largest eigenvalue, nanmean, real part.
fn mcc(eigen: &[Option<EigenSummary>], nl: usize) -> f64 {
    if eigen.iter().any(Option::is_none) {
        return f64::NAN; // numpy.linalg.eigvals raised
    }
    if nl < 2 {
        return 1.0;
    }
    let complex = eigen.iter().flatten().any(|e| e.complex);
    let values: Vec<f64> = eigen
        .iter()
        .flatten()
        .map(|e| {
            if complex {
                complex_sqrt_re(e.second.0, e.second.1)
            } else {
                e.second.0.sqrt() // NaN for a negative eigenvalue, skipped by nanmean
            }
        })
        .collect();
    nanmean(&values)
}

/// Eigenvalues `(re, im)` of a general real `n × n` matrix (row-major, overwritten), as LAPACK's
/// `dgeev` (numpy.linalg.eigvals) finds them: exact power-of-two balancing, Householder reduction
/// to Hessenberg form, then the Francis double-shift QR iteration with exceptional shifts.
/// `None` if the iteration does not converge (numpy raises then).
fn general_eigenvalues(a: &mut [f64], n: usize) -> Option<Vec<(f64, f64)>> {
    balance(a, n);
    let hessenberg = Hessenberg::new(DMatrix::from_row_slice(n, n, a)).unpack_h();
    for i in 0..n {
        for j in 0..n {
            a[i * n + j] = hessenberg[(i, j)];
        }
    }
    hessenberg_eigenvalues(a, n)
}

/// Scale rows and columns by powers of two (exact) until their norms are similar, as LAPACK's
/// `dgebal` (3.12) scales: 2-norms of whole rows and columns, a change kept only when it
/// shrinks their sum below 0.95 of what it was. Eigenvalues do not change, their rounding does:
/// for 2 × 2 matrices this and [`two_by_two`] give numpy's values to the bit.
fn balance(a: &mut [f64], n: usize) {
    const RADIX: f64 = 2.0;
    let sfmin1 = f64::MIN_POSITIVE / f64::EPSILON;
    let (sfmax1, sfmin2) = (1.0 / sfmin1, sfmin1 * RADIX);
    let sfmax2 = 1.0 / sfmin2;
    let mut scale = vec![1.0f64; n];
    let mut rounds = 0;
    let mut changed = true;
    while changed && rounds < 1000 {
        changed = false;
        rounds += 1;
        for i in 0..n {
            let column = || (0..n).map(|j| a[j * n + i]);
            let row = || (0..n).map(|j| a[i * n + j]);
            let mut c = column().map(|v| v * v).sum::<f64>().sqrt();
            let mut r = row().map(|v| v * v).sum::<f64>().sqrt();
            let mut ca = column().fold(0.0f64, |m, v| m.max(v.abs()));
            let mut ra = row().fold(0.0f64, |m, v| m.max(v.abs()));
            if c == 0.0 || r == 0.0 {
                continue;
            }
            if (c + ca + r + ra).is_nan() {
                return;
            }
            let total = c + r;
            let mut f: f64 = 1.0;
            let mut g = r / RADIX;
            while c < g && f.max(c).max(ca) < sfmax2 && r.min(g).min(ra) > sfmin2 {
                f *= RADIX;
                c *= RADIX;
                ca *= RADIX;
                r /= RADIX;
                g /= RADIX;
                ra /= RADIX;
            }
            g = c / RADIX;
            while g >= r && r.max(ra) < sfmax2 && f.min(c).min(g).min(ca) > sfmin2 {
                f /= RADIX;
                c /= RADIX;
                g /= RADIX;
                ca /= RADIX;
                r *= RADIX;
                ra *= RADIX;
            }
            if c + r >= 0.95 * total
                || (f < 1.0 && scale[i] < 1.0 && f * scale[i] <= sfmin1)
                || (f > 1.0 && scale[i] > 1.0 && scale[i] >= sfmax1 / f)
            {
                continue;
            }
            scale[i] *= f;
            changed = true;
            for j in 0..n {
                a[i * n + j] /= f;
                a[j * n + i] *= f;
            }
        }
    }
}

/// The eigenvalues of the 2 × 2 block `[[a, b], [c, d]]` as LAPACK's `dlanv2` standardises it
/// (what numpy reports for a deflated pair): `(re, im)` twice. Its formulas, not the textbook
/// ones, so that a pair with a zero eigenvalue gives exactly 0, as numpy does, and not ±1e-17
/// (MCC takes a square root there, and a negative one is NaN and left out of the mean).
fn two_by_two(mut a: f64, mut b: f64, mut c: f64, mut d: f64) -> [(f64, f64); 2] {
    let eps = f64::EPSILON; // dlamch('P')
    let sign = |x: f64, s: f64| if s >= 0.0 { x.abs() } else { -x.abs() };
    if c == 0.0 {
    } else if b == 0.0 {
        std::mem::swap(&mut a, &mut d);
        b = -c;
        c = 0.0;
    } else if a - d == 0.0 && sign(1.0, b) != sign(1.0, c) {
    } else {
        let temp = a - d;
        let p = 0.5 * temp;
        let bcmax = b.abs().max(c.abs());
        let bcmis = b.abs().min(c.abs()) * sign(1.0, b) * sign(1.0, c);
        let scale = p.abs().max(bcmax);
        let z = (p / scale) * p + (bcmax / scale) * bcmis;
        if z >= 4.0 * eps {
            // Real eigenvalues.
            let z = p + sign(scale.sqrt() * z.sqrt(), p);
            a = d + z;
            d -= (bcmax / z) * bcmis;
            b -= c;
            c = 0.0;
        } else {
            // Complex or nearly equal real eigenvalues: make the diagonal equal.
            let sigma = b + c;
            let tau = sigma.hypot(temp);
            let cs = (0.5 * (1.0 + sigma.abs() / tau)).sqrt();
            let sn = -(p / (tau * cs)) * sign(1.0, sigma);
            let (aa, bb) = (a * cs + b * sn, -a * sn + b * cs);
            let (cc, dd) = (c * cs + d * sn, -c * sn + d * cs);
            a = aa * cs + cc * sn;
            b = bb * cs + dd * sn;
            c = -aa * sn + cc * cs;
            d = -bb * sn + dd * cs;
            let mean = 0.5 * (a + d);
            a = mean;
            d = mean;
            if c != 0.0 {
                if b != 0.0 {
                    if sign(1.0, b) == sign(1.0, c) {
                        let p = sign(b.abs().sqrt() * c.abs().sqrt(), c);
                        a = mean + p;
                        d = mean - p;
                        b -= c;
                        c = 0.0;
                    }
                } else {
                    b = -c;
                    c = 0.0;
                }
            }
        }
    }
    let im = if c == 0.0 { 0.0 } else { b.abs().sqrt() * c.abs().sqrt() };
    [(a, im), (d, -im)]
}

/// Eigenvalues of an upper Hessenberg matrix by the Francis double-shift QR iteration.
fn hessenberg_eigenvalues(h: &mut [f64], n: usize) -> Option<Vec<(f64, f64)>> {
    let at = |i: usize, j: usize| i * n + j;
    let mut eigen = vec![(0.0, 0.0); n];
    let mut norm = 0.0;
    for i in 0..n {
        for j in i.saturating_sub(1)..n {
            norm += h[at(i, j)].abs();
        }
    }
    let mut shift_total = 0.0;
    let mut last = n; // active block is rows/columns ..last (exclusive)
    while last > 0 {
        let nn = last - 1;
        let mut iterations = 0;
        loop {
            // Find the lowest l such that h[l][l−1] is negligible (deflation point).
            let mut l = nn;
            while l >= 1 {
                let mut s = h[at(l - 1, l - 1)].abs() + h[at(l, l)].abs();
                if s == 0.0 {
                    s = norm;
                }
                if h[at(l, l - 1)].abs() + s == s {
                    h[at(l, l - 1)] = 0.0;
                    break;
                }
                l -= 1;
            }
            let mut x = h[at(nn, nn)];
            if l == nn {
                eigen[nn] = (x + shift_total, 0.0);
                last -= 1;
                break;
            }
            let mut y = h[at(nn - 1, nn - 1)];
            let mut w = h[at(nn, nn - 1)] * h[at(nn - 1, nn)];
            if l + 1 == nn {
                // A 2 × 2 block: two real roots or a complex pair, as LAPACK computes them.
                let [first, second] =
                    two_by_two(y + shift_total, h[at(nn - 1, nn)], h[at(nn, nn - 1)], x + shift_total);
                eigen[nn - 1] = first;
                eigen[nn] = second;
                last -= 2;
                break;
            }
            // LAPACK's dlahqr allows 30·max(10, n) iterations per deflation.
            if iterations >= 30 * n.max(10) {
                return None;
            }
            if iterations > 0 && iterations % 10 == 0 {
                // Exceptional shift to break cycles.
                shift_total += x;
                for i in 0..=nn {
                    h[at(i, i)] -= x;
                }
                let s = h[at(nn, nn - 1)].abs() + h[at(nn - 1, nn - 2)].abs();
                x = 0.75 * s;
                y = x;
                w = -0.4375 * s * s;
            }
            iterations += 1;
            // Look for two consecutive small subdiagonal elements to start the bulge at m.
            let mut m = nn - 2;
            let (mut p, mut q, mut r);
            loop {
                let z = h[at(m, m)];
                let rr = x - z;
                let ss = y - z;
                p = (rr * ss - w) / h[at(m + 1, m)] + h[at(m, m + 1)];
                q = h[at(m + 1, m + 1)] - z - rr - ss;
                r = h[at(m + 2, m + 1)];
                let s = p.abs() + q.abs() + r.abs();
                p /= s;
                q /= s;
                r /= s;
                if m == l {
                    break;
                }
                let u = h[at(m, m - 1)].abs() * (q.abs() + r.abs());
                let v = p.abs() * (h[at(m - 1, m - 1)].abs() + z.abs() + h[at(m + 1, m + 1)].abs());
                if u + v == v {
                    break;
                }
                m -= 1;
            }
            for i in (m + 2)..=nn {
                h[at(i, i - 2)] = 0.0;
                if i != m + 2 {
                    h[at(i, i - 3)] = 0.0;
                }
            }
            // Double-shift QR step on rows l..=nn, chasing the bulge from m down.
            let mut k = m;
            while k < nn {
                let mut scale = 1.0;
                if k != m {
                    p = h[at(k, k - 1)];
                    q = h[at(k + 1, k - 1)];
                    r = if k + 1 != nn { h[at(k + 2, k - 1)] } else { 0.0 };
                    scale = p.abs() + q.abs() + r.abs();
                    if scale != 0.0 {
                        p /= scale;
                        q /= scale;
                        r /= scale;
                    }
                }
                let s = (p * p + q * q + r * r).sqrt().copysign(p);
                if s != 0.0 {
                    if k == m {
                        if l != m {
                            h[at(k, k - 1)] = -h[at(k, k - 1)];
                        }
                    } else {
                        h[at(k, k - 1)] = -s * scale;
                    }
                    p += s;
                    let (hx, hy, hz) = (p / s, q / s, r / s);
                    q /= p;
                    r /= p;
                    for j in k..=nn {
                        let mut t = h[at(k, j)] + q * h[at(k + 1, j)];
                        if k + 1 != nn {
                            t += r * h[at(k + 2, j)];
                            h[at(k + 2, j)] -= t * hz;
                        }
                        h[at(k + 1, j)] -= t * hy;
                        h[at(k, j)] -= t * hx;
                    }
                    let row_end = nn.min(k + 3);
                    for i in l..=row_end {
                        let mut t = hx * h[at(i, k)] + hy * h[at(i, k + 1)];
                        if k + 1 != nn {
                            t += hz * h[at(i, k + 2)];
                            h[at(i, k + 2)] -= t * r;
                        }
                        h[at(i, k + 1)] -= t * q;
                        h[at(i, k)] -= t;
                    }
                }
                k += 1;
            }
        }
    }
    Some(eigen)
}

// ---------------------------------------------------------------------------------------------
// Helpers shared with glrlm.rs.

/// Highest discretized gray level accepted (also the largest `binCount`, see `settings`).
pub(crate) const MAX_GRAY_LEVEL: u32 = 1 << 24;

/// Largest texture matrix (cells over all angles) built before giving up with an error.
pub(super) const MAX_MATRIX_CELLS: usize = 1 << 31;

/// GLCM and GLRLM refuse gray levels above [`MAX_GRAY_LEVEL`] (their per-level arrays run up to
/// the highest level).
pub(super) fn check_level_range(levels: &GrayLevels) -> Result<()> {
    let max = levels.max();
    if max > MAX_GRAY_LEVEL {
        return Err(Error::InvalidArgument(format!(
            "gray level {max} is above the supported maximum {MAX_GRAY_LEVEL} (use a larger bin width)"
        )));
    }
    Ok(())
}

/// The unidirectional angles of the cropped array; pyradiomics raises when there are none.
pub(super) fn texture_angles(
    roi: &RoiView<'_>,
    distances: &[usize],
    settings: &ClassSettings,
) -> Result<Vec<[isize; 3]>> {
    let excluded = if settings.force2d {
        if settings.force2d_dimension > 2 {
            return Err(Error::setting(
                "force2Ddimension",
                format!("must be 0, 1 or 2, got {}", settings.force2d_dimension),
            ));
        }
        Some(settings.force2d_dimension)
    } else {
        None
    };
    let offsets = angles(roi.shape, distances, false, excluded);
    if offsets.is_empty() {
        return Err(Error::RoiTooSmall {
            detail: format!(
                "no neighbour angles for a {:?} (z, y, x) ROI box with distances {:?}",
                roi.shape, distances
            ),
        });
    }
    Ok(offsets)
}

/// numpy.nanmean over a 1-D array: NaNs count as 0 in the sum and not in the count.
pub(super) fn nanmean(values: &[f64]) -> f64 {
    let count = values.iter().filter(|v| !v.is_nan()).count();
    if count == 0 {
        return f64::NAN;
    }
    let cleaned: Vec<f64> = values.iter().map(|&v| if v.is_nan() { 0.0 } else { v }).collect();
    add_reduce(&cleaned) / count as f64
}

/// numpy.mean over a 1-D array (NaN propagates, empty gives NaN).
pub(super) fn mean(values: &[f64]) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    add_reduce(values) / values.len() as f64
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
    fn nanmean_skips_nan() {
        assert!(nanmean(&[]).is_nan());
        assert_eq!(nanmean(&[1.0, f64::NAN, 3.0]), 2.0);
    }

    #[test]
    fn eigenvalues_of_known_matrices() {
        // Companion matrix of (x − 1)(x − 2)(x − 3)(x² + 1).
        let n = 5;
        // x⁵ − 6x⁴ + 12x³ − 12x² + 11x − 6
        let coefficients = [-6.0, 11.0, -12.0, 12.0, -6.0];
        let mut a = vec![0.0; n * n];
        for i in 1..n {
            a[i * n + i - 1] = 1.0;
        }
        for (i, c) in coefficients.iter().enumerate() {
            a[i * n + n - 1] = -c;
        }
        let mut eig = general_eigenvalues(&mut a, n).unwrap();
        eig.sort_by(|x, y| x.0.total_cmp(&y.0).then(x.1.total_cmp(&y.1)));
        let expected = [(0.0, -1.0), (0.0, 1.0), (1.0, 0.0), (2.0, 0.0), (3.0, 0.0)];
        for (got, want) in eig.iter().zip(expected) {
            assert!(
                (got.0 - want.0).abs() < 1e-9 && (got.1 - want.1).abs() < 1e-9,
                "{eig:?}"
            );
        }
    }

    #[test]
    fn bad_views_are_errors_not_panics() {
        let settings = ClassSettings::default();
        let mask = [true; 8];
        let gray = [1u32; 8];
        let view = |shape, mask: &'static [bool], gray: &'static [u32]| RoiView {
            shape,
            spacing: [1.0; 3],
            mask,
            intensities: &[],
            gray_levels: gray,
            levels: None,
        };
        // Length mismatch, empty ROI, level 0 inside the ROI, single voxel (no angle).
        assert!(
            GrayLevelCooccurrence
                .compute(&view([2, 2, 3], &[true; 8], &[1; 8]), &settings)
                .is_err()
        );
        assert!(
            GrayLevelCooccurrence
                .compute(&view([2, 2, 2], &[false; 8], &[1; 8]), &settings)
                .is_err()
        );
        assert!(
            GrayLevelCooccurrence
                .compute(&view([2, 2, 2], &[true; 8], &[0; 8]), &settings)
                .is_err()
        );
        assert!(
            GrayLevelCooccurrence
                .compute(&view([1, 1, 1], &[true], &[3]), &settings)
                .is_err()
        );
        let bad_distances = ClassSettings {
            distances: vec![],
            ..ClassSettings::default()
        };
        let roi = RoiView {
            shape: [2, 2, 2],
            spacing: [1.0; 3],
            mask: &mask,
            intensities: &[0.0; 8],
            gray_levels: &gray,
            levels: None,
        };
        assert!(GrayLevelCooccurrence.compute(&roi, &bad_distances).is_err());
        // A flat 2×2×2 ROI: defined values, MCC = 1 with one gray level.
        let values = GrayLevelCooccurrence.compute(&roi, &settings).unwrap();
        assert_eq!(values[MCC], 1.0);
        assert_eq!(values[JOINT_ENERGY], 1.0);
        assert!(values[DISSIMILARITY].is_nan());
    }
}
