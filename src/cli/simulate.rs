//! `radscore simulate-cohort`: write the simulated Front. Oncol.-like cohort to a directory.

use clap::Args;
use std::path::PathBuf;

use radscore::model::simulate::{CohortSpec, simulate_cohort};
use radscore::{Error, Result};

/// `radscore simulate-cohort` arguments (defaults: the Front. Oncol. 2025 cohort's sizes).
#[derive(Args)]
pub struct SimulateArgs {
    /// Output directory (features.csv, features_observer2.csv, clinical.csv, truth.json).
    #[arg(long)]
    out: PathBuf,
    #[arg(long, default_value_t = 2025)]
    seed: u64,
    #[arg(long, default_value_t = 76)]
    patients: usize,
    #[arg(long, default_value_t = 131)]
    lesions: usize,
    /// Lesions with an effective response (non-events).
    #[arg(long, default_value_t = 27)]
    effective: usize,
    /// Noise radiomics features (besides the 4 informative ones).
    #[arg(long, default_value_t = 76)]
    noise: usize,
    /// Lesions segmented by the second observer.
    #[arg(long, default_value_t = 40)]
    observer2: usize,
}

/// Simulate and write the cohort.
pub fn run(args: SimulateArgs) -> Result<()> {
    let spec = CohortSpec {
        seed: args.seed,
        n_patients: args.patients,
        n_lesions: args.lesions,
        n_effective: args.effective,
        n_noise: args.noise,
        n_observer2: args.observer2,
    };
    let cohort = simulate_cohort(&spec)?;
    std::fs::create_dir_all(&args.out).map_err(|source| Error::Io {
        path: args.out.clone(),
        source,
    })?;
    for (name, text) in cohort.files()? {
        super::write_text(Some(&args.out.join(name)), &text)?;
    }
    eprintln!(
        "wrote {0}/features.csv ({1} lesions × {2} features), {0}/features_observer2.csv ({3} lesions), \
         {0}/clinical.csv, {0}/truth.json",
        args.out.display(),
        spec.n_lesions,
        cohort.feature_names.len(),
        spec.n_observer2
    );
    Ok(())
}
