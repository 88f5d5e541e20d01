//! Shared helpers for integration tests: where the reference data and the pyradiomics
//! oracle are, and how to hand arrays to the oracle.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// `../shared` beside the repository (or `RADSCORE_SHARED`). Prints why and returns
/// `None` when it is missing; fails instead when `RADSCORE_REQUIRE_ALL=1` (the test command).
pub fn shared_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("RADSCORE_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared"));
    if dir.join("data").is_dir() {
        return Some(dir);
    }
    missing(&format!(
        "reference data not found at {} (set RADSCORE_SHARED)",
        dir.display()
    ));
    None
}

/// The Python interpreter of the oracle venv (pyradiomics-bhklab + SimpleITK), from
/// `RADSCORE_PYTHON`. Prints why and returns `None` when unavailable.
pub fn oracle_python() -> Option<PathBuf> {
    match std::env::var_os("RADSCORE_PYTHON") {
        Some(p) if Path::new(&p).exists() => Some(PathBuf::from(p)),
        _ => {
            missing("pyradiomics oracle not available: run `bash tests/run_all.sh` (sets RADSCORE_PYTHON)");
            None
        }
    }
}

/// The Python of the LBP3D oracle venv (scipy 1.16 + trimesh,
/// tests/oracle/requirements-lbp3d.txt), from `RADSCORE_LBP3D_PYTHON`.
pub fn lbp3d_oracle_python() -> Option<PathBuf> {
    match std::env::var_os("RADSCORE_LBP3D_PYTHON") {
        Some(p) if Path::new(&p).exists() => Some(PathBuf::from(p)),
        _ => {
            missing("LBP3D oracle not available: run `bash tests/run_all.sh` (sets RADSCORE_LBP3D_PYTHON)");
            None
        }
    }
}

fn missing(why: &str) {
    if std::env::var("RADSCORE_REQUIRE_ALL").as_deref() == Ok("1") {
        panic!("{why}");
    }
    eprintln!("SKIPPED: {why}");
}

/// Path of a script in `tests/oracle/`.
pub fn oracle_script(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/oracle").join(name)
}

/// Run an oracle script with arguments and parse its JSON stdout.
pub fn run_oracle(python: &Path, script: &str, args: &[&str]) -> serde_json::Value {
    let out = Command::new(python)
        .arg(oracle_script(script))
        .args(args)
        .output()
        .expect("cannot start the oracle python");
    if !out.status.success() {
        panic!(
            "oracle {script} failed: {}\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
    }
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "oracle {script} printed no JSON ({e}): {}",
            String::from_utf8_lossy(&out.stdout)
        )
    })
}

/// pyradiomics' features of `image` within `mask` with the parameter file `params`
/// (`tests/oracle/extract.py`), keys in its order.
pub fn pyradiomics_features(
    python: &Path,
    image: &Path,
    mask: &Path,
    params: &Path,
) -> serde_json::Map<String, serde_json::Value> {
    let out = run_oracle(
        python,
        "extract.py",
        &[
            image.to_str().unwrap(),
            mask.to_str().unwrap(),
            params.to_str().unwrap(),
        ],
    );
    match out {
        serde_json::Value::Object(features) => features,
        other => panic!("the oracle printed {other}, not an object"),
    }
}

/// A fresh temporary directory under `target/test-tmp/<name>`.
pub fn temp_dir(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/test-tmp").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Write f64 values as little-endian raw bytes.
pub fn write_f64(path: &Path, values: &[f64]) {
    let bytes: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
    std::fs::write(path, bytes).unwrap();
}

/// Relative comparison as the parity bar defines it: 1e-6 relative, 1e-9 absolute near zero.
pub fn close(ours: f64, theirs: f64) -> bool {
    if ours.is_nan() || theirs.is_nan() {
        return ours.is_nan() && theirs.is_nan();
    }
    let diff = (ours - theirs).abs();
    diff <= 1e-9 || diff <= 1e-6 * theirs.abs()
}

/// Relative difference |ours − theirs| / |theirs| (the absolute difference when theirs is 0;
/// 0 when both are NaN).
pub fn rel_diff(ours: f64, theirs: f64) -> f64 {
    if ours.is_nan() && theirs.is_nan() || ours == theirs {
        return 0.0;
    }
    let diff = (ours - theirs).abs();
    if theirs == 0.0 { diff } else { diff / theirs.abs() }
}

/// Deterministic pseudo-random numbers (SplitMix64) for generated test volumes.
pub struct Rng(pub u64);

impl Rng {
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E3779B97F4A7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58476D1CE4E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D049BB133111EB);
        z ^ (z >> 31)
    }
    /// Uniform in [0, 1).
    pub fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
    /// Integer in [lo, hi].
    pub fn int(&mut self, lo: i64, hi: i64) -> i64 {
        lo + (self.next_u64() % ((hi - lo + 1) as u64)) as i64
    }
}

