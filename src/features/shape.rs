//! 3D shape features (pyradiomics `shape`).
//!
//! The mask is padded by one empty voxel on every side and meshed with marching cubes whose
//! corner order and triangle table are pyradiomics' (`cshape.c`), so mesh volume, surface area
//! and diameters agree with pyradiomics. Mesh vertices lie on edge midpoints, so they are kept
//! as integer coordinates in half-voxel units; physical positions are computed as pyradiomics
//! does, `(index + offset) · spacing`, with indices of the padded bounding-box array. The
//! origin matters: pyradiomics' table orients a few triangles inconsistently, so its MeshVolume
//! changes when the mask moves inside the array. The extractor hands the class the mask cropped
//! to its bounding box (no padding), and so must the caller here.
//!
//! Diameters: pyradiomics compares all vertex pairs (O(V²)). A maximum distance is always
//! attained between extreme points of the vertex set, so here each plane of constant z, y or x
//! is reduced to its exact 2D convex hull (integer arithmetic; the hull commutes with the axis
//! scaling of the spacing). The in-plane diameters are searched among those hull vertices, and
//! the 3D diameter among vertices that are hull vertices in all three of their planes (a 3D
//! extreme point is extreme within every plane through it).

use nalgebra::{Matrix3, SymmetricEigen};

use super::{ClassSettings, FeatureClass, FeatureDef, RoiView, def, deprecated};
use crate::error::{Error, Result};

/// pyradiomics' `shape` feature class.
#[derive(Debug, Clone, Copy, Default)]
pub struct Shape;

/// The features, in ASCII order of the names (pyradiomics' output order).
const FEATURES: [FeatureDef; 17] = [
    deprecated("Compactness1"),
    deprecated("Compactness2"),
    def("Elongation"),
    def("Flatness"),
    def("LeastAxisLength"),
    def("MajorAxisLength"),
    def("Maximum2DDiameterColumn"),
    def("Maximum2DDiameterRow"),
    def("Maximum2DDiameterSlice"),
    def("Maximum3DDiameter"),
    def("MeshVolume"),
    def("MinorAxisLength"),
    deprecated("SphericalDisproportion"),
    def("Sphericity"),
    def("SurfaceArea"),
    def("SurfaceVolumeRatio"),
    def("VoxelVolume"),
];

impl FeatureClass for Shape {
    fn name(&self) -> &'static str {
        "shape"
    }

    fn features(&self) -> &'static [FeatureDef] {
        &FEATURES
    }

    fn compute(&self, roi: &RoiView<'_>, _settings: &ClassSettings) -> Result<Vec<f64>> {
        if roi.mask.len() != roi.len() {
            return Err(Error::InvalidArgument(format!(
                "shape: mask has {} voxels, shape {:?} needs {}",
                roi.mask.len(),
                roi.shape,
                roi.len()
            )));
        }
        if roi.spacing.iter().any(|s| !(s.is_finite() && *s > 0.0)) {
            return Err(Error::InvalidArgument(format!(
                "shape: spacing {:?} must be finite and positive",
                roi.spacing
            )));
        }
        let voxel_count = roi.mask.iter().filter(|m| **m).count();
        if voxel_count == 0 {
            return Err(Error::RoiTooSmall {
                detail: "shape: the mask holds no voxel".into(),
            });
        }
        let padded = PaddedMask::new(roi.mask, roi.shape);
        let mesh = mesh_coefficients(&padded, roi.spacing);
        let diameters = diameters(&mesh.vertices, roi.spacing);
        let eigenvalues = pca_eigenvalues(roi.mask, roi.shape, roi.spacing)?;
        Ok(shape_values(&mesh, &diameters, eigenvalues, voxel_count, roi.spacing))
    }
}

