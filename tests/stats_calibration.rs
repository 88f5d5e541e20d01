//! Calibration against R: `lowess(cars)` (shared/data/stats/cars_lowess_R.csv, R output quoted in
//! OpenMS's FastLowessSmoothing test), `hoslem.test` on mtcars `glm(am ~ hp + wt)` with g = 6
//! (R printed X-squared = 2.3502, df = 4, p-value = 0.6717; REFERENCE_VALUES.md, mtcars row),
//! calibration intercept/slope and Brier against statsmodels; decision curves against R dcurves
//! outputs (shared/data/stats/dcurves/r_dca_famhistory.csv, r_case3_results.csv).

#![allow(clippy::needless_range_loop)] // index loops over parallel reference arrays read clearer

mod stats_support;
use nalgebra::DMatrix;
use radscore::stats::calibration::{calibration_curve, calibration_stats, hosmer_lemeshow, lowess};
use radscore::stats::dca::{decision_curve, default_thresholds};
use radscore::stats::logistic::LogisticRegression;
use radscore::stats::{Fit, Predict};
use stats_support::*;

#[test]
fn lowess_matches_r_on_cars() {
    let Some(dir) = stats_data() else { return };
    let csv = Csv::read(&dir.join("cars_lowess_R.csv"));
    let (speed, dist, expected) = (
        csv.numbers("speed"),
        csv.numbers("dist"),
        csv.numbers("R_lowess_f2_3_iter3"),
    );
    let (xs, ys) = lowess(&speed, &dist, 2.0 / 3.0, 3, None).unwrap();
    let mut max_rel = 0.0f64;
    for i in 0..xs.len() {
        assert_eq!(xs[i], speed[i]); // cars is sorted by speed
        // The R values are printed with 15 significant digits.
        max_rel = max_rel.max(assert_rel(&format!("lowess[{i}]"), ys[i], expected[i], 1e-12));
    }
    println!("lowess(cars) max rel diff vs R: {max_rel:.2e}");
}

#[test]
fn hosmer_lemeshow_matches_resourceselection_on_mtcars() {
    let Some(dir) = stats_data() else { return };
    let csv = Csv::read(&dir.join("mtcars.csv"));
    let (hp, wt) = (csv.numbers("hp"), csv.numbers("wt"));
    let y: Vec<bool> = csv.numbers("am").iter().map(|&v| v == 1.0).collect();
    let x = DMatrix::from_fn(hp.len(), 2, |i, j| if j == 0 { hp[i] } else { wt[i] });
    let p = LogisticRegression::default()
        .fit(&x, &y)
        .unwrap()
        .predict_proba(&x)
        .unwrap();
    let hl = hosmer_lemeshow(&p, &y, 6).unwrap();
    assert_printed("X-squared (g=6)", hl.statistic, 2.3502, 4);
    assert_eq!(hl.df, 4.0);
    assert_printed("p (g=6)", hl.p_value, 0.6717, 4);
    // g = 10: the port of ResourceSelection 0.3-6 (not an R print) gives 4.9517, df 8, p 0.7627.
    let hl = hosmer_lemeshow(&p, &y, 10).unwrap();
    assert_printed("X-squared (g=10)", hl.statistic, 4.9517, 4);
    assert_eq!(hl.df, 8.0);
    assert_printed("p (g=10)", hl.p_value, 0.7627, 4);
}

