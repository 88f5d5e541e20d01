//! Model cards: the shipped published cards load, say what must be fitted locally and refuse
//! to predict until then; broken model files give errors naming the problem; a complete card
//! predicts the logistic probability and rms-style nomogram points.

mod common;

use std::collections::BTreeMap;

use radscore::model::{ClinicalValue, ModelCard, published_card};

/// A broken-file case: what it is, how to break a good file, what the error must name.
type Breakage = (&'static str, Box<dyn Fn(&mut serde_json::Value)>, &'static str);

#[test]
fn shipped_cards_load_and_list_what_to_fit() {
    let fo = published_card("front-oncol-2025").expect("front-oncol-2025 loads");
    assert_eq!(fo.radscore.features.len(), 9);
    assert_eq!(fo.radscore.ambiguous.len(), 1);
    assert!(
        fo.radscore.ambiguous[0]
            .candidates
            .contains(&fo.radscore.ambiguous[0].chosen)
    );
    let missing = fo.missing();
    assert!(missing.iter().any(|m| m.contains("fusion.intercept")), "{missing:?}");
    assert!(missing.iter().any(|m| m.contains("radscore.intercept")), "{missing:?}");
    assert!(missing.iter().any(|m| m.contains("hepatic_metastases")), "{missing:?}");
    // Published odds ratios are stored as log-odds: exp gives the paper's numbers back.
    let or: Vec<f64> = fo
        .fusion
        .predictors
        .iter()
        .map(|p| match &p.kind {
            radscore::model::PredictorKind::Radscore { coefficient }
            | radscore::model::PredictorKind::Continuous { coefficient, .. }
            | radscore::model::PredictorKind::Binary { coefficient, .. }
            | radscore::model::PredictorKind::Ordinal { coefficient, .. } => coefficient.unwrap().exp(),
            _ => f64::NAN,
        })
        .collect();
    for (got, paper) in or.iter().zip([8.808, 1.035, 3.795, 10.57]) {
        assert!((got - paper).abs() < 1e-12, "{got} vs {paper}");
    }
    let e = fo.predict_with_radscore(1.0, &BTreeMap::new()).unwrap_err();
    assert!(e.to_string().contains("radscore calibrate"), "{e}");
    let cm = published_card("cancer-med-2026").expect("cancer-med-2026 loads");
    assert!(cm.missing().len() >= 5);
}

fn complete_card() -> ModelCard {
    let mut card = published_card("front-oncol-2025").unwrap();
    for f in &mut card.radscore.features {
        f.mean = Some(1.0);
        f.sd = Some(2.0);
    }
    card.radscore.intercept = Some(1.6);
    card.fusion.intercept = Some(-4.0);
    for p in &mut card.fusion.predictors {
        if let radscore::model::PredictorKind::Ordinal { codes, .. } = &mut p.kind {
            *codes = Some(vec![0.0, 1.0, 2.0]);
        }
    }
    card
}

#[test]
fn complete_card_predicts_probability_and_points() {
    let card = complete_card();
    card.validate().unwrap();
    let clinical: BTreeMap<String, ClinicalValue> = [
        ("ki67", "30"),
        ("hepatic_metastases", "multiple"),
        ("extrahepatic_metastasis", "yes"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), ClinicalValue::parse(v)))
    .collect();
    let p = card.predict_with_radscore(1.2, &clinical).unwrap();
    // logit = −4 + ln(8.808)·1.2 + ln(1.035)·30 + ln(3.795)·1 + ln(10.57)·1 (the paper's ORs).
    let lp = -4.0 + 8.808f64.ln() * 1.2 + 1.035f64.ln() * 30.0 + 3.795f64.ln() + 10.57f64.ln();
    assert!((p.linear_predictor - lp).abs() < 1e-12);
    assert!((p.probability - 1.0 / (1.0 + (-lp).exp())).abs() < 1e-12);
    // rms: the widest contribution range spans 100 points; total points map back to lp.
    let max_points = p.terms.iter().map(|t| t.points).fold(0.0, f64::max);
    assert!(max_points <= 100.0 + 1e-9);
    let scale = radscore::model::NomogramScale::new(&card).unwrap();
    assert!((scale.linear_predictor(p.total_points) - lp).abs() < 1e-9);
    assert!(
        scale
            .axes
            .iter()
            .any(|a| (a.points.iter().cloned().fold(0.0, f64::max) - 100.0).abs() < 1e-9)
    );

    let mut bad = clinical.clone();
    bad.insert("ki67".into(), ClinicalValue::parse("130"));
    let e = card.predict_with_radscore(1.2, &bad).unwrap_err();
    assert!(
        e.to_string().contains("ki67") && e.to_string().contains("0 to 100"),
        "{e}"
    );
    let mut bad = clinical.clone();
    bad.insert("hepatic_metastases".into(), ClinicalValue::parse("several"));
    let e = card.predict_with_radscore(1.2, &bad).unwrap_err();
    assert!(e.to_string().contains("oligometastasis, multiple, diffuse"), "{e}");
    let mut bad = clinical.clone();
    bad.remove("extrahepatic_metastasis");
    let e = card.predict_with_radscore(1.2, &bad).unwrap_err();
    assert!(e.to_string().contains("extrahepatic_metastasis"), "{e}");
}