/// Assemble the feature values in [`FEATURES`] order.
fn shape_values(
    mesh: &Mesh,
    diameters: &Diameters,
    eigen: [f64; 3],
    voxel_count: usize,
    spacing: [f64; 3],
) -> Vec<f64> {
    use std::f64::consts::PI;
    let volume = mesh.volume;
    let area = mesh.surface_area;
    let [sz, sy, sx] = spacing;
    let sphere_term = (36.0 * PI * volume * volume).powf(1.0 / 3.0);
    // pyradiomics returns NaN for an axis whose eigenvalue stays negative after clamping.
    let axis = |l: f64| if l < 0.0 { f64::NAN } else { l.sqrt() * 4.0 };
    let ratio = |small: f64, large: f64| {
        if small < 0.0 || large < 0.0 {
            f64::NAN
        } else {
            (small / large).sqrt()
        }
    };
    vec![
        volume / (area.powf(1.5) * PI.sqrt()),
        (36.0 * PI) * (volume * volume) / (area * area * area),
        ratio(eigen[1], eigen[2]),
        ratio(eigen[0], eigen[2]),
        axis(eigen[0]),
        axis(eigen[2]),
        diameters.column,
        diameters.row,
        diameters.slice,
        diameters.full,
        volume,
        axis(eigen[1]),
        area / sphere_term,
        sphere_term / area,
        area,
        area / volume,
        voxel_count as f64 * (sz * sx * sy),
    ]
}

/// The mask padded by one empty voxel on each side, as pyradiomics pads it.
struct PaddedMask {
    /// Padded shape `(z, y, x)`.
    shape: [usize; 3],
    data: Vec<bool>,
}

impl PaddedMask {
    fn new(mask: &[bool], shape: [usize; 3]) -> Self {
        let [nz, ny, nx] = shape;
        let padded_shape = [nz + 2, ny + 2, nx + 2];
        let mut data = vec![false; padded_shape.iter().product()];
        if nx > 0 {
            for (row_index, row) in mask.chunks_exact(nx).enumerate() {
                let z = row_index / ny.max(1);
                let y = row_index % ny.max(1);
                let start = ((z + 1) * padded_shape[1] + y + 1) * padded_shape[2] + 1;
                if let Some(target) = data.get_mut(start..start + nx) {
                    target.copy_from_slice(row);
                }
            }
        }
        PaddedMask {
            shape: padded_shape,
            data,
        }
    }
}

/// Cube corners `(dz, dy, dx)` in pyradiomics' bit order.
const CORNERS: [[usize; 3]; 8] = [
    [0, 0, 0],
    [0, 0, 1],
    [0, 1, 1],
    [0, 1, 0],
    [1, 0, 0],
    [1, 0, 1],
    [1, 1, 1],
    [1, 1, 0],
];

/// Edge midpoints in half-voxel units `(2dz, 2dy, 2dx)`; edge k joins corners
/// (0,1) (1,2) (2,3) (3,0) (4,5) (5,6) (6,7) (7,4) (0,4) (1,5) (2,6) (3,7).
const EDGE_MIDPOINTS: [[i32; 3]; 12] = [
    [0, 0, 1],
    [0, 1, 2],
    [0, 2, 1],
    [0, 1, 0],
    [2, 0, 1],
    [2, 1, 2],
    [2, 2, 1],
    [2, 1, 0],
    [1, 0, 0],
    [1, 0, 2],
    [1, 2, 2],
    [1, 2, 0],
];

/// Vertices each cube contributes for the diameters, after complementing so that corner 7 is
/// outside: the edges from corner 7 to corners 6, 4 and 3 (edges 6, 7, 11), when that corner is inside.
/// Every edge of the grid is such an edge of exactly one cube, so each vertex is stored once.
const DIAMETER_EDGES: [(u8, usize); 3] = [(6, 6), (4, 7), (3, 11)];

