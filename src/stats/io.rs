//! CSV input for the `radscore stats <step>` commands: a header row, then one row per subject;
//! numeric cells parse as f64; an empty cell, `NA`, `NaN` or text in a numeric column is an error
//! naming the data row (1-based, header not counted) and the column. Quoted fields ("a,b") and
//! doubled quotes are supported; the delimiter is a comma.

use super::outcome_from_01;
use crate::{Error, Result};
use nalgebra::DMatrix;
use std::path::{Path, PathBuf};

/// A CSV table kept as text, converted per column on request.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    pub path: PathBuf,
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

fn split_line(line: &str) -> Vec<String> {
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            '"' => quoted = !quoted,
            ',' if !quoted => fields.push(std::mem::take(&mut field).trim().to_string()),
            _ => field.push(c),
        }
    }
    fields.push(field.trim().to_string());
    fields
}

impl Table {
    /// Read and check the shape (every row as many cells as the header).
    pub fn read(path: &Path) -> Result<Table> {
        let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Table::parse(&text, path)
    }

    /// Parse CSV text (`path` only labels errors).
    pub fn parse(text: &str, path: &Path) -> Result<Table> {
        let mut lines = text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty());
        let (_, header_line) = lines
            .next()
            .ok_or_else(|| Error::format(path, "empty CSV file (no header row)"))?;
        let header: Vec<String> = split_line(header_line.trim_start_matches('\u{feff}'));
        if let Some(dup) = header.iter().enumerate().find(|(i, h)| header[..*i].contains(h)) {
            return Err(Error::format(
                path,
                format!("column '{}' appears twice in the header", dup.1),
            ));
        }
        let mut rows = Vec::new();
        for (line_no, line) in lines {
            let cells = split_line(line);
            if cells.len() != header.len() {
                return Err(Error::format(
                    path,
                    format!(
                        "line {}: {} cells but the header has {} columns",
                        line_no + 1,
                        cells.len(),
                        header.len()
                    ),
                ));
            }
            rows.push(cells);
        }
        Ok(Table {
            path: path.to_path_buf(),
            header,
            rows,
        })
    }

    /// Position of a column, or an error listing the columns.
    pub fn index(&self, name: &str) -> Result<usize> {
        self.header.iter().position(|h| h == name).ok_or_else(|| {
            Error::format(
                &self.path,
                format!("no column '{name}' (columns: {})", self.header.join(", ")),
            )
        })
    }

    /// A numeric column; missing or non-numeric cells are errors naming row and column.
    pub fn numeric_column(&self, name: &str) -> Result<Vec<f64>> {
        let j = self.index(name)?;
        self.rows
            .iter()
            .enumerate()
            .map(|(i, row)| {
                let cell = row[j].as_str();
                let missing = cell.is_empty() || cell.eq_ignore_ascii_case("na") || cell.eq_ignore_ascii_case("nan");
                if missing {
                    return Err(Error::Stats(format!("row {}, column '{name}' is missing", i + 1)));
                }
                match cell.parse::<f64>() {
                    Ok(v) if v.is_finite() => Ok(v),
                    _ => Err(Error::Stats(format!(
                        "row {}, column '{name}': '{cell}' is not a finite number",
                        i + 1
                    ))),
                }
            })
            .collect()
    }

    /// Several numeric columns as an n × k matrix.
    pub fn numeric_matrix(&self, names: &[String]) -> Result<DMatrix<f64>> {
        let columns: Vec<Vec<f64>> = names.iter().map(|n| self.numeric_column(n)).collect::<Result<_>>()?;
        Ok(DMatrix::from_fn(self.rows.len(), names.len(), |i, j| columns[j][i]))
    }

    /// Every column except those listed (e.g. all features but the id and outcome columns).
    pub fn columns_except(&self, excluded: &[&str]) -> Vec<String> {
        self.header
            .iter()
            .filter(|h| !excluded.contains(&h.as_str()))
            .cloned()
            .collect()
    }

    /// A binary outcome column: 0/1, or two labels with `event_label` marking the event.
    pub fn outcome(&self, name: &str, event_label: Option<&str>) -> Result<Vec<bool>> {
        match event_label {
            None => outcome_from_01(&self.numeric_column(name)?, name),
            Some(event) => {
                let j = self.index(name)?;
                let mut labels: Vec<&str> = Vec::new();
                for (i, row) in self.rows.iter().enumerate() {
                    let cell = row[j].as_str();
                    if cell.is_empty() || cell.eq_ignore_ascii_case("na") {
                        return Err(Error::Stats(format!("row {}, column '{name}' is missing", i + 1)));
                    }
                    if !labels.contains(&cell) {
                        labels.push(cell);
                    }
                }
                if labels.len() > 2 || !labels.contains(&event) {
                    return Err(Error::Stats(format!(
                        "column '{name}' must hold two labels including '{event}'; found: {}",
                        labels.join(", ")
                    )));
                }
                Ok(self.rows.iter().map(|row| row[j] == event).collect())
            }
        }
    }
}
