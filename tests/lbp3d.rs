//! The LBP3D image type against pyradiomics 3.1's `getLBP3DImage`, run in its own venv
//! (scipy 1.16, the last with `scipy.special.sph_harm`, and trimesh: see
//! tests/oracle/requirements-lbp3d.txt): the icosphere vertices against trimesh bit for bit,
//! the `lbp-3D-*` images voxel by voxel, and the features of those images against
//! pyradiomics' extractor.
//!
//! Run: `RADSCORE_LBP3D_PYTHON=target/lbp3d-venv/bin/python cargo test --test lbp3d -- --nocapture`

mod common;

use std::path::{Path, PathBuf};

use common::{
    Comparison, Rng, lbp3d_oracle_python, pyradiomics_features, read_filter_outputs, run_oracle, temp_dir, write_f64,
};
use ndarray::Array3;
use radscore::image::{Geometry, PixelType, write_nrrd};
use radscore::preprocess::filters::{self, lbp3d};
use radscore::settings::{GeneralSettings, ImageTypeKind, Settings};
use radscore::{Image, LabelMap};
use serde_json::{Value, json};

#[test]
fn icosphere_matches_trimesh_bit_for_bit() {
    let Some(py) = lbp3d_oracle_python() else { return };
    let specs = [(0, 1.0), (1, 1.0), (1, 1.5), (2, 2.5), (3, 1.0), (2, 0.7)];
    let args: Vec<String> = specs.iter().map(|(s, r)| format!("{s},{r}")).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let mut all = vec!["vertices"];
    all.extend(args);
    let out = run_oracle(&py, "lbp3d.py", &all);
    for ((s, r), theirs) in specs.iter().zip(out["icospheres"].as_array().unwrap()) {
        let key = |v: &[f64; 3]| (v[0].to_bits(), v[1].to_bits(), v[2].to_bits());
        let ours: Vec<_> = lbp3d::icosphere(*s, *r).iter().map(key).collect();
        let theirs: Vec<_> = theirs
            .as_array()
            .unwrap()
            .iter()
            .map(|v| {
                let c: Vec<f64> = v.as_array().unwrap().iter().map(|x| x.as_f64().unwrap()).collect();
                key(&[c[0], c[1], c[2]])
            })
            .collect();
        // Same vertices, same order (sums over vertices run in it).
        let first_bad = ours.iter().zip(&theirs).position(|(a, b)| a != b);
        assert!(
            ours.len() == theirs.len() && first_bad.is_none(),
            "icosphere({s}, {r}): {} vertices vs trimesh's {}, first difference at {first_bad:?}",
            ours.len(),
            theirs.len()
        );
    }
}

/// One filter run: image, mask, label and pyradiomics' kwargs.
struct Case {
    label: &'static str,
    image: Image,
    mask: LabelMap,
    roi_label: u32,
    levels: usize,
    radius: f64,
    subdivisions: usize,
}

impl Case {
    fn kwargs(&self) -> Value {
        json!({"lbp3DLevels": self.levels, "lbp3DIcosphereRadius": self.radius,
               "lbp3DIcosphereSubdivision": self.subdivisions})
    }

    fn settings(&self) -> GeneralSettings {
        GeneralSettings {
            label: self.roi_label,
            lbp3d_levels: self.levels,
            lbp3d_icosphere_radius: self.radius,
            lbp3d_icosphere_subdivision: self.subdivisions,
            ..GeneralSettings::default()
        }
    }
}

/// Smooth blobs plus noise (or a constant block: ties and zero-variance samples), in `pixel_type`.
fn make_image(rng: &mut Rng, zyx: [usize; 3], pixel_type: PixelType, flat_block: bool) -> Image {
    let [nz, ny, nx] = zyx;
    let centres: Vec<[f64; 3]> = (0..3)
        .map(|_| {
            [
                rng.uniform() * nz as f64,
                rng.uniform() * ny as f64,
                rng.uniform() * nx as f64,
            ]
        })
        .collect();
    let mut values = Array3::<f64>::zeros((nz, ny, nx));
    for ((z, y, x), v) in values.indexed_iter_mut() {
        let p = [z as f64, y as f64, x as f64];
        let mut s = 0.0;
        for c in &centres {
            let d2: f64 = (0..3).map(|k| (p[k] - c[k]).powi(2)).sum();
            s += 300.0 * (-d2 / 18.0).exp();
        }
        s += (rng.uniform() - 0.5) * 80.0;
        if flat_block && z < nz / 2 + 1 && y < ny / 2 && x < nx / 2 {
            s = 40.0;
        }
        *v = if pixel_type.is_integer() {
            pixel_type.cast(s.round() + 60.0)
        } else {
            pixel_type.cast(s * 1.37)
        };
    }
    let geometry = Geometry {
        size: [nx, ny, nz],
        spacing: [0.8, 0.9, 1.5],
        origin: [0.0; 3],
        direction: [1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0],
        dimension: 3,
    };
    Image::new(values, pixel_type, geometry).unwrap()
}

