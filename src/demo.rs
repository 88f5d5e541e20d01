//! The built-in demonstration (`radscore demo`): the whole main job on synthetic data, with
//! nothing to download. It is a demonstration of the machinery, not a clinical result.
//!
//! 1. A synthetic abdominal CT (512×512×60) and its lesion are generated; the studies' 851
//!    features are extracted with the `surufatinib` preset.
//! 2. The Front. Oncol. 2025 card lacks z-score parameters and intercepts, so a local cohort is
//!    simulated: small phantoms with varied lesions give the features (z-scoring), clinical
//!    values are drawn at random, and outcomes follow the published odds ratios with an
//!    intercept radscore does not reveal to the fit. The card is then recalibrated in the large.
//! 3. The patient's Radscore, probability of non-response and nomogram points are computed and
//!    the nomogram is drawn with the patient marked.

use rayon::prelude::*;
use std::collections::BTreeMap;
use std::time::Instant;

use crate::error::Result;
use crate::extract::{FeatureSet, extract};
use crate::model::{
    CalibrationReport, ClinicalValue, CohortLesion, ModelCard, Prediction, Recalibration, nomogram_svg, published_card,
    recalibrate,
};
use crate::phantom::{PhantomSpec, Rng, generate};
use crate::settings::{Settings, ValidSettings};

/// The fusion intercept the simulated outcomes are drawn with (hidden from the fit).
pub const SIMULATED_INTERCEPT: f64 = -4.2;
/// The Radscore intercept implied by the paper's Table 2 medians (see the card's provenance).
pub const RADSCORE_INTERCEPT: f64 = 1.6;

/// Everything the demo computed.
#[derive(Debug, Clone)]
pub struct DemoResult {
    pub features: FeatureSet,
    pub extraction_seconds: f64,
    pub cohort_size: usize,
    pub calibration: CalibrationReport,
    pub card: ModelCard,
    pub clinical: BTreeMap<String, ClinicalValue>,
    pub prediction: Prediction,
    pub nomogram_svg: String,
    pub total_seconds: f64,
}

fn clinical_values(rng: &mut Rng) -> BTreeMap<String, ClinicalValue> {
    let levels = ["oligometastasis", "multiple", "diffuse"];
    let mut c = BTreeMap::new();
    c.insert(
        "ki67".into(),
        ClinicalValue::Number((1.0 + rng.uniform() * 40.0).round()),
    );
    c.insert(
        "hepatic_metastases".into(),
        ClinicalValue::Text(levels[(rng.uniform() * 3.0) as usize % 3].into()),
    );
    c.insert(
        "extrahepatic_metastasis".into(),
        ClinicalValue::Text(if rng.uniform() < 0.35 { "yes" } else { "no" }.into()),
    );
    c
}

/// Run the demo with `seed`, simulating a local cohort of `cohort_size` lesions.
pub fn run(seed: u64, cohort_size: usize) -> Result<DemoResult> {
    let start = Instant::now();
    let settings: ValidSettings = Settings::preset("surufatinib")?.validate()?;

    // 1. The patient.
    let patient = generate(&PhantomSpec {
        seed,
        ..PhantomSpec::default()
    })?;
    let t = Instant::now();
    let features = extract(&patient.image, &patient.mask, &settings)?;
    let extraction_seconds = t.elapsed().as_secs_f64();

    // 2. The simulated local cohort: small CT crops with lesions of 12–45 mm.
    let cohort_features: Vec<FeatureSet> = (0..cohort_size)
        .into_par_iter()
        .map(|i| {
            let mut rng = Rng(seed.wrapping_mul(31).wrapping_add(i as u64));
            let spec = PhantomSpec {
                size: [160, 160, 20],
                seed: seed.wrapping_add(1000 + i as u64),
                lesion_diameter_mm: 12.0 + rng.uniform() * 33.0,
                second_lesion: false,
                ..PhantomSpec::default()
            };
            let p = generate(&spec)?;
            extract(&p.image, &p.mask, &settings)
        })
        .collect::<Result<_>>()?;
    let published = published_card("front-oncol-2025")?;
    // The generating model: the published card with z-scores from this cohort and the
    // intercepts above.
    let mut truth = published.clone();
    crate::model::fit_zscore(&mut truth, &cohort_features)?;
    truth.radscore.intercept = Some(RADSCORE_INTERCEPT);
    truth.fusion.intercept = Some(SIMULATED_INTERCEPT);
    for p in &mut truth.fusion.predictors {
        if let crate::model::PredictorKind::Ordinal { levels, codes, .. } = &mut p.kind {
            *codes = Some((0..levels.len()).map(|i| i as f64).collect());
        }
    }
    let mut rng = Rng(seed ^ 0xC0_4047);
    let mut cohort = Vec::with_capacity(cohort_size);
    for f in cohort_features {
        let clinical = clinical_values(&mut rng);
        let p = truth.predict(&f, &clinical)?.probability;
        cohort.push(CohortLesion {
            features: f,
            clinical,
            outcome: rng.uniform() < p,
        });
    }
    let (card, calibration) = recalibrate(&published, &cohort, Recalibration::InTheLarge, RADSCORE_INTERCEPT)?;

    // 3. The patient's prediction and nomogram.
    let clinical: BTreeMap<String, ClinicalValue> = [
        ("ki67", ClinicalValue::Number(15.0)),
        ("hepatic_metastases", ClinicalValue::Text("multiple".into())),
        ("extrahepatic_metastasis", ClinicalValue::Text("no".into())),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    let prediction = card.predict(&features, &clinical)?;
    let svg = nomogram_svg(&card, Some(&prediction))?;
    Ok(DemoResult {
        features,
        extraction_seconds,
        cohort_size,
        calibration,
        card,
        clinical,
        prediction,
        nomogram_svg: svg,
        total_seconds: start.elapsed().as_secs_f64(),
    })
}
