//! shape, shape2D and firstorder against pyradiomics 3.1 (tests/oracle/feature_class.py) on generated
//! volumes, and against the IBSI digital phantom's reference values.

mod common;

use common::{Rng, close, eigen_solver_noise, oracle_python, rel_diff, run_oracle, shared_dir, temp_dir, write_f64};
use radscore::features::{ClassSettings, FeatureClass, FirstOrder, RoiView, Shape, Shape2D};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::path::Path;

/// One generated volume and the pyradiomics settings to run it with.
struct Case {
    label: String,
    /// Array shape `(z, y, x)`.
    shape: [usize; 3],
    /// Spacing `(z, y, x)`.
    spacing: [f64; 3],
    image: Vec<f64>,
    mask: Vec<bool>,
    image_dtype: &'static str,
    settings: Value,
    voxel_array_shift: f64,
}

/// Worst relative difference per feature over all cases, and the failures.
#[derive(Default)]
struct Report {
    worst: BTreeMap<String, (f64, String)>,
    /// Largest pyradiomics value accepted as eigen-solver noise where ours is an exact 0.
    noise: BTreeMap<String, (f64, String)>,
    failures: Vec<String>,
}

impl Report {
    fn record_noise(&mut self, feature: &str, case: &str, theirs: f64) {
        let entry = self.noise.entry(feature.to_string()).or_insert((0.0, String::new()));
        if theirs.abs() > entry.0 {
            *entry = (theirs.abs(), case.to_string());
        }
    }

    fn record(&mut self, feature: &str, case: &str, ours: f64, theirs: f64) {
        // Report the plain relative difference (absolute where pyradiomics gives 0); pass/fail
        // uses the parity bar (1e-6 relative or 1e-9 absolute).
        let diff = if ours.is_nan() && theirs.is_nan() {
            0.0
        } else if ours.is_nan() || theirs.is_nan() {
            f64::INFINITY
        } else if theirs == 0.0 {
            (ours - theirs).abs()
        } else {
            (ours - theirs).abs() / theirs.abs()
        };
        let entry = self.worst.entry(feature.to_string()).or_insert((0.0, String::new()));
        if diff > entry.0 {
            *entry = (diff, case.to_string());
        }
        if !close(ours, theirs) {
            let parity = rel_diff(ours, theirs);
            self.failures.push(format!(
                "{case}: {feature} ours {ours:e} pyradiomics {theirs:e} (rel {parity:e})"
            ));
        }
    }

    fn finish(&self, class: &str) {
        eprintln!("max relative difference per {class} feature:");
        for (name, (diff, case)) in &self.worst {
            eprintln!("  {name:32} {diff:.3e}  ({case})");
        }
        for (name, (value, case)) in &self.noise {
            eprintln!("  {name:32} ours exactly 0, pyradiomics noise up to {value:.3e}  ({case})");
        }
        assert!(
            self.failures.is_empty(),
            "{} mismatches:\n{}",
            self.failures.len(),
            self.failures.join("\n")
        );
    }
}

/// The case cropped to its mask's bounding box, as the extractor hands it to the classes.
/// (pyradiomics' MeshVolume depends on where the mask sits in the array: its triangle table
/// orients some triangles inconsistently, so the origin must be the one the extractor uses.)
fn cropped(case: Case) -> Case {
    let (lo, hi) = bounding_box(&case.mask, case.shape);
    Case {
        shape: [hi[0] - lo[0] + 1, hi[1] - lo[1] + 1, hi[2] - lo[2] + 1],
        image: crop(&case.image, case.shape, lo, hi),
        mask: crop(&case.mask, case.shape, lo, hi),
        ..case
    }
}

/// Run every case through the oracle in one interpreter start.
fn oracle_results(python: &Path, dir_name: &str, class: &str, cases: &[Case]) -> Vec<Value> {
    let dir = temp_dir(dir_name);
    let mut list = Vec::new();
    for (i, case) in cases.iter().enumerate() {
        let image = format!("image{i}.f64");
        let mask = format!("mask{i}.f64");
        write_f64(&dir.join(&image), &case.image);
        let mask_values: Vec<f64> = case.mask.iter().map(|&m| if m { 1.0 } else { 0.0 }).collect();
        write_f64(&dir.join(&mask), &mask_values);
        list.push(json!({
            "shape": case.shape,
            "spacing": [case.spacing[2], case.spacing[1], case.spacing[0]],
            "image": image,
            "mask": mask,
            "image_dtype": case.image_dtype,
            "class": class,
            "settings": case.settings,
        }));
    }
    let case_file = dir.join("cases.json");
    std::fs::write(&case_file, serde_json::to_vec(&list).unwrap()).unwrap();
    let out = run_oracle(python, "feature_class.py", &[case_file.to_str().unwrap()]);
    out.as_array().expect("oracle printed a list").clone()
}