/// An ellipsoid of `label` (with a ring of label 2 around it when `other`), or every voxel
/// when `full` (the ROI then touches every border).
fn make_mask(image: &Image, label: u32, full: bool, other: bool) -> LabelMap {
    let [nz, ny, nx] = image.geometry.shape_zyx();
    let c = [nz as f64 / 2.0, ny as f64 / 2.0, nx as f64 / 2.0];
    let r = [nz as f64 / 3.0 + 0.5, ny as f64 / 3.0, nx as f64 / 3.0];
    let labels = Array3::from_shape_fn((nz, ny, nx), |(z, y, x)| {
        let d: f64 = [z, y, x]
            .iter()
            .enumerate()
            .map(|(k, &i)| ((i as f64 - c[k]) / r[k]).powi(2))
            .sum();
        if full || d <= 1.0 {
            label
        } else if other && d <= 1.6 {
            if label == 2 { 3 } else { 2 }
        } else {
            0
        }
    });
    LabelMap::new(labels, image.geometry.clone()).unwrap()
}

/// Write every case for the oracle and read back its images: (name, voxels, pixel type).
fn oracle(py: &Path, dir: &str, cases: &[Case]) -> Vec<Vec<(String, Vec<f64>, String)>> {
    let root = temp_dir(dir);
    let mut paths: Vec<PathBuf> = Vec::new();
    for (i, c) in cases.iter().enumerate() {
        let d = root.join(format!("case{i}"));
        std::fs::create_dir_all(&d).unwrap();
        write_f64(
            &d.join("image.f64"),
            &c.image.values().iter().copied().collect::<Vec<_>>(),
        );
        let labels: Vec<u8> = c.mask.values().iter().flat_map(|l| l.to_le_bytes()).collect();
        std::fs::write(d.join("mask.u32"), labels).unwrap();
        let case = json!({
            "shape": c.image.geometry.shape_zyx(),
            "spacing": c.image.geometry.spacing,
            "image": "image.f64",
            "image_dtype": c.image.pixel_type.numpy_name(),
            "kind": "LBP3D",
            "mask": "mask.u32",
            "label": c.roi_label,
            "settings": c.kwargs(),
        });
        let p = d.join("case.json");
        std::fs::write(&p, serde_json::to_vec(&case).unwrap()).unwrap();
        paths.push(p);
    }
    let mut args = vec!["filter"];
    args.extend(paths.iter().map(|p| p.to_str().unwrap()));
    let out = run_oracle(py, "lbp3d.py", &args);
    read_filter_outputs(&out, &paths)
}

