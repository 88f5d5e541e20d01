//! radscore against the live pyradiomics oracle (pyradiomics-bhklab 3.1.4 + SimpleITK) on
//! volumes generated here: both read the same files with the same parameter file, and every
//! feature must agree within 1e-6 relative (1e-9 absolute), in the same order.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{Comparison, Rng, oracle_python, oracle_script, pyradiomics_features, temp_dir};
use ndarray::Array3;
use radscore::image::{Geometry, PixelType, SegmentSelector, write_nifti, write_nrrd};
use radscore::settings::Settings;

/// A generated test case: an image with smooth structure and noise, and an ROI.
struct Case {
    name: &'static str,
    size: [usize; 3],
    spacing: [f64; 3],
    direction: [f64; 9],
    origin: [f64; 3],
    pixel_type: PixelType,
    nifti: bool,
    /// ROI centre as a fraction of the size, and radii in voxels.
    centre: [f64; 3],
    radii: [f64; 3],
    /// Add a second ROI with label 2.
    second_label: bool,
    /// Parameter file (JSON).
    params: serde_json::Value,
    label: u32,
}

impl Default for Case {
    fn default() -> Self {
        Case {
            name: "default",
            size: [40, 36, 12],
            spacing: [0.8, 0.8, 2.5],
            direction: [1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0],
            origin: [-12.5, 30.0, 100.0],
            pixel_type: PixelType::I16,
            nifti: false,
            centre: [0.5, 0.5, 0.5],
            radii: [9.0, 7.0, 3.5],
            second_label: false,
            params: serde_json::json!({}),
            label: 1,
        }
    }
}

fn rotation_z(deg: f64) -> [f64; 9] {
    let (s, c) = deg.to_radians().sin_cos();
    [c, -s, 0.0, s, c, 0.0, 0.0, 0.0, 1.0]
}

fn generate(case: &Case, seed: u64) -> (Array3<f64>, Array3<f64>) {
    let [nx, ny, nz] = case.size;
    let mut rng = Rng(seed);
    // Smooth structure: a few Gaussian blobs of varying sign and width.
    let blobs: Vec<([f64; 3], f64, f64)> = (0..6)
        .map(|_| {
            (
                [
                    rng.uniform() * nx as f64,
                    rng.uniform() * ny as f64,
                    rng.uniform() * nz as f64,
                ],
                rng.uniform() * 6.0 + 2.0,
                (rng.uniform() - 0.4) * 400.0,
            )
        })
        .collect();
    let float = !case.pixel_type.is_integer();
    let mut img = Array3::<f64>::zeros((nz, ny, nx));
    let mut mask = Array3::<f64>::zeros((nz, ny, nx));
    let c = [
        case.centre[0] * nx as f64,
        case.centre[1] * ny as f64,
        case.centre[2] * nz as f64,
    ];
    for ((z, y, x), v) in img.indexed_iter_mut() {
        let p = [x as f64, y as f64, z as f64];
        let mut s = -30.0;
        for (bc, w, a) in &blobs {
            let d2 = (p[0] - bc[0]).powi(2) + (p[1] - bc[1]).powi(2) + (p[2] - bc[2]).powi(2);
            s += a * (-d2 / (2.0 * w * w)).exp();
        }
        s += (rng.uniform() - 0.5) * 60.0;
        *v = if float {
            case.pixel_type.cast(s * 1.37 + 0.123)
        } else {
            s.round()
        };
        let r = ((p[0] - c[0]) / case.radii[0]).powi(2)
            + ((p[1] - c[1]) / case.radii[1]).powi(2)
            + ((p[2] - c[2]) / case.radii[2]).powi(2);
        let wobble = 1.0 + 0.25 * ((p[0] * 0.7).sin() * (p[1] * 0.5).cos());
        if r <= wobble {
            mask[[z, y, x]] = 1.0;
        } else if case.second_label {
            let r2 = ((p[0] - c[0] - case.radii[0] - 4.0) / 3.0).powi(2)
                + ((p[1] - c[1]) / 3.0).powi(2)
                + ((p[2] - c[2]) / 2.0).powi(2);
            if r2 <= 1.0 {
                mask[[z, y, x]] = 2.0;
            }
        }
    }
    (img, mask)
}

/// Write a generated case's image and mask (NRRD or NIfTI, as the case says) into `dir`.
fn write_case(dir: &Path, case: &Case, img: &Array3<f64>, mask: &Array3<f64>) -> (PathBuf, PathBuf) {
    let geometry = Geometry {
        size: case.size,
        spacing: case.spacing,
        origin: case.origin,
        direction: case.direction,
        dimension: 3,
    };
    let ext = if case.nifti { "nii.gz" } else { "nrrd" };
    let image_path = dir.join(format!("image.{ext}"));
    let mask_path = dir.join(format!("mask.{ext}"));
    let write = if case.nifti { write_nifti } else { write_nrrd };
    write(&image_path, img, case.pixel_type, &geometry).expect("write image");
    write(&mask_path, mask, PixelType::U8, &geometry).expect("write mask");
    (image_path, mask_path)
}

/// Write a case's files and parameter file; the paths of image, mask and parameters.
fn prepare_case(case: &Case) -> (PathBuf, PathBuf, PathBuf) {
    let dir = temp_dir(&format!("oracle-{}", case.name));
    let (img, mask) = generate(case, 7 + case.name.len() as u64);
    let (image_path, mask_path) = write_case(&dir, case, &img, &mask);
    let mut params = case.params.clone();
    if case.label != 1 {
        params["setting"]["label"] = case.label.into();
    }
    let params_path = dir.join("params.json");
    std::fs::write(&params_path, serde_json::to_string_pretty(&params).unwrap()).unwrap();
    (image_path, mask_path, params_path)
}

/// radscore's features of a prepared case, on two threads and on one.
fn radscore_runs(
    case: &Case,
    image_path: &Path,
    mask_path: &Path,
    params_path: &Path,
) -> Vec<(String, radscore::Result<radscore::FeatureSet>)> {
    let settings = Settings::from_file(params_path)
        .and_then(|s| s.validate())
        .unwrap_or_else(|e| panic!("{}: {e}", case.name));
    runs_on_one_and_two_threads(case.name, image_path, mask_path, &settings)
}

/// radscore's features of `name`'s files with `settings`, on two threads and on one: both ways
/// of reading the files, side by side on two threads, and one after the other on one thread,
/// where the mask is inflated into the pages the image's compressed bytes were read into.
fn runs_on_one_and_two_threads(
    name: &str,
    image_path: &Path,
    mask_path: &Path,
    settings: &radscore::ValidSettings,
) -> Vec<(String, radscore::Result<radscore::FeatureSet>)> {
    [2, 1]
        .into_iter()
        .map(|threads| {
            let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
            (
                format!("{name} ({threads} thread{})", if threads == 1 { "" } else { "s" }),
                pool.install(|| radscore::extract_files(image_path, mask_path, None, settings)),
            )
        })
        .collect()
}

