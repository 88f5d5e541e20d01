//! pyradiomics' LBP2D image type (`getLBP2DImage`): scikit-image's
//! `skimage.feature.local_binary_pattern(slice, P, R, method)` on every 2-D slice of the
//! volume, written back into an array of the input's pixel type. Named `lbp-2D`.
//!
//! Settings, as pyradiomics reads them: `lbp2DRadius` R (default 1), `lbp2DSamples` P
//! (default 8 — pyradiomics' docstring says 9, its code reads 8), `lbp2DMethod` (default
//! `uniform`), and `force2Ddimension` (default 0), which picks the slicing axis whether or not
//! `force2D` is on (pyradiomics only logs a warning when it is off). pyradiomics swaps that
//! axis to the front of the numpy `[z, y, x]` array, so the 2-D slices are (rows × columns):
//! axis 0: `y × x`; axis 1: `z × x`; axis 2: `y × z`.
//!
//! scikit-image (0.26, `_texture.pyx` and `_shared/interpolation.pxd`), per slice, all in
//! float64:
//!
//! - sample i of P (i = 0 … P−1) sits at row offset rp_i = round₅(−R·sin(2π·i/P)) and column
//!   offset cp_i = round₅(R·cos(2π·i/P)), where round₅ is numpy's `round(x, 5)`:
//!   rint(x·10⁵)/10⁵ (ties to even); the angle is computed as (2π·i)/P;
//! - its value is the bilinear interpolation at (r + rp_i, c + cp_i): with r0 = ⌊row⌋,
//!   r1 = ⌈row⌉, dr = row − r0 (same for columns),
//!   top = (1−dc)·I[r0,c0] + dc·I[r0,c1], bottom = (1−dc)·I[r1,c0] + dc·I[r1,c1],
//!   value = (1−dr)·top + dr·bottom, where a corner outside the slice reads 0;
//! - bit s_i = 1 when `sample_i − centre ≥ 0` (so NaN compares false);
//! - `default`: Σ s_i·w_i with numpy's int32 weights `2 ** arange(P)` (w_31 = −2³¹ and
//!   w_i = 0 for i ≥ 32 by int32 wrap-around);
//! - `ror`: the minimum, as C `int`, over the P right rotations of the default code within
//!   P bits (rotation of v: `(v >> 1) | ((v & 1) << (P − 1))` on 32-bit ints);
//! - `uniform`: U = the number of i in 0 … P−2 with s_i ≠ s_{i+1} (scikit-image does not count
//!   the wrap-around pair s_{P−1}, s_0); Σ s_i if U ≤ 2, else P + 1;
//! - `nri_uniform`: for U ≤ 2, 0 if no bit is set, P·(P−1)+1 if all are, else
//!   1 + (n−1)·P + k with n set bits and k = n − (first 0) if s_0 = 1, else P − (first 1)
//!   (the first positions are kept in int8 as scikit-image does); P·(P−1)+2 if U > 2;
//! - `var`: (Σ v² − (Σ v)²/P)/P over the samples (sums in order), NaN when it is 0.
//!
//! pyradiomics assigns each float64 result into the input-typed array, so an integer image
//! gets numpy's float→integer conversion (see [`numpy_cast`]) and a float32 image rounds to
//! float32. The pixel type of `lbp-2D` is the input's.
//!
//! Not reproduced: a 2-D image file. radscore reads it as one slice of a volume and takes the
//! 3-D path (axis 0, input pixel type); pyradiomics' 2-D branch returns float64 there.

use rayon::prelude::*;

use super::{FilteredImage, derived, flat_values};
use crate::error::{Error, Result};
use crate::image::{Image, PixelType};
use crate::settings::LbpMethod;

