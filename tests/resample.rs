//! Resampling against SimpleITK 2.5.7 (`sitk.Resample`) and pyradiomics' `resampleImage`.
//!
//! Run: `RADSCORE_PYTHON=/tmp/pyr/bin/python cargo test --test resample -- --nocapture`

mod common;

use std::path::Path;

use common::{Rng, oracle_python, run_oracle, temp_dir, write_f64};
use ndarray::Array3;
use radscore::preprocess::resample::{resample_image, resample_label_map, resample_to_spacing, resample_values};
use radscore::settings::Interpolator;
use radscore::{Error, Geometry, Image, LabelMap, PixelType};
use serde_json::{Value, json};

fn rotation(a: f64, b: f64, c: f64) -> [f64; 9] {
    let (sa, ca) = a.sin_cos();
    let (sb, cb) = b.sin_cos();
    let (sc, cc) = c.sin_cos();
    let rz = [[ca, -sa, 0.0], [sa, ca, 0.0], [0.0, 0.0, 1.0]];
    let ry = [[cb, 0.0, sb], [0.0, 1.0, 0.0], [-sb, 0.0, cb]];
    let rx = [[1.0, 0.0, 0.0], [0.0, cc, -sc], [0.0, sc, cc]];
    let mul = |p: [[f64; 3]; 3], q: [[f64; 3]; 3]| {
        let mut m = [[0.0; 3]; 3];
        for i in 0..3 {
            for j in 0..3 {
                m[i][j] = (0..3).map(|k| p[i][k] * q[k][j]).sum();
            }
        }
        m
    };
    let m = mul(mul(rz, ry), rx);
    [
        m[0][0], m[0][1], m[0][2], m[1][0], m[1][1], m[1][2], m[2][0], m[2][1], m[2][2],
    ]
}

/// Identity, flips, an axis permutation, or a random rotation.
fn direction(rng: &mut Rng, kind: u64) -> [f64; 9] {
    match kind % 5 {
        0 => [1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0],
        1 => [-1.0, 0.0, 0.0, 0.0, -1.0, 0.0, 0.0, 0.0, 1.0],
        2 => [0.0, 1.0, 0.0, -1.0, 0.0, 0.0, 0.0, 0.0, -1.0],
        3 => rotation(
            rng.uniform() * 0.6 - 0.3,
            rng.uniform() * 0.4 - 0.2,
            rng.uniform() * 0.4 - 0.2,
        ),
        _ => rotation(
            rng.uniform() * 6.0 - 3.0,
            rng.uniform() * 6.0 - 3.0,
            rng.uniform() * 6.0 - 3.0,
        ),
    }
}

fn geometry_json(g: &Geometry) -> Value {
    json!({"size": g.size, "spacing": g.spacing, "origin": g.origin, "direction": g.direction})
}

fn write_volume(dir: &Path, name: &str, values: &[f64], g: &Geometry, dtype: &str) -> Value {
    write_f64(&dir.join(name), values);
    let mut v = geometry_json(g);
    v["file"] = json!(name);
    v["dtype"] = json!(dtype);
    v
}

fn read_f64(path: &Path) -> Vec<f64> {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    bytes
        .chunks_exact(8)
        .map(|c| f64::from_le_bytes(c.try_into().unwrap()))
        .collect()
}

/// Random image: smooth ramp + noise, with flat patches (where integer-valued B-spline results
/// sit exactly on truncation boundaries) and, for int16, negative values.
fn random_image(rng: &mut Rng, g: &Geometry, pixel_type: PixelType) -> Image {
    let [nx, ny, nz] = g.size;
    let flat = rng.int(-1100, 300) as f64;
    let flat_x = rng.int(0, nx as i64 / 2) as usize;
    let mut voxels = Array3::zeros((nz, ny, nx));
    for ((z, y, x), v) in voxels.indexed_iter_mut() {
        let smooth = 300.0 * ((x as f64) * 0.3).sin() + 40.0 * (y as f64) - 25.0 * (z as f64);
        let raw = if x < flat_x {
            flat
        } else {
            smooth + rng.uniform() * 600.0 - 300.0
        };
        *v = match pixel_type {
            PixelType::I16 => raw.round(),
            PixelType::F32 => raw as f32 as f64 + 0.123,
            _ => raw + 0.5 * rng.uniform(),
        };
        *v = pixel_type.cast(*v);
    }
    Image::new(voxels, pixel_type, g.clone()).unwrap()
}

fn random_geometry(rng: &mut Rng, dir_kind: u64) -> Geometry {
    let size = [
        rng.int(6, 22) as usize,
        rng.int(5, 20) as usize,
        rng.int(3, 14) as usize,
    ];
    let spacing = [
        0.4 + 2.0 * rng.uniform(),
        0.4 + 2.0 * rng.uniform(),
        0.5 + 3.0 * rng.uniform(),
    ];
    Geometry {
        size,
        spacing,
        origin: [
            rng.uniform() * 200.0 - 100.0,
            rng.uniform() * 200.0 - 100.0,
            rng.uniform() * 100.0 - 50.0,
        ],
        direction: direction(rng, dir_kind),
        dimension: 3,
    }
}

