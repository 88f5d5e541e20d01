//! `radscore simulate-cohort` + `radscore train` end to end on the simulated Front. Oncol.-like
//! cohort, checked against the generating model written to truth.json.

use radscore::model::ModelCard;
use radscore::model::simulate::{CohortSpec, simulate_cohort};
use radscore::stats::io::Table;
mod train_support;

use radscore::train::{Cohort, TrainSettings, report, train};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;
use train_support::columns;

fn radscore(args: &[&str]) {
    let out = Command::new(env!("CARGO_BIN_EXE_radscore"))
        .args(args)
        .output()
        .expect("run radscore");
    assert!(
        out.status.success(),
        "radscore {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("train").join(name);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn simulated_cohort_has_the_study_shape_and_is_deterministic() {
    let spec = CohortSpec::default();
    let a = simulate_cohort(&spec).unwrap();
    let b = simulate_cohort(&spec).unwrap();
    assert_eq!(a, b);
    assert_eq!(a.lesion_ids.len(), 131);
    let mut patients = a.patient_ids.clone();
    patients.dedup();
    assert_eq!(patients.len(), 76);
    assert_eq!(a.non_response.iter().filter(|e| !**e).count(), 27);
    assert!(a.feature_names.iter().all(|k| k.split('_').count() >= 3));
    // Clinical variables are per patient.
    for i in 1..131 {
        if a.patient_ids[i] == a.patient_ids[i - 1] {
            assert_eq!(a.ki67[i], a.ki67[i - 1]);
            assert_eq!(a.extrahepatic_metastasis[i], a.extrahepatic_metastasis[i - 1]);
        }
    }
    let c = simulate_cohort(&CohortSpec { seed: 7, ..spec }).unwrap();
    assert_ne!(a.features, c.features);
}

#[test]
fn train_recovers_the_generating_model() {
    let dir = scratch("recover");
    let d = |f: &str| dir.join(f).to_str().unwrap().to_string();
    radscore(&["simulate-cohort", "--out", &d("")]);
    let truth: Value = serde_json::from_str(&std::fs::read_to_string(dir.join("truth.json")).unwrap()).unwrap();

    // In process, for the bootstrap details.
    let features = Table::read(&dir.join("features.csv")).unwrap();
    let observer2 = Table::read(&dir.join("features_observer2.csv")).unwrap();
    let clinical = Table::read(&dir.join("clinical.csv")).unwrap();
    let cohort = Cohort::from_tables(&features, Some(&observer2), &clinical, &columns()).unwrap();
    let settings = TrainSettings {
        bootstrap: 20,
        ..TrainSettings::default()
    };
    let result = train(&cohort, &settings).unwrap();
    let boot = result.bootstrap.as_ref().unwrap();
    assert_eq!(boot.unit, "patient");
    assert!(boot.used >= 15, "{boot:?}");

    // Informative features are selected more often than noise features.
    let informative: Vec<&str> = truth["features"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["informative"] == true)
        .map(|f| f["key"].as_str().unwrap())
        .collect();
    let (mut inf, mut noise) = (Vec::new(), Vec::new());
    for (name, freq) in &boot.feature_frequency {
        if informative.contains(&name.as_str()) {
            inf.push(*freq);
        } else {
            noise.push(*freq);
        }
    }
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    println!(
        "selection frequency: informative {inf:?}, noise mean {:.3}",
        mean(&noise)
    );
    assert!(inf.len() >= 3, "informative features lost by the ICC filter");
    assert!(
        mean(&inf) > 2.0 * mean(&noise),
        "informative {inf:?} vs noise mean {}",
        mean(&noise)
    );
    assert!(inf.iter().filter(|&&f| f >= 0.5).count() >= 3);

    // Optimism positive and small.
    println!(
        "apparent {} optimism {} corrected {}",
        result.fusion_roc.roc.auc, boot.optimism, boot.corrected_auc
    );
    assert!(
        boot.optimism > 0.0 && boot.optimism < 0.15,
        "optimism {}",
        boot.optimism
    );

    // Fitted clinical ORs: the profile 95% CI covers the generating OR.
    let terms = truth["terms"].as_array().unwrap();
    let mut checked = 0;
    for (k, t) in result.fit.terms.iter().enumerate() {
        if let radscore::train::Term::Clinical(c) = t {
            let name = &cohort.clinical[*c].name;
            let true_beta = terms.iter().find(|x| x["name"] == name.as_str()).unwrap()["coefficient"]
                .as_f64()
                .unwrap();
            let ci = result.profile[k + 1];
            println!("{name}: true β {true_beta}, profile CI {} .. {}", ci.lower, ci.upper);
            assert!(ci.lower <= true_beta && true_beta <= ci.upper, "{name}");
            checked += 1;
        }
    }
    assert!(checked >= 1, "no clinical term kept");
    assert!(result.fit.terms.contains(&radscore::train::Term::Radscore));

    // The model card predicts what the pipeline predicted.
    let card = &result.card;
    let mut probs = Vec::new();
    for i in 0..cohort.y.len() {
        let feats: radscore::FeatureSet = cohort
            .feature_names
            .iter()
            .enumerate()
            .map(|(j, k)| (k.clone(), cohort.features[(i, j)]))
            .collect();
        let mut clin = std::collections::BTreeMap::new();
        for row in &clinical.rows {
            if row[0] == cohort.lesion_ids[i] {
                for (h, v) in clinical.header.iter().zip(row) {
                    if card.fusion.predictors.iter().any(|p| &p.name == h) {
                        clin.insert(h.clone(), radscore::model::ClinicalValue::parse(v));
                    }
                }
            }
        }
        probs.push(card.predict(&feats, &clin).unwrap().probability);
    }
    for (a, b) in probs.iter().zip(&result.probabilities) {
        assert!((a - b).abs() < 1e-12);
    }
    let auc = radscore::stats::roc::auc(&probs, &cohort.y).unwrap();
    assert!((auc - card.provenance.reported_auc.unwrap()).abs() < 1e-15);
    let html = report::render(&result).unwrap();
    assert!(html.matches("<svg").count() >= 6);
}

fn numbers(v: &Value, out: &mut Vec<f64>) {
    match v {
        Value::Number(n) => out.push(n.as_f64().unwrap()),
        Value::Array(a) => a.iter().for_each(|x| numbers(x, out)),
        Value::Object(o) => o.values().for_each(|x| numbers(x, out)),
        _ => {}
    }
}

/// Numeric literals of a JSON text (outside strings).
fn number_tokens(text: &str) -> Vec<String> {
    let mut tokens = Vec::new();
    let (mut in_string, mut escaped, mut current) = (false, false, String::new());
    for c in text.chars() {
        if in_string {
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_string = false,
                _ => {}
            }
            continue;
        }
        if c.is_ascii_digit() || "-+.eE".contains(c) {
            current.push(c);
        } else {
            if !current.is_empty() {
                tokens.push(std::mem::take(&mut current));
            }
            in_string = c == '"';
        }
    }
    tokens
}

