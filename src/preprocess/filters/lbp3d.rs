//! pyradiomics' LBP3D image type (`getLBP3DImage`): a rotation-invariant local binary pattern
//! from spherical harmonics (Banerjee et al. 2013). Named `lbp-3D-m1` … `lbp-3D-m<levels>`,
//! then `lbp-3D-k`; float64, zero outside the ROI.
//!
//! Settings: `lbp3DLevels` L (default 2; pyradiomics fails with 1, radscore says so), `lbp3DIcosphereRadius` r (default 1),
//! `lbp3DIcosphereSubdivision` s (default 1), and the ROI `label`.
//!
//! What pyradiomics 3.1 computes (with scipy ≤ 1.16, the last with `scipy.special.sph_harm`,
//! and trimesh), and radscore reproduces in the same arithmetic:
//!
//! - **Sample points**: the vertices of trimesh's `icosphere(s, r)`: the icosahedron with
//!   vertices (±1, ±t, 0), (0, ±1, ±t), (±t, 0, ±1) over √(2 + t), t the golden ratio, then s
//!   times: every edge's midpoint (a + b)/2 is added and every vertex v is moved to
//!   v + (v/‖v‖)·(r − ‖v‖) with ‖v‖ = √((x² + y²) + z²). With s = 0 that move is done once.
//!   Vertex components are added to the voxel's numpy index `(z, y, x)` in that order.
//! - **Samples**: `scipy.ndimage.map_coordinates(image, coords, order=3)` (mode `constant`,
//!   cval 0) on the whole image: scipy's cubic B-spline prefilter along z, then y, then x, with
//!   its mirror initialisation (the full-line sum with `pow(z, n − 1)`), then per point the
//!   64-term sum `((c·w_z)·w_y)·w_x` over the 4×4×4 support, x fastest, indices mirrored at the
//!   borders; a point with a coordinate outside [0, n − 1] on some axis reads 0.
//!   `map_coordinates` returns the input's dtype, so each sample is then stored as the image's
//!   pixel type: integers rounded half away from zero and clamped, float32 rounded.
//! - **Kurtosis** `lbp-3D-k`: `scipy.stats.kurtosis` of the samples (Fisher, biased):
//!   m4/m2² − 3 with central moments from numpy means; NaN when m2 ≤ (ε·mean)². numpy keeps
//!   float32 samples in float32 for all of it (ε of float32 too); other types in float64.
//! - **Levels**: bit b_v = sample_v ≥ centre voxel; c_nm = Σ_v b_v·Y_nm(v) (complex, no
//!   conjugate), with `sph_harm(m, n, θ, φ)` called as pyradiomics calls it: θ = arccos(v_2/r)
//!   as the azimuth and φ = arctan2(v_1, v_0) as the polar angle. Level n+1 is
//!   Re √(Σ_v (Σ_m c_nm·Y_nm(v))²), with numpy's complex square and square root.

use rayon::prelude::*;

use super::FilteredImage;
use crate::error::{Error, Result};
use crate::image::{Image, LabelMap, PixelType};
use crate::numpy::{Float, complex_sqrt_re, pairwise_sum};

/// scipy's cubic-spline pole, √3 − 2, as the literal scipy's C source holds.
#[allow(clippy::excessive_precision)]
const POLE: f64 = -0.267949192431122706472553658494127633;

/// Subdivisions above this make icospheres of more than 40 962 points per voxel.
const MAX_SUBDIVISIONS: usize = 6;

/// Degrees above this take the harmonics' normalising ratio (n − m)!/(n + m)! towards the end
/// of the float range (1/170! is already below it).
const MAX_LEVELS: usize = 64;