/// Triangles per cube configuration (corner 7 outside), as edge indices, three per triangle:
/// pyradiomics' table (the first half of the classic marching-cubes table in its corner order).
const TRIANGLES: [&[u8]; 128] = [
    &[],
    &[0, 8, 3],
    &[1, 9, 0],
    &[1, 8, 3, 1, 9, 8],
    &[1, 2, 10],
    &[0, 8, 3, 1, 2, 10],
    &[9, 2, 10, 0, 2, 9],
    &[2, 8, 3, 2, 10, 8, 10, 9, 8],
    &[11, 2, 3],
    &[11, 2, 0, 0, 8, 11],
    &[1, 9, 0, 11, 2, 3],
    &[11, 2, 1, 1, 9, 11, 9, 8, 11],
    &[3, 10, 1, 11, 10, 3],
    &[10, 1, 0, 0, 8, 10, 8, 11, 10],
    &[9, 0, 3, 3, 11, 9, 11, 10, 9],
    &[9, 8, 10, 11, 10, 8],
    &[4, 7, 8],
    &[0, 4, 3, 4, 7, 3],
    &[1, 9, 0, 4, 7, 8],
    &[1, 9, 4, 1, 4, 7, 1, 7, 3],
    &[1, 2, 10, 4, 7, 8],
    &[3, 4, 7, 3, 0, 4, 1, 2, 10],
    &[9, 2, 10, 9, 0, 2, 4, 7, 8],
    &[2, 10, 9, 2, 9, 7, 2, 7, 3, 4, 7, 9],
    &[4, 7, 8, 11, 2, 3],
    &[11, 4, 7, 11, 2, 4, 2, 0, 4],
    &[1, 9, 0, 4, 7, 8, 11, 2, 3],
    &[4, 7, 11, 9, 4, 11, 11, 2, 9, 1, 9, 2],
    &[3, 10, 1, 11, 10, 3, 4, 7, 8],
    &[11, 10, 1, 1, 4, 11, 1, 0, 4, 4, 7, 11],
    &[4, 7, 8, 9, 0, 3, 3, 11, 9, 11, 10, 9],
    &[4, 7, 11, 4, 11, 9, 9, 11, 10],
    &[9, 5, 4],
    &[9, 5, 4, 0, 8, 3],
    &[0, 5, 4, 0, 1, 5],
    &[8, 5, 4, 8, 3, 5, 3, 1, 5],
    &[1, 2, 10, 9, 5, 4],
    &[0, 8, 3, 1, 2, 10, 9, 5, 4],
    &[2, 10, 5, 5, 4, 2, 2, 4, 0],
    &[2, 10, 5, 3, 2, 5, 3, 5, 4, 8, 3, 4],
    &[9, 5, 4, 11, 2, 3],
    &[11, 2, 0, 0, 8, 11, 9, 5, 4],
    &[0, 5, 4, 0, 1, 5, 11, 2, 3],
    &[2, 1, 5, 2, 5, 8, 11, 2, 8, 5, 4, 8],
    &[3, 10, 1, 11, 10, 3, 9, 5, 4],
    &[5, 4, 9, 10, 1, 0, 0, 8, 10, 8, 11, 10],
    &[5, 4, 0, 5, 0, 11, 10, 5, 11, 11, 0, 3],
    &[5, 4, 8, 10, 5, 8, 11, 10, 8],
    &[7, 8, 9, 5, 7, 9],
    &[3, 0, 9, 5, 3, 9, 3, 5, 7],
    &[7, 8, 0, 0, 1, 7, 7, 1, 5],
    &[1, 5, 7, 1, 7, 3],
    &[7, 8, 9, 5, 7, 9, 1, 2, 10],
    &[1, 2, 10, 3, 0, 9, 3, 9, 5, 3, 5, 7],
    &[0, 2, 8, 8, 2, 5, 8, 5, 7, 2, 10, 5],
    &[2, 10, 5, 2, 5, 3, 3, 5, 7],
    &[5, 7, 9, 7, 8, 9, 11, 2, 3],
    &[5, 7, 9, 9, 7, 2, 2, 0, 9, 11, 2, 7],
    &[11, 2, 3, 0, 1, 8, 1, 7, 8, 1, 5, 7],
    &[2, 1, 11, 1, 7, 11, 1, 5, 7],
    &[7, 8, 9, 5, 7, 9, 3, 10, 1, 11, 10, 3],
    &[5, 7, 0, 5, 0, 9, 7, 11, 0, 10, 1, 0, 11, 10, 0],
    &[11, 10, 0, 0, 3, 11, 10, 5, 0, 0, 7, 8, 5, 7, 0],
    &[11, 10, 5, 5, 7, 11],
    &[6, 5, 10],
    &[0, 8, 3, 6, 5, 10],
    &[1, 9, 0, 6, 5, 10],
    &[1, 8, 3, 1, 9, 8, 6, 5, 10],
    &[1, 6, 5, 1, 2, 6],
    &[1, 6, 5, 1, 2, 6, 0, 8, 3],
    &[9, 6, 5, 9, 0, 6, 0, 2, 6],
    &[5, 9, 8, 5, 8, 2, 5, 2, 6, 8, 3, 2],
    &[11, 2, 3, 6, 5, 10],
    &[11, 2, 0, 0, 8, 11, 6, 5, 10],
    &[1, 9, 0, 11, 2, 3, 6, 5, 10],
    &[11, 2, 1, 1, 9, 11, 9, 8, 11, 6, 5, 10],
    &[6, 3, 11, 6, 5, 3, 5, 1, 3],
    &[0, 8, 11, 0, 11, 5, 0, 5, 1, 5, 11, 6],
    &[6, 3, 11, 0, 3, 6, 0, 6, 5, 0, 5, 9],
    &[6, 5, 9, 6, 9, 11, 11, 9, 8],
    &[4, 7, 8, 6, 5, 10],
    &[0, 4, 3, 4, 7, 3, 6, 5, 10],
    &[1, 9, 0, 4, 7, 8, 6, 5, 10],
    &[1, 9, 4, 1, 4, 7, 1, 7, 3, 6, 5, 10],
    &[4, 7, 8, 1, 6, 5, 1, 2, 6],
    &[0, 4, 3, 4, 7, 3, 1, 6, 5, 1, 2, 6],
    &[4, 7, 8, 9, 6, 5, 9, 0, 6, 0, 2, 6],
    &[7, 3, 9, 4, 7, 9, 3, 2, 9, 5, 9, 6, 2, 6, 9],
    &[11, 2, 3, 4, 7, 8, 6, 5, 10],
    &[11, 4, 7, 11, 2, 4, 2, 0, 4, 6, 5, 10],
    &[1, 9, 0, 11, 2, 3, 4, 7, 8, 6, 5, 10],
    &[4, 7, 11, 9, 4, 11, 11, 2, 9, 1, 9, 2, 6, 5, 10],
    &[4, 7, 8, 6, 3, 11, 6, 5, 3, 5, 1, 3],
    &[5, 1, 11, 5, 11, 6, 1, 0, 11, 4, 7, 11, 0, 4, 11],
    &[4, 7, 8, 6, 3, 11, 0, 3, 6, 0, 6, 5, 0, 5, 9],
    &[6, 5, 9, 6, 9, 11, 4, 7, 9, 7, 11, 9],
    &[10, 4, 9, 6, 4, 10],
    &[10, 4, 9, 6, 4, 10, 0, 8, 3],
    &[0, 1, 10, 10, 6, 0, 6, 4, 0],
    &[1, 8, 3, 1, 6, 8, 8, 6, 4, 6, 1, 10],
    &[1, 4, 9, 1, 2, 4, 2, 6, 4],
    &[1, 4, 9, 1, 2, 4, 2, 6, 4, 0, 8, 3],
    &[0, 2, 4, 4, 2, 6],
    &[8, 3, 2, 8, 2, 4, 4, 2, 6],
    &[11, 2, 3, 10, 4, 9, 6, 4, 10],
    &[11, 2, 0, 0, 8, 11, 10, 4, 9, 6, 4, 10],
    &[11, 2, 3, 0, 1, 10, 10, 6, 0, 6, 4, 0],
    &[6, 4, 1, 6, 1, 10, 1, 4, 8, 11, 2, 1, 1, 8, 11],
    &[9, 6, 4, 3, 6, 9, 1, 3, 9, 11, 6, 3],
    &[1, 8, 11, 0, 8, 1, 11, 6, 1, 1, 4, 9, 6, 4, 1],
    &[6, 3, 11, 0, 3, 6, 6, 4, 0],
    &[8, 6, 4, 6, 8, 11],
    &[6, 7, 10, 7, 8, 10, 8, 9, 10],
    &[6, 7, 10, 0, 10, 7, 0, 9, 10, 0, 7, 3],
    &[6, 7, 10, 1, 10, 7, 1, 7, 8, 0, 1, 8],
    &[6, 7, 10, 1, 10, 7, 1, 7, 3],
    &[1, 2, 6, 1, 6, 8, 1, 8, 9, 6, 7, 8],
    &[2, 6, 9, 1, 2, 9, 6, 7, 9, 3, 0, 9, 7, 3, 9],
    &[0, 7, 8, 7, 0, 6, 6, 0, 2],
    &[2, 7, 3, 2, 6, 7],
    &[11, 2, 3, 6, 7, 10, 7, 8, 10, 8, 9, 10],
    &[2, 0, 7, 11, 2, 7, 0, 9, 7, 6, 7, 10, 9, 10, 7],
    &[6, 7, 10, 1, 10, 7, 1, 7, 8, 0, 1, 8, 11, 2, 3],
    &[11, 2, 1, 1, 7, 11, 10, 6, 1, 1, 6, 7],
    &[8, 9, 6, 6, 7, 8, 1, 6, 9, 11, 6, 3, 1, 3, 6],
    &[0, 9, 1, 6, 7, 11],
    &[0, 7, 8, 7, 0, 6, 0, 3, 11, 11, 6, 0],
    &[6, 7, 11],
];

