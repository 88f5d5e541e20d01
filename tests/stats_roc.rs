//! ROC / DeLong against pROC on the aSAH data set (72 Good = controls, 41 Poor = cases).
//! Expected values: pROC 1.19 tests (test-auc.R, test-var.R, test-ci.auc.R, test-cov.R,
//! test-roc.test.R, test-coords.R) as quoted in shared/data/stats/REFERENCE_VALUES.md ("aSAH.csv" row).

#![allow(clippy::needless_range_loop)] // index loops over parallel reference arrays read clearer

mod stats_support;
use radscore::stats::roc::{Direction, Roc, delong_covariance, delong_test, roc};
use stats_support::*;

type Asah = (Vec<bool>, Vec<f64>, Vec<f64>, Vec<f64>);

fn asah() -> Option<Asah> {
    let csv = Csv::read(&stats_data()?.join("aSAH.csv"));
    let outcome: Vec<bool> = csv.strings("outcome").iter().map(|s| s == "Poor").collect();
    Some((outcome, csv.numbers("wfns"), csv.numbers("ndka"), csv.numbers("s100b")))
}

fn rocs() -> Option<(Roc, Roc, Roc)> {
    let (y, wfns, ndka, s100b) = asah()?;
    // pROC's default direction="auto" picks "<" for all three markers on aSAH.
    let r = |x: &[f64]| roc(x, &y, Direction::Auto).unwrap();
    Some((r(&wfns), r(&ndka), r(&s100b)))
}

#[test]
fn auc_matches_proc() {
    let Some((wfns, ndka, s100b)) = rocs() else { return };
    // pROC test-auc.R (REFERENCE_VALUES.md, aSAH row)
    assert_rel("AUC wfns", wfns.auc, 0.823678861788618, 1e-13);
    assert_rel("AUC ndka", ndka.auc, 0.611957994579946, 1e-13);
    assert_rel("AUC s100b", s100b.auc, 0.731368563685637, 1e-13);
    for r in [&wfns, &ndka, &s100b] {
        assert_eq!(r.direction, Direction::ControlsLower);
        assert_eq!((r.n_cases, r.n_controls), (41, 72));
    }
}

#[test]
fn delong_variance_and_ci_match_proc() {
    let Some((wfns, ndka, s100b)) = rocs() else { return };
    // pROC test-var.R
    assert_rel("var wfns", wfns.delong_variance(), 0.00146991470882363, 1e-12);
    assert_rel("var ndka", ndka.delong_variance(), 0.0031908105493913, 1e-12);
    assert_rel("var s100b", s100b.delong_variance(), 0.00266868245717244, 1e-12);
    // pROC test-ci.auc.R: ci.auc(ndka) = 0.501244999271703 / 0.611957994579946 / 0.722670989888189
    let (lo, hi) = ndka.delong_ci(0.95).unwrap();
    assert_rel("ci ndka lo", lo, 0.501244999271703, 1e-12);
    assert_rel("ci ndka hi", hi, 0.722670989888189, 1e-12);
    // pROC documentation: s100b 95% CI 0.6301-0.8326 (4 decimals)
    let (lo, hi) = s100b.delong_ci(0.95).unwrap();
    assert_printed("ci s100b lo", lo, 0.6301, 4);
    assert_printed("ci s100b hi", hi, 0.8326, 4);
}

#[test]
fn delong_covariances_and_paired_tests_match_proc() {
    let Some((wfns, ndka, s100b)) = rocs() else { return };
    // pROC test-cov.R
    assert_rel(
        "cov(wfns,ndka)",
        delong_covariance(&wfns, &ndka).unwrap(),
        -0.000532967856762438,
        1e-12,
    );
    assert_rel(
        "cov(ndka,s100b)",
        delong_covariance(&ndka, &s100b).unwrap(),
        -0.000756164938056579,
        1e-12,
    );
    assert_rel(
        "cov(s100b,wfns)",
        delong_covariance(&s100b, &wfns).unwrap(),
        0.00119615567376754,
        1e-12,
    );
    // pROC test-roc.test.R
    let t = delong_test(&wfns, &s100b, 0.95).unwrap();
    assert_rel("Z wfns-s100b", t.z, 2.20898359144091, 1e-12);
    assert_rel("p wfns-s100b", t.p_value, 0.0271757822291882, 1e-11);
    assert_rel("CI lo wfns-s100b", t.diff_ci.0, 0.0104061769564846, 1e-11);
    assert_rel("CI hi wfns-s100b", t.diff_ci.1, 0.174214419249478, 1e-12);
    let t = delong_test(&wfns, &ndka, 0.95).unwrap();
    assert_rel("Z wfns-ndka", t.z, 2.79777591868904, 1e-12);
    assert_rel("p wfns-ndka", t.p_value, 0.00514557970691098, 1e-11);
    let t = delong_test(&ndka, &s100b, 0.95).unwrap();
    assert_rel("Z ndka-s100b", t.z, -1.39077002573558, 1e-12);
    assert_rel("p ndka-s100b", t.p_value, 0.164295175223054, 1e-11);
}