/// The LBP3D images in pyradiomics' yield order: `lbp-3D-m1` … `lbp-3D-m<levels>`, `lbp-3D-k`.
pub fn lbp3d(
    image: &Image,
    mask: &LabelMap,
    label: u32,
    levels: usize,
    radius: f64,
    subdivisions: usize,
) -> Result<Vec<FilteredImage>> {
    if !(2..=MAX_LEVELS).contains(&levels) {
        // With one level pyradiomics' harmonics table is one-dimensional and getLBP3DImage
        // fails (IndexError): there is no pyradiomics result to reproduce.
        return Err(Error::setting(
            "lbp3DLevels",
            format!("must be in 2..={MAX_LEVELS} (pyradiomics 3.1 fails with 1), got {levels}"),
        ));
    }
    if !(radius > 0.0 && radius.is_finite()) {
        return Err(Error::setting(
            "lbp3DIcosphereRadius",
            format!("must be > 0, got {radius}"),
        ));
    }
    if subdivisions > MAX_SUBDIVISIONS {
        return Err(Error::setting(
            "lbp3DIcosphereSubdivision",
            format!("must be at most {MAX_SUBDIVISIONS} (an icosphere of 40 962 points per voxel), got {subdivisions}"),
        ));
    }
    let shape = image.geometry.shape_zyx();
    if mask.geometry.shape_zyx() != shape {
        return Err(Error::InvalidArgument(format!(
            "LBP3D: mask size {:?} differs from image size {:?}",
            mask.geometry.shape_zyx(),
            shape
        )));
    }
    let values = image.values();
    let values = values.as_standard_layout();
    let data = values.as_slice().unwrap_or(&[]);
    let labels = mask.values();
    let roi: Vec<usize> = labels
        .iter()
        .enumerate()
        .filter(|(_, l)| **l == label)
        .map(|(i, _)| i)
        .collect();

    let vertices = icosphere(subdivisions, radius);
    let harmonics = Harmonics::new(&vertices, radius, levels);
    let coefficients = SplineCoefficients::compute(data, shape, &roi, radius);

    // Per ROI voxel: the levels, then the kurtosis.
    let per_voxel: Vec<Vec<f64>> = roi
        .par_iter()
        .map_init(
            || vec![0.0; vertices.len()],
            |samples, &p| {
                let z = p / (shape[1] * shape[2]);
                let y = (p / shape[2]) % shape[1];
                let x = p % shape[2];
                for (s, v) in samples.iter_mut().zip(&vertices) {
                    // numpy adds the int64 index and the float64 vertex component.
                    let t = coefficients.interpolate([z as f64 + v[0], y as f64 + v[1], x as f64 + v[2]]);
                    *s = store_sample(t, image.pixel_type);
                }
                let mut out = harmonics.levels(samples, data[p]);
                out.push(if image.pixel_type == PixelType::F32 {
                    kurtosis::<f32>(samples)
                } else {
                    kurtosis::<f64>(samples)
                });
                out
            },
        )
        .collect();

    let names = (1..=levels)
        .map(|l| format!("lbp-3D-m{l}"))
        .chain(std::iter::once("lbp-3D-k".to_string()));
    names
        .enumerate()
        .map(|(k, name)| {
            let mut out = vec![0.0; data.len()];
            for (&p, v) in roi.iter().zip(&per_voxel) {
                out[p] = v[k];
            }
            Ok(FilteredImage {
                name,
                image: super::derived(image, out, PixelType::F64)?,
            })
        })
        .collect()
}

