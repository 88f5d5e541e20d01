//! `radscore stats <step>` end to end through the binary, on the R reference data sets of
//! shared/data/stats (numbers from REFERENCE_VALUES.md and R's documented examples).

mod stats_support;
use serde_json::Value;
use stats_support::*;
use std::path::{Path, PathBuf};
use std::process::Command;

fn radscore(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_radscore"))
        .args(args)
        .output()
        .expect("run radscore")
}

/// Run a step and parse its JSON stdout (failing with stderr shown).
fn run(args: &[&str]) -> Value {
    let out = radscore(args);
    assert!(
        out.status.success(),
        "radscore {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON on stdout")
}

fn run_err(args: &[&str]) -> String {
    let out = radscore(args);
    assert!(!out.status.success(), "radscore {args:?} should fail");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn f(v: &Value) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("not a number: {v}"))
}

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("cli_stats").join(name);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn roc_on_asah_matches_proc() {
    let Some(d) = stats_data() else { return };
    let file = d.join("aSAH.csv");
    let v = run(&[
        "stats",
        "roc",
        path(&file),
        "--outcome",
        "outcome",
        "--event",
        "Poor",
        "--score",
        "wfns",
        "--score2",
        "s100b",
    ]);
    assert_rel("AUC wfns", f(&v["auc"]), 0.823678861788618, 1e-13);
    assert_rel("var wfns", f(&v["variance"]), 0.00146991470882363, 1e-12);
    assert_rel("AUC s100b", f(&v["score2"]["auc"]), 0.731368563685637, 1e-13);
    assert_rel("var s100b", f(&v["score2"]["variance"]), 0.00266868245717244, 1e-12);
    assert_eq!((v["n_cases"].as_u64(), v["n_controls"].as_u64()), (Some(41), Some(72)));
    let t = &v["delong"];
    assert_rel("Z", f(&t["z"]), 2.20898359144091, 1e-12);
    assert_rel("p", f(&t["p_value"]), 0.0271757822291882, 1e-11);
    assert_rel("cov", f(&t["covariance"]), 0.00119615567376754, 1e-12);
    assert_rel("diff lo", f(&t["diff_ci"][0]), 0.0104061769564846, 1e-11);
    assert_rel("diff hi", f(&t["diff_ci"][1]), 0.174214419249478, 1e-12);
    // ci.auc(ndka) = 0.501244999271703 .. 0.722670989888189
    let v = run(&[
        "stats",
        "roc",
        path(&file),
        "--outcome",
        "outcome",
        "--event",
        "Poor",
        "--score",
        "ndka",
    ]);
    assert_rel("ci lo", f(&v["ci"][0]), 0.501244999271703, 1e-12);
    assert_rel("ci hi", f(&v["ci"][1]), 0.722670989888189, 1e-12);
    // Youden point: its counts reproduce its sensitivity, specificity, PPV and NPV.
    let y = &v["youden"][0];
    let (tp, fp, tn, fneg) = (f(&y["tp"]), f(&y["fp"]), f(&y["tn"]), f(&y["fn"]));
    assert_eq!(tp + fneg, 41.0);
    assert_eq!(tn + fp, 72.0);
    assert_rel("sens", f(&y["sensitivity"]), tp / 41.0, 1e-15);
    assert_rel("spec", f(&y["specificity"]), tn / 72.0, 1e-15);
    assert_rel("ppv", f(&y["ppv"]), tp / (tp + fp), 1e-15);
    assert_rel("npv", f(&y["npv"]), tn / (tn + fneg), 1e-15);
}