/// The mesh totals and the vertices for the diameters.
struct Mesh {
    surface_area: f64,
    volume: f64,
    /// Vertex positions in half-voxel units of the padded grid, `(z, y, x)`.
    vertices: Vec<[i32; 3]>,
}

/// March over every 2×2×2 cube of the padded mask.
fn mesh_coefficients(mask: &PaddedMask, spacing: [f64; 3]) -> Mesh {
    let [pz, py, px] = mask.shape;
    let corner_offsets: [usize; 8] = CORNERS.map(|[dz, dy, dx]| (dz * py + dy) * px + dx);
    let mut surface_area = 0.0;
    let mut volume6 = 0.0;
    let mut vertices = Vec::new();
    let data = &mask.data;
    for iz in 0..pz - 1 {
        for iy in 0..py - 1 {
            let row_start = (iz * py + iy) * px;
            for ix in 0..px - 1 {
                let base = row_start + ix;
                let mut cube = 0u8;
                for (bit, offset) in corner_offsets.iter().enumerate() {
                    if data.get(base + offset).copied().unwrap_or(false) {
                        cube |= 1 << bit;
                    }
                }
                // The table holds configurations with corner 7 outside; the complement has the
                // same surface with the opposite orientation.
                let sign = if cube & 0x80 != 0 {
                    cube ^= 0xff;
                    -1.0
                } else {
                    1.0
                };
                if cube == 0 {
                    continue;
                }
                let origin = [iz as i32, iy as i32, ix as i32];
                for (corner, edge) in DIAMETER_EDGES {
                    if cube & (1 << corner) != 0 {
                        vertices.push(half_units(origin, edge));
                    }
                }
                let triangles = TRIANGLES.get(usize::from(cube)).copied().unwrap_or(&[]);
                for triangle in triangles.chunks_exact(3) {
                    let a = position(origin, triangle[0], spacing);
                    let b = position(origin, triangle[1], spacing);
                    let c = position(origin, triangle[2], spacing);
                    // Signed volume of the tetrahedron (origin, a, b, c), ×6.
                    let ab = cross(a, b);
                    volume6 += sign * (ab[0] * c[0] + ab[1] * c[1] + ab[2] * c[2]);
                    let ac = [a[0] - c[0], a[1] - c[1], a[2] - c[2]];
                    let bc = [b[0] - c[0], b[1] - c[1], b[2] - c[2]];
                    let n = cross(ac, bc);
                    surface_area += 0.5 * (n[0] * n[0] + n[1] * n[1] + n[2] * n[2]).sqrt();
                }
            }
        }
    }
    Mesh {
        surface_area,
        volume: volume6 / 6.0,
        vertices,
    }
}

