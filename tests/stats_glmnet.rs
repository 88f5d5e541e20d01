//! LASSO logistic path and cv.glmnet against glmnet: the vignette's BinomialExample assessment
//! (shared/data/stats/REFERENCE_VALUES.md, "glmnet_BinomialExample.csv" row: glmnet 4.1-8 vignette,
//! "Assessing models on test data"), the cv.glmnet replica on glmstar fits
//! (glmnet_BinomialExample_cv_foldmod10.json, not an R run), and glmstar on generated data.

#![allow(clippy::needless_range_loop)] // index loops over parallel reference arrays read clearer

mod stats_support;
use nalgebra::DMatrix;
use radscore::stats::Predict;
use radscore::stats::glmnet::{
    CvMeasure, CvSettings, Folds, LambdaChoice, LassoSettings, assess, cv_glmnet, glmnet_binomial,
};
use stats_support::*;

fn binomial_example() -> Option<(DMatrix<f64>, Vec<bool>)> {
    let csv = Csv::read(&stats_data()?.join("glmnet_BinomialExample.csv"));
    let y: Vec<bool> = csv.numbers("y").iter().map(|&v| v == 1.0).collect();
    let cols: Vec<Vec<f64>> = (1..=30).map(|j| csv.numbers(&format!("V{j}"))).collect();
    Some((DMatrix::from_fn(y.len(), 30, |i, j| cols[j][i]), y))
}

#[test]
fn vignette_five_lambda_assessment() {
    let Some((x, y)) = binomial_example() else { return };
    let train: Vec<usize> = (0..70).collect();
    let test: Vec<usize> = (70..100).collect();
    let settings = LassoSettings {
        nlambda: 5,
        ..Default::default()
    };
    let y_train: Vec<bool> = train.iter().map(|&i| y[i]).collect();
    let fit = glmnet_binomial(&x.select_rows(&train), &y_train, None, &settings).unwrap();
    // λ path 0.249949449 × 10^-k, k = 0..4 (REFERENCE_VALUES.md; λ_max verified in STATISTICS.md §1)
    assert_eq!(fit.lambda.len(), 5);
    for (k, l) in fit.lambda.iter().enumerate() {
        assert_rel(&format!("lambda {k}"), *l, 0.249949449 * 10f64.powi(-(k as i32)), 2e-9);
    }
    // assess.glmnet(fit, newx = x[-(1:70),], newy = y[-(1:70)]) printed by the vignette
    let deviance = [1.3877348, 0.8612331, 1.7948439, 3.0335905, 3.6930687];
    let class = [0.4666667, 0.1666667, 0.2333333, 0.1666667, 0.1666667];
    let auc = [0.5000000, 0.9062500, 0.8482143, 0.8169643, 0.8303571];
    let mse = [0.5006803, 0.2529304, 0.3633411, 0.3514574, 0.3500440];
    let mae = [0.9904762, 0.5114320, 0.4597047, 0.3928790, 0.3767338];
    let x_test = x.select_rows(&test);
    let y_test: Vec<bool> = test.iter().map(|&i| y[i]).collect();
    let links = fit.predict_link(&x_test, &fit.lambda).unwrap();
    for k in 0..5 {
        let prob: Vec<f64> = links[k].iter().map(|e| 1.0 / (1.0 + (-e).exp())).collect();
        let a = assess(&prob, &y_test).unwrap();
        assert_printed(&format!("deviance {k}"), a.deviance, deviance[k], 7);
        assert_printed(&format!("class {k}"), a.class, class[k], 7);
        assert_printed(&format!("auc {k}"), a.auc, auc[k], 7);
        assert_printed(&format!("mse {k}"), a.mse, mse[k], 7);
        assert_printed(&format!("mae {k}"), a.mae, mae[k], 7);
    }
}

