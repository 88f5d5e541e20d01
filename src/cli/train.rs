//! `radscore train`: read the cohort tables, run the pipeline, write the model file and report.

use clap::Args;
use std::path::PathBuf;

use radscore::stats::glmnet::LambdaChoice;
use radscore::stats::io::Table;
use radscore::train::{Cohort, CohortColumns, TrainSettings, report, train};
use radscore::{Error, Result};

/// `radscore train` arguments.
#[derive(Args)]
pub struct TrainArgs {
    /// Feature table (observer 1): a lesion id column and one column per feature.
    #[arg(long)]
    features: PathBuf,
    /// Second observer's feature table (some or all lesions) for the ICC filter.
    #[arg(long)]
    observer2: Option<PathBuf>,
    /// Clinical table: lesion id, outcome, clinical predictors (and other baseline columns).
    #[arg(long)]
    clinical: PathBuf,
    /// Outcome column (0/1, or two labels with --event).
    #[arg(long)]
    outcome: String,
    /// Label of the event when the outcome holds text.
    #[arg(long)]
    event: Option<String>,
    /// Clinical predictor columns (comma-separated).
    #[arg(long, value_delimiter = ',')]
    predictors: Vec<String>,
    /// Level order of a text predictor, NAME=a,b,c (coded 0, 1, 2; first = reference). Repeat.
    #[arg(long = "levels", value_name = "NAME=A,B,...")]
    levels: Vec<String>,
    /// Lesion id column (in every table).
    #[arg(long, default_value = "lesion_id")]
    id: String,
    /// Patient id column of the clinical table (resampling and CV folds by patient); "none" to
    /// treat lesions as independent.
    #[arg(long, default_value = "patient_id")]
    patient: String,
    /// Output model file (radscore model card JSON).
    #[arg(long)]
    out: PathBuf,
    /// Output HTML report.
    #[arg(long)]
    report: Option<PathBuf>,
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Bootstrap resamples (0 = none).
    #[arg(long, default_value_t = 1000)]
    bootstrap: usize,
    /// Radscore at lambda.min (`min`) or lambda.1se (`1se`).
    #[arg(long, default_value = "min")]
    lambda: String,
    #[arg(long, default_value_t = 0.75)]
    icc_threshold: f64,
    #[arg(long, default_value_t = 0.90)]
    spearman_cutoff: f64,
    #[arg(long, default_value_t = 10)]
    folds: usize,
    #[arg(long, default_value_t = 0.05)]
    screening_p: f64,
    #[arg(long, default_value_t = 0.05)]
    stepwise_p: f64,
    /// Model id written to the model file.
    #[arg(long, default_value = "local-model")]
    id_model: String,
    /// What the event is, in words (model file and report).
    #[arg(long, default_value = "")]
    event_description: String,
}

/// Run the training command.
pub fn run(args: TrainArgs) -> Result<()> {
    let features = Table::read(&args.features)?;
    let clinical = Table::read(&args.clinical)?;
    let observer2 = args.observer2.as_deref().map(Table::read).transpose()?;
    let levels = args
        .levels
        .iter()
        .map(|item| {
            let (name, list) = item
                .split_once('=')
                .ok_or_else(|| Error::InvalidArgument(format!("--levels '{item}' must be NAME=a,b,c")))?;
            Ok((
                name.trim().to_string(),
                list.split(',').map(|l| l.trim().to_string()).collect(),
            ))
        })
        .collect::<Result<Vec<(String, Vec<String>)>>>()?;
    let patient = if args.patient == "none" {
        None
    } else if clinical.index(&args.patient).is_ok() {
        Some(args.patient.clone())
    } else {
        eprintln!(
            "radscore: no column '{}' in the clinical table: lesions treated as independent",
            args.patient
        );
        None
    };
    let feature_exclude: Vec<String> = if features.index(&args.patient).is_ok() {
        vec![args.patient.clone()]
    } else {
        Vec::new()
    };
    let cols = CohortColumns {
        id: args.id.clone(),
        patient,
        outcome: args.outcome.clone(),
        event: args.event.clone(),
        predictors: args.predictors.clone(),
        levels,
        feature_exclude,
    };
    let cohort = Cohort::from_tables(&features, observer2.as_ref(), &clinical, &cols)?;
    let settings = TrainSettings {
        icc_threshold: args.icc_threshold,
        spearman_cutoff: args.spearman_cutoff,
        nfolds: args.folds,
        lambda: match args.lambda.as_str() {
            "min" | "lambda.min" => LambdaChoice::Min,
            "1se" | "lambda.1se" => LambdaChoice::OneSe,
            other => {
                return Err(Error::InvalidArgument(format!(
                    "--lambda must be min or 1se, got '{other}'"
                )));
            }
        },
        screening_p: args.screening_p,
        stepwise_p: args.stepwise_p,
        bootstrap: args.bootstrap,
        seed: args.seed,
        id: args.id_model.clone(),
        event_description: args.event_description.clone(),
        ..TrainSettings::default()
    };
    let result = train(&cohort, &settings)?;
    super::write_text(Some(&args.out), &(result.card.to_json() + "\n"))?;
    if let Some(path) = &args.report {
        super::write_text(Some(path), &report::render(&result)?)?;
    }
    let b = result.bootstrap.as_ref();
    eprintln!(
        "fusion model: {} (AUC {:.3}, DeLong 95% CI {:.3}–{:.3}{}); Radscore of {} feature(s); wrote {}{}",
        result
            .card
            .fusion
            .predictors
            .iter()
            .map(|p| p.name.as_str())
            .collect::<Vec<_>>()
            .join(" + "),
        result.fusion_roc.roc.auc,
        result.fusion_roc.ci.0,
        result.fusion_roc.ci.1,
        b.map(|b| format!("; optimism-corrected {:.3} from {} resamples", b.corrected_auc, b.used))
            .unwrap_or_default(),
        result.card.radscore.features.len(),
        args.out.display(),
        args.report
            .as_ref()
            .map(|p| format!(" and {}", p.display()))
            .unwrap_or_default()
    );
    Ok(())
}
