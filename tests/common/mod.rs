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
    missing(&format!("reference data not found at {} (set RADSCORE_SHARED)", dir.display()));
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
        panic!("oracle {script} printed no JSON ({e}): {}", String::from_utf8_lossy(&out.stdout))
    })
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

/// Relative difference (0 if both are within 1e-9 absolute).
pub fn rel_diff(ours: f64, theirs: f64) -> f64 {
    if ours.is_nan() && theirs.is_nan() {
        return 0.0;
    }
    let diff = (ours - theirs).abs();
    if diff <= 1e-9 { 0.0 } else { diff / theirs.abs().max(1e-300) }
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
