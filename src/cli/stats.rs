//! `radscore stats <step>`: one statistics method per subcommand, a CSV table in, JSON out.
//! The JSON keys of every step are documented in the README ("Statistics (radscore stats)").

use clap::{Args, Subcommand, ValueEnum};
use nalgebra::DMatrix;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::path::PathBuf;

use super::{pick_columns, write_json, write_text};
use radscore::stats::calibration::{calibration_stats, hosmer_lemeshow, lowess};
use radscore::stats::correlation::{RedundancyMethod, redundancy_filter, spearman_matrix};
use radscore::stats::dca::{decision_curve, default_thresholds};
use radscore::stats::glmnet::{CvMeasure, CvSettings, Folds, LambdaChoice, LassoSettings, cv_glmnet};
use radscore::stats::hypothesis::{chisq_test, wilcox_test};
use radscore::stats::icc::{IccDrop, IccModel, IccSettings, IccUnit, icc, icc_filter};
use radscore::stats::io::Table;
use radscore::stats::logistic::{LogisticFit, LogisticRegression, backward_elimination, univariate_screening};
use radscore::stats::roc::{Direction, Roc, RocPoint, delong_test, roc};
use radscore::stats::zscore::ZScore;
use radscore::stats::{Fit, check_finite};
use radscore::{Error, Result};

/// `radscore stats <step>` arguments.
#[derive(Args)]
pub struct StatsArgs {
    #[command(subcommand)]
    step: Step,
}

/// Which columns of the input table to use.
#[derive(Args, Clone, Default)]
pub struct ColumnArgs {
    /// Columns to use (comma-separated); default: every column not otherwise named.
    #[arg(long, value_delimiter = ',')]
    columns: Vec<String>,
    /// Columns to leave out (comma-separated), e.g. id or clinical columns.
    #[arg(long, value_delimiter = ',')]
    exclude: Vec<String>,
}

/// The binary outcome column.
#[derive(Args, Clone)]
pub struct OutcomeArgs {
    /// Outcome column: 0/1, or two labels with --event naming the event.
    #[arg(long)]
    outcome: String,
    /// The label of the event when the outcome column holds text labels (e.g. Poor).
    #[arg(long)]
    event: Option<String>,
}

#[derive(Clone, Copy, ValueEnum)]
enum IccModelArg {
    /// ICC(1,1): one-way random effects.
    Icc1,
    /// ICC(2,1): two-way random effects, absolute agreement (the radiomics default).
    Icc2,
    /// ICC(3,1): two-way mixed effects, consistency.
    Icc3,
}

#[derive(Clone, Copy, ValueEnum)]
enum IccUnitArg {
    Single,
    Average,
}

#[derive(Clone, Copy, ValueEnum)]
enum RedundancyArg {
    /// caret findCorrelation(exact = TRUE) at any size (deterministic, recommended).
    Exact,
    /// caret's default: exact below 100 columns, the approximate algorithm from 100 on.
    Caret,
}

#[derive(Clone, Copy, ValueEnum)]
enum MeasureArg {
    Deviance,
    Auc,
    Class,
}