/// The seeds named by the environment variable `var` (`1000..1200`), else `default`.
fn seeds_from_env(var: &str, default: std::ops::Range<u64>) -> std::ops::Range<u64> {
    match std::env::var(var) {
        Ok(range) => range
            .split_once("..")
            .and_then(|(a, b)| Some(a.parse::<u64>().ok()?..b.parse::<u64>().ok()?))
            .unwrap_or_else(|| panic!("{var}={range}: expected a range like 1000..1200")),
        Err(_) => default,
    }
}

/// Every run's features against pyradiomics', keys and order included.
fn compare_runs(
    runs: Vec<(String, radscore::Result<radscore::FeatureSet>)>,
    expected: &serde_json::Map<String, serde_json::Value>,
    cmp: &mut Comparison,
) {
    for (name, ours) in runs {
        let ours = match ours {
            Ok(f) => f,
            Err(e) => {
                cmp.failures.push(format!("{name}: extraction failed: {e}"));
                continue;
            }
        };
        let our_keys: Vec<&String> = ours.keys().collect();
        let their_keys: Vec<&String> = expected.keys().collect();
        if our_keys != their_keys {
            cmp.failures.push(format!(
                "{name}: keys differ: radscore {} keys, pyradiomics {} keys; first difference {:?}",
                our_keys.len(),
                their_keys.len(),
                our_keys.iter().zip(&their_keys).find(|(a, b)| a != b)
            ));
        }
        cmp.check_features(&name, &ours, expected);
    }
}

fn run_case(python: &Path, case: &Case, cmp: &mut Comparison) {
    let (image_path, mask_path, params_path) = prepare_case(case);
    let expected = pyradiomics_features(python, &image_path, &mask_path, &params_path);
    compare_runs(
        radscore_runs(case, &image_path, &mask_path, &params_path),
        &expected,
        cmp,
    );
}

fn cases() -> Vec<Case> {
    use serde_json::json;
    vec![
        Case::default(),
        Case {
            name: "nifti_oblique_float32",
            nifti: true,
            pixel_type: PixelType::F32,
            direction: rotation_z(30.0),
            spacing: [0.7, 0.9, 3.0],
            ..Case::default()
        },
        Case {
            name: "bincount_distances",
            params: json!({"setting": {"binCount": 32, "distances": [1, 2]}}),
            ..Case::default()
        },
        Case {
            name: "normalize_outliers",
            params: json!({"setting": {"normalize": true, "normalizeScale": 100, "removeOutliers": 3, "binWidth": 5}}),
            ..Case::default()
        },
        Case {
            name: "resample_bspline",
            params: json!({"setting": {"resampledPixelSpacing": [1, 1, 1], "interpolator": "sitkBSpline"}}),
            ..Case::default()
        },
        Case {
            name: "resample_linear_oblique",
            direction: rotation_z(-20.0),
            params: json!({"setting": {"resampledPixelSpacing": [1.5, 1.2, 2], "interpolator": "sitkLinear"}}),
            ..Case::default()
        },
        Case {
            name: "resample_nearest",
            params: json!({"setting": {"resampledPixelSpacing": [0.5, 0.5, 1], "interpolator": "sitkNearestNeighbor"}}),
            ..Case::default()
        },
        Case {
            name: "resegment_absolute",
            params: json!({"setting": {"resegmentRange": [-40, 120]}}),
            ..Case::default()
        },
        Case {
            name: "resegment_sigma",
            params: json!({"setting": {"resegmentRange": [-2, 2], "resegmentMode": "sigma"}}),
            ..Case::default()
        },
        Case {
            name: "weighting_gldm_a",
            params: json!({"setting": {"weightingNorm": "euclidean", "gldm_a": 2, "symmetricalGLCM": false}}),
            ..Case::default()
        },
        Case {
            name: "no_weighting_shift",
            params: json!({"setting": {"weightingNorm": "no_weighting", "voxelArrayShift": 1000}}),
            ..Case::default()
        },
        Case {
            name: "force2d",
            // Without a featureClass section pyradiomics would add shape2D, which its own
            // extractor rejects for multi-slice ROIs; list the 3D classes explicitly.
            params: json!({"setting": {"force2D": true, "force2Ddimension": 0},
                           "featureClass": {"shape": null, "firstorder": null, "glcm": null, "gldm": null,
                                            "glrlm": null, "glszm": null, "ngtdm": null}}),
            ..Case::default()
        },
        Case {
            // No featureClass section: pyradiomics adds shape2D, and computes it for an axial
            // single-slice ROI with force2Ddimension 0.
            name: "force2d_single_slice_shape2d",
            radii: [8.0, 6.0, 0.4],
            params: json!({"setting": {"force2D": true, "force2Ddimension": 0}}),
            ..Case::default()
        },
        Case {
            // pyradiomics 3.1 reads force2Ddimension as an x/y/z index in the extractor's check
            // and skips shape2D for this axial slice with dimension 2 (z size 1).
            name: "force2d_dimension2_skips_shape2d",
            radii: [8.0, 6.0, 0.4],
            params: json!({"setting": {"force2D": true, "force2Ddimension": 2}}),
            ..Case::default()
        },
        Case {
            name: "border_lesion",
            centre: [0.02, 0.5, 0.95],
            ..Case::default()
        },
        Case {
            name: "single_slice_roi",
            radii: [8.0, 6.0, 0.4],
            centre: [0.5, 0.5, 0.5],
            ..Case::default()
        },
        Case {
            name: "thin_anisotropic",
            spacing: [0.5, 1.7, 4.0],
            radii: [12.0, 2.2, 1.1],
            ..Case::default()
        },
        Case {
            name: "second_label_nifti",
            nifti: true,
            second_label: true,
            label: 2,
            ..Case::default()
        },
        Case {
            name: "wavelet",
            params: json!({"imageType": {"Original": {}, "Wavelet": {}}}),
            ..Case::default()
        },
        Case {
            name: "surufatinib_preset",
            size: [44, 40, 14],
            params: json!({"setting": {"resampledPixelSpacing": [1, 1, 1], "interpolator": "sitkBSpline", "binWidth": 25},
                           "imageType": {"Original": {}, "Wavelet": {}}}),
            ..Case::default()
        },
        Case {
            name: "wavelet_haar_levels_bincount",
            params: json!({"setting": {"binCount": 16},
                           "imageType": {"Wavelet": {"wavelet": "haar", "level": 2, "start_level": 1}}}),
            ..Case::default()
        },
        Case {
            name: "log_and_elementwise_filters",
            pixel_type: PixelType::F32,
            params: json!({"imageType": {"LoG": {"sigma": [1, 2.0]}, "Square": {}, "SquareRoot": {},
                                          "Logarithm": {}, "Exponential": {}, "Gradient": {"gradientUseSpacing": false}},
                           "setting": {"binWidth": 10}}),
            ..Case::default()
        },
        Case {
            name: "precrop_negative_values",
            params: json!({"setting": {"preCrop": true, "binWidth": 10}}),
            ..Case::default()
        },
    ]
}

