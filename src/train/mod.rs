//! `radscore train`: the studies' clinical-radiomics modelling pipeline on a cohort.
//!
//! ICC filter (when a second observer's features are given; once, on the re-segmented lesions)
//! → Spearman redundancy filter (caret rule, |ρ| > 0.90) → z-score → 10-fold LASSO-CV
//! (folds by patient when a patient id exists) → Radscore at lambda.min or lambda.1se →
//! univariate logistic screening of the Radscore and clinical variables (p < 0.05) → backward
//! stepwise elimination (Wald p ≥ 0.05 removed) → the fusion logistic model → AUC with DeLong
//! CI and the Youden point → Harrell's bootstrap repeating every step from the Spearman filter on
//! (resampling patients, with all their lesions, when a patient id column exists) → calibration
//! → decision curve → nomogram. The result converts to a model card (`radscore predict` loads it)
//! and to a self-contained HTML report ([`report`]).

pub mod report;

use nalgebra::DMatrix;
use std::collections::HashMap;

use crate::model::{
    Event, FusionModel, ModelCard, Predictor, PredictorKind, Provenance, RadscoreFeature, RadscoreModel,
};
use crate::stats::calibration::{CalibrationStats, HosmerLemeshow, calibration_stats, hosmer_lemeshow, lowess};
use crate::stats::correlation::{RedundancyMethod, redundancy_filter};
use crate::stats::dca::{DecisionCurve, decision_curve, default_thresholds};
use crate::stats::glmnet::{CvMeasure, CvResult, CvSettings, Folds, LambdaChoice, LassoSettings, cv_glmnet};
use crate::stats::hypothesis::{chisq_test, wilcox_test};
use crate::stats::icc::{FeatureIcc, IccSettings, icc_filter};
use crate::stats::io::Table;
use crate::stats::logistic::{
    LogisticFit, LogisticRegression, ProfileInterval, UnivariateResult, backward_elimination, univariate_screening,
};
use crate::stats::roc::{Direction, Roc, RocPoint, delong_test, roc};
use crate::stats::zscore::ZScore;
use crate::stats::{Fit, SplitMix64, count_classes};
use crate::{Error, Result};

/// How a clinical variable enters the models.
#[derive(Debug, Clone, PartialEq)]
pub enum ClinicalKind {
    /// A number, used as is.
    Continuous,
    /// Two levels coded 0/1 (the first is the reference).
    Binary { levels: [String; 2] },
    /// Ordered levels coded 0, 1, 2, … (one coefficient per step).
    Ordinal { levels: Vec<String> },
}

/// One clinical predictor, coded.
#[derive(Debug, Clone, PartialEq)]
pub struct ClinicalVariable {
    pub name: String,
    pub kind: ClinicalKind,
    /// Coded values, one per lesion.
    pub values: Vec<f64>,
}

/// The cohort: one row per lesion.
#[derive(Debug, Clone, PartialEq)]
pub struct Cohort {
    pub lesion_ids: Vec<String>,
    /// Patient of each lesion (resampling and CV folds by patient), if known.
    pub patient_ids: Option<Vec<String>>,
    pub feature_names: Vec<String>,
    pub features: DMatrix<f64>,
    /// Second observer: rows of `features` (0-based) it re-segmented, and its values.
    pub observer2: Option<(Vec<usize>, DMatrix<f64>)>,
    pub clinical: Vec<ClinicalVariable>,
    /// Other clinical columns shown in Table 1 only: (name, raw cells).
    pub baseline_only: Vec<(String, Vec<String>)>,
    pub outcome: String,
    pub y: Vec<bool>,
}

/// Columns and codings that tie the CSV tables together.
#[derive(Debug, Clone, PartialEq)]
pub struct CohortColumns {
    /// Lesion id column present in every table.
    pub id: String,
    /// Patient id column (in the clinical table), if any.
    pub patient: Option<String>,
    pub outcome: String,
    /// Label of the event if the outcome column holds text.
    pub event: Option<String>,
    pub predictors: Vec<String>,
    /// Level order of text predictors: name → levels (first = reference / code 0).
    pub levels: Vec<(String, Vec<String>)>,
    /// Feature-table columns that are not features (besides the id and patient columns).
    pub feature_exclude: Vec<String>,
}

fn cells(table: &Table, name: &str) -> Result<Vec<String>> {
    let j = table.index(name)?;
    table
        .rows
        .iter()
        .enumerate()
        .map(|(i, row)| {
            let c = row.get(j).cloned().unwrap_or_default();
            if c.is_empty() || c.eq_ignore_ascii_case("na") {
                Err(Error::format(
                    &table.path,
                    format!("row {}, column '{name}' is missing", i + 1),
                ))
            } else {
                Ok(c)
            }
        })
        .collect()
}

fn row_index(table: &Table, id: &str) -> Result<HashMap<String, usize>> {
    let mut map = HashMap::new();
    for (i, c) in cells(table, id)?.into_iter().enumerate() {
        if map.insert(c.clone(), i).is_some() {
            return Err(Error::format(
                &table.path,
                format!("id '{c}' appears twice in column '{id}'"),
            ));
        }
    }
    Ok(map)
}

