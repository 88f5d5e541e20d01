//! GrayLevelSizeZone (glszm): pyradiomics' Gray Level Size Zone Matrix features.
//!
//! A zone is a maximal set of ROI voxels with the same gray level, connected through the
//! bidirectional distance-1 offsets (26-connectivity, fewer for thin ROIs or with force2D;
//! pyradiomics ignores `distances` here). The matrix counts zones by (gray level, size).
//!
//! This file also holds the helpers shared with GLDM and NGTDM: the neighbour offsets, the
//! framed copy of the ROI box that neighbour loops run over ([`FramedRows`]) and the
//! bounds-checked walk they fall back to ([`NeighbourSteps`]), and the features of a
//! (gray level × size) count matrix ([`SizeMatrixSums`]).

use super::gray_levels::GrayLevels;
use super::neighbourhood::angles;
use super::{ClassSettings, EPS, FeatureClass, FeatureDef, RoiView, def};
use crate::error::{Error, Result};
use std::ops::Range;

/// pyradiomics' `glszm` feature class.
#[derive(Debug, Clone, Copy, Default)]
pub struct GrayLevelSizeZone;

const FEATURES: &[FeatureDef] = &[
    def("GrayLevelNonUniformity"),
    def("GrayLevelNonUniformityNormalized"),
    def("GrayLevelVariance"),
    def("HighGrayLevelZoneEmphasis"),
    def("LargeAreaEmphasis"),
    def("LargeAreaHighGrayLevelEmphasis"),
    def("LargeAreaLowGrayLevelEmphasis"),
    def("LowGrayLevelZoneEmphasis"),
    def("SizeZoneNonUniformity"),
    def("SizeZoneNonUniformityNormalized"),
    def("SmallAreaEmphasis"),
    def("SmallAreaHighGrayLevelEmphasis"),
    def("SmallAreaLowGrayLevelEmphasis"),
    def("ZoneEntropy"),
    def("ZonePercentage"),
    def("ZoneVariance"),
];

impl FeatureClass for GrayLevelSizeZone {
    fn name(&self) -> &'static str {
        "glszm"
    }

    fn features(&self) -> &'static [FeatureDef] {
        FEATURES
    }

    fn compute(&self, roi: &RoiView<'_>, settings: &ClassSettings) -> Result<Vec<f64>> {
        let levels = roi.gray_level_index()?;
        let n_voxels = levels.n_voxels();
        if n_voxels > u32::MAX as usize {
            return Err(Error::InvalidArgument(format!(
                "ROI of {n_voxels} voxels is too large for GLSZM"
            )));
        }
        // The C code builds its angles with distance 1 regardless of the `distances` setting.
        let rows = FramedRows::new(roi.shape, &[1], force2d_axis(settings)?)?;
        let zones = find_zones(&rows, &levels);

        // Zones sorted by (level index, size): equal cells are adjacent.
        let mut per_level = vec![0.0f64; levels.len()];
        let mut per_size = vec![0u32; n_voxels + 1];
        let mut cells: Vec<(f64, f64, f64)> = Vec::new();
        let mut run_start = 0;
        while run_start < zones.len() {
            let key = zones[run_start];
            let mut run_end = run_start + 1;
            while run_end < zones.len() && zones[run_end] == key {
                run_end += 1;
            }
            let count = (run_end - run_start) as f64;
            let (level_index, size) = ((key >> 32) as usize, (key & 0xFFFF_FFFF) as usize);
            if let Some(p) = per_level.get_mut(level_index) {
                *p += count;
            }
            if let Some(p) = per_size.get_mut(size) {
                *p += (run_end - run_start) as u32;
            }
            cells.push((f64::from(levels.values()[level_index]), size as f64, count));
            run_start = run_end;
        }
        let by_level: Vec<(f64, f64)> = levels
            .values()
            .iter()
            .zip(&per_level)
            .map(|(&g, &n)| (f64::from(g), n))
            .collect();
        let by_size: Vec<(f64, f64)> = per_size
            .iter()
            .enumerate()
            .filter(|(_, n)| **n > 0)
            .map(|(j, &n)| (j as f64, f64::from(n)))
            .collect();

        let s = SizeMatrixSums::new(&cells, &by_level, &by_size);
        // Np = Σ j·ps is the voxel count; never 0 for a non-empty ROI.
        let n_p = by_size.iter().map(|(j, n)| j * n).sum::<f64>();
        let zone_percentage = s.total / if n_p == 0.0 { 1.0 } else { n_p };
        Ok(vec![
            s.level_non_uniformity,
            s.level_non_uniformity_normalized,
            s.level_variance,
            s.high_level_emphasis,
            s.large_emphasis,
            s.large_high_level_emphasis,
            s.large_low_level_emphasis,
            s.low_level_emphasis,
            s.size_non_uniformity,
            s.size_non_uniformity_normalized,
            s.small_emphasis,
            s.small_high_level_emphasis,
            s.small_low_level_emphasis,
            s.entropy,
            zone_percentage,
            s.size_variance,
        ])
    }
}