#[test]
fn broken_model_files_are_named() {
    let good: serde_json::Value = serde_json::from_str(&complete_card().to_json()).unwrap();
    let cases: Vec<Breakage> = vec![
        (
            "missing key",
            Box::new(|v| {
                v.as_object_mut().unwrap().remove("event");
            }),
            "event",
        ),
        (
            "wrong type",
            Box::new(|v| v["radscore"]["intercept"] = "1.6".into()),
            "intercept",
        ),
        ("unknown key", Box::new(|v| v["radscore"]["scale"] = 1.into()), "scale"),
        ("bad format", Box::new(|v| v["format"] = "other".into()), "format"),
        (
            "future version",
            Box::new(|v| v["format_version"] = 9.into()),
            "format_version",
        ),
        (
            "unknown kind",
            Box::new(|v| v["fusion"]["predictors"][1]["kind"] = "spline".into()),
            "spline",
        ),
        (
            "bad feature key",
            Box::new(|v| v["radscore"]["features"][0]["key"] = "RootMeanSquared".into()),
            "RootMeanSquared",
        ),
        (
            "zero sd",
            Box::new(|v| v["radscore"]["features"][2]["sd"] = 0.0.into()),
            "sd must be > 0",
        ),
        (
            "empty range",
            Box::new(|v| v["fusion"]["predictors"][1]["max"] = (-1.0).into()),
            "min < max",
        ),
        (
            "mismatched levels",
            Box::new(|v| v["fusion"]["predictors"][2]["codes"] = serde_json::json!([0, 1])),
            "2 codes for 3 levels",
        ),
        (
            "duplicate name",
            Box::new(|v| v["fusion"]["predictors"][3]["name"] = "ki67".into()),
            "duplicate",
        ),
        (
            "no radscore term",
            Box::new(|v| {
                v["fusion"]["predictors"].as_array_mut().unwrap().remove(0);
            }),
            "radscore term",
        ),
    ];
    for (what, mutate, needle) in cases {
        let mut v = good.clone();
        mutate(&mut v);
        let e = ModelCard::from_json(&v.to_string()).unwrap_err();
        assert!(e.to_string().contains(needle), "{what}: {e}");
    }
    // NaN cannot be written in JSON, but a huge number overflows to inf in f64.
    let text = good
        .to_string()
        .replacen("\"coefficient\":-0.429", "\"coefficient\":1e999", 1);
    let e = ModelCard::from_json(&text).unwrap_err();
    assert!(e.to_string().contains("coefficient"), "{e}");
}

/// Probabilities equal statsmodels' `Logit.predict` for the same coefficients and inputs
/// (statsmodels from the oracle venv).
#[test]
fn predictions_equal_statsmodels() {
    let Some(python) = common::oracle_python() else { return };
    let card = complete_card();
    let coef = |name: &str| {
        card.fusion
            .predictors
            .iter()
            .find(|p| p.name == name)
            .map(|p| match &p.kind {
                radscore::model::PredictorKind::Radscore { coefficient }
                | radscore::model::PredictorKind::Continuous { coefficient, .. }
                | radscore::model::PredictorKind::Binary { coefficient, .. }
                | radscore::model::PredictorKind::Ordinal { coefficient, .. } => coefficient.unwrap(),
                _ => f64::NAN,
            })
            .unwrap()
    };
    let params = vec![
        card.fusion.intercept.unwrap(),
        coef("radscore"),
        coef("ki67"),
        coef("hepatic_metastases"),
        coef("extrahepatic_metastasis"),
    ];
    let levels = ["oligometastasis", "multiple", "diffuse"];
    let mut rng = common::Rng(5);
    let mut rows = Vec::new();
    let mut ours = Vec::new();
    for _ in 0..50 {
        let rs = rng.uniform() * 6.0 - 1.0;
        let ki67 = (rng.uniform() * 100.0).round();
        let h = rng.int(0, 2) as usize;
        let e = rng.int(0, 1) as usize;
        let clinical: BTreeMap<String, ClinicalValue> = [
            ("ki67", ClinicalValue::Number(ki67)),
            ("hepatic_metastases", ClinicalValue::Text(levels[h].into())),
            ("extrahepatic_metastasis", ClinicalValue::Text(["no", "yes"][e].into())),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        ours.push(card.predict_with_radscore(rs, &clinical).unwrap().probability);
        rows.push(vec![1.0, rs, ki67, h as f64, e as f64]);
    }
    let input = serde_json::json!({"params": params, "x": rows}).to_string();
    let out = std::process::Command::new(&python)
        .arg(common::oracle_script("logit_predict.py"))
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut c| {
            use std::io::Write;
            c.stdin.take().unwrap().write_all(input.as_bytes())?;
            c.wait_with_output()
        })
        .expect("oracle");
    let theirs: serde_json::Value = serde_json::from_slice(&out.stdout).expect("statsmodels output");
    for (o, t) in ours.iter().zip(theirs["probability"].as_array().unwrap()) {
        let t = t.as_f64().unwrap();
        assert!((o - t).abs() <= 1e-14 + 1e-12 * t, "radscore {o} vs statsmodels {t}");
    }
}

