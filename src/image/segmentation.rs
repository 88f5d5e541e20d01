//! Slicer `.seg.nrrd` segmentations (placeholder).
use crate::error::{Error, Result};
use crate::image::LabelMap;
use std::path::Path;

/// How to pick a segment of a Slicer segmentation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SegmentSelector {
    /// By the segment's name (`Segment0_Name`).
    Name(String),
    /// By the segment's label value (`Segment0_LabelValue`).
    LabelValue(u32),
}

/// One segment as described in a `.seg.nrrd` header.
#[derive(Debug, Clone, PartialEq)]
pub struct SegmentInfo {
    pub id: String,
    pub name: String,
    pub label_value: u32,
    pub layer: usize,
}

/// List the segments described in a `.seg.nrrd` header.
pub fn read_segmentation_info(path: &Path) -> Result<Vec<SegmentInfo>> {
    Err(Error::Unsupported {
        path: path.into(),
        what: "segmentation (not implemented yet)".into(),
    })
}

pub(super) fn read_segment(path: &Path, _sel: &SegmentSelector) -> Result<(LabelMap, Option<u32>)> {
    Err(Error::Unsupported {
        path: path.into(),
        what: "segmentation (not implemented yet)".into(),
    })
}