/// Flood-fill every zone; returns one key `(level index << 32) | size` per zone, sorted.
fn find_zones(rows: &FramedRows, levels: &GrayLevels) -> Vec<u64> {
    // Level index + 1 of every ROI voxel not yet in a zone, 0 elsewhere and in the frame: one
    // compare tells whether a neighbour joins the current zone, and in the framed array every
    // neighbour is one fixed step away, with no bounds to check.
    let index = levels.index();
    let mut pending = rows.frame(0u32, |framed, box_row| {
        for (p, &l) in framed.iter_mut().zip(&index[box_row]) {
            *p = l.wrapping_add(1);
        }
    });
    let n_voxels = levels.n_voxels();
    if let Some([plane, row]) = rows.whole_neighbourhood() {
        // All 26 neighbours: nine rows of three framed voxels (the voxel itself among them,
        // never pending again), each row one slice of three, so that none of the 27 looks
        // needs a bounds check (half the instructions of one look per step).
        return flood_zones(&mut pending, n_voxels, |pending, k, level, window| {
            let mut added = 0;
            for centre in [k - plane, k, k + plane] {
                for first in [centre - row - 1, centre - 1, centre + row - 1] {
                    let cells: &mut [u32; 3] = (&mut pending[first..first + 3]).try_into().unwrap();
                    for (i, cell) in cells.iter_mut().enumerate() {
                        added += join(cell, level, first + i, window, added);
                    }
                }
            }
            added
        });
    }
    let steps = rows.steps();
    flood_zones(&mut pending, n_voxels, |pending, k, level, window| {
        let mut added = 0;
        for &step in &steps {
            let j = k.wrapping_add_signed(step);
            added += join(&mut pending[j], level, j, window, added);
        }
        added
    })
}

/// Queue slots a voxel's neighbours are written to: more than the 26 there can be.
const WINDOW: usize = 32;

/// Breadth-first flood fill of `pending` (level index + 1 of the voxels not yet in a zone, 0
/// elsewhere): `neighbours(pending, k, level, window)` takes the neighbours of voxel `k` at
/// `level` out of `pending`, writes them to the window's first slots and returns how many.
/// The next voxel to visit is the next queued whatever this one's neighbours turn out to be,
/// so its loads need not wait for this one's compares (a stack's top would).
fn flood_zones(
    pending: &mut [u32],
    n_voxels: usize,
    mut neighbours: impl FnMut(&mut [u32], usize, u32, &mut [usize; WINDOW]) -> usize,
) -> Vec<u64> {
    // Each voxel is queued once, so the tail never passes the ROI's voxel count and a whole
    // window always fits after it.
    let mut queue: Vec<usize> = vec![0; n_voxels + WINDOW];
    let mut zones: Vec<u64> = Vec::new();
    for seed in 0..pending.len() {
        let level = pending[seed];
        if level == 0 {
            continue;
        }
        pending[seed] = 0;
        queue[0] = seed;
        let (mut head, mut tail) = (0, 1);
        while head < tail {
            let k = queue[head];
            head += 1;
            let window: &mut [usize; WINDOW] = (&mut queue[tail..tail + WINDOW]).try_into().unwrap();
            tail += neighbours(pending, k, level, window);
        }
        // Every voxel queued was visited: the zone's size.
        zones.push((u64::from(level - 1) << 32) | tail as u64);
    }
    zones.sort_unstable();
    zones
}