/// Cropped copy of a full array to `[lo, hi]` (inclusive) in each axis.
fn crop<T: Copy>(data: &[T], shape: [usize; 3], lo: [usize; 3], hi: [usize; 3]) -> Vec<T> {
    let mut out = Vec::new();
    for z in lo[0]..=hi[0] {
        for y in lo[1]..=hi[1] {
            let start = (z * shape[1] + y) * shape[2];
            out.extend_from_slice(&data[start + lo[2]..=start + hi[2]]);
        }
    }
    out
}

/// Bounding box of the mask, inclusive.
fn bounding_box(mask: &[bool], shape: [usize; 3]) -> ([usize; 3], [usize; 3]) {
    let mut lo = [usize::MAX; 3];
    let mut hi = [0; 3];
    for (i, _) in mask.iter().enumerate().filter(|(_, m)| **m) {
        let c = [i / (shape[1] * shape[2]), (i / shape[2]) % shape[1], i % shape[2]];
        for a in 0..3 {
            lo[a] = lo[a].min(c[a]);
            hi[a] = hi[a].max(c[a]);
        }
    }
    (lo, hi)
}

/// Compare our class on the cropped case with the oracle's values.
fn compare(class: &dyn FeatureClass, case: &Case, oracle: &Value, report: &mut Report) {
    let (lo, hi) = bounding_box(&case.mask, case.shape);
    let cropped_shape = [hi[0] - lo[0] + 1, hi[1] - lo[1] + 1, hi[2] - lo[2] + 1];
    let mask = crop(&case.mask, case.shape, lo, hi);
    // The oracle's image was cast to `image_dtype`; the values fed here are already integral for integer types.
    let intensities = crop(&case.image, case.shape, lo, hi);
    let gray_full: Vec<u32> = match oracle["gray_levels"].as_array() {
        Some(levels) => levels.iter().map(|v| v.as_u64().unwrap() as u32).collect(),
        None => vec![0; case.mask.len()],
    };
    let gray_levels = crop(&gray_full, case.shape, lo, hi);
    let roi = RoiView {
        shape: cropped_shape,
        spacing: case.spacing,
        mask: &mask,
        intensities: &intensities,
        gray_levels: &gray_levels,
        levels: None,
    };
    let settings = ClassSettings {
        voxel_array_shift: case.voxel_array_shift,
        force2d: case.settings["force2D"].as_bool().unwrap_or(false),
        force2d_dimension: case.settings["force2Ddimension"].as_u64().unwrap_or(0) as usize,
        ..ClassSettings::default()
    };
    let values = class.compute(&roi, &settings).unwrap();
    let theirs = oracle["features"].as_object().unwrap();
    let ours: BTreeMap<&str, f64> = class
        .features()
        .iter()
        .map(|f| f.name)
        .zip(values.iter().copied())
        .collect();
    assert_eq!(values.len(), class.features().len());
    assert_eq!(
        ours.keys().copied().collect::<Vec<_>>(),
        theirs
            .keys()
            .map(String::as_str)
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect::<Vec<_>>(),
        "feature names differ from pyradiomics' for {}",
        class.name()
    );
    for (name, value) in theirs {
        let expected = value.as_f64().unwrap_or(f64::NAN);
        let mine = ours[name.as_str()];
        // A zero eigenvalue (voxels on a line or a plane) is exact here; pyradiomics' general
        // eigen solver leaves rounding noise of order sqrt(1e-16·λmax) in the derived values.
        let major = theirs.get("MajorAxisLength").and_then(|v| v.as_f64());
        if !close(mine, expected) && eigen_solver_noise(name, mine, expected, major) {
            report.record_noise(name, &case.label, expected);
            continue;
        }
        report.record(name, &case.label, mine, expected);
    }
}

// ---------- generated masks ----------

fn index(shape: [usize; 3], z: usize, y: usize, x: usize) -> usize {
    (z * shape[1] + y) * shape[2] + x
}

