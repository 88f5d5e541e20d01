//! Bootstrap against the Python reference implementation's numbers on aSAH with shared resample
//! indices (shared/data/stats/asah_boot_idx_1000_seed2024.csv; REFERENCE_VALUES.md: logistic
//! s100b + ndka + age, apparent AUC 0.77507, optimism 0.01549, corrected 0.75958 — not R numbers,
//! R's RNG cannot be reproduced), plus the percentile CI and the one-class edge case.

mod stats_support;
use nalgebra::DMatrix;
use radscore::stats::bootstrap::{Resamples, bootstrap_auc_ci, calibration_bootstrap, optimism_bootstrap};
use radscore::stats::calibration::rms_calibration_grid;
use radscore::stats::logistic::LogisticRegression;
use radscore::stats::roc::auc;
use radscore::stats::{Fit, Predict};
use stats_support::*;

type AsahData = (DMatrix<f64>, Vec<bool>, Vec<Vec<usize>>);

fn asah() -> Option<AsahData> {
    let dir = stats_data()?;
    let csv = Csv::read(&dir.join("aSAH.csv"));
    let y: Vec<bool> = csv.strings("outcome").iter().map(|s| s == "Poor").collect();
    let cols = [csv.numbers("s100b"), csv.numbers("ndka"), csv.numbers("age")];
    let x = DMatrix::from_fn(y.len(), 3, |i, j| cols[j][i]);
    let text = std::fs::read_to_string(dir.join("asah_boot_idx_1000_seed2024.csv")).unwrap();
    let sets = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.split(',').map(|v| v.trim().parse::<usize>().unwrap()).collect())
        .collect();
    Some((x, y, sets))
}

#[test]
fn harrell_optimism_matches_reference_on_shared_indices() {
    let Some((x, y, sets)) = asah() else { return };
    assert_eq!(sets.len(), 1000);
    let procedure = |x: &DMatrix<f64>, y: &[bool]| LogisticRegression::default().fit(x, y);
    let r = optimism_bootstrap(&x, &y, procedure, &Resamples::Given(sets)).unwrap();
    assert_printed("apparent", r.apparent, 0.77507, 5);
    assert_printed("optimism", r.optimism, 0.01549, 5);
    assert_printed("corrected", r.corrected, 0.75958, 5);
    assert_eq!(r.used + r.skipped_one_class + r.failed, 1000);
    println!("used {} skipped {} failed {}", r.used, r.skipped_one_class, r.failed);
}

#[test]
fn percentile_ci_and_one_class_resamples() {
    let Some((x, y, sets)) = asah() else { return };
    let s100b: Vec<f64> = x.column(0).iter().copied().collect();
    let ci = bootstrap_auc_ci(&s100b, &y, &Resamples::Given(sets.clone()), 0.95).unwrap();
    assert_rel("auc", ci.auc, 0.731368563685637, 1e-13); // pROC test-auc.R
    assert!(ci.lower < ci.median && ci.median < ci.upper && ci.lower > 0.6 && ci.upper < 0.85);
    // Independent check of the quantiles: recompute the resample AUCs and R's type-7 quantile.
    let mut aucs: Vec<f64> = sets
        .iter()
        .map(|s| {
            let sc: Vec<f64> = s.iter().map(|&i| s100b[i]).collect();
            let t: Vec<bool> = s.iter().map(|&i| y[i]).collect();
            auc(&sc, &t).unwrap()
        })
        .collect();
    aucs.sort_by(f64::total_cmp);
    let h: f64 = 999.0 * 0.025;
    let expected = aucs[h as usize] + (h - h.floor()) * (aucs[h as usize + 1] - aucs[h as usize]);
    assert_rel("lower", ci.lower, expected, 1e-14);
    // Resamples with one class are skipped and counted.
    let mut with_bad = sets[..10].to_vec();
    let case = y.iter().position(|&v| v).unwrap();
    with_bad.push(vec![case; y.len()]);
    let ci = bootstrap_auc_ci(&s100b, &y, &Resamples::Given(with_bad.clone()), 0.95).unwrap();
    assert_eq!((ci.used, ci.skipped), (10, 1));
    let procedure = |x: &DMatrix<f64>, y: &[bool]| LogisticRegression::default().fit(x, y);
    let r = optimism_bootstrap(&x, &y, procedure, &Resamples::Given(with_bad)).unwrap();
    assert_eq!((r.used, r.skipped_one_class), (10, 1));
    // Seeded stratified resamples keep both classes and are reproducible.
    let seeded = Resamples::Seeded {
        b: 200,
        seed: 11,
        stratified: true,
    };
    let a = bootstrap_auc_ci(&s100b, &y, &seeded, 0.95).unwrap();
    let b = bootstrap_auc_ci(&s100b, &y, &seeded, 0.95).unwrap();
    assert_eq!(a, b);
    assert_eq!(a.skipped, 0);
    let e = bootstrap_auc_ci(&s100b, &y, &Resamples::Given(vec![vec![200; y.len()]]), 0.95).unwrap_err();
    assert!(e.to_string().contains("index 200"), "{e}");
}

#[test]
fn calibration_curves() {
    let Some((x, y, sets)) = asah() else { return };
    let procedure = |x: &DMatrix<f64>, y: &[bool]| LogisticRegression::default().fit(x, y);
    let p = procedure(&x, &y).unwrap().predict_proba(&x).unwrap();
    let grid = rms_calibration_grid(&p);
    assert_eq!(grid.len(), 50);
    let c = calibration_bootstrap(&x, &y, procedure, &Resamples::Given(sets[..100].to_vec()), &grid).unwrap();
    assert_eq!(c.used, 100);
    assert!(c.apparent.iter().chain(&c.bias_corrected).all(|v| v.is_finite()));
}