#[test]
fn lbp3d_images_match_pyradiomics() {
    let Some(py) = lbp3d_oracle_python() else { return };
    let mut rng = Rng(41);
    let mut cases = Vec::new();
    let mut add = |label, image: Image, mask: LabelMap, roi_label, levels, radius, subdivisions| {
        cases.push(Case {
            label,
            image,
            mask,
            roi_label,
            levels,
            radius,
            subdivisions,
        })
    };
    let im = make_image(&mut rng, [12, 14, 16], PixelType::I16, false);
    add(
        "defaults_int16",
        im.clone(),
        make_mask(&im, 1, false, false),
        1,
        2,
        1.0,
        1,
    );
    // The ROI fills the image: samples beyond the border read scipy's constant 0.
    let im = make_image(&mut rng, [9, 11, 10], PixelType::F64, false);
    add(
        "full_roi_float64_levels3_r1.5",
        im.clone(),
        make_mask(&im, 1, true, false),
        1,
        3,
        1.5,
        1,
    );
    // A constant block in a corner: mirrored borders keep its lines constant longer.
    let im = make_image(&mut rng, [10, 12, 12], PixelType::I16, true);
    add(
        "flat_block_s2_r2",
        im.clone(),
        make_mask(&im, 1, true, false),
        1,
        2,
        2.0,
        2,
    );
    // A constant image: samples equal the centre up to the spline's rounding, which decides
    // both the bits and whether the kurtosis is NaN (zero variance).
    let im = make_image(&mut rng, [8, 9, 10], PixelType::I16, false);
    let constant = Image::new(im.values().mapv(|_| 40.0), PixelType::I16, im.geometry.clone()).unwrap();
    add(
        "constant_int16",
        constant.clone(),
        make_mask(&constant, 1, true, false),
        1,
        2,
        1.0,
        1,
    );
    // One slice: only samples in the slice plane are inside the image.
    let im = make_image(&mut rng, [1, 18, 20], PixelType::I16, false);
    add("single_slice", im.clone(), make_mask(&im, 1, true, false), 1, 2, 1.0, 1);
    // Label 2 among other labels, icosahedron only.
    let im = make_image(&mut rng, [11, 13, 12], PixelType::U16, false);
    add(
        "label2_s0_uint16",
        im.clone(),
        make_mask(&im, 2, false, true),
        2,
        2,
        1.0,
        0,
    );
    // float32 input, higher degrees, a radius reaching three voxels.
    let im = make_image(&mut rng, [12, 12, 13], PixelType::F32, false);
    add(
        "float32_levels4_r2.5",
        im.clone(),
        make_mask(&im, 1, false, true),
        1,
        4,
        2.5,
        1,
    );

    // A radius larger than the image: every sample lies outside and reads 0.
    let im = make_image(&mut rng, [5, 6, 7], PixelType::I16, false);
    add(
        "radius_beyond_image",
        im.clone(),
        make_mask(&im, 1, false, false),
        1,
        2,
        40.0,
        1,
    );
    add(
        "radius_1e300",
        im.clone(),
        make_mask(&im, 1, false, false),
        1,
        2,
        1e300,
        0,
    );

    let theirs = oracle(&py, "lbp3d-images", &cases);
    let mut cmp = Comparison::default();
    let (mut voxels, mut exact, mut nans) = (0usize, 0usize, 0usize);
    for (c, th) in cases.iter().zip(&theirs) {
        let ours = filters::apply(ImageTypeKind::LBP3D, &c.image, &c.mask, &c.settings())
            .unwrap_or_else(|e| panic!("{}: {e}", c.label));
        let names: Vec<&str> = ours.iter().map(|f| f.name.as_str()).collect();
        let their_names: Vec<&str> = th.iter().map(|t| t.0.as_str()).collect();
        assert_eq!(names, their_names, "{}: image names", c.label);
        for (o, (name, tv, ttype)) in ours.iter().zip(th) {
            assert_eq!(ttype, "64-bit float", "{}: {name} pixel type", c.label);
            assert_eq!(o.image.pixel_type, PixelType::F64);
            assert_eq!(o.image.geometry, c.image.geometry, "{}: {name} geometry", c.label);
            let ov: Vec<f64> = o.image.values().iter().copied().collect();
            assert_eq!(ov.len(), tv.len());
            // Outside the ROI pyradiomics leaves numpy.ndarray's uninitialised memory (radscore
            // writes 0); no feature reads it.
            let inside: Vec<bool> = c.mask.values().iter().map(|&l| l == c.roi_label).collect();
            for (i, (&a, &b)) in ov.iter().zip(tv).enumerate().filter(|(i, _)| inside[*i]) {
                voxels += 1;
                if a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan()) {
                    exact += 1;
                }
                if b.is_nan() {
                    nans += 1;
                }
                cmp.check(name, &format!("{} {name} voxel {i}", c.label), a, b);
            }
        }
    }
    eprintln!("LBP3D images: {voxels} ROI voxels, {exact} bit-identical, {nans} NaN in pyradiomics' (flat samples)");
    assert!(nans > 0, "the constant image should give NaN kurtosis somewhere");
    cmp.finish("LBP3D images vs pyradiomics getLBP3DImage");
}