#[test]
fn calibration_intercept_slope_brier_match_statsmodels() {
    let Some(python) = oracle_python(&["statsmodels"]) else {
        return;
    };
    let mut max_rel = 0.0f64;
    for seed in 1..=4u64 {
        let mut rng = Rng(seed);
        let n = 60 * seed as usize;
        let mut p = Vec::with_capacity(n);
        let mut y = Vec::with_capacity(n);
        for _ in 0..n {
            let lp = rng.normal() * 1.5;
            // Miscalibrated on purpose: the truth is 0.3 + 0.7·lp.
            p.push(1.0 / (1.0 + (-lp).exp()));
            y.push(rng.uniform() < 1.0 / (1.0 + (-(0.3 + 0.7 * lp)).exp()));
        }
        let out = run_oracle_json(
            &python,
            "stats_misc.py",
            &serde_json::json!({"task": "calibration", "p": p, "y": y.iter().map(|&b| b as u8).collect::<Vec<_>>()}),
        );
        let c = calibration_stats(&p, &y).unwrap();
        max_rel = max_rel.max(assert_rel(
            "intercept",
            c.intercept,
            out["intercept"].as_f64().unwrap(),
            1e-6,
        ));
        max_rel = max_rel.max(assert_rel("slope", c.slope, out["slope"].as_f64().unwrap(), 1e-6));
        max_rel = max_rel.max(assert_rel("brier", c.brier, out["brier"].as_f64().unwrap(), 1e-12));
        assert!(c.emax >= c.e90 && c.e90 >= 0.0 && c.eavg <= c.emax);
        let curve = calibration_curve(&p, &y, &[0.2, 0.5, 0.8]).unwrap();
        assert!(curve.iter().all(|v| v.is_finite()));
    }
    println!("max rel diff vs statsmodels: {max_rel:.2e}");
}

fn dcurves_reference(file: &str, variable: &str) -> Option<(Vec<f64>, Vec<f64>, Vec<f64>)> {
    let csv = Csv::read(&stats_data()?.join("dcurves").join(file));
    let var = csv.strings("variable");
    let keep: Vec<usize> = (0..var.len()).filter(|&i| var[i] == variable).collect();
    let t = csv.numbers("threshold");
    let nb = csv.numbers("net_benefit");
    let tp = csv.numbers("tp_rate");
    Some((
        keep.iter().map(|&i| t[i]).collect(),
        keep.iter().map(|&i| nb[i]).collect(),
        keep.iter().map(|&i| tp[i]).collect(),
    ))
}

#[test]
fn decision_curves_match_r_dcurves() {
    let Some(dir) = stats_data() else { return };
    let data = Csv::read(&dir.join("dcurves/df_cancer_dx.csv"));
    let cancer: Vec<bool> = data.numbers("cancer").iter().map(|&v| v == 1.0).collect();
    let famhistory = data.numbers("famhistory");
    // dca(cancer ~ famhistory, data = df_cancer_dx): thresholds seq(0, .99, .01)
    let curve = decision_curve(&famhistory, &cancer, &default_thresholds(), 0.0).unwrap();
    let mut max_abs = 0.0f64;
    for (variable, ours) in [
        ("famhistory", &curve.model),
        ("all", &curve.treat_all),
        ("none", &curve.treat_none),
    ] {
        let (t, nb, tp) = dcurves_reference("r_dca_famhistory.csv", variable).unwrap();
        assert_eq!(ours.len(), t.len());
        for k in 0..t.len() {
            assert!((ours[k].threshold - t[k]).abs() < 1e-15);
            let d = (ours[k].net_benefit - nb[k]).abs();
            max_abs = max_abs.max(d);
            assert!(
                d <= 1e-12 * (1.0 + nb[k].abs()),
                "{variable} pt {}: ours {} R {}",
                t[k],
                ours[k].net_benefit,
                nb[k]
            );
            assert!((ours[k].tp_rate - tp[k]).abs() < 1e-14);
        }
    }
    // dca(cancer ~ marker, as_probability = "marker", harm = list(marker = 0.0333), thresholds 0..0.35):
    // dcurves converts marker to a probability with glm(cancer ~ marker, binomial).
    let marker = data.numbers("marker");
    let x = DMatrix::from_column_slice(marker.len(), 1, &marker);
    let risk = LogisticRegression::default()
        .fit(&x, &cancer)
        .unwrap()
        .predict_proba(&x)
        .unwrap();
    let thresholds: Vec<f64> = (0..36).map(|i| i as f64 * 0.01).collect();
    let curve = decision_curve(&risk, &cancer, &thresholds, 0.0333).unwrap();
    let (t, nb, _) = dcurves_reference("r_case3_results.csv", "marker").unwrap();
    for k in 0..t.len() {
        let d = (curve.model[k].net_benefit - nb[k]).abs();
        max_abs = max_abs.max(d);
        assert!(
            d <= 1e-9,
            "marker pt {}: ours {} R {}",
            t[k],
            curve.model[k].net_benefit,
            nb[k]
        );
    }
    println!("max abs net-benefit diff vs R dcurves: {max_abs:.2e}");
}
