//! 2D shape features of a single-slice ROI (pyradiomics `shape2D`).
//!
//! The slice is the ROI mask with the `force2Ddimension` axis (size 1) dropped, padded by one
//! empty pixel on every side, and traced with marching squares: every 2×2 square of pixels
//! whose corners are not all equal contributes line segments between the midpoints of its
//! edges that separate an ROI pixel from a background one. Segments run around the ROI in one
//! orientation, so the signed areas of the triangles they span with the origin sum to the
//! area the contour encloses, whatever the origin. A square with two diagonal ROI corners (a
//! saddle) is cut into two separate corners, as pyradiomics cuts it; that decides the area of
//! such a contour.
//!
//! Positions are computed as pyradiomics computes them, `(index + offset) · spacing` with
//! indices of the padded slice, so that the diameter (a maximum over vertex pairs) is the same
//! number and the sums differ only in rounding. The axes come from the 3D class's exact
//! moments (`shape::pca_eigenvalues`): a slice's pixel centres span at most a plane.

use super::{ClassSettings, FeatureClass, FeatureDef, RoiView, def, deprecated};
use crate::error::{Error, Result};

/// pyradiomics' `shape2D` feature class.
#[derive(Debug, Clone, Copy, Default)]
pub struct Shape2D;

/// The features, in ASCII order of the names (pyradiomics' output order).
const FEATURES: [FeatureDef; 10] = [
    def("Elongation"),
    def("MajorAxisLength"),
    def("MaximumDiameter"),
    def("MeshSurface"),
    def("MinorAxisLength"),
    def("Perimeter"),
    def("PerimeterSurfaceRatio"),
    def("PixelSurface"),
    deprecated("SphericalDisproportion"),
    def("Sphericity"),
];

impl FeatureClass for Shape2D {
    fn name(&self) -> &'static str {
        "shape2D"
    }

    fn features(&self) -> &'static [FeatureDef] {
        &FEATURES
    }

    /// `roi` is the mask cropped to its bounding box; `settings.force2d_dimension` names the
    /// axis (numpy order) the slice is normal to, which must have size 1.
    fn compute(&self, roi: &RoiView<'_>, settings: &ClassSettings) -> Result<Vec<f64>> {
        let normal = settings.force2d_dimension;
        if normal > 2 {
            return Err(Error::setting(
                "force2Ddimension",
                format!("must be 0, 1 or 2, not {normal}"),
            ));
        }
        if roi.mask.len() != roi.len() {
            return Err(Error::InvalidArgument(format!(
                "shape2D: mask has {} voxels, shape {:?} needs {}",
                roi.mask.len(),
                roi.shape,
                roi.len()
            )));
        }
        if roi.shape[normal] != 1 {
            return Err(Error::InvalidArgument(format!(
                "shape2D: the ROI spans {} voxels along force2Ddimension {normal} ({} axis); 2D shape \
                 needs a single-slice ROI (pyradiomics fails here too): remove shape2D from featureClass \
                 or use a one-slice mask",
                roi.shape[normal],
                ["z", "y", "x"][normal]
            )));
        }
        // With the size-1 axis dropped, the C-order voxels are the slice's pixels in C order.
        let [rows, cols] = in_plane(roi.shape, normal);
        let [row_spacing, col_spacing] = in_plane(roi.spacing, normal);
        if !(row_spacing.is_finite() && row_spacing > 0.0 && col_spacing.is_finite() && col_spacing > 0.0) {
            return Err(Error::InvalidArgument(format!(
                "shape2D: spacing {:?} must be finite and positive",
                roi.spacing
            )));
        }
        let slice = PaddedSlice::new(roi.mask, rows, cols);
        let pixels = roi.mask.iter().filter(|m| **m).count();
        if pixels == 0 {
            return Err(Error::RoiTooSmall {
                detail: "shape2D: the mask holds no pixel".into(),
            });
        }
        let spacing = [row_spacing, col_spacing];
        let contour = trace_contour(&slice, spacing);
        let diameter = max_diameter(&contour.vertices, spacing);
        // The slice's pixel centres span at most a plane: [0, minor, major].
        let [_, minor, major] = super::shape::pca_eigenvalues(roi.mask, roi.shape, roi.spacing)?;

        let (area, perimeter) = (contour.area, contour.perimeter);
        let sphericity = 2.0 * (std::f64::consts::PI * area).sqrt() / perimeter;
        let axis = |l: f64| if l < 0.0 { f64::NAN } else { l.sqrt() * 4.0 };
        let elongation = if minor < 0.0 || major < 0.0 {
            f64::NAN
        } else {
            (minor / major).sqrt()
        };
        Ok(vec![
            elongation,
            axis(major),
            diameter,
            area,
            axis(minor),
            perimeter,
            perimeter / area,
            pixels as f64 * (col_spacing * row_spacing),
            1.0 / sphericity,
            sphericity,
        ])
    }
}