#[test]
fn cli_writes_a_model_that_predicts_and_a_report_with_every_number() {
    let dir = scratch("cli");
    let d = |f: &str| dir.join(f).to_str().unwrap().to_string();
    radscore(&["simulate-cohort", "--out", &d(""), "--seed", "3"]);
    radscore(&[
        "train",
        "--features",
        &d("features.csv"),
        "--observer2",
        &d("features_observer2.csv"),
        "--clinical",
        &d("clinical.csv"),
        "--outcome",
        "non_response",
        "--predictors",
        "ki67,hepatic_metastases,extrahepatic_metastasis",
        "--levels",
        "hepatic_metastases=oligometastasis,multiple,diffuse",
        "--out",
        &d("model.json"),
        "--report",
        &d("report.html"),
        "--bootstrap",
        "10",
    ]);
    let card = ModelCard::from_file(dir.join("model.json")).unwrap();
    card.require_complete().unwrap();
    let html = std::fs::read_to_string(dir.join("report.html")).unwrap();
    // No external resources: the only URL is the SVG namespace.
    assert!(!html.contains("src=") && !html.contains("href="), "self-contained");
    assert!(!html.contains("<script"), "self-contained, no scripts");
    assert!(html.matches("<svg").count() >= 6 && html.contains("<polyline"));
    // Every number token of the model file, as written, appears in the report.
    let text = std::fs::read_to_string(dir.join("model.json")).unwrap();
    let json: Value = serde_json::from_str(&text).unwrap();
    let mut all = Vec::new();
    numbers(&json, &mut all);
    for token in number_tokens(&text) {
        assert!(html.contains(&token), "model number {token} is not in the report");
    }
    println!("{} model numbers found in the report", all.len());

    // `radscore predict` loads it: features of lesion 1 as JSON, its clinical values.
    let features = Table::read(&dir.join("features.csv")).unwrap();
    let clinical = Table::read(&dir.join("clinical.csv")).unwrap();
    let obj: serde_json::Map<String, Value> = features
        .header
        .iter()
        .zip(&features.rows[0])
        .skip(2)
        .map(|(k, v)| (k.clone(), Value::from(v.parse::<f64>().unwrap())))
        .collect();
    std::fs::write(dir.join("lesion1.json"), Value::Object(obj).to_string()).unwrap();
    let mut args = vec![
        "predict".to_string(),
        "--model".into(),
        d("model.json"),
        "--features".into(),
        d("lesion1.json"),
        "--format".into(),
        "json".into(),
    ];
    for p in &card.fusion.predictors[1..] {
        let j = clinical.index(&p.name).unwrap();
        args.push("--clinical".into());
        args.push(format!("{}={}", p.name, clinical.rows[0][j]));
    }
    let out = Command::new(env!("CARGO_BIN_EXE_radscore"))
        .args(&args)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let p: Value = serde_json::from_slice(&out.stdout).unwrap();
    let prob = p["probability"].as_f64().unwrap();
    assert!(prob > 0.0 && prob < 1.0);
    // Independent recomputation from the card's numbers.
    let mut rs = card.radscore.intercept.unwrap();
    for f in &card.radscore.features {
        let j = features.index(&f.key).unwrap();
        let x: f64 = features.rows[0][j].parse().unwrap();
        rs += f.coefficient * (x - f.mean.unwrap()) / f.sd.unwrap();
    }
    assert!((p["radscore"].as_f64().unwrap() - rs).abs() < 1e-12);
}