#[test]
fn lbp3d_settings_are_checked() {
    let mut rng = Rng(5);
    let image = make_image(&mut rng, [4, 5, 6], PixelType::I16, false);
    let mask = make_mask(&image, 1, true, false);
    for (settings, key) in [
        (
            GeneralSettings {
                lbp3d_levels: 0,
                ..GeneralSettings::default()
            },
            "lbp3DLevels",
        ),
        (
            // pyradiomics' getLBP3DImage raises IndexError with one level.
            GeneralSettings {
                lbp3d_levels: 1,
                ..GeneralSettings::default()
            },
            "lbp3DLevels",
        ),
        (
            GeneralSettings {
                lbp3d_icosphere_radius: -1.0,
                ..GeneralSettings::default()
            },
            "lbp3DIcosphereRadius",
        ),
        (
            GeneralSettings {
                lbp3d_icosphere_subdivision: 9,
                ..GeneralSettings::default()
            },
            "lbp3DIcosphereSubdivision",
        ),
    ] {
        let e = filters::apply(ImageTypeKind::LBP3D, &image, &mask, &settings).unwrap_err();
        assert!(e.to_string().contains(key), "{e}");
    }
}

// ---- features of lbp-3D images against pyradiomics' extractor ----

fn run_extraction(python: &Path, name: &str, size: [usize; 3], params: Value, cmp: &mut Comparison) {
    let dir = temp_dir(&format!("lbp3d-extract-{name}"));
    let mut rng = Rng(7 + name.len() as u64);
    let image = make_image(&mut rng, [size[2], size[1], size[0]], PixelType::I16, false);
    let mask = make_mask(&image, 1, false, false);
    let geometry = Geometry {
        origin: [-10.0, 20.0, 50.0],
        ..image.geometry.clone()
    };
    let image_path = dir.join("image.nrrd");
    let mask_path = dir.join("mask.nrrd");
    write_nrrd(&image_path, &image.values(), PixelType::I16, &geometry).unwrap();
    write_nrrd(&mask_path, &mask.values().mapv(f64::from), PixelType::U8, &geometry).unwrap();
    let params_path = dir.join("params.json");
    std::fs::write(&params_path, serde_json::to_string_pretty(&params).unwrap()).unwrap();
    let expected = &pyradiomics_features(python, &image_path, &mask_path, &params_path);
    assert!(
        expected.keys().any(|k| k.starts_with("lbp-3D-k_")),
        "{name}: pyradiomics computed no lbp-3D features (scipy ≤ 1.16 and trimesh needed)"
    );
    let settings = Settings::from_file(&params_path)
        .and_then(|s| s.validate())
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    let ours = radscore::extract_files(&image_path, &mask_path, None, &settings)
        .unwrap_or_else(|e| panic!("{name}: extraction failed: {e}"));
    let our_keys: Vec<&String> = ours.keys().collect();
    let their_keys: Vec<&String> = expected.keys().collect();
    assert_eq!(our_keys, their_keys, "{name}: keys or order differ");
    for (key, v) in expected {
        let theirs = v.as_f64().unwrap_or(f64::NAN);
        let image_type = key.split('_').next().unwrap_or("?");
        let class = key.split('_').nth(1).unwrap_or("?");
        cmp.check(
            &format!("{image_type} {class}"),
            &format!("{name} {key}"),
            ours[key.as_str()],
            theirs,
        );
    }
}

#[test]
fn lbp3d_features_match_pyradiomics() {
    let Some(python) = lbp3d_oracle_python() else { return };
    let all = json!({"firstorder": null, "glcm": null, "glrlm": null, "glszm": null, "gldm": null, "ngtdm": null});
    let mut cmp = Comparison::default();
    run_extraction(
        &python,
        "defaults_binwidth",
        [20, 18, 12],
        json!({"setting": {"binWidth": 0.5}, "imageType": {"Original": {"binWidth": 25}, "LBP3D": {}},
               "featureClass": all}),
        &mut cmp,
    );
    run_extraction(
        &python,
        "resampled_levels3_bincount",
        [22, 20, 10],
        json!({"setting": {"resampledPixelSpacing": [1, 1, 1], "interpolator": "sitkBSpline", "binCount": 16},
               "imageType": {"LBP3D": {"lbp3DLevels": 3, "lbp3DIcosphereRadius": 1.5}},
               "featureClass": all}),
        &mut cmp,
    );
    cmp.finish("features of LBP3D images vs pyradiomics");
}