/// A noisy ellipsoid somewhere inside the array (at least one voxel).
fn blob(rng: &mut Rng, shape: [usize; 3]) -> Vec<bool> {
    let centre: [f64; 3] = std::array::from_fn(|a| shape[a] as f64 * (0.3 + 0.4 * rng.uniform()));
    let radius: [f64; 3] = std::array::from_fn(|a| 1.0 + (shape[a] as f64 * 0.35) * rng.uniform());
    let mut mask = vec![false; shape.iter().product()];
    for z in 0..shape[0] {
        for y in 0..shape[1] {
            for x in 0..shape[2] {
                let d = [z as f64 - centre[0], y as f64 - centre[1], x as f64 - centre[2]];
                let r: f64 = (0..3).map(|a| (d[a] / radius[a]).powi(2)).sum();
                mask[index(shape, z, y, x)] = r < 1.0 + 0.6 * (rng.uniform() - 0.5);
            }
        }
    }
    let c = index(shape, centre[0] as usize, centre[1] as usize, centre[2] as usize);
    mask[c] = true;
    mask
}

fn sparse(rng: &mut Rng, shape: [usize; 3], p: f64) -> Vec<bool> {
    let mut mask: Vec<bool> = (0..shape.iter().product::<usize>())
        .map(|_| rng.uniform() < p)
        .collect();
    mask[0] = true;
    mask
}

fn one_slice(rng: &mut Rng, shape: [usize; 3]) -> Vec<bool> {
    let mut mask = blob(rng, shape);
    let keep = rng.int(0, shape[0] as i64 - 1) as usize;
    let plane = shape[1] * shape[2];
    for (i, m) in mask.iter_mut().enumerate() {
        if i / plane != keep {
            *m = false;
        }
    }
    mask[keep * plane + plane / 2] = true;
    mask
}

fn single_voxel(rng: &mut Rng, shape: [usize; 3]) -> Vec<bool> {
    let mut mask = vec![false; shape.iter().product()];
    let i = rng.int(0, mask.len() as i64 - 1) as usize;
    mask[i] = true;
    mask
}

fn line(rng: &mut Rng, shape: [usize; 3], axis: Option<usize>) -> Vec<bool> {
    let mut mask = vec![false; shape.iter().product()];
    let start: [usize; 3] = std::array::from_fn(|a| rng.int(0, shape[a] as i64 / 3) as usize);
    for step in 0.. {
        let p: [usize; 3] = std::array::from_fn(|a| match axis {
            Some(ax) if ax != a => start[a],
            _ => start[a] + step,
        });
        if (0..3).any(|a| p[a] >= shape[a]) {
            break;
        }
        mask[index(shape, p[0], p[1], p[2])] = true;
    }
    mask
}

fn full_box(shape: [usize; 3]) -> Vec<bool> {
    vec![true; shape.iter().product()]
}

/// A one-voxel-thick box shell with an empty inside, one voxel in from the array border.
fn hollow(shape: [usize; 3]) -> Vec<bool> {
    let mut mask = vec![false; shape.iter().product()];
    for z in 1..shape[0] - 1 {
        for y in 1..shape[1] - 1 {
            for x in 1..shape[2] - 1 {
                let edge = z == 1 || z == shape[0] - 2 || y == 1 || y == shape[1] - 2 || x == 1 || x == shape[2] - 2;
                mask[index(shape, z, y, x)] = edge;
            }
        }
    }
    mask
}

fn two_blobs(rng: &mut Rng, shape: [usize; 3]) -> Vec<bool> {
    let a = blob(rng, shape);
    let b = blob(rng, shape);
    let plane = shape[1] * shape[2];
    let half = shape[0] / 2 * plane;
    // Keep each blob to its half so that they are usually apart.
    a.iter()
        .zip(&b)
        .enumerate()
        .map(|(i, (&p, &q))| i == 0 || if i < half { p } else { q })
        .collect()
}

fn random_shape(rng: &mut Rng) -> [usize; 3] {
    [
        rng.int(1, 12) as usize,
        rng.int(2, 16) as usize,
        rng.int(2, 16) as usize,
    ]
}

fn random_spacing(rng: &mut Rng, k: usize) -> [f64; 3] {
    match k % 4 {
        0 => [1.0, 1.0, 1.0],
        1 => [2.5, 0.7, 0.7],
        2 => [
            0.5 + 3.0 * rng.uniform(),
            0.3 + rng.uniform(),
            0.3 + 2.0 * rng.uniform(),
        ],
        _ => [1.25, 0.976_562_5, 0.976_562_5],
    }
}

