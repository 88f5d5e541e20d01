//! A simulated clinical-radiomics cohort resembling the Front. Oncol. 2025 surufatinib study
//! (131 hepatic lesions in 76 patients, 27 lesions with an effective response), drawn from a
//! known generating logistic model so that tests and demos can check what `radscore train`
//! recovers.
//!
//! It lives with the models (not with the statistics methods) because it is shaped by the model
//! card: the clinical variables carry the card's names and levels (`ki67`, `hepatic_metastases`,
//! `extrahepatic_metastasis`), the features the pyradiomics keys of its Radscore, and the event is
//! the card's (non-response).
//!
//! Generating model, per lesion i of patient p:
//! logit P(non-response) = β₀ + Σₖ βₖ·zᵢₖ + β_ki67·ki67ₚ + β_hep·codeₚ + β_extra·extraₚ, where zᵢₖ
//! are the latent standard-normal values of the informative features (each feature is
//! `center + scale·z`, so its z-score estimates z). The outcome is drawn as the latent-variable
//! form (η + logistic noise > 0) with β₀ set so that exactly `n_effective` lesions respond:
//! β₀ = −(the `n_effective`-th smallest η + noise), recorded in the truth.
//!
//! Noise features follow a factor model (some groups strongly correlated, so the Spearman filter
//! has work to do; some log-normal). The second observer re-segments a random subset of lesions:
//! its values add measurement error sized to a target ICC per feature (most 0.78–0.98, a sixth
//! of the noise features 0.40–0.70).

use nalgebra::DMatrix;
use serde::Serialize;

use crate::error::{Error, Result};
use crate::stats::SplitMix64;

/// What to simulate.
#[derive(Debug, Clone, PartialEq)]
pub struct CohortSpec {
    pub seed: u64,
    pub n_patients: usize,
    pub n_lesions: usize,
    /// Lesions with an effective response (the non-events).
    pub n_effective: usize,
    /// Noise features besides the informative ones.
    pub n_noise: usize,
    /// Lesions segmented by the second observer.
    pub n_observer2: usize,
}

impl Default for CohortSpec {
    fn default() -> Self {
        CohortSpec {
            seed: 2025,
            n_patients: 76,
            n_lesions: 131,
            n_effective: 27,
            n_noise: 76,
            n_observer2: 40,
        }
    }
}

/// One term of the generating model.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TruthTerm {
    pub name: String,
    /// Log-odds per unit (per latent SD for a feature).
    pub coefficient: f64,
    pub odds_ratio: f64,
    /// How the variable enters: "per %", "code 0,1,2 for oligometastasis,multiple,diffuse", …
    pub coding: String,
}

/// How a feature's values were generated.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FeatureTruth {
    pub key: String,
    pub informative: bool,
    /// "linear": center + scale·z; "lognormal": center·exp(scale·z).
    pub transform: String,
    pub center: f64,
    pub scale: f64,
    /// Target ICC of the second observer.
    pub target_icc: f64,
}

/// The generating model and the cohort's counts (written as truth.json).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Truth {
    pub seed: u64,
    pub n_patients: usize,
    pub n_lesions: usize,
    pub n_effective: usize,
    pub n_observer2: usize,
    pub outcome: String,
    pub event: String,
    pub intercept: f64,
    /// Informative features (on their latent z scale) then clinical variables.
    pub terms: Vec<TruthTerm>,
    pub features: Vec<FeatureTruth>,
    pub notes: Vec<String>,
}

/// The simulated cohort.
#[derive(Debug, Clone, PartialEq)]
pub struct SimulatedCohort {
    pub lesion_ids: Vec<String>,
    pub patient_ids: Vec<String>,
    pub feature_names: Vec<String>,
    /// Lesions × features (observer 1).
    pub features: DMatrix<f64>,
    /// Rows (0-based lesions) segmented by observer 2, and their values.
    pub observer2_rows: Vec<usize>,
    pub observer2: DMatrix<f64>,
    pub age: Vec<f64>,
    pub sex: Vec<String>,
    pub ki67: Vec<f64>,
    pub hepatic_metastases: Vec<String>,
    pub extrahepatic_metastasis: Vec<String>,
    /// 1 = non-response (the event), 0 = effective.
    pub non_response: Vec<bool>,
    pub truth: Truth,
}

