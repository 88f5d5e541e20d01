//! The fusion model `radscore train` fits, checked against statsmodels: the simulated cohort is
//! trained in process, the final fusion design (the Radscore of each lesion and the kept clinical
//! terms) is rebuilt here from the raw cohort cells with the coding rules of the README ("Training
//! a model": numbers as is; two text levels sorted, the first coded 0; `--levels` coded 0, 1, 2, …
//! in the order given), written to a CSV and fitted by tests/oracle/train_fusion_logit.py twice:
//! `sm.Logit(y, sm.add_constant(X))` by Newton at tol 1e-14 (the exact MLE), and statsmodels' GLM
//! IRLS stopped by R's glm.control rule (what R's glm(), and train, report). Compared: the fit's
//! and the model card's coefficients, standard errors, Wald z and p, log-likelihood, deviances,
//! AIC, degrees of freedom, the predicted probabilities, and the Radscore and fusion AUCs (vs
//! Mann–Whitney U/(n1·n0)) and DeLong variances and CIs. Two cohorts: the one of tests/train.rs
//! and one whose model keeps a continuous, an ordinal and a binary clinical term.

mod stats_support;

mod train_support;

use nalgebra::DMatrix;
use radscore::model::PredictorKind;
use radscore::model::simulate::{CohortSpec, simulate_cohort};
use radscore::stats::Fit;
use radscore::stats::io::Table;
use radscore::stats::logistic::{GlmSettings, LogisticFit, LogisticRegression};
use radscore::train::{Cohort, CohortColumns, Term, TrainSettings, train};
use serde_json::Value;
use stats_support::{oracle_python, run_oracle_json};
use std::collections::BTreeMap;
use std::path::Path;
use train_support::columns;

/// Cells of one column of a plain CSV text (the simulated files quote nothing), by header name.
fn raw_columns(text: &str) -> BTreeMap<String, Vec<String>> {
    let mut lines = text.lines().filter(|l| !l.is_empty());
    let header: Vec<String> = lines.next().unwrap().split(',').map(str::to_string).collect();
    let mut out: BTreeMap<String, Vec<String>> = header.iter().map(|h| (h.clone(), Vec::new())).collect();
    for line in lines {
        let cells: Vec<&str> = line.split(',').collect();
        assert_eq!(cells.len(), header.len(), "{line}");
        for (h, c) in header.iter().zip(cells) {
            out.get_mut(h).unwrap().push(c.to_string());
        }
    }
    out
}

/// The README's coding of a clinical column: numbers as they are; with given levels, the position
/// in that list; otherwise two text levels sorted, the first (reference) coded 0.
fn code(name: &str, raw: &[String], cols: &CohortColumns) -> Vec<f64> {
    let given = cols.levels.iter().find(|(n, _)| n == name).map(|(_, l)| l.clone());
    let numbers: Option<Vec<f64>> = raw.iter().map(|c| c.parse::<f64>().ok()).collect();
    match (numbers, given) {
        (Some(v), None) => v,
        (_, levels) => {
            let levels = levels.unwrap_or_else(|| {
                let mut l = raw.to_vec();
                l.sort();
                l.dedup();
                assert_eq!(
                    l.len(),
                    2,
                    "{name}: a text predictor without --levels must have two levels"
                );
                l
            });
            raw.iter()
                .map(|c| levels.iter().position(|l| l == c).unwrap() as f64)
                .collect()
        }
    }
}

/// Relative difference (absolute below 1e-300 of the reference).
fn rel(ours: f64, theirs: f64) -> f64 {
    (ours - theirs).abs() / theirs.abs().max(1e-300)
}

/// Largest differences per quantity, for the summary, and the values beyond their tolerance.
#[derive(Default)]
struct Maxima {
    max: BTreeMap<&'static str, (f64, String)>,
    failures: Vec<String>,
}

impl Maxima {
    /// Record |ours − theirs| ≤ tol·|theirs| + abs (a failure otherwise) and the relative difference.
    fn check(&mut self, what: &'static str, label: &str, ours: f64, theirs: f64, tol: f64, abs: f64) {
        let r = rel(ours, theirs);
        if !(ours.is_finite() && theirs.is_finite() && (ours - theirs).abs() <= tol * theirs.abs() + abs) {
            self.failures.push(format!(
                "{what} {label}: radscore {ours:.17e} vs statsmodels {theirs:.17e} (rel {r:.3e}, tol {tol:e} rel + {abs:e} abs)"
            ));
        }
        let e = self.max.entry(what).or_insert((0.0, String::new()));
        if r > e.0 || !r.is_finite() {
            *e = (r, label.to_string());
        }
    }

