//! The gray levels present in an ROI, each voxel's position among them and each row's ROI
//! span: where every texture class (glcm, glrlm, glszm, gldm, ngtdm) starts. Matrices are
//! indexed by the levels *present*, as pyradiomics' `grayLevels`, so absent levels cost no rows.
//!
//! Extraction builds it once per derived image and hands it to every class through
//! [`RoiView::levels`]; a class given a view without it builds its own.

use super::RoiView;
use crate::error::{Error, Result};

/// The sorted gray levels of an ROI, per voxel of its box the level's position, and per row
/// of the box the x range its ROI voxels occupy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrayLevels {
    /// Sorted distinct levels inside the ROI (pyradiomics' `grayLevels`), never empty.
    values: Vec<u32>,
    /// Per voxel of the cropped box: position of its level in `values`, or `OUTSIDE`.
    index: Vec<u32>,
    /// Number of ROI voxels (≥ 1).
    n_voxels: usize,
    /// Per row `(z, y)` of the box: the x range from its first to past its last ROI voxel
    /// (empty for a row without any).
    spans: Vec<std::ops::Range<usize>>,
}

impl GrayLevels {
    /// Marks voxels outside the ROI in [`GrayLevels::index`] (`u32::MAX`).
    pub(crate) const OUTSIDE: u32 = u32::MAX;

    /// Check the view (array lengths against its shape, levels ≥ 1 inside the ROI, a non-empty
    /// ROI) and index its levels.
    pub fn new(roi: &RoiView<'_>) -> Result<Self> {
        let len = roi
            .shape
            .iter()
            .try_fold(1usize, |acc, &s| acc.checked_mul(s))
            .ok_or_else(|| Error::InvalidArgument(format!("ROI shape {:?} overflows", roi.shape)))?;
        if roi.mask.len() != len || roi.gray_levels.len() != len {
            return Err(Error::InvalidArgument(format!(
                "ROI shape {:?} needs {len} voxels, got mask {} and gray levels {}",
                roi.shape,
                roi.mask.len(),
                roi.gray_levels.len()
            )));
        }
        let (mut n_voxels, mut max, mut zero) = (0usize, 0u32, false);
        for (&inside, &g) in roi.mask.iter().zip(roi.gray_levels) {
            if inside {
                n_voxels += 1;
                max = max.max(g);
                zero |= g == 0;
            }
        }
        if zero {
            return Err(Error::InvalidArgument(
                "gray level 0 inside the ROI (discretized levels start at 1)".into(),
            ));
        }
        if n_voxels == 0 {
            return Err(Error::RoiTooSmall {
                detail: "the ROI has no voxels".into(),
            });
        }
        let levels_inside = || {
            roi.mask
                .iter()
                .zip(roi.gray_levels)
                .filter(|(m, _)| **m)
                .map(|(_, &g)| g)
        };
        // A lookup table by level is fastest; absurdly sparse levels get a sorted list instead.
        let (values, index) = if max as usize <= (1usize << 20).max(4 * n_voxels) {
            let mut table = vec![Self::OUTSIDE; max as usize + 1];
            for g in levels_inside() {
                table[g as usize] = 0;
            }
            let mut values = Vec::new();
            for (g, slot) in table.iter_mut().enumerate() {
                if *slot == 0 {
                    *slot = values.len() as u32;
                    values.push(g as u32);
                }
            }
            let index = roi
                .gray_levels
                .iter()
                .zip(roi.mask)
                .map(|(&g, &m)| if m { table[g as usize] } else { Self::OUTSIDE })
                .collect();
            (values, index)
        } else {
            let mut values: Vec<u32> = levels_inside().collect();
            values.sort_unstable();
            values.dedup();
            let index = roi
                .gray_levels
                .iter()
                .zip(roi.mask)
                .map(|(&g, &m)| {
                    if m {
                        values.binary_search(&g).map_or(Self::OUTSIDE, |i| i as u32)
                    } else {
                        Self::OUTSIDE
                    }
                })
                .collect();
            (values, index)
        };
        let nx = roi.shape[2];
        let spans = if nx == 0 {
            Vec::new()
        } else {
            roi.mask
                .chunks_exact(nx)
                .map(|row| match row.iter().position(|&m| m) {
                    Some(first) => first..nx - row.iter().rev().position(|&m| m).unwrap_or(0),
                    None => 0..0,
                })
                .collect()
        };
        Ok(GrayLevels {
            values,
            index,
            n_voxels,
            spans,
        })
    }

    /// Number of distinct levels (≥ 1).
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// Always false: an ROI has at least one level.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// The levels, ascending.
    pub fn values(&self) -> &[u32] {
        &self.values
    }

    /// Highest level (pyradiomics' `Ng`).
    pub fn max(&self) -> u32 {
        self.values.last().copied().unwrap_or(0)
    }

    /// Per voxel of the box, in the view's `(z, y, x)` order: the position of its level in
    /// [`Self::values`], or `u32::MAX` outside the ROI.
    pub fn index(&self) -> &[u32] {
        &self.index
    }

    /// Number of ROI voxels.
    pub fn n_voxels(&self) -> usize {
        self.n_voxels
    }

    /// The x range of row `(z, y)` (row number `z·ny + y`) that holds its ROI voxels: loops
    /// whose voxels outside the ROI only feed a dropped spare level can skip the rest (a
    /// rounded lesion fills about half its box).
    pub fn row_span(&self, row: usize) -> std::ops::Range<usize> {
        self.spans.get(row).cloned().unwrap_or(0..0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roi<'a>(mask: &'a [bool], gray: &'a [u32]) -> RoiView<'a> {
        RoiView {
            shape: [1, 1, gray.len()],
            spacing: [1.0; 3],
            mask,
            intensities: &[],
            gray_levels: gray,
            levels: None,
        }
    }

    #[test]
    fn table_and_sorted_list_index_alike() {
        // Levels far above 4·voxels and 2^20 take the sorted-list path.
        let mask = [true, true, false, true, true];
        let small = [7u32, 3, 9, 7, 12];
        let large = [7u32, 3, 9, 7, 3_000_000];
        let a = GrayLevels::new(&roi(&mask, &small)).unwrap();
        let b = GrayLevels::new(&roi(&mask, &large)).unwrap();
        assert_eq!(a.values(), &[3, 7, 12]);
        assert_eq!(b.values(), &[3, 7, 3_000_000]);
        assert_eq!(a.index(), &[1, 0, GrayLevels::OUTSIDE, 1, 2]);
        assert_eq!(b.index(), a.index());
        assert_eq!((a.max(), b.max(), a.n_voxels()), (12, 3_000_000, 4));
        assert_eq!(a.row_span(0), 0..5);
        let inner = GrayLevels::new(&roi(&[false, true, false, true, false], &[0, 2, 0, 2, 0])).unwrap();
        assert_eq!((inner.row_span(0), inner.row_span(1)), (1..4, 0..0));
    }

    #[test]
    fn bad_views_are_refused() {
        let mask = [true, true];
        assert!(GrayLevels::new(&roi(&mask, &[0, 1])).is_err());
        assert!(GrayLevels::new(&roi(&[false, false], &[1, 1])).is_err());
        let short = RoiView {
            shape: [1, 2, 2],
            ..roi(&mask, &[1, 1])
        };
        assert!(GrayLevels::new(&short).is_err());
    }
}
