//! R's pretty() on values whose R output is well known, and the rms nomogram rules on the mtcars
//! glm (points checked against the definitions in shared/docs/STATISTICS.md §1 "Nomogram").

mod stats_support;
use nalgebra::DMatrix;
use radscore::stats::logistic::LogisticRegression;
use radscore::stats::nomogram::nomogram;
use radscore::stats::pretty::pretty;
use radscore::stats::{Fit, Predict};
use stats_support::*;

#[test]
fn pretty_matches_r() {
    // R: pretty(1:10) → 0 2 4 6 8 10; pretty(c(0, 100)) → 0 20 40 60 80 100;
    // pretty(c(-1, 1)) → -1.0 -0.5 0.0 0.5 1.0; pretty(c(0, 1), 10) → 0.0 0.1 ... 1.0;
    // pretty(c(52, 335), 10) → 50 100 ... 350; pretty(c(1.513, 5.424), 10) → 1.5 2.0 ... 5.5;
    assert_eq!(pretty(&[1.0, 10.0], 5), vec![0.0, 2.0, 4.0, 6.0, 8.0, 10.0]);
    assert_eq!(pretty(&[0.0, 100.0], 5), vec![0.0, 20.0, 40.0, 60.0, 80.0, 100.0]);
    assert_eq!(pretty(&[-1.0, 1.0], 5), vec![-1.0, -0.5, 0.0, 0.5, 1.0]);
    let tenths = pretty(&[0.0, 1.0], 10);
    assert_eq!(tenths.len(), 11);
    for (k, v) in tenths.iter().enumerate() {
        assert!((v - k as f64 / 10.0).abs() < 1e-15);
    }
    assert_eq!(
        pretty(&[52.0, 335.0], 10),
        (1..=7).map(|k| 50.0 * k as f64).collect::<Vec<_>>()
    );
    assert_eq!(
        pretty(&[1.513, 5.424], 10),
        (3..=11).map(|k| 0.5 * k as f64).collect::<Vec<_>>()
    );
}

#[test]
fn mtcars_nomogram_points() {
    let Some(dir) = stats_data() else { return };
    let csv = Csv::read(&dir.join("mtcars.csv"));
    let (hp, wt) = (csv.numbers("hp"), csv.numbers("wt"));
    let y: Vec<bool> = csv.numbers("am").iter().map(|&v| v == 1.0).collect();
    let x = DMatrix::from_fn(hp.len(), 2, |i, j| if j == 0 { hp[i] } else { wt[i] });
    let fit = LogisticRegression::default().fit(&x, &y).unwrap();
    let beta: Vec<f64> = fit.coefficients.iter().map(|c| c.estimate).collect();
    let names = vec!["hp".to_string(), "wt".to_string()];
    let nomo = nomogram(&beta, &x, &names).unwrap();
    // hp has > 10 distinct values: axis pretty(range) = 50..350; wt: 1.5..5.5.
    assert_eq!(
        nomo.axes[0].values,
        (1..=7).map(|k| 50.0 * k as f64).collect::<Vec<_>>()
    );
    assert_eq!(nomo.axes[1].values.first(), Some(&1.5));
    assert_eq!(nomo.axes[1].values.last(), Some(&5.5));
    // wt has the widest contribution range (|β_wt|·4 > β_hp·300): it spans 0–100 points,
    // the lightest car getting 100.
    let wt_points = &nomo.axes[1].points;
    assert_rel("wt 1.5", wt_points[0], 100.0, 1e-14);
    assert!(wt_points.last().unwrap().abs() < 1e-12);
    let scale = 100.0 / (beta[2].abs() * 4.0);
    assert_rel("scale", nomo.scale, scale, 1e-14);
    assert_rel(
        "hp 350",
        *nomo.axes[0].points.last().unwrap(),
        beta[1] * 300.0 * scale,
        1e-13,
    );
    // Scoring a car reproduces the model's probability exactly.
    let p = fit.predict_proba(&x).unwrap();
    for i in 0..hp.len() {
        let s = nomo.score(&[hp[i], wt[i]]).unwrap();
        assert_rel("probability", s.probability, p[i], 1e-12);
    }
}
