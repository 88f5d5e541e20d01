//! pyradiomics' LoG image type (`getLoGImage`): SimpleITK's
//! `LaplacianRecursiveGaussianImageFilter` with sigma in mm and NormalizeAcrossScale on
//! (pyradiomics 3.1 sets it), output float32.
//!
//! ITK computes the Laplacian as Σ_d ∂²/∂x_d² with Deriche's 4th-order recursive Gaussian
//! (Deriche 1993, as in `RecursiveGaussianImageFilter`): for each axis d, a second-derivative
//! pass along d on the input, then zero-order smoothing along the two other axes (ascending),
//! each pass computed in double along a line and stored in float32. The three results are
//! summed in float32 as `acc + b·(1/spacing_d²)` (the product and sum in double). The order
//! of every operation below follows that, so values match SimpleITK to float32 rounding.
//!
//! pyradiomics yields nothing if any image dimension has fewer than 4 voxels, and skips a
//! sigma unless every size ≥ ⌈σ/spacing⌉ + 1 (it logs a warning); so do we.

use rayon::prelude::*;

use super::{FilteredImage, Real, derived, flat_values};
use crate::error::{Error, Result};
use crate::image::{Image, PixelType};

/// The image-type name pyradiomics gives a sigma: `log-sigma-<str(sigma)>-mm-3D` with `.`
/// replaced by `-` (`1.0` → `log-sigma-1-0-mm-3D`). Sigmas are floats here, so a sigma
/// written as the integer `1` in a parameter file (Python `str(1)` = `1`) would be named
/// `log-sigma-1-mm-3D` by pyradiomics; pass `written_as_integer` for that case.
pub fn log_image_name(sigma: f64, written_as_integer: bool) -> String {
    let text = if written_as_integer && sigma.fract() == 0.0 && sigma.abs() < 1e16 {
        format!("{}", sigma as i64)
    } else {
        python_float_repr(sigma)
    };
    format!("log-sigma-{}-mm-3D", text.replace('.', "-"))
}

