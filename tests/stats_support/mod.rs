//! Helpers for the statistics tests: where the R reference data sets are and a tiny CSV reader
//! (the data files have a header row, no quoted commas).
#![allow(dead_code)]

use std::path::PathBuf;

#[path = "../common/mod.rs"]
mod common;
#[allow(unused_imports)]
pub use common::{Rng, close, oracle_python, rel_diff, run_oracle, temp_dir};

/// `shared/data/stats` (R reference data), or `None` (printed SKIPPED) when absent.
pub fn stats_data() -> Option<PathBuf> {
    let dir = common::shared_dir()?.join("data/stats");
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!("SKIPPED: {} not found", dir.display());
        None
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