/// trimesh's `icosphere(subdivisions, radius).vertices`, in trimesh's order (the order of the
/// sums over vertices follows it).
pub fn icosphere(subdivisions: usize, radius: f64) -> Vec<[f64; 3]> {
    let t = (1.0 + 5.0f64.sqrt()) / 2.0;
    let scale = (2.0 + t).sqrt();
    let (a, b) = (1.0 / scale, t / scale);
    // trimesh's icosahedron: the golden rectangles in the xy, yz and zx planes, in its order.
    let mut vertices: Vec<[f64; 3]> = vec![
        [-a, b, 0.0],
        [a, b, 0.0],
        [-a, -b, 0.0],
        [a, -b, 0.0],
        [0.0, -a, b],
        [0.0, a, b],
        [0.0, -a, -b],
        [0.0, a, -b],
        [b, 0.0, -a],
        [b, 0.0, a],
        [-b, 0.0, -a],
        [-b, 0.0, a],
    ];
    // Faces: the triples of vertices that are pairwise neighbours (edge length 2a). Their
    // order and orientation do not change the vertex order below.
    let edge = |i: usize, j: usize| {
        let d: f64 = (0..3).map(|k| (vertices[i][k] - vertices[j][k]).powi(2)).sum();
        (d - 4.0 * a * a).abs() < 1e-9
    };
    let mut faces: Vec<[usize; 3]> = Vec::with_capacity(20);
    for i in 0..12 {
        for j in i + 1..12 {
            for k in j + 1..12 {
                if edge(i, j) && edge(j, k) && edge(i, k) {
                    faces.push([i, j, k]);
                }
            }
        }
    }
    let project = |vertices: &mut Vec<[f64; 3]>| {
        for v in vertices.iter_mut() {
            // numpy: sqrt(dot(v**2, [1, 1, 1])), then v += (v / norm) * (radius - norm).
            let norm = ((v[0] * v[0] + v[1] * v[1]) + v[2] * v[2]).sqrt();
            let shift = radius - norm;
            for c in v.iter_mut() {
                *c += (*c / norm) * shift;
            }
        }
    };
    for _ in 0..subdivisions {
        // trimesh numbers the midpoints after the old vertices, its unique edges ordered by
        // (larger index, smaller index) (the order of its packed row hashes).
        let mut edges: Vec<(usize, usize)> = faces
            .iter()
            .flat_map(|f| (0..3).map(move |e| (f[e].max(f[(e + 1) % 3]), f[e].min(f[(e + 1) % 3]))))
            .collect();
        edges.sort_unstable();
        edges.dedup();
        let first = vertices.len();
        for &(j, i) in &edges {
            let (p, q) = (vertices[i], vertices[j]);
            vertices.push([(p[0] + q[0]) / 2.0, (p[1] + q[1]) / 2.0, (p[2] + q[2]) / 2.0]);
        }
        let midpoint = |u: usize, v: usize| first + edges.binary_search(&(u.max(v), u.min(v))).unwrap_or(0);
        faces = faces
            .iter()
            .flat_map(|f| {
                let m = [midpoint(f[0], f[1]), midpoint(f[1], f[2]), midpoint(f[2], f[0])];
                [[f[0], m[0], m[2]], [m[0], f[1], m[1]], [m[2], m[1], f[2]], m]
            })
            .collect();
        project(&mut vertices);
    }
    if subdivisions == 0 {
        project(&mut vertices);
    }
    vertices
}

/// The spherical harmonics at the vertices, as pyradiomics tabulates them: columns
/// (n, m) for n = 0 … levels − 1, m = −n … n.
struct Harmonics {
    levels: usize,
    /// `[vertex][column]`, complex as (re, im).
    y: Vec<Vec<(f64, f64)>>,
    /// Degree n of each column.
    degree: Vec<usize>,
}

impl Harmonics {
    fn new(vertices: &[[f64; 3]], radius: f64, levels: usize) -> Self {
        let mut degree = Vec::new();
        for n in 0..levels {
            for _ in 0..=2 * n {
                degree.push(n);
            }
        }
        let y = vertices
            .iter()
            .map(|v| {
                let theta = (v[2] / radius).acos();
                let phi = v[1].atan2(v[0]);
                let mut row = Vec::with_capacity(degree.len());
                for n in 0..levels as i64 {
                    for m in -n..=n {
                        row.push(sph_harm(m, n, theta, phi));
                    }
                }
                row
            })
            .collect();
        Harmonics { levels, y, degree }
    }

    /// The level values of one voxel from its samples and its own value.
    fn levels(&self, samples: &[f64], centre: f64) -> Vec<f64> {
        let columns = self.degree.len();
        // c_j = Σ_v b_v·Y_j(v), summed in vertex order.
        let mut c = vec![(0.0, 0.0); columns];
        for (s, row) in samples.iter().zip(&self.y) {
            let b = if *s >= centre { 1.0 } else { 0.0 };
            for (cj, yj) in c.iter_mut().zip(row) {
                cj.0 += b * yj.0;
                cj.1 += b * yj.1;
            }
        }
        let mut out = Vec::with_capacity(self.levels + 1);
        let mut first = 0;
        for n in 0..self.levels {
            let width = 2 * n + 1;
            let mut sum_sq = (0.0, 0.0);
            for row in &self.y {
                let mut f = (0.0, 0.0);
                for j in first..first + width {
                    let p = complex_mul(c[j], row[j]);
                    f.0 += p.0;
                    f.1 += p.1;
                }
                let sq = (f.0 * f.0 - f.1 * f.1, f.0 * f.1 + f.1 * f.0);
                sum_sq.0 += sq.0;
                sum_sq.1 += sq.1;
            }
            out.push(complex_sqrt_re(sum_sq.0, sum_sq.1));
            first += width;
        }
        out
    }
}