impl Cohort {
    /// Join the feature table (observer 1), the optional second observer's table and the clinical
    /// table on the lesion id (the clinical table's row order is kept; every lesion must have
    /// features).
    pub fn from_tables(
        features: &Table,
        observer2: Option<&Table>,
        clinical: &Table,
        cols: &CohortColumns,
    ) -> Result<Cohort> {
        let lesion_ids = cells(clinical, &cols.id)?;
        let y = clinical.outcome(&cols.outcome, cols.event.as_deref())?;
        let patient_ids = match &cols.patient {
            Some(p) => Some(cells(clinical, p)?),
            None => None,
        };
        let mut excluded: Vec<&str> = vec![cols.id.as_str()];
        excluded.extend(cols.patient.iter().map(String::as_str));
        excluded.extend(cols.feature_exclude.iter().map(String::as_str));
        let feature_names: Vec<String> = features.columns_except(&excluded);
        if feature_names.is_empty() {
            return Err(Error::format(&features.path, "no feature columns"));
        }
        let feature_rows = row_index(features, &cols.id)?;
        let order: Vec<usize> = lesion_ids
            .iter()
            .map(|l| {
                feature_rows.get(l).copied().ok_or_else(|| {
                    Error::format(
                        &features.path,
                        format!("lesion '{l}' of {} has no features", clinical.path.display()),
                    )
                })
            })
            .collect::<Result<_>>()?;
        let features_matrix = features.numeric_matrix(&feature_names)?.select_rows(&order);
        let observer2 = match observer2 {
            None => None,
            Some(t) => {
                for name in &feature_names {
                    t.index(name)?;
                }
                let rows2 = row_index(t, &cols.id)?;
                let position: HashMap<&String, usize> = lesion_ids.iter().enumerate().map(|(i, l)| (l, i)).collect();
                let mut pairs: Vec<(usize, usize)> = rows2
                    .iter()
                    .filter_map(|(l, &r)| position.get(l).map(|&i| (i, r)))
                    .collect();
                pairs.sort_unstable();
                if pairs.len() < 3 {
                    return Err(Error::format(
                        &t.path,
                        format!(
                            "only {} lesion(s) shared with the cohort; the ICC filter needs at least 3",
                            pairs.len()
                        ),
                    ));
                }
                let m = t.numeric_matrix(&feature_names)?;
                let rows: Vec<usize> = pairs.iter().map(|p| p.1).collect();
                Some((pairs.iter().map(|p| p.0).collect(), m.select_rows(&rows)))
            }
        };
        let mut clinical_vars = Vec::new();
        for name in &cols.predictors {
            if !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') || name == "radscore" {
                return Err(Error::InvalidArgument(format!(
                    "predictor '{name}': names must be letters, digits or '_' (and not 'radscore')"
                )));
            }
            let raw = cells(clinical, name)?;
            let given = cols.levels.iter().find(|(n, _)| n == name).map(|(_, l)| l.clone());
            let numeric: Option<Vec<f64>> = raw
                .iter()
                .map(|c| c.parse::<f64>().ok().filter(|v| v.is_finite()))
                .collect();
            let var = match (numeric, given) {
                (Some(values), None) => ClinicalVariable {
                    name: name.clone(),
                    kind: ClinicalKind::Continuous,
                    values,
                },
                (_, levels) => {
                    let levels = match levels {
                        Some(l) => l,
                        None => {
                            let mut l = raw.clone();
                            l.sort();
                            l.dedup();
                            if l.len() > 2 {
                                return Err(Error::InvalidArgument(format!(
                                    "predictor '{name}' has {} levels ({}): give their order with --levels {name}=a,b,c \
                                     (coded 0, 1, 2, …)",
                                    l.len(),
                                    l.join(", ")
                                )));
                            }
                            l
                        }
                    };
                    let values = raw
                        .iter()
                        .enumerate()
                        .map(|(i, c)| {
                            levels.iter().position(|l| l == c).map(|k| k as f64).ok_or_else(|| {
                                Error::Stats(format!(
                                    "row {}, column '{name}': '{c}' is not one of the levels {}",
                                    i + 1,
                                    levels.join(", ")
                                ))
                            })
                        })
                        .collect::<Result<Vec<f64>>>()?;
                    let kind = match <[String; 2]>::try_from(levels.clone()) {
                        Ok(two) => ClinicalKind::Binary { levels: two },
                        Err(_) if levels.len() > 2 => ClinicalKind::Ordinal { levels },
                        Err(_) => {
                            return Err(Error::InvalidArgument(format!(
                                "predictor '{name}' needs at least 2 levels"
                            )));
                        }
                    };
                    ClinicalVariable {
                        name: name.clone(),
                        kind,
                        values,
                    }
                }
            };
            clinical_vars.push(var);
        }
        let mut skip: Vec<&str> = vec![cols.id.as_str(), cols.outcome.as_str()];
        skip.extend(cols.patient.iter().map(String::as_str));
        skip.extend(cols.predictors.iter().map(String::as_str));
        let baseline_only = clinical
            .columns_except(&skip)
            .into_iter()
            .map(|c| {
                let j = clinical.index(&c)?;
                Ok((
                    c,
                    clinical
                        .rows
                        .iter()
                        .map(|r| r.get(j).cloned().unwrap_or_default())
                        .collect(),
                ))
            })
            .collect::<Result<_>>()?;
        Ok(Cohort {
            lesion_ids,
            patient_ids,
            feature_names,
            features: features_matrix,
            observer2,
            clinical: clinical_vars,
            baseline_only,
            outcome: cols.outcome.clone(),
            y,
        })
    }

    fn clinical_matrix(&self) -> DMatrix<f64> {
        DMatrix::from_fn(self.y.len(), self.clinical.len(), |i, j| self.clinical[j].values[i])
    }

    /// Group (patient) index of each lesion; each lesion its own group without patient ids.
    fn groups(&self) -> Vec<usize> {
        match &self.patient_ids {
            None => (0..self.y.len()).collect(),
            Some(p) => {
                let mut ids: HashMap<&String, usize> = HashMap::new();
                p.iter()
                    .map(|id| {
                        let next = ids.len();
                        *ids.entry(id).or_insert(next)
                    })
                    .collect()
            }
        }
    }
}

