//! One error type for the whole crate. Every variant names its cause, and where it
//! comes from a file, the file.

use std::path::PathBuf;

/// Result alias used throughout radscore.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong, from reading a file to fitting a model.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The file could not be opened or read.
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The file was read but its content is malformed, truncated or corrupt.
    #[error("{path}: {reason}")]
    Format { path: PathBuf, reason: String },
    /// A valid file that uses a feature radscore does not support (e.g. an unknown encoding).
    #[error("{path}: unsupported {what}")]
    Unsupported { path: PathBuf, what: String },
    /// A parameter file or setting is invalid; `key` names the offending key.
    #[error("setting '{key}': {reason}")]
    Setting { key: String, reason: String },
    /// The mask holds no voxel with the requested label (or no non-zero voxel at all).
    #[error("label {label} is not present in the mask{}", present_hint(present))]
    LabelAbsent { label: u32, present: Vec<u32> },
    /// Image and mask do not share the same geometry (and correctMask is off or failed).
    #[error("image and mask geometry mismatch: {detail}")]
    GeometryMismatch { detail: String },
    /// The ROI has fewer dimensions or voxels than the settings require.
    #[error("ROI too small: {detail}")]
    RoiTooSmall { detail: String },
    /// NaN or infinite voxel values inside the data used for extraction.
    #[error(
        "image contains {count} non-finite voxel value(s) (NaN or Inf){}",
        where_hint(location)
    )]
    NonFinite { count: usize, location: Option<String> },
    /// A caller-supplied buffer or argument is inconsistent (sizes, shapes, ranges).
    #[error("invalid argument: {0}")]
    InvalidArgument(String),
    /// A model file or model input is invalid.
    #[error("model: {0}")]
    Model(String),
    /// A statistical procedure could not be carried out on the data given.
    #[error("statistics: {0}")]
    Stats(String),
    /// The caller cancelled the computation (progress callback).
    #[error("cancelled by the caller")]
    Cancelled,
}

impl Error {
    /// Build a [`Error::Format`] for `path`.
    pub fn format(path: impl Into<PathBuf>, reason: impl Into<String>) -> Self {
        Error::Format {
            path: path.into(),
            reason: reason.into(),
        }
    }

    /// Build a [`Error::Setting`] for `key`.
    pub fn setting(key: impl Into<String>, reason: impl Into<String>) -> Self {
        Error::Setting {
            key: key.into(),
            reason: reason.into(),
        }
    }
}

fn present_hint(present: &[u32]) -> String {
    if present.is_empty() {
        " (the mask is empty)".into()
    } else {
        let shown: Vec<String> = present.iter().take(10).map(|l| l.to_string()).collect();
        format!(" (labels present: {})", shown.join(", "))
    }
}

fn where_hint(location: &Option<String>) -> String {
    location.as_ref().map(|l| format!(" in {l}")).unwrap_or_default()
}