/// An edge midpoint of the cube at `origin`, in half-voxel units.
fn half_units(origin: [i32; 3], edge: usize) -> [i32; 3] {
    let mid = EDGE_MIDPOINTS.get(edge).copied().unwrap_or([0; 3]);
    [2 * origin[0] + mid[0], 2 * origin[1] + mid[1], 2 * origin[2] + mid[2]]
}

/// Physical position of an edge midpoint, computed as pyradiomics does: `(index + offset)·spacing`.
fn position(origin: [i32; 3], edge: u8, spacing: [f64; 3]) -> [f64; 3] {
    let mid = EDGE_MIDPOINTS.get(usize::from(edge)).copied().unwrap_or([0; 3]);
    std::array::from_fn(|d| (f64::from(origin[d]) + f64::from(mid[d]) * 0.5) * spacing[d])
}

fn cross(a: [f64; 3], b: [f64; 3]) -> [f64; 3] {
    [
        a[1] * b[2] - b[1] * a[2],
        a[2] * b[0] - b[2] * a[0],
        a[0] * b[1] - b[0] * a[1],
    ]
}

/// Maximum vertex distances: within planes of equal z (slice), equal y (column), equal x (row), and in 3D.
#[derive(Debug, Default)]
struct Diameters {
    slice: f64,
    column: f64,
    row: f64,
    full: f64,
}

