//! `radscore`: the command-line interface, a thin layer over the library.
#![allow(clippy::neg_cmp_op_on_partial_ord)]

use clap::{Parser, Subcommand, ValueEnum};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use std::collections::BTreeMap;

use radscore::extract::FeatureSet;
use radscore::image::{self, SegmentSelector};
use radscore::model::{ClinicalValue, ModelCard};
use radscore::phantom::{self, PhantomSpec};
use radscore::settings::Settings;
use radscore::{Error, Result};

mod cli;

// Large volumes on transparent huge pages: fewer page faults while a CT is read.
#[global_allocator]
static ALLOCATOR: radscore::ffi::HugePageAllocator = radscore::ffi::HugePageAllocator;

#[derive(Parser)]
#[command(
    name = "radscore",
    version,
    about = "Radiomics features with exact PyRadiomics 3.1 parity"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Csv,
    Json,
}

#[derive(Clone, Copy, ValueEnum)]
enum CalibrationMethod {
    InTheLarge,
    Logistic,
}

#[derive(Clone, Copy, ValueEnum)]
enum PredictFormat {
    Text,
    Json,
}

#[derive(Subcommand)]
enum Command {
    /// Extract features from an image and a mask (as `pyradiomics IMAGE MASK --param FILE`).
    Extract {
        /// Image file (.nrrd, .nhdr, .nii, .nii.gz).
        image: PathBuf,
        /// Mask file (label map, or a Slicer .seg.nrrd with --segment).
        mask: PathBuf,
        /// pyradiomics parameter file (YAML or JSON).
        #[arg(long, conflicts_with = "preset")]
        param: Option<PathBuf>,
        /// Built-in settings: `surufatinib` (851 features) or `pyradiomics-default`.
        #[arg(long)]
        preset: Option<String>,
        /// Label value of the ROI (overrides the settings' label).
        #[arg(long)]
        label: Option<u32>,
        /// Segment of a .seg.nrrd mask, by name or label value.
        #[arg(long)]
        segment: Option<String>,
        /// Output format.
        #[arg(long, value_enum, default_value = "csv")]
        format: Format,
        /// Write to this file instead of standard output.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Worker threads (0 = all cores).
        #[arg(long, default_value_t = 0)]
        threads: usize,
    },
    /// Extract a whole cohort (CSV with Image, Mask[, Label, ID] columns, as pyradiomics' batch
    /// mode): one output row per lesion, failures listed in an errors file, resumable.
    Batch {
        /// Cohort CSV.
        cohort: PathBuf,
        /// Output feature CSV (appended to; finished cases are skipped).
        #[arg(long)]
        out: PathBuf,
        /// Errors CSV (default: OUT with `.errors.csv`).
        #[arg(long)]
        errors: Option<PathBuf>,
        /// pyradiomics parameter file.
        #[arg(long, conflicts_with = "preset")]
        param: Option<PathBuf>,
        /// Built-in settings.
        #[arg(long)]
        preset: Option<String>,
        /// Worker threads (0 = all cores).
        #[arg(long, default_value_t = 0)]
        threads: usize,
    },
    /// Write a synthetic abdominal CT and its lesion mask (NRRD and NIfTI).
    Phantom {
        /// Output directory.
        #[arg(long)]
        out: PathBuf,
        /// Random seed.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Diameter of the main lesion in mm.
        #[arg(long, default_value_t = 30.0)]
        lesion_mm: f64,
        /// Volume size x,y,z in voxels.
        #[arg(long, value_delimiter = ',', default_values_t = [512usize, 512, 60])]
        size: Vec<usize>,
    },
    /// Radscore, probability of the model's event and nomogram points for one lesion.
    Predict {
        /// Model file, or the id of a shipped card (front-oncol-2025, cancer-med-2026).
        #[arg(long)]
        model: String,
        /// Features as written by `radscore extract --format json` (or csv).
        #[arg(long, conflicts_with_all = ["image", "mask"])]
        features: Option<PathBuf>,
        /// Image to extract from (instead of --features).
        image: Option<PathBuf>,
        /// Mask to extract from (instead of --features).
        mask: Option<PathBuf>,
        /// Extraction parameter file (default: the studies' preset).
        #[arg(long)]
        param: Option<PathBuf>,
        /// Label value of the ROI.
        #[arg(long)]
        label: Option<u32>,
        /// Clinical value NAME=VALUE (repeat), e.g. ki67=30 hepatic_metastases=multiple.
        #[arg(long = "clinical", value_name = "NAME=VALUE")]
        clinical: Vec<String>,
        /// Output format.
        #[arg(long, value_enum, default_value = "text")]
        format: PredictFormat,
    },
    /// Fit a published card's missing pieces on a local cohort: z-score parameters from the
    /// cohort's features, then the fusion intercept with the published slopes fixed
    /// (recalibration in the large) or an intercept and one overall slope (logistic).
    Calibrate {
        /// Model file or shipped card id.
        #[arg(long)]
        model: String,
        /// Cohort CSV: feature columns (as `radscore batch` writes them), one column per
        /// clinical predictor (named as in the card) and the outcome column.
        #[arg(long)]
        cohort: PathBuf,
        /// Outcome column: 1/0, yes/no, true/false, or compare with --event.
        #[arg(long)]
        outcome: String,
        /// Value of the outcome column that means the card's event happened.
        #[arg(long)]
        event: Option<String>,
        /// Recalibration method.
        #[arg(long, value_enum, default_value = "in-the-large")]
        method: CalibrationMethod,
        /// Radscore intercept to use when the card has none (Front. Oncol. 2025: about 1.6).
        #[arg(long, default_value_t = 0.0)]
        radscore_intercept: f64,
        /// Output model file.
        #[arg(long)]
        out: PathBuf,
    },
    /// Draw a model's nomogram as SVG, optionally with one patient marked.
    Nomogram {
        /// Model file, or the id of a shipped card.
        #[arg(long)]
        model: String,
        /// Output SVG file.
        #[arg(long)]
        out: PathBuf,
        /// Mark a patient: Radscore value.
        #[arg(long)]
        radscore: Option<f64>,
        /// Mark a patient: clinical value NAME=VALUE (repeat).
        #[arg(long = "clinical", value_name = "NAME=VALUE")]
        clinical: Vec<String>,
    },
    /// Statistics on CSV tables, JSON out (ICC, correlation filter, z-score, LASSO-CV, logistic,
    /// ROC/DeLong, calibration, DCA, baseline comparison).
    Stats(cli::stats::StatsArgs),
    /// Write a simulated cohort resembling the Front. Oncol. study (features, second observer,
    /// clinical table) from a known generating model (truth.json).
    SimulateCohort(cli::simulate::SimulateArgs),
    /// Fit the clinical-radiomics model (ICC → Spearman → LASSO-CV Radscore → screening →
    /// stepwise fusion model), validate it by bootstrap, write the model file and an HTML report.
    Train(Box<cli::train::TrainArgs>),
    /// The main job on built-in synthetic data (no downloads): 851 features of a synthetic CT
    /// lesion, the published Front. Oncol. card recalibrated on a simulated cohort, the
    /// patient's Radscore, probability and nomogram. A demonstration, not a clinical result.
    Demo {
        /// Random seed of the phantom and the simulated cohort.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Lesions in the simulated local cohort.
        #[arg(long, default_value_t = 40)]
        cohort: usize,
        /// Directory for the nomogram SVG and the features.
        #[arg(long, default_value = "radscore-demo")]
        out: PathBuf,
        /// Print every feature, not only a summary.
        #[arg(long)]
        all_features: bool,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli.command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("radscore: error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(command: Command) -> Result<()> {
    match command {
        Command::Extract {
            image,
            mask,
            param,
            preset,
            label,
            segment,
            format,
            out,
            threads,
        } => {
            let mut settings = load_settings(param.as_deref(), preset.as_deref())?;
            if let Some(l) = label {
                settings.general.label = l;
            }
            let valid = settings.validate()?;
            let selector = segment.map(|s| match s.parse::<u32>() {
                Ok(v) => SegmentSelector::LabelValue(v),
                Err(_) => SegmentSelector::Name(s),
            });
            let features = with_threads(threads, || {
                radscore::extract::extract_files(&image, &mask, selector.as_ref(), &valid)
            })?;
            let text = match format {
                Format::Csv => to_csv(&image, &mask, &features),
                Format::Json => to_json(&features),
            };
            write_output(out.as_deref(), &text)
        }
        Command::Batch {
            cohort,
            out,
            errors,
            param,
            preset,
            threads,
        } => {
            let settings = load_settings(param.as_deref(), preset.as_deref())?;
            let valid = settings.validate()?;
            let errors = errors.unwrap_or_else(|| out.with_extension("errors.csv"));
            let tty = std::io::stderr().is_terminal();
            let summary = with_threads(threads, || {
                radscore::batch::run_batch(&cohort, &out, &errors, &valid, &|done, total, case| {
                    if tty {
                        eprint!("\r[{done}/{total}] row {} {}\x1b[K", case.row, case.image.display());
                    }
                })
            })?;
            if tty {
                eprintln!();
            }
            eprintln!(
                "{} cases: {} extracted, {} failed{}, {} already done",
                summary.total,
                summary.succeeded,
                summary.failed,
                if summary.failed > 0 {
                    format!(" (see {})", errors.display())
                } else {
                    String::new()
                },
                summary.skipped
            );
            Ok(())
        }
        Command::Phantom {
            out,
            seed,
            lesion_mm,
            size,
        } => {
            if size.len() != 3 {
                return Err(Error::InvalidArgument(format!("--size needs x,y,z, got {size:?}")));
            }
            let spec = PhantomSpec {
                size: [size[0], size[1], size[2]],
                seed,
                lesion_diameter_mm: lesion_mm,
                ..PhantomSpec::default()
            };
            let p = phantom::generate(&spec)?;
            std::fs::create_dir_all(&out).map_err(|source| Error::Io {
                path: out.clone(),
                source,
            })?;
            let g = &p.image.geometry;
            let labels = p.mask.values().mapv(f64::from);
            let ct = p.image.values();
            image::write_nrrd(out.join("ct.nrrd"), &ct, p.image.pixel_type, g)?;
            image::write_nrrd(out.join("lesion_mask.nrrd"), &labels, radscore::PixelType::U8, g)?;
            image::write_nifti(out.join("ct.nii.gz"), &ct, p.image.pixel_type, g)?;
            image::write_nifti(out.join("lesion_mask.nii.gz"), &labels, radscore::PixelType::U8, g)?;
            println!(
                "wrote {0}/ct.nrrd, {0}/lesion_mask.nrrd (label 1: main lesion, 2: second lesion) and NIfTI copies",
                out.display()
            );
            Ok(())
        }
        Command::Predict {
            model,
            features,
            image,
            mask,
            param,
            label,
            clinical,
            format,
        } => {
            let card = load_model(&model)?;
            card.require_complete()?;
            let clinical = parse_clinical(&clinical)?;
            let features = match (features, image, mask) {
                (Some(f), _, _) => read_features(&f)?,
                (None, Some(image), Some(mask)) => {
                    let mut settings = match &param {
                        Some(p) => Settings::from_file(p)?,
                        None => Settings::preset("surufatinib")?,
                    };
                    if let Some(l) = label {
                        settings.general.label = l;
                    }
                    radscore::extract::extract_files(&image, &mask, None, &settings.validate()?)?
                }
                _ => {
                    return Err(Error::InvalidArgument(
                        "give --features F.json, or IMAGE and MASK to extract from".into(),
                    ));
                }
            };
            let p = card.predict(&features, &clinical)?;
            let text = match format {
                PredictFormat::Json => format!(
                    "{}\n",
                    serde_json::to_string_pretty(&p.to_json(&card.id)).unwrap_or_default()
                ),
                PredictFormat::Text => {
                    let mut t = format!("model        {} ({})\n", card.id, card.title);
                    t.push_str(&format!("Radscore     {:.4}\n", p.radscore));
                    t.push_str(&format!("probability  {:.4} of {}\n", p.probability, p.event));
                    t.push_str(&format!("linear pred. {:.4}\n", p.linear_predictor));
                    for term in &p.terms {
                        t.push_str(&format!(
                            "  {:<26} {:>14}  {:>6.1} points\n",
                            term.predictor, term.value, term.points
                        ));
                    }
                    t.push_str(&format!(
                        "  {:<26} {:>14}  {:>6.1} points\n",
                        "total", "", p.total_points
                    ));
                    t
                }
            };
            write_output(None, &text)
        }
        Command::Calibrate {
            model,
            cohort,
            outcome,
            event,
            method,
            radscore_intercept,
            out,
        } => {
            let card = load_model(&model)?;
            let lesions = read_calibration_cohort(&cohort, &card, &outcome, event.as_deref())?;
            let method = match method {
                CalibrationMethod::InTheLarge => radscore::model::Recalibration::InTheLarge,
                CalibrationMethod::Logistic => radscore::model::Recalibration::Logistic,
            };
            let (fitted, r) = radscore::model::recalibrate(&card, &lesions, method, radscore_intercept)?;
            write_output(Some(&out), &(fitted.to_json() + "\n"))?;
            let mut t = format!(
                "{} lesions, {} events (observed rate {:.3})\n",
                r.n, r.events, r.observed_rate
            );
            t.push_str(&format!("intercept {:.4} (SE {:.4})\n", r.intercept, r.intercept_se));
            if method == radscore::model::Recalibration::Logistic {
                t.push_str(&format!("slope {:.4} (SE {:.4})\n", r.slope, r.slope_se));
            }
            match r.mean_predicted_before {
                Some(b) => t.push_str(&format!(
                    "mean predicted probability: before {b:.3}, after {:.3}\n",
                    r.mean_predicted_after
                )),
                None => t.push_str(&format!(
                    "mean predicted probability after: {:.3} (the card could not predict before)\n",
                    r.mean_predicted_after
                )),
            }
            t.push_str(&format!("wrote {}\n", out.display()));
            write_output(None, &t)
        }
        Command::Nomogram {
            model,
            out,
            radscore: rs,
            clinical,
        } => {
            let card = load_model(&model)?;
            let patient = match rs {
                Some(r) => Some(card.predict_with_radscore(r, &parse_clinical(&clinical)?)?),
                None => None,
            };
            let svg = radscore::model::nomogram_svg(&card, patient.as_ref())?;
            write_output(Some(&out), &svg)?;
            eprintln!("wrote {}", out.display());
            Ok(())
        }
        Command::Stats(args) => cli::stats::run(args),
        Command::SimulateCohort(args) => cli::simulate::run(args),
        Command::Train(args) => cli::train::run(*args),
        Command::Demo {
            seed,
            cohort,
            out,
            all_features,
        } => {
            eprintln!("radscore demo: synthetic abdominal CT (512×512×60, 0.7×0.7×5 mm), studies' preset, seed {seed}");
            let d = radscore::demo::run(seed, cohort)?;
            std::fs::create_dir_all(&out).map_err(|source| Error::Io {
                path: out.clone(),
                source,
            })?;
            let svg_path = out.join("nomogram.svg");
            write_output(Some(&svg_path), &d.nomogram_svg)?;
            write_output(Some(&out.join("features.json")), &to_json(&d.features))?;
            write_output(Some(&out.join("model.json")), &d.card.to_json())?;
            let mut t = String::new();
            let shown = if all_features { d.features.len() } else { 12 };
            for (k, v) in d.features.iter().take(shown) {
                t.push_str(&format!("  {k:<58} {}\n", fmt_value(*v)));
            }
            if shown < d.features.len() {
                t.push_str(&format!(
                    "  ... ({} more in {})\n",
                    d.features.len() - shown,
                    out.join("features.json").display()
                ));
            }
            t.push_str(&format!(
                "{} features extracted in {:.2} s\n\n",
                d.features.len(),
                d.extraction_seconds
            ));
            let c = &d.calibration;
            t.push_str(&format!(
                "model {}: z-scores fitted and recalibrated in the large on a simulated cohort of {} lesions ({} events):\n  \
                 fusion intercept {:.3} (SE {:.3}; simulated with {:.1}), Radscore intercept {} (inferred from the paper)\n\n",
                d.card.id,
                c.n,
                c.events,
                c.intercept,
                c.intercept_se,
                radscore::demo::SIMULATED_INTERCEPT,
                radscore::demo::RADSCORE_INTERCEPT
            ));
            let p = &d.prediction;
            t.push_str(&format!("patient: Radscore {:.3}\n", p.radscore));
            for term in &p.terms {
                t.push_str(&format!(
                    "  {:<26} {:>14}  {:>6.1} points\n",
                    term.predictor, term.value, term.points
                ));
            }
            t.push_str(&format!(
                "  {:<26} {:>14}  {:>6.1} points\n",
                "total", "", p.total_points
            ));
            t.push_str(&format!("probability of {}: {:.3}\n", p.event, p.probability));
            t.push_str(&format!(
                "\nnomogram with the patient marked: {}\n(demonstration on synthetic data, not a clinical result; {:.1} s in all)\n",
                svg_path.display(),
                d.total_seconds
            ));
            write_output(None, &t)
        }
    }
}

/// Settings from a parameter file, a preset, or pyradiomics' defaults.
fn load_settings(param: Option<&Path>, preset: Option<&str>) -> Result<Settings> {
    match (param, preset) {
        (Some(p), _) => Settings::from_file(p),
        (None, Some(name)) => Settings::preset(name),
        (None, None) => Ok(Settings::default()),
    }
}

/// A model file path, or the id of a shipped card.
fn load_model(model: &str) -> Result<ModelCard> {
    if Path::new(model).exists() {
        ModelCard::from_file(model)
    } else if radscore::model::published_cards().iter().any(|(id, _)| *id == model) {
        radscore::model::published_card(model)
    } else {
        Err(Error::Model(format!(
            "'{model}' is neither a model file nor a shipped card (front-oncol-2025, cancer-med-2026)"
        )))
    }
}

fn parse_clinical(items: &[String]) -> Result<BTreeMap<String, ClinicalValue>> {
    items
        .iter()
        .map(|item| {
            let (k, v) = item
                .split_once('=')
                .ok_or_else(|| Error::InvalidArgument(format!("--clinical '{item}' must be NAME=VALUE")))?;
            Ok((k.trim().to_string(), ClinicalValue::parse(v)))
        })
        .collect()
}

/// A recalibration cohort: features, the card's clinical predictors, and the outcome.
fn read_calibration_cohort(
    path: &Path,
    card: &ModelCard,
    outcome: &str,
    event: Option<&str>,
) -> Result<Vec<radscore::model::CohortLesion>> {
    let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let mut lines = text.lines().filter(|l| !l.trim().is_empty());
    let header = radscore::batch::split_csv_line(lines.next().unwrap_or_default());
    let col = |name: &str| {
        header
            .iter()
            .position(|h| h == name)
            .ok_or_else(|| Error::format(path, format!("no column '{name}' in the cohort")))
    };
    let oc = col(outcome)?;
    let feature_cols: Vec<(String, usize)> = card
        .feature_keys()
        .iter()
        .map(|k| col(k).map(|c| (k.to_string(), c)))
        .collect::<Result<_>>()?;
    let clinical_cols: Vec<(String, usize)> = card
        .fusion
        .predictors
        .iter()
        .filter(|p| !matches!(p.kind, radscore::model::PredictorKind::Radscore { .. }))
        .map(|p| col(&p.name).map(|c| (p.name.clone(), c)))
        .collect::<Result<_>>()?;
    let mut lesions = Vec::new();
    for (i, line) in lines.enumerate() {
        let row = radscore::batch::split_csv_line(line);
        let cell = |c: usize| row.get(c).map(|s| s.trim()).unwrap_or("");
        let mut features = FeatureSet::new();
        for (k, c) in &feature_cols {
            let v = cell(*c).parse::<f64>().map_err(|_| {
                Error::format(
                    path,
                    format!("row {}, column '{k}': '{}' is not a number", i + 1, cell(*c)),
                )
            })?;
            features.insert(k.clone(), v);
        }
        let mut clinical = BTreeMap::new();
        for (k, c) in &clinical_cols {
            if cell(*c).is_empty() {
                return Err(Error::format(path, format!("row {}, column '{k}' is missing", i + 1)));
            }
            clinical.insert(k.clone(), ClinicalValue::parse(cell(*c)));
        }
        let o = cell(oc);
        let happened = match event {
            Some(e) => o == e,
            None => match o.to_lowercase().as_str() {
                "1" | "yes" | "true" => true,
                "0" | "no" | "false" => false,
                _ => {
                    return Err(Error::format(
                        path,
                        format!(
                            "row {}, outcome '{o}' is not 1/0, yes/no or true/false (use --event)",
                            i + 1
                        ),
                    ));
                }
            },
        };
        lesions.push(radscore::model::CohortLesion {
            features,
            clinical,
            outcome: happened,
        });
    }
    Ok(lesions)
}

/// Features from `radscore extract` output: a JSON object, or pyradiomics' CSV layout.
fn read_features(path: &Path) -> Result<FeatureSet> {
    let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })?;
    if let Ok(serde_json::Value::Object(map)) = serde_json::from_str::<serde_json::Value>(&text) {
        return Ok(map
            .into_iter()
            .filter_map(|(k, v)| match v {
                serde_json::Value::Number(n) => n.as_f64().map(|x| (k, x)),
                serde_json::Value::Null => Some((k, f64::NAN)),
                _ => None,
            })
            .collect());
    }
    let mut lines = text.lines();
    let (Some(header), Some(row)) = (lines.next(), lines.next()) else {
        return Err(Error::format(
            path,
            "expected a JSON object or a CSV header and one row",
        ));
    };
    Ok(header
        .split(',')
        .zip(row.split(','))
        .filter_map(|(k, v)| v.trim().parse::<f64>().ok().map(|x| (k.to_string(), x)))
        .collect())
}