/// The `lbp-2D` image: LBP of every slice along `axis` (0 = z, 1 = y, 2 = x, as
/// `force2Ddimension`), in the input's pixel type.
pub fn lbp2d(image: &Image, radius: f64, samples: usize, method: LbpMethod, axis: usize) -> Result<FilteredImage> {
    if !(radius > 0.0 && radius.is_finite()) {
        return Err(Error::setting("lbp2DRadius", format!("must be > 0, got {radius}")));
    }
    if samples == 0 || samples > i32::MAX as usize {
        return Err(Error::setting(
            "lbp2DSamples",
            format!("must be in 1..={}, got {samples}", i32::MAX),
        ));
    }
    if axis > 2 {
        return Err(Error::setting(
            "force2Ddimension",
            format!("must be 0, 1 or 2, got {axis}"),
        ));
    }
    let (nz, ny, nx) = image.voxels.dim();
    let input = flat_values(image);
    let pattern = Pattern::new(samples, radius, method);
    let pixel_type = image.pixel_type;
    // (number of slices, rows, cols) and the flat index of slice k, element (r, c).
    let (slices, rows, cols) = match axis {
        0 => (nz, ny, nx),
        1 => (ny, nz, nx),
        _ => (nx, ny, nz),
    };
    let index = move |k: usize, r: usize, c: usize| match axis {
        0 => (k * ny + r) * nx + c,
        1 => (r * ny + k) * nx + c,
        _ => (c * ny + r) * nx + k,
    };
    let results: Vec<Vec<f64>> = (0..slices)
        .into_par_iter()
        .map(|k| {
            let mut slice = Vec::with_capacity(rows * cols);
            for r in 0..rows {
                for c in 0..cols {
                    slice.push(input[index(k, r, c)]);
                }
            }
            let mut out = pattern.apply(&slice, rows, cols);
            for v in &mut out {
                *v = numpy_cast(pixel_type, *v);
            }
            out
        })
        .collect();
    let mut values = input;
    for (k, out) in results.iter().enumerate() {
        for r in 0..rows {
            for c in 0..cols {
                values[index(k, r, c)] = out[r * cols + c];
            }
        }
    }
    Ok(FilteredImage {
        name: "lbp-2D".into(),
        image: derived(image, values, pixel_type)?,
    })
}

/// scikit-image's `local_binary_pattern(image, P, R, method)` on one row-major
/// `rows × cols` float64 image; returns float64 codes (or variances).
pub fn local_binary_pattern(
    image: &[f64],
    rows: usize,
    cols: usize,
    samples: usize,
    radius: f64,
    method: LbpMethod,
) -> Vec<f64> {
    assert_eq!(image.len(), rows * cols, "local_binary_pattern: image size");
    Pattern::new(samples, radius, method).apply(image, rows, cols)
}

/// The sampling circle and method of one LBP run.
struct Pattern {
    p: usize,
    method: LbpMethod,
    /// Row and column offsets of the samples (rounded to 5 decimals).
    rp: Vec<f64>,
    cp: Vec<f64>,
    /// numpy's `2 ** arange(P, dtype=int32)`.
    weights: Vec<i32>,
}

/// numpy's `round(x, 5)`: multiply by 10⁵, round half to even, divide.
fn round5(x: f64) -> f64 {
    (x * 1e5).round_ties_even() / 1e5
}

impl Pattern {
    fn new(p: usize, radius: f64, method: LbpMethod) -> Self {
        let mut rp = Vec::with_capacity(p);
        let mut cp = Vec::with_capacity(p);
        let neg_r = -radius;
        for i in 0..p {
            let angle = std::f64::consts::TAU * i as f64 / p as f64;
            rp.push(round5(neg_r * angle.sin()));
            cp.push(round5(radius * angle.cos()));
        }
        // Integer power in int32 wraps: 2^31 → −2^31, 2^32 and above → 0.
        let weights = (0..p)
            .map(|i| if i < 32 { 1i32.wrapping_shl(i as u32) } else { 0 })
            .collect();
        Pattern {
            p,
            method,
            rp,
            cp,
            weights,
        }
    }