/// Physical position of a vertex given in half-voxel units.
fn physical(v: [i32; 3], spacing: [f64; 3]) -> [f64; 3] {
    std::array::from_fn(|d| f64::from(v[d]) * 0.5 * spacing[d])
}

/// Squared distance, summed in pyradiomics' order.
fn squared_distance(a: [f64; 3], b: [f64; 3]) -> f64 {
    let d = [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
    d[0] * d[0] + d[1] * d[1] + d[2] * d[2]
}

fn diameters(vertices: &[[i32; 3]], spacing: [f64; 3]) -> Diameters {
    // Per vertex: bit a set when the vertex is a hull vertex of its plane normal to axis a.
    let mut extreme = vec![0u8; vertices.len()];
    let mut planar_max = [0.0f64; 3];
    let mut order: Vec<u32> = (0..vertices.len() as u32).collect();
    let mut hull: Vec<u32> = Vec::new();
    let mut points: Vec<(u32, [i64; 2])> = Vec::new();
    let mut chain: Vec<(u32, [i64; 2])> = Vec::new();
    for axis in 0..3 {
        let (u, v) = match axis {
            0 => (1, 2),
            1 => (0, 2),
            _ => (0, 1),
        };
        let key = |i: &u32| {
            let p = vertices.get(*i as usize).copied().unwrap_or([0; 3]);
            (p[axis], p[u], p[v])
        };
        order.sort_unstable_by_key(key);
        for group in order.chunk_by(|a, b| key(a).0 == key(b).0) {
            points.clear();
            points.extend(group.iter().map(|&i| {
                let p = vertices.get(i as usize).copied().unwrap_or([0; 3]);
                (i, [i64::from(p[u]), i64::from(p[v])])
            }));
            convex_hull(&points, &mut chain, &mut hull);
            for &i in &hull {
                if let Some(flag) = extreme.get_mut(i as usize) {
                    *flag |= 1 << axis;
                }
            }
            let max = max_pairwise(&hull, vertices, spacing);
            if max > planar_max[axis] {
                planar_max[axis] = max;
            }
        }
    }
    let candidates: Vec<u32> = (0..vertices.len() as u32)
        .filter(|&i| extreme.get(i as usize) == Some(&0b111))
        .collect();
    let full = max_pairwise(&candidates, vertices, spacing);
    Diameters {
        slice: planar_max[0].sqrt(),
        column: planar_max[1].sqrt(),
        row: planar_max[2].sqrt(),
        full: full.sqrt(),
    }
}

/// Largest squared physical distance between the listed vertices.
fn max_pairwise(indices: &[u32], vertices: &[[i32; 3]], spacing: [f64; 3]) -> f64 {
    let positions: Vec<[f64; 3]> = indices
        .iter()
        .filter_map(|&i| vertices.get(i as usize))
        .map(|&p| physical(p, spacing))
        .collect();
    let mut max = 0.0f64;
    for (k, &a) in positions.iter().enumerate() {
        for &b in positions.get(k + 1..).unwrap_or(&[]) {
            let d = squared_distance(a, b);
            if d > max {
                max = d;
            }
        }
    }
    max
}

/// Strict convex hull (no collinear points) of distinct points sorted lexicographically, by
/// Andrew's monotone chain in exact integer arithmetic. Writes the ids of the hull vertices to
/// `hull`; `chain` is scratch space.
fn convex_hull(points: &[(u32, [i64; 2])], chain: &mut Vec<(u32, [i64; 2])>, hull: &mut Vec<u32>) {
    hull.clear();
    if points.len() <= 2 {
        hull.extend(points.iter().map(|p| p.0));
        return;
    }
    chain.clear();
    // Lower hull left to right, then upper hull right to left; each drops its last point,
    // which is the first point of the other.
    half_hull(points.iter(), chain);
    half_hull(points.iter().rev(), chain);
    hull.extend(chain.iter().map(|p| p.0));
}

/// Append one monotone chain of `points` to `chain`, keeping only strict left turns.
fn half_hull<'a>(points: impl Iterator<Item = &'a (u32, [i64; 2])>, chain: &mut Vec<(u32, [i64; 2])>) {
    let turn = |o: [i64; 2], a: [i64; 2], b: [i64; 2]| (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]);
    let start = chain.len();
    for &p in points {
        while let [.., o, a] = chain[start..] {
            if turn(o.1, a.1, p.1) <= 0 {
                chain.pop();
            } else {
                break;
            }
        }
        chain.push(p);
    }
    chain.pop();
}