/// Masks of many kinds, each with a spacing.
fn masks(rng: &mut Rng) -> Vec<(String, [usize; 3], Vec<bool>)> {
    let mut out = Vec::new();
    for k in 0..18 {
        let shape = [
            rng.int(3, 14) as usize,
            rng.int(3, 18) as usize,
            rng.int(3, 18) as usize,
        ];
        out.push((format!("blob{k}"), shape, blob(rng, shape)));
    }
    for k in 0..6 {
        let shape = random_shape(rng);
        let p = 0.15 + 0.6 * rng.uniform();
        out.push((format!("sparse{k}"), shape, sparse(rng, shape, p)));
    }
    for k in 0..4 {
        let shape = [rng.int(1, 6) as usize, rng.int(4, 16) as usize, rng.int(4, 16) as usize];
        out.push((format!("slice{k}"), shape, one_slice(rng, shape)));
    }
    for k in 0..3 {
        let shape = random_shape(rng);
        out.push((format!("voxel{k}"), shape, single_voxel(rng, shape)));
    }
    for (k, axis) in [Some(0), Some(1), Some(2), None, None].into_iter().enumerate() {
        let shape = [
            rng.int(4, 10) as usize,
            rng.int(4, 10) as usize,
            rng.int(4, 10) as usize,
        ];
        out.push((format!("line{k}"), shape, line(rng, shape, axis)));
    }
    for (k, shape) in [[1, 1, 1], [1, 4, 5], [3, 3, 3], [6, 2, 9]].into_iter().enumerate() {
        out.push((format!("box{k}"), shape, full_box(shape)));
    }
    for (k, shape) in [[5, 6, 7], [9, 12, 10]].into_iter().enumerate() {
        out.push((format!("hollow{k}"), shape, hollow(shape)));
    }
    for k in 0..3 {
        let shape = [
            rng.int(6, 12) as usize,
            rng.int(6, 14) as usize,
            rng.int(6, 14) as usize,
        ];
        out.push((format!("twoblobs{k}"), shape, two_blobs(rng, shape)));
    }
    out
}

// ---------- tests ----------

#[test]
fn shape_matches_pyradiomics() {
    let Some(python) = oracle_python() else { return };
    let mut rng = Rng(0x5A4E_0001);
    let cases: Vec<Case> = masks(&mut rng)
        .into_iter()
        .enumerate()
        .map(|(k, (label, shape, mask))| Case {
            label,
            shape,
            spacing: random_spacing(&mut rng, k),
            image: vec![1.0; mask.len()],
            mask,
            image_dtype: "float64",
            settings: json!({}),
            voxel_array_shift: 0.0,
        })
        .collect();
    let cases: Vec<Case> = cases.into_iter().map(cropped).collect();
    let results = oracle_results(&python, "shape_cases", "shape", &cases);
    let mut report = Report::default();
    for (case, oracle) in cases.iter().zip(&results) {
        compare(&Shape, case, oracle, &mut report);
    }
    report.finish("shape");
}

/// Single-slice masks `[1, rows, cols]` of many kinds: blobs, speckle (full of diagonal
/// neighbours, the marching-squares saddles), rings (a hole inside), lines, boxes, one pixel.
fn planar_masks(rng: &mut Rng) -> Vec<(String, [usize; 2], Vec<bool>)> {
    let mut out = Vec::new();
    let size = |rng: &mut Rng, lo: i64| [rng.int(lo, 20) as usize, rng.int(lo, 20) as usize];
    for k in 0..9 {
        let [r, c] = size(rng, 3);
        out.push((format!("blob{k}"), [r, c], blob(rng, [1, r, c])));
    }
    for k in 0..6 {
        let [r, c] = size(rng, 2);
        let p = 0.2 + 0.6 * rng.uniform();
        out.push((format!("speckle{k}"), [r, c], sparse(rng, [1, r, c], p)));
    }
    for k in 0..3 {
        let [r, c] = size(rng, 7);
        let (cr, cc) = (r as f64 / 2.0 - 0.5, c as f64 / 2.0 - 0.5);
        let outer = (r.min(c) as f64 / 2.0) - 0.3 * rng.uniform();
        let inner = outer * (0.3 + 0.3 * rng.uniform());
        let ring = (0..r * c)
            .map(|i| {
                let d = (((i / c) as f64 - cr).powi(2) + ((i % c) as f64 - cc).powi(2)).sqrt();
                d <= outer && d > inner
            })
            .collect();
        out.push((format!("ring{k}"), [r, c], ring));
    }
    for (k, axis) in [Some(1), Some(2), None].into_iter().enumerate() {
        let [r, c] = size(rng, 4);
        out.push((format!("line{k}"), [r, c], line(rng, [1, r, c], axis)));
    }
    for (k, [r, c]) in [[1, 1], [1, 6], [5, 1], [4, 7]].into_iter().enumerate() {
        out.push((format!("box{k}"), [r, c], full_box([1, r, c])));
    }
    for k in 0..2 {
        let [r, c] = size(rng, 2);
        out.push((format!("pixel{k}"), [r, c], single_voxel(rng, [1, r, c])));
    }
    out
}