/// Every configurable step.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainSettings {
    pub icc_threshold: f64,
    pub spearman_cutoff: f64,
    pub nfolds: usize,
    /// Which λ gives the Radscore (the studies report lambda.min).
    pub lambda: LambdaChoice,
    pub screening_p: f64,
    pub stepwise_p: f64,
    /// Bootstrap resamples (0 = none).
    pub bootstrap: usize,
    pub seed: u64,
    pub level: f64,
    /// Model id and title written to the model file.
    pub id: String,
    pub title: String,
    pub event_description: String,
}

impl Default for TrainSettings {
    fn default() -> Self {
        TrainSettings {
            icc_threshold: 0.75,
            spearman_cutoff: 0.90,
            nfolds: 10,
            lambda: LambdaChoice::Min,
            screening_p: 0.05,
            stepwise_p: 0.05,
            bootstrap: 1000,
            seed: 1,
            level: 0.95,
            id: "local-model".into(),
            title: "Clinical-radiomics nomogram fitted with radscore train".into(),
            event_description: String::new(),
        }
    }
}

/// One fusion-model term: the Radscore or a clinical variable (index into [`Cohort::clinical`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Term {
    Radscore,
    Clinical(usize),
}

/// The whole selection and fit on one data set (the original cohort or a bootstrap resample).
#[derive(Debug, Clone)]
pub struct PipelineFit {
    /// Feature indices (into the ICC-kept candidate list) kept by the Spearman filter.
    pub spearman_kept: Vec<usize>,
    pub spearman_removed: Vec<String>,
    pub zscore: ZScore,
    pub cv: CvResult,
    pub lambda: f64,
    /// Selected features: (candidate index, coefficient on the z-score, mean, sd).
    pub radscore_terms: Vec<(usize, f64, f64, f64)>,
    pub radscore_intercept: f64,
    pub univariate: Vec<UnivariateResult>,
    /// Screened candidates (p < screening_p), in candidate order.
    pub screened: Vec<Term>,
    /// Removed by backward elimination, with the p that removed them.
    pub removed: Vec<(Term, f64)>,
    pub terms: Vec<Term>,
    pub fusion: LogisticFit,
}

impl PipelineFit {
    /// Radscore of each row of `x` (candidate feature columns).
    pub fn radscore(&self, x: &DMatrix<f64>) -> Vec<f64> {
        (0..x.nrows())
            .map(|i| {
                self.radscore_intercept
                    + self
                        .radscore_terms
                        .iter()
                        .map(|&(j, b, m, s)| b * (x[(i, j)] - m) / s)
                        .sum::<f64>()
            })
            .collect()
    }

    fn design(&self, radscore: &[f64], clinical: &DMatrix<f64>) -> DMatrix<f64> {
        DMatrix::from_fn(radscore.len(), self.terms.len(), |i, k| match self.terms[k] {
            Term::Radscore => radscore[i],
            Term::Clinical(c) => clinical[(i, c)],
        })
    }

    /// Fusion linear predictor of each row.
    pub fn linear_predictor(&self, x: &DMatrix<f64>, clinical: &DMatrix<f64>) -> Vec<f64> {
        let rs = self.radscore(x);
        let d = self.design(&rs, clinical);
        let b: Vec<f64> = self.fusion.coefficients.iter().map(|c| c.estimate).collect();
        (0..d.nrows())
            .map(|i| b[0] + (0..d.ncols()).map(|k| b[k + 1] * d[(i, k)]).sum::<f64>())
            .collect()
    }
}

/// Fold ids 1..=K assigned to groups (patients) at random, so that a patient's lesions share a fold.
fn grouped_folds(groups: &[usize], k: usize, seed: u64) -> Result<Vec<usize>> {
    let mut distinct: Vec<usize> = groups.to_vec();
    distinct.sort_unstable();
    distinct.dedup();
    if distinct.len() < k {
        return Err(Error::Stats(format!(
            "{} patients cannot fill {k} cross-validation folds",
            distinct.len()
        )));
    }
    SplitMix64(seed).shuffle(&mut distinct);
    let fold: HashMap<usize, usize> = distinct.iter().enumerate().map(|(r, &g)| (g, r % k + 1)).collect();
    Ok(groups.iter().map(|g| fold[g]).collect())
}