/// Eigenvalues (ascending) of the population covariance of the voxel centres `index·spacing`,
/// with pyradiomics' clamping of tiny negative values to 0.
///
/// The covariance numerators `N·Σab − Σa·Σb` are exact integers. When the voxel centres span
/// fewer than three dimensions (one voxel, a line, a single slice), the zero eigenvalues are
/// returned as exact zeros and the others from exact invariants; pyradiomics' general solver
/// reports rounding noise there (|λ| ~ 1e-16·λmax), which no implementation can reproduce.
pub(super) fn pca_eigenvalues(mask: &[bool], shape: [usize; 3], spacing: [f64; 3]) -> Result<[f64; 3]> {
    let [_, ny, nx] = shape;
    let mut count: i128 = 0;
    let mut sums = [0i128; 3];
    let mut products = [[0i128; 3]; 3];
    let mut span = AffineSpan::default();
    for (index, _) in mask.iter().enumerate().filter(|(_, m)| **m) {
        let c = [
            (index / (nx * ny)) as i64,
            ((index / nx) % ny) as i64,
            (index % nx) as i64,
        ];
        span.add(c);
        count += 1;
        for a in 0..3 {
            sums[a] += i128::from(c[a]);
            for b in a..3 {
                products[a][b] += i128::from(c[a]) * i128::from(c[b]);
            }
        }
    }
    let n2 = (count as f64) * (count as f64);
    // Exact N²·covariance in index units (symmetric; upper triangle filled).
    let numerator = |a: usize, b: usize| {
        let (a, b) = (a.min(b), a.max(b));
        count * products[a][b] - sums[a] * sums[b]
    };
    let covariance = |a: usize, b: usize| numerator(a, b) as f64 / n2 * spacing[a] * spacing[b];
    let trace = (0..3).map(|a| covariance(a, a)).sum::<f64>();
    let solve = || -> Result<[f64; 3]> {
        let eigen = SymmetricEigen::try_new(Matrix3::from_fn(covariance), f64::EPSILON, 1000).ok_or_else(|| {
            Error::InvalidArgument("shape: the covariance eigen decomposition did not converge".into())
        })?;
        Ok(std::array::from_fn(|i| eigen.eigenvalues[i]))
    };
    let mut values = match span.dimension() {
        0 => [0.0; 3],
        1 => [0.0, 0.0, trace],
        2 => {
            // λ1 + λ2 = trace, λ1·λ2 = sum of the principal 2×2 minors (each ≥ 0, computed exactly
            // in integers where they fit).
            let mut minors = 0.0;
            for (a, b) in [(0, 1), (0, 2), (1, 2)] {
                let exact = numerator(a, a)
                    .checked_mul(numerator(b, b))
                    .zip(numerator(a, b).checked_mul(numerator(a, b)))
                    .and_then(|(p, q)| p.checked_sub(q));
                minors += match exact {
                    Some(m) => m as f64 / (n2 * n2) * (spacing[a] * spacing[b]).powi(2),
                    None => covariance(a, a) * covariance(b, b) - covariance(a, b).powi(2),
                };
            }
            // The larger from the solver: (trace + √(trace² − 4·minors)) / 2 cancels to about
            // 1e-8 relative for a round ROI, whose two eigenvalues are nearly equal.
            let large = solve()?.into_iter().fold(0.0, f64::max);
            let small = if large > 0.0 { minors / large } else { 0.0 };
            [0.0, small, large]
        }
        _ => solve()?,
    };
    for l in &mut values {
        if *l < 0.0 && *l > -1e-10 {
            *l = 0.0;
        }
    }
    values.sort_by(f64::total_cmp);
    Ok(values)
}

