//! Helpers for the statistics tests: where the R reference data sets are and a tiny CSV reader
//! (the data files have a header row, no quoted commas).
#![allow(dead_code)]

use std::path::{Path, PathBuf};

fn missing(why: &str) {
    if std::env::var("RADSCORE_REQUIRE_ALL").as_deref() == Ok("1") {
        panic!("{why}");
    }
    eprintln!("SKIPPED: {why}");
}

/// `shared/data/stats` (R reference data) under `RADSCORE_SHARED` or `../shared`, or `None`
/// (printed SKIPPED; a failure under `RADSCORE_REQUIRE_ALL=1`) when absent.
pub fn stats_data() -> Option<PathBuf> {
    let shared = std::env::var_os("RADSCORE_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared"));
    let dir = shared.join("data/stats");
    if dir.is_dir() {
        Some(dir)
    } else {
        missing(&format!(
            "R reference data not found at {} (set RADSCORE_SHARED)",
            dir.display()
        ));
        None
    }
}

/// The oracle Python (`RADSCORE_PYTHON`) if it can import every module named, else `None` with
/// the reason printed.
pub fn oracle_python(modules: &[&str]) -> Option<PathBuf> {
    let python = match std::env::var_os("RADSCORE_PYTHON") {
        Some(p) if Path::new(&p).exists() => PathBuf::from(p),
        _ => {
            missing("oracle python not available (set RADSCORE_PYTHON)");
            return None;
        }
    };
    let probe = format!("import {}", modules.join(", "));
    let ok = std::process::Command::new(&python)
        .args(["-c", &probe])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if ok {
        Some(python)
    } else {
        missing(&format!(
            "oracle python cannot `{probe}` (pip install them into the oracle venv)"
        ));
        None
    }
}

/// Run `tests/oracle/<script>` with a JSON document on stdin; parse its JSON stdout.
pub fn run_oracle_json(python: &Path, script: &str, input: &serde_json::Value) -> serde_json::Value {
    use std::io::Write;
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/oracle").join(script);
    let mut child = std::process::Command::new(python)
        .arg(&path)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("cannot start the oracle python");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.to_string().as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "oracle {script} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("oracle printed no JSON")
}

/// Deterministic pseudo-random numbers (SplitMix64) for generated data sets.
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
    /// Standard normal (Box–Muller).
    pub fn normal(&mut self) -> f64 {
        let u1 = self.uniform().max(1e-300);
        let u2 = self.uniform();
        (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
    }
}

/// A CSV table: header and rows of raw cells.
pub struct Csv {
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

impl Csv {
    pub fn read(path: &std::path::Path) -> Csv {
        let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let mut lines = text.lines().filter(|l| !l.trim().is_empty());
        let header = lines
            .next()
            .unwrap()
            .split(',')
            .map(|s| s.trim().trim_matches('"').to_string())
            .collect();
        let rows = lines
            .map(|l| l.split(',').map(|s| s.trim().trim_matches('"').to_string()).collect())
            .collect();
        Csv { header, rows }
    }

    pub fn index(&self, name: &str) -> usize {
        self.header
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("no column {name}"))
    }

    pub fn strings(&self, name: &str) -> Vec<String> {
        let j = self.index(name);
        self.rows.iter().map(|r| r[j].clone()).collect()
    }

    pub fn numbers(&self, name: &str) -> Vec<f64> {
        let j = self.index(name);
        self.rows
            .iter()
            .map(|r| r[j].parse::<f64>().unwrap_or(f64::NAN))
            .collect()
    }
}

/// Assert |ours − r| ≤ tol·|r| (or ≤ abs_tol near zero), printing both; returns the relative difference.
#[track_caller]
pub fn assert_rel(what: &str, ours: f64, r: f64, tol: f64) -> f64 {
    let diff = (ours - r).abs();
    let rel = if r == 0.0 { diff } else { diff / r.abs() };
    assert!(
        diff <= tol * r.abs().max(1e-300) || diff <= 1e-12,
        "{what}: ours {ours:.15e}, R {r:.15e}, rel {rel:.3e}"
    );
    println!("{what}: ours {ours:.12e} R {r:.12e} rel {rel:.2e}");
    rel
}

/// Assert agreement to the printed precision of an R value: |ours − r| ≤ half a unit in the last
/// printed decimal place (`decimals` digits after the point).
#[track_caller]
pub fn assert_printed(what: &str, ours: f64, r: f64, decimals: i32) {
    let half_unit = 0.5 * 10f64.powi(-decimals) * (1.0 + 1e-9);
    assert!(
        (ours - r).abs() <= half_unit,
        "{what}: ours {ours:.12}, R printed {r} ({decimals} decimals)"
    );
    println!("{what}: ours {ours:.10} R {r} (printed, {decimals} dp) ok");
}
