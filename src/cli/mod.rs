//! Command-line glue for the statistics, cohort simulation and training commands. Kept out of
//! `main.rs` so that each command's arguments and JSON output live next to each other.

pub mod simulate;
pub mod stats;
pub mod train;

use radscore::stats::io::Table;
use radscore::{Error, Result};
use std::io::Write;
use std::path::Path;

/// Pretty JSON (NaN/∞ become `null`, as serde_json writes them) to a file or standard output.
pub fn write_json(out: Option<&Path>, value: &serde_json::Value) -> Result<()> {
    let mut text = serde_json::to_string_pretty(value)
        .map_err(|e| Error::InvalidArgument(format!("cannot serialise the result: {e}")))?;
    text.push('\n');
    write_text(out, &text)
}

/// Text to a file or standard output (a closed pipe on stdout is not an error).
pub fn write_text(out: Option<&Path>, text: &str) -> Result<()> {
    match out {
        Some(p) => std::fs::write(p, text).map_err(|source| Error::Io {
            path: p.to_path_buf(),
            source,
        }),
        None => {
            let _ = std::io::stdout().lock().write_all(text.as_bytes());
            Ok(())
        }
    }
}

/// The columns to analyse: `columns` when given (each must exist), else every column of the
/// table except `exclude` and the `always_excluded` ones (id, outcome…).
pub fn pick_columns(
    table: &Table,
    columns: &[String],
    exclude: &[String],
    always_excluded: &[&str],
) -> Result<Vec<String>> {
    if !columns.is_empty() {
        for c in columns {
            table.index(c)?;
        }
        return Ok(columns.to_vec());
    }
    for c in exclude {
        table.index(c)?;
    }
    let mut excluded: Vec<&str> = always_excluded.to_vec();
    excluded.extend(exclude.iter().map(String::as_str));
    let picked = table.columns_except(&excluded);
    if picked.is_empty() {
        return Err(Error::InvalidArgument(format!(
            "{}: no columns left to analyse after excluding {}",
            table.path.display(),
            excluded.join(", ")
        )));
    }
    Ok(picked)
}