#[test]
fn logistic_on_mtcars_matches_glm_and_feeds_calibration() {
    let Some(d) = stats_data() else { return };
    let file = d.join("mtcars.csv");
    let v = run(&[
        "stats",
        "logistic",
        path(&file),
        "--outcome",
        "am",
        "--predictors",
        "hp,wt",
        "--fitted",
    ]);
    let c = &v["coefficients"];
    // glm(am ~ hp + wt, binomial), summary() as printed
    for (k, est, se, z, p) in [
        (0, 18.86630, 7.44356, 2.535, 0.01126),
        (1, 0.03626, 0.01773, 2.044, 0.04091),
        (2, -8.08348, 3.06868, -2.634, 0.00843),
    ] {
        assert_printed("estimate", f(&c[k]["estimate"]), est, 5);
        assert_printed("SE", f(&c[k]["std_error"]), se, 5);
        assert_printed("z", f(&c[k]["z"]), z, 3);
        assert_rel("p", f(&c[k]["p_value"]), p, 6e-4);
        assert_rel("OR", f(&c[k]["odds_ratio"]), f(&c[k]["estimate"]).exp(), 1e-14);
        let (lo, hi) = (f(&c[k]["or_profile_ci"][0]), f(&c[k]["or_profile_ci"][1]));
        assert!(lo < f(&c[k]["odds_ratio"]) && f(&c[k]["odds_ratio"]) < hi);
    }
    assert_eq!(c[1]["name"], "hp");
    assert_printed("null deviance", f(&v["null_deviance"]), 43.230, 3);
    assert_printed("deviance", f(&v["deviance"]), 10.059, 3);
    assert_printed("AIC", f(&v["aic"]), 16.059, 3);
    assert_eq!((v["df_null"].as_u64(), v["df_residual"].as_u64()), (Some(31), Some(29)));

    // The fitted probabilities through `stats calibration`: hoslem.test(g = 6) printed
    // X-squared = 2.3502, df = 4, p-value = 0.6717.
    let dir = scratch("mtcars");
    let am: Vec<String> = Csv::read(&file).strings("am");
    let mut csv = String::from("am,p\n");
    for (a, p) in am.iter().zip(v["fitted"].as_array().unwrap()) {
        csv.push_str(&format!("{a},{}\n", f(p)));
    }
    let prob_file = dir.join("fitted.csv");
    std::fs::write(&prob_file, csv).unwrap();
    let cal = run(&[
        "stats",
        "calibration",
        path(&prob_file),
        "--outcome",
        "am",
        "--prob",
        "p",
        "--groups",
        "6",
    ]);
    let hl = &cal["hosmer_lemeshow"];
    assert_printed("HL X2", f(&hl["statistic"]), 2.3502, 4);
    assert_eq!(f(&hl["df"]), 4.0);
    assert_printed("HL p", f(&hl["p_value"]), 0.6717, 4);
    // Apparent calibration of a model on its own training data: intercept 0, slope 1 (glm score
    // equations), Brier = mean squared residual.
    assert!(f(&cal["intercept"]).abs() < 1e-6);
    assert!((f(&cal["slope"]) - 1.0).abs() < 1e-6);
    assert!(cal["lowess"]["x"].as_array().unwrap().len() == 32);

    // Univariate screening and backward elimination run through the same fits.
    let u = run(&[
        "stats",
        "logistic",
        path(&file),
        "--outcome",
        "am",
        "--predictors",
        "hp,wt",
        "--univariate",
    ]);
    assert_eq!(u["univariate"].as_array().unwrap().len(), 2);
    let b = run(&[
        "stats",
        "logistic",
        path(&file),
        "--outcome",
        "am",
        "--predictors",
        "hp,wt",
        "--backward",
        "--no-profile",
    ]);
    assert_eq!(b["kept"], serde_json::json!(["hp", "wt"]));
    assert_rel(
        "backward = full fit",
        f(&b["fit"]["deviance"]),
        f(&v["deviance"]),
        1e-14,
    );
}