#[derive(Subcommand)]
enum Step {
    /// Intraclass correlation per feature between observers' feature tables joined on a case id.
    Icc {
        /// One feature table per observer (two or more); with --wide, one table whose columns
        /// are the raters.
        #[arg(required = true)]
        tables: Vec<PathBuf>,
        /// Case-id column joining the observers' tables.
        #[arg(long)]
        id: Option<String>,
        /// ICC form.
        #[arg(long, value_enum, default_value = "icc2")]
        model: IccModelArg,
        /// Single rater or the mean of the raters.
        #[arg(long, value_enum, default_value = "single")]
        unit: IccUnitArg,
        /// Keep features with ICC ≥ this value (e.g. 0.75); constant features are dropped.
        #[arg(long)]
        threshold: Option<f64>,
        /// ICC under the null hypothesis of the F test.
        #[arg(long, default_value_t = 0.0)]
        r0: f64,
        /// Confidence level.
        #[arg(long, default_value_t = 0.95)]
        level: f64,
        /// One table, one column per rater (irr's layout) instead of one table per observer.
        #[arg(long)]
        wide: bool,
        #[command(flatten)]
        cols: ColumnArgs,
        /// Write the JSON here instead of standard output.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Spearman correlation and caret-style redundancy removal.
    CorrelationFilter {
        input: PathBuf,
        /// Remove one feature of each pair with |ρ| above this.
        #[arg(long, default_value_t = 0.90)]
        cutoff: f64,
        #[arg(long, value_enum, default_value = "exact")]
        method: RedundancyArg,
        /// Also print the Spearman matrix.
        #[arg(long)]
        matrix: bool,
        #[command(flatten)]
        cols: ColumnArgs,
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Means and n−1 standard deviations for z-scoring (R scale()).
    Zscore {
        input: PathBuf,
        /// Also write the z-scored columns to this CSV.
        #[arg(long)]
        transformed: Option<PathBuf>,
        #[command(flatten)]
        cols: ColumnArgs,
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// LASSO logistic regression with K-fold cross-validation (glmnet / cv.glmnet).
    LassoCv {
        input: PathBuf,
        #[command(flatten)]
        outcome: OutcomeArgs,
        /// Number of folds (with --seed).
        #[arg(long, default_value_t = 10)]
        folds: usize,
        /// Seed of the fold assignment.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Column of fold ids 1..K (overrides --folds/--seed; reproduces an R run).
        #[arg(long)]
        foldid: Option<String>,
        #[arg(long, value_enum, default_value = "deviance")]
        measure: MeasureArg,
        #[arg(long, default_value_t = 100)]
        nlambda: usize,
        /// Smallest λ as a fraction of λ_max (default glmnet's rule).
        #[arg(long)]
        lambda_min_ratio: Option<f64>,
        #[command(flatten)]
        cols: ColumnArgs,
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Logistic regression (R glm): coefficients, SE, z, p, OR with Wald and profile CIs.
    Logistic {
        input: PathBuf,
        #[command(flatten)]
        outcome: OutcomeArgs,
        /// Predictor columns (comma-separated); default every other column.
        #[arg(long, value_delimiter = ',')]
        predictors: Vec<String>,
        #[arg(long, value_delimiter = ',')]
        exclude: Vec<String>,
        /// One model per predictor (screening) instead of one multivariable model.
        #[arg(long, conflicts_with = "backward")]
        univariate: bool,
        /// Backward stepwise elimination on the Wald p.
        #[arg(long)]
        backward: bool,
        /// p-value at or above which backward elimination removes a predictor.
        #[arg(long, default_value_t = 0.05)]
        threshold: f64,
        /// Skip the profile-likelihood intervals (faster for many predictors).
        #[arg(long)]
        no_profile: bool,
        /// Include the fitted probabilities of the multivariable model.
        #[arg(long)]
        fitted: bool,
        #[arg(long, default_value_t = 0.95)]
        level: f64,
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// ROC: AUC, DeLong variance and CI, Youden threshold; paired DeLong test with --score2.
    Roc {
        input: PathBuf,
        #[command(flatten)]
        outcome: OutcomeArgs,
        /// Score column.
        #[arg(long)]
        score: String,
        /// Second score column for the paired DeLong test.
        #[arg(long)]
        score2: Option<String>,
        /// `<` (higher score = event; default), `>` or `auto` (pROC's rule).
        #[arg(long, default_value = "<")]
        direction: String,
        #[arg(long, default_value_t = 0.95)]
        level: f64,
        /// Include every point of the curve.
        #[arg(long)]
        curve: bool,
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Calibration of predicted probabilities: intercept, slope, Brier, Hosmer–Lemeshow, lowess.
    Calibration {
        input: PathBuf,
        #[command(flatten)]
        outcome: OutcomeArgs,
        /// Predicted probability column.
        #[arg(long)]
        prob: String,
        /// Hosmer–Lemeshow groups.
        #[arg(long, default_value_t = 10)]
        groups: usize,
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Decision curve: net benefit of the model, treat all and treat none.
    Dca {
        input: PathBuf,
        #[command(flatten)]
        outcome: OutcomeArgs,
        /// Predicted probability column.
        #[arg(long)]
        prob: String,
        /// Thresholds: FROM:TO:BY or a comma-separated list (default 0:0.99:0.01).
        #[arg(long)]
        thresholds: Option<String>,
        /// Harm subtracted from the model's net benefit.
        #[arg(long, default_value_t = 0.0)]
        harm: f64,
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Baseline comparison by outcome: chi-square (categorical) or Mann–Whitney (continuous).
    Compare {
        input: PathBuf,
        #[command(flatten)]
        outcome: OutcomeArgs,
        /// Columns to treat as categorical (comma-separated); the others are continuous.
        #[arg(long, value_delimiter = ',')]
        categorical: Vec<String>,
        #[command(flatten)]
        cols: ColumnArgs,
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

/// Run one statistics step.
pub fn run(args: StatsArgs) -> Result<()> {
    match args.step {
        Step::Icc {
            tables,
            id,
            model,
            unit,
            threshold,
            r0,
            level,
            wide,
            cols,
            out,
        } => {
            let settings = IccSettings {
                model: match model {
                    IccModelArg::Icc1 => IccModel::OneWay,
                    IccModelArg::Icc2 => IccModel::TwoWayAgreement,
                    IccModelArg::Icc3 => IccModel::TwoWayConsistency,
                },
                unit: match unit {
                    IccUnitArg::Single => IccUnit::Single,
                    IccUnitArg::Average => IccUnit::Average,
                },
                r0,
                conf_level: level,
            };
            let v = if wide {
                icc_wide(&tables, id.as_deref(), &settings, &cols)?
            } else {
                icc_observers(&tables, id.as_deref(), &settings, threshold, &cols)?
            };
            write_json(out.as_deref(), &v)
        }
        Step::CorrelationFilter {
            input,
            cutoff,
            method,
            matrix,
            cols,
            out,
        } => {
            let table = Table::read(&input)?;
            let names = pick_columns(&table, &cols.columns, &cols.exclude, &[])?;
            let x = table.numeric_matrix(&names)?;
            let method = match method {
                RedundancyArg::Exact => RedundancyMethod::Exact,
                RedundancyArg::Caret => RedundancyMethod::CaretDefault,
            };
            let r = redundancy_filter(&x, &names, cutoff, method)?;
            let mut v = json!({
                "method": "spearman",
                "cutoff": cutoff,
                "rule": REDUNDANCY_RULE,
                "n_subjects": x.nrows(),
                "n_features": names.len(),
                "kept": r.kept,
                "removed": r.removed,
            });
            if matrix {
                let m = spearman_matrix(&x, Some(&names))?;
                let rows: Vec<Vec<f64>> = (0..m.nrows()).map(|i| m.row(i).iter().copied().collect()).collect();
                v["matrix"] = json!({"names": names, "rho": rows});
            }
            write_json(out.as_deref(), &v)
        }
        Step::Zscore {
            input,
            transformed,
            cols,
            out,
        } => {
            let table = Table::read(&input)?;
            let names = pick_columns(&table, &cols.columns, &cols.exclude, &[])?;
            let x = table.numeric_matrix(&names)?;
            let z = ZScore::fit(&x, &names)?;
            if let Some(path) = &transformed {
                let zx = z.transform(&x)?;
                let mut text = names.join(",");
                text.push('\n');
                for i in 0..zx.nrows() {
                    let row: Vec<String> = zx.row(i).iter().map(|v| format!("{v:?}")).collect();
                    text.push_str(&row.join(","));
                    text.push('\n');
                }
                write_text(Some(path), &text)?;
            }
            let features: Vec<Value> = (0..names.len())
                .map(|j| json!({"name": names[j], "mean": z.means[j], "sd": z.sds[j]}))
                .collect();
            write_json(
                out.as_deref(),
                &json!({"n_subjects": x.nrows(), "sd_denominator": "n-1", "features": features}),
            )
        }
        Step::LassoCv {
            input,
            outcome,
            folds,
            seed,
            foldid,
            measure,
            nlambda,
            lambda_min_ratio,
            cols,
            out,
        } => {
            let table = Table::read(&input)?;
            let y = table.outcome(&outcome.outcome, outcome.event.as_deref())?;
            let mut always = vec![outcome.outcome.as_str()];
            if let Some(f) = &foldid {
                always.push(f.as_str());
            }
            let names = pick_columns(&table, &cols.columns, &cols.exclude, &always)?;
            let x = table.numeric_matrix(&names)?;
            let folds = match &foldid {
                Some(col) => Folds::Given(fold_ids(&table, col)?),
                None => Folds::Seeded { nfolds: folds, seed },
            };
            let settings = CvSettings {
                lasso: LassoSettings {
                    nlambda,
                    lambda_min_ratio,
                    ..LassoSettings::default()
                },
                measure: match measure {
                    MeasureArg::Deviance => CvMeasure::Deviance,
                    MeasureArg::Auc => CvMeasure::Auc,
                    MeasureArg::Class => CvMeasure::Class,
                },
                folds,
            };
            let cv = cv_glmnet(&x, &y, Some(&names), &settings)?;
            let coefs = |choice: LambdaChoice| {
                let m = cv.model(choice);
                let map: serde_json::Map<String, Value> = m
                    .names
                    .iter()
                    .zip(&m.coefficients)
                    .map(|(n, c)| (n.clone(), json!(c)))
                    .collect();
                json!({"lambda": m.lambda, "intercept": m.intercept, "coefficients": map, "selected": m.selected()})
            };
            let path: Vec<Value> = (0..cv.lambda.len())
                .map(|l| {
                    json!({"lambda": cv.lambda[l], "cvm": cv.cvm[l], "cvsd": cv.cvsd[l], "nzero": cv.nzero[l],
                           "dev_ratio": cv.fit.dev_ratio.get(l)})
                })
                .collect();
            let (events, _) = radscore::stats::count_classes(&y);
            write_json(
                out.as_deref(),
                &json!({
                    "n": y.len(), "events": events, "p": names.len(),
                    "measure": format!("{:?}", cv.measure).to_lowercase(),
                    "nfolds": cv.foldid.iter().max(),
                    "lambda_min": cv.lambda_min, "lambda_1se": cv.lambda_1se,
                    "index_min": cv.index_min + 1, "index_1se": cv.index_1se + 1,
                    "null_deviance": cv.fit.null_deviance,
                    "lambda.min": coefs(LambdaChoice::Min),
                    "lambda.1se": coefs(LambdaChoice::OneSe),
                    "path": path,
                    "foldid": cv.foldid,
                }),
            )
        }
        Step::Logistic {
            input,
            outcome,
            predictors,
            exclude,
            univariate,
            backward,
            threshold,
            no_profile,
            fitted,
            level,
            out,
        } => {
            let table = Table::read(&input)?;
            let y = table.outcome(&outcome.outcome, outcome.event.as_deref())?;
            let names = pick_columns(&table, &predictors, &exclude, &[outcome.outcome.as_str()])?;
            let x = table.numeric_matrix(&names)?;
            let v = if univariate {
                let results = univariate_screening(&x, &y, &names)?;
                let rows: Vec<Value> = results
                    .iter()
                    .map(|r| {
                        let c = &r.coefficient;
                        json!({"name": r.name, "estimate": c.estimate, "std_error": c.std_error, "z": c.z,
                               "p_value": c.p_value, "odds_ratio": c.odds_ratio,
                               "or_wald_ci": [c.or_wald_ci.0, c.or_wald_ci.1],
                               "converged": r.converged, "separation": separation_text(&r.separation)})
                    })
                    .collect();
                json!({"n": y.len(), "univariate": rows})
            } else if backward {
                let r = backward_elimination(&x, &y, &names, threshold)?;
                let removed: Vec<Value> = r
                    .removed
                    .iter()
                    .map(|(n, p)| json!({"name": n, "p_value": p}))
                    .collect();
                let fit = match &r.final_fit {
                    Some(f) => fit_json(f, !no_profile, level, fitted)?,
                    None => Value::Null,
                };
                json!({"n": y.len(), "threshold": threshold, "kept": r.kept, "removed": removed, "fit": fit})
            } else {
                let fit = LogisticRegression::with_names(names.clone()).fit(&x, &y)?;
                fit_json(&fit, !no_profile, level, fitted)?
            };
            write_json(out.as_deref(), &v)
        }
        Step::Roc {
            input,
            outcome,
            score,
            score2,
            direction,
            level,
            curve,
            out,
        } => {
            let table = Table::read(&input)?;
            let y = table.outcome(&outcome.outcome, outcome.event.as_deref())?;
            let direction = match direction.as_str() {
                "<" => Direction::ControlsLower,
                ">" => Direction::ControlsHigher,
                "auto" => Direction::Auto,
                other => {
                    return Err(Error::InvalidArgument(format!(
                        "--direction must be '<', '>' or 'auto', got '{other}'"
                    )));
                }
            };
            let r1 = roc(&table.numeric_column(&score)?, &y, direction)?;
            let mut v = roc_json(&score, &r1, level, curve)?;
            if let Some(s2) = &score2 {
                let r2 = roc(&table.numeric_column(s2)?, &y, direction)?;
                v["score2"] = roc_json(s2, &r2, level, curve)?;
                let t = delong_test(&r1, &r2, level)?;
                v["delong"] = json!({"auc1": t.auc1, "auc2": t.auc2, "z": t.z, "p_value": t.p_value,
                    "var1": t.var1, "var2": t.var2, "covariance": t.covariance,
                    "diff_ci": [t.diff_ci.0, t.diff_ci.1]});
            }
            write_json(out.as_deref(), &v)
        }
        Step::Calibration {
            input,
            outcome,
            prob,
            groups,
            out,
        } => {
            let table = Table::read(&input)?;
            let y = table.outcome(&outcome.outcome, outcome.event.as_deref())?;
            let p = probabilities(&table, &prob)?;
            write_json(out.as_deref(), &calibration_json(&p, &y, groups)?)
        }
        Step::Dca {
            input,
            outcome,
            prob,
            thresholds,
            harm,
            out,
        } => {
            let table = Table::read(&input)?;
            let y = table.outcome(&outcome.outcome, outcome.event.as_deref())?;
            let p = probabilities(&table, &prob)?;
            let thresholds = match &thresholds {
                Some(t) => parse_thresholds(t)?,
                None => default_thresholds(),
            };
            write_json(out.as_deref(), &dca_json(&p, &y, &thresholds, harm)?)
        }
        Step::Compare {
            input,
            outcome,
            categorical,
            cols,
            out,
        } => {
            let table = Table::read(&input)?;
            let y = table.outcome(&outcome.outcome, outcome.event.as_deref())?;
            for c in &categorical {
                table.index(c)?;
            }
            let names = pick_columns(&table, &cols.columns, &cols.exclude, &[outcome.outcome.as_str()])?;
            let rows = names
                .iter()
                .map(|name| compare_variable(&table, name, &y, categorical.contains(name)))
                .collect::<Result<Vec<Value>>>()?;
            let (events, non_events) = radscore::stats::count_classes(&y);
            write_json(
                out.as_deref(),
                &json!({"n": y.len(), "events": events, "non_events": non_events, "variables": rows}),
            )
        }
    }
}

/// The redundancy rule, stated in the JSON so that a methods section can quote it.
pub const REDUNDANCY_RULE: &str = "caret findCorrelation(exact = TRUE): order features by mean |rho| \
(descending, ties keep input order); for each pair above the cutoff (strictly), remove the one whose \
mean |rho| with the remaining features is larger; an exact tie removes the later one";

fn icc_settings_name(s: &IccSettings) -> (&'static str, &'static str) {
    match (s.model, s.unit) {
        (IccModel::OneWay, IccUnit::Single) => ("ICC(1,1)", "one-way random effects, single rater"),
        (IccModel::OneWay, IccUnit::Average) => ("ICC(1,k)", "one-way random effects, mean of raters"),
        (IccModel::TwoWayAgreement, IccUnit::Single) => ("ICC(2,1)", "two-way random effects, absolute agreement"),
        (IccModel::TwoWayAgreement, IccUnit::Average) => {
            ("ICC(2,k)", "two-way random effects, absolute agreement, mean of raters")
        }
        (IccModel::TwoWayConsistency, IccUnit::Single) => ("ICC(3,1)", "two-way mixed effects, consistency"),
        (IccModel::TwoWayConsistency, IccUnit::Average) => {
            ("ICC(3,k)", "two-way mixed effects, consistency, mean of raters")
        }
    }
}

fn icc_value_json(name: &str, r: &radscore::stats::icc::IccResult) -> Value {
    json!({"feature": name, "icc": r.value, "f": r.f_value, "df1": r.df1, "df2": r.df2, "p_value": r.p_value,
           "lower": r.lower, "upper": r.upper, "constant": false})
}

/// irr's layout: one table, one column per rater.
fn icc_wide(tables: &[PathBuf], id: Option<&str>, settings: &IccSettings, cols: &ColumnArgs) -> Result<Value> {
    let [path] = tables else {
        return Err(Error::InvalidArgument("--wide takes exactly one table".into()));
    };
    let table = Table::read(path)?;
    let excluded: Vec<&str> = id.into_iter().collect();
    let raters = pick_columns(&table, &cols.columns, &cols.exclude, &excluded)?;
    let ratings = table.numeric_matrix(&raters)?;
    let r = icc(&ratings, settings)?;
    let (form, description) = icc_settings_name(settings);
    Ok(
        json!({"model": form, "description": description, "subjects": r.subjects, "observers": r.raters,
              "raters": raters, "features": [icc_value_json("ratings", &r)]}),
    )
}

/// One table per observer, rows matched on the case id of the first table.
fn icc_observers(
    tables: &[PathBuf],
    id: Option<&str>,
    settings: &IccSettings,
    threshold: Option<f64>,
    cols: &ColumnArgs,
) -> Result<Value> {
    if tables.len() < 2 {
        return Err(Error::InvalidArgument(
            "give two or more observers' feature tables (or --wide for one table with a column per rater)".into(),
        ));
    }
    let id = id.ok_or_else(|| {
        Error::InvalidArgument("--id COLUMN (the case id joining the observers' tables) is required".into())
    })?;
    let read: Vec<Table> = tables.iter().map(|p| Table::read(p)).collect::<Result<_>>()?;
    let first = &read[0];
    let names = pick_columns(first, &cols.columns, &cols.exclude, &[id])?;
    let ids = column_text(first, id)?;
    let mut seen = HashMap::new();
    for (i, case) in ids.iter().enumerate() {
        if seen.insert(case.clone(), i).is_some() {
            return Err(Error::format(
                &first.path,
                format!("case id '{case}' appears twice in column '{id}'"),
            ));
        }
    }
    // Cases segmented by every observer (usually a re-segmented subset), in the first table's order.
    let own_ids: Vec<Vec<String>> = read.iter().map(|t| column_text(t, id)).collect::<Result<_>>()?;
    let positions: Vec<HashMap<&String, usize>> = own_ids
        .iter()
        .map(|ids| ids.iter().enumerate().map(|(i, c)| (c, i)).collect())
        .collect();
    let common: Vec<&String> = ids
        .iter()
        .filter(|c| positions.iter().all(|p| p.contains_key(c)))
        .collect();
    if common.len() < 2 {
        return Err(Error::Stats(format!(
            "only {} case(s) in column '{id}' appear in every observer's table; the ICC needs at least 2",
            common.len()
        )));
    }
    let mut observers = Vec::with_capacity(read.len());
    let mut unmatched = Vec::new();
    for (table, position) in read.iter().zip(&positions) {
        let order: Vec<usize> = common.iter().filter_map(|c| position.get(c).copied()).collect();
        unmatched.push(position.len() - order.len());
        observers.push(table.numeric_matrix(&names)?.select_rows(&order));
    }
    let refs: Vec<&DMatrix<f64>> = observers.iter().collect();
    let results = icc_filter(&refs, &names, settings, threshold.unwrap_or(0.0))?;
    let features: Vec<Value> = results
        .iter()
        .map(|f| match &f.icc {
            Some(r) => icc_value_json(&f.name, r),
            None => json!({"feature": f.name, "icc": null, "constant": true}),
        })
        .collect();
    let (form, description) = icc_settings_name(settings);
    let mut v = json!({"model": form, "description": description, "subjects": common.len(),
        "observers": tables.len(), "unmatched_cases": unmatched, "features": features});
    if let Some(t) = threshold {
        let kept: Vec<&str> = results
            .iter()
            .filter(|f| f.dropped.is_none())
            .map(|f| f.name.as_str())
            .collect();
        let dropped: Vec<Value> = results
            .iter()
            .filter_map(|f| match &f.dropped {
                None => None,
                Some(IccDrop::Constant) => Some(json!({"feature": f.name, "reason": "constant", "icc": null})),
                Some(IccDrop::Below { icc }) => {
                    Some(json!({"feature": f.name, "reason": "below threshold", "icc": icc}))
                }
            })
            .collect();
        v["threshold"] = json!(t);
        v["kept"] = json!(kept);
        v["dropped"] = json!(dropped);
    }
    Ok(v)
}

/// The text cells of a column (for ids and categories); empty cells are errors naming the row.
pub fn column_text(table: &Table, name: &str) -> Result<Vec<String>> {
    let j = table.index(name)?;
    table
        .rows
        .iter()
        .enumerate()
        .map(|(i, row)| {
            let cell = row.get(j).map(String::as_str).unwrap_or("");
            if cell.is_empty() || cell.eq_ignore_ascii_case("na") {
                Err(Error::format(
                    &table.path,
                    format!("row {}, column '{name}' is missing", i + 1),
                ))
            } else {
                Ok(cell.to_string())
            }
        })
        .collect()
}

fn fold_ids(table: &Table, column: &str) -> Result<Vec<usize>> {
    table
        .numeric_column(column)?
        .iter()
        .enumerate()
        .map(|(i, &v)| {
            if v >= 1.0 && v.fract() == 0.0 {
                Ok(v as usize)
            } else {
                Err(Error::Stats(format!(
                    "row {}, column '{column}': fold id must be 1, 2, …, got {v}",
                    i + 1
                )))
            }
        })
        .collect()
}

fn separation_text(s: &Option<radscore::stats::logistic::Separation>) -> Value {
    match s {
        None => Value::Null,
        Some(s) => json!(format!("{s:?}")),
    }
}

/// A fitted multivariable model as JSON (the `logistic` step's keys).
pub fn fit_json(fit: &LogisticFit, profile: bool, level: f64, fitted: bool) -> Result<Value> {
    let profile_ci = if profile {
        Some(fit.profile_confint(level)?)
    } else {
        None
    };
    let coefficients: Vec<Value> = fit
        .coefficients
        .iter()
        .enumerate()
        .map(|(k, c)| {
            let mut v = json!({"name": c.name, "estimate": c.estimate, "std_error": c.std_error, "z": c.z,
                "p_value": c.p_value, "odds_ratio": c.odds_ratio, "or_wald_ci": [c.or_wald_ci.0, c.or_wald_ci.1]});
            if let Some(ci) = profile_ci.as_ref().and_then(|p| p.get(k)) {
                v["or_profile_ci"] = json!([ci.lower.exp(), ci.upper.exp()]);
            }
            v
        })
        .collect();
    let mut v = json!({
        "n": fit.fitted.len(), "coefficients": coefficients, "null_deviance": fit.null_deviance,
        "deviance": fit.deviance, "df_null": fit.df_null, "df_residual": fit.df_residual, "aic": fit.aic,
        "iterations": fit.iterations, "converged": fit.converged, "separation": separation_text(&fit.separation),
    });
    if fitted {
        v["fitted"] = json!(fit.fitted);
    }
    Ok(v)
}

fn point_json(p: &RocPoint) -> Value {
    json!({"threshold": p.threshold, "sensitivity": p.sensitivity, "specificity": p.specificity,
           "ppv": p.ppv, "npv": p.npv, "tp": p.true_positives, "fp": p.false_positives,
           "tn": p.true_negatives, "fn": p.false_negatives})
}

/// One ROC curve as JSON (the `roc` step's keys).
pub fn roc_json(score: &str, r: &Roc, level: f64, curve: bool) -> Result<Value> {
    let (lo, hi) = r.delong_ci(level)?;
    let youden: Vec<Value> = r.youden_best().iter().map(point_json).collect();
    let direction = match r.direction {
        Direction::ControlsHigher => ">",
        _ => "<",
    };
    let mut v = json!({"score": score, "auc": r.auc, "variance": r.delong_variance(), "ci": [lo, hi],
        "level": level, "direction": direction, "n_cases": r.n_cases, "n_controls": r.n_controls,
        "youden": youden});
    if curve {
        v["curve"] = json!(r.points().iter().map(point_json).collect::<Vec<_>>());
    }
    Ok(v)
}

fn probabilities(table: &Table, column: &str) -> Result<Vec<f64>> {
    let p = table.numeric_column(column)?;
    if let Some(i) = p.iter().position(|v| !(0.0..=1.0).contains(v)) {
        return Err(Error::Stats(format!(
            "row {}, column '{column}': a probability must be in [0, 1], got {}",
            i + 1,
            p[i]
        )));
    }
    Ok(p)
}

/// Calibration summary as JSON (the `calibration` step's keys).
pub fn calibration_json(p: &[f64], y: &[bool], groups: usize) -> Result<Value> {
    check_finite(p, "probability")?;
    let s = calibration_stats(p, y)?;
    let hl = hosmer_lemeshow(p, y, groups)?;
    let yv: Vec<f64> = y.iter().map(|&b| f64::from(u8::from(b))).collect();
    let (lx, ly) = lowess(p, &yv, 2.0 / 3.0, 0, None)?;
    let hl_groups: Vec<Value> = (0..hl.group_sizes.len())
        .map(|g| {
            json!({"n": hl.group_sizes[g], "observed_events": hl.observed_events.get(g),
                   "expected_events": hl.expected_events.get(g)})
        })
        .collect();
    Ok(json!({
        "n": p.len(), "intercept": s.intercept, "slope": s.slope, "brier": s.brier,
        "eavg": s.eavg, "emax": s.emax, "e90": s.e90,
        "hosmer_lemeshow": {"g": groups, "statistic": hl.statistic, "df": hl.df, "p_value": hl.p_value, "groups": hl_groups},
        "lowess": {"x": lx, "y": ly},
    }))
}

/// Decision curve as JSON (the `dca` step's keys).
pub fn dca_json(p: &[f64], y: &[bool], thresholds: &[f64], harm: f64) -> Result<Value> {
    let d = decision_curve(p, y, thresholds, harm)?;
    let rows: Vec<Value> = (0..d.model.len())
        .map(|k| {
            let m = &d.model[k];
            json!({"threshold": m.threshold, "net_benefit": m.net_benefit,
                   "treat_all": d.treat_all.get(k).map(|a| a.net_benefit),
                   "treat_none": d.treat_none.get(k).map(|a| a.net_benefit),
                   "tp_rate": m.tp_rate, "fp_rate": m.fp_rate, "test_pos_rate": m.test_pos_rate,
                   "net_intervention_avoided": m.net_intervention_avoided})
        })
        .collect();
    let pos_rate = d.model.first().map(|m| m.pos_rate);
    Ok(json!({"n": p.len(), "pos_rate": pos_rate, "harm": harm, "rows": rows}))
}

/// `FROM:TO:BY` (as R's seq, from + k·by) or a comma-separated list.
fn parse_thresholds(text: &str) -> Result<Vec<f64>> {
    let bad = || {
        Error::InvalidArgument(format!(
            "--thresholds '{text}': expected FROM:TO:BY or a comma-separated list"
        ))
    };
    let parts: Vec<&str> = text.split(':').collect();
    if parts.len() == 3 {
        let v: Vec<f64> = parts
            .iter()
            .map(|s| s.trim().parse::<f64>())
            .collect::<std::result::Result<_, _>>()
            .map_err(|_| bad())?;
        let (from, to, by) = (v[0], v[1], v[2]);
        if !(by > 0.0) || !(to >= from) {
            return Err(bad());
        }
        let steps = ((to - from) / by + 1e-10).floor() as usize;
        return Ok((0..=steps).map(|k| from + k as f64 * by).collect());
    }
    text.split(',')
        .map(|s| s.trim().parse::<f64>().map_err(|_| bad()))
        .collect()
}

/// R quantile type 7 of unsorted values.
fn quantile7(values: &[f64], prob: f64) -> f64 {
    let mut s = values.to_vec();
    s.sort_by(f64::total_cmp);
    let n = s.len();
    if n == 0 {
        return f64::NAN;
    }
    let h = (n - 1) as f64 * prob;
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(n - 1);
    s[lo] + (h - lo as f64) * (s[hi] - s[lo])
}

fn summary(values: &[f64]) -> Value {
    json!({"n": values.len(), "median": quantile7(values, 0.5), "q1": quantile7(values, 0.25), "q3": quantile7(values, 0.75)})
}

/// One Table 1 row: `value ~ outcome` with outcome levels 0 < 1, as R's formula interface orders
/// them (so W of Mann–Whitney is the rank sum of the non-events minus n₀(n₀+1)/2).
pub fn compare_variable(table: &Table, name: &str, y: &[bool], categorical: bool) -> Result<Value> {
    if categorical {
        let cells = column_text(table, name)?;
        let mut levels: Vec<String> = cells.clone();
        levels.sort_by(|a, b| match (a.parse::<f64>(), b.parse::<f64>()) {
            (Ok(x), Ok(z)) => x.total_cmp(&z),
            _ => a.cmp(b),
        });
        levels.dedup();
        let (events, non_events) = radscore::stats::count_classes(y);
        let counts: Vec<[f64; 2]> = levels
            .iter()
            .map(|l| {
                let mut c = [0.0; 2];
                for (cell, &yi) in cells.iter().zip(y) {
                    if cell == l {
                        c[usize::from(yi)] += 1.0;
                    }
                }
                c
            })
            .collect();
        let level_rows: Vec<Value> = levels
            .iter()
            .zip(&counts)
            .map(|(l, c)| {
                json!({"level": l, "non_events": c[0], "non_events_pct": 100.0 * c[0] / non_events.max(1) as f64,
                       "events": c[1], "events_pct": 100.0 * c[1] / events.max(1) as f64})
            })
            .collect();
        let table_counts: Vec<Vec<f64>> = counts.iter().map(|c| c.to_vec()).collect();
        let test = if levels.len() >= 2 {
            let t = chisq_test(&table_counts, true)?;
            json!({"test": "chi-square", "statistic": t.statistic, "df": t.df, "p_value": t.p_value,
                   "yates": t.corrected, "low_expected": t.low_expected})
        } else {
            json!({"test": "chi-square", "statistic": null, "df": null, "p_value": null})
        };
        let mut v = json!({"variable": name, "type": "categorical", "levels": level_rows});
        merge(&mut v, test);
        Ok(v)
    } else {
        let x = table.numeric_column(name)?;
        let non_events: Vec<f64> = x.iter().zip(y).filter(|(_, e)| !**e).map(|(v, _)| *v).collect();
        let events: Vec<f64> = x.iter().zip(y).filter(|(_, e)| **e).map(|(v, _)| *v).collect();
        let w = wilcox_test(&non_events, &events)?;
        Ok(
            json!({"variable": name, "type": "continuous", "non_events": summary(&non_events),
                  "events": summary(&events), "test": "Mann-Whitney", "statistic": w.statistic,
                  "p_value": w.p_value, "exact": w.exact}),
        )
    }
}

fn merge(into: &mut Value, from: Value) {
    if let (Value::Object(a), Value::Object(b)) = (into, from) {
        a.extend(b);
    }
}
