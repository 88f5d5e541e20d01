//! Gray-level discretization as pyradiomics' `binImage` (fixed bin width or fixed bin count).
//!
//! pyradiomics computes bin edges with numpy in the image's dtype, so the arithmetic here
//! follows numpy's: floored modulo for the lower bound, `arange` edges built as
//! `start + i·step`, `linspace` for bin counts, and `digitize` (edges ≤ x). float32 images use
//! single precision where numpy would.

use crate::error::{Error, Result};
use crate::image::PixelType;

/// How intensities are grouped into gray levels.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Binning {
    /// Fixed bin width (`binWidth`).
    Width(f64),
    /// Fixed number of bins (`binCount`).
    Count(usize),
}

/// The result of discretizing the ROI.
#[derive(Debug, Clone, PartialEq)]
pub struct Discretized {
    /// Gray level (bin index ≥ 1) of each voxel; 0 outside the ROI.
    pub gray_levels: Vec<u32>,
    /// The bin edges used (as numpy builds them).
    pub edges: Vec<f64>,
}

/// Discretize `values` at the voxels where `mask` is true.
///
/// `pixel_type` is the dtype numpy would see (it decides float32 vs float64 arithmetic).
pub fn discretize(values: &[f64], mask: &[bool], binning: Binning, pixel_type: PixelType) -> Result<Discretized> {
    if values.len() != mask.len() {
        return Err(Error::InvalidArgument(format!(
            "discretize: {} values but {} mask entries",
            values.len(),
            mask.len()
        )));
    }
    let mut lo = f64::INFINITY;
    let mut hi = f64::NEG_INFINITY;
    let mut any = false;
    for (v, _) in values.iter().zip(mask).filter(|(_, m)| **m) {
        if !v.is_finite() {
            return Err(Error::NonFinite {
                count: values.iter().zip(mask).filter(|(v, m)| **m && !v.is_finite()).count(),
                location: Some("the ROI".into()),
            });
        }
        lo = lo.min(*v);
        hi = hi.max(*v);
        any = true;
    }
    if !any {
        return Err(Error::RoiTooSmall {
            detail: "the ROI holds no voxel to discretize".into(),
        });
    }
    let single = pixel_type == PixelType::F32;
    let edges = match binning {
        Binning::Width(w) => width_edges(lo, hi, w, single)?,
        Binning::Count(n) => count_edges(lo, hi, n, single)?,
    };
    let gray_levels = values
        .iter()
        .zip(mask)
        .map(|(&v, &m)| if m { digitize(v, &edges) } else { 0 })
        .collect();
    Ok(Discretized { gray_levels, edges })
}

/// numpy.digitize for increasing edges: the number of edges ≤ x.
#[inline]
fn digitize(x: f64, edges: &[f64]) -> u32 {
    edges.partition_point(|&e| e <= x) as u32
}

/// Python/numpy floored modulo (the result takes the sign of the divisor).
fn floored_mod(a: f64, b: f64) -> f64 {
    let mut m = a % b;
    if m != 0.0 && ((b < 0.0) != (m < 0.0)) {
        m += b;
    }
    m
}

fn floored_mod_f32(a: f32, b: f32) -> f32 {
    let mut m = a % b;
    if m != 0.0 && ((b < 0.0) != (m < 0.0)) {
        m += b;
    }
    m
}

/// `arange(min − min mod W, max + 2W, W)`; a single edge becomes `[e − 0.5, e + 0.5]`.
fn width_edges(lo: f64, hi: f64, w: f64, single: bool) -> Result<Vec<f64>> {
    if !(w > 0.0) || !w.is_finite() {
        return Err(Error::setting("binWidth", format!("must be > 0, got {w}")));
    }
    // numpy computes the bounds in the image dtype (float32 stays float32), and so are
    // arange's length and its second element; the fill is then start + i·(second − start)
    // in float64.
    let (low, n, delta) = if single {
        let (lo, hi, w) = (lo as f32, hi as f32, w as f32);
        let low = lo - floored_mod_f32(lo, w);
        let high = hi + 2.0 * w;
        let n = ((high - low) / w).ceil() as f64;
        let second = (low + w) as f64;
        (low as f64, n, second - low as f64)
    } else {
        let low = lo - floored_mod(lo, w);
        let high = hi + 2.0 * w;
        (low, ((high - low) / w).ceil(), (low + w) - low)
    };
    if !(n >= 0.0) || n > 1e8 {
        return Err(Error::setting(
            "binWidth",
            format!("bin width {w} gives {n} bins for intensities {lo}..{hi}; use a larger bin width"),
        ));
    }
    let n = n as usize;
    let mut edges: Vec<f64> = (0..n).map(|i| low + i as f64 * delta).collect();
    if edges.len() == 1 {
        edges = vec![edges[0] - 0.5, edges[0] + 0.5];
    }
    Ok(edges)
}

/// `numpy.histogram(values, N)` edges, with the last edge raised by 1.
fn count_edges(lo: f64, hi: f64, n: usize, single: bool) -> Result<Vec<f64>> {
    if n == 0 {
        return Err(Error::setting("binCount", "must be > 0"));
    }
    let num = n + 1;
    if single {
        let (mut first, mut last) = (lo as f32, hi as f32);
        if first == last {
            first -= 0.5;
            last += 0.5;
        }
        let step = (last - first) / n as f32;
        let mut edges: Vec<f32> = (0..num).map(|i| i as f32 * step + first).collect();
        edges[n] = last;
        edges[n] += 1.0;
        Ok(edges.into_iter().map(f64::from).collect())
    } else {
        let (mut first, mut last) = (lo, hi);
        if first == last {
            first -= 0.5;
            last += 0.5;
        }
        let step = (last - first) / n as f64;
        let mut edges: Vec<f64> = (0..num).map(|i| i as f64 * step + first).collect();
        edges[n] = last;
        edges[n] += 1.0;
        Ok(edges)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floored_modulo_matches_python() {
        // Python: -37 % 25 == 13, 37 % 25 == 12, -50 % 25 == 0
        assert_eq!(floored_mod(-37.0, 25.0), 13.0);
        assert_eq!(floored_mod(37.0, 25.0), 12.0);
        assert_eq!(floored_mod(-50.0, 25.0), 0.0);
    }

    #[test]
    fn bin_width_edges_and_levels() {
        // numpy: min=-37 → lowBound -50, edges arange(-50, 110+50, 25) = -50..150 (9 edges);
        // digitize([-37, 0, 110]) = [1, 3, 7].
        let values = [-37.0, 0.0, 110.0, 5.0];
        let mask = [true, true, true, false];
        let d = discretize(&values, &mask, Binning::Width(25.0), PixelType::I16).unwrap();
        assert_eq!(d.edges.first(), Some(&-50.0));
        assert_eq!(d.edges.len(), 9);
        assert_eq!(d.gray_levels, vec![1, 3, 7, 0]);
    }
}