fn name_of(term: Term, clinical: &[ClinicalVariable]) -> String {
    match term {
        Term::Radscore => "radscore".into(),
        Term::Clinical(c) => clinical[c].name.clone(),
    }
}

/// Run every selection step and the fusion fit on `x` (candidate features), `clinical`, `y`.
// The bootstrap calls this with resampled copies of each input, so they stay separate arguments.
#[allow(clippy::too_many_arguments)]
pub fn fit_pipeline(
    x: &DMatrix<f64>,
    names: &[String],
    clinical: &DMatrix<f64>,
    clinical_vars: &[ClinicalVariable],
    y: &[bool],
    groups: &[usize],
    settings: &TrainSettings,
    seed: u64,
) -> Result<PipelineFit> {
    let redundancy = redundancy_filter(x, names, settings.spearman_cutoff, RedundancyMethod::Exact)?;
    let spearman_kept: Vec<usize> = names
        .iter()
        .enumerate()
        .filter(|(_, n)| redundancy.kept.contains(n))
        .map(|(j, _)| j)
        .collect();
    let xk = x.select_columns(&spearman_kept);
    let zscore = ZScore::fit(&xk, &redundancy.kept)?;
    let z = zscore.transform(&xk)?;
    let cv_settings = CvSettings {
        lasso: LassoSettings::default(),
        measure: CvMeasure::Deviance,
        folds: Folds::Given(grouped_folds(groups, settings.nfolds, seed)?),
    };
    let cv = cv_glmnet(&z, y, Some(&redundancy.kept), &cv_settings)?;
    let model = cv.model(settings.lambda);
    let radscore_terms: Vec<(usize, f64, f64, f64)> = model
        .coefficients
        .iter()
        .enumerate()
        .filter(|(_, b)| **b != 0.0)
        .map(|(k, &b)| (spearman_kept[k], b, zscore.means[k], zscore.sds[k]))
        .collect();
    if radscore_terms.is_empty() {
        return Err(Error::Stats(format!(
            "LASSO selected no feature at λ = {:.4}",
            model.lambda
        )));
    }
    let mut fit = PipelineFit {
        spearman_kept,
        spearman_removed: redundancy.removed,
        zscore,
        lambda: model.lambda,
        cv,
        radscore_terms,
        radscore_intercept: model.intercept,
        univariate: Vec::new(),
        screened: Vec::new(),
        removed: Vec::new(),
        terms: Vec::new(),
        fusion: LogisticRegression::default().fit(&DMatrix::zeros(y.len(), 0), y)?,
    };
    let rs = fit.radscore(x);
    let candidates: Vec<Term> = std::iter::once(Term::Radscore)
        .chain((0..clinical_vars.len()).map(Term::Clinical))
        .collect();
    let cand_names: Vec<String> = candidates.iter().map(|&t| name_of(t, clinical_vars)).collect();
    fit.terms = candidates.clone();
    let all = fit.design(&rs, clinical);
    fit.univariate = univariate_screening(&all, y, &cand_names)?;
    fit.screened = candidates
        .iter()
        .zip(&fit.univariate)
        .filter(|(_, u)| u.coefficient.p_value < settings.screening_p)
        .map(|(&t, _)| t)
        .collect();
    if fit.screened.is_empty() {
        return Err(Error::Stats(format!(
            "no candidate passed univariate screening at p < {}",
            settings.screening_p
        )));
    }
    let screened_idx: Vec<usize> = candidates
        .iter()
        .enumerate()
        .filter(|(_, t)| fit.screened.contains(t))
        .map(|(k, _)| k)
        .collect();
    let screened_names: Vec<String> = screened_idx.iter().map(|&k| cand_names[k].clone()).collect();
    let back = backward_elimination(
        &all.select_columns(&screened_idx),
        y,
        &screened_names,
        settings.stepwise_p,
    )?;
    let term_of = |name: &str| candidates[cand_names.iter().position(|n| n == name).unwrap_or(0)];
    fit.removed = back.removed.iter().map(|(n, p)| (term_of(n), *p)).collect();
    fit.terms = back.kept.iter().map(|n| term_of(n)).collect();
    fit.fusion = back
        .final_fit
        .ok_or_else(|| Error::Stats("backward elimination removed every predictor".into()))?;
    Ok(fit)
}

/// AUC, DeLong CI and Youden point of one score.
#[derive(Debug, Clone)]
pub struct Discrimination {
    pub name: String,
    pub roc: Roc,
    pub ci: (f64, f64),
    pub youden: RocPoint,
}

fn discrimination(name: &str, score: &[f64], y: &[bool], level: f64) -> Result<Discrimination> {
    let r = roc(score, y, Direction::ControlsLower)?;
    let ci = r.delong_ci(level)?;
    let youden = r
        .youden_best()
        .into_iter()
        .next()
        .ok_or_else(|| Error::Stats(format!("{name}: no ROC point")))?;
    Ok(Discrimination {
        name: name.into(),
        roc: r,
        ci,
        youden,
    })
}