/// Levels of the number of hepatic metastases, coded 0, 1, 2.
pub const HEPATIC_LEVELS: [&str; 3] = ["oligometastasis", "multiple", "diffuse"];

/// The informative features and their generating log-odds per latent SD (keys of the card's
/// Radscore).
const INFORMATIVE: [(&str, f64); 4] = [
    ("original_glcm_Correlation", 0.9),
    ("wavelet-LLH_glcm_Imc1", 0.8),
    ("original_firstorder_RootMeanSquared", -0.7),
    ("original_ngtdm_Busyness", 0.6),
];
// The published multivariable odds ratios (Ki67 1.035 per %, hepatic metastases 3.795 per level,
// extrahepatic metastasis 10.57).
const BETA_KI67: f64 = 0.0344;
const BETA_HEPATIC: f64 = 1.334;
const BETA_EXTRAHEPATIC: f64 = 2.358;

struct Draw(SplitMix64);

impl Draw {
    fn uniform(&mut self) -> f64 {
        // 53 random bits in (0, 1): never exactly 0 (logs) or 1.
        ((self.0.next_u64() >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    }
    fn normal(&mut self) -> f64 {
        let (u1, u2) = (self.uniform(), self.uniform());
        (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
    }
    fn between(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.uniform()
    }
}

/// Real pyradiomics feature keys to draw noise features from.
fn key_pool() -> Vec<String> {
    let classes: [(&str, &[&str]); 6] = [
        (
            "firstorder",
            &[
                "10Percentile",
                "90Percentile",
                "Energy",
                "Entropy",
                "InterquartileRange",
                "Kurtosis",
                "Maximum",
                "MeanAbsoluteDeviation",
                "Mean",
                "Median",
                "Minimum",
                "Range",
                "RobustMeanAbsoluteDeviation",
                "RootMeanSquared",
                "Skewness",
                "TotalEnergy",
                "Uniformity",
                "Variance",
            ],
        ),
        (
            "glcm",
            &[
                "Autocorrelation",
                "ClusterProminence",
                "ClusterShade",
                "ClusterTendency",
                "Contrast",
                "Correlation",
                "DifferenceAverage",
                "DifferenceEntropy",
                "DifferenceVariance",
                "Id",
                "Idm",
                "Idmn",
                "Idn",
                "Imc1",
                "Imc2",
                "InverseVariance",
                "JointAverage",
                "JointEnergy",
                "JointEntropy",
                "MCC",
                "MaximumProbability",
                "SumAverage",
                "SumEntropy",
                "SumSquares",
            ],
        ),
        (
            "glrlm",
            &[
                "GrayLevelNonUniformity",
                "LongRunEmphasis",
                "LongRunLowGrayLevelEmphasis",
                "RunEntropy",
                "RunPercentage",
                "RunVariance",
                "ShortRunEmphasis",
            ],
        ),
        (
            "glszm",
            &[
                "LargeAreaHighGrayLevelEmphasis",
                "SizeZoneNonUniformityNormalized",
                "SmallAreaEmphasis",
                "ZoneEntropy",
                "ZonePercentage",
            ],
        ),
        (
            "gldm",
            &[
                "DependenceEntropy",
                "DependenceNonUniformity",
                "LargeDependenceEmphasis",
                "SmallDependenceEmphasis",
            ],
        ),
        (
            "ngtdm",
            &["Busyness", "Coarseness", "Complexity", "Contrast", "Strength"],
        ),
    ];
    let mut keys: Vec<String> = [
        "Elongation",
        "Flatness",
        "Maximum3DDiameter",
        "MeshVolume",
        "Sphericity",
        "SurfaceVolumeRatio",
    ]
    .iter()
    .map(|f| format!("original_shape_{f}"))
    .collect();
    for image_type in ["original", "wavelet-LLH", "wavelet-HHL", "wavelet-LLL"] {
        for (class, features) in classes {
            keys.extend(features.iter().map(|f| format!("{image_type}_{class}_{f}")));
        }
    }
    keys
}

/// Simulate the cohort described by `spec`.
pub fn simulate_cohort(spec: &CohortSpec) -> Result<SimulatedCohort> {
    let n = spec.n_lesions;
    let pool = key_pool();
    let available = pool.len() - INFORMATIVE.len();
    if spec.n_patients == 0 || n < spec.n_patients || n > 4 * spec.n_patients {
        return Err(Error::setting(
            "simulate.n_lesions",
            format!(
                "needs 1 to 4 lesions per patient: {n} lesions for {} patients",
                spec.n_patients
            ),
        ));
    }
    if spec.n_effective == 0 || spec.n_effective >= n {
        return Err(Error::setting(
            "simulate.n_effective",
            format!("must be in 1..{n}, got {}", spec.n_effective),
        ));
    }
    if spec.n_noise > available || spec.n_observer2 < 2 || spec.n_observer2 > n {
        return Err(Error::setting(
            "simulate.n_noise/n_observer2",
            format!("noise features at most {available}, observer-2 lesions in 2..={n}"),
        ));
    }
    let mut rng = Draw(SplitMix64(spec.seed));

    // Lesions per patient: one each, then the rest spread at random (at most 4 per patient).
    let mut per_patient = vec![1usize; spec.n_patients];
    let mut extra = n - spec.n_patients;
    while extra > 0 {
        let p = rng.0.below(spec.n_patients);
        if per_patient[p] < 4 {
            per_patient[p] += 1;
            extra -= 1;
        }
    }
    let mut patient_of = Vec::with_capacity(n);
    for (p, &k) in per_patient.iter().enumerate() {
        patient_of.extend(std::iter::repeat_n(p, k));
    }

    // Patient-level clinical variables (plausible for hepatic metastases of NENs).
    let mut p_age = Vec::new();
    let mut p_sex = Vec::new();
    let mut p_ki67 = Vec::new();
    let mut p_hep = Vec::new();
    let mut p_extra = Vec::new();
    for _ in 0..spec.n_patients {
        p_age.push((55.0 + 10.0 * rng.normal()).round().clamp(25.0, 85.0));
        p_sex.push(if rng.uniform() < 0.55 { "male" } else { "female" });
        p_ki67.push((10.0f64.ln() + 0.9 * rng.normal()).exp().round().clamp(1.0, 80.0));
        let u = rng.uniform();
        p_hep.push(if u < 0.3 {
            0usize
        } else if u < 0.75 {
            1
        } else {
            2
        });
        p_extra.push(usize::from(rng.uniform() < 0.4));
    }

    // Features: informative (independent latent z) and noise (factor model).
    let noise_keys: Vec<String> = {
        let mut candidates: Vec<&String> = pool
            .iter()
            .filter(|k| !INFORMATIVE.iter().any(|(i, _)| i == k))
            .collect();
        rng.0.shuffle(&mut candidates);
        let chosen: Vec<&String> = candidates.into_iter().take(spec.n_noise).collect();
        pool.iter().filter(|k| chosen.contains(k)).cloned().collect()
    };
    let mut feature_names: Vec<String> = INFORMATIVE.iter().map(|(k, _)| k.to_string()).collect();
    feature_names.extend(noise_keys);
    let p = feature_names.len();
    let n_factors = 10;
    let factors = DMatrix::from_fn(n, n_factors, |_, _| rng.normal());
    let mut latent = DMatrix::zeros(n, p);
    let mut truths = Vec::with_capacity(p);
    for j in 0..p {
        let informative = j < INFORMATIVE.len();
        let (factor, loading) = if informative {
            (0, 0.0)
        } else {
            // A third load almost entirely on their factor (near-duplicates, as radiomics features often are).
            let loading = if rng.uniform() < 0.35 {
                rng.between(0.96, 0.995)
            } else {
                rng.between(0.2, 0.9)
            };
            (rng.0.below(n_factors), loading)
        };
        let unique = (1.0 - loading * loading).sqrt();
        for i in 0..n {
            latent[(i, j)] = loading * factors[(i, factor)] + unique * rng.normal();
        }
        let lognormal = !informative && rng.uniform() < 0.3;
        let center = 10f64.powf(rng.between(-2.0, 4.0));
        let scale = if lognormal {
            rng.between(0.2, 0.6)
        } else {
            center * rng.between(0.1, 0.4)
        };
        let target_icc = if informative {
            rng.between(0.85, 0.95)
        } else if rng.uniform() < 1.0 / 6.0 {
            rng.between(0.40, 0.70)
        } else {
            rng.between(0.78, 0.98)
        };
        truths.push(FeatureTruth {
            key: feature_names[j].clone(),
            informative,
            transform: if lognormal { "lognormal" } else { "linear" }.into(),
            center,
            scale,
            target_icc,
        });
    }
    let value = |t: &FeatureTruth, z: f64| {
        if t.transform == "lognormal" {
            t.center * (t.scale * z).exp()
        } else {
            t.center + t.scale * z
        }
    };
    let features = DMatrix::from_fn(n, p, |i, j| value(&truths[j], latent[(i, j)]));

    // Second observer: a random subset of lesions with measurement error.
    let mut rows: Vec<usize> = (0..n).collect();
    rng.0.shuffle(&mut rows);
    let mut observer2_rows: Vec<usize> = rows.into_iter().take(spec.n_observer2).collect();
    observer2_rows.sort_unstable();
    let mut observer2 = DMatrix::zeros(observer2_rows.len(), p);
    for (r, &i) in observer2_rows.iter().enumerate() {
        for j in 0..p {
            let icc = truths[j].target_icc;
            let error_sd = ((1.0 - icc) / icc).sqrt();
            observer2[(r, j)] = value(&truths[j], latent[(i, j)] + error_sd * rng.normal());
        }
    }

    // Outcome: latent logistic form with exactly n_effective non-events.
    let eta: Vec<f64> = (0..n)
        .map(|i| {
            let pt = patient_of[i];
            INFORMATIVE
                .iter()
                .enumerate()
                .map(|(k, (_, b))| b * latent[(i, k)])
                .sum::<f64>()
                + BETA_KI67 * p_ki67[pt]
                + BETA_HEPATIC * p_hep[pt] as f64
                + BETA_EXTRAHEPATIC * p_extra[pt] as f64
        })
        .collect();
    let utility: Vec<f64> = eta
        .iter()
        .map(|e| {
            let u = rng.uniform();
            e + (u / (1.0 - u)).ln()
        })
        .collect();
    let mut sorted = utility.clone();
    sorted.sort_by(f64::total_cmp);
    // Midway between the last responder and the first non-responder.
    let cut = 0.5 * (sorted[spec.n_effective - 1] + sorted[spec.n_effective]);
    let non_response: Vec<bool> = utility.iter().map(|&u| u > cut).collect();

    let mut terms: Vec<TruthTerm> = INFORMATIVE
        .iter()
        .map(|(k, b)| TruthTerm {
            name: k.to_string(),
            coefficient: *b,
            odds_ratio: b.exp(),
            coding: "per latent SD (≈ per SD of the feature; its z-score)".into(),
        })
        .collect();
    for (name, b, coding) in [
        ("ki67", BETA_KI67, "per % (Ki67 index)".to_string()),
        (
            "hepatic_metastases",
            BETA_HEPATIC,
            format!("per level, codes 0, 1, 2 for {}", HEPATIC_LEVELS.join(", ")),
        ),
        ("extrahepatic_metastasis", BETA_EXTRAHEPATIC, "yes vs no".to_string()),
    ] {
        terms.push(TruthTerm {
            name: name.into(),
            coefficient: b,
            odds_ratio: b.exp(),
            coding,
        });
    }
    let pad = |prefix: &str, k: usize, width: usize| format!("{prefix}{:0width$}", k + 1);
    Ok(SimulatedCohort {
        lesion_ids: (0..n).map(|i| pad("L", i, 3)).collect(),
        patient_ids: patient_of.iter().map(|&pt| pad("P", pt, 2)).collect(),
        feature_names,
        features,
        observer2_rows,
        observer2,
        age: patient_of.iter().map(|&pt| p_age[pt]).collect(),
        sex: patient_of.iter().map(|&pt| p_sex[pt].to_string()).collect(),
        ki67: patient_of.iter().map(|&pt| p_ki67[pt]).collect(),
        hepatic_metastases: patient_of
            .iter()
            .map(|&pt| HEPATIC_LEVELS[p_hep[pt]].to_string())
            .collect(),
        extrahepatic_metastasis: patient_of
            .iter()
            .map(|&pt| if p_extra[pt] == 1 { "yes" } else { "no" }.to_string())
            .collect(),
        non_response,
        truth: Truth {
            seed: spec.seed,
            n_patients: spec.n_patients,
            n_lesions: n,
            n_effective: spec.n_effective,
            n_observer2: spec.n_observer2,
            outcome: "non_response".into(),
            event: "non-response (stable or progressive disease), 1; effective response, 0".into(),
            intercept: -cut,
            terms,
            features: truths,
            notes: vec![
                "outcome drawn as 1{η + logistic noise > c} with c chosen so that exactly n_effective lesions respond; \
                 the generating model is logit P = −c + η"
                    .into(),
                "clinical variables are per patient (shared by the patient's lesions); resample by patient_id".into(),
            ],
        },
    })
}

fn csv_rows(ids: &[&str], patients: &[&str], names: &[String], x: &DMatrix<f64>) -> String {
    let mut text = format!("lesion_id,patient_id,{}\n", names.join(","));
    for i in 0..x.nrows() {
        text.push_str(ids[i]);
        text.push(',');
        text.push_str(patients[i]);
        for v in x.row(i).iter() {
            text.push_str(&format!(",{v:?}"));
        }
        text.push('\n');
    }
    text
}

impl SimulatedCohort {
    /// features.csv (observer 1), features_observer2.csv, clinical.csv and truth.json as text.
    pub fn files(&self) -> Result<Vec<(&'static str, String)>> {
        let ids: Vec<&str> = self.lesion_ids.iter().map(String::as_str).collect();
        let patients: Vec<&str> = self.patient_ids.iter().map(String::as_str).collect();
        let ids2: Vec<&str> = self.observer2_rows.iter().map(|&i| ids[i]).collect();
        let patients2: Vec<&str> = self.observer2_rows.iter().map(|&i| patients[i]).collect();
        let mut clinical =
            String::from("lesion_id,patient_id,age,sex,ki67,hepatic_metastases,extrahepatic_metastasis,non_response\n");
        for i in 0..self.lesion_ids.len() {
            clinical.push_str(&format!(
                "{},{},{},{},{},{},{},{}\n",
                ids[i],
                patients[i],
                self.age[i],
                self.sex[i],
                self.ki67[i],
                self.hepatic_metastases[i],
                self.extrahepatic_metastasis[i],
                u8::from(self.non_response[i])
            ));
        }
        let truth = serde_json::to_string_pretty(&self.truth)
            .map_err(|e| Error::InvalidArgument(format!("cannot serialise the truth: {e}")))?;
        Ok(vec![
            (
                "features.csv",
                csv_rows(&ids, &patients, &self.feature_names, &self.features),
            ),
            (
                "features_observer2.csv",
                csv_rows(&ids2, &patients2, &self.feature_names, &self.observer2),
            ),
            ("clinical.csv", clinical),
            ("truth.json", truth + "\n"),
        ])
    }
}