fn with_threads<T: Send>(threads: usize, f: impl FnOnce() -> Result<T> + Send) -> Result<T> {
    if threads == 0 {
        return f();
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| Error::InvalidArgument(format!("cannot start {threads} threads: {e}")))?;
    pool.install(f)
}

/// Shortest text that reads back to the same double (as Python's repr); NaN as `nan`.
fn fmt_value(v: f64) -> String {
    if v.is_nan() { "nan".into() } else { format!("{v:?}") }
}

/// pyradiomics' CSV layout: Image, Mask, then one column per feature.
fn to_csv(image: &Path, mask: &Path, features: &FeatureSet) -> String {
    let mut header = vec!["Image".to_string(), "Mask".to_string()];
    let mut row = vec![
        csv_field(&image.display().to_string()),
        csv_field(&mask.display().to_string()),
    ];
    for (k, v) in features {
        header.push(k.clone());
        row.push(fmt_value(*v));
    }
    format!("{}\n{}\n", header.join(","), row.join(","))
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// One JSON object `{key: number}`; NaN becomes `null` (JSON has no NaN).
fn to_json(features: &FeatureSet) -> String {
    let map: serde_json::Map<String, serde_json::Value> = features
        .iter()
        .map(|(k, v)| {
            let value = serde_json::Number::from_f64(*v)
                .map(serde_json::Value::Number)
                .unwrap_or(serde_json::Value::Null);
            (k.clone(), value)
        })
        .collect();
    let mut s = serde_json::to_string_pretty(&serde_json::Value::Object(map)).unwrap_or_default();
    s.push('\n');
    s
}

fn write_output(path: Option<&Path>, text: &str) -> Result<()> {
    match path {
        Some(p) => std::fs::write(p, text).map_err(|source| Error::Io {
            path: p.to_path_buf(),
            source,
        }),
        None => {
            let mut stdout = std::io::stdout().lock();
            // A closed pipe (e.g. `| head`) is not an error worth reporting.
            let _ = stdout.write_all(text.as_bytes());
            Ok(())
        }
    }
}