/// On a cohort simulated from a known logistic model whose intercept is shifted,
/// recalibration in the large recovers the true intercept within two standard errors, and
/// logistic recalibration finds a slope near 1.
#[test]
fn recalibration_recovers_the_generating_intercept() {
    let mut card = complete_card();
    card.fusion.intercept = None;
    let true_intercept = -2.3;
    let mut truth = complete_card();
    truth.fusion.intercept = Some(true_intercept);
    let levels = ["oligometastasis", "multiple", "diffuse"];
    let mut rng = common::Rng(11);
    let mut cohort = Vec::new();
    for _ in 0..1500 {
        let mut features = radscore::FeatureSet::new();
        for f in &card.radscore.features {
            // Features around the card's z-score parameters (mean 1, SD 2).
            features.insert(f.key.clone(), 1.0 + 2.0 * (rng.uniform() * 2.0 - 1.0) * 0.6);
        }
        let clinical: BTreeMap<String, ClinicalValue> = [
            ("ki67", ClinicalValue::Number((rng.uniform() * 40.0).round())),
            (
                "hepatic_metastases",
                ClinicalValue::Text(levels[rng.int(0, 2) as usize].into()),
            ),
            (
                "extrahepatic_metastasis",
                ClinicalValue::Text(["no", "yes"][rng.int(0, 1) as usize].into()),
            ),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        let p = truth.predict(&features, &clinical).unwrap().probability;
        cohort.push(radscore::model::CohortLesion {
            features,
            clinical,
            outcome: rng.uniform() < p,
        });
    }
    let (fitted, report) =
        radscore::model::recalibrate(&card, &cohort, radscore::model::Recalibration::InTheLarge, 1.6).unwrap();
    assert!(
        (report.intercept - true_intercept).abs() <= 2.0 * report.intercept_se,
        "intercept {} ± {} vs true {true_intercept}",
        report.intercept,
        report.intercept_se
    );
    assert_eq!(fitted.fusion.intercept, Some(report.intercept));
    assert!(fitted.missing().is_empty());
    let (_, logistic) =
        radscore::model::recalibrate(&card, &cohort, radscore::model::Recalibration::Logistic, 1.6).unwrap();
    assert!(
        (logistic.slope - 1.0).abs() <= 2.0 * logistic.slope_se,
        "slope {} ± {}",
        logistic.slope,
        logistic.slope_se
    );
}

/// The nomogram SVG renders to a picture that is not blank and names every axis.
#[test]
fn nomogram_svg_renders_with_every_axis() {
    let card = complete_card();
    let clinical: BTreeMap<String, ClinicalValue> = [
        ("ki67", "20"),
        ("hepatic_metastases", "diffuse"),
        ("extrahepatic_metastasis", "no"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), ClinicalValue::parse(v)))
    .collect();
    let p = card.predict_with_radscore(2.0, &clinical).unwrap();
    let svg = radscore::model::nomogram_svg(&card, Some(&p)).unwrap();
    for label in ["Points", "Total Points", "Probability"]
        .into_iter()
        .chain(card.fusion.predictors.iter().map(|p| p.label.as_str()))
    {
        // The svg crate writes each text node on its own line.
        assert!(svg.lines().any(|l| l.trim() == label), "axis label '{label}' missing");
    }
    let tree = resvg::usvg::Tree::from_str(&svg, &resvg::usvg::Options::default()).expect("valid SVG");
    let size = tree.size().to_int_size();
    let mut pixmap = resvg::tiny_skia::Pixmap::new(size.width(), size.height()).unwrap();
    resvg::render(&tree, resvg::tiny_skia::Transform::default(), &mut pixmap.as_mut());
    let dark = pixmap
        .pixels()
        .iter()
        .filter(|px| px.alpha() > 0 && px.red() < 128)
        .count();
    let red = pixmap
        .pixels()
        .iter()
        .filter(|px| px.red() > 150 && px.green() < 100 && px.blue() < 100)
        .count();
    assert!(dark > 1000, "the rendered nomogram is blank ({dark} dark pixels)");
    assert!(red > 20, "the patient marker is not drawn ({red} red pixels)");
}