/// The two entries of a `(z, y, x)` triple that lie in the plane normal to axis `normal`.
fn in_plane<T: Copy>(v: [T; 3], normal: usize) -> [T; 2] {
    match normal {
        0 => [v[1], v[2]],
        1 => [v[0], v[2]],
        _ => [v[0], v[1]],
    }
}

/// The slice with one empty pixel around it, `(rows + 2) × (cols + 2)`.
struct PaddedSlice {
    rows: usize,
    cols: usize,
    data: Vec<bool>,
}

impl PaddedSlice {
    fn new(mask: &[bool], rows: usize, cols: usize) -> Self {
        let (pr, pc) = (rows + 2, cols + 2);
        let mut data = vec![false; pr * pc];
        for r in 0..rows {
            data[(r + 1) * pc + 1..(r + 1) * pc + 1 + cols].copy_from_slice(&mask[r * cols..(r + 1) * cols]);
        }
        PaddedSlice {
            rows: pr,
            cols: pc,
            data,
        }
    }

    fn at(&self, r: usize, c: usize) -> bool {
        self.data[r * self.cols + c]
    }
}

/// A square's corners in the order they are walked: top-left, top-right, bottom-right,
/// bottom-left, as `(row, column)` offsets.
const CORNERS: [(usize, usize); 4] = [(0, 0), (0, 1), (1, 1), (1, 0)];
/// The midpoint of edge `e`, which joins corner `e` to corner `e + 1`, in half pixels.
const EDGE_MIDPOINTS: [(i64, i64); 4] = [(0, 1), (1, 2), (2, 1), (1, 0)];

/// What the contour gives: its enclosed area and length (mm², mm), and its vertices (the
/// midpoints of boundary edges, each once) in half-pixel units of the padded slice.
struct Contour {
    area: f64,
    perimeter: f64,
    vertices: Vec<(i64, i64)>,
}

fn trace_contour(slice: &PaddedSlice, spacing: [f64; 2]) -> Contour {
    let position = |half: (i64, i64)| [half.0 as f64 / 2.0 * spacing[0], half.1 as f64 / 2.0 * spacing[1]];
    let mut twice_area = 0.0;
    let mut perimeter = 0.0;
    let mut vertices = Vec::new();
    for r in 0..slice.rows - 1 {
        for c in 0..slice.cols - 1 {
            let inside = CORNERS.map(|(dr, dc)| slice.at(r + dr, c + dc));
            if inside.iter().all(|&v| v) || !inside.iter().any(|&v| v) {
                continue;
            }
            let origin = (2 * r as i64, 2 * c as i64);
            let midpoint = |e: usize| (origin.0 + EDGE_MIDPOINTS[e].0, origin.1 + EDGE_MIDPOINTS[e].1);
            // Each run of consecutive ROI corners (cyclically) is cut off by one segment, from
            // the edge entering the run to the edge leaving it: the ROI stays on one side.
            for first in 0..4 {
                if !inside[first] || inside[(first + 3) % 4] {
                    continue;
                }
                let mut last = first;
                while inside[(last + 1) % 4] {
                    last = (last + 1) % 4;
                }
                let a = position(midpoint((first + 3) % 4));
                let b = position(midpoint(last));
                twice_area += a[0] * b[1] - b[0] * a[1];
                perimeter += ((a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2)).sqrt();
            }
            // Boundary edges are shared by two squares: keep each square's left and bottom edge.
            if inside[0] != inside[3] {
                vertices.push(midpoint(3));
            }
            if inside[2] != inside[3] {
                vertices.push(midpoint(2));
            }
        }
    }
    Contour {
        area: twice_area / 2.0,
        perimeter,
        vertices,
    }
}