    fn apply(&self, image: &[f64], rows: usize, cols: usize) -> Vec<f64> {
        let p = self.p;
        let mut texture = vec![0.0f64; p];
        let mut bits = vec![0i8; p];
        let mut chain = vec![0i32; p];
        let mut out = vec![0.0f64; rows * cols];
        let pixel = |r: i64, c: i64| -> f64 {
            if r < 0 || r >= rows as i64 || c < 0 || c >= cols as i64 {
                0.0
            } else {
                image[r as usize * cols + c as usize]
            }
        };
        for r in 0..rows {
            for c in 0..cols {
                for ((t, &rp), &cp) in texture.iter_mut().zip(&self.rp).zip(&self.cp) {
                    let rr = r as f64 + rp;
                    let cc = c as f64 + cp;
                    let (r0, c0) = (rr.floor() as i64, cc.floor() as i64);
                    let (r1, c1) = (rr.ceil() as i64, cc.ceil() as i64);
                    let dr = rr - r0 as f64;
                    let dc = cc - c0 as f64;
                    let top = (1.0 - dc) * pixel(r0, c0) + dc * pixel(r0, c1);
                    let bottom = (1.0 - dc) * pixel(r1, c0) + dc * pixel(r1, c1);
                    *t = (1.0 - dr) * top + dr * bottom;
                }
                let centre = image[r * cols + c];
                for (b, &t) in bits.iter_mut().zip(&texture) {
                    *b = i8::from(t - centre >= 0.0);
                }
                out[r * cols + c] = match self.method {
                    LbpMethod::Var => {
                        let (mut sum, mut sq) = (0.0f64, 0.0f64);
                        for &t in &texture {
                            sum += t;
                            sq += t * t;
                        }
                        let var = (sq - (sum * sum) / p as f64) / p as f64;
                        if var != 0.0 { var } else { f64::NAN }
                    }
                    LbpMethod::Uniform | LbpMethod::NriUniform => {
                        let changes = bits.windows(2).filter(|w| w[0] != w[1]).count();
                        if self.method == LbpMethod::Uniform {
                            if changes <= 2 {
                                bits.iter().map(|&b| b as f64).sum()
                            } else {
                                (p + 1) as f64
                            }
                        } else {
                            nri_uniform_code(&bits, changes)
                        }
                    }
                    LbpMethod::Default | LbpMethod::Ror => {
                        let mut lbp = 0.0f64;
                        for (&b, &w) in bits.iter().zip(&self.weights) {
                            lbp += (b as i32).wrapping_mul(w) as f64;
                        }
                        if self.method == LbpMethod::Ror {
                            // C `int` arithmetic; shifts by ≥ 32 wrap the count as x86 does.
                            let shift = (p - 1) as u32;
                            chain[0] = lbp as i32;
                            for i in 1..p {
                                let v = chain[i - 1];
                                chain[i] = (v >> 1) | (v & 1).wrapping_shl(shift);
                            }
                            lbp = chain.iter().copied().min().unwrap_or(0) as f64;
                        }
                        lbp
                    }
                };
            }
        }
        out
    }
}

/// scikit-image's `nri_uniform` code of one pattern with `changes` 0/1 changes.
fn nri_uniform_code(bits: &[i8], changes: usize) -> f64 {
    let p = bits.len() as i64;
    if changes > 2 {
        return (p * (p - 1) + 2) as f64;
    }
    let mut n_ones = 0i64;
    // int8 in scikit-image: positions ≥ 128 wrap.
    let mut first_one: i8 = -1;
    let mut first_zero: i8 = -1;
    for (i, &b) in bits.iter().enumerate() {
        if b != 0 {
            n_ones += 1;
            if first_one == -1 {
                first_one = i as i8;
            }
        } else if first_zero == -1 {
            first_zero = i as i8;
        }
    }
    if n_ones == 0 {
        0.0
    } else if n_ones == p {
        (p * (p - 1) + 1) as f64
    } else {
        let rot_index = if first_one == 0 {
            n_ones - first_zero as i64
        } else {
            p - first_one as i64
        };
        (1 + (n_ones - 1) * p + rot_index) as f64
    }
}