fn complex_mul(a: (f64, f64), b: (f64, f64)) -> (f64, f64) {
    (a.0 * b.0 - a.1 * b.1, a.0 * b.1 + a.1 * b.0)
}

/// scipy's `sph_harm(m, n, theta, phi)`: θ the azimuth, φ the polar angle, Condon–Shortley
/// phase, orthonormal on the sphere.
fn sph_harm(m: i64, n: i64, theta: f64, phi: f64) -> (f64, f64) {
    let k = m.unsigned_abs() as i64;
    let x = phi.cos();
    let legendre = associated_legendre(n, k, x);
    // (n − k)!/(n + k)! as a product, which stays finite for the degrees allowed.
    let mut ratio = 1.0;
    for i in (n - k + 1)..=(n + k) {
        ratio /= i as f64;
    }
    let norm = ((2 * n + 1) as f64 / (4.0 * std::f64::consts::PI) * ratio).sqrt();
    let (s, c) = (k as f64 * theta).sin_cos();
    let (re, im) = (norm * legendre * c, norm * legendre * s);
    if m < 0 {
        // Y_n^−k = (−1)^k · conj(Y_n^k)
        let sign = if k % 2 == 0 { 1.0 } else { -1.0 };
        (sign * re, -sign * im)
    } else {
        (re, im)
    }
}

/// P_n^k(x) with the Condon–Shortley phase, by the standard upward recurrence in n.
fn associated_legendre(n: i64, k: i64, x: f64) -> f64 {
    let s = (1.0 - x * x).max(0.0).sqrt();
    let mut pkk = 1.0;
    for i in 1..=k {
        pkk *= -((2 * i - 1) as f64) * s;
    }
    if n == k {
        return pkk;
    }
    let mut prev = pkk;
    let mut cur = x * (2 * k + 1) as f64 * pkk;
    for l in (k + 2)..=n {
        let next = ((2 * l - 1) as f64 * x * cur - (l + k - 1) as f64 * prev) / (l - k) as f64;
        prev = cur;
        cur = next;
    }
    cur
}

/// A sample as `map_coordinates` stores it in an output of the input's dtype (scipy's
/// `CASE_INTERP_OUT_*`): signed integers t ± 0.5 by sign, unsigned t + 0.5 (0 if t ≤ 0), both
/// clamped to the type and truncated; float32 rounded.
fn store_sample(t: f64, pixel_type: PixelType) -> f64 {
    match pixel_type {
        PixelType::F64 => t,
        PixelType::F32 => t as f32 as f64,
        PixelType::U8 | PixelType::U16 | PixelType::U32 | PixelType::U64 => {
            pixel_type.cast(if t > 0.0 { t + 0.5 } else { 0.0 })
        }
        PixelType::I8 | PixelType::I16 | PixelType::I32 | PixelType::I64 => {
            pixel_type.cast(if t > 0.0 { t + 0.5 } else { t - 0.5 })
        }
    }
}

/// `scipy.stats.kurtosis(samples)` (Fisher, biased), NaN when the samples are constant,
/// computed in `T` throughout as numpy does (float32 samples stay float32).
fn kurtosis<T: Float>(samples: &[f64]) -> f64 {
    let a: Vec<T> = samples.iter().map(|&v| T::from_f64(v)).collect();
    let n = T::from_f64(a.len() as f64);
    let mean = pairwise_sum(&a) / n;
    let squares: Vec<T> = a.iter().map(|&v| (v - mean) * (v - mean)).collect();
    let m2 = pairwise_sum(&squares) / n;
    let fourth: Vec<T> = squares.iter().map(|&s| s * s).collect();
    let m4 = pairwise_sum(&fourth) / n;
    let floor = T::EPSILON * mean;
    if m2 <= floor * floor {
        return f64::NAN;
    }
    (m4 / (m2 * m2) - T::from_f64(3.0)).to_f64()
}

/// scipy's cubic B-spline coefficients of the whole image, kept in the box the samples of
/// the ROI can reach.
struct SplineCoefficients {
    /// Image size (z, y, x).
    size: [usize; 3],
    /// First stored index per axis.
    lower: [usize; 3],
    /// Stored extent per axis.
    extent: [usize; 3],
    /// `[z][y][x]` within the box.
    values: Vec<f64>,
}