/// A target grid around the input's centre: finer, coarser, shifted, rotated or on the same grid.
fn random_target(rng: &mut Rng, input: &Geometry, variant: u64) -> Geometry {
    let centre_index = [
        (input.size[0] as f64 - 1.0) / 2.0,
        (input.size[1] as f64 - 1.0) / 2.0,
        (input.size[2] as f64 - 1.0) / 2.0,
    ];
    let centre = input.index_to_physical(centre_index);
    let (spacing, dir) = match variant % 6 {
        // Same grid, shifted by whole voxels: interpolation points fall on input voxels.
        0 => (input.spacing, input.direction),
        1 => (input.spacing.map(|s| s * 0.5), input.direction),
        2 => (input.spacing.map(|s| s * 1.7), input.direction),
        3 => ([1.0, 1.0, 1.0], input.direction),
        4 => ([0.8, 1.1, 1.3], direction(rng, 3)),
        _ => {
            let kind = rng.next_u64();
            ([1.0, 1.0, 1.0], direction(rng, kind))
        }
    };
    let size = [
        rng.int(4, 24) as usize,
        rng.int(4, 24) as usize,
        rng.int(2, 16) as usize,
    ];
    let mut g = Geometry {
        size,
        spacing,
        origin: [0.0; 3],
        direction: dir,
        dimension: 3,
    };
    // Place the target's centre near the input's, then shift it by up to ±4 voxels.
    let half = [
        (size[0] as f64 - 1.0) / 2.0,
        (size[1] as f64 - 1.0) / 2.0,
        (size[2] as f64 - 1.0) / 2.0,
    ];
    let offset = g.index_to_physical(half);
    let shift = if variant % 6 == 0 {
        let whole = [rng.int(-3, 3) as f64, rng.int(-3, 3) as f64, rng.int(-2, 2) as f64];
        let p = input.index_to_physical(whole);
        [p[0] - input.origin[0], p[1] - input.origin[1], p[2] - input.origin[2]]
    } else {
        [
            (rng.uniform() - 0.5) * 8.0,
            (rng.uniform() - 0.5) * 8.0,
            (rng.uniform() - 0.5) * 8.0,
        ]
    };
    if variant % 6 == 0 {
        // Keep the grid aligned: origin = an input voxel centre.
        let idx = [rng.int(-2, 3) as f64, rng.int(-2, 3) as f64, rng.int(-1, 2) as f64];
        g.origin = input.index_to_physical(idx);
    } else {
        for a in 0..3 {
            g.origin[a] = centre[a] - offset[a] + shift[a];
        }
    }
    g
}

/// The interpolators the oracle runs, with SimpleITK's names.
const INTERPOLATORS: [(Interpolator, &str); 3] = [
    (Interpolator::NearestNeighbor, "sitkNearestNeighbor"),
    (Interpolator::Linear, "sitkLinear"),
    (Interpolator::BSpline, "sitkBSpline"),
];

/// The pixel types resampled, with numpy's names.
const PIXEL_TYPES: [(PixelType, &str); 3] = [
    (PixelType::I16, "int16"),
    (PixelType::F32, "float32"),
    (PixelType::F64, "float64"),
];

/// What to compare: the grid, the interpolator and the oracle's output name.
type Expected = Vec<(Geometry, Interpolator, String)>;

/// Ask the oracle to resample onto `target` with every interpolator (outputs `{out}{name}`).
fn push_resample_ops(target: &Geometry, out: &str, ops: &mut Vec<Value>, expected: &mut Expected) {
    for (interp, name) in INTERPOLATORS {
        let out = format!("{out}{name}");
        ops.push(json!({"kind": "resample", "target": geometry_json(target), "interpolator": name, "out": out}));
        expected.push((target.clone(), interp, out));
    }
}

/// Write the case file and let SimpleITK resample every case; the oracle's summary.
fn run_resample_oracle(python: &Path, dir: &Path, cases: Vec<Value>) -> Value {
    let spec = dir.join("cases.json");
    std::fs::write(&spec, json!({ "cases": cases }).to_string()).unwrap();
    run_oracle(python, "resample.py", &[spec.to_str().unwrap()])
}

#[derive(Default)]
struct Stats {
    compared: usize,
    rotated: usize,
}

fn rel(ours: f64, theirs: f64) -> f64 {
    scaled_rel(ours, theirs, 1.0)
}

/// Difference relative to the value, or to `scale` (the input's largest magnitude) for values
/// that come from cancellation near zero.
fn scaled_rel(ours: f64, theirs: f64, scale: f64) -> f64 {
    if ours == theirs || (ours.is_nan() && theirs.is_nan()) {
        return 0.0;
    }
    (ours - theirs).abs() / theirs.abs().max(scale).max(1e-300)
}