/// shape2D enabled (a parameter file without featureClass) with force2D on a lesion thicker
/// than one slice: pyradiomics fails, and so does radscore, naming shape2D and the axis.
#[test]
fn shape2d_on_a_multi_slice_roi_fails_as_in_pyradiomics() {
    let Some(python) = oracle_python() else { return };
    let case = Case {
        name: "shape2d_thick_roi",
        params: serde_json::json!({"setting": {"force2D": true, "force2Ddimension": 0}}),
        ..Case::default()
    };
    let dir = temp_dir("oracle-shape2d-thick");
    let (img, mask) = generate(&case, 11);
    let (image_path, mask_path) = write_case(&dir, &case, &img, &mask);
    let params_path = dir.join("params.json");
    std::fs::write(&params_path, case.params.to_string()).unwrap();
    let oracle = std::process::Command::new(&python)
        .arg(common::oracle_script("extract.py"))
        .args([&image_path, &mask_path, &params_path])
        .output()
        .unwrap();
    let their_error = String::from_utf8_lossy(&oracle.stderr);
    assert!(
        !oracle.status.success() && their_error.contains("cannot compute 2D shape"),
        "pyradiomics was expected to fail: {their_error}"
    );
    let settings = Settings::from_file(&params_path).unwrap().validate().unwrap();
    let ours = radscore::extract_files(&image_path, &mask_path, None, &settings)
        .expect_err("a multi-slice ROI has no 2D shape")
        .to_string();
    assert!(
        ours.contains("shape2D") && ours.contains("force2Ddimension 0"),
        "{ours}"
    );
}

/// 2-D image and mask files (written by SimpleITK): pyradiomics computes shape2D instead of
/// shape, a 2-D wavelet (LH, HL, HH, LL), a 2-D LoG, counts force2Ddimension over the image's
/// own two axes, and resamples with two spacing values (ITK's 2-D B-spline sums 16 terms,
/// not 64).
#[test]
fn two_dimensional_images_match_pyradiomics() {
    let Some(python) = oracle_python() else { return };
    let dir = temp_dir("oracle-2d");
    let case = Case {
        size: [48, 40, 5],
        radii: [11.0, 8.0, 3.0],
        ..Case::default()
    };
    let (img, mask) = generate(&case, 23);
    let middle = case.size[2] / 2;
    let plane = |a: &Array3<f64>| {
        a.index_axis(ndarray::Axis(0), middle)
            .iter()
            .copied()
            .collect::<Vec<f64>>()
    };
    let mut writes = Vec::new();
    let mut files = Vec::new();
    for (ext, compress) in [("nrrd", true), ("nii.gz", true)] {
        let mut pair = Vec::new();
        for (name, values, dtype) in [("image", plane(&img), "int16"), ("mask", plane(&mask), "uint8")] {
            let array = dir.join(format!("{name}.f64"));
            common::write_f64(&array, &values);
            let out = dir.join(format!("{name}2d.{ext}"));
            writes.push(serde_json::json!({
                "array": array, "shape": [case.size[1], case.size[0]], "dtype": dtype,
                "spacing": [0.7, 0.9], "origin": [-20.0, 31.5], "direction": [0.0, 1.0, -1.0, 0.0],
                "out": out, "compress": compress,
            }));
            pair.push(out);
        }
        files.push(pair);
    }
    let list = dir.join("write.json");
    std::fs::write(&list, serde_json::json!({ "cases": writes }).to_string()).unwrap();
    common::run_oracle(&python, "write_image.py", &[list.to_str().unwrap()]);

    let every_filter = serde_json::json!({"Original": {}, "Wavelet": {}, "LoG": {"sigma": [1.0, 2.5]},
                                          "Square": {}, "Gradient": {}, "LBP2D": {}});
    let texture = serde_json::json!({"shape": null, "shape2D": null, "firstorder": null, "glcm": null,
                                     "glrlm": null, "glszm": null, "gldm": null, "ngtdm": null});
    let params = [
        // No featureClass: shape2D is enabled, and computed without force2D on a 2-D image.
        serde_json::json!({"setting": {"binWidth": 25}, "imageType": every_filter}),
        serde_json::json!({"setting": {"binCount": 16, "force2D": true, "force2Ddimension": 0},
                           "imageType": {"Original": {}, "Wavelet": {"wavelet": "haar"}}, "featureClass": texture}),
        serde_json::json!({"setting": {"binWidth": 10, "force2D": true, "force2Ddimension": 1, "distances": [1, 2]},
                           "imageType": {"Original": {}}, "featureClass": texture}),
        serde_json::json!({"setting": {"binWidth": 25, "resampledPixelSpacing": [1, 1], "interpolator": "sitkBSpline"},
                           "imageType": {"Original": {}, "Wavelet": {}, "LoG": {"sigma": [1.5]}}}),
        serde_json::json!({"setting": {"binWidth": 10, "resampledPixelSpacing": [0.5, 0], "interpolator": "sitkLinear",
                                       "padDistance": 2},
                           "imageType": {"Original": {}, "Gradient": {}}}),
        serde_json::json!({"setting": {"binCount": 32, "resampledPixelSpacing": [1.3, 0.6],
                                       "interpolator": "sitkNearestNeighbor"},
                           "imageType": {"Original": {}, "Square": {}}}),
    ];
    let mut cmp = Comparison::default();
    for (k, params) in params.iter().enumerate() {
        let params_path = dir.join(format!("params{k}.json"));
        std::fs::write(&params_path, params.to_string()).unwrap();
        let settings = Settings::from_file(&params_path).unwrap().validate().unwrap();
        for pair in &files {
            let name = format!("2-D {} params{k}", pair[0].display());
            let expected = pyradiomics_features(&python, &pair[0], &pair[1], &params_path);
            let ours = match radscore::extract_files(&pair[0], &pair[1], None, &settings) {
                Ok(f) => f,
                Err(e) => {
                    cmp.failures.push(format!("{name}: extraction failed: {e}"));
                    continue;
                }
            };
            let (our_keys, their_keys): (Vec<&String>, Vec<&String>) =
                (ours.keys().collect(), expected.keys().collect());
            if our_keys != their_keys {
                cmp.failures.push(format!(
                    "{name}: keys differ: radscore {our_keys:?}\npyradiomics {their_keys:?}"
                ));
                continue;
            }
            cmp.check_features(&name, &ours, &expected);
        }
    }
    cmp.finish("2-D images vs pyradiomics");
}