#[test]
fn cv_glmnet_matches_replica_on_glmstar() {
    let Some((x, y)) = binomial_example() else { return };
    let Some(dir) = stats_data() else { return };
    let golden: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("glmnet_BinomialExample_cv_foldmod10.json")).unwrap())
            .unwrap();
    let get = |k: &str| -> Vec<f64> { serde_json::from_value(golden[k].clone()).unwrap() };
    let foldid: Vec<usize> = (0..100).map(|i| i % 10 + 1).collect();
    let settings = CvSettings {
        folds: Folds::Given(foldid),
        ..Default::default()
    };
    let cv = cv_glmnet(&x, &y, None, &settings).unwrap();
    let lambda = get("lambda_");
    assert_eq!(cv.lambda.len(), lambda.len(), "number of λ (early stop)");
    let mut max = [0.0f64; 4];
    for l in 0..lambda.len() {
        max[0] = max[0].max(assert_rel("lambda", cv.lambda[l], lambda[l], 1e-9));
        max[1] = max[1].max(assert_rel("cvm", cv.cvm[l], get("cvm")[l], 1e-6));
        max[2] = max[2].max(assert_rel("cvsd", cv.cvsd[l], get("cvsd")[l], 1e-5));
    }
    assert_rel(
        "lambda.min",
        cv.lambda_min,
        golden["lambda_min"].as_f64().unwrap(),
        1e-9,
    );
    assert_rel(
        "lambda.1se",
        cv.lambda_1se,
        golden["lambda_1se"].as_f64().unwrap(),
        1e-9,
    );
    for (choice, a0_key, beta_key) in [
        (LambdaChoice::Min, "a0_min", "beta_min"),
        (LambdaChoice::OneSe, "a0_1se", "beta_1se"),
    ] {
        let m = cv.model(choice);
        assert_rel(a0_key, m.intercept, golden[a0_key].as_f64().unwrap(), 1e-5);
        for (j, b) in get(beta_key).iter().enumerate() {
            let d = (m.coefficients[j] - b).abs();
            max[3] = max[3].max(d);
            assert!(
                d < 1e-5 * (1.0 + b.abs()),
                "{beta_key}[{j}]: ours {} glmstar {b}",
                m.coefficients[j]
            );
            assert_eq!(m.coefficients[j] == 0.0, *b == 0.0, "{beta_key}[{j}] zero pattern");
        }
    }
    let p = cv.model(LambdaChoice::OneSe).predict_proba(&x).unwrap();
    assert!(p.iter().all(|v| *v > 0.0 && *v < 1.0));
    println!(
        "max rel: lambda {:.2e} cvm {:.2e} cvsd {:.2e}; max abs coef diff {:.2e}",
        max[0], max[1], max[2], max[3]
    );
}

