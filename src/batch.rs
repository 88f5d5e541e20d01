//! Batch extraction over a cohort, as `pyradiomics cohort.csv -o out.csv`: one output row per
//! lesion, cases in parallel, failures recorded (not fatal), and resumable: cases already in
//! the output file are not redone.
//!
//! The cohort CSV has `Image` and `Mask` columns, optionally `Label` and a case id (`ID`,
//! `Case`, `Patient` or `PatientID`); every input column is copied to the output row, followed
//! by the features.

use rayon::prelude::*;
use std::collections::HashSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::error::{Error, Result};
use crate::settings::ValidSettings;

/// One row of the cohort file.
#[derive(Debug, Clone, PartialEq)]
pub struct CohortCase {
    /// 1-based row number in the cohort file (after the header).
    pub row: usize,
    /// All input columns, in file order.
    pub fields: Vec<String>,
    pub image: PathBuf,
    pub mask: PathBuf,
    pub label: Option<u32>,
}

impl CohortCase {
    /// What identifies the case across runs: its id column if any, else image, mask and label.
    fn identity(&self, header: &[String]) -> String {
        match id_column(header) {
            Some(i) => format!("id:{}", self.fields[i]),
            None => format!("{}|{}|{:?}", self.image.display(), self.mask.display(), self.label),
        }
    }
}

fn id_column(header: &[String]) -> Option<usize> {
    header
        .iter()
        .position(|h| ["ID", "Case", "Patient", "PatientID", "case_id", "id"].contains(&h.as_str()))
}

/// Summary of a batch run.
#[derive(Debug, Clone, PartialEq)]
pub struct BatchSummary {
    pub total: usize,
    pub skipped: usize,
    pub succeeded: usize,
    pub failed: usize,
}

/// Split one CSV line (quotes and doubled quotes handled).
pub fn split_csv_line(line: &str) -> Vec<String> {
    let mut fields = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                cur.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => fields.push(std::mem::take(&mut cur)),
            _ => cur.push(c),
        }
    }
    fields.push(cur);
    fields
}

/// Quote a CSV field when needed.
pub fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// Read a cohort file. Relative image and mask paths are taken relative to the cohort file.
pub fn read_cohort(path: &Path) -> Result<(Vec<String>, Vec<CohortCase>)> {
    let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let mut lines = text.lines().filter(|l| !l.trim().is_empty());
    let header: Vec<String> = lines
        .next()
        .map(split_csv_line)
        .ok_or_else(|| Error::format(path, "the cohort file is empty"))?
        .into_iter()
        .map(|h| h.trim().to_string())
        .collect();
    let col = |name: &str| header.iter().position(|h| h == name);
    let (Some(ic), Some(mc)) = (col("Image"), col("Mask")) else {
        return Err(Error::format(
            path,
            format!(
                "the cohort file needs 'Image' and 'Mask' columns (found: {})",
                header.join(", ")
            ),
        ));
    };
    let lc = col("Label");
    let base = path.parent().unwrap_or(Path::new("."));
    let mut cases = Vec::new();
    for (i, line) in lines.enumerate() {
        let fields = split_csv_line(line);
        if fields.len() != header.len() {
            return Err(Error::format(
                path,
                format!(
                    "row {} has {} fields, the header has {}",
                    i + 1,
                    fields.len(),
                    header.len()
                ),
            ));
        }
        let label =
            match lc.map(|c| fields[c].trim()) {
                None | Some("") => None,
                Some(v) => Some(v.parse::<u32>().map_err(|_| {
                    Error::format(path, format!("row {}: Label '{v}' is not a positive integer", i + 1))
                })?),
            };
        let resolve = |p: &str| {
            let p = PathBuf::from(p.trim());
            if p.is_absolute() { p } else { base.join(p) }
        };
        cases.push(CohortCase {
            row: i + 1,
            image: resolve(&fields[ic]),
            mask: resolve(&fields[mc]),
            label,
            fields,
        });
    }
    Ok((header, cases))
}