/// Identity or flips only: the directions where a plain matrix inverse would already agree
/// with ITK's SVD-based one. Counted separately to show the others are covered too.
fn axis_aligned(g: &Geometry) -> bool {
    g.direction
        .iter()
        .enumerate()
        .all(|(i, &d)| if i % 4 == 0 { d.abs() == 1.0 } else { d == 0.0 })
}

/// Bit for bit (NaN matching NaN).
fn same_bits(ours: f64, theirs: f64) -> bool {
    ours.to_bits() == theirs.to_bits() || (ours.is_nan() && theirs.is_nan())
}

/// radscore's resampling of `image` onto `target` against the oracle's output `out`, bit for
/// bit both before and after the cast to the image's pixel type; the number of voxels.
fn assert_matches_simpleitk(dir: &Path, image: &Image, target: &Geometry, interp: Interpolator, out: &str) -> usize {
    let theirs_double = read_f64(&dir.join(format!("{out}.double.f64")));
    let theirs_native = read_f64(&dir.join(format!("{out}.native.f64")));
    let ours_double = resample_values(image, target, interp).unwrap();
    let ours_native = resample_image(image, target, interp).unwrap();
    assert_eq!(ours_native.geometry, *target);
    assert_eq!(ours_native.pixel_type, image.pixel_type);
    assert_eq!(ours_double.len(), theirs_double.len(), "{out}");
    let native = ours_native.values();
    let native = native.as_slice().unwrap();
    for (i, (&o, &t)) in ours_double.iter().zip(&theirs_double).enumerate() {
        assert!(same_bits(o, t), "{out}: voxel {i}: ours {o:e} vs SimpleITK {t:e}");
        let (on, tn) = (native[i], theirs_native[i]);
        assert!(
            same_bits(on, tn),
            "{out}: voxel {i}: cast ours {on:e} vs SimpleITK {tn:e}"
        );
    }
    ours_double.len()
}

#[test]
fn resample_image_matches_simpleitk() {
    let Some(python) = oracle_python() else { return };
    let dir = temp_dir("resample_image");
    let mut rng = Rng(0x5EED_0001);
    let interpolators = INTERPOLATORS;
    let mut cases = Vec::new();
    let mut expected = Vec::new();
    for case in 0..45u64 {
        let g = random_geometry(&mut rng, case);
        let (pt, dtype) = PIXEL_TYPES[(case % 3) as usize];
        let image = random_image(&mut rng, &g, pt);
        let file = format!("img{case}.f64");
        let vol = write_volume(&dir, &file, image.values().as_slice().unwrap(), &g, dtype);
        let mut ops = Vec::new();
        let mut targets = Vec::new();
        for t in 0..6u64 {
            let target = random_target(&mut rng, &g, t + case);
            push_resample_ops(&target, &format!("c{case}t{t}"), &mut ops, &mut targets);
        }
        cases.push(json!({"image": vol, "ops": ops}));
        expected.push((image, targets));
    }
    run_resample_oracle(&python, &dir, cases);

    let mut stats: Vec<Stats> = (0..3).map(|_| Stats::default()).collect();
    for (image, targets) in expected.iter() {
        for (target, interp, out) in targets {
            let si = interpolators.iter().position(|(i, _)| i == interp).unwrap();
            // Every direction, rotations included, bit for bit: ITK's continuous indices are
            // reproduced exactly (its SVD-based inverse included), so the casts agree too.
            let n = assert_matches_simpleitk(&dir, image, target, *interp, out);
            let s = &mut stats[si];
            s.compared += n;
            if !(axis_aligned(&image.geometry) && axis_aligned(target)) {
                s.rotated += n;
            }
        }
    }
    for ((_, name), s) in interpolators.iter().zip(&stats) {
        eprintln!(
            "{name}: {} voxels bit-identical to SimpleITK ({} on rotated or permuted grids)",
            s.compared, s.rotated
        );
        assert!(s.rotated > 0, "{name}: no rotated case was compared");
    }
}