/// shape2D on single-slice ROIs, with the slice normal to each axis in turn.
#[test]
fn shape2d_matches_pyradiomics() {
    let Some(python) = oracle_python() else { return };
    let mut rng = Rng(0x5A4E_2D01);
    let cases: Vec<Case> = planar_masks(&mut rng)
        .into_iter()
        .enumerate()
        .map(|(k, (label, [rows, cols], mask))| {
            let normal = k % 3;
            // A size-1 axis leaves the C order of the plane's pixels as it is.
            let shape = match normal {
                0 => [1, rows, cols],
                1 => [rows, 1, cols],
                _ => [rows, cols, 1],
            };
            Case {
                label: format!("{label} (normal to axis {normal})"),
                shape,
                spacing: random_spacing(&mut rng, k),
                image: vec![1.0; mask.len()],
                mask,
                image_dtype: "float64",
                settings: json!({"force2D": true, "force2Ddimension": normal}),
                voxel_array_shift: 0.0,
            }
        })
        .map(cropped)
        .collect();
    let results = oracle_results(&python, "shape2d_cases", "shape2D", &cases);
    let mut report = Report::default();
    for (case, oracle) in cases.iter().zip(&results) {
        compare(&Shape2D, case, oracle, &mut report);
    }
    report.finish("shape2D");
}

/// Round one-slice ROIs have two nearly equal eigenvalues, where the trace/determinant formula
/// loses half the digits (1.4e-8 relative at radius 7.2 px): the axis lengths must still agree
/// with pyradiomics to rounding.
#[test]
fn round_single_slice_rois_have_exact_axes() {
    let Some(python) = oracle_python() else { return };
    let side = 64;
    let cases: Vec<Case> = [3.5, 6.1, 7.2, 8.3, 12.7, 27.9]
        .into_iter()
        .enumerate()
        .map(|(k, radius)| {
            let centre = (side as f64 - 1.0) / 2.0;
            let mask: Vec<bool> = (0..side * side)
                .map(|i| ((i / side) as f64 - centre).hypot((i % side) as f64 - centre) <= radius)
                .collect();
            Case {
                label: format!("disk r={radius}"),
                shape: [1, side, side],
                spacing: if k % 2 == 0 { [3.0, 0.8, 0.8] } else { [2.0, 0.9, 0.7] },
                image: vec![1.0; mask.len()],
                mask,
                image_dtype: "float64",
                settings: json!({}),
                voxel_array_shift: 0.0,
            }
        })
        .map(cropped)
        .collect();
    let results = oracle_results(&python, "round_slices", "shape", &cases);
    for (case, oracle) in cases.iter().zip(&results) {
        let mut report = Report::default();
        compare(&Shape, case, oracle, &mut report);
        for feature in ["Elongation", "MajorAxisLength", "MinorAxisLength"] {
            let (diff, _) = &report.worst[feature];
            assert!(*diff < 1e-13, "{}: {feature} differs by {diff:e} relative", case.label);
        }
    }
}

