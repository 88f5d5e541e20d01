//! Re-segmentation as pyradiomics' `resegmentMask`: drop ROI voxels outside an intensity range.

use crate::error::{Error, Result};
use crate::image::{Image, LabelMap};
use crate::numpy::pairwise_sum;
use crate::settings::ResegmentMode;

/// Keep only ROI voxels with intensity in the range (absolute, relative to the ROI maximum,
/// or in ROI standard deviations around the mean). One value sets only a lower bound.
pub fn resegment(image: &Image, mask: &LabelMap, label: u32, range: &[f64], mode: ResegmentMode) -> Result<LabelMap> {
    if range.is_empty() || range.len() > 2 {
        return Err(Error::setting(
            "resegmentRange",
            format!("needs 1 or 2 values, got {}", range.len()),
        ));
    }
    let mut sorted = range.to_vec();
    sorted.sort_by(f64::total_cmp);
    let values = image.values();
    let mut labels = mask.values().into_owned();
    let roi: Vec<f64> = values
        .iter()
        .zip(labels.iter())
        .filter(|(_, l)| **l == label)
        .map(|(v, _)| *v)
        .collect();
    if roi.is_empty() {
        return Err(Error::LabelAbsent {
            label,
            present: mask.labels_present(),
        });
    }
    let thresholds: Vec<f64> = match mode {
        ResegmentMode::Absolute => sorted,
        ResegmentMode::Relative => {
            let max = roi.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
            sorted.iter().map(|t| max * t).collect()
        }
        ResegmentMode::Sigma => {
            let n = roi.len() as f64;
            let mean = pairwise_sum(&roi) / n;
            let dev: Vec<f64> = roi.iter().map(|v| (v - mean) * (v - mean)).collect();
            let sd = (pairwise_sum(&dev) / n).sqrt();
            sorted.iter().map(|t| mean + sd * t).collect()
        }
    };
    let mut kept = 0usize;
    for (l, v) in labels.iter_mut().zip(values.iter()) {
        if *l == label {
            let keep = *v >= thresholds[0] && (thresholds.len() < 2 || *v <= thresholds[1]);
            if keep {
                kept += 1;
            } else {
                *l = 0;
            }
        } else {
            // pyradiomics rebuilds the mask from the selected label only.
            *l = 0;
        }
    }
    if kept <= 1 {
        return Err(Error::RoiTooSmall {
            detail: format!(
                "re-segmentation to {thresholds:?} kept {kept} voxel(s) of label {label}; at least 2 are needed"
            ),
        });
    }
    Ok(LabelMap {
        labels: labels.into(),
        geometry: mask.geometry.clone(),
    })
}