    /// Print the maxima; fail with every value beyond its tolerance.
    fn finish(&self) {
        for (what, (r, label)) in &self.max {
            println!("max relative difference {what:<26} {r:.3e}  ({label})");
        }
        assert!(self.failures.is_empty(), "{}", self.failures.join("\n"));
    }
}

fn floats(v: &Value) -> Vec<f64> {
    v.as_array().unwrap().iter().map(|x| x.as_f64().unwrap()).collect()
}

fn number(v: &Value) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("not a number: {v}"))
}

/// Relative tolerances of one comparison of a radscore fit with a statsmodels fit.
struct Tolerances {
    beta: f64,
    se: f64,
    p: f64,
    deviance: f64,
    probability: f64,
}

/// Compare a radscore logistic fit with one statsmodels fit ("mle" or "glm" of the oracle).
fn compare_fit(m: &mut Maxima, tag: &'static [&'static str; 6], f: &LogisticFit, sm: &Value, tol: &Tolerances) {
    let (params, bse, z, pvalues) = (
        floats(&sm["params"]),
        floats(&sm["bse"]),
        floats(&sm["z"]),
        floats(&sm["pvalues"]),
    );
    assert_eq!(params.len(), f.coefficients.len());
    for (j, c) in f.coefficients.iter().enumerate() {
        m.check(tag[0], &c.name, c.estimate, params[j], tol.beta, 0.0);
        m.check(tag[1], &c.name, c.std_error, bse[j], tol.se, 0.0);
        m.check(tag[2], &c.name, c.z, z[j], tol.se, 0.0);
        m.check(tag[3], &c.name, c.p_value, pvalues[j], tol.p, 0.0);
    }
    m.check(
        tag[4],
        "deviance",
        f.deviance,
        number(&sm["deviance"]),
        tol.deviance,
        0.0,
    );
    m.check(
        tag[4],
        "log-likelihood",
        -f.deviance / 2.0,
        number(&sm["llf"]),
        tol.deviance,
        0.0,
    );
    m.check(tag[4], "AIC", f.aic, number(&sm["aic"]), tol.deviance, 0.0);
    assert_eq!(f.df_residual as f64, number(&sm["df_resid"]));
    for (i, (a, b)) in f.fitted.iter().zip(floats(&sm["predicted"])).enumerate() {
        m.check(tag[5], &format!("lesion {i}"), *a, b, tol.probability, 0.0);
    }
}