#[test]
fn firstorder_matches_pyradiomics() {
    let Some(python) = oracle_python() else { return };
    let mut rng = Rng(0xF125_7000);
    let mut cases = Vec::new();
    for (k, (label, shape, mask)) in masks(&mut rng).into_iter().enumerate() {
        let n = mask.len();
        let kind = k % 6;
        let (image, dtype, bin_width, kind_name): (Vec<f64>, &str, f64, &str) = match kind {
            // Float intensities spanning negative and positive values.
            0 => {
                let offset = 400.0 * (rng.uniform() - 0.5);
                (
                    (0..n).map(|_| offset + 300.0 * (rng.uniform() - 0.5)).collect(),
                    "float64",
                    25.0,
                    "float",
                )
            }
            // CT-like integers stored as int16.
            1 => (
                (0..n).map(|_| rng.int(-1024, 2000) as f64).collect(),
                "int16",
                25.0,
                "int16",
            ),
            // Small integer range with many ties.
            2 => ((0..n).map(|_| rng.int(-3, 4) as f64).collect(), "int32", 1.0, "ties"),
            // Small float range.
            3 => (
                (0..n).map(|_| rng.uniform() * 0.8 - 0.1).collect(),
                "float64",
                0.05,
                "unit",
            ),
            // Flat region of a non-representable value.
            4 => (vec![0.1; n], "float64", 25.0, "flat0.1"),
            // Large positive offset with small spread (cancellation in the moments).
            _ => (
                (0..n).map(|_| 1.0e4 + rng.uniform() * 3.0).collect(),
                "float64",
                0.5,
                "offset",
            ),
        };
        let shift = [0.0, 2000.0, 13.5][k % 3];
        cases.push(Case {
            label: format!("{label}/{kind_name}/shift{shift}"),
            shape,
            spacing: random_spacing(&mut rng, k),
            image,
            mask,
            image_dtype: dtype,
            settings: json!({"binWidth": bin_width, "voxelArrayShift": shift}),
            voxel_array_shift: shift,
        });
    }
    // Flat integer region, and a flat float region with many voxels.
    let shape = [4, 9, 11];
    let mask = blob(&mut rng, shape);
    cases.push(Case {
        label: "flat-int".into(),
        shape,
        spacing: [1.0, 1.0, 1.0],
        image: vec![42.0; mask.len()],
        mask,
        image_dtype: "int16",
        settings: json!({"binWidth": 25, "voxelArrayShift": 0}),
        voxel_array_shift: 0.0,
    });
    let shape = [10, 20, 20];
    cases.push(Case {
        label: "flat-float-box".into(),
        shape,
        spacing: [3.0, 0.8, 0.8],
        image: vec![-7.3; 4000],
        mask: full_box(shape),
        image_dtype: "float64",
        settings: json!({"binWidth": 25, "voxelArrayShift": 2000}),
        voxel_array_shift: 2000.0,
    });
    let cases: Vec<Case> = cases.into_iter().map(cropped).collect();
    let results = oracle_results(&python, "firstorder_cases", "firstorder", &cases);
    let mut report = Report::default();
    for (case, oracle) in cases.iter().zip(&results) {
        compare(&FirstOrder, case, oracle, &mut report);
    }
    report.finish("firstorder");
}

/// The feature lists equal pyradiomics' getFeatureNames(), in ASCII order, with the deprecation flags.
#[test]
fn feature_names_match_pyradiomics() {
    let Some(python) = oracle_python() else { return };
    let script = "import json\nfrom radiomics import getFeatureClasses\nc = getFeatureClasses()\n\
        print(json.dumps({k: c[k].getFeatureNames() for k in ('shape', 'shape2D', 'firstorder')}))";
    let out = std::process::Command::new(&python)
        .arg("-c")
        .arg(script)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let names: Value = serde_json::from_slice(&out.stdout).unwrap();
    for class in [&Shape as &dyn FeatureClass, &Shape2D, &FirstOrder] {
        let theirs = names[class.name()].as_object().unwrap();
        let mut expected: Vec<(&str, bool)> = theirs.iter().map(|(k, v)| (k.as_str(), v.as_bool().unwrap())).collect();
        expected.sort_by(|a, b| a.0.cmp(b.0));
        let ours: Vec<(&str, bool)> = class.features().iter().map(|f| (f.name, f.deprecated)).collect();
        assert_eq!(ours, expected, "{}", class.name());
    }
    assert_eq!(Shape.features().len(), 17);
    assert_eq!(Shape2D.features().len(), 10);
    assert_eq!(FirstOrder.features().len(), 19);
}

