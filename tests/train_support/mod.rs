//! Shared by the `radscore train` tests: the simulated cohort's columns as the README's
//! training example names them.
#![allow(dead_code)]

use radscore::model::simulate::HEPATIC_LEVELS;
use radscore::train::CohortColumns;

/// `--id lesion_id --patient patient_id --outcome non_response --predictors
/// ki67,hepatic_metastases,extrahepatic_metastasis --levels hepatic_metastases=...`.
pub fn columns() -> CohortColumns {
    CohortColumns {
        id: "lesion_id".into(),
        patient: Some("patient_id".into()),
        outcome: "non_response".into(),
        event: None,
        predictors: vec![
            "ki67".into(),
            "hepatic_metastases".into(),
            "extrahepatic_metastasis".into(),
        ],
        levels: vec![(
            "hepatic_metastases".into(),
            HEPATIC_LEVELS.iter().map(|s| s.to_string()).collect(),
        )],
        feature_exclude: vec!["patient_id".into()],
    }
}