/// Harrell's bootstrap of the whole pipeline.
#[derive(Debug, Clone, PartialEq)]
pub struct BootstrapSummary {
    pub requested: usize,
    pub used: usize,
    pub skipped_one_class: usize,
    pub failed: usize,
    pub first_failure: Option<String>,
    /// "patient" or "lesion".
    pub unit: String,
    pub optimism: f64,
    pub corrected_auc: f64,
    /// Percentile CI of the final model's AUC over the resamples.
    pub auc_ci: (f64, f64),
    /// How often each candidate feature entered the Radscore (fraction of used resamples).
    pub feature_frequency: Vec<(String, f64)>,
    /// How often each candidate term stayed in the fusion model.
    pub term_frequency: Vec<(String, f64)>,
}

/// Table 1 row.
#[derive(Debug, Clone, PartialEq)]
pub struct BaselineRow {
    pub variable: String,
    /// (level or "median (IQR)", non-event text, event text).
    pub lines: Vec<(String, String, String)>,
    pub test: String,
    pub p_value: f64,
}

/// Everything the report shows and the model file needs.
#[derive(Debug, Clone)]
pub struct TrainResult {
    pub settings: TrainSettings,
    pub n: usize,
    pub events: usize,
    pub n_patients: Option<usize>,
    pub n_features: usize,
    pub icc: Option<Vec<FeatureIcc>>,
    /// Feature names entering the Spearman filter (after the ICC filter).
    pub candidates: Vec<String>,
    pub fit: PipelineFit,
    pub clinical: Vec<ClinicalVariable>,
    pub profile: Vec<ProfileInterval>,
    pub radscore_roc: Discrimination,
    pub clinical_roc: Option<Discrimination>,
    pub fusion_roc: Discrimination,
    /// Paired DeLong test fusion vs clinical: (z, p).
    pub fusion_vs_clinical: Option<(f64, f64)>,
    pub calibration: CalibrationStats,
    pub hosmer_lemeshow: HosmerLemeshow,
    pub calibration_curve: (Vec<f64>, Vec<f64>),
    pub dca: DecisionCurve,
    pub bootstrap: Option<BootstrapSummary>,
    pub baseline: Vec<BaselineRow>,
    pub radscores: Vec<f64>,
    pub probabilities: Vec<f64>,
    pub y: Vec<bool>,
    pub card: ModelCard,
}

fn quantile7(values: &[f64], prob: f64) -> f64 {
    let mut s = values.to_vec();
    s.sort_by(f64::total_cmp);
    if s.is_empty() {
        return f64::NAN;
    }
    let h = (s.len() - 1) as f64 * prob;
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(s.len() - 1);
    s[lo] + (h - lo as f64) * (s[hi] - s[lo])
}

fn fmt_num(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e6 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}

fn baseline(cohort: &Cohort) -> Result<Vec<BaselineRow>> {
    let y = &cohort.y;
    let (events, non_events) = count_classes(y);
    let mut rows = Vec::new();
    let mut columns: Vec<(String, Vec<String>)> = cohort
        .clinical
        .iter()
        .map(|v| {
            let text = match &v.kind {
                ClinicalKind::Continuous => v.values.iter().map(|x| format!("{x}")).collect(),
                ClinicalKind::Binary { levels } => v.values.iter().map(|&x| levels[x as usize].clone()).collect(),
                ClinicalKind::Ordinal { levels } => v.values.iter().map(|&x| levels[x as usize].clone()).collect(),
            };
            (v.name.clone(), text)
        })
        .collect();
    columns.extend(cohort.baseline_only.iter().cloned());
    for (name, raw) in columns {
        if raw.iter().any(|c| c.is_empty()) {
            continue;
        }
        let numeric: Option<Vec<f64>> = raw.iter().map(|c| c.parse::<f64>().ok()).collect();
        let ordered_levels = cohort
            .clinical
            .iter()
            .find(|v| v.name == name)
            .and_then(|v| match &v.kind {
                ClinicalKind::Binary { levels } => Some(levels.to_vec()),
                ClinicalKind::Ordinal { levels } => Some(levels.clone()),
                ClinicalKind::Continuous => None,
            });
        match (numeric, ordered_levels) {
            (Some(x), None) => {
                let a: Vec<f64> = x.iter().zip(y).filter(|(_, e)| !**e).map(|(v, _)| *v).collect();
                let b: Vec<f64> = x.iter().zip(y).filter(|(_, e)| **e).map(|(v, _)| *v).collect();
                let w = wilcox_test(&a, &b)?;
                let t = |v: &[f64]| {
                    format!(
                        "{} ({}–{})",
                        fmt_num(quantile7(v, 0.5)),
                        fmt_num(quantile7(v, 0.25)),
                        fmt_num(quantile7(v, 0.75))
                    )
                };
                rows.push(BaselineRow {
                    variable: name,
                    lines: vec![("median (IQR)".into(), t(&a), t(&b))],
                    test: "Mann–Whitney".into(),
                    p_value: w.p_value,
                });
            }
            (_, levels) => {
                let levels = levels.unwrap_or_else(|| {
                    let mut l = raw.clone();
                    l.sort();
                    l.dedup();
                    l
                });
                if levels.len() < 2 || levels.len() > 12 {
                    continue;
                }
                let counts: Vec<Vec<f64>> = levels
                    .iter()
                    .map(|l| {
                        let mut c = vec![0.0; 2];
                        for (cell, &e) in raw.iter().zip(y) {
                            if cell == l {
                                c[usize::from(e)] += 1.0;
                            }
                        }
                        c
                    })
                    .collect();
                let p = chisq_test(&counts, true).map(|t| t.p_value).unwrap_or(f64::NAN);
                let pct = |k: f64, n: usize| format!("{k:.0} ({:.1}%)", 100.0 * k / n.max(1) as f64);
                rows.push(BaselineRow {
                    variable: name,
                    lines: levels
                        .iter()
                        .zip(&counts)
                        .map(|(l, c)| (l.clone(), pct(c[0], non_events), pct(c[1], events)))
                        .collect(),
                    test: "χ²".into(),
                    p_value: p,
                });
            }
        }
    }
    Ok(rows)
}