/// Images wide enough that the B-spline prefilter's x and y passes filter only windows of
/// their lines around the region the target needs (bracketed recursions stand in for the rest
/// of each line): CT-like int16 with the box near the middle and at the image's edges, float32
/// on a background of exact zeros (where the brackets cannot close and whole lines are
/// filtered), float64 noise, a rotated grid, and a thin-slice CT windowed along z as well;
/// bit for bit as SimpleITK, before and after the cast.
#[test]
fn bspline_on_wide_images_matches_simpleitk() {
    let Some(python) = oracle_python() else { return };
    let dir = temp_dir("resample_wide");
    let mut rng = Rng(0x5EED_0004);
    let mut cases = Vec::new();
    let mut expected = Vec::new();
    for case in 0..5u64 {
        // Case 4 is a thin-slice CT, tall enough for a window along z too.
        let (size, spacing) = if case == 4 {
            ([64, 60, 170], [0.7, 0.7, 0.625])
        } else {
            ([330, 300, 4], [0.68, 0.68, 2.5])
        };
        let g = Geometry {
            size,
            spacing,
            origin: [-110.0, -95.0, 40.0],
            direction: if case == 3 {
                direction(&mut rng, 3)
            } else {
                direction(&mut rng, 0)
            },
            dimension: 3,
        };
        let n = size.iter().product::<usize>();
        let (cx, cy) = (size[0] as f64 / 2.0, size[1] as f64 / 2.0);
        let values: Vec<f64> = (0..n)
            .map(|i| {
                let (x, y) = ((i % size[0]) as f64, ((i / size[0]) % size[1]) as f64);
                let body =
                    ((x - cx) / (0.42 * size[0] as f64)).powi(2) + ((y - cy) / (0.4 * size[1] as f64)).powi(2) < 1.0;
                let tissue = 40.0 + 25.0 * (x * 0.05).sin() + 60.0 * rng.uniform();
                match case {
                    // Air at -1000 HU around a body.
                    0 | 3 | 4 => (if body { tissue } else { -1000.0 + 20.0 * rng.uniform() }).round(),
                    // Exact zeros around the body.
                    1 => (if body { tissue as f32 + 0.123 } else { 0.0 }) as f64,
                    _ => 3000.0 * rng.uniform() - 1500.0,
                }
            })
            .collect();
        let (pixel_type, dtype) = match case {
            1 => (PixelType::F32, "float32"),
            2 => (PixelType::F64, "float64"),
            _ => (PixelType::I16, "int16"),
        };
        let array = Array3::from_shape_vec((size[2], size[1], size[0]), values.clone()).unwrap();
        let voxels = match pixel_type {
            PixelType::I16 => radscore::image::Voxels::I16(array.mapv(|v| v as i16)),
            PixelType::F32 => radscore::image::Voxels::F32(array.mapv(|v| v as f32)),
            _ => radscore::image::Voxels::F64(array),
        };
        let image = Image::new(voxels, pixel_type, g.clone()).unwrap();
        let vol = write_volume(&dir, &format!("wide{case}.f64"), &values, &g, dtype);
        let mut ops = Vec::new();
        let mut targets = Vec::new();
        // Boxes in the middle, at the low and the high edges of x and y, and in the
        // background (zeros for case 1).
        for (t, at) in [[0.5, 0.5], [0.02, 0.6], [0.97, 0.98], [0.1, 0.05], [0.45, 0.9]]
            .iter()
            .enumerate()
        {
            let target = Geometry {
                size: [24, 20, 5],
                spacing: [1.0, 1.0, 1.0],
                origin: g.index_to_physical([
                    at[0] * (size[0] - 1) as f64,
                    at[1] * (size[1] - 1) as f64,
                    if case == 4 { at[0] * (size[2] - 1) as f64 } else { 1.0 },
                ]),
                direction: g.direction,
                dimension: 3,
            };
            let out = format!("w{case}t{t}");
            ops.push(json!({"kind": "resample", "target": geometry_json(&target), "interpolator": "sitkBSpline", "out": out}));
            targets.push((target, out));
        }
        cases.push(json!({"image": vol, "ops": ops}));
        expected.push((image, targets));
    }
    run_resample_oracle(&python, &dir, cases);
    let mut compared = 0;
    for (image, targets) in &expected {
        for (target, out) in targets {
            compared += assert_matches_simpleitk(&dir, image, target, Interpolator::BSpline, out);
        }
    }
    eprintln!("sitkBSpline on wide images: {compared} voxels bit-identical to SimpleITK");
}

/// A 2-D geometry (held as one z slice) as SimpleITK takes it: two sizes, spacings and origin
/// values, a 2×2 direction.
fn geometry_json_2d(g: &Geometry) -> Value {
    let d = g.direction;
    json!({"size": &g.size[..2], "spacing": &g.spacing[..2], "origin": &g.origin[..2],
           "direction": [d[0], d[1], d[3], d[4]]})
}

/// A random 2-D grid: in-plane rotation or flip, z a placeholder of one slice.
fn random_geometry_2d(rng: &mut Rng, kind: u64, size: [usize; 2]) -> Geometry {
    let t = rng.uniform() * 6.0 - 3.0;
    let (s, c) = t.sin_cos();
    let d = match kind % 3 {
        0 => [1.0, 0.0, 0.0, 1.0],
        1 => [0.0, 1.0, -1.0, 0.0],
        _ => [c, -s, s, c],
    };
    Geometry {
        size: [size[0], size[1], 1],
        spacing: [0.3 + 1.5 * rng.uniform(), 0.3 + 1.5 * rng.uniform(), 1.0],
        origin: [rng.uniform() * 60.0 - 30.0, rng.uniform() * 60.0 - 30.0, 0.0],
        direction: [d[0], d[1], 0.0, d[2], d[3], 0.0, 0.0, 0.0, 1.0],
        dimension: 2,
    }
}