/// An 80 mm sphere at 1 mm (~270k voxels): same values as pyradiomics.
#[test]
fn large_sphere_is_exact() {
    let radius = 40.0f64;
    let side = 84;
    let shape = [side, side, side];
    let centre = (side as f64 - 1.0) / 2.0;
    let mut rng = Rng(7);
    let mut mask = vec![false; side * side * side];
    let mut image = vec![0.0; mask.len()];
    for z in 0..side {
        for y in 0..side {
            for x in 0..side {
                let d = [z as f64 - centre, y as f64 - centre, x as f64 - centre];
                let i = index(shape, z, y, x);
                mask[i] = d.iter().map(|v| v * v).sum::<f64>() <= radius * radius;
                image[i] = rng.int(-100, 200) as f64;
            }
        }
    }
    let Some(python) = oracle_python() else { return };
    let case = Case {
        label: "sphere80mm".into(),
        shape,
        spacing: [1.0, 1.0, 1.0],
        image,
        mask,
        image_dtype: "float64",
        settings: json!({}),
        voxel_array_shift: 0.0,
    };
    let case = cropped(case);
    let results = oracle_results(&python, "sphere_case", "shape", std::slice::from_ref(&case));
    let mut report = Report::default();
    compare(&Shape, &case, &results[0], &mut report);
    report.finish("shape (80 mm sphere)");
}

/// IBSI digital phantom: mesh volume 556.33, area 388.07, maximum diameter 13.11 (IBSI.md §5),
/// and agreement with pyradiomics on the same arrays.
#[test]
fn ibsi_digital_phantom() {
    let Some(python) = oracle_python() else { return };
    let Some(shared) = shared_dir() else { return };
    let nifti = shared.join("data/ibsi/digital_phantom/nifti");
    let dir = temp_dir("ibsi_phantom");
    let info = run_oracle(
        &python,
        "ibsi_phantom_arrays.py",
        &[
            nifti.join("image/phantom.nii.gz").to_str().unwrap(),
            nifti.join("mask/mask.nii.gz").to_str().unwrap(),
            dir.to_str().unwrap(),
        ],
    );
    let shape: [usize; 3] = std::array::from_fn(|a| info["shape"][a].as_u64().unwrap() as usize);
    let spacing_xyz: Vec<f64> = info["spacing"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    let read = |name: &str| -> Vec<f64> {
        std::fs::read(dir.join(name))
            .unwrap()
            .chunks_exact(8)
            .map(|b| f64::from_le_bytes(b.try_into().unwrap()))
            .collect()
    };
    let image = read("image.f64");
    let mask: Vec<bool> = read("mask.f64").iter().map(|&m| m == 1.0).collect();
    let case = |settings: Value| Case {
        label: "ibsi-phantom".into(),
        shape,
        spacing: [spacing_xyz[2], spacing_xyz[1], spacing_xyz[0]],
        image: image.clone(),
        mask: mask.clone(),
        image_dtype: "float64",
        settings,
        voxel_array_shift: 0.0,
    };
    let shape_case = cropped(case(json!({})));
    let first_case = cropped(case(json!({"binWidth": 1})));
    let shape_oracle = oracle_results(&python, "ibsi_shape", "shape", std::slice::from_ref(&shape_case));
    let first_oracle = oracle_results(&python, "ibsi_first", "firstorder", std::slice::from_ref(&first_case));
    let mut report = Report::default();
    compare(&Shape, &shape_case, &shape_oracle[0], &mut report);
    compare(&FirstOrder, &first_case, &first_oracle[0], &mut report);
    report.finish("IBSI phantom");

    let (lo, hi) = bounding_box(&mask, shape);
    let cropped_mask = crop(&mask, shape, lo, hi);
    let cropped_image = crop(&image, shape, lo, hi);
    let gray = vec![1; cropped_mask.len()];
    let roi = RoiView {
        shape: [hi[0] - lo[0] + 1, hi[1] - lo[1] + 1, hi[2] - lo[2] + 1],
        spacing: shape_case.spacing,
        mask: &cropped_mask,
        intensities: &cropped_image,
        gray_levels: &gray,
        levels: None,
    };
    let values = Shape.compute(&roi, &ClassSettings::default()).unwrap();
    let get = |name: &str| values[Shape.features().iter().position(|f| f.name == name).unwrap()];
    assert!(
        (get("MeshVolume") - 556.33).abs() < 0.005,
        "MeshVolume {}",
        get("MeshVolume")
    );
    assert!(
        (get("SurfaceArea") - 388.07).abs() < 0.005,
        "SurfaceArea {}",
        get("SurfaceArea")
    );
    assert!(
        (get("Maximum3DDiameter") - 13.11).abs() < 0.005,
        "Maximum3DDiameter {}",
        get("Maximum3DDiameter")
    );
}