/// Whether the voxel `j` whose pending value is `cell` joins the zone at `level`; if so it is
/// taken out of `pending`. Either way `j` is written to the window's slot `added` and is kept
/// only by the caller counting it (no branch on "same level", a coin toss in coarse images).
#[inline(always)]
fn join(cell: &mut u32, level: u32, j: usize, window: &mut [usize; WINDOW], added: usize) -> usize {
    let joins = *cell == level;
    *cell = if joins { 0 } else { *cell };
    window[added % WINDOW] = j;
    usize::from(joins)
}

/// The numpy axis excluded from the offsets, if force2D is on.
pub(crate) fn force2d_axis(settings: &ClassSettings) -> Result<Option<usize>> {
    if !settings.force2d {
        return Ok(None);
    }
    if settings.force2d_dimension > 2 {
        return Err(Error::setting(
            "force2Ddimension",
            format!("must be 0, 1 or 2, got {}", settings.force2d_dimension),
        ));
    }
    Ok(Some(settings.force2d_dimension))
}

/// Bidirectional offsets for `distances`, as pyradiomics' GLSZM, GLDM and NGTDM use them.
/// pyradiomics fails ("Error getting angle count") when no offset fits; so do we.
fn neighbour_offsets(shape: [usize; 3], distances: &[usize], force2d: Option<usize>) -> Result<Vec<[isize; 3]>> {
    let offsets = angles(shape, distances, true, force2d);
    if offsets.is_empty() {
        return Err(Error::RoiTooSmall {
            detail: format!(
                "no neighbour offset at distances {distances:?} fits the ROI box (z, y, x) {shape:?}{} \
                 (pyradiomics: 'Error getting angle count')",
                force2d.map(|a| format!(" in 2D without axis {a}")).unwrap_or_default()
            ),
        });
    }
    Ok(offsets)
}

/// Steps from a voxel to its neighbours in the flat `(z, y, x)` array, with, per offset, the
/// coordinate range in which the neighbour stays inside the cropped array.
pub(crate) struct NeighbourSteps {
    shape: [usize; 3],
    /// Linear index difference of each offset.
    deltas: Vec<isize>,
    /// Per offset and axis: coordinates `lo..hi` whose neighbour is inside the array.
    ranges: Vec<[(usize, usize); 3]>,
    /// Largest |offset| per axis: voxels at least this far from every face need no checks.
    margin: [usize; 3],
}

impl NeighbourSteps {
    /// The steps of [`neighbour_offsets`] (an error when none fits).
    pub(crate) fn new(shape: [usize; 3], distances: &[usize], force2d: Option<usize>) -> Result<Self> {
        let offsets = neighbour_offsets(shape, distances, force2d)?;
        let stride = [(shape[1] * shape[2]) as isize, shape[2] as isize, 1isize];
        let mut deltas = Vec::with_capacity(offsets.len());
        let mut ranges = Vec::with_capacity(offsets.len());
        let mut margin = [0usize; 3];
        for offset in &offsets {
            let mut range = [(0usize, 0usize); 3];
            let mut delta = 0isize;
            for axis in 0..3 {
                let o = offset[axis];
                delta += o * stride[axis];
                // angles() keeps |o| < size, so both bounds are within 0..=size.
                let lo = (-o).max(0) as usize;
                let hi = (shape[axis] as isize - o.max(0)).max(0) as usize;
                range[axis] = (lo, hi);
                margin[axis] = margin[axis].max(o.unsigned_abs());
            }
            deltas.push(delta);
            ranges.push(range);
        }
        Ok(NeighbourSteps {
            shape,
            deltas,
            ranges,
            margin,
        })
    }

    /// Number of offsets.
    pub(crate) fn len(&self) -> usize {
        self.deltas.len()
    }

    /// Call `visit` with the linear index of every neighbour of the voxel at `coord` (linear
    /// `index`) that lies inside the cropped array.
    #[inline]
    pub(crate) fn for_each(&self, coord: [usize; 3], index: usize, mut visit: impl FnMut(usize)) {
        let interior = (0..3).all(|a| coord[a] >= self.margin[a] && coord[a] + self.margin[a] < self.shape[a]);
        if interior {
            for &delta in &self.deltas {
                visit(index.wrapping_add_signed(delta));
            }
        } else {
            for (&delta, range) in self.deltas.iter().zip(&self.ranges) {
                if (0..3).all(|a| coord[a] >= range[a].0 && coord[a] < range[a].1) {
                    visit(index.wrapping_add_signed(delta));
                }
            }
        }
    }
}