/// A minimal CSV reader (quoted fields with commas, doubled quotes) for the reference tables.
pub fn read_csv(path: &Path) -> Vec<Vec<String>> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    text.lines().map(radscore::batch::split_csv_line).collect()
}

/// Turn a Python dict literal (as pyradiomics writes its settings) into JSON.
pub fn python_literal_to_json(s: &str) -> serde_json::Value {
    let mut out = String::new();
    let mut in_str = false;
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        match word.as_str() {
            "True" => out.push_str("true"),
            "False" => out.push_str("false"),
            "None" => out.push_str("null"),
            w => out.push_str(w),
        }
        word.clear();
    };
    for c in s.chars() {
        if in_str {
            if c == '\'' {
                out.push('"');
                in_str = false;
            } else {
                out.push(c);
            }
            continue;
        }
        match c {
            '\'' => {
                flush(&mut word, &mut out);
                out.push('"');
                in_str = true;
            }
            '(' => {
                flush(&mut word, &mut out);
                out.push('[');
            }
            ')' => {
                flush(&mut word, &mut out);
                out.push(']');
            }
            c if c.is_alphanumeric() || c == '.' || c == '-' || c == '+' || c == '_' => word.push(c),
            c => {
                flush(&mut word, &mut out);
                out.push(c);
            }
        }
    }
    flush(&mut word, &mut out);
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("cannot parse settings {s}: {e} ({out})"))
}

/// Parse a reference value as pyradiomics wrote it (`nan` included).
pub fn parse_value(s: &str) -> Option<f64> {
    match s.trim() {
        "" => None,
        "nan" | "NaN" => Some(f64::NAN),
        t => t.parse().ok(),
    }
}

/// Collects per-class maximum relative differences and the failures.
#[derive(Default)]
pub struct Comparison {
    pub max_rel: std::collections::BTreeMap<String, (f64, String)>,
    pub failures: Vec<String>,
    pub compared: usize,
    /// Shape features of an exactly zero eigenvalue where pyradiomics has rounding noise (see
    /// [`eigen_solver_noise`]): per feature, how often and the largest value, with its case.
    pub eigen_noise: std::collections::BTreeMap<String, (usize, f64, String)>,
}

/// Shape features that are the square root of the smallest eigenvalues of the voxel centres'
/// covariance (relative to the largest for Flatness and Elongation).
pub const EIGEN_AXIS_FEATURES: [&str; 4] = ["LeastAxisLength", "MinorAxisLength", "Elongation", "Flatness"];

/// Whether pyradiomics' `theirs` for shape feature `feature` is eigen-solver rounding noise
/// around radscore's exact 0. When the voxel centres lie on a plane or a line, radscore finds
/// that exactly (integer arithmetic) and gives 0; pyradiomics' `numpy.linalg.eigvals` on a
/// covariance built by BLAS returns λ ≈ ±1e-16·λmax instead, whose square root (positive λ
/// only) is about 1e-8 of the largest axis. That noise depends on the CPU's BLAS kernels, so
/// no implementation can reproduce it; anything larger than 1e-6 of the largest axis (or
/// 1e-6 for the ratios) is a real difference and fails.
pub fn eigen_solver_noise(feature: &str, ours: f64, theirs: f64, major_axis: Option<f64>) -> bool {
    if ours != 0.0 || !theirs.is_finite() || !EIGEN_AXIS_FEATURES.contains(&feature) {
        return false;
    }
    let scale = match feature {
        "Elongation" | "Flatness" => 1.0,
        _ => major_axis.unwrap_or(0.0),
    };
    theirs.abs() <= 1e-6 * scale
}

impl Comparison {
    /// Compare one value; `class` groups the statistics, `what` names it in messages.
    pub fn check(&mut self, class: &str, what: &str, ours: f64, theirs: f64) {
        self.compared += 1;
        let r = rel_diff(ours, theirs);
        let entry = self.max_rel.entry(class.to_string()).or_insert((0.0, String::new()));
        if r > entry.0 || (r.is_nan() && !entry.0.is_nan()) {
            *entry = (r, what.to_string());
        }
        if !close(ours, theirs) {
            self.failures.push(format!(
                "{what}: radscore {ours:?} vs pyradiomics {theirs:?} (rel {r:.3e})"
            ));
        }
    }

    /// Compare every feature pyradiomics gave (`theirs`, its JSON) with ours, grouped by
    /// class (the key's second part); a key radscore lacks is a failure.
    pub fn check_features(
        &mut self,
        name: &str,
        ours: &radscore::FeatureSet,
        theirs: &serde_json::Map<String, serde_json::Value>,
    ) {
        for (key, v) in theirs {
            let class = key.split('_').nth(1).unwrap_or("?");
            let expected = v.as_f64().unwrap_or(f64::NAN);
            match ours.get(key) {
                Some(&value) if class == "shape" => {
                    let feature = key.rsplit('_').next().unwrap_or("");
                    let major = key
                        .strip_suffix(feature)
                        .and_then(|prefix| theirs.get(&format!("{prefix}MajorAxisLength")))
                        .and_then(|v| v.as_f64());
                    if !close(value, expected) && eigen_solver_noise(feature, value, expected, major) {
                        let entry = self
                            .eigen_noise
                            .entry(feature.to_string())
                            .or_insert((0, 0.0, String::new()));
                        entry.0 += 1;
                        if expected.abs() > entry.1 {
                            (entry.1, entry.2) = (expected.abs(), name.to_string());
                        }
                    } else {
                        self.check(class, &format!("{name} {key}"), value, expected);
                    }
                }
                Some(&value) => self.check(class, &format!("{name} {key}"), value, expected),
                None => self.failures.push(format!("{name}: {key} missing")),
            }
        }
    }