#[test]
fn zscore_and_correlation_filter() {
    let Some(d) = stats_data() else { return };
    let file = d.join("mtcars.csv");
    // R: mean(mtcars$hp) 146.6875, sd 68.56287; mean(wt) 3.21725, sd(wt) 0.9784574
    let z = run(&["stats", "zscore", path(&file), "--columns", "hp,wt"]);
    assert_rel("mean hp", f(&z["features"][0]["mean"]), 146.6875, 1e-14);
    assert_printed("sd hp", f(&z["features"][0]["sd"]), 68.56287, 5);
    assert_rel("mean wt", f(&z["features"][1]["mean"]), 3.21725, 1e-14);
    assert_printed("sd wt", f(&z["features"][1]["sd"]), 0.9784574, 7);

    // a, b = a + small monotone noise (ρ = 1), c independent: exactly one of a/b is removed,
    // the one with the larger mean |ρ| to the others (caret's rule), here determined by c.
    let dir = scratch("corr");
    let mut rng = Rng(11);
    let mut csv = String::from("id,a,b,c\n");
    for i in 0..40 {
        let a = i as f64;
        csv.push_str(&format!("{i},{a},{},{}\n", a * 2.0 + 1.0, rng.normal()));
    }
    let file = dir.join("corr.csv");
    std::fs::write(&file, csv).unwrap();
    let v = run(&[
        "stats",
        "correlation-filter",
        path(&file),
        "--exclude",
        "id",
        "--matrix",
    ]);
    assert_eq!(v["removed"].as_array().unwrap().len(), 1);
    assert_eq!(v["kept"].as_array().unwrap().len(), 2);
    assert!(v["kept"].as_array().unwrap().contains(&serde_json::json!("c")));
    assert_eq!(f(&v["matrix"]["rho"][0][1]), 1.0);
    // a and b tie in mean |ρ| (identical ranks); for the pair (a, b) caret compares
    // mn1 = mean|ρ| of row a = (1 + ρ)/2 with mn2 = mean of the rows other than b = (1 + 3ρ)/4
    // (ρ = |ρ(a, c)| < 1), so mn1 > mn2 and a goes.
    assert_eq!(v["removed"][0], "a");
}

fn write_observers(dir: &Path, anxiety: &Csv) -> Vec<PathBuf> {
    // Three observers' tables in different row orders, joined back on the case id; a constant
    // feature is added to check that the filter drops it.
    (0..3)
        .map(|k| {
            let rater = anxiety.strings(&format!("rater{}", k + 1));
            let mut order: Vec<usize> = (0..rater.len()).collect();
            if k == 1 {
                order.reverse();
            }
            if k == 2 {
                order.rotate_left(7);
            }
            let mut csv = String::from("case,anxiety,constant\n");
            for i in order {
                csv.push_str(&format!("c{i},{},5\n", rater[i]));
            }
            let p = dir.join(format!("observer{}.csv", k + 1));
            std::fs::write(&p, csv).unwrap();
            p
        })
        .collect()
}