/// 2-D images (pyradiomics resamples them with two spacing values): ITK's 2-D interpolators,
/// the B-spline's 16-term sum among them, bit for bit on identity, flipped and rotated grids.
#[test]
fn two_dimensional_images_match_simpleitk() {
    let Some(python) = oracle_python() else { return };
    let dir = temp_dir("resample_2d");
    let mut rng = Rng(0x5EED_0003);
    let mut cases = Vec::new();
    let mut expected = Vec::new();
    for case in 0..30u64 {
        let size = [rng.int(5, 30) as usize, rng.int(5, 30) as usize];
        let g = random_geometry_2d(&mut rng, case, size);
        let (pt, dtype) = PIXEL_TYPES[(case % 3) as usize];
        let image = random_image(&mut rng, &g, pt);
        let file = format!("img{case}.f64");
        write_f64(&dir.join(&file), image.values().as_slice().unwrap());
        let mut vol = geometry_json_2d(&g);
        vol["file"] = json!(file);
        vol["dtype"] = json!(dtype);
        let mut ops = Vec::new();
        let mut targets = Vec::new();
        for t in 0..4u64 {
            // Around the input: its own grid at another spacing, or a rotated one.
            let target_size = [rng.int(4, 30) as usize, rng.int(4, 30) as usize];
            let mut target = random_geometry_2d(&mut rng, if t == 0 { case } else { t + case }, target_size);
            let centre = g.index_to_physical([size[0] as f64 / 2.0, size[1] as f64 / 2.0, 0.0]);
            let half = target.index_to_physical([target_size[0] as f64 / 2.0, target_size[1] as f64 / 2.0, 0.0]);
            for a in 0..2 {
                target.origin[a] += centre[a] - half[a] + (rng.uniform() - 0.5) * 4.0;
            }
            for (interp, name) in INTERPOLATORS {
                let out = format!("c{case}t{t}{name}");
                ops.push(
                    json!({"kind": "resample", "target": geometry_json_2d(&target), "interpolator": name, "out": out}),
                );
                targets.push((target.clone(), interp, out));
            }
        }
        cases.push(json!({"image": vol, "ops": ops}));
        expected.push((image, targets));
    }
    run_resample_oracle(&python, &dir, cases);

    let mut compared = [0usize; 3];
    for (image, targets) in &expected {
        for (target, interp, out) in targets {
            let k = INTERPOLATORS.iter().position(|(i, _)| i == interp).unwrap();
            compared[k] += assert_matches_simpleitk(&dir, image, target, *interp, out);
        }
    }
    for ((_, name), n) in INTERPOLATORS.iter().zip(compared) {
        eprintln!("2-D {name}: {n} voxels bit-identical to SimpleITK");
        assert!(n > 0);
    }
}

#[test]
fn one_voxel_thick_images_match_simpleitk() {
    let Some(python) = oracle_python() else { return };
    let dir = temp_dir("resample_thin");
    let mut rng = Rng(0x5EED_0003);
    let sizes = [[1, 19, 6], [1, 33, 4], [17, 1, 5], [18, 20, 1], [1, 1, 7], [1, 17, 1]];
    let mut cases = Vec::new();
    let mut expected = Vec::new();
    for (case, size) in sizes.iter().enumerate() {
        let mut g = random_geometry(&mut rng, 0);
        g.size = *size;
        let (pt, dtype) = [(PixelType::I16, "int16"), (PixelType::F64, "float64")][case % 2];
        let image = random_image(&mut rng, &g, pt);
        let vol = write_volume(
            &dir,
            &format!("thin{case}.f64"),
            image.values().as_slice().unwrap(),
            &g,
            dtype,
        );
        let mut ops = Vec::new();
        let mut targets = Vec::new();
        for variant in [0u64, 1, 3] {
            let mut target = random_target(&mut rng, &g, variant);
            for (a, &n) in size.iter().enumerate() {
                if n == 1 {
                    // Stay on the one sample along that axis, as pyradiomics' grid does.
                    target.size[a] = 1;
                    target.spacing[a] = g.spacing[a];
                    target.origin[a] = g.origin[a];
                }
            }
            push_resample_ops(&target, &format!("thin{case}v{variant}"), &mut ops, &mut targets);
        }
        cases.push(json!({"image": vol, "ops": ops}));
        expected.push((image, targets));
    }
    run_resample_oracle(&python, &dir, cases);
    let mut compared = 0;
    for (image, targets) in &expected {
        for (target, interp, out) in targets {
            let theirs = read_f64(&dir.join(format!("{out}.double.f64")));
            let ours = resample_values(image, target, *interp).unwrap();
            assert_eq!(ours.len(), theirs.len(), "{out}");
            for (i, (&o, &t)) in ours.iter().zip(&theirs).enumerate() {
                // Axis-aligned grids: bit for bit, as in the test above.
                assert_eq!(
                    o.to_bits(),
                    t.to_bits(),
                    "{out}: voxel {i}: ours {o:e} vs SimpleITK {t:e}"
                );
                compared += 1;
            }
        }
    }
    assert!(compared > 1000, "only {compared} voxels compared");
}