#[test]
fn flat_neighbourhoods_fail_as_in_pyradiomics_and_name_the_cause() {
    let Some(python) = lbp3d_oracle_python() else { return };
    // A constant block holding the whole ROI: every sample around a voxel is equal, so the
    // kurtosis is NaN there and the lbp-3D-k image cannot be discretized.
    let dir = temp_dir("lbp3d-flat");
    let mut values = Array3::<f64>::from_elem((12, 14, 16), 40.0);
    let mut rng = Rng(3);
    for ((_, _, x), v) in values.indexed_iter_mut() {
        if x >= 12 {
            *v = rng.int(0, 99) as f64;
        }
    }
    let geometry = Geometry {
        size: [16, 14, 12],
        spacing: [1.0; 3],
        origin: [0.0; 3],
        direction: [1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0],
        dimension: 3,
    };
    let mask = Array3::from_shape_fn((12, 14, 16), |(z, y, x)| {
        f64::from(u8::from(
            (3..9).contains(&z) && (4..10).contains(&y) && (2..12).contains(&x),
        ))
    });
    let (image_path, mask_path) = (dir.join("image.nrrd"), dir.join("mask.nrrd"));
    write_nrrd(&image_path, &values, PixelType::I16, &geometry).unwrap();
    write_nrrd(&mask_path, &mask, PixelType::U8, &geometry).unwrap();
    let params_path = dir.join("params.json");
    let params = json!({"setting": {"binWidth": 1}, "imageType": {"LBP3D": {}}, "featureClass": {"firstorder": null}});
    std::fs::write(&params_path, params.to_string()).unwrap();

    // pyradiomics fails on the NaN voxels (numpy.arange of a NaN range).
    let out = std::process::Command::new(&python)
        .arg(common::oracle_script("extract.py"))
        .args([&image_path, &mask_path, &params_path])
        .output()
        .unwrap();
    assert!(
        !out.status.success(),
        "pyradiomics was expected to fail on NaN kurtosis voxels"
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("arange"));

    let settings = Settings::from_file(&params_path).and_then(|s| s.validate()).unwrap();
    let e = radscore::extract_files(&image_path, &mask_path, None, &settings).unwrap_err();
    let message = e.to_string();
    assert!(
        message.contains("lbp-3D-k") && message.contains("kurtosis"),
        "{message}"
    );
}

#[test]
fn nan_kurtosis_voxels_after_the_first_are_binned_as_in_pyradiomics() {
    let Some(python) = lbp3d_oracle_python() else { return };
    // The flat block covers the ROI but its first voxels (low x), which see random values:
    // the kurtosis is NaN only further in. pyradiomics' bin edges then pass over the NaN,
    // digitize puts them past the last edge, and firstorder's nan-functions leave them out.
    let dir = temp_dir("lbp3d-partly-flat");
    let mut values = Array3::<f64>::from_elem((12, 14, 16), 40.0);
    let mut rng = Rng(3);
    for ((_, _, x), v) in values.indexed_iter_mut() {
        if x < 4 {
            *v = rng.int(0, 99) as f64;
        }
    }
    let geometry = Geometry::new([16, 14, 12], [1.0; 3]);
    let mask = Array3::from_shape_fn((12, 14, 16), |(z, y, x)| {
        f64::from(u8::from(
            (3..9).contains(&z) && (4..10).contains(&y) && (2..12).contains(&x),
        ))
    });
    let (image_path, mask_path) = (dir.join("image.nrrd"), dir.join("mask.nrrd"));
    write_nrrd(&image_path, &values, PixelType::I16, &geometry).unwrap();
    write_nrrd(&mask_path, &mask, PixelType::U8, &geometry).unwrap();
    let params_path = dir.join("params.json");
    let params = json!({"setting": {"binWidth": 1}, "imageType": {"LBP3D": {}},
                        "featureClass": {"firstorder": null, "glcm": null, "glszm": null}});
    std::fs::write(&params_path, params.to_string()).unwrap();
    let theirs = pyradiomics_features(&python, &image_path, &mask_path, &params_path);
    let settings = Settings::from_file(&params_path).and_then(|s| s.validate()).unwrap();
    let ours = radscore::extract_files(&image_path, &mask_path, None, &settings).unwrap();
    let mut cmp = Comparison::default();
    cmp.check_features("partly flat", &ours, &theirs);
    assert!(ours.contains_key("lbp-3D-k_firstorder_Mean"));
    cmp.finish("LBP3D with NaN kurtosis voxels vs pyradiomics");
}
