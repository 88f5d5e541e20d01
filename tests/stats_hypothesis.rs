//! chisq.test and wilcox.test against R's documented examples and scipy on generated data.

mod stats_support;
use radscore::stats::distributions::{pnorm, pnorm_upper, qf, qnorm};
use radscore::stats::hypothesis::{chisq_test, wilcox_test};
use stats_support::*;

#[test]
fn r_documented_examples() {
    // R ?chisq.test: M <- as.table(rbind(c(762, 327, 468), c(484, 239, 477))); chisq.test(M)
    // prints X-squared = 30.07, df = 2, p-value = 2.954e-07
    let t = chisq_test(&[vec![762.0, 327.0, 468.0], vec![484.0, 239.0, 477.0]], true).unwrap();
    assert_printed("X-squared", t.statistic, 30.07, 2);
    assert_eq!(t.df, 2.0);
    assert_rel("p", t.p_value, 2.954e-07, 2e-4);
    assert!(!t.corrected); // Yates only for 2 × 2
    // R ?wilcox.test: x <- c(0.80, 0.83, 1.89, 1.04, 1.45, 1.38, 1.91, 1.64, 0.73, 1.46);
    // y <- c(1.15, 0.88, 0.90, 0.74, 1.21); wilcox.test(x, y, alternative = "g") gives W = 35,
    // p-value = 0.1272 (one-sided); two-sided is twice that: 0.2544.
    let x = [0.80, 0.83, 1.89, 1.04, 1.45, 1.38, 1.91, 1.64, 0.73, 1.46];
    let y = [1.15, 0.88, 0.90, 0.74, 1.21];
    let w = wilcox_test(&x, &y).unwrap();
    assert_eq!(w.statistic, 35.0);
    assert!(w.exact);
    assert_printed("p two-sided", w.p_value, 0.2544, 4);
    // Distribution helpers against R: qnorm(0.975) = 1.959963984540054, pnorm(-1.96) = 0.0249978951482204,
    // pnorm(8, lower.tail = FALSE) = 6.22096057427178e-16, qf(0.975, 19, 39.7456) via scipy 2.03...
    assert_rel("qnorm", qnorm(0.975), 1.959963984540054, 1e-15);
    assert_rel("pnorm", pnorm(-1.96), 0.0249978951482204, 1e-13);
    assert_rel("pnorm upper", pnorm_upper(8.0), 6.22096057427178e-16, 1e-12);
    assert!(qf(0.975, 5.0, 15.0) > 3.0);
}

#[test]
fn generated_tables_and_samples_match_scipy() {
    let Some(python) = oracle_python(&["scipy"]) else {
        return;
    };
    let mut rng = Rng(3);
    let mut max_rel = 0.0f64;
    for (r, c, correct) in [
        (2usize, 2usize, true),
        (2, 2, false),
        (3, 4, true),
        (2, 3, true),
        (5, 2, false),
    ] {
        let table: Vec<Vec<f64>> = (0..r)
            .map(|_| (0..c).map(|_| (rng.uniform() * 40.0).floor() + 1.0).collect())
            .collect();
        let out = run_oracle_json(
            &python,
            "stats_misc.py",
            &serde_json::json!({"task": "chisq", "table": table, "correct": correct}),
        );
        let t = chisq_test(&table, correct).unwrap();
        max_rel = max_rel.max(assert_rel(
            "chisq",
            t.statistic,
            out["statistic"].as_f64().unwrap(),
            1e-12,
        ));
        max_rel = max_rel.max(assert_rel("chisq p", t.p_value, out["p"].as_f64().unwrap(), 1e-9));
    }
    for (nx, ny, rounded) in [
        (8usize, 12usize, false),
        (30, 45, false),
        (60, 40, false),
        (20, 25, true),
        (5, 3, false),
    ] {
        let x: Vec<f64> = (0..nx)
            .map(|_| rng.normal())
            .map(|v| if rounded { (v * 2.0).round() } else { v })
            .collect();
        let y: Vec<f64> = (0..ny)
            .map(|_| rng.normal() + 0.5)
            .map(|v| if rounded { (v * 2.0).round() } else { v })
            .collect();
        let out = run_oracle_json(
            &python,
            "stats_misc.py",
            &serde_json::json!({"task": "wilcox", "x": x, "y": y}),
        );
        let w = wilcox_test(&x, &y).unwrap();
        assert_eq!(w.exact, out["exact"].as_bool().unwrap());
        max_rel = max_rel.max(assert_rel("W", w.statistic, out["statistic"].as_f64().unwrap(), 1e-12));
        max_rel = max_rel.max(assert_rel("wilcox p", w.p_value, out["p"].as_f64().unwrap(), 1e-9));
    }
    println!("max rel diff vs scipy: {max_rel:.2e}");
}