/// An integer binWidth (pyradiomics' default 25 is one) on 8- and 16-bit images whose ROI
/// spans their range: numpy computes the bin edges in the image's type and they wrap, which
/// gives pyradiomics coarser bins (uint8), texture classes that fail (int8: ROI voxels below
/// the first edge) or OverflowError (2·binWidth beyond the type). radscore must give the same
/// numbers where pyradiomics gives numbers and fail where it fails; a float binWidth has no
/// overflow. The uint16 case with thousands of gray levels also needs MCC's eigenvalue
/// iteration to run as long as LAPACK's.
#[test]
fn integer_bin_widths_on_narrow_integer_images_match_pyradiomics() {
    let Some(python) = oracle_python() else { return };
    let dir = temp_dir("oracle-integer-bins");
    let (nx, ny, nz) = (36, 32, 8);
    let geometry = Geometry::new([nx, ny, nz], [0.9, 0.9, 2.0]);
    let mut rng = Rng(31);
    let mask = Array3::from_shape_fn((nz, ny, nx), |(z, y, x)| {
        let r =
            ((z as f64 - 3.5) / 3.0).powi(2) + ((y as f64 - 16.0) / 10.0).powi(2) + ((x as f64 - 18.0) / 12.0).powi(2);
        if r <= 1.0 { 1.0 } else { 0.0 }
    });
    let mask_path = dir.join("mask.nrrd");
    write_nrrd(&mask_path, &mask, PixelType::U8, &geometry).unwrap();
    let images = [
        (PixelType::U8, 0.0, 255.0),
        (PixelType::U8, 90.0, 255.0),
        (PixelType::I8, -128.0, 127.0),
        (PixelType::I8, 40.0, 120.0),
        (PixelType::U16, 60000.0, 65535.0),
    ];
    let mut cmp = Comparison::default();
    let mut outcomes = Vec::new();
    for (k, &(pixel_type, lo, hi)) in images.iter().enumerate() {
        let values = Array3::from_shape_fn((nz, ny, nx), |_| (lo + rng.uniform() * (hi - lo)).round());
        let image_path = dir.join(format!("image{k}_{}.nrrd", pixel_type.numpy_name()));
        write_nrrd(&image_path, &values, pixel_type, &geometry).unwrap();
        // firstorder alone also counts ROI voxels below a wrapped first edge (gray level 0),
        // where the texture classes fail.
        let runs = [
            ("25", true),
            ("50", true),
            ("25.0", true),
            ("200", true),
            ("25", false),
            ("50", false),
        ];
        for (j, (width, texture)) in runs.into_iter().enumerate() {
            let params = dir.join(format!("params{k}_{j}.json"));
            let classes = if texture {
                r#""firstorder": null, "glcm": null"#
            } else {
                r#""firstorder": null"#
            };
            std::fs::write(
                &params,
                format!(r#"{{"setting": {{"binWidth": {width}}}, "featureClass": {{{classes}}}}}"#),
            )
            .unwrap();
            let name = format!(
                "{} in [{lo}, {hi}], binWidth {width}{}",
                pixel_type.numpy_name(),
                if texture { "" } else { ", firstorder only" }
            );
            let oracle = std::process::Command::new(&python)
                .arg(common::oracle_script("extract.py"))
                .args([&image_path, &mask_path, &params])
                .output()
                .unwrap();
            let settings = Settings::from_file(&params).unwrap().validate().unwrap();
            let ours = radscore::extract_files(&image_path, &mask_path, None, &settings);
            match (oracle.status.success(), ours) {
                (true, Ok(ours)) => {
                    let theirs: serde_json::Map<String, serde_json::Value> =
                        serde_json::from_slice(&oracle.stdout).unwrap();
                    outcomes.push(format!("{name}: values"));
                    cmp.check_features(&name, &ours, &theirs);
                }
                (false, Err(e)) => {
                    assert!(e.to_string().contains("binWidth"), "{name}: {e}");
                    outcomes.push(format!("{name}: both fail"));
                }
                (true, Err(e)) => cmp
                    .failures
                    .push(format!("{name}: pyradiomics gives values, radscore fails: {e}")),
                (false, Ok(_)) => cmp.failures.push(format!(
                    "{name}: pyradiomics fails ({}), radscore gives values",
                    String::from_utf8_lossy(&oracle.stderr).lines().last().unwrap_or("")
                )),
            }
        }
    }
    eprintln!("{}", outcomes.join("\n"));
    // Both kinds of outcome must have been exercised.
    assert!(outcomes.iter().any(|o| o.ends_with("both fail")) && outcomes.iter().any(|o| o.ends_with("values")));
    cmp.finish("integer bin widths vs pyradiomics");
}

/// A small uint16 ROI whose ~370 voxels nearly all have gray levels of their own: MCC's
/// 370 × 370 matrices have eigenvalues so close to 1 that the QR iteration needs more than
/// 100 steps for some (it gave up there, and MCC was NaN); pyradiomics' LAPACK allows
/// 30·n, and so does radscore now.
#[test]
fn mcc_with_hundreds_of_gray_levels_matches_pyradiomics() {
    let Some(python) = oracle_python() else { return };
    let dir = temp_dir("oracle-mcc-levels");
    let (nx, ny, nz) = (12, 12, 6);
    let geometry = Geometry::new([nx, ny, nz], [0.8, 0.8, 1.5]);
    let mut rng = Rng(3);
    let image = Array3::from_shape_fn((nz, ny, nx), |_| (39300.0 + rng.uniform() * 26000.0).floor());
    let mask = Array3::from_shape_fn((nz, ny, nx), |(z, y, x)| {
        let r =
            ((z as f64 - 2.5) / 3.0).powi(2) + ((y as f64 - 6.0) / 5.45).powi(2) + ((x as f64 - 6.0) / 5.45).powi(2);
        if r <= 1.0 { 1.0 } else { 0.0 }
    });
    let (image_path, mask_path) = (dir.join("image.nrrd"), dir.join("mask.nrrd"));
    write_nrrd(&image_path, &image, PixelType::U16, &geometry).unwrap();
    write_nrrd(&mask_path, &mask, PixelType::U8, &geometry).unwrap();
    let params = dir.join("params.json");
    std::fs::write(
        &params,
        r#"{"setting": {"binWidth": 10}, "featureClass": {"glcm": null}}"#,
    )
    .unwrap();
    let theirs = pyradiomics_features(&python, &image_path, &mask_path, &params);
    let settings = Settings::from_file(&params).unwrap().validate().unwrap();
    let ours = radscore::extract_files(&image_path, &mask_path, None, &settings).unwrap();
    let mut cmp = Comparison::default();
    cmp.check_features("uint16", &ours, &theirs);
    assert!(
        theirs["original_glcm_MCC"].as_f64().is_some(),
        "pyradiomics' MCC is a number here"
    );
    cmp.finish("MCC with hundreds of gray levels vs pyradiomics");
}

/// Two-gray-level ROIs of a few voxels (found by a search against pyradiomics): MCC's 2 × 2
/// matrices have an eigenvalue that is 0 or nearly so. numpy's LAPACK (dgebal, dlanv2) gives
/// exactly 0 or a tiny positive value where the textbook 2 × 2 formula gave ±1e-17; the
/// negative ones made an angle's square root NaN and left it out of the mean (MCC 8% off).
#[test]
fn mcc_of_two_level_rois_matches_pyradiomics() {
    let Some(python) = oracle_python() else { return };
    let dir = temp_dir("oracle-mcc-two-levels");
    let cases: [(&[usize; 3], &[u8]); 4] = [
        (&[1, 3, 3], &[0, 0, 1, 1, 1, 0, 1, 1, 0]),
        (&[2, 3, 3], &[0, 1, 1, 0, 1, 0, 1, 0, 1, 1, 1, 1, 0, 1, 0, 0, 1, 1]),
        (
            &[2, 3, 4],
            &[1, 0, 1, 0, 1, 0, 1, 1, 1, 1, 1, 0, 1, 1, 0, 1, 1, 0, 0, 0, 0, 0, 0, 1],
        ),
        (
            &[2, 3, 4],
            &[1, 0, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 1, 1, 0, 1, 0, 0, 1],
        ),
    ];
    let params = dir.join("params.json");
    std::fs::write(
        &params,
        r#"{"setting": {"binWidth": 1, "symmetricalGLCM": false}, "featureClass": {"glcm": null}}"#,
    )
    .unwrap();
    let settings = Settings::from_file(&params).unwrap().validate().unwrap();
    let mut cmp = Comparison::default();
    for (k, (shape, levels)) in cases.into_iter().enumerate() {
        let [nz, ny, nx] = *shape;
        let geometry = Geometry::new([nx, ny, nz], [1.0, 1.0, 1.0]);
        let image =
            Array3::from_shape_vec((nz, ny, nx), levels.iter().map(|&l| 10.0 + f64::from(l)).collect()).unwrap();
        let (image_path, mask_path) = (dir.join(format!("image{k}.nrrd")), dir.join(format!("mask{k}.nrrd")));
        write_nrrd(&image_path, &image, PixelType::I16, &geometry).unwrap();
        write_nrrd(
            &mask_path,
            &Array3::from_elem((nz, ny, nx), 1.0),
            PixelType::U8,
            &geometry,
        )
        .unwrap();
        let theirs = pyradiomics_features(&python, &image_path, &mask_path, &params);
        let ours = radscore::extract_files(&image_path, &mask_path, None, &settings).unwrap();
        cmp.check_features(&format!("case {k}"), &ours, &theirs);
    }
    cmp.finish("MCC of two-level ROIs vs pyradiomics");
}

#[test]
fn generated_volumes_match_pyradiomics() {
    let Some(python) = oracle_python() else { return };
    let mut cmp = Comparison::default();
    for case in cases() {
        run_case(&python, &case, &mut cmp);
    }
    cmp.finish("generated volumes vs pyradiomics");
}

/// A Slicer segmentation (`.seg.nrrd`) with two segments in one layer: picking "lesion" by
/// name extracts its label value 2 although the settings say label 1, so every feature equals
/// pyradiomics' on the same layer with `label: 2`.
#[test]
fn a_slicer_segment_is_extracted_with_its_own_label_value() {
    let Some(python) = oracle_python() else { return };
    let case = Case {
        name: "segment",
        second_label: true,
        ..Default::default()
    };
    let dir = temp_dir("oracle-segment");
    let (img, mask) = generate(&case, 31);
    let (image_path, mask_path) = write_case(&dir, &case, &img, &mask);
    // The same layer as Slicer saves a segmentation: the label map's header plus the segments.
    let bytes = std::fs::read(&mask_path).unwrap();
    let end = bytes.windows(2).position(|w| w == b"\n\n").expect("NRRD header end") + 1;
    let mut seg = bytes[..end].to_vec();
    for (i, (id, name, label)) in [("Segment_1", "liver", 1), ("Segment_2", "lesion", 2)]
        .iter()
        .enumerate()
    {
        seg.extend(
            format!(
                "Segment{i}_ID:={id}\nSegment{i}_Name:={name}\nSegment{i}_LabelValue:={label}\nSegment{i}_Layer:=0\n"
            )
            .bytes(),
        );
    }
    seg.extend_from_slice(&bytes[end..]);
    let seg_path = dir.join("mask.seg.nrrd");
    std::fs::write(&seg_path, seg).unwrap();
    let params_path = dir.join("params.json");
    std::fs::write(&params_path, r#"{"setting": {"label": 2}}"#).unwrap();

    let expected = &pyradiomics_features(&python, &image_path, &mask_path, &params_path);
    let settings = Settings::default().validate().unwrap();
    assert_eq!(settings.general().label, 1);
    let lesion = SegmentSelector::Name("lesion".into());
    let mut cmp = Comparison::default();
    for threads in [2, 1] {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
        let ours = pool
            .install(|| radscore::extract_files(&image_path, &seg_path, Some(&lesion), &settings))
            .unwrap();
        assert_eq!(ours.len(), expected.len(), "{threads} threads");
        for (key, v) in expected {
            let theirs = v.as_f64().unwrap_or(f64::NAN);
            let ours = *ours.get(key).unwrap_or_else(|| panic!("{key} missing"));
            cmp.check(
                key.split('_').nth(1).unwrap_or("?"),
                &format!("{threads}T {key}"),
                ours,
                theirs,
            );
        }
    }
    cmp.finish("a .seg.nrrd segment vs pyradiomics on its label");
}

/// The studies' 851-feature preset (1 mm B-spline resampling, bin width 25, original + wavelet)
/// on pyradiomics' five test cases equals pyradiomics run with the same parameter file
/// (`bench/surufatinib.yaml`); and a Radscore computed by radscore equals the card's formula
/// applied to pyradiomics' own features.
#[test]
fn studies_preset_on_the_pyradiomics_cases() {
    let Some(shared) = common::shared_dir() else { return };
    let Some(python) = oracle_python() else { return };
    let params = Path::new(env!("CARGO_MANIFEST_DIR")).join("bench/surufatinib.yaml");
    let preset = Settings::preset("surufatinib").unwrap().validate().unwrap();
    let from_file = Settings::from_file(&params).unwrap().validate().unwrap();
    let mut card = radscore::model::published_card("front-oncol-2025").unwrap();
    for (i, f) in card.radscore.features.iter_mut().enumerate() {
        f.mean = Some(i as f64 * 0.5);
        f.sd = Some(1.0 + i as f64);
    }
    card.radscore.intercept = Some(1.6);
    card.fusion.intercept = Some(-3.0);
    for p in &mut card.fusion.predictors {
        if let radscore::model::PredictorKind::Ordinal { codes, .. } = &mut p.kind {
            *codes = Some(vec![0.0, 1.0, 2.0]);
        }
    }
    let mut cmp = Comparison::default();
    for case in ["brain1", "brain2", "breast1", "lung1", "lung2"] {
        let base = shared.join("data/pyradiomics");
        let image = base.join(format!("{case}_image.nrrd"));
        let mask = base.join(format!("{case}_label.nrrd"));
        let theirs = &pyradiomics_features(&python, &image, &mask, &params);
        let ours = radscore::extract_files(&image, &mask, None, &preset).expect("preset extraction");
        let ours_file = radscore::extract_files(&image, &mask, None, &from_file).expect("parameter file");
        assert_eq!(ours, ours_file, "{case}: the preset and bench/surufatinib.yaml differ");
        assert_eq!(ours.len(), 851, "{case}: 851 features");
        assert_eq!(
            ours.keys().collect::<Vec<_>>(),
            theirs.keys().collect::<Vec<_>>(),
            "{case}: keys or order differ"
        );
        for (k, v) in theirs {
            let class = k.split('_').nth(1).unwrap_or("?");
            let group = if k.starts_with("wavelet") {
                format!("wavelet {class}")
            } else {
                class.to_string()
            };
            cmp.check(
                &group,
                &format!("{case} {k}"),
                ours[k.as_str()],
                v.as_f64().unwrap_or(f64::NAN),
            );
        }
        // The Radscore formula on pyradiomics' features.
        let direct: f64 = 1.6
            + card
                .radscore
                .features
                .iter()
                .map(|f| f.coefficient * (theirs[&f.key].as_f64().unwrap() - f.mean.unwrap()) / f.sd.unwrap())
                .sum::<f64>();
        let rs = card.radscore(&ours).unwrap();
        assert!(
            (rs - direct).abs() <= 1e-9 * direct.abs().max(1.0),
            "{case}: Radscore {rs} vs {direct}"
        );
    }
    cmp.finish("studies' preset on pyradiomics' cases");
}

/// A CT-sized case for the studies' preset: the phantom's abdomen (liver, vessels, lesions) at
/// the given size and spacing, then given another grid orientation, cut so that the lesion
/// comes near the image's border, stored as float32, or extracted with the second lesion's
/// label. Seeds 0–2 are fixed mixes (one each of: thin slices tall enough for the B-spline
/// prefilter's window along z, rotated; a cut at the lesion and float32 NIfTI, flipped; the
/// second label on 5 mm slices); later seeds draw every choice.
struct CtCase {
    name: String,
    size: [usize; 3],
    spacing: [f64; 3],
    lesion_mm: f64,
    direction: [f64; 9],
    /// Voxels kept before the lesion's first voxel along x and z (`None`: no cut).
    cut: Option<(usize, usize)>,
    pixel_type: PixelType,
    nifti: bool,
    label: u32,
}

fn ct_case(seed: u64) -> CtCase {
    let identity = [1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0];
    let flipped_y = [1.0, 0.0, 0.0, 0.0, -1.0, 0.0, 0.0, 0.0, 1.0];
    let name = format!("ct_{seed}");
    match seed {
        0 => CtCase {
            name,
            size: [256, 256, 130],
            spacing: [0.8, 0.8, 1.25],
            lesion_mm: 20.0,
            direction: rotation_z(17.0),
            cut: None,
            pixel_type: PixelType::I16,
            nifti: false,
            label: 1,
        },
        1 => CtCase {
            name,
            size: [384, 384, 64],
            spacing: [0.7, 0.7, 2.5],
            lesion_mm: 30.0,
            direction: flipped_y,
            cut: Some((1, 0)),
            pixel_type: PixelType::F32,
            nifti: true,
            label: 1,
        },
        2 => CtCase {
            name,
            size: [256, 256, 24],
            spacing: [0.8, 0.8, 5.0],
            lesion_mm: 45.0,
            direction: identity,
            cut: None,
            pixel_type: PixelType::I16,
            nifti: false,
            label: 2,
        },
        _ => {
            let mut rng = Rng(0xC7_5EED ^ seed.wrapping_mul(0x9E37_79B9));
            let pick = |rng: &mut Rng, n: usize| rng.int(0, n as i64 - 1) as usize;
            let n = [160, 256, 320][pick(&mut rng, 3)];
            let nz = [20, 40, 60, 130][pick(&mut rng, 4)];
            let sx = [0.6, 0.7, 0.8, 0.98][pick(&mut rng, 4)];
            let sz = [1.0, 1.25, 2.5, 5.0][pick(&mut rng, 4)];
            let direction = match pick(&mut rng, 3) {
                0 => identity,
                1 => flipped_y,
                _ => rotation_z(rng.uniform() * 60.0 - 30.0),
            };
            let cut = (rng.uniform() < 0.4).then(|| ([0, 1, 3, 10][pick(&mut rng, 4)], [0, 1, 4][pick(&mut rng, 3)]));
            CtCase {
                name,
                size: [n, n, nz],
                spacing: [sx, sx, sz],
                lesion_mm: [12.0, 20.0, 30.0, 45.0][pick(&mut rng, 4)],
                direction,
                cut,
                pixel_type: if rng.uniform() < 0.25 {
                    PixelType::F32
                } else {
                    PixelType::I16
                },
                nifti: rng.uniform() < 0.35,
                label: if rng.uniform() < 0.25 { 2 } else { 1 },
            }
        }
    }
}

/// Write a CT case's image, mask and parameter file (`bench/surufatinib.yaml` with the case's
/// label; label 1 when a small image leaves the second lesion out).
fn prepare_ct_case(case: &mut CtCase, seed: u64) -> (PathBuf, PathBuf, PathBuf) {
    let dir = temp_dir(&format!("oracle-{}", case.name));
    let p = radscore::phantom::generate(&radscore::phantom::PhantomSpec {
        size: case.size,
        spacing: case.spacing,
        seed: seed + 1,
        lesion_diameter_mm: case.lesion_mm,
        second_lesion: true,
        ..Default::default()
    })
    .unwrap();
    let mut ct = p.image.values().into_owned();
    let mut mask = p.mask.values().mapv(f64::from);
    let mut geometry = p.image.geometry.clone();
    geometry.direction = case.direction;
    if !mask.iter().any(|&v| v == f64::from(case.label)) {
        case.label = 1;
    }
    if let Some((before_x, before_z)) = case.cut {
        let first = |axis: usize| {
            mask.indexed_iter()
                .filter(|(_, v)| **v == f64::from(case.label))
                .map(|(i, _)| [i.2, i.1, i.0][axis])
                .min()
                .expect("the phantom has the case's lesion")
        };
        let (x0, z0) = (first(0).saturating_sub(before_x), first(2).saturating_sub(before_z));
        geometry.origin = geometry.index_to_physical([x0 as f64, 0.0, z0 as f64]);
        geometry.size = [geometry.size[0] - x0, geometry.size[1], geometry.size[2] - z0];
        ct = ct.slice(ndarray::s![z0.., .., x0..]).to_owned();
        mask = mask.slice(ndarray::s![z0.., .., x0..]).to_owned();
    }
    let ext = if case.nifti { "nii.gz" } else { "nrrd" };
    let (image_path, mask_path) = (dir.join(format!("ct.{ext}")), dir.join(format!("mask.{ext}")));
    let write = if case.nifti { write_nifti } else { write_nrrd };
    write(&image_path, &ct, case.pixel_type, &geometry).expect("write CT");
    write(&mask_path, &mask, PixelType::U8, &geometry).expect("write mask");
    // The shipped parameter file, with the case's label (pyradiomics reads it as it is).
    let shipped = Path::new(env!("CARGO_MANIFEST_DIR")).join("bench/surufatinib.yaml");
    let params = std::fs::read_to_string(shipped).unwrap();
    assert!(params.contains("\n  label: 1\n"), "bench/surufatinib.yaml sets label 1");
    let params_path = dir.join("params.yaml");
    std::fs::write(
        &params_path,
        params.replace("\n  label: 1\n", &format!("\n  label: {}\n", case.label)),
    )
    .unwrap();
    (image_path, mask_path, params_path)
}

/// The studies' preset on CT-sized volumes (160–384 voxels across, 20–130 slices), against
/// pyradiomics on the same files: 851 features in pyradiomics' order, on one thread and two.
/// Here the B-spline prefilter runs over windows (along z too on the thin slices of seed 0),
/// and on two threads the reader splits the gzip streams of seeds 0 (NRRD, 7.6 MB) and 1
/// (NIfTI, 4.5 MB). `RADSCORE_PRESET_SEEDS=3..80` draws more cases
/// (seeds 3–79: 131 054 values, all matched on 2026-12-08, the largest difference 5e-13).
#[test]
fn studies_preset_on_ct_sized_volumes_matches_pyradiomics() {
    let Some(python) = oracle_python() else { return };
    let seeds = seeds_from_env("RADSCORE_PRESET_SEEDS", 0..3);
    let mut cmp = Comparison::default();
    for seed in seeds {
        let mut case = ct_case(seed);
        let (image_path, mask_path, params_path) = prepare_ct_case(&mut case, seed);
        let expected = pyradiomics_features(&python, &image_path, &mask_path, &params_path);
        assert_eq!(
            expected.len(),
            851,
            "{}: pyradiomics gave {} features",
            case.name,
            expected.len()
        );
        let mut preset = Settings::preset("surufatinib").unwrap();
        preset.general.label = case.label;
        let preset = preset.validate().unwrap();
        let runs = runs_on_one_and_two_threads(&case.name, &image_path, &mask_path, &preset);
        compare_runs(runs, &expected, &mut cmp);
    }
    cmp.finish("studies' preset on CT-sized volumes");
}

/// Results do not depend on the number of threads.
#[test]
fn identical_for_any_thread_count() {
    let p = radscore::phantom::generate(&radscore::phantom::PhantomSpec {
        size: [128, 128, 20],
        lesion_diameter_mm: 25.0,
        ..Default::default()
    })
    .unwrap();
    let settings = Settings::preset("surufatinib").unwrap().validate().unwrap();
    let run = |threads: usize| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| radscore::extract(&p.image, &p.mask, &settings).unwrap())
    };
    let one = run(1);
    assert_eq!(one.len(), 851);
    for threads in [2, 3, 8] {
        let many = run(threads);
        assert!(
            one.iter()
                .zip(&many)
                .all(|((ka, a), (kb, b))| ka == kb && a.to_bits() == b.to_bits()),
            "{threads} threads differ from 1"
        );
    }
}