fn random_mask(rng: &mut Rng, g: &Geometry, labels: &[u32], shape_kind: u64) -> LabelMap {
    let [nx, ny, nz] = g.size;
    let mut labels_arr = Array3::<u32>::zeros((nz, ny, nx));
    for (li, &label) in labels.iter().enumerate() {
        // Box-ish blob with random extent; kinds: interior, touching the border, 1-voxel thick, single voxel.
        let kind = (shape_kind + li as u64) % 5;
        let (mut lo, mut hi) = ([0usize; 3], [0usize; 3]);
        for a in 0..3 {
            let n = g.size[a];
            let l = rng.int(0, n as i64 - 1) as usize;
            let h = (l + rng.int(0, (n / 2) as i64) as usize).min(n - 1);
            lo[a] = l;
            hi[a] = h;
        }
        match kind {
            1 => {
                lo[0] = 0;
                hi[2] = nz - 1;
            }
            2 => hi[2] = lo[2],
            3 => hi = lo,
            4 => {
                hi[0] = nx - 1;
                lo[1] = 0;
                hi[1] = lo[1];
            }
            _ => {}
        }
        for z in lo[2]..=hi[2] {
            for y in lo[1]..=hi[1] {
                for x in lo[0]..=hi[0] {
                    // Carve a little so the ROI is not a full box.
                    if kind == 3 || rng.uniform() < 0.85 || (x == lo[0] && y == lo[1] && z == lo[2]) {
                        labels_arr[[z, y, x]] = label;
                    }
                }
            }
        }
        // Mark the box corners so the bounding box is exactly lo..hi.
        labels_arr[[hi[2], hi[1], hi[0]]] = label;
        labels_arr[[lo[2], lo[1], lo[0]]] = label;
    }
    LabelMap::new(labels_arr, g.clone()).unwrap()
}

#[test]
fn resample_label_map_matches_simpleitk() {
    let Some(python) = oracle_python() else { return };
    let dir = temp_dir("resample_label_map");
    let mut rng = Rng(0x5EED_0002);
    let mut cases = Vec::new();
    let mut expected = Vec::new();
    for case in 0..20u64 {
        let g = random_geometry(&mut rng, case);
        let image = random_image(&mut rng, &g, PixelType::I16);
        let mask = random_mask(&mut rng, &g, &[1, 2, 7], case);
        let labels_f64: Vec<f64> = mask.values().iter().map(|&l| l as f64).collect();
        let img_vol = write_volume(
            &dir,
            &format!("img{case}.f64"),
            image.values().as_slice().unwrap(),
            &g,
            "int16",
        );
        let msk_vol = write_volume(&dir, &format!("msk{case}.f64"), &labels_f64, &g, "uint32");
        let mut ops = Vec::new();
        let mut targets = Vec::new();
        for t in 0..6u64 {
            let target = random_target(&mut rng, &g, t);
            let out = format!("m{case}t{t}");
            ops.push(json!({"kind": "resample_mask", "target": geometry_json(&target), "out": out}));
            targets.push((target, out));
        }
        cases.push(json!({"image": img_vol, "mask": msk_vol, "ops": ops}));
        expected.push((mask, targets));
    }
    run_resample_oracle(&python, &dir, cases);
    let mut compared = 0;
    for (mask, targets) in &expected {
        for (target, out) in targets {
            let theirs = read_f64(&dir.join(format!("{out}.native.f64")));
            let ours = resample_label_map(mask, target).unwrap();
            for (&o, &t) in ours.values().iter().zip(&theirs) {
                assert_eq!(o as f64, t, "{out}");
                compared += 1;
            }
        }
    }
    eprintln!("label maps: {compared} voxels identical");
}

struct PyrCase {
    image: Image,
    mask: LabelMap,
    spacing: [f64; 3],
    interpolator: Interpolator,
    label: u32,
    pad: usize,
    out: String,
}