#[test]
fn icc_on_anxiety_and_shrout_fleiss() {
    let Some(d) = stats_data() else { return };
    let anxiety = d.join("irr_anxiety.csv");
    // irr: ICC(A,1) = 0.198, F(19,39.7) = 1.83, p = 0.0543, 95% CI -0.039 .. 0.494
    let check = |r: &Value| {
        assert_printed("ICC", f(&r["icc"]), 0.1980, 4);
        assert_printed("F", f(&r["f"]), 1.827, 3);
        assert_eq!(f(&r["df1"]), 19.0);
        assert_printed("df2", f(&r["df2"]), 39.75, 2);
        assert_printed("p", f(&r["p_value"]), 0.0543, 4);
        assert_printed("lower", f(&r["lower"]), -0.0389, 4);
        assert_printed("upper", f(&r["upper"]), 0.4936, 4);
    };
    let v = run(&["stats", "icc", "--wide", path(&anxiety)]);
    assert_eq!(v["model"], "ICC(2,1)");
    check(&v["features"][0]);

    let dir = scratch("icc");
    let files = write_observers(&dir, &Csv::read(&anxiety));
    let mut args = vec!["stats", "icc", "--id", "case", "--threshold", "0.75"];
    args.extend(files.iter().map(|p| path(p)));
    let v = run(&args);
    check(&v["features"][0]);
    assert_eq!(v["subjects"], 20);
    assert_eq!(v["kept"], serde_json::json!([]));
    assert_eq!(v["dropped"][0]["reason"], "below threshold");
    assert_eq!(v["dropped"][1]["feature"], "constant");
    assert_eq!(v["dropped"][1]["reason"], "constant");

    // Shrout & Fleiss (1979) Table 2: ICC(1,1) 0.166, ICC(2,1) 0.290, ICC(3,1) 0.715, F(5,15) 11.03
    let sf = d.join("shrout_fleiss_1979.csv");
    for (model, expected) in [("icc1", 0.166), ("icc2", 0.290), ("icc3", 0.715)] {
        let v = run(&["stats", "icc", "--wide", path(&sf), "--id", "target", "--model", model]);
        assert_printed(model, f(&v["features"][0]["icc"]), expected, 3);
        if model == "icc3" {
            assert_printed("F", f(&v["features"][0]["f"]), 11.03, 2);
        }
    }
    // Observers usually re-segment a subset: the ICC uses the cases every table has.
    let text = std::fs::read_to_string(&files[1]).unwrap();
    let cut: String = text
        .lines()
        .filter(|l| !l.starts_with("c3,"))
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(&files[1], cut).unwrap();
    let mut args = vec!["stats", "icc", "--id", "case"];
    args.extend(files.iter().map(|p| path(p)));
    let v = run(&args);
    assert_eq!(v["subjects"], 19);
    assert_eq!(v["unmatched_cases"], serde_json::json!([1, 0, 1]));
}

#[test]
fn lasso_cv_with_fold_ids_matches_glmnet_replica() {
    let Some(d) = stats_data() else { return };
    let reference: Value =
        serde_json::from_str(&std::fs::read_to_string(d.join("glmnet_BinomialExample_cv_foldmod10.json")).unwrap())
            .unwrap();
    let dir = scratch("lasso");
    let text = std::fs::read_to_string(d.join("glmnet_BinomialExample.csv")).unwrap();
    let mut csv = String::new();
    for (i, line) in text.lines().filter(|l| !l.trim().is_empty()).enumerate() {
        let fold = if i == 0 {
            "foldid".to_string()
        } else {
            ((i - 1) % 10 + 1).to_string()
        };
        csv.push_str(&format!("{line},{fold}\n"));
    }
    let file = dir.join("binomial.csv");
    std::fs::write(&file, csv).unwrap();
    let v = run(&["stats", "lasso-cv", path(&file), "--outcome", "y", "--foldid", "foldid"]);
    assert_rel("lambda.min", f(&v["lambda_min"]), f(&reference["lambda_min"]), 1e-10);
    assert_rel("lambda.1se", f(&v["lambda_1se"]), f(&reference["lambda_1se"]), 1e-10);
    assert_rel(
        "a0 min",
        f(&v["lambda.min"]["intercept"]),
        f(&reference["a0_min"]),
        1e-6,
    );
    assert_rel(
        "a0 1se",
        f(&v["lambda.1se"]["intercept"]),
        f(&reference["a0_1se"]),
        1e-6,
    );
    let path_rows = v["path"].as_array().unwrap();
    assert_eq!(path_rows.len(), reference["lambda_"].as_array().unwrap().len());
    for (row, cvm) in path_rows.iter().zip(reference["cvm"].as_array().unwrap()) {
        assert_rel("cvm", f(&row["cvm"]), f(cvm), 1e-6);
    }
    for (j, b) in reference["beta_min"].as_array().unwrap().iter().enumerate() {
        let ours = f(&v["lambda.min"]["coefficients"][format!("V{}", j + 1)]);
        assert!(
            (ours - f(b)).abs() <= 1e-6 * f(b).abs().max(1e-3),
            "beta V{} {ours} vs {b}",
            j + 1
        );
    }
    assert_eq!(v["p"], 30);
}