/// The dimension of the affine span of integer points, found exactly as points are added.
#[derive(Default)]
struct AffineSpan {
    origin: Option<[i64; 3]>,
    direction: Option<[i64; 3]>,
    normal: Option<[i64; 3]>,
    full: bool,
}

impl AffineSpan {
    fn add(&mut self, p: [i64; 3]) {
        if self.full {
            return;
        }
        let Some(o) = self.origin else {
            self.origin = Some(p);
            return;
        };
        let d = [p[0] - o[0], p[1] - o[1], p[2] - o[2]];
        match (self.direction, self.normal) {
            (None, _) => {
                if d != [0; 3] {
                    self.direction = Some(d);
                }
            }
            (Some(u), None) => {
                let n = [
                    u[1] * d[2] - u[2] * d[1],
                    u[2] * d[0] - u[0] * d[2],
                    u[0] * d[1] - u[1] * d[0],
                ];
                if n != [0; 3] {
                    self.normal = Some(n);
                }
            }
            (Some(_), Some(n)) => {
                if n[0] * d[0] + n[1] * d[1] + n[2] * d[2] != 0 {
                    self.full = true;
                }
            }
        }
    }

    fn dimension(&self) -> usize {
        if self.full {
            3
        } else if self.normal.is_some() {
            2
        } else if self.direction.is_some() {
            1
        } else {
            0
        }
    }
}