#[test]
fn resample_to_spacing_matches_pyradiomics() {
    let Some(python) = oracle_python() else { return };
    let dir = temp_dir("resample_to_spacing");
    let mut rng = Rng(0x5EED_0003);
    let mut cases = Vec::new();
    let mut expected: Vec<PyrCase> = Vec::new();
    let interpolators = [
        (Interpolator::BSpline, "sitkBSpline"),
        (Interpolator::Linear, "sitkLinear"),
        (Interpolator::NearestNeighbor, "sitkNearestNeighbor"),
    ];
    for case in 0..60u64 {
        // CT-like spacing (fine in-plane, thick slices) or random.
        let mut g = random_geometry(&mut rng, case);
        if case % 3 == 0 {
            g.spacing = [0.78125, 0.78125, 2.5];
        }
        let (pt, dtype) = if case % 4 == 3 {
            (PixelType::F64, "float64")
        } else {
            (PixelType::I16, "int16")
        };
        let image = random_image(&mut rng, &g, pt);
        // Mostly the image's grid; sometimes a mask cropped to a sub-grid (same spacing and direction).
        let mask_geometry = if case % 10 == 9 {
            // A mask grid sticking out of the image by 3 voxels along x: ROIs there are rejected.
            Geometry {
                origin: g.index_to_physical([3.0, 0.0, 0.0]),
                ..g.clone()
            }
        } else if case % 5 == 4 {
            let start = [1usize, 1, 0];
            let size = [g.size[0] - 2, g.size[1] - 1, g.size[2]];
            Geometry {
                size,
                spacing: g.spacing,
                origin: g.index_to_physical([start[0] as f64, start[1] as f64, start[2] as f64]),
                direction: g.direction,
                dimension: 3,
            }
        } else {
            g.clone()
        };
        let mask = random_mask(&mut rng, &mask_geometry, &[1, 2], case);
        let labels_f64: Vec<f64> = mask.values().iter().map(|&l| l as f64).collect();
        let img_vol = write_volume(
            &dir,
            &format!("img{case}.f64"),
            image.values().as_slice().unwrap(),
            &g,
            dtype,
        );
        let msk_vol = write_volume(&dir, &format!("msk{case}.f64"), &labels_f64, &mask_geometry, "uint32");
        let mut ops = Vec::new();
        let spacings = [
            [1.0, 1.0, 1.0],
            [0.7, 0.9, 0.0],
            g.spacing,
            [2.0, 2.0, 2.0],
            [0.5, 0.5, g.spacing[2]],
        ];
        for (si, &spacing) in spacings.iter().enumerate() {
            let (interp, name) = interpolators[(si + case as usize) % 3];
            let label = if (si + case as usize) % 7 == 6 {
                5
            } else {
                1 + (si as u32 % 2)
            };
            let pad = [0usize, 1, 2, 5][(si + 2 * case as usize) % 4];
            let out = format!("p{case}s{si}");
            ops.push(json!({"kind": "pyradiomics", "spacing": spacing, "interpolator": name,
                            "label": label, "pad": pad, "out": out}));
            expected.push(PyrCase {
                image: image.clone(),
                mask: mask.clone(),
                spacing,
                interpolator: interp,
                label,
                pad,
                out,
            });
        }
        cases.push(json!({"image": img_vol, "mask": msk_vol, "ops": ops}));
    }
    let result = run_resample_oracle(&python, &dir, cases);
    let theirs_all: Vec<&Value> = result["results"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|c| c.as_array().unwrap())
        .collect();
    assert_eq!(theirs_all.len(), expected.len());
    let (mut ok, mut errors, mut voxels, mut rotated) = (0, 0, 0, 0);
    let mut label_absent = 0;
    let mut shortcut = 0;
    let mut outside = 0;
    let mut max_geom = 0.0f64;
    for (c, theirs) in expected.iter().zip(theirs_all) {
        let ours = resample_to_spacing(&c.image, &c.mask, c.label, c.spacing, c.interpolator, c.pad);
        if let Some(err) = theirs["error"].as_str() {
            let e = ours.expect_err(&format!("{}: pyradiomics failed ({err}) but we did not", c.out));
            if err.contains("not present") {
                label_absent += 1;
                assert!(matches!(e, Error::LabelAbsent { .. }), "{}: {e}", c.out);
            } else {
                assert!(
                    err.contains("larger than image"),
                    "{}: unexpected oracle error {err}",
                    c.out
                );
                outside += 1;
                assert!(matches!(e, Error::GeometryMismatch { .. }), "{}: {err} vs {e}", c.out);
            }
            errors += 1;
            continue;
        }
        let (img, msk) = ours.unwrap_or_else(|e| panic!("{}: {e}", c.out));
        if img.geometry.spacing == c.image.geometry.spacing {
            shortcut += 1;
        }
        for (g, tg) in [(&img.geometry, theirs), (&msk.geometry, &theirs["mask_geometry"])] {
            let size: Vec<usize> = tg["size"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_u64().unwrap() as usize)
                .collect();
            assert_eq!(g.size.to_vec(), size, "{}: size", c.out);
            for (key, ours_v) in [
                ("spacing", &g.spacing[..]),
                ("origin", &g.origin[..]),
                ("direction", &g.direction[..]),
            ] {
                for (o, t) in ours_v.iter().zip(tg[key].as_array().unwrap()) {
                    let t = t.as_f64().unwrap();
                    let r = rel(*o, t);
                    max_geom = max_geom.max(r);
                    assert!(r < 1e-12, "{}: {key} {o} vs {t}", c.out);
                }
            }
        }
        assert_eq!(
            theirs["dtype"].as_str().unwrap(),
            img.pixel_type.numpy_name(),
            "{}",
            c.out
        );
        let ti = read_f64(&dir.join(format!("{}.image.f64", c.out)));
        let tm = read_f64(&dir.join(format!("{}.mask.f64", c.out)));
        assert_eq!(ti.len(), img.values().len());
        // Every direction bit for bit, rotations included (nearest-neighbour ties too).
        let mask_mismatch = msk.values().iter().zip(&tm).filter(|&(&o, &t)| o as f64 != t).count();
        assert_eq!(
            mask_mismatch,
            0,
            "{}: mask voxels differ ({} of {})",
            c.out,
            mask_mismatch,
            tm.len()
        );
        if !(axis_aligned(&c.image.geometry) && axis_aligned(&c.mask.geometry)) {
            rotated += 1;
        }
        for (&o, &t) in img.values().iter().zip(&ti) {
            voxels += 1;
            assert!(same_bits(o, t), "{}: {o} vs {t}", c.out);
        }
        ok += 1;
    }
    eprintln!(
        "resampleImage: {ok} cases compared ({voxels} voxels, {rotated} cases on rotated or permuted grids), \
         image and mask bit-identical to pyradiomics; {errors} matching errors, geometry max rel diff {max_geom:e}"
    );
    eprintln!(
        "errors reproduced: {label_absent} label absent, {outside} ROI outside the image; outputs on the image grid (allclose shortcut or unchanged spacing): {shortcut}"
    );
    assert!(rotated > 0, "no rotated case was compared");
}