#[test]
fn youden_best_matches_proc_coords() {
    let Some((_, _, s100b)) = rocs() else { return };
    // pROC test-coords.R "coords with best threshold works" / "returns the correct basic values":
    // best threshold 0.205 with tp 26, fp 14, tn 58, fn 15.
    let best = s100b.youden_best();
    assert_eq!(best.len(), 1);
    let b = &best[0];
    assert!((b.threshold - 0.205).abs() < 1e-12, "threshold {}", b.threshold);
    assert_eq!(
        (b.true_positives, b.false_positives, b.true_negatives, b.false_negatives),
        (26, 14, 58, 15)
    );
    assert_rel("sensitivity", b.sensitivity, 26.0 / 41.0, 1e-15);
    assert_rel("specificity", b.specificity, 58.0 / 72.0, 1e-15);
    assert_rel("ppv", b.ppv, 26.0 / 40.0, 1e-15);
    assert_rel("npv", b.npv, 58.0 / 73.0, 1e-15);
    // test-coords.R: coords(r.s100b, "all") has 51 rows; "local maximas" thresholds are midpoints
    // such as 0x1.a3d70a3d70a3ep-3 (= 0.205 as (0.2 + 0.21)/2 in binary64).
    let points = s100b.points();
    assert_eq!(points.len(), 51);
    assert_eq!(
        b.threshold.to_bits(),
        0x3FCA3D70A3D70A3E_u64,
        "threshold bits {:x}",
        b.threshold.to_bits()
    );
    let at = s100b.at_threshold(0.205);
    assert_eq!((at.true_positives, at.false_positives), (26, 14));
}

#[test]
fn ties_and_reversed_direction() {
    // Ties between cases and controls count ½: scores {1,2,2,3}; cases {2,3}, controls {1,2}:
    // pairs (2>1)=1, (2=2)=½, (3>1)=1, (3>2)=1 → AUC = 3.5/4.
    let y = [false, false, true, true];
    let r = roc(&[1.0, 2.0, 2.0, 3.0], &y, Direction::ControlsLower).unwrap();
    assert_eq!(r.auc, 0.875);
    // Reversed direction on negated scores gives the same AUC and the thresholds back on the original scale.
    let rr = roc(&[-1.0, -2.0, -2.0, -3.0], &y, Direction::ControlsHigher).unwrap();
    assert_eq!(rr.auc, 0.875);
    let best = rr.youden_best();
    let fwd = r.youden_best();
    assert_eq!(best.len(), fwd.len());
    for (a, b) in best.iter().zip(&fwd) {
        assert_eq!(a.threshold, -b.threshold);
        assert_eq!(a.sensitivity, b.sensitivity);
    }
    // Auto flips a predictor whose controls score higher, as pROC does.
    let auto = roc(&[3.0, 2.0, 1.0, 0.0], &y, Direction::Auto).unwrap();
    assert_eq!(auto.direction, Direction::ControlsHigher);
    assert_eq!(auto.auc, 1.0);
    let fixed = roc(&[3.0, 2.0, 1.0, 0.0], &y, Direction::ControlsLower).unwrap();
    assert_eq!(fixed.auc, 0.0);
}

#[test]
fn errors_name_the_problem() {
    let e = roc(&[1.0, f64::NAN, 2.0], &[true, false, true], Direction::ControlsLower).unwrap_err();
    assert!(e.to_string().contains("row 2"), "{e}");
    let e = roc(&[1.0, 2.0], &[true, true], Direction::ControlsLower).unwrap_err();
    assert!(e.to_string().contains("0 control"), "{e}");
}
