//! Slicer `.seg.nrrd` segmentations.
//!
//! Slicer stores a segmentation as a NRRD whose header describes every segment with
//! `Segment<N>_ID`, `Segment<N>_Name`, `Segment<N>_LabelValue` and `Segment<N>_Layer`
//! (plus colour, extent and tags, which radscore does not need). Segments that do not
//! overlap share a layer and differ by label value; with one layer the file is 3-D, with
//! several it is 4-D with the layers on the first axis (`kinds: list domain domain domain`).
//! Files written before Slicer 4.11 have neither `_LabelValue` nor `_Layer`: every segment
//! is then its own layer with label 1.

use std::path::Path;

use super::nrrd;
use crate::error::{Error, Result};
use crate::image::LabelMap;

/// How to pick a segment of a Slicer segmentation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SegmentSelector {
    /// By the segment's name (`Segment0_Name`); the segment ID is accepted too.
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

fn segments_of(header: &nrrd::Header) -> Result<Vec<SegmentInfo>> {
    let path = &header.path;
    let mut indices: Vec<usize> = header
        .key_values
        .iter()
        .filter_map(|(k, _)| k.strip_prefix("Segment")?.strip_suffix("_ID")?.parse::<usize>().ok())
        .collect();
    indices.sort_unstable();
    indices.dedup();
    let (_, range) = header.axes();
    let multi_layer = !range.is_empty();
    let mut out = Vec::with_capacity(indices.len());
    for n in indices {
        let key = |field: &str| header.key_value(&format!("Segment{n}_{field}")).map(str::trim);
        let id = key("ID").unwrap_or_default().to_string();
        let name = key("Name").map(str::to_string).unwrap_or_else(|| id.clone());
        let label_value = match key("LabelValue") {
            Some(v) => v
                .parse::<u32>()
                .map_err(|_| Error::format(path, format!("Segment{n}_LabelValue '{v}' is not a label")))?,
            None => 1,
        };
        let layer = match key("Layer") {
            Some(v) => v
                .parse::<usize>()
                .map_err(|_| Error::format(path, format!("Segment{n}_Layer '{v}' is not a layer index")))?,
            // Old files: one segment per layer, in order.
            None if multi_layer => n,
            None => 0,
        };
        out.push(SegmentInfo {
            id,
            name,
            label_value,
            layer,
        });
    }
    Ok(out)
}

/// List the segments described in a `.seg.nrrd` header (empty for a plain NRRD).
pub fn read_segmentation_info(path: &Path) -> Result<Vec<SegmentInfo>> {
    let header = nrrd::read_header(path)?;
    segments_of(&header)
}

fn describe(segments: &[SegmentInfo]) -> String {
    if segments.is_empty() {
        return "the file describes no segment (not a Slicer segmentation?)".into();
    }
    let list: Vec<String> = segments
        .iter()
        .map(|s| format!("'{}' (id {}, label {}, layer {})", s.name, s.id, s.label_value, s.layer))
        .collect();
    format!("available segments: {}", list.join(", "))
}

/// The label map of the layer holding the selected segment, and that segment's label value.
pub(super) fn read_segment(path: &Path, sel: &SegmentSelector) -> Result<(LabelMap, Option<u32>)> {
    let header = nrrd::read_header(path)?;
    let segments = segments_of(&header)?;
    let chosen: Vec<&SegmentInfo> = match sel {
        SegmentSelector::Name(name) => {
            let by_name: Vec<&SegmentInfo> = segments.iter().filter(|s| &s.name == name).collect();
            if by_name.is_empty() {
                segments.iter().filter(|s| &s.id == name).collect()
            } else {
                by_name
            }
        }
        SegmentSelector::LabelValue(v) => segments.iter().filter(|s| s.label_value == *v).collect(),
    };
    let what = match sel {
        SegmentSelector::Name(n) => format!("segment named '{n}'"),
        SegmentSelector::LabelValue(v) => format!("segment with label value {v}"),
    };
    let segment = match chosen.as_slice() {
        [one] => *one,
        [] => return Err(Error::format(path, format!("no {what}; {}", describe(&segments)))),
        _ => {
            return Err(Error::format(
                path,
                format!(
                    "{what} is ambiguous ({} segments match); {}",
                    chosen.len(),
                    describe(&segments)
                ),
            ));
        }
    };
    // Decoded straight to UInt32 as `sitk.Cast(..., sitkUInt32)` does (negatives wrap, floats
    // truncate).
    let volume = nrrd::read_volume::<u32>(path)?;
    if segment.layer >= volume.components() {
        return Err(Error::format(
            path,
            format!(
                "segment '{}' is on layer {} but the file has {} layer(s)",
                segment.name,
                segment.layer,
                volume.components()
            ),
        ));
    }
    let labels = volume.component(segment.layer)?;
    Ok((LabelMap::new(labels, volume.geometry)?, Some(segment.label_value)))
}