#[test]
fn errors_name_their_cause() {
    let g = Geometry::new([4, 4, 3], [1.0, 1.0, 1.0]);
    let image = Image::new(Array3::zeros((3, 4, 4)), PixelType::I16, g.clone()).unwrap();
    let mut labels = Array3::zeros((3, 4, 4));
    labels[[1, 1, 1]] = 2;
    let mask = LabelMap::new(labels, g.clone()).unwrap();
    let e = resample_to_spacing(&image, &mask, 1, [2.0, 2.0, 2.0], Interpolator::BSpline, 1).unwrap_err();
    assert!(
        matches!(e, Error::LabelAbsent { label: 1, ref present } if present == &vec![2]),
        "{e}"
    );
    let e = resample_image(&image, &g, Interpolator::LanczosWindowedSinc).unwrap_err();
    assert!(e.to_string().contains("sitkLanczosWindowedSinc"), "{e}");
    let mut bad = g.clone();
    bad.spacing[1] = 0.0;
    assert!(resample_image(&image, &bad, Interpolator::Linear).is_err());
    let mut singular = g.clone();
    singular.direction = [1.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 1.0];
    assert!(resample_image(&image, &singular, Interpolator::BSpline).is_err());
    // An empty target is fine (and empty).
    let empty = Geometry::new([0, 3, 3], [1.0, 1.0, 1.0]);
    assert_eq!(
        resample_image(&image, &empty, Interpolator::BSpline)
            .unwrap()
            .values()
            .len(),
        0
    );
}

/// B-spline resampling of a 512×512×60 CT's ROI neighbourhood to 1 mm. Timing only; run with
/// `cargo test --release --test resample -- --ignored --nocapture`.
#[test]
#[ignore]
fn timing_ct_roi_bspline() {
    let g = Geometry {
        size: [512, 512, 60],
        spacing: [0.7, 0.7, 2.5],
        origin: [-180.0, -180.0, -75.0],
        direction: [1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0],
        dimension: 3,
    };
    let mut rng = Rng(7);
    let voxels = Array3::from_shape_fn((60, 512, 512), |_| (rng.uniform() * 2000.0 - 1000.0).round());
    let image = Image::new(voxels, PixelType::I16, g.clone()).unwrap();
    let mut labels = Array3::zeros((60, 512, 512));
    labels.slice_mut(ndarray::s![20..40, 200..280, 220..300]).fill(1u32);
    let mask = LabelMap::new(labels, g).unwrap();
    for _ in 0..3 {
        let start = std::time::Instant::now();
        let (img, _) = resample_to_spacing(&image, &mask, 1, [1.0, 1.0, 1.0], Interpolator::BSpline, 5).unwrap();
        eprintln!(
            "ROI resampling to 1 mm: output {:?} in {:?}",
            img.geometry.size,
            start.elapsed()
        );
    }
    let whole = Geometry {
        size: [358, 358, 150],
        spacing: [1.0, 1.0, 1.0],
        origin: [-180.0, -180.0, -75.0],
        direction: image.geometry.direction,
        dimension: 3,
    };
    let start = std::time::Instant::now();
    let out = resample_image(&image, &whole, Interpolator::BSpline).unwrap();
    eprintln!(
        "whole-image resampling to 1 mm: output {:?} in {:?}",
        out.geometry.size,
        start.elapsed()
    );
}
