//! `radscore`: the command-line interface, a thin layer over the library.
#![allow(clippy::neg_cmp_op_on_partial_ord)]

use clap::{Parser, Subcommand, ValueEnum};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use radscore::extract::FeatureSet;
use radscore::image::{self, SegmentSelector};
use radscore::phantom::{self, PhantomSpec};
use radscore::settings::Settings;
use radscore::{Error, Result};

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
    /// Generate the built-in phantom in memory and print its lesion's features (no files needed).
    Demo {
        /// Built-in settings to use.
        #[arg(long, default_value = "surufatinib")]
        preset: String,
        /// Random seed of the phantom.
        #[arg(long, default_value_t = 1)]
        seed: u64,
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
            let mut settings = match (&param, &preset) {
                (Some(p), _) => Settings::from_file(p)?,
                (None, Some(name)) => Settings::preset(name)?,
                (None, None) => Settings::default(),
            };
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
            let labels = p.mask.labels.mapv(f64::from);
            image::write_nrrd(out.join("ct.nrrd"), &p.image.voxels, p.image.pixel_type, g)?;
            image::write_nrrd(out.join("lesion_mask.nrrd"), &labels, radscore::PixelType::U8, g)?;
            image::write_nifti(out.join("ct.nii.gz"), &p.image.voxels, p.image.pixel_type, g)?;
            image::write_nifti(out.join("lesion_mask.nii.gz"), &labels, radscore::PixelType::U8, g)?;
            println!(
                "wrote {0}/ct.nrrd, {0}/lesion_mask.nrrd (label 1: main lesion, 2: second lesion) and NIfTI copies",
                out.display()
            );
            Ok(())
        }
        Command::Demo { preset, seed } => {
            let spec = PhantomSpec {
                seed,
                ..PhantomSpec::default()
            };
            eprintln!(
                "radscore demo: synthetic CT {:?} voxels at {:?} mm, {} mm lesion, preset '{preset}'",
                spec.size, spec.spacing, spec.lesion_diameter_mm
            );
            let p = phantom::generate(&spec)?;
            let valid = Settings::preset(&preset)?.validate()?;
            let start = std::time::Instant::now();
            let features = radscore::extract::extract(&p.image, &p.mask, &valid)?;
            let elapsed = start.elapsed();
            let mut out = String::new();
            for (k, v) in &features {
                out.push_str(&format!("{k:<60} {}\n", fmt_value(*v)));
            }
            out.push_str(&format!(
                "{} features in {:.2} s\n",
                features.len(),
                elapsed.as_secs_f64()
            ));
            write_output(None, &out)
        }
    }
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