/// A seeded random case: geometry, pixel type, file format, ROI and a mix of pyradiomics
/// settings and image types, drawn independently of the hand-written cases above.
fn random_case(seed: u64) -> Case {
    use serde_json::{Value, json};
    let mut rng = Rng(0x5EED_CA5E ^ seed.wrapping_mul(0x9E37_79B9));
    let pick = |rng: &mut Rng, n: usize| rng.int(0, n as i64 - 1) as usize;
    let size = [
        rng.int(14, 40) as usize,
        rng.int(14, 40) as usize,
        rng.int(4, 18) as usize,
    ];
    let in_plane = [0.5, 0.7, 0.8, 1.0, 1.3];
    let sx = in_plane[pick(&mut rng, 5)];
    let sy = if rng.uniform() < 0.7 {
        sx
    } else {
        in_plane[pick(&mut rng, 5)]
    };
    let sz = [1.0, 2.0, 2.5, 3.0, 5.0][pick(&mut rng, 5)];
    let direction = match pick(&mut rng, 3) {
        0 => [1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0],
        1 => rotation_z(rng.uniform() * 90.0 - 45.0),
        // Axes permuted and flipped, as scanners and reformatting leave them.
        _ => [0.0, 1.0, 0.0, -1.0, 0.0, 0.0, 0.0, 0.0, -1.0],
    };
    let pixel_type = [
        PixelType::I16,
        PixelType::I16,
        PixelType::F32,
        PixelType::F64,
        PixelType::I32,
    ][pick(&mut rng, 5)];
    let mut centre = [0.0; 3];
    let mut radii = [0.0; 3];
    for a in 0..3 {
        centre[a] = if rng.uniform() < 0.1 {
            0.03
        } else {
            0.25 + 0.5 * rng.uniform()
        };
        radii[a] = 1.6 + rng.uniform() * size[a] as f64 * 0.25;
    }
    let second_label = rng.uniform() < 0.3;
    let label = if second_label && rng.uniform() < 0.5 { 2 } else { 1 };

    let mut setting = serde_json::Map::new();
    let mut set = |k: &str, v: Value| {
        setting.insert(k.to_string(), v);
    };
    let u = rng.uniform();
    if u < 0.45 {
        set(
            "binWidth",
            [json!(5), json!(10), json!(25), json!(12.5)][pick(&mut rng, 4)].clone(),
        );
    } else if u < 0.7 {
        set("binCount", json!([8, 16, 32][pick(&mut rng, 3)]));
    }
    if rng.uniform() < 0.5 {
        let s = [0.8, 1.0, 1.5];
        let x = s[pick(&mut rng, 3)];
        let y = if rng.uniform() < 0.7 { x } else { s[pick(&mut rng, 3)] };
        let z = [0.0, 1.0, 2.0, 3.0][pick(&mut rng, 4)];
        set("resampledPixelSpacing", json!([x, y, z]));
        let interpolators = ["sitkBSpline", "sitkBSpline", "sitkLinear", "sitkNearestNeighbor"];
        set("interpolator", json!(interpolators[pick(&mut rng, 4)]));
        if rng.uniform() < 0.3 {
            set("padDistance", json!([0, 2, 10][pick(&mut rng, 3)]));
        }
    }
    if rng.uniform() < 0.15 {
        set("normalize", json!(true));
        set("normalizeScale", json!([1, 100, 500][pick(&mut rng, 3)]));
        if rng.uniform() < 0.5 {
            set("removeOutliers", json!(3));
        }
    }
    if rng.uniform() < 0.15 {
        if rng.uniform() < 0.5 {
            set("resegmentRange", json!([-100, 300]));
        } else {
            set("resegmentRange", json!([-3, 3]));
            set("resegmentMode", json!("sigma"));
        }
        set("resegmentShape", json!(rng.uniform() < 0.5));
    }
    let force2d = rng.uniform() < 0.15;
    if force2d {
        set("force2D", json!(true));
        set("force2Ddimension", json!(pick(&mut rng, 3)));
    }
    if rng.uniform() < 0.2 {
        set(
            "distances",
            [json!([1, 2]), json!([2]), json!([1, 3])][pick(&mut rng, 3)].clone(),
        );
    }
    if rng.uniform() < 0.2 {
        set("symmetricalGLCM", json!(false));
    }
    if rng.uniform() < 0.15 {
        let norms = ["manhattan", "euclidean", "infinity", "no_weighting"];
        set("weightingNorm", json!(norms[pick(&mut rng, 4)]));
    }
    if rng.uniform() < 0.15 {
        set("gldm_a", json!([0, 1, 3][pick(&mut rng, 3)]));
    }
    if rng.uniform() < 0.1 {
        set("voxelArrayShift", json!([0, 1000, 2000][pick(&mut rng, 3)]));
    }
    if rng.uniform() < 0.1 {
        set("preCrop", json!(true));
    }

    let mut image_types = serde_json::Map::new();
    image_types.insert("Original".into(), json!({}));
    for _ in 0..pick(&mut rng, 3) {
        let (name, cfg) = match pick(&mut rng, 8) {
            0 => {
                let wavelets = ["coif1", "haar", "db2", "db4", "sym3", "coif2", "bior1.3", "rbio2.2"];
                let w = wavelets[pick(&mut rng, 8)];
                let levels = if rng.uniform() < 0.3 {
                    json!({"wavelet": w, "level": 2})
                } else {
                    json!({"wavelet": w})
                };
                ("Wavelet", levels)
            }
            1 => {
                let sigmas = [json!([1.0]), json!([1.5, 3.0]), json!([0.5, 2.0])];
                ("LoG", json!({"sigma": sigmas[pick(&mut rng, 3)]}))
            }
            2 => ("Square", json!({})),
            3 => ("SquareRoot", json!({})),
            4 => ("Logarithm", json!({})),
            5 => ("Exponential", json!({})),
            6 => ("Gradient", json!({"gradientUseSpacing": rng.uniform() < 0.5})),
            _ => ("LBP2D", json!({})),
        };
        image_types.insert(name.into(), cfg);
    }
    let mut params = json!({"setting": setting, "imageType": image_types});
    // With force2D and no featureClass section pyradiomics adds shape2D, which fails on a ROI
    // thicker than one slice (tested above); list classes then, and sometimes otherwise.
    if force2d || rng.uniform() < 0.25 {
        let all = ["shape", "firstorder", "glcm", "glrlm", "glszm", "gldm", "ngtdm"];
        let classes: serde_json::Map<String, Value> = all
            .iter()
            .filter(|_| rng.uniform() < 0.6)
            .map(|c| (c.to_string(), Value::Null))
            .collect();
        params["featureClass"] = if classes.is_empty() {
            json!({"glcm": null})
        } else {
            Value::Object(classes)
        };
    }
    Case {
        name: Box::leak(format!("random_{seed}").into_boxed_str()),
        size,
        spacing: [sx, sy, sz],
        direction,
        origin: [
            rng.uniform() * 100.0 - 50.0,
            rng.uniform() * 100.0 - 50.0,
            rng.uniform() * 100.0,
        ],
        pixel_type,
        nifti: rng.uniform() < 0.4,
        centre,
        radii,
        second_label,
        params,
        label,
    }
}