#[test]
fn dca_matches_dcurves() {
    let Some(d) = stats_data() else { return };
    let file = d.join("dcurves/df_cancer_dx.csv");
    let v = run(&[
        "stats",
        "dca",
        path(&file),
        "--outcome",
        "cancer",
        "--prob",
        "famhistory",
    ]);
    let reference = Csv::read(&d.join("dcurves/r_dca_famhistory.csv"));
    let variable = reference.strings("variable");
    let threshold = reference.numbers("threshold");
    let nb = reference.numbers("net_benefit");
    let rows = v["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 100);
    let mut max_diff = 0.0f64;
    for k in 0..variable.len() {
        let row = rows
            .iter()
            .find(|r| (f(&r["threshold"]) - threshold[k]).abs() < 1e-12)
            .unwrap();
        let ours = match variable[k].as_str() {
            "all" => f(&row["treat_all"]),
            "none" => f(&row["treat_none"]),
            "famhistory" => f(&row["net_benefit"]),
            other => panic!("unexpected variable {other}"),
        };
        max_diff = max_diff.max((ours - nb[k]).abs());
    }
    println!("dca max |diff| {max_diff:.2e}");
    assert!(max_diff < 1e-12);
}

#[test]
fn compare_matches_r_examples() {
    // R ?chisq.test: party by gender, X-squared = 30.07, df = 2, p = 2.954e-07; R ?wilcox.test:
    // x (10 values) vs y (5 values), W = 35, two-sided p = 0.2544. Written as one long table with
    // outcome 0 for the first group, as `wilcox.test(value ~ outcome)` orders the levels.
    let dir = scratch("compare");
    let mut csv = String::from("outcome,party,value\n");
    let x = [0.80, 0.83, 1.89, 1.04, 1.45, 1.38, 1.91, 1.64, 0.73, 1.46];
    let y = [1.15, 0.88, 0.90, 0.74, 1.21];
    let counts = [[762, 327, 468], [484, 239, 477]];
    let parties = ["Democrat", "Independent", "Republican"];
    let mut k = 0;
    for (g, row) in counts.iter().enumerate() {
        for (p, &c) in row.iter().enumerate() {
            for _ in 0..c {
                // the numeric column only matters for the first 15 rows (see below)
                csv.push_str(&format!("{g},{},{}\n", parties[p], k));
                k += 1;
            }
        }
    }
    let file = dir.join("party.csv");
    std::fs::write(&file, csv).unwrap();
    let v = run(&[
        "stats",
        "compare",
        path(&file),
        "--outcome",
        "outcome",
        "--columns",
        "party",
        "--categorical",
        "party",
    ]);
    let party = &v["variables"][0];
    assert_printed("X-squared", f(&party["statistic"]), 30.07, 2);
    assert_eq!(f(&party["df"]), 2.0);
    assert_rel("p", f(&party["p_value"]), 2.954e-07, 2e-4);
    assert_eq!(f(&party["levels"][0]["non_events"]), 762.0);

    let mut csv = String::from("outcome,value\n");
    for v in x {
        csv.push_str(&format!("0,{v}\n"));
    }
    for v in y {
        csv.push_str(&format!("1,{v}\n"));
    }
    let file = dir.join("wilcox.csv");
    std::fs::write(&file, csv).unwrap();
    let v = run(&["stats", "compare", path(&file), "--outcome", "outcome"]);
    let w = &v["variables"][0];
    assert_eq!(f(&w["statistic"]), 35.0);
    assert_printed("p", f(&w["p_value"]), 0.2544, 4);
    assert_eq!(f(&w["events"]["median"]), 0.90);
}

#[test]
fn missing_values_name_row_and_column() {
    let dir = scratch("missing");
    let file = dir.join("missing.csv");
    std::fs::write(&file, "y,a,b\n0,1,2\n1,2,\n0,3,4\n1,5,1\n").unwrap();
    let err = run_err(&["stats", "logistic", path(&file), "--outcome", "y"]);
    assert!(err.contains("row 2") && err.contains("'b'"), "{err}");
    let err = run_err(&["stats", "roc", path(&file), "--outcome", "y", "--score", "nope"]);
    assert!(err.contains("no column 'nope'"), "{err}");
}