/// The largest distance between two contour vertices (mm).
fn max_diameter(vertices: &[(i64, i64)], spacing: [f64; 2]) -> f64 {
    let physical: Vec<[f64; 2]> = vertices
        .iter()
        .map(|&(r, c)| [r as f64 / 2.0 * spacing[0], c as f64 / 2.0 * spacing[1]])
        .collect();
    let mut largest = 0.0f64;
    for (i, a) in physical.iter().enumerate() {
        for b in &physical[i + 1..] {
            let d = (a[0] - b[0]) * (a[0] - b[0]) + (a[1] - b[1]) * (a[1] - b[1]);
            largest = largest.max(d);
        }
    }
    largest.sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view(mask: &[bool], shape: [usize; 3], spacing: [f64; 3]) -> Vec<f64> {
        let zeros = vec![0.0; mask.len()];
        let levels = vec![0u32; mask.len()];
        let roi = RoiView {
            shape,
            spacing,
            mask,
            intensities: &zeros,
            gray_levels: &levels,
            levels: None,
        };
        Shape2D.compute(&roi, &ClassSettings::default()).unwrap()
    }

    /// A 2×3 rectangle of 1×2 mm pixels: its contour cuts each of the four corners by a
    /// diagonal of half a pixel, so the area is 6 pixels less four half-pixel triangles.
    #[test]
    fn rectangle_by_hand() {
        let v = view(&[true; 6], [1, 2, 3], [5.0, 1.0, 2.0]);
        let px = 1.0 * 2.0;
        let corner_cut = 4.0 * 0.5 * (0.5 * 1.0) * (0.5 * 2.0);
        assert!((v[3] - (6.0 * px - corner_cut)).abs() < 1e-12, "MeshSurface {}", v[3]);
        assert!((v[7] - 6.0 * px).abs() < 1e-12, "PixelSurface {}", v[7]);
        // Straight runs: 2 px of 2 mm on top and bottom less the cut, sides 1 px of 1 mm less
        // the cut; four diagonals of (0.5, 1.0) mm.
        let diagonal = (0.5f64 * 0.5 + 1.0 * 1.0).sqrt();
        let straight = 2.0 * (3.0 * 2.0 - 2.0) + 2.0 * (2.0 * 1.0 - 1.0);
        assert!((v[5] - (straight + 4.0 * diagonal)).abs() < 1e-12, "Perimeter {}", v[5]);
    }

    #[test]
    fn a_thick_roi_is_refused_with_the_axis_named() {
        let zeros = vec![0.0; 8];
        let levels = vec![0u32; 8];
        let mask = vec![true; 8];
        let roi = RoiView {
            shape: [2, 2, 2],
            spacing: [1.0; 3],
            mask: &mask,
            intensities: &zeros,
            gray_levels: &levels,
            levels: None,
        };
        let err = Shape2D
            .compute(&roi, &ClassSettings::default())
            .unwrap_err()
            .to_string();
        assert!(err.contains("force2Ddimension 0") && err.contains("2 voxels"), "{err}");
    }
}