#[test]
fn path_matches_glmstar_on_generated_data() {
    let Some(python) = oracle_python(&["glmnet"]) else {
        return;
    };
    let mut max_rel_lambda = 0.0f64;
    let mut max_rel_dev = 0.0f64;
    let mut max_abs_coef = 0.0f64;
    let mut max_rel_dev_ratio = 0.0f64;
    for (seed, n, p) in [(1u64, 80usize, 6usize), (2, 50, 120), (3, 200, 10), (4, 40, 3)] {
        let mut rng = Rng(seed);
        let scales = [1.0, 100.0, 0.01, -5.0];
        let x = DMatrix::from_fn(n, p, |_, j| rng.normal() * scales[j % 4] + j as f64);
        let y: Vec<bool> = (0..n)
            .map(|i| {
                let eta = 0.3 + 1.2 * x[(i, 0)] + 0.01 * (x[(i, 1)] - 1.0) - 30.0 * (x[(i, 2 % p)] - 2.0);
                rng.uniform() < 1.0 / (1.0 + (-eta).exp())
            })
            .collect();
        let rows: Vec<Vec<f64>> = (0..n).map(|i| (0..p).map(|j| x[(i, j)]).collect()).collect();
        let out = run_oracle_json(
            &python,
            "stats_glmnet.py",
            &serde_json::json!({"x": rows, "y": y.iter().map(|&b| b as u8).collect::<Vec<_>>()}),
        );
        let lambda: Vec<f64> = serde_json::from_value(out["lambda"].clone()).unwrap();
        let a0: Vec<f64> = serde_json::from_value(out["a0"].clone()).unwrap();
        let beta: Vec<Vec<f64>> = serde_json::from_value(out["beta"].clone()).unwrap();
        let fit = glmnet_binomial(&x, &y, None, &LassoSettings::default()).unwrap();
        // The early stop is on the absolute gain in dev.ratio (< fdev), as lognet does.
        assert_eq!(fit.lambda.len(), lambda.len(), "seed {seed}: path length");
        let dev_ratio: Vec<f64> = serde_json::from_value(out["dev_ratio"].clone()).unwrap_or_default();
        for (l, d) in dev_ratio.iter().enumerate() {
            max_rel_dev_ratio = max_rel_dev_ratio.max(assert_rel("dev.ratio", fit.dev_ratio[l], *d, 1e-9));
        }
        for l in 0..lambda.len() {
            max_rel_lambda = max_rel_lambda.max(assert_rel("lambda", fit.lambda[l], lambda[l], 1e-9));
            // Compare fitted linear predictors (well determined) and coefficients at moderate λ.
            let ours = fit.predict_link(&x, &[fit.lambda[l]]).unwrap().remove(0);
            for i in 0..n {
                let theirs = a0[l] + (0..p).map(|j| beta[l][j] * x[(i, j)]).sum::<f64>();
                let d = (ours[i] - theirs).abs();
                max_rel_dev = max_rel_dev.max(d / (1.0 + theirs.abs()));
                assert!(
                    d < 1e-5 * (1.0 + theirs.abs()),
                    "seed {seed} λ{l} row {i}: link {} vs {theirs}",
                    ours[i]
                );
            }
            if l < lambda.len() / 2 {
                for j in 0..p {
                    max_abs_coef = max_abs_coef.max((fit.beta[l][j] - beta[l][j]).abs() / (1.0 + beta[l][j].abs()));
                }
            }
        }
    }
    println!(
        "max rel λ {max_rel_lambda:.2e}; dev.ratio {max_rel_dev_ratio:.2e}; max rel linear predictor {max_rel_dev:.2e}; max rel coef (first half of path) {max_abs_coef:.2e}"
    );
}

#[test]
fn cv_auc_and_class_measures_and_errors() {
    let Some((x, y)) = binomial_example() else { return };
    let foldid: Vec<usize> = (0..100).map(|i| i % 5 + 1).collect();
    let settings = CvSettings {
        folds: Folds::Given(foldid.clone()),
        measure: CvMeasure::Auc,
        ..Default::default()
    };
    let cv = cv_glmnet(&x, &y, None, &settings).unwrap();
    assert_eq!(cv.measure, CvMeasure::Auc);
    assert!(cv.cvm[cv.index_min] >= cv.cvm.iter().copied().fold(f64::NEG_INFINITY, f64::max) - 1e-15);
    // 100 rows / 20 folds < 10 per fold: R falls back to deviance.
    let small: Vec<usize> = (0..100).map(|i| i % 20 + 1).collect();
    let cv = cv_glmnet(
        &x,
        &y,
        None,
        &CvSettings {
            folds: Folds::Given(small),
            measure: CvMeasure::Auc,
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(cv.measure, CvMeasure::Deviance);
    let seeded = cv_glmnet(
        &x,
        &y,
        None,
        &CvSettings {
            folds: Folds::Seeded { nfolds: 10, seed: 7 },
            ..Default::default()
        },
    )
    .unwrap();
    let again = cv_glmnet(
        &x,
        &y,
        None,
        &CvSettings {
            folds: Folds::Seeded { nfolds: 10, seed: 7 },
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(seeded.foldid, again.foldid);
    assert_eq!(seeded.lambda_min, again.lambda_min);
    // One class with a single observation is an error, as in glmnet.
    let mut one = vec![false; 100];
    one[3] = true;
    let e = glmnet_binomial(&x, &one, None, &LassoSettings::default()).unwrap_err();
    assert!(e.to_string().contains("1 or 0 observations"), "{e}");
    // A constant predictor is simply never selected (glmnet's ju = 0).
    let mut xc = x.clone();
    xc.column_mut(4).fill(2.5);
    let fit = glmnet_binomial(&xc, &y, None, &LassoSettings::default()).unwrap();
    assert!(fit.beta.iter().all(|b| b[4] == 0.0));
}
