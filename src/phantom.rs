//! A synthetic abdominal CT with liver lesions: radscore's built-in default data for the
//! demo, the tests and the benchmark (no downloads).
//!
//! The volume is int16 HU, 512×512×60 voxels at 0.7×0.7×5 mm by default: air, a body
//! ellipse (fat and muscle), the liver with enhancing vessels, and one or two lobulated
//! lesions with a necrotic core or an enhancing rim, plus spatially correlated noise. The
//! mask labels the first lesion 1 and the second 2. Everything is a pure function of the
//! seed, so the same seed gives the same files on every machine.

use ndarray::Array3;
use rayon::prelude::*;

use crate::error::{Error, Result};
use crate::image::{Geometry, Image, LabelMap, PixelType};

/// What to generate.
#[derive(Debug, Clone, PartialEq)]
pub struct PhantomSpec {
    /// Voxels along x, y, z.
    pub size: [usize; 3],
    /// Spacing in mm along x, y, z.
    pub spacing: [f64; 3],
    /// Seed of the deterministic random generator.
    pub seed: u64,
    /// Diameter of the first lesion in mm.
    pub lesion_diameter_mm: f64,
    /// Add a second, smaller lesion (label 2).
    pub second_lesion: bool,
    /// Standard deviation of the noise in HU.
    pub noise_hu: f64,
}

impl Default for PhantomSpec {
    fn default() -> Self {
        PhantomSpec {
            size: [512, 512, 60],
            spacing: [0.7, 0.7, 5.0],
            seed: 1,
            lesion_diameter_mm: 30.0,
            second_lesion: true,
            noise_hu: 12.0,
        }
    }
}

/// A generated CT and its lesion mask.
#[derive(Debug, Clone)]
pub struct Phantom {
    pub image: Image,
    pub mask: LabelMap,
}