/// Python's `repr(float)`: shortest round-trip digits, fixed notation for exponents in
/// [-4, 16), else scientific with a signed two-digit exponent (`1e-05`, `1e+16`).
fn python_float_repr(v: f64) -> String {
    if !v.is_finite() {
        return if v.is_nan() {
            "nan".into()
        } else if v > 0.0 {
            "inf".into()
        } else {
            "-inf".into()
        };
    }
    let sci = format!("{v:e}");
    let (mantissa, exp) = sci.split_once('e').unwrap_or((sci.as_str(), "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    if v == 0.0 || (-4..16).contains(&exp) {
        let fixed = format!("{v}");
        if fixed.contains('.') {
            fixed
        } else {
            format!("{fixed}.0")
        }
    } else {
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{mantissa}e{sign}{:02}", exp.abs())
    }
}

/// One LoG image per sigma that pyradiomics would compute, in the given order.
/// `sigma_is_integer[i]` tells whether sigma i was written as an integer (it changes the name).
pub fn log_images(image: &Image, sigmas: &[f64], sigma_is_integer: &[bool]) -> Result<Vec<FilteredImage>> {
    // A 2-D image's axes are x and y only (ITK filters it in 2-D).
    let axes = image.geometry.dimension.min(3);
    let size = &image.geometry.size[..axes];
    let spacing = image.geometry.spacing;
    let mut out = Vec::new();
    if size.iter().any(|&s| s < 4) {
        return Ok(out);
    }
    for (i, &sigma) in sigmas.iter().enumerate() {
        // pyradiomics skips non-positive sigmas (NaN fails its `sigma > 0` test too).
        if sigma.is_nan() || sigma <= 0.0 {
            continue;
        }
        let fits = (0..axes).all(|d| size[d] as f64 >= (sigma / spacing[d]).ceil() + 1.0);
        if !fits {
            continue;
        }
        let values = laplacian_recursive_gaussian(image, sigma)?;
        out.push(FilteredImage {
            name: log_image_name(sigma, sigma_is_integer.get(i).copied().unwrap_or(false)),
            image: derived(image, values, PixelType::F32)?,
        });
    }
    Ok(out)
}

/// `sitk.LaplacianRecursiveGaussian(image, sigma)` with NormalizeAcrossScale on, as f64
/// values that are all float32-representable. Needs every dimension ≥ 4 (x and y only for a
/// 2-D image, which is filtered in 2-D as ITK filters it).
pub fn laplacian_recursive_gaussian(image: &Image, sigma: f64) -> Result<Vec<f64>> {
    let (nz, ny, nx) = image.voxels.dim();
    let dims = [nz, ny, nx];
    let axes = image.geometry.dimension.min(3);
    if dims[3 - axes..].iter().any(|&d| d < 4) {
        return Err(Error::InvalidArgument(format!(
            "LoG needs at least 4 voxels along every axis, the image has (x, y, z) = ({nx}, {ny}, {nz})"
        )));
    }
    let spacing = image.geometry.spacing;
    let input = flat_values(image);
    let mut acc = vec![0f32; input.len()];
    // ITK dimension d (x, y, z) is numpy axis 2 − d.
    for d in 0..axes {
        let second = Recursive::new(sigma, spacing[d], Order::Second)?;
        let mut pass = filter_lines(&input, dims, 2 - d, &second);
        for s in (0..axes).filter(|&s| s != d) {
            let smooth = Recursive::new(sigma, spacing[s], Order::Zero)?;
            pass = filter_lines(&pass, dims, 2 - s, &smooth);
        }
        let scale = 1.0 / (spacing[d] * spacing[d]);
        acc.par_iter_mut().zip(pass.par_iter()).for_each(|(a, &b)| {
            *a = (*a as f64 + b as f64 * scale) as f32;
        });
    }
    Ok(acc.into_iter().map(f64::from).collect())
}

#[derive(Clone, Copy, PartialEq)]
enum Order {
    Zero,
    Second,
}

/// Coefficients of ITK's recursive Gaussian along one axis (`RecursiveGaussianImageFilter::SetUp`).
struct Recursive {
    n: [f64; 4],
    d: [f64; 4],
    m: [f64; 4],
    bn: [f64; 4],
    bm: [f64; 4],
}

/// Deriche's exponential-series fit of the Gaussian (a, b per order 0, 1, 2; w, l shared).
const A1: [f64; 3] = [1.3530, -0.6724, -1.3563];
const B1: [f64; 3] = [1.8151, -3.4327, 5.2318];
const W1: f64 = 0.6681;
const L1: f64 = -1.3932;
const A2: [f64; 3] = [-0.3531, 0.6724, 0.3446];
const B2: [f64; 3] = [0.0902, 0.6100, -2.2355];
const W2: f64 = 2.0787;
const L2: f64 = -1.3732;

/// Causal numerator coefficients and their moments (SN, DN, EN) for one (a, b) pair.
fn numerator(sigmad: f64, k: usize) -> ([f64; 4], [f64; 3]) {
    let (a1, b1, a2, b2) = (A1[k], B1[k], A2[k], B2[k]);
    let (sin1, sin2) = ((W1 / sigmad).sin(), (W2 / sigmad).sin());
    let (cos1, cos2) = ((W1 / sigmad).cos(), (W2 / sigmad).cos());
    let (exp1, exp2) = ((L1 / sigmad).exp(), (L2 / sigmad).exp());
    let n0 = a1 + a2;
    let mut n1 = exp2 * (b2 * sin2 - (a2 + 2.0 * a1) * cos2);
    n1 += exp1 * (b1 * sin1 - (a1 + 2.0 * a2) * cos1);
    let mut n2 = (a1 + a2) * cos2 * cos1;
    n2 -= b1 * cos2 * sin1 + b2 * cos1 * sin2;
    n2 *= 2.0 * exp1 * exp2;
    n2 += a2 * exp1 * exp1 + a1 * exp2 * exp2;
    let mut n3 = exp2 * exp1 * exp1 * (b2 * sin2 - a2 * cos2);
    n3 += exp1 * exp2 * exp2 * (b1 * sin1 - a1 * cos1);
    let sn = n0 + n1 + n2 + n3;
    let dn = n1 + 2.0 * n2 + 3.0 * n3;
    let en = n1 + 4.0 * n2 + 9.0 * n3;
    ([n0, n1, n2, n3], [sn, dn, en])
}

impl Recursive {
    fn new(sigma: f64, spacing: f64, order: Order) -> Result<Self> {
        let spacing = spacing.abs();
        if spacing.is_nan() || spacing < 1e-8 {
            return Err(Error::InvalidArgument(format!(
                "LoG: the spacing {spacing} is suspiciously small"
            )));
        }
        let sigmad = sigma / spacing;
        // Denominator (recursive) coefficients.
        let (cos1, cos2) = ((W1 / sigmad).cos(), (W2 / sigmad).cos());
        let (exp1, exp2) = ((L1 / sigmad).exp(), (L2 / sigmad).exp());
        let d4 = exp1 * exp1 * exp2 * exp2;
        let mut d3 = -2.0 * cos1 * exp1 * exp2 * exp2;
        d3 += -2.0 * cos2 * exp2 * exp1 * exp1;
        let mut d2 = 4.0 * cos2 * cos1 * exp1 * exp2;
        d2 += exp1 * exp1 + exp2 * exp2;
        let d1 = -2.0 * (exp2 * cos2 + exp1 * cos1);
        let sd = 1.0 + d1 + d2 + d3 + d4;
        let dd = d1 + 2.0 * d2 + 3.0 * d3 + 4.0 * d4;
        let ed = d1 + 4.0 * d2 + 9.0 * d3 + 16.0 * d4;

        let mut n = match order {
            Order::Zero => {
                let (n, [sn, _, _]) = numerator(sigmad, 0);
                let alpha0 = 2.0 * sn / sd - n[0];
                let f = 1.0 / alpha0;
                n.map(|v| v * f)
            }
            Order::Second => {
                let (n_0, [sn0, dn0, en0]) = numerator(sigmad, 0);
                let (n_2, [sn2, dn2, en2]) = numerator(sigmad, 2);
                let beta = -(2.0 * sn2 - sd * n_2[0]) / (2.0 * sn0 - sd * n_0[0]);
                let n = [0, 1, 2, 3].map(|i| n_2[i] + beta * n_0[i]);
                let sn = sn2 + beta * sn0;
                let dn = dn2 + beta * dn0;
                let en = en2 + beta * en0;
                let mut alpha2 = en * sd * sd - ed * sn * sd - 2.0 * dn * dd * sd + 2.0 * dd * dd * sn;
                alpha2 /= sd * sd * sd;
                // NormalizeAcrossScale: scale the second derivative by sigma².
                let f = (sigma * sigma) / alpha2;
                n.map(|v| v * f)
            }
        };
        // Keep N exactly as ITK stores it after `*=`.
        n = [n[0], n[1], n[2], n[3]];
        let d = [d1, d2, d3, d4];
        // Both orders used here are symmetric kernels.
        let m = [n[1] - d1 * n[0], n[2] - d2 * n[0], n[3] - d3 * n[0], -d4 * n[0]];
        let sn = n[0] + n[1] + n[2] + n[3];
        let sm = m[0] + m[1] + m[2] + m[3];
        let sd = 1.0 + d1 + d2 + d3 + d4;
        let bn = d.map(|dk| dk * sn / sd);
        let bm = d.map(|dk| dk * sm / sd);
        Ok(Recursive { n, d, m, bn, bm })
    }

    /// `RecursiveSeparableImageFilter::FilterDataArray` on `LANES` lines at once (lane w of
    /// every sample belongs to line w): causal plus anti-causal pass, edges extended with the
    /// border values. Each lane gets exactly ITK's per-line arithmetic; running lines side by
    /// side only lets the CPU overlap the recursions. Lines have length ≥ 4.
    fn filter_lanes(&self, data: &[Lane], s: &mut [Lane], t: &mut [Lane]) {
        let ln = data.len();
        let [n0, n1, n2, n3] = self.n;
        let [d1, d2, d3, d4] = self.d;
        let [m1, m2, m3, m4] = self.m;
        let [bn1, bn2, bn3, bn4] = self.bn;
        let [bm1, bm2, bm3, bm4] = self.bm;

        // Causal pass, the border value assumed to extend to infinity.
        let v1 = data[0];
        s[0] = ema(v1, n0, v1, n1, v1, n2, v1, n3);
        s[1] = ema(data[1], n0, v1, n1, v1, n2, v1, n3);
        s[2] = ema(data[2], n0, data[1], n1, v1, n2, v1, n3);
        s[3] = ema(data[3], n0, data[2], n1, data[1], n2, v1, n3);
        s[0] = sub(s[0], ema(v1, bn1, v1, bn2, v1, bn3, v1, bn4));
        s[1] = sub(s[1], ema(s[0], d1, v1, bn2, v1, bn3, v1, bn4));
        s[2] = sub(s[2], ema(s[1], d1, s[0], d2, v1, bn3, v1, bn4));
        s[3] = sub(s[3], ema(s[2], d1, s[1], d2, s[0], d3, v1, bn4));
        for i in 4..ln {
            let e = ema(data[i], n0, data[i - 1], n1, data[i - 2], n2, data[i - 3], n3);
            s[i] = sub(e, ema(s[i - 1], d1, s[i - 2], d2, s[i - 3], d3, s[i - 4], d4));
        }

        // Anti-causal pass.
        let v2 = data[ln - 1];
        t[ln - 1] = ema(v2, m1, v2, m2, v2, m3, v2, m4);
        t[ln - 2] = ema(data[ln - 1], m1, v2, m2, v2, m3, v2, m4);
        t[ln - 3] = ema(data[ln - 2], m1, data[ln - 1], m2, v2, m3, v2, m4);
        t[ln - 4] = ema(data[ln - 3], m1, data[ln - 2], m2, data[ln - 1], m3, v2, m4);
        t[ln - 1] = sub(t[ln - 1], ema(v2, bm1, v2, bm2, v2, bm3, v2, bm4));
        t[ln - 2] = sub(t[ln - 2], ema(t[ln - 1], d1, v2, bm2, v2, bm3, v2, bm4));
        t[ln - 3] = sub(t[ln - 3], ema(t[ln - 2], d1, t[ln - 1], d2, v2, bm3, v2, bm4));
        t[ln - 4] = sub(t[ln - 4], ema(t[ln - 3], d1, t[ln - 2], d2, t[ln - 1], d3, v2, bm4));
        for i in (1..=ln - 4).rev() {
            let e = ema(data[i], m1, data[i + 1], m2, data[i + 2], m3, data[i + 3], m4);
            t[i - 1] = sub(e, ema(t[i], d1, t[i + 1], d2, t[i + 2], d3, t[i + 3], d4));
        }
        for (o, a) in s.iter_mut().zip(t.iter()) {
            *o = std::array::from_fn(|w| o[w] + a[w]);
        }
    }
}

/// Lines filtered side by side.
const LANES: usize = 8;
/// One sample of `LANES` lines.
type Lane = [f64; LANES];

/// ITK's `a1·b1 + a2·b2 + a3·b3 + a4·b4`, left to right, per lane.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn ema(a1: Lane, b1: f64, a2: Lane, b2: f64, a3: Lane, b3: f64, a4: Lane, b4: f64) -> Lane {
    std::array::from_fn(|w| a1[w] * b1 + a2[w] * b2 + a3[w] * b3 + a4[w] * b4)
}