/// Resample indices: patients with replacement (all their lesions) or lesions with replacement;
/// each drawn copy of a patient is its own group for the CV folds.
fn resample(groups: &[usize], by_patient: bool, rng: &mut SplitMix64) -> (Vec<usize>, Vec<usize>) {
    let n = groups.len();
    if !by_patient {
        let idx: Vec<usize> = (0..n).map(|_| rng.below(n)).collect();
        return (idx, (0..n).collect());
    }
    let n_groups = groups.iter().copied().max().map_or(0, |m| m + 1);
    let mut members = vec![Vec::new(); n_groups];
    for (i, &g) in groups.iter().enumerate() {
        members[g].push(i);
    }
    let mut idx = Vec::with_capacity(n);
    let mut copy_groups = Vec::with_capacity(n);
    for copy in 0..n_groups {
        let g = rng.below(n_groups);
        for &i in &members[g] {
            idx.push(i);
            copy_groups.push(copy);
        }
    }
    (idx, copy_groups)
}

/// Train on the cohort.
pub fn train(cohort: &Cohort, settings: &TrainSettings) -> Result<TrainResult> {
    let y = &cohort.y;
    let (events, non_events) = count_classes(y);
    if events < 5 || non_events < 5 {
        return Err(Error::Stats(format!(
            "training needs at least 5 events and 5 non-events; got {events} and {non_events}"
        )));
    }
    // ICC filter on the re-segmented lesions (observer 1 rows matched to observer 2).
    let (candidates, icc) = match &cohort.observer2 {
        None => ((0..cohort.feature_names.len()).collect::<Vec<usize>>(), None),
        Some((rows, second)) => {
            let first = cohort.features.select_rows(rows);
            let results = icc_filter(
                &[&first, second],
                &cohort.feature_names,
                &IccSettings::default(),
                settings.icc_threshold,
            )?;
            let kept = results
                .iter()
                .enumerate()
                .filter(|(_, r)| r.dropped.is_none())
                .map(|(j, _)| j)
                .collect();
            (kept, Some(results))
        }
    };
    if candidates.len() < 2 {
        return Err(Error::Stats(format!(
            "only {} feature(s) passed the ICC filter",
            candidates.len()
        )));
    }
    let names: Vec<String> = candidates.iter().map(|&j| cohort.feature_names[j].clone()).collect();
    let x = cohort.features.select_columns(&candidates);
    let clinical = cohort.clinical_matrix();
    let groups = cohort.groups();
    let fit = fit_pipeline(
        &x,
        &names,
        &clinical,
        &cohort.clinical,
        y,
        &groups,
        settings,
        settings.seed,
    )?;
    let profile = fit.fusion.profile_confint(settings.level)?;
    let radscores = fit.radscore(&x);
    let lp = fit.linear_predictor(&x, &clinical);
    let probabilities: Vec<f64> = lp.iter().map(|&e| crate::stats::plogis(e)).collect();
    let radscore_roc = discrimination("Radscore", &radscores, y, settings.level)?;
    let fusion_roc = discrimination("Fusion model", &probabilities, y, settings.level)?;
    // The clinical model: the fusion model's clinical terms (or the screened clinical ones).
    let mut clinical_terms: Vec<usize> = fit
        .terms
        .iter()
        .filter_map(|t| if let Term::Clinical(c) = t { Some(*c) } else { None })
        .collect();
    if clinical_terms.is_empty() {
        clinical_terms = fit
            .screened
            .iter()
            .filter_map(|t| if let Term::Clinical(c) = t { Some(*c) } else { None })
            .collect();
    }
    let (clinical_roc, fusion_vs_clinical) = if clinical_terms.is_empty() {
        (None, None)
    } else {
        let names: Vec<String> = clinical_terms
            .iter()
            .map(|&c| cohort.clinical[c].name.clone())
            .collect();
        let cfit = LogisticRegression::with_names(names).fit(&clinical.select_columns(&clinical_terms), y)?;
        let d = discrimination("Clinical model", &cfit.fitted, y, settings.level)?;
        let t = delong_test(&fusion_roc.roc, &d.roc, settings.level)?;
        (Some(d), Some((t.z, t.p_value)))
    };
    let calibration = calibration_stats(&probabilities, y)?;
    let hl = hosmer_lemeshow(&probabilities, y, 10)?;
    let yv: Vec<f64> = y.iter().map(|&b| f64::from(u8::from(b))).collect();
    let calibration_curve = lowess(&probabilities, &yv, 2.0 / 3.0, 0, None)?;
    let dca = decision_curve(&probabilities, y, &default_thresholds(), 0.0)?;

    let bootstrap = if settings.bootstrap == 0 {
        None
    } else {
        Some(bootstrap(
            cohort,
            &x,
            &names,
            &clinical,
            &groups,
            &probabilities,
            fusion_roc.roc.auc,
            settings,
        )?)
    };
    let baseline = baseline(cohort)?;
    let mut result = TrainResult {
        settings: settings.clone(),
        n: y.len(),
        events,
        n_patients: cohort
            .patient_ids
            .as_ref()
            .map(|_| groups.iter().copied().max().map_or(0, |m| m + 1)),
        n_features: cohort.feature_names.len(),
        icc,
        candidates: names,
        fit,
        clinical: cohort.clinical.clone(),
        profile,
        radscore_roc,
        clinical_roc,
        fusion_roc,
        fusion_vs_clinical,
        calibration,
        hosmer_lemeshow: hl,
        calibration_curve,
        dca,
        bootstrap,
        baseline,
        radscores,
        probabilities,
        y: y.clone(),
        card: placeholder_card(),
    };
    result.card = model_card(&result, cohort)?;
    Ok(result)
}

