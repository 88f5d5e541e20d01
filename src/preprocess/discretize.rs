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
    /// Fixed bin width (`binWidth`) written as a float.
    Width(f64),
    /// Fixed bin width written as an integer (pyradiomics' default 25 is one). numpy then
    /// computes an integer image's bin edges in the image's own type, wrapping on overflow
    /// (see [`integer_width_edges`]); for a float image it is [`Binning::Width`].
    IntegerWidth(u64),
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
    /// The ROI's smallest and largest intensities.
    pub range: (f64, f64),
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
    // NaN voxels (a derived image's, as LBP2D's `var` on a flat neighbourhood) are what
    // pyradiomics tolerates: Python's min() and max() pass over them unless the first ROI voxel
    // is one, and numpy.digitize puts them past the last edge. Anything else non-finite makes
    // its bin edges fail.
    let mut lo = f64::INFINITY;
    let mut hi = f64::NEG_INFINITY;
    let mut first = None;
    let (mut nans, mut infinite) = (0, 0);
    for (&v, _) in values.iter().zip(mask).filter(|(_, m)| **m) {
        first.get_or_insert(v);
        if v.is_nan() {
            nans += 1;
        } else {
            infinite += usize::from(v.is_infinite());
            lo = lo.min(v);
            hi = hi.max(v);
        }
    }
    let Some(first) = first else {
        return Err(Error::RoiTooSmall {
            detail: "the ROI holds no voxel to discretize".into(),
        });
    };
    let non_finite = |why: &str| Error::NonFinite {
        count: nans + infinite,
        location: Some(format!("the ROI ({why}; pyradiomics fails here too)")),
    };
    if infinite > 0 {
        return Err(non_finite("an infinite value has no bin edges"));
    }
    if first.is_nan() {
        return Err(non_finite("its first voxel is NaN, which makes the bin edges NaN"));
    }
    if nans > 0 && matches!(binning, Binning::Count(_)) {
        return Err(non_finite("binCount's histogram has no range with NaN in it"));
    }
    let single = pixel_type == PixelType::F32;
    let edges = match binning {
        Binning::Width(w) => width_edges(lo, hi, w, single)?,
        Binning::IntegerWidth(w) if pixel_type.is_integer() => integer_width_edges(lo, hi, w, pixel_type)?,
        Binning::IntegerWidth(w) => width_edges(lo, hi, w as f64, single)?,
        Binning::Count(n) => count_edges(lo, hi, n, single)?,
    };
    let gray_levels = values
        .iter()
        .zip(mask)
        .map(|(&v, &m)| if m { digitize(v, &edges) } else { 0 })
        .collect();
    Ok(Discretized {
        gray_levels,
        edges,
        range: (lo, hi),
    })
}