/// The ROI box framed by `margin` extra voxels on every side (the largest offset per axis), and
/// every offset as one step in the framed array. A neighbour loop then runs offset by offset
/// over whole rows with no bounds checks and no branches, which the compiler vectorizes; the
/// frame holds a value the caller picks so that frame voxels never count.
pub(crate) struct FramedRows {
    shape: [usize; 3],
    margin: [usize; 3],
    framed: [usize; 3],
    deltas: Vec<usize>,
}

impl FramedRows {
    /// The same offsets as [`NeighbourSteps::new`], with the same error when none fits.
    pub(crate) fn new(shape: [usize; 3], distances: &[usize], force2d: Option<usize>) -> Result<Self> {
        let offsets = neighbour_offsets(shape, distances, force2d)?;
        let mut margin = [0usize; 3];
        for o in &offsets {
            for a in 0..3 {
                margin[a] = margin[a].max(o[a].unsigned_abs());
            }
        }
        let framed = [
            shape[0] + 2 * margin[0],
            shape[1] + 2 * margin[1],
            shape[2] + 2 * margin[2],
        ];
        let stride = [(framed[1] * framed[2]) as isize, framed[2] as isize, 1];
        // Steps from a row's first voxel, shifted by the margin so that they are all ≥ 0.
        let origin = (margin[0] as isize * stride[0]) + (margin[1] as isize * stride[1]) + margin[2] as isize;
        let deltas = offsets
            .iter()
            .map(|o| (origin + o[0] * stride[0] + o[1] * stride[1] + o[2]) as usize)
            .collect();
        Ok(FramedRows {
            shape,
            margin,
            framed,
            deltas,
        })
    }

    /// The framed strides `[plane, row]` when the offsets are all 26 of the 3×3×3
    /// neighbourhood (so every box voxel is framed by one voxel on each side).
    pub(crate) fn whole_neighbourhood(&self) -> Option<[usize; 2]> {
        (self.margin == [1, 1, 1] && self.deltas.len() == 26).then(|| {
            let [_, fy, fx] = self.framed;
            [fy * fx, fx]
        })
    }

    /// Each offset as a signed step between framed indices (voxel to neighbour).
    pub(crate) fn steps(&self) -> Vec<isize> {
        let [_, fy, fx] = self.framed;
        let origin = ((self.margin[0] * fy + self.margin[1]) * fx + self.margin[2]) as isize;
        self.deltas.iter().map(|&d| d as isize - origin).collect()
    }

    /// The framed copy of the ROI box: `outside` in the frame, and each box row filled by
    /// `fill_row(framed_row, linear_indices)`. Whole rows, so that the caller's loop over
    /// zipped slices vectorizes (a call per voxel with an index did not).
    pub(crate) fn frame<T: Copy>(&self, outside: T, mut fill_row: impl FnMut(&mut [T], Range<usize>)) -> Vec<T> {
        let [_, fy, fx] = self.framed;
        let [nz, ny, nx] = self.shape;
        let mut out = vec![outside; self.framed.iter().product()];
        for z in 0..nz {
            for y in 0..ny {
                let start = ((z + self.margin[0]) * fy + y + self.margin[1]) * fx + self.margin[2];
                let first = (z * ny + y) * nx;
                fill_row(&mut out[start..start + nx], first..first + nx);
            }
        }
        out
    }

    /// Call `row(first, neighbours)` for every row of the box: `first` is the linear index of
    /// its first voxel, and `neighbours(k)` the framed start of the row moved by offset k
    /// (for `framed[start + x]`, x < row length). Rows come in C order.
    pub(crate) fn for_each_row(&self, mut row: impl FnMut(usize, &[usize], usize)) {
        let [_, fy, fx] = self.framed;
        let [nz, ny, nx] = self.shape;
        let mut starts = vec![0usize; self.deltas.len()];
        for z in 0..nz {
            for y in 0..ny {
                // Framed index of the row's first voxel minus the margin offset.
                let corner = (z * fy + y) * fx;
                for (s, &d) in starts.iter_mut().zip(&self.deltas) {
                    *s = corner + d;
                }
                let here = corner + (self.margin[0] * fy + self.margin[1]) * fx + self.margin[2];
                row((z * ny + y) * nx, &starts, here);
            }
        }
    }
}