/// Seeded random cases against the live pyradiomics: the hand-written cases pin known
/// pitfalls, these reach combinations nobody listed (sweeps of this kind found the GLCM
/// summation-order and NaN-voxel differences fixed earlier). The seeds are fixed, so a failure
/// names a case that reproduces.
#[test]
fn random_settings_mixes_match_pyradiomics() {
    let Some(python) = oracle_python() else { return };
    let mut cmp = Comparison::default();
    let mut both_failed = 0;
    // `RADSCORE_RANDOM_SEEDS=1000..1200` sweeps other seeds (slower; pyradiomics may refuse
    // more of them, which is then reported, not failed).
    let seeds = seeds_from_env("RADSCORE_RANDOM_SEEDS", 0..64);
    let (sweep, count) = (
        seeds.start != 0 || seeds.end != 64,
        seeds.end.saturating_sub(seeds.start),
    );
    for seed in seeds {
        let case = random_case(seed);
        let (image_path, mask_path, params_path) = prepare_case(&case);
        let runs = radscore_runs(&case, &image_path, &mask_path, &params_path);
        let paths = [&image_path, &mask_path, &params_path].map(|p| p.to_str().unwrap());
        let oracle = Command::new(&python)
            .arg(oracle_script("extract.py"))
            .args(paths)
            .output()
            .unwrap();
        if oracle.status.success() {
            let expected = serde_json::from_slice(&oracle.stdout).expect("the oracle printed JSON");
            compare_runs(runs, &expected, &mut cmp);
            continue;
        }
        // pyradiomics refuses this mix (a re-segmentation that keeps nothing, say): radscore
        // must refuse it too, not return numbers nobody can check.
        let stderr = String::from_utf8_lossy(&oracle.stderr);
        let why = stderr
            .lines()
            .rev()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("")
            .to_string();
        for (name, ours) in runs {
            match ours {
                Ok(f) => cmp.failures.push(format!(
                    "{name}: pyradiomics fails ({why}), radscore gave {} features",
                    f.len()
                )),
                Err(e) => eprintln!("{name}: both fail: pyradiomics {why}; radscore {e}"),
            }
        }
        both_failed += 1;
    }
    if sweep {
        eprintln!("{both_failed} of {count} random cases failed in pyradiomics and radscore alike");
    } else {
        assert!(
            both_failed <= 8,
            "{both_failed} of 64 random cases failed in pyradiomics: the generator needs fixing"
        );
    }
    cmp.finish("random settings mixes vs pyradiomics");
}