impl SplineCoefficients {
    /// `spline_filter(image, 3, mode='constant')`: axis 0, then 1, then 2, each line filtered
    /// in full; only what later passes and the samples read is kept.
    fn compute(data: &[f64], size: [usize; 3], roi: &[usize], radius: f64) -> Self {
        let [nz, ny, nx] = size;
        // The box: ROI bounds ± (radius + the spline's reach), within the image. Mirrored
        // indices near a border stay inside it, as it then starts at 0 or ends at n − 1.
        // A radius beyond the image puts every sample outside (read as 0, no coefficient).
        let largest = size.iter().copied().max().unwrap_or(1) as f64;
        let reach = radius.ceil().min(largest) as usize + 2;
        let mut lo = [usize::MAX; 3];
        let mut hi = [0usize; 3];
        for &p in roi {
            let idx = [p / (ny * nx), (p / nx) % ny, p % nx];
            for a in 0..3 {
                lo[a] = lo[a].min(idx[a]);
                hi[a] = hi[a].max(idx[a]);
            }
        }
        if roi.is_empty() {
            return SplineCoefficients {
                size,
                lower: [0; 3],
                extent: [0; 3],
                values: Vec::new(),
            };
        }
        for a in 0..3 {
            lo[a] = lo[a].saturating_sub(reach);
            hi[a] = (hi[a] + reach).min(size[a] - 1);
        }
        let [bz, by, bx] = [hi[0] - lo[0] + 1, hi[1] - lo[1] + 1, hi[2] - lo[2] + 1];

        // Pass 1 (z): per row y, the z lines of all x; the kept z rows land in [bz][ny][nx].
        let rows: Vec<Vec<f64>> = (0..ny)
            .into_par_iter()
            .map(|y| {
                let mut slab = vec![0.0; nz * nx];
                for z in 0..nz {
                    slab[z * nx..(z + 1) * nx].copy_from_slice(&data[(z * ny + y) * nx..(z * ny + y + 1) * nx]);
                }
                filter_lanes(&mut slab, nz, nx);
                slab.truncate((lo[0] + bz) * nx);
                slab.drain(..lo[0] * nx);
                slab
            })
            .collect();
        let mut after_z = vec![0.0; bz * ny * nx];
        for (y, kept) in rows.iter().enumerate() {
            for z in 0..bz {
                after_z[(z * ny + y) * nx..(z * ny + y + 1) * nx].copy_from_slice(&kept[z * nx..(z + 1) * nx]);
            }
        }
        drop(rows);

        // Pass 2 (y) and 3 (x), per kept z slice: y lines of all x, keep rows y in the box,
        // then their x lines, keep columns x in the box.
        let mut values = vec![0.0; bz * by * bx];
        values
            .par_chunks_mut(by * bx)
            .zip(after_z.par_chunks_mut(ny * nx))
            .for_each(|(dst, slice)| {
                filter_lanes(slice, ny, nx);
                for y in 0..by {
                    let line = &mut slice[(lo[1] + y) * nx..(lo[1] + y + 1) * nx];
                    filter_lanes(line, nx, 1);
                    dst[y * bx..(y + 1) * bx].copy_from_slice(&line[lo[2]..lo[2] + bx]);
                }
            });
        SplineCoefficients {
            size,
            lower: lo,
            extent: [bz, by, bx],
            values,
        }
    }

    /// scipy's `map_coordinates` value at continuous index `c` (z, y, x), mode `constant`.
    fn interpolate(&self, c: [f64; 3]) -> f64 {
        let mut weights = [[0.0; 4]; 3];
        let mut index = [[0usize; 4]; 3];
        for a in 0..3 {
            let n = self.size[a];
            let cc = c[a];
            // Outside [0, n − 1] on any axis: the constant 0.
            if !(cc >= 0.0 && cc <= (n - 1) as f64) {
                return 0.0;
            }
            let floor = cc.floor();
            let start = floor as i64 - 1;
            let x = cc - floor;
            let z = 1.0 - x;
            let w1 = (x * x * (x - 2.0) * 3.0 + 4.0) / 6.0;
            let w2 = (z * z * (z - 2.0) * 3.0 + 4.0) / 6.0;
            let w0 = z * z * z / 6.0;
            let w3 = ((1.0 - w0) - w1) - w2;
            weights[a] = [w0, w1, w2, w3];
            for (k, slot) in index[a].iter_mut().enumerate() {
                let i = mirror(start + k as i64, n);
                *slot = i - self.lower[a];
            }
        }
        let [_, by, bx] = self.extent;
        let mut t = 0.0;
        for fz in 0..4 {
            for fy in 0..4 {
                let row = (index[0][fz] * by + index[1][fy]) * bx;
                for fx in 0..4 {
                    let mut coefficient = self.values[row + index[2][fx]];
                    coefficient *= weights[0][fz];
                    coefficient *= weights[1][fy];
                    coefficient *= weights[2][fx];
                    t += coefficient;
                }
            }
        }
        t
    }
}