/// Features of a (gray level i × size j) count matrix, shared by GLSZM (zone sizes) and GLDM
/// (dependence sizes). Every sum is divided by the total count Nz as pyradiomics does.
pub(crate) struct SizeMatrixSums {
    pub total: f64,
    pub small_emphasis: f64,
    pub large_emphasis: f64,
    pub level_non_uniformity: f64,
    pub level_non_uniformity_normalized: f64,
    pub size_non_uniformity: f64,
    pub size_non_uniformity_normalized: f64,
    pub level_variance: f64,
    pub size_variance: f64,
    pub entropy: f64,
    pub low_level_emphasis: f64,
    pub high_level_emphasis: f64,
    pub small_low_level_emphasis: f64,
    pub small_high_level_emphasis: f64,
    pub large_low_level_emphasis: f64,
    pub large_high_level_emphasis: f64,
}

impl SizeMatrixSums {
    /// `cells`: (i, j, count) of the non-empty cells; `by_level`: (i, Σ_j count);
    /// `by_size`: (j, Σ_i count).
    pub(crate) fn new(cells: &[(f64, f64, f64)], by_level: &[(f64, f64)], by_size: &[(f64, f64)]) -> Self {
        let raw_total: f64 = by_size.iter().map(|(_, n)| n).sum();
        // pyradiomics replaces an empty total by 1.
        let nz = if raw_total == 0.0 { 1.0 } else { raw_total };

        let (mut small, mut large, mut size_nu) = (0.0, 0.0, 0.0);
        let mut size_mean = 0.0;
        for &(j, n) in by_size {
            small += n / (j * j);
            large += n * (j * j);
            size_nu += n * n;
            size_mean += n / nz * j;
        }
        let size_variance: f64 = by_size.iter().map(|&(j, n)| n / nz * (j - size_mean).powi(2)).sum();

        let (mut low, mut high, mut level_nu) = (0.0, 0.0, 0.0);
        let mut level_mean = 0.0;
        for &(i, n) in by_level {
            low += n / (i * i);
            high += n * (i * i);
            level_nu += n * n;
            level_mean += n / nz * i;
        }
        let level_variance: f64 = by_level.iter().map(|&(i, n)| n / nz * (i - level_mean).powi(2)).sum();

        let (mut entropy, mut sl, mut sh, mut ll, mut lh) = (0.0, 0.0, 0.0, 0.0, 0.0);
        for &(i, j, n) in cells {
            let p = n / nz;
            entropy -= p * (p + EPS).log2();
            let (i2, j2) = (i * i, j * j);
            sl += n / (i2 * j2);
            sh += n * i2 / j2;
            ll += n * j2 / i2;
            lh += n * i2 * j2;
        }

        SizeMatrixSums {
            total: nz,
            small_emphasis: small / nz,
            large_emphasis: large / nz,
            level_non_uniformity: level_nu / nz,
            level_non_uniformity_normalized: level_nu / (nz * nz),
            size_non_uniformity: size_nu / nz,
            size_non_uniformity_normalized: size_nu / (nz * nz),
            level_variance,
            size_variance,
            entropy,
            low_level_emphasis: low / nz,
            high_level_emphasis: high / nz,
            small_low_level_emphasis: sl / nz,
            small_high_level_emphasis: sh / nz,
            large_low_level_emphasis: ll / nz,
            large_high_level_emphasis: lh / nz,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zones_are_26_connected() {
        // Two voxels touching only at a corner form one zone; a gap splits them.
        let roi = |shape, mask, gray| RoiView {
            shape,
            spacing: [1.0; 3],
            mask,
            intensities: &[],
            gray_levels: gray,
            levels: None,
        };
        let steps = FramedRows::new([2, 2, 2], &[1], None).unwrap();
        let mask = [true, false, false, false, false, false, false, true];
        let gray = [4u32, 0, 0, 0, 0, 0, 0, 4];
        let levels = GrayLevels::new(&roi([2, 2, 2], &mask, &gray)).unwrap();
        assert_eq!(find_zones(&steps, &levels), vec![2]);
        let split = [true, false, false, false, false, false, false, false, true];
        let gray3 = [4u32, 0, 0, 0, 0, 0, 0, 0, 4];
        let levels = GrayLevels::new(&roi([1, 1, 9], &split, &gray3)).unwrap();
        let steps = FramedRows::new([1, 1, 9], &[1], None).unwrap();
        assert_eq!(find_zones(&steps, &levels), vec![1, 1]);
    }
}
