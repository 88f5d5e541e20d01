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
use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::error::{Error, Result};
use crate::image::SparePages;
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
    /// What identifies the case across runs: its id column (if any) with its image, mask and
    /// label, so that several lesions of one patient (one id, other labels or masks) are
    /// distinct cases.
    fn identity(&self, header: &[String]) -> String {
        let id = id_column(header).map(|i| self.fields[i].as_str()).unwrap_or_default();
        format!("{id}|{}|{}|{:?}", self.image.display(), self.mask.display(), self.label)
    }

    /// The key of the case in the errors file (its Image, Mask and Label columns as written).
    fn error_key(&self) -> [String; 3] {
        [
            self.image.display().to_string(),
            self.mask.display().to_string(),
            self.label.map(|l| l.to_string()).unwrap_or_default(),
        ]
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

/// Where the cohort's Image, Mask and Label columns are.
struct Columns {
    image: usize,
    mask: usize,
    label: Option<usize>,
}

impl Columns {
    fn new(header: &[String]) -> Option<Self> {
        let col = |name: &str| header.iter().position(|h| h == name);
        Some(Columns {
            image: col("Image")?,
            mask: col("Mask")?,
            label: col("Label"),
        })
    }

    /// The case of one row; relative paths are taken relative to `base` (the cohort's folder).
    fn case(&self, row: usize, fields: Vec<String>, base: &Path) -> std::result::Result<CohortCase, String> {
        let label = match self.label.map(|c| fields[c].trim()) {
            None | Some("") => None,
            Some(v) => Some(
                v.parse::<u32>()
                    .map_err(|_| format!("row {row}: Label '{v}' is not a positive integer"))?,
            ),
        };
        let resolve = |p: &str| {
            let p = PathBuf::from(p.trim());
            if p.is_absolute() { p } else { base.join(p) }
        };
        Ok(CohortCase {
            row,
            image: resolve(&fields[self.image]),
            mask: resolve(&fields[self.mask]),
            label,
            fields,
        })
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
    let Some(columns) = Columns::new(&header) else {
        return Err(Error::format(
            path,
            format!(
                "the cohort file needs 'Image' and 'Mask' columns (found: {})",
                header.join(", ")
            ),
        ));
    };
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
        let case = columns
            .case(i + 1, fields, base)
            .map_err(|reason| Error::format(path, reason))?;
        cases.push(case);
    }
    Ok((header, cases))
}

/// Run the batch: extract every case not already in `out`, appending one row per success to
/// `out` and one per failure to `errors`. `progress(done, total, case)` is called after each case.
///
/// Safe to kill at any moment and run again: each row is appended with one write of the whole
/// line, a resumed run first drops a partial last line (a write cut short by the kill) from
/// both files, and the errors file keeps one entry per failing case of the latest attempt.
pub fn run_batch(
    cohort: &Path,
    out: &Path,
    errors: &Path,
    settings: &ValidSettings,
    progress: &(dyn Fn(usize, usize, &CohortCase) + Sync),
) -> Result<BatchSummary> {
    let (header, cases) = read_cohort(cohort)?;
    let columns = Columns::new(&header).ok_or_else(|| Error::format(cohort, "no Image and Mask columns"))?;
    let base = cohort.parent().unwrap_or(Path::new("."));
    // Resume: identities of the cases already written.
    let mut done = HashSet::new();
    let mut existing_header: Option<Vec<String>> = None;
    if let Some(text) = complete_lines(out)? {
        let mut lines = text.lines();
        if let Some(h) = lines.next() {
            existing_header = Some(split_csv_line(h));
            for (i, line) in lines.enumerate().filter(|(_, l)| !l.trim().is_empty()) {
                let mut fields = split_csv_line(line);
                if fields.len() >= header.len() {
                    fields.truncate(header.len());
                    if let Ok(row) = columns.case(i + 1, fields, base) {
                        done.insert(row.identity(&header));
                    }
                }
            }
        }
    }
    let todo: Vec<&CohortCase> = cases.iter().filter(|c| !done.contains(&c.identity(&header))).collect();
    let skipped = cases.len() - todo.len();
    // Every case of this cohort is either done or about to be tried again: its entries from
    // earlier runs leave the errors file (a new failure is listed anew).
    let errors_exist = prune_errors(errors, &cases)?;
    let writer = Mutex::new(BatchWriter {
        out: out.to_path_buf(),
        errors: errors.to_path_buf(),
        header: existing_header,
        input_header: header.clone(),
        errors_header_written: errors_exist,
    });
    let finished = AtomicUsize::new(0);
    let failed = AtomicUsize::new(0);
    let total = todo.len();
    // Each case borrows the pages of an earlier one's volumes: reading a CT into pages already
    // mapped saves the kernel's work of mapping them again (a tenth of a lesion's time here).
    let spares: Mutex<Vec<SparePages>> = Mutex::new(Vec::new());
    todo.par_iter().try_for_each(|case| -> Result<()> {
        let mut spare = spares
            .lock()
            .ok()
            .and_then(|mut s| s.pop())
            .unwrap_or_else(SparePages::for_batch);
        // A panic inside one extraction is that case's failure, not the end of the run.
        let result = match std::panic::catch_unwind(AssertUnwindSafe(|| extract_case(case, settings, &mut spare))) {
            Ok(result) => {
                // One set of pages per worker thread at most (a worker waiting inside one
                // case may start another).
                if let Ok(mut s) = spares.lock()
                    && s.len() < rayon::current_num_threads()
                {
                    s.push(spare);
                }
                result.map_err(|e| e.to_string())
            }
            Err(payload) => Err(panic_message(payload.as_ref())),
        };
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

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    let what = payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown cause".into());
    format!("internal error (panic) while extracting this case: {what}")
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> Error + '_ {
    move |source| Error::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// The complete lines of a file this module writes (`None` if it does not exist). A last line
/// without its newline is what a killed run leaves of a row it was writing: it is cut from the
/// file, so that its case is done again and the next row starts on a line of its own.
fn complete_lines(path: &Path) -> Result<Option<String>> {
    let mut bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io_err(path)(e)),
    };
    let keep = bytes.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    if keep < bytes.len() {
        std::fs::OpenOptions::new()
            .write(true)
            .open(path)
            .and_then(|f| f.set_len(keep as u64))
            .map_err(io_err(path))?;
        bytes.truncate(keep);
    }
    String::from_utf8(bytes)
        .map(Some)
        .map_err(|_| Error::format(path, "not a text (UTF-8) file; is it really a radscore batch output?"))
}

const ERRORS_HEADER: &str = "row,Image,Mask,Label,error\n";

/// Remove the errors file's entries for the cases of this cohort (keeping other cohorts'), and
/// a partial last line. Returns whether an errors file with its header remains.
fn prune_errors(errors: &Path, cases: &[CohortCase]) -> Result<bool> {
    let Some(text) = complete_lines(errors)? else {
        return Ok(false);
    };
    let ours: HashSet<[String; 3]> = cases.iter().map(CohortCase::error_key).collect();
    let mut lines = text.split_inclusive('\n');
    let header_ok = lines.next() == Some(ERRORS_HEADER);
    let kept: Vec<&str> = lines
        .filter(|l| {
            let f = split_csv_line(l.trim_end_matches(['\n', '\r']));
            f.len() != 5 || !ours.contains(&[f[1].clone(), f[2].clone(), f[3].clone()])
        })
        .collect();
    if header_ok && kept.len() + 1 == text.split_inclusive('\n').count() {
        return Ok(true);
    }
    if kept.is_empty() {
        std::fs::remove_file(errors).map_err(io_err(errors))?;
        return Ok(false);
    }
    // Rewrite through a temporary file and a rename, so a kill leaves the old or the new file.
    let tmp = errors.with_extension("csv.tmp");
    std::fs::write(&tmp, String::from(ERRORS_HEADER) + &kept.concat()).map_err(io_err(&tmp))?;
    std::fs::rename(&tmp, errors).map_err(io_err(errors))?;
    Ok(true)
}

fn extract_case(case: &CohortCase, settings: &ValidSettings, spare: &mut SparePages) -> Result<crate::FeatureSet> {
    let settings = settings.with_label(case.label)?;
    crate::extract::extract_files_reusing(&case.image, &case.mask, None, &settings, spare)
}

struct BatchWriter {
    out: PathBuf,
    errors: PathBuf,
    /// Header of the output file once written (or found when resuming).
    header: Option<Vec<String>>,
    input_header: Vec<String>,
    errors_header_written: bool,
}

impl BatchWriter {
    /// Append `text` (whole lines) with a single write on a file opened for appending. The file
    /// is unbuffered, so the line is with the operating system when this returns: a killed
    /// process leaves every finished row, and at most one partial last line (see
    /// [`complete_lines`]).
    fn append(path: &Path, text: &str) -> Result<()> {
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(io_err(path))?;
        f.write_all(text.as_bytes()).map_err(io_err(path))
    }

    fn write_row(&mut self, case: &CohortCase, features: &crate::FeatureSet) -> Result<()> {
        let keys: Vec<String> = self
            .input_header
            .iter()
            .cloned()
            .chain(features.keys().cloned())
            .collect();
        let mut text = String::new();
        match &self.header {
            None => {
                text = keys.iter().map(|k| csv_field(k)).collect::<Vec<_>>().join(",") + "\n";
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
        text += &(row.join(",") + "\n");
        Self::append(&self.out, &text)
    }

    fn write_error(&mut self, case: &CohortCase, cause: &str) -> Result<()> {
        let [image, mask, label] = case.error_key();
        let mut text = if self.errors_header_written {
            String::new()
        } else {
            ERRORS_HEADER.to_string()
        };
        text += &[
            case.row.to_string(),
            csv_field(&image),
            csv_field(&mask),
            label,
            // One line per failure, whatever the message holds.
            csv_field(&cause.replace(['\n', '\r'], " ")),
        ]
        .join(",");
        text.push('\n');
        Self::append(&self.errors, &text)?;
        self.errors_header_written = true;
        Ok(())
    }
}