/// Run the batch: extract every case not already in `out`, appending one row per success to
/// `out` and one per failure to `errors`. `progress(done, total, case)` is called after each case.
pub fn run_batch(
    cohort: &Path,
    out: &Path,
    errors: &Path,
    settings: &ValidSettings,
    progress: &(dyn Fn(usize, usize, &CohortCase) + Sync),
) -> Result<BatchSummary> {
    let (header, cases) = read_cohort(cohort)?;
    // Resume: identities of the cases already written.
    let mut done = HashSet::new();
    let mut existing_header: Option<Vec<String>> = None;
    if let Ok(text) = std::fs::read_to_string(out) {
        let mut lines = text.lines();
        if let Some(h) = lines.next() {
            existing_header = Some(split_csv_line(h));
            for line in lines.filter(|l| !l.trim().is_empty()) {
                let fields = split_csv_line(line);
                if fields.len() >= header.len() {
                    let probe = CohortCase {
                        row: 0,
                        image: PathBuf::from(&fields[header.iter().position(|h| h == "Image").unwrap_or(0)]),
                        mask: PathBuf::from(&fields[header.iter().position(|h| h == "Mask").unwrap_or(0)]),
                        label: header
                            .iter()
                            .position(|h| h == "Label")
                            .and_then(|c| fields[c].trim().parse().ok()),
                        fields: fields[..header.len()].to_vec(),
                    };
                    done.insert(resume_identity(&probe, &header, cohort));
                }
            }
        }
    }
    let todo: Vec<&CohortCase> = cases.iter().filter(|c| !done.contains(&c.identity(&header))).collect();
    let skipped = cases.len() - todo.len();
    let writer = Mutex::new(BatchWriter {
        out: out.to_path_buf(),
        errors: errors.to_path_buf(),
        header: existing_header,
        input_header: header.clone(),
    });
    let finished = AtomicUsize::new(0);
    let failed = AtomicUsize::new(0);
    let total = todo.len();
    todo.par_iter().try_for_each(|case| -> Result<()> {
        let result = extract_case(case, settings);
        let mut w = writer
            .lock()
            .map_err(|_| Error::InvalidArgument("batch writer poisoned".into()))?;
        match result {
            Ok(features) => w.write_row(case, &features)?,
            Err(e) => {
                failed.fetch_add(1, Ordering::Relaxed);
                w.write_error(case, &e)?;
            }
        }
        drop(w);
        let n = finished.fetch_add(1, Ordering::Relaxed) + 1;
        progress(n, total, case);
        Ok(())
    })?;
    let failed = failed.load(Ordering::Relaxed);
    Ok(BatchSummary {
        total: cases.len(),
        skipped,
        succeeded: total - failed,
        failed,
    })
}

/// The identity of a row already in the output (its paths are as written, i.e. as in the cohort).
fn resume_identity(row: &CohortCase, header: &[String], cohort: &Path) -> String {
    match id_column(header) {
        Some(i) => format!("id:{}", row.fields[i]),
        None => {
            let base = cohort.parent().unwrap_or(Path::new("."));
            let resolve = |p: &Path| if p.is_absolute() { p.to_path_buf() } else { base.join(p) };
            format!(
                "{}|{}|{:?}",
                resolve(&row.image).display(),
                resolve(&row.mask).display(),
                row.label
            )
        }
    }
}

fn extract_case(case: &CohortCase, settings: &ValidSettings) -> Result<crate::FeatureSet> {
    match case.label {
        Some(l) if l != settings.general().label => {
            let mut s = settings.settings().clone();
            s.general.label = l;
            crate::extract::extract_files(&case.image, &case.mask, None, &s.validate()?)
        }
        _ => crate::extract::extract_files(&case.image, &case.mask, None, settings),
    }
}

struct BatchWriter {
    out: PathBuf,
    errors: PathBuf,
    /// Header of the output file once written (or found when resuming).
    header: Option<Vec<String>>,
    input_header: Vec<String>,
}

impl BatchWriter {
    fn append(path: &Path, text: &str) -> Result<()> {
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(|source| Error::Io {
                path: path.to_path_buf(),
                source,
            })?;
        f.write_all(text.as_bytes()).map_err(|source| Error::Io {
            path: path.to_path_buf(),
            source,
        })
    }

    fn write_row(&mut self, case: &CohortCase, features: &crate::FeatureSet) -> Result<()> {
        let keys: Vec<String> = self
            .input_header
            .iter()
            .cloned()
            .chain(features.keys().cloned())
            .collect();
        match &self.header {
            None => {
                Self::append(
                    &self.out,
                    &(keys.iter().map(|k| csv_field(k)).collect::<Vec<_>>().join(",") + "\n"),
                )?;
                self.header = Some(keys);
            }
            Some(h) if *h != keys => {
                return Err(Error::InvalidArgument(format!(
                    "{}: its columns differ from this run's features (different settings?); write to a new file",
                    self.out.display()
                )));
            }
            Some(_) => {}
        }
        let mut row: Vec<String> = case.fields.iter().map(|f| csv_field(f)).collect();
        row.extend(
            features
                .values()
                .map(|v| if v.is_nan() { "nan".into() } else { format!("{v:?}") }),
        );
        Self::append(&self.out, &(row.join(",") + "\n"))
    }

    fn write_error(&mut self, case: &CohortCase, e: &Error) -> Result<()> {
        if !self.errors.exists() {
            Self::append(&self.errors, "row,Image,Mask,Label,error\n")?;
        }
        let line = [
            case.row.to_string(),
            csv_field(&case.image.display().to_string()),
            csv_field(&case.mask.display().to_string()),
            case.label.map(|l| l.to_string()).unwrap_or_default(),
            csv_field(&e.to_string()),
        ]
        .join(",");
        Self::append(&self.errors, &(line + "\n"))
    }
}