/// scipy's mirror mapping of an integer index into 0 … n − 1 (`map_coordinate`, mode mirror).
fn mirror(i: i64, n: usize) -> usize {
    let n = n as i64;
    if n <= 1 {
        return 0;
    }
    let period = 2 * n - 2;
    let mut i = i;
    if i < 0 {
        i += period * (-i / period);
        i = if i <= 1 - n { i + period } else { -i };
    } else if i > n - 1 {
        i -= period * (i / period);
        if i >= n {
            i = period - i;
        }
    }
    i as usize
}

/// scipy's `apply_filter` (order 3, mirror initialisation) on `lanes` interleaved lines of
/// length `n`, stored `[n][lanes]`; each lane gets exactly the arithmetic of one line.
fn filter_lanes(buf: &mut [f64], n: usize, lanes: usize) {
    if n < 2 {
        return;
    }
    let z = POLE;
    let gain = (1.0 - z) * (1.0 - 1.0 / z);
    buf.iter_mut().for_each(|v| *v *= gain);
    // Causal initialisation: the whole line, mirrored.
    let z_n_1 = z.powf((n - 1) as f64);
    let (head, rest) = buf.split_at_mut(lanes);
    for (l, c0) in head.iter_mut().enumerate() {
        *c0 += z_n_1 * rest[(n - 2) * lanes + l];
    }
    let mut z_i = z;
    for i in 1..n - 1 {
        for (l, c0) in head.iter_mut().enumerate() {
            *c0 += z_i * (rest[(i - 1) * lanes + l] + z_n_1 * rest[(n - 2 - i) * lanes + l]);
        }
        z_i *= z;
    }
    let denominator = 1.0 - z_n_1 * z_n_1;
    head.iter_mut().for_each(|c0| *c0 /= denominator);
    // Causal pass.
    for i in 1..n {
        let (done, todo) = buf.split_at_mut(i * lanes);
        let prev = &done[(i - 1) * lanes..];
        for (c, &p) in todo[..lanes].iter_mut().zip(prev) {
            *c += z * p;
        }
    }
    // Anticausal initialisation and pass.
    let (front, last) = buf.split_at_mut((n - 1) * lanes);
    let before_last = &front[(n - 2) * lanes..];
    for (c, &b) in last.iter_mut().zip(before_last) {
        *c = (z * b + *c) * z / (z * z - 1.0);
    }
    for i in (0..n - 1).rev() {
        let (here, after) = buf.split_at_mut((i + 1) * lanes);
        for (c, &a) in here[i * lanes..].iter_mut().zip(&after[..lanes]) {
            *c = z * (a - *c);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn icosphere_sizes_and_radius() {
        for (s, count) in [(0, 12), (1, 42), (2, 162)] {
            let v = icosphere(s, 2.0);
            assert_eq!(v.len(), count);
            for p in v {
                let r = (p[0] * p[0] + p[1] * p[1] + p[2] * p[2]).sqrt();
                assert!((r - 2.0).abs() < 1e-12);
            }
        }
    }

    #[test]
    fn mirror_matches_scipy_on_small_lines() {
        // scipy mirror ("reflect about the edge samples"): … 2 1 | 0 1 2 3 | 2 1 0 …
        let n = 4;
        let got: Vec<usize> = (-4..8).map(|i| mirror(i, n)).collect();
        assert_eq!(got, [2, 3, 2, 1, 0, 1, 2, 3, 2, 1, 0, 1]);
        assert_eq!(mirror(-3, 1), 0);
    }
}
