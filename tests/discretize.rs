//! Discretization equals pyradiomics' `binImage` (bin width and bin count, int16, float32 and
//! float64 images, flat regions, values on bin edges): the oracle returns the discretized
//! array pyradiomics' GLCM class works on.

mod common;

use common::{Rng, oracle_python, run_oracle, temp_dir, write_f64};
use radscore::image::PixelType;
use radscore::preprocess::discretize::{Binning, discretize};

fn case(python: &std::path::Path, name: &str, values: &[f64], mask: &[bool], dtype: &str, settings: serde_json::Value) {
    let dir = temp_dir(&format!("discretize-{name}"));
    let n = values.len();
    write_f64(&dir.join("image.f64"), values);
    let m: Vec<f64> = mask.iter().map(|&b| if b { 1.0 } else { 0.0 }).collect();
    write_f64(&dir.join("mask.f64"), &m);
    let spec = serde_json::json!({
        "shape": [1, 1, n], "spacing": [1.0, 1.0, 1.0], "image": "image.f64", "mask": "mask.f64",
        "image_dtype": dtype, "class": "glcm", "settings": settings,
    });
    std::fs::write(dir.join("case.json"), spec.to_string()).unwrap();
    let out = run_oracle(python, "feature_class.py", &[dir.join("case.json").to_str().unwrap()]);
    let theirs: Vec<u32> = out["gray_levels"]
        .as_array()
        .expect("gray levels")
        .iter()
        .map(|v| v.as_u64().unwrap() as u32)
        .collect();
    let pixel_type = match dtype {
        "float32" => PixelType::F32,
        "float64" => PixelType::F64,
        _ => PixelType::I16,
    };
    let binning = match settings.get("binCount") {
        Some(c) => Binning::Count(c.as_u64().unwrap() as usize),
        None => Binning::Width(settings.get("binWidth").and_then(|w| w.as_f64()).unwrap_or(25.0)),
    };
    // The oracle saw the values after the dtype cast.
    let cast: Vec<f64> = values.iter().map(|&v| pixel_type.cast(v)).collect();
    let ours = discretize(&cast, mask, binning, pixel_type).expect("discretize");
    assert_eq!(ours.gray_levels, theirs, "{name}: gray levels differ from pyradiomics");
}

#[test]
fn gray_levels_equal_pyradiomics() {
    let Some(python) = oracle_python() else { return };
    let mut rng = Rng(42);
    let n = 600;
    let ints: Vec<f64> = (0..n).map(|_| rng.int(-1100, 1600) as f64).collect();
    let mut floats: Vec<f64> = (0..n).map(|_| (rng.uniform() - 0.3) * 700.0).collect();
    // Values exactly on bin edges and at multiples of the width.
    for (i, v) in [-50.0, -25.0, 0.0, 25.0, 50.0, 75.0, 100.0].iter().enumerate() {
        floats[i] = *v;
    }
    let small: Vec<f64> = (0..n).map(|_| (rng.uniform() - 0.5) * 1e-3).collect();
    let mask: Vec<bool> = (0..n).map(|i| i % 7 != 3).collect();
    let flat = vec![37.0; n];
    use serde_json::json;
    case(&python, "int16_w25", &ints, &mask, "int16", json!({"binWidth": 25}));
    case(&python, "int16_w7_5", &ints, &mask, "int16", json!({"binWidth": 7.5}));
    case(&python, "int16_count64", &ints, &mask, "int16", json!({"binCount": 64}));
    case(
        &python,
        "float64_w25",
        &floats,
        &mask,
        "float64",
        json!({"binWidth": 25}),
    );
    case(
        &python,
        "float64_w0_3",
        &floats,
        &mask,
        "float64",
        json!({"binWidth": 0.3}),
    );
    case(
        &python,
        "float64_count17",
        &floats,
        &mask,
        "float64",
        json!({"binCount": 17}),
    );
    case(
        &python,
        "float32_w25",
        &floats,
        &mask,
        "float32",
        json!({"binWidth": 25}),
    );
    case(
        &python,
        "float32_w0_7",
        &floats,
        &mask,
        "float32",
        json!({"binWidth": 0.7}),
    );
    case(
        &python,
        "float32_count33",
        &floats,
        &mask,
        "float32",
        json!({"binCount": 33}),
    );
    case(
        &python,
        "float64_tiny_w25",
        &small,
        &mask,
        "float64",
        json!({"binWidth": 25}),
    );
    case(
        &python,
        "float64_tiny_count8",
        &small,
        &mask,
        "float64",
        json!({"binCount": 8}),
    );
    case(&python, "flat_w25", &flat, &mask, "int16", json!({"binWidth": 25}));
    case(
        &python,
        "flat_count16",
        &flat,
        &mask,
        "float64",
        json!({"binCount": 16}),
    );
}