/// ITK's `out -= …`, per lane.
#[inline(always)]
fn sub(a: Lane, b: Lane) -> Lane {
    std::array::from_fn(|w| a[w] - b[w])
}

/// Lane buffers of one worker: input, causal output, anti-causal scratch.
struct Buffers {
    data: Vec<Lane>,
    outs: Vec<Lane>,
    scratch: Vec<Lane>,
}

impl Buffers {
    fn new(n: usize) -> Self {
        Buffers {
            data: vec![[0.0; LANES]; n],
            outs: vec![[0.0; LANES]; n],
            scratch: vec![[0.0; LANES]; n],
        }
    }

    /// Filter the lines loaded into `data` (unused lanes hold copies of lane 0).
    fn run(&mut self, filter: &Recursive) {
        filter.filter_lanes(&self.data, &mut self.outs, &mut self.scratch);
    }
}

/// Apply `filter` to every line of the C-order volume `input` (`dims` = [z, y, x]) along
/// numpy axis `axis`, storing the results as float32 (ITK's internal image type).
fn filter_lines<T: Real>(input: &[T], dims: [usize; 3], axis: usize, filter: &Recursive) -> Vec<f32> {
    let [nz, ny, nx] = dims;
    let n = dims[axis];
    let slab = ny * nx;
    let mut out = vec![0f32; input.len()];
    match axis {
        2 => {
            // LANES consecutive x lines per task.
            out.par_chunks_mut(nx * LANES)
                .zip(input.par_chunks(nx * LANES))
                .for_each_init(
                    || Buffers::new(n),
                    |b, (o, inp)| {
                        let lines = inp.len() / nx;
                        for (i, d) in b.data.iter_mut().enumerate() {
                            *d = std::array::from_fn(|w| inp[(w.min(lines - 1)) * nx + i].to_f64());
                        }
                        b.run(filter);
                        for (i, v) in b.outs.iter().enumerate() {
                            for w in 0..lines {
                                o[w * nx + i] = v[w] as f32;
                            }
                        }
                    },
                );
        }
        1 => {
            // Per z slab, LANES neighbouring x columns along y at a time.
            out.par_chunks_mut(slab).zip(input.par_chunks(slab)).for_each_init(
                || Buffers::new(n),
                |b, (o, inp)| {
                    for x0 in (0..nx).step_by(LANES) {
                        let lanes = LANES.min(nx - x0);
                        for (y, d) in b.data.iter_mut().enumerate() {
                            *d = std::array::from_fn(|w| inp[y * nx + x0 + w.min(lanes - 1)].to_f64());
                        }
                        b.run(filter);
                        for (y, v) in b.outs.iter().enumerate() {
                            for (w, &vw) in v.iter().take(lanes).enumerate() {
                                o[y * nx + x0 + w] = vw as f32;
                            }
                        }
                    }
                },
            );
        }
        _ => {
            // Lines along z: filter into a [y][x][z] buffer (disjoint per y), then transpose.
            let mut lines = vec![0f32; input.len()];
            lines.par_chunks_mut(nx * nz).enumerate().for_each_init(
                || Buffers::new(n),
                |b, (y, block)| {
                    for x0 in (0..nx).step_by(LANES) {
                        let lanes = LANES.min(nx - x0);
                        for (z, d) in b.data.iter_mut().enumerate() {
                            let row = z * slab + y * nx + x0;
                            *d = std::array::from_fn(|w| input[row + w.min(lanes - 1)].to_f64());
                        }
                        b.run(filter);
                        for (z, v) in b.outs.iter().enumerate() {
                            for (w, &vw) in v.iter().take(lanes).enumerate() {
                                block[(x0 + w) * nz + z] = vw as f32;
                            }
                        }
                    }
                },
            );
            out.par_chunks_mut(slab).enumerate().for_each(|(z, o)| {
                for (i, v) in o.iter_mut().enumerate() {
                    *v = lines[i * nz + z];
                }
            });
        }
    }
    out
}
