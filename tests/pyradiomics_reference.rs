//! radscore against pyradiomics' own test suite: the baseline CSVs of every configuration
//! (`../shared/data/pyradiomics/baseline/`, pyradiomics' tests/baseline) and the 107 original
//! features of `reference_851/` (pyradiomics 3.1.4 on the same five cases).
//!
//! Source of the expected values: pyradiomics (AIM-Harvard/pyradiomics, tests/baseline), and
//! `reference_851/default_plus_wavelet.csv` computed by pyradiomics 3.1.4 (../shared/README.md).

mod common;

use std::collections::BTreeMap;

use common::{Comparison, parse_value, python_literal_to_json, read_csv, shared_dir};
use radscore::image::{read_image, read_label_map};
use radscore::settings::Settings;

const CASES: [&str; 5] = ["brain1", "brain2", "breast1", "lung1", "lung2"];
/// Expected values of one configuration column: class → [(feature, value)].
type Expected = BTreeMap<String, Vec<(String, f64)>>;

const CLASSES: [&str; 7] = ["shape", "firstorder", "glcm", "gldm", "glrlm", "glszm", "ngtdm"];

/// Every value of every configuration column of pyradiomics' baselines.
#[test]
fn baseline_every_configuration() {
    let Some(shared) = shared_dir() else { return };
    let base = shared.join("data/pyradiomics");
    // (column, settings text) → class → [(feature, expected)]
    let mut runs: BTreeMap<(String, String), Expected> = BTreeMap::new();
    for class in CLASSES {
        let rows = read_csv(&base.join(format!("baseline/baseline_{class}.csv")));
        let header = &rows[0];
        let settings_row = rows
            .iter()
            .find(|r| r[0] == "diagnostics_Configuration_Settings")
            .expect("settings row");
        for (col, name) in header.iter().enumerate().skip(1) {
            // The brain1 shape column predates pyradiomics' 2018 mesh rewrite (stale);
            // brain1 shape is compared with the live oracle instead (tests/oracle_extraction.rs).
            if class == "shape" && name == "brain1" {
                continue;
            }
            let key = (name.clone(), settings_row[col].clone());
            let entry = runs.entry(key).or_default().entry(class.to_string()).or_default();
            for row in &rows {
                let prefix = format!("original_{class}_");
                if let Some(feature) = row[0].strip_prefix(&prefix)
                    && let Some(v) = row.get(col).and_then(|s| parse_value(s))
                {
                    entry.push((feature.to_string(), v));
                }
            }
        }
    }
    let mut cmp = Comparison::default();
    for ((column, settings_text), classes) in &runs {
        let case = CASES.iter().find(|c| column.starts_with(*c)).expect("case name");
        let mut setting = python_literal_to_json(settings_text);
        // Keys pyradiomics' test harness passes but that are not parameter-file settings.
        if let Some(m) = setting.as_object_mut() {
            m.remove("additionalInfo");
            // pyradiomics' test flow computes shape on the re-segmented mask.
            if m.get("resegmentRange").is_some_and(|v| !v.is_null()) {
                m.insert("resegmentShape".into(), serde_json::Value::Bool(true));
            }
        }
        let mut fc = serde_json::Map::new();
        for (class, feats) in classes {
            let names: Vec<serde_json::Value> = feats.iter().map(|(n, _)| n.clone().into()).collect();
            fc.insert(class.clone(), serde_json::Value::Array(names));
        }
        let params = serde_json::json!({"setting": setting, "featureClass": fc});
        let settings = Settings::from_value(&params)
            .and_then(|s| s.validate())
            .unwrap_or_else(|e| panic!("{column}: settings rejected: {e}"));
        let image = read_image(base.join(format!("{case}_image.nrrd"))).expect("image");
        let (mask, _) = read_label_map(base.join(format!("{case}_label.nrrd")), None).expect("mask");
        let features = match radscore::extract(&image, &mask, &settings) {
            Ok(f) => f,
            Err(e) => {
                cmp.failures.push(format!("{column}: extraction failed: {e}"));
                continue;
            }
        };
        for (class, feats) in classes {
            for (name, expected) in feats {
                let key = format!("original_{class}_{name}");
                match features.get(&key) {
                    Some(&v) => cmp.check(class, &format!("{column} {key}"), v, *expected),
                    None => cmp.failures.push(format!("{column}: {key} missing")),
                }
            }
        }
    }
    cmp.finish("pyradiomics baseline (all configurations)");
}

/// All 851 features of reference_851 (default extractor settings + Wavelet, no resampling),
/// values and order.
#[test]
fn reference_851_all_features() {
    let Some(shared) = shared_dir() else { return };
    let base = shared.join("data/pyradiomics");
    let rows = read_csv(&base.join("reference_851/default_plus_wavelet.csv"));
    let header = rows[0].clone();
    let mut settings = Settings::default();
    settings.image_types.push(radscore::settings::ImageTypeSpec {
        kind: radscore::settings::ImageTypeKind::Wavelet,
        overrides: Default::default(),
    });
    let settings = settings.validate().expect("defaults + wavelet");
    let mut cmp = Comparison::default();
    for (col, case) in header.iter().enumerate().skip(1) {
        let image = read_image(base.join(format!("{case}_image.nrrd"))).expect("image");
        let (mask, _) = read_label_map(base.join(format!("{case}_label.nrrd")), None).expect("mask");
        let features = match radscore::extract(&image, &mask, &settings) {
            Ok(f) => f,
            Err(e) => {
                cmp.failures.push(format!("{case}: extraction failed: {e}"));
                continue;
            }
        };
        let expected: Vec<(&String, f64)> = rows
            .iter()
            .filter(|r| !r[0].starts_with("diagnostics_") && r[0] != "featureName")
            .filter_map(|r| parse_value(&r[col]).map(|v| (&r[0], v)))
            .collect();
        assert_eq!(expected.len(), 851, "reference_851 should hold 851 features");
        let ours: Vec<&String> = features.keys().collect();
        let theirs: Vec<&String> = expected.iter().map(|(k, _)| *k).collect();
        assert_eq!(
            ours, theirs,
            "{case}: feature keys or their order differ from pyradiomics"
        );
        for (key, v) in expected {
            let class = key.split('_').nth(1).unwrap_or("?");
            let group = if key.starts_with("wavelet") {
                format!("wavelet {class}")
            } else {
                class.to_string()
            };
            cmp.check(&group, &format!("{case} {key}"), features[key.as_str()], v);
        }
    }
    cmp.finish("reference_851 original features");
}