/// Train on the simulated cohort of `seed`, rebuild the fusion design, fit it with statsmodels
/// and compare. Returns the names of the fusion terms.
fn check_cohort(python: &Path, seed: u64) -> Vec<String> {
    println!("--- simulated cohort, seed {seed}");
    let sim = simulate_cohort(&CohortSpec {
        seed,
        ..CohortSpec::default()
    })
    .unwrap();
    let files: BTreeMap<&str, String> = sim.files().unwrap().into_iter().collect();
    let table = |name: &str| Table::parse(&files[name], Path::new(name)).unwrap();
    let cols = columns();
    let cohort = Cohort::from_tables(
        &table("features.csv"),
        Some(&table("features_observer2.csv")),
        &table("clinical.csv"),
        &cols,
    )
    .unwrap();
    let settings = TrainSettings {
        bootstrap: 0,
        ..TrainSettings::default()
    };
    let result = train(&cohort, &settings).unwrap();
    assert!(result.bootstrap.is_none());
    let n = sim.lesion_ids.len();
    assert_eq!(
        cohort.lesion_ids, sim.lesion_ids,
        "the cohort keeps the clinical row order"
    );

    // The outcome from the raw clinical cells.
    let clinical_raw = raw_columns(&files["clinical.csv"]);
    let y: Vec<bool> = clinical_raw["non_response"].iter().map(|c| c == "1").collect();
    assert_eq!(y, result.y);

    // The Radscore from the card's formula on the raw feature cells equals train's.
    let features_raw = raw_columns(&files["features.csv"]);
    let card = &result.card;
    let mut radscore = vec![card.radscore.intercept.unwrap(); n];
    for f in &card.radscore.features {
        let x: Vec<f64> = features_raw[&f.key].iter().map(|c| c.parse().unwrap()).collect();
        for (r, x) in radscore.iter_mut().zip(x) {
            *r += f.coefficient * (x - f.mean.unwrap()) / f.sd.unwrap();
        }
    }
    let max_rs = radscore
        .iter()
        .zip(&result.radscores)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f64::max);
    assert!(max_rs < 1e-12, "Radscore from the card vs train: {max_rs:e}");

    // The final fusion design: train's kept terms, in its coefficient order, coded here.
    let fit = &result.fit.fusion;
    let mut names = Vec::new();
    let mut design: Vec<Vec<f64>> = Vec::new();
    for t in &result.fit.terms {
        match *t {
            Term::Radscore => {
                names.push("radscore".to_string());
                // What train used (equal to the card's formula to 1e-12, above).
                design.push(result.radscores.clone());
            }
            Term::Clinical(c) => {
                let name = result.clinical[c].name.clone();
                design.push(code(&name, &clinical_raw[&name], &cols));
                names.push(name);
            }
        }
    }
    let fit_names: Vec<&str> = fit.coefficients.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(fit_names[0], "(Intercept)");
    assert_eq!(fit_names[1..], names.iter().map(String::as_str).collect::<Vec<_>>()[..]);
    println!("fusion terms: {names:?}");
    assert!(names.iter().any(|n| n == "radscore"), "the Radscore was dropped");
    assert!(
        names.len() >= 2,
        "no clinical term kept: nothing to check of the coding"
    );
    let p = names.len();
    let x = DMatrix::from_fn(n, p, |i, k| design[k][i]);

    // The columns coded here are train's, and the same IRLS on them gives train's fit.
    for (k, name) in names.iter().enumerate() {
        if let Some(v) = result.clinical.iter().find(|v| &v.name == name) {
            assert_eq!(
                v.values, design[k],
                "{name}: train's coding differs from the README rule"
            );
        }
    }
    let refit = LogisticRegression::with_names(names.clone()).fit(&x, &y).unwrap();
    assert_eq!(refit.iterations, fit.iterations);
    for (a, b) in refit.coefficients.iter().zip(&fit.coefficients) {
        assert!(
            rel(a.estimate, b.estimate) < 1e-12 && rel(a.std_error, b.std_error) < 1e-12,
            "{}: refit {} ({}) vs train {} ({})",
            a.name,
            a.estimate,
            a.std_error,
            b.estimate,
            b.std_error
        );
    }

    // The CSV the oracle reads: outcome first, then the predictors; `{:?}` round-trips an f64.
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("train_statsmodels");
    std::fs::create_dir_all(&dir).unwrap();
    let csv_path = dir.join(format!("fusion_design_seed{seed}.csv"));
    let mut text = format!("non_response,{}\n", names.join(","));
    for i in 0..n {
        text.push_str(if y[i] { "1" } else { "0" });
        for col in &design {
            text.push_str(&format!(",{:?}", col[i]));
        }
        text.push('\n');
    }
    std::fs::write(&csv_path, text).unwrap();
    let epsilon = GlmSettings::default().epsilon;
    let sm = run_oracle_json(
        python,
        "train_fusion_logit.py",
        &serde_json::json!({"csv": csv_path.to_str().unwrap(), "level": settings.level, "epsilon": epsilon}),
    );
    let (mle, glm) = (&sm["mle"], &sm["glm"]);
    assert_eq!(
        mle["converged"],
        Value::Bool(true),
        "statsmodels Logit did not converge"
    );
    assert_eq!(glm["converged"], Value::Bool(true), "statsmodels GLM did not converge");
    let mle_params = floats(&mle["params"]);
    let glm_params = floats(&glm["params"]);
    assert_eq!(mle_params.len(), p + 1);
    println!(
        "iterations: statsmodels Newton {}, statsmodels IRLS (R's rule) {}, radscore train {}",
        mle["iterations"], glm["iterations"], fit.iterations
    );
    // Same start, same steps, same stopping rule: the same number of IRLS steps.
    assert_eq!(glm["iterations"].as_u64(), Some(fit.iterations as u64));

    let mut m = Maxima::default();
    // 1. train's fit vs statsmodels' IRLS stopped by R's glm.control rule (ε = 1e-8): the same
    //    iterates and the same covariance convention, so everything agrees to rounding. (A
    //    probability's relative error is the absolute error of its η, and η reaches −20 on these
    //    cohorts: ~3e-12 measured, bound 1e-10.)
    compare_fit(
        &mut m,
        &[
            "β train vs GLM-IRLS",
            "SE train vs GLM-IRLS",
            "z train vs GLM-IRLS",
            "p train vs GLM-IRLS",
            "dev/llf/AIC train vs GLM",
            "prob train vs GLM-IRLS",
        ],
        fit,
        glm,
        &Tolerances {
            beta: 1e-10,
            se: 1e-10,
            p: 1e-9,
            deviance: 1e-13,
            probability: 1e-10,
        },
    );
    // 2. train's fit vs the exact MLE (statsmodels Logit, Newton to 1e-14). train stops, as R's
    //    glm() does, when |Δdeviance| < 1e-8·(|deviance| + 0.1), i.e. ~1e-6 here: its last
    //    iterate is one quadratic step past one within ~√1e-6 of the MLE, so β and the
    //    probabilities are ~1e-8 off (measured ≤ 3e-8; bound 1e-7), and the deviance, flat at the
    //    MLE, agrees to ~1e-15. R's covariance comes from the weights of the iterate before the
    //    last (statsmodels Logit: the Hessian at the MLE), ~1e-3 away, so SE and z differ by
    //    ~1e-4 (bound 1e-3) and the Wald p by ~z²× that relative (bound 2e-2 for z up to ~6).
    compare_fit(
        &mut m,
        &[
            "β train vs MLE",
            "SE train vs MLE",
            "z train vs MLE",
            "p train vs MLE",
            "dev/llf/AIC train vs MLE",
            "prob train vs MLE",
        ],
        fit,
        mle,
        &Tolerances {
            beta: 1e-7,
            se: 1e-3,
            p: 2e-2,
            deviance: 1e-13,
            probability: 1e-7,
        },
    );
    // 3. The same design fitted by radscore to the MLE (ε = 1e-15) vs statsmodels Logit: β, the
    //    deviance and the probabilities to rounding. SE still uses the weights of the iterate
    //    before the last (R's convention), now within ~√(1e-15·deviance) ≈ 3e-7 of the MLE: SE and
    //    z differ by ~1e-8 (bound 1e-7), the Wald p by ~z²× that (bound 5e-6); probabilities as
    //    in 1.
    let mle_fit = LogisticRegression {
        settings: GlmSettings {
            epsilon: 1e-15,
            max_iter: 100,
        },
        names: Some(names.clone()),
    }
    .fit(&x, &y)
    .unwrap();
    assert!(mle_fit.converged);
    compare_fit(
        &mut m,
        &[
            "β ε=1e-15 vs MLE",
            "SE ε=1e-15 vs MLE",
            "z ε=1e-15 vs MLE",
            "p ε=1e-15 vs MLE",
            "dev/llf/AIC ε=1e-15 vs MLE",
            "prob ε=1e-15 vs MLE",
        ],
        &mle_fit,
        mle,
        &Tolerances {
            beta: 1e-11,
            se: 1e-7,
            p: 5e-6,
            deviance: 1e-13,
            probability: 1e-10,
        },
    );
    // The null deviance: closed form (statsmodels' llnull is a Newton fit at its default
    // tolerance, ~1e-11 off, so it is only printed).
    m.check(
        "null deviance",
        "closed form",
        fit.null_deviance,
        number(&sm["null_deviance"]),
        1e-13,
        0.0,
    );
    println!(
        "null deviance: radscore {} closed form {} statsmodels -2 llnull {}",
        fit.null_deviance,
        number(&sm["null_deviance"]),
        -2.0 * number(&mle["llnull"])
    );
    assert_eq!(fit.df_null, n - 1);

    // The model card: intercept and coefficients are the fit's, on the design's coding.
    let card_intercept = card.fusion.intercept.unwrap();
    assert_eq!(card_intercept, fit.coefficients[0].estimate);
    m.check(
        "card vs GLM-IRLS",
        "(Intercept)",
        card_intercept,
        glm_params[0],
        1e-10,
        0.0,
    );
    m.check("card vs MLE", "(Intercept)", card_intercept, mle_params[0], 1e-7, 0.0);
    let mut on_card = 0;
    for pred in &card.fusion.predictors {
        let k = names.iter().position(|nm| nm == &pred.name);
        let raw = clinical_raw.get(&pred.name);
        let b = match (&pred.kind, k) {
            (PredictorKind::Radscore { coefficient }, _) => coefficient.unwrap(),
            (PredictorKind::Continuous { coefficient, .. }, Some(_)) => coefficient.unwrap(),
            (PredictorKind::Binary { levels, coefficient }, Some(k)) => {
                // [absent, present] are the design's codes 0 and 1.
                for (cell, &v) in raw.unwrap().iter().zip(&design[k]) {
                    assert_eq!(cell, &levels[v as usize], "{}", pred.name);
                }
                coefficient.unwrap()
            }
            (
                PredictorKind::Ordinal {
                    levels,
                    codes,
                    coefficient,
                },
                Some(k),
            ) => {
                let codes = codes.as_ref().unwrap();
                for (cell, &v) in raw.unwrap().iter().zip(&design[k]) {
                    assert_eq!(
                        v,
                        codes[levels.iter().position(|l| l == cell).unwrap()],
                        "{}",
                        pred.name
                    );
                }
                coefficient.unwrap()
            }
            other => panic!("unexpected card predictor {}: {other:?}", pred.name),
        };
        match k {
            Some(k) => {
                on_card += 1;
                assert_eq!(b, fit.coefficients[k + 1].estimate, "{}", pred.name);
                m.check("card vs GLM-IRLS", &pred.name, b, glm_params[k + 1], 1e-10, 0.0);
                m.check("card vs MLE", &pred.name, b, mle_params[k + 1], 1e-7, 0.0);
            }
            None => assert_eq!(b, 0.0, "{} is on the card but not in the fit", pred.name),
        }
    }
    assert_eq!(on_card, p, "every fitted term is on the card");

    // The probabilities the pipeline reports (ROC, calibration, decision curve).
    let glm_predicted = floats(&glm["predicted"]);
    let mle_predicted = floats(&mle["predicted"]);
    for i in 0..n {
        let label = format!("lesion {i}");
        let ours = result.probabilities[i];
        m.check(
            "result.probabilities vs GLM",
            &label,
            ours,
            glm_predicted[i],
            1e-10,
            0.0,
        );
        m.check("result.probabilities vs MLE", &label, ours, mle_predicted[i], 1e-7, 0.0);
    }

    // Discrimination: the fusion AUC vs Mann–Whitney U/(n1·n0) of statsmodels' MLE
    // probabilities (no ties move between the two fits), and the DeLong variance and CI computed
    // by the oracle from the placements; the same for the Radscore column.
    for (tag, roc, theirs) in [
        ("fusion", &result.fusion_roc, &sm["fusion"]),
        ("radscore", &result.radscore_roc, &sm["radscore"]),
    ] {
        let auc_u = number(&theirs["auc_mann_whitney"]);
        let ci = floats(&theirs["delong_ci"]);
        println!(
            "{tag}: AUC {} (Mann–Whitney {auc_u}), DeLong CI {:?} (oracle {ci:?})",
            roc.roc.auc, roc.ci
        );
        m.check("AUC", tag, roc.roc.auc, auc_u, 1e-14, 0.0);
        m.check("AUC", tag, roc.roc.auc, number(&theirs["auc"]), 1e-14, 0.0);
        m.check(
            "DeLong",
            &format!("{tag} variance"),
            roc.roc.delong_variance(),
            number(&theirs["delong_var"]),
            1e-12,
            0.0,
        );
        m.check("DeLong", &format!("{tag} lower"), roc.ci.0, ci[0], 1e-13, 0.0);
        m.check("DeLong", &format!("{tag} upper"), roc.ci.1, ci[1], 1e-13, 0.0);
    }
    assert_eq!(card.provenance.reported_auc, Some(result.fusion_roc.roc.auc));
    m.finish();
    names
}

#[test]
fn fusion_model_of_the_train_cohort_equals_statsmodels() {
    let Some(python) = oracle_python(&["numpy", "scipy", "statsmodels"]) else {
        return;
    };
    // The cohort of tests/train.rs (CohortSpec::default(), seed 2025).
    let names = check_cohort(&python, CohortSpec::default().seed);
    assert!(names.contains(&"extrahepatic_metastasis".to_string()));
}

#[test]
fn fusion_model_with_continuous_ordinal_and_binary_terms_equals_statsmodels() {
    let Some(python) = oracle_python(&["numpy", "scipy", "statsmodels"]) else {
        return;
    };
    // Seed 1 keeps every kind of clinical term: ki67 (continuous), hepatic_metastases (ordinal,
    // --levels) and extrahepatic_metastasis (binary, sorted levels).
    let names = check_cohort(&python, 1);
    for t in ["ki67", "hepatic_metastases", "extrahepatic_metastasis"] {
        assert!(names.contains(&t.to_string()), "{t} not kept: {names:?}");
    }
}