#[allow(clippy::too_many_arguments)]
fn bootstrap(
    cohort: &Cohort,
    x: &DMatrix<f64>,
    names: &[String],
    clinical: &DMatrix<f64>,
    groups: &[usize],
    probabilities: &[f64],
    apparent: f64,
    settings: &TrainSettings,
) -> Result<BootstrapSummary> {
    let y = &cohort.y;
    let by_patient = cohort.patient_ids.is_some();
    let mut rng = SplitMix64(settings.seed ^ 0x5EED_B007);
    let mut optimism = Vec::new();
    let mut aucs = Vec::new();
    let (mut skipped, mut failed, mut first_failure) = (0, 0, None);
    let mut feature_count = vec![0usize; names.len()];
    let mut term_count = vec![0usize; cohort.clinical.len() + 1];
    for b in 0..settings.bootstrap {
        let (idx, copy_groups) = resample(groups, by_patient, &mut rng);
        let yb: Vec<bool> = idx.iter().map(|&i| y[i]).collect();
        let (e, ne) = count_classes(&yb);
        if e == 0 || ne == 0 {
            skipped += 1;
            continue;
        }
        let xb = x.select_rows(&idx);
        let cb = clinical.select_rows(&idx);
        let fold_seed = settings.seed.wrapping_add(1 + b as u64);
        let outcome = fit_pipeline(
            &xb,
            names,
            &cb,
            &cohort.clinical,
            &yb,
            &copy_groups,
            settings,
            fold_seed,
        )
        .and_then(|f| {
            let train = crate::stats::roc::auc(&f.linear_predictor(&xb, &cb), &yb)?;
            let test = crate::stats::roc::auc(&f.linear_predictor(x, clinical), y)?;
            Ok((f, train - test))
        });
        match outcome {
            Ok((f, o)) => {
                optimism.push(o);
                for &(j, ..) in &f.radscore_terms {
                    feature_count[j] += 1;
                }
                for t in &f.terms {
                    term_count[match t {
                        Term::Radscore => 0,
                        Term::Clinical(c) => c + 1,
                    }] += 1;
                }
                let pb: Vec<f64> = idx.iter().map(|&i| probabilities[i]).collect();
                aucs.push(crate::stats::roc::auc(&pb, &yb)?);
            }
            Err(e) => {
                failed += 1;
                first_failure.get_or_insert_with(|| e.to_string());
            }
        }
    }
    let used = optimism.len();
    if used == 0 {
        return Err(Error::Stats(format!(
            "no bootstrap resample succeeded ({skipped} single-class, {failed} failed{})",
            first_failure.map(|e| format!(": {e}")).unwrap_or_default()
        )));
    }
    let mean_optimism = optimism.iter().sum::<f64>() / used as f64;
    let alpha = (1.0 - settings.level) / 2.0;
    let frac = |c: usize| c as f64 / used as f64;
    Ok(BootstrapSummary {
        requested: settings.bootstrap,
        used,
        skipped_one_class: skipped,
        failed,
        first_failure,
        unit: if by_patient { "patient" } else { "lesion" }.into(),
        optimism: mean_optimism,
        corrected_auc: apparent - mean_optimism,
        auc_ci: (quantile7(&aucs, alpha), quantile7(&aucs, 1.0 - alpha)),
        feature_frequency: names
            .iter()
            .cloned()
            .zip(feature_count.iter().map(|&c| frac(c)))
            .collect(),
        term_frequency: std::iter::once("radscore".to_string())
            .chain(cohort.clinical.iter().map(|v| v.name.clone()))
            .zip(term_count.iter().map(|&c| frac(c)))
            .collect(),
    })
}