/// SplitMix64: small, fast and reproducible everywhere.
pub(crate) struct Rng(pub(crate) u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    pub(crate) fn uniform(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    fn range(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.uniform()
    }
    /// Standard normal (Box–Muller).
    fn normal(&mut self) -> f64 {
        let u1 = self.uniform().max(1e-300);
        let u2 = self.uniform();
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }
}

/// A lobulated lesion: a sphere whose radius is modulated by a few low-order lobes.
#[derive(Debug, Clone)]
struct Lesion {
    centre: [f64; 3],
    radius: f64,
    lobes: Vec<([f64; 3], f64)>,
    necrotic: bool,
    label: u32,
}

impl Lesion {
    fn new(rng: &mut Rng, centre: [f64; 3], diameter: f64, label: u32) -> Self {
        let lobes = (0..4)
            .map(|_| {
                let v = [rng.normal(), rng.normal(), rng.normal()];
                let n = (v[0] * v[0] + v[1] * v[1] + v[2] * v[2]).sqrt().max(1e-9);
                ([v[0] / n, v[1] / n, v[2] / n], rng.range(0.05, 0.15))
            })
            .collect();
        Lesion {
            centre,
            radius: diameter / 2.0,
            lobes,
            necrotic: rng.uniform() < 0.5,
            label,
        }
    }

    /// Normalised radial position: < 1 inside the lesion.
    fn radial(&self, p: [f64; 3]) -> f64 {
        let d = [p[0] - self.centre[0], p[1] - self.centre[1], p[2] - self.centre[2]];
        let r = (d[0] * d[0] + d[1] * d[1] + d[2] * d[2]).sqrt();
        if r == 0.0 {
            return 0.0;
        }
        let mut scale = 1.0;
        for (dir, amp) in &self.lobes {
            let c = (d[0] * dir[0] + d[1] * dir[1] + d[2] * dir[2]) / r;
            scale += amp * c * c;
        }
        r / (self.radius * scale / 1.1)
    }
}

/// Generate a phantom.
pub fn generate(spec: &PhantomSpec) -> Result<Phantom> {
    let [nx, ny, nz] = spec.size;
    if nx < 16 || ny < 16 || nz < 2 || spec.spacing.iter().any(|&s| !(s > 0.0 && s.is_finite())) {
        return Err(Error::InvalidArgument(format!(
            "phantom needs at least 16×16×2 voxels and positive, finite spacing, got {:?} at {:?} mm",
            spec.size, spec.spacing
        )));
    }
    // The generator holds 14 bytes per voxel (noise, HU, labels) besides the volumes it returns.
    const MAX_VOXELS: usize = 1 << 28;
    match nx.checked_mul(ny).and_then(|n| n.checked_mul(nz)) {
        Some(n) if n <= MAX_VOXELS => {}
        _ => {
            return Err(Error::InvalidArgument(format!(
                "phantom of {nx}×{ny}×{nz} voxels is too large: at most {MAX_VOXELS} voxels"
            )));
        }
    }
    if !(spec.lesion_diameter_mm > 0.0 && spec.lesion_diameter_mm.is_finite()) {
        return Err(Error::InvalidArgument(format!(
            "lesion diameter must be a finite number > 0 mm, got {}",
            spec.lesion_diameter_mm
        )));
    }
    if !spec.noise_hu.is_finite() {
        return Err(Error::InvalidArgument(format!(
            "noise must be a finite number of HU, got {}",
            spec.noise_hu
        )));
    }
    let mut rng = Rng(spec.seed ^ 0x5EED_CAFE);
    let [sx, sy, sz] = spec.spacing;
    let extent = [nx as f64 * sx, ny as f64 * sy, nz as f64 * sz];
    let mid = [extent[0] / 2.0, extent[1] / 2.0, extent[2] / 2.0];
    // Body and liver ellipses (mm); the liver sits on the patient's right (image left in LPS x).
    let body = [extent[0] * 0.42, extent[1] * 0.32];
    let liver_c = [mid[0] - extent[0] * 0.12, mid[1] - extent[1] * 0.02, mid[2]];
    let liver_r = [extent[0] * 0.2, extent[1] * 0.17, extent[2] * 0.6];
    // Lesions inside the liver, kept away from its edge where possible.
    let d1 = spec.lesion_diameter_mm;
    let jitter = |rng: &mut Rng, r: f64, d: f64| rng.range(-1.0, 1.0) * (r - d / 2.0).max(0.0) * 0.4;
    let c1 = [
        liver_c[0] + jitter(&mut rng, liver_r[0], d1),
        liver_c[1] + jitter(&mut rng, liver_r[1], d1),
        liver_c[2] + jitter(&mut rng, liver_r[2], d1) * 0.5,
    ];
    let mut lesions = vec![Lesion::new(&mut rng, c1, d1, 1)];
    if spec.second_lesion {
        let d2 = (d1 * 0.5).max(8.0);
        let c2 = [
            c1[0] + (d1 / 2.0 + d2 / 2.0 + 8.0),
            c1[1] - (d1 / 4.0),
            // Within the volume's z extent, or at its middle when the lesion is thicker.
            if extent[2] > d2 {
                (c1[2] + rng.range(-1.0, 1.0) * sz).clamp(d2 / 2.0, extent[2] - d2 / 2.0)
            } else {
                mid[2]
            },
        ];
        lesions.push(Lesion::new(&mut rng, c2, d2, 2));
    }
    // Vessels: tubes through the liver (centre line in the x-y plane, running along z).
    let vessels: Vec<([f64; 2], f64)> = (0..5)
        .map(|_| {
            (
                [
                    liver_c[0] + rng.range(-0.7, 0.7) * liver_r[0],
                    liver_c[1] + rng.range(-0.7, 0.7) * liver_r[1],
                ],
                rng.range(2.0, 5.0),
            )
        })
        .collect();
    let noise = correlated_noise(spec.size, spec.seed, spec.noise_hu);

    let slice_len = nx * ny;
    let mut hu = vec![0i16; nx * ny * nz];
    let mut labels = vec![0u32; nx * ny * nz];
    hu.par_chunks_mut(slice_len)
        .zip(labels.par_chunks_mut(slice_len))
        .enumerate()
        .for_each(|(z, (hs, ls))| {
            let pz = (z as f64 + 0.5) * sz;
            for y in 0..ny {
                let py = (y as f64 + 0.5) * sy;
                for x in 0..nx {
                    let px = (x as f64 + 0.5) * sx;
                    let i = y * nx + x;
                    let bx = (px - mid[0]) / body[0];
                    let by = (py - mid[1]) / body[1];
                    let rb = bx * bx + by * by;
                    let mut v = if rb > 1.0 {
                        -1000.0
                    } else if rb > 0.85 {
                        -100.0 // subcutaneous fat
                    } else if rb > 0.75 {
                        50.0 // muscle wall
                    } else {
                        20.0 // bowel / soft tissue
                    };
                    let lx = (px - liver_c[0]) / liver_r[0];
                    let ly = (py - liver_c[1]) / liver_r[1];
                    let lz = (pz - liver_c[2]) / liver_r[2];
                    if lx * lx + ly * ly + lz * lz <= 1.0 {
                        v = 60.0;
                        for (c, r) in &vessels {
                            let dx = px - c[0];
                            let dy = py - c[1];
                            if dx * dx + dy * dy <= r * r {
                                v = 150.0;
                            }
                        }
                    }
                    for lesion in &lesions {
                        let t = lesion.radial([px, py, pz]);
                        if t < 1.0 {
                            v = if lesion.necrotic {
                                if t < 0.5 { 15.0 } else { 40.0 + 30.0 * (t - 0.5) }
                            } else if t > 0.8 {
                                110.0
                            } else {
                                45.0
                            };
                            ls[i] = lesion.label;
                        }
                    }
                    let n = if v > -1000.0 {
                        noise[z * slice_len + i]
                    } else {
                        noise[z * slice_len + i] * 0.3
                    };
                    hs[i] = (v + n).round().clamp(-1024.0, 3071.0) as i16;
                }
            }
        });
    let geometry = Geometry {
        size: spec.size,
        spacing: spec.spacing,
        origin: [-mid[0] + sx / 2.0, -mid[1] + sy / 2.0, -mid[2] + sz / 2.0],
        direction: [1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0],
        dimension: 3,
    };
    let shape = (nz, ny, nx);
    let voxels = Array3::from_shape_vec(shape, hu.into_iter().map(f64::from).collect())
        .map_err(|e| Error::InvalidArgument(e.to_string()))?;
    let labels = Array3::from_shape_vec(shape, labels).map_err(|e| Error::InvalidArgument(e.to_string()))?;
    Ok(Phantom {
        image: Image::new(voxels, PixelType::I16, geometry.clone())?,
        mask: LabelMap::new(labels, geometry)?,
    })
}

/// White noise smoothed by a 3×3 in-plane box filter, rescaled to `sd`: CT noise is
/// spatially correlated, which texture features notice.
fn correlated_noise(size: [usize; 3], seed: u64, sd: f64) -> Vec<f64> {
    let [nx, ny, nz] = size;
    let slice_len = nx * ny;
    let mut out = vec![0.0; slice_len * nz];
    out.par_chunks_mut(slice_len).enumerate().for_each(|(z, s)| {
        let mut rng = Rng(seed.wrapping_mul(0x1000_0001).wrapping_add(z as u64));
        let white: Vec<f64> = (0..slice_len).map(|_| rng.normal()).collect();
        for y in 0..ny {
            for x in 0..nx {
                let mut acc = 0.0;
                for dy in [-1isize, 0, 1] {
                    for dx in [-1isize, 0, 1] {
                        let yy = (y as isize + dy).clamp(0, ny as isize - 1) as usize;
                        let xx = (x as isize + dx).clamp(0, nx as isize - 1) as usize;
                        acc += white[yy * nx + xx];
                    }
                }
                // The mean of 9 unit normals has sd 1/3.
                s[y * nx + x] = acc / 3.0 * sd;
            }
        }
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Both lesions on a volume thinner than the second lesion (a 45 mm lesion's is 22.5 mm;
    /// four 5 mm slices are 20 mm): its centre used to be clamped to an empty range, a panic.
    #[test]
    fn a_volume_thinner_than_the_lesions_still_holds_both() {
        let p = generate(&PhantomSpec {
            size: [256, 256, 4],
            lesion_diameter_mm: 45.0,
            ..PhantomSpec::default()
        })
        .unwrap();
        let labels = p.mask.values();
        for label in [1, 2] {
            assert!(labels.iter().any(|&l| l == label), "label {label} is missing");
        }
    }

    #[test]
    fn impossible_specs_are_errors_that_say_why() {
        let bad = [
            (
                PhantomSpec {
                    lesion_diameter_mm: f64::INFINITY,
                    ..Default::default()
                },
                "lesion diameter",
            ),
            (
                PhantomSpec {
                    lesion_diameter_mm: 0.0,
                    ..Default::default()
                },
                "lesion diameter",
            ),
            (
                PhantomSpec {
                    spacing: [0.7, f64::NAN, 5.0],
                    ..Default::default()
                },
                "spacing",
            ),
            (
                PhantomSpec {
                    spacing: [0.7, 0.7, f64::INFINITY],
                    ..Default::default()
                },
                "spacing",
            ),
            (
                PhantomSpec {
                    size: [8, 512, 60],
                    ..Default::default()
                },
                "16×16×2",
            ),
            (
                PhantomSpec {
                    size: [1 << 20, 1 << 20, 1 << 20],
                    ..Default::default()
                },
                "too large",
            ),
            (
                PhantomSpec {
                    size: [usize::MAX, 2, 2],
                    ..Default::default()
                },
                "16×16×2",
            ),
            (
                PhantomSpec {
                    size: [usize::MAX, 16, 2],
                    ..Default::default()
                },
                "too large",
            ),
            (
                PhantomSpec {
                    noise_hu: f64::NAN,
                    ..Default::default()
                },
                "noise",
            ),
        ];
        for (spec, why) in bad {
            let e = generate(&spec).expect_err(&format!("{spec:?} must fail")).to_string();
            assert!(e.contains(why), "{spec:?}: {e}");
        }
    }
}