/// numpy.digitize: the number of edges ≤ x for increasing edges, of edges > x for decreasing
/// ones (only wrapped integer edges decrease, see [`integer_width_edges`]); NaN sorts past
/// every edge.
#[inline]
fn digitize(x: f64, edges: &[f64]) -> u32 {
    if x.is_nan() {
        return edges.len() as u32;
    }
    match edges {
        [first, second, ..] if second < first => edges.partition_point(|&e| e > x) as u32,
        _ => edges.partition_point(|&e| e <= x) as u32,
    }
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

/// `arange(min − min mod W, max + 2W, W)` as numpy 2 computes it for an integer image and a
/// Python int W: the bounds are scalars of the image's type, which wrap on overflow (an
/// 8-bit image whose ROI reaches max + 2W > 255, say), and arange's length is
/// ⌈wrap(high − low) / W⌉. A W or 2W the type cannot hold is numpy's OverflowError. Without
/// overflow these are the float edges; with it, fewer edges, and ROI voxels below the first
/// get gray level 0 (firstorder counts them; pyradiomics' texture classes then fail).
pub(crate) fn integer_width_edges(lo: f64, hi: f64, w: u64, pixel_type: PixelType) -> Result<Vec<f64>> {
    let (min, max) = integer_range(pixel_type);
    let (lo, hi, w) = (lo as i128, hi as i128, i128::from(w));
    let fits = |v: i128| {
        if v > max {
            Err(Error::setting(
                "binWidth",
                format!(
                    "pyradiomics computes the bin edges of this {} image in its own type, and {v}                      (from binWidth {w}) does not fit it: numpy raises OverflowError. Write binWidth as a                      float ({w}.0) or convert the image to a wider type",
                    pixel_type.numpy_name()
                ),
            ))
        } else {
            Ok(v)
        }
    };
    let wrap = |v: i128| (v - min).rem_euclid(max - min + 1) + min;
    let w = fits(w)?;
    let low = wrap(lo - lo.rem_euclid(w));
    let high = wrap(hi + fits(2 * w)?);
    let n = (wrap(high - low) as f64 / w as f64).ceil().max(0.0);
    // arange's second element is also a scalar of the type (it may wrap too); the rest are
    // low + i·(second − low) in int64, so wrapped edges decrease.
    let delta = wrap(low + w) - low;
    if n > 1e8 {
        return Err(Error::setting(
            "binWidth",
            format!("bin width {w} gives {n} bins for intensities {lo}..{hi}; use a larger bin width"),
        ));
    }
    let mut edges: Vec<f64> = (0..n as i128).map(|i| (low + i * delta) as f64).collect();
    if edges.len() == 1 {
        edges = vec![edges[0] - 0.5, edges[0] + 0.5];
    }
    Ok(edges)
}

/// The values an integer pixel type holds.
fn integer_range(pixel_type: PixelType) -> (i128, i128) {
    match pixel_type {
        PixelType::U8 => (0, u8::MAX.into()),
        PixelType::I8 => (i8::MIN.into(), i8::MAX.into()),
        PixelType::U16 => (0, u16::MAX.into()),
        PixelType::I16 => (i16::MIN.into(), i16::MAX.into()),
        PixelType::U32 => (0, u32::MAX.into()),
        PixelType::I32 => (i32::MIN.into(), i32::MAX.into()),
        PixelType::U64 => (0, u64::MAX.into()),
        PixelType::I64 | PixelType::F32 | PixelType::F64 => (i64::MIN.into(), i64::MAX.into()),
    }
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

    /// pyradiomics 3.1 (numpy 2.4): `binImage(array([3, nan, 51, nan, 20]), binWidth=25)`
    /// gives levels [1, 5, 3, 5, 1] with edges [0, 25, 50, 75, 100]: NaN past the last edge. With the
    /// first value NaN, or binCount, or an infinite value, its bin edges fail.
    #[test]
    fn nan_voxels_are_binned_past_the_last_edge_as_pyradiomics_does() {
        let values = [3.0, f64::NAN, 51.0, f64::NAN, 20.0];
        let d = discretize(&values, &[true; 5], Binning::Width(25.0), PixelType::F64).unwrap();
        assert_eq!(d.gray_levels, [1, 5, 3, 5, 1]);
        assert_eq!(d.edges, [0.0, 25.0, 50.0, 75.0, 100.0]);
        assert_eq!(d.range, (3.0, 51.0));
        let first_nan = [f64::NAN, 3.0, 51.0];
        let e = discretize(&first_nan, &[true; 3], Binning::Width(25.0), PixelType::F64).unwrap_err();
        assert!(e.to_string().contains("first voxel is NaN"), "{e}");
        // Outside the ROI a NaN is no voxel of it.
        assert!(discretize(&first_nan, &[false, true, true], Binning::Width(25.0), PixelType::F64).is_ok());
        let e = discretize(&values, &[true; 5], Binning::Count(8), PixelType::F64).unwrap_err();
        assert!(e.to_string().contains("binCount"), "{e}");
        let e = discretize(&[1.0, f64::INFINITY], &[true; 2], Binning::Width(25.0), PixelType::F64).unwrap_err();
        assert!(e.to_string().contains("infinite"), "{e}");
    }

    /// Edges numpy 2.4 gives for `np.arange(lo - lo % W, hi + 2 * W, W)` with the bounds as
    /// scalars of the image's type and W a Python int (printed in a numpy session):
    /// uint8 [0, 240], W 25 → `hi + 50` wraps to 34, `34 - 0` stays 34 → [0, 25];
    /// uint8 [125, 240], W 25 → high 34, `34 - 125` wraps to 165 → [125, 150, …, 275];
    /// int8 [50, 119], W 50 → high wraps to -37, `-37 - 50` = -87 → [] ;
    /// int8 [-128, 127], W 25 → low `-128 - 22` wraps to 106, high to -79, second element
    /// 106 + 25 to -125 → [106, -125, -356];
    /// int8 [102, 109], W 50 → high -47, length ⌈wrap(-147) / 50⌉ = 3, second element
    /// 100 + 50 wraps to -106 → [100, -106, -312], and `digitize` then counts edges above x
    /// (105 → 0, 50 → 1, -106 → 1, -200 → 2).
    #[test]
    fn integer_bin_width_edges_wrap_as_numpy() {
        let edges = |lo, hi, w, t| integer_width_edges(lo, hi, w, t).unwrap();
        assert_eq!(edges(0.0, 240.0, 25, PixelType::U8), vec![0.0, 25.0]);
        assert_eq!(
            edges(125.0, 240.0, 25, PixelType::U8),
            vec![125.0, 150.0, 175.0, 200.0, 225.0, 250.0, 275.0]
        );
        assert!(edges(50.0, 119.0, 50, PixelType::I8).is_empty());
        assert_eq!(edges(-128.0, 127.0, 25, PixelType::I8), vec![106.0, -125.0, -356.0]);
        let wrapped = edges(102.0, 109.0, 50, PixelType::I8);
        assert_eq!(wrapped, vec![100.0, -106.0, -312.0]);
        let levels: Vec<u32> = [105.0, 50.0, -106.0, -200.0]
            .iter()
            .map(|&x| digitize(x, &wrapped))
            .collect();
        assert_eq!(levels, vec![0, 1, 1, 2]);
        // No overflow: the float edges.
        assert_eq!(
            edges(-1024.0, 3071.0, 25, PixelType::I16),
            width_edges(-1024.0, 3071.0, 25.0, false).unwrap()
        );
        // 2·W beyond the type: numpy's OverflowError.
        let e = integer_width_edges(0.0, 10.0, 200, PixelType::U8)
            .unwrap_err()
            .to_string();
        assert!(e.contains("400") && e.contains("uint8"), "{e}");
    }

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