fn placeholder_card() -> ModelCard {
    ModelCard {
        format: String::new(),
        format_version: 0,
        id: String::new(),
        title: String::new(),
        event: Event {
            description: String::new(),
            direction: String::new(),
        },
        radscore: RadscoreModel {
            features: Vec::new(),
            intercept: None,
            ambiguous: Vec::new(),
        },
        fusion: FusionModel {
            intercept: None,
            predictors: Vec::new(),
        },
        provenance: Provenance {
            source: String::new(),
            doi: None,
            cohort_size: None,
            reported_auc: None,
            published: Vec::new(),
            fit_locally: Vec::new(),
            notes: Vec::new(),
        },
    }
}

fn lambda_name(choice: LambdaChoice) -> &'static str {
    match choice {
        LambdaChoice::Min => "lambda.min",
        LambdaChoice::OneSe => "lambda.1se",
    }
}

/// The model file of a training result.
fn model_card(r: &TrainResult, cohort: &Cohort) -> Result<ModelCard> {
    let fit = &r.fit;
    let coef_of = |term: Term| {
        fit.terms
            .iter()
            .position(|&t| t == term)
            .map(|k| fit.fusion.coefficients[k + 1].estimate)
    };
    let features = fit
        .radscore_terms
        .iter()
        .map(|&(j, b, m, s)| RadscoreFeature {
            key: r.candidates[j].clone(),
            printed_name: None,
            coefficient: b,
            mean: Some(m),
            sd: Some(s),
        })
        .collect();
    let axis: Vec<serde_json::Value> = crate::stats::pretty::pretty(&r.radscores, 6)
        .into_iter()
        .map(serde_json::Value::from)
        .collect();
    let mut predictors = vec![Predictor {
        name: "radscore".into(),
        label: "Radscore".into(),
        kind: PredictorKind::Radscore {
            coefficient: Some(coef_of(Term::Radscore).unwrap_or(0.0)),
        },
        axis,
    }];
    for (c, v) in cohort.clinical.iter().enumerate() {
        let Some(b) = coef_of(Term::Clinical(c)) else { continue };
        let kind = match &v.kind {
            ClinicalKind::Continuous => {
                let range = crate::stats::pretty::pretty(&v.values, 5);
                PredictorKind::Continuous {
                    unit: String::new(),
                    min: range.first().copied().unwrap_or(0.0),
                    max: range.last().copied().unwrap_or(1.0),
                    coefficient: Some(b),
                }
            }
            ClinicalKind::Binary { levels } => PredictorKind::Binary {
                levels: levels.clone(),
                coefficient: Some(b),
            },
            ClinicalKind::Ordinal { levels } => PredictorKind::Ordinal {
                levels: levels.clone(),
                codes: Some((0..levels.len()).map(|k| k as f64).collect()),
                coefficient: Some(b),
            },
        };
        predictors.push(Predictor {
            name: v.name.clone(),
            label: v.name.clone(),
            kind,
            axis: Vec::new(),
        });
    }
    let s = &r.settings;
    let mut notes = vec![
        format!(
            "pipeline: ICC(2,1) ≥ {} ({}), Spearman |rho| > {} removed (caret rule), z-score, {}-fold LASSO-CV \
             (binomial deviance, folds by {}), Radscore at {} = {}, univariate screening p < {}, backward \
             elimination at p ≥ {}",
            s.icc_threshold,
            if r.icc.is_some() {
                "applied"
            } else {
                "not applied: no second observer"
            },
            s.spearman_cutoff,
            s.nfolds,
            if r.n_patients.is_some() { "patient" } else { "lesion" },
            lambda_name(s.lambda),
            fit.lambda,
            s.screening_p,
            s.stepwise_p
        ),
        format!(
            "apparent AUC {} (DeLong {}% CI {}–{})",
            r.fusion_roc.roc.auc,
            s.level * 100.0,
            r.fusion_roc.ci.0,
            r.fusion_roc.ci.1
        ),
    ];
    if let Some(b) = &r.bootstrap {
        notes.push(format!(
            "bootstrap ({} resamples by {}, {} used): optimism {}, optimism-corrected AUC {}",
            b.requested, b.unit, b.used, b.optimism, b.corrected_auc
        ));
    }
    let card = ModelCard {
        format: "radscore-model".into(),
        format_version: crate::model::MODEL_FORMAT_VERSION,
        id: s.id.clone(),
        title: s.title.clone(),
        event: Event {
            description: if s.event_description.is_empty() {
                format!("{} = event", cohort.outcome)
            } else {
                s.event_description.clone()
            },
            direction: "a higher Radscore and odds ratios above 1 go with the event".into(),
        },
        radscore: RadscoreModel {
            features,
            intercept: Some(fit.radscore_intercept),
            ambiguous: Vec::new(),
        },
        fusion: FusionModel {
            intercept: Some(fit.fusion.coefficients[0].estimate),
            predictors,
        },
        provenance: Provenance {
            source: format!("radscore {} train", env!("CARGO_PKG_VERSION")),
            doi: None,
            cohort_size: u32::try_from(r.n).ok(),
            reported_auc: Some(r.fusion_roc.roc.auc),
            published: Vec::new(),
            fit_locally: vec!["every number (fitted by radscore train on the local cohort)".into()],
            notes,
        },
    };
    card.validate()?;
    Ok(card)
}