/// numpy's float64 → `pixel_type` assignment on x86-64 (`arr[...] = values`), as pyradiomics
/// writes each LBP slice back: float32 rounds; int32/int64 truncate toward zero with NaN and
/// out-of-range values becoming the type's minimum (`cvttsd2si`); 8- and 16-bit types go
/// through int32 and keep the low bits (65535.0 → int16 −1, NaN → 0); uint64 subtracts 2⁶³
/// first for values ≥ 2⁶³. uint32: NaN → 2³¹ and values ≥ 2³² → 0 (numpy's vectorized loop on
/// contiguous data; its strided loop keeps the low 32 bits instead, so a `var` image of a
/// uint32 volume with variances ≥ 2³² may differ).
pub fn numpy_cast(pixel_type: PixelType, v: f64) -> f64 {
    fn cvt32(v: f64) -> i32 {
        if (-2_147_483_648.0..2_147_483_648.0).contains(&v) {
            v as i32
        } else {
            i32::MIN
        }
    }
    fn cvt64(v: f64) -> i64 {
        if (-9_223_372_036_854_775_808.0..9_223_372_036_854_775_808.0).contains(&v) {
            v as i64
        } else {
            i64::MIN
        }
    }
    match pixel_type {
        PixelType::F64 => v,
        PixelType::F32 => v as f32 as f64,
        PixelType::U8 => cvt32(v) as u8 as f64,
        PixelType::I8 => cvt32(v) as i8 as f64,
        PixelType::U16 => cvt32(v) as u16 as f64,
        PixelType::I16 => cvt32(v) as i16 as f64,
        PixelType::I32 => cvt32(v) as f64,
        PixelType::I64 => cvt64(v) as f64,
        PixelType::U32 => {
            if v.is_nan() || v <= -2_147_483_648.0 {
                2_147_483_648.0
            } else if v >= 4_294_967_296.0 {
                0.0
            } else {
                cvt64(v) as u32 as f64
            }
        }
        PixelType::U64 => {
            const TWO63: f64 = 9_223_372_036_854_775_808.0;
            if v >= TWO63 {
                (cvt64(v - TWO63) as u64 ^ (1u64 << 63)) as f64
            } else {
                cvt64(v) as u64 as f64
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_match_numpy_round() {
        // numpy: np.round(-np.sin(2 * np.pi * np.arange(8) / 8), 5), and the cosines.
        let d = 70711e-5;
        let p = Pattern::new(8, 1.0, LbpMethod::Default);
        assert_eq!(p.rp, vec![-0.0, -d, -1.0, -d, -0.0, d, 1.0, d]);
        assert_eq!(p.cp, vec![1.0, d, 0.0, -d, -1.0, -d, -0.0, d]);
        // R = 1.5, P = 12: offsets that need the 5-decimal rounding.
        let p = Pattern::new(12, 1.5, LbpMethod::Default);
        assert_eq!(p.cp[1], 1.29904);
        assert_eq!(p.rp[1], -0.75);
    }

    #[test]
    fn uniform_codes_of_a_step() {
        // A vertical step: the right column is brighter.
        let img = [0.0, 0.0, 5.0, 0.0, 0.0, 5.0, 0.0, 0.0, 5.0];
        let out = local_binary_pattern(&img, 3, 3, 4, 1.0, LbpMethod::Default);
        // Centre (1,1): samples right (5), up (0), left (0), down (0): all ≥ 0 → 0b1111.
        assert_eq!(out[4], 15.0);
        // (1,2): right is outside (0 < 5), up 5, left 0, down 5 → bits 1 and 3.
        assert_eq!(out[5], 10.0);
    }

    #[test]
    fn numpy_casts() {
        assert_eq!(numpy_cast(PixelType::I16, 65535.0), -1.0);
        assert_eq!(numpy_cast(PixelType::I16, f64::NAN), 0.0);
        assert_eq!(numpy_cast(PixelType::U8, 300.0), 44.0);
        assert_eq!(numpy_cast(PixelType::U8, 2.7), 2.0);
        assert_eq!(numpy_cast(PixelType::I32, f64::NAN), i32::MIN as f64);
        assert_eq!(numpy_cast(PixelType::U32, f64::NAN), 2_147_483_648.0);
        assert_eq!(numpy_cast(PixelType::U32, 5e9), 0.0);
        assert_eq!(numpy_cast(PixelType::U64, f64::NAN), 9_223_372_036_854_775_808.0);
        assert_eq!(numpy_cast(PixelType::U64, 1e19), 1e19);
        assert!(numpy_cast(PixelType::F32, f64::NAN).is_nan());
    }
}
