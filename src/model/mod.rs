//! Radscore + fusion (clinical-radiomics logistic) models and their nomograms, read from a
//! versioned JSON model file.
//!
//! A model card says what is published and what must be fitted locally: a card whose z-score
//! parameters or intercepts are missing loads (so it can be shown and recalibrated) but
//! refuses to predict, naming what is missing and how to fit it.

mod calibrate;
mod card;
mod figure;
mod nomogram;
mod predict;
pub mod simulate;

pub use calibrate::{CalibrationReport, CohortLesion, Recalibration, fit_zscore, recalibrate};
pub use card::{
    AmbiguousFeature, Event, FusionModel, ModelCard, Predictor, PredictorKind, Provenance, RadscoreFeature,
    RadscoreModel,
};
pub use figure::nomogram_svg;
pub use nomogram::{NomogramAxis, NomogramScale};
pub use predict::{ClinicalValue, Prediction, TermPoints};

/// The model file format this version reads and writes.
pub const MODEL_FORMAT_VERSION: u32 = 1;

/// The published model cards shipped with radscore, by id.
pub fn published_cards() -> Vec<(&'static str, &'static str)> {
    vec![
        ("front-oncol-2025", include_str!("../../models/front_oncol_2025.json")),
        ("cancer-med-2026", include_str!("../../models/cancer_med_2026.json")),
    ]
}

/// Load a shipped card by id (`front-oncol-2025`, `cancer-med-2026`).
pub fn published_card(id: &str) -> crate::Result<ModelCard> {
    let (_, text) = published_cards().into_iter().find(|(i, _)| *i == id).ok_or_else(|| {
        crate::Error::Model(format!(
            "no shipped model card '{id}' (available: front-oncol-2025, cancer-med-2026)"
        ))
    })?;
    ModelCard::from_json(text)
}