    /// Print the summary and fail with the list of mismatches.
    pub fn finish(&self, title: &str) {
        eprintln!("{title}: {} values compared", self.compared);
        for (class, (r, what)) in &self.max_rel {
            eprintln!("  max relative difference {class:<12} {r:.3e}  ({what})");
        }
        for (feature, (count, largest, what)) in &self.eigen_noise {
            eprintln!(
                "  shape_{feature}: radscore's exact 0 (voxel centres on a plane or a line) against \
                 pyradiomics' eigen-solver noise in {count} run(s), at most {largest:.3e} ({what})"
            );
        }
        if !self.failures.is_empty() {
            let shown: Vec<&String> = self.failures.iter().take(40).collect();
            panic!(
                "{title}: {} of {} values differ beyond 1e-6 relative / 1e-9 absolute:\n{}",
                self.failures.len(),
                self.compared,
                shown.iter().map(|s| s.as_str()).collect::<Vec<_>>().join("\n")
            );
        }
        assert!(self.compared > 0, "{title}: nothing was compared");
    }
}

/// pyradiomics' filter outputs (`tests/oracle/filters.py`) for `(image, image type, its
/// settings)` cases: per case, every derived image as (name, voxels, SimpleITK pixel type).
pub fn filter_oracle(
    py: &Path,
    dir: &str,
    cases: &[(&radscore::Image, &str, &serde_json::Value)],
) -> Vec<Vec<(String, Vec<f64>, String)>> {
    let root = temp_dir(dir);
    let mut paths: Vec<PathBuf> = Vec::new();
    for (i, (image, kind, kwargs)) in cases.iter().enumerate() {
        let d = root.join(format!("case{i}"));
        std::fs::create_dir_all(&d).unwrap();
        let values: Vec<f64> = image.values().iter().copied().collect();
        write_f64(&d.join("image.f64"), &values);
        let (nz, ny, nx) = image.values().dim();
        let case = serde_json::json!({
            "shape": [nz, ny, nx],
            "spacing": image.geometry.spacing,
            "image": "image.f64",
            "image_dtype": image.pixel_type.numpy_name(),
            "kind": kind,
            "settings": kwargs,
        });
        let p = d.join("case.json");
        std::fs::write(&p, serde_json::to_vec(&case).unwrap()).unwrap();
        paths.push(p);
    }
    let args: Vec<&str> = paths.iter().map(|p| p.to_str().unwrap()).collect();
    let out = run_oracle(py, "filters.py", &args);
    read_filter_outputs(&out, &paths)
}

/// The images a filter oracle wrote beside each case (`{"cases": [{"outputs": [...]}]}`):
/// per case, (name, voxels as float64, SimpleITK pixel type) in yield order.
pub fn read_filter_outputs(out: &serde_json::Value, cases: &[PathBuf]) -> Vec<Vec<(String, Vec<f64>, String)>> {
    out["cases"]
        .as_array()
        .unwrap()
        .iter()
        .zip(cases)
        .map(|(c, p)| {
            c["outputs"]
                .as_array()
                .unwrap()
                .iter()
                .map(|o| {
                    let file = p.parent().unwrap().join(o["file"].as_str().unwrap());
                    let bytes = std::fs::read(file).unwrap();
                    let v = bytes
                        .chunks_exact(8)
                        .map(|b| f64::from_le_bytes(b.try_into().unwrap()))
                        .collect();
                    (
                        o["name"].as_str().unwrap().to_string(),
                        v,
                        o["pixel_type"].as_str().unwrap().to_string(),
                    )
                })
                .collect()
        })
        .collect()
}

/// SimpleITK's name of a pixel type (`GetPixelIDTypeAsString`).
pub fn sitk_type(p: radscore::image::PixelType) -> &'static str {
    use radscore::image::PixelType;
    match p {
        PixelType::F32 => "32-bit float",
        PixelType::F64 => "64-bit float",
        PixelType::U8 => "8-bit unsigned integer",
        PixelType::I8 => "8-bit signed integer",
        PixelType::U16 => "16-bit unsigned integer",
        PixelType::I16 => "16-bit signed integer",
        PixelType::U32 => "32-bit unsigned integer",
        PixelType::I32 => "32-bit signed integer",
        PixelType::U64 => "64-bit unsigned integer",
        PixelType::I64 => "64-bit signed integer",
    }
}
