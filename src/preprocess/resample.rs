//! Resampling exactly as SimpleITK's ResampleImageFilter (identity transform, default value 0)
//! and pyradiomics' `resampleImage`.
//!
//! Bit-level fidelity matters: pyradiomics keeps int16 images int16 through resampling, so the
//! interpolated value is truncated toward zero and a result of 99.999999999999986 instead of 100
//! changes a voxel. Every floating-point chain below therefore follows ITK's order of operations:
//! the physical-point and continuous-index transforms, the scan-line increment of the continuous
//! index, the B-spline prefilter (`BSplineDecompositionImageFilter`) and the 64-term B-spline sum
//! (`BSplineInterpolateImageFunction`).

use ndarray::Array3;
use rayon::prelude::*;

use crate::error::{Error, Result};
use crate::image::{Geometry, Image, Label, LabelMap, PixelType, Scalar, Voxels, with_labels, with_voxels};
use crate::settings::Interpolator;

/// Resample `image` onto `target` (identity transform, default value 0), casting the result
/// back to the image's pixel type like ITK does.
pub fn resample_image(image: &Image, target: &Geometry, interpolator: Interpolator) -> Result<Image> {
    let mut values = resample_values(image, target, interpolator)?;
    let pixel_type = image.pixel_type;
    if pixel_type != PixelType::F64 {
        values.mapv_inplace(|v| pixel_type.cast(v));
    }
    Image::new(values, pixel_type, target.clone())
}

/// The interpolated values before the cast to the image's pixel type, i.e. what SimpleITK
/// returns with `outputPixelType=sitkFloat64`.
pub fn resample_values(image: &Image, target: &Geometry, interpolator: Interpolator) -> Result<Array3<f64>> {
    let input = ItkGeometry::new(&image.geometry)?;
    let output = ItkGeometry::new(target)?;
    fn contiguous<'a, T: Clone>(a: &'a ndarray::CowArray<'_, T, ndarray::Ix3>) -> Result<&'a [T]> {
        a.as_slice()
            .ok_or_else(|| Error::InvalidArgument("image voxel array is not contiguous".into()))
    }
    let size = image.geometry.size;
    let mut out = vec![0.0; target.len()];
    match interpolator {
        Interpolator::NearestNeighbor | Interpolator::Linear => {
            let values = image.values();
            let voxels = values.as_standard_layout();
            let data = contiguous(&voxels)?;
            if interpolator == Interpolator::Linear {
                run_scanlines(&input, &output, &mut out, |c| linear(data, size, c));
            } else {
                run_scanlines(&input, &output, &mut out, |c| data[nearest_offset(c, size)]);
            }
        }
        Interpolator::BSpline => {
            let Some(bbox) = support_box(&input, &output) else {
                // No output point falls inside the input: everything is the default value.
                return to_array(out, target);
            };
            // The prefilter reads the whole image: straight from its stored type.
            let coefficients = with_voxels!(&image.voxels, a => {
                let voxels = a.as_standard_layout();
                let data = contiguous(&voxels)?;
                // A float image's bound costs a pass over it: only where a window can be used.
                let bound = if (0..3).any(|a| window_leaves_out(bbox[a], size[a])) {
                    magnitude_bound(&image.voxels, data)
                } else {
                    f64::INFINITY
                };
                BSplineCoefficients::compute(data, size, bbox, image.geometry.dimension == 2, bound)
            });
            run_scanlines_batched(&input, &output, &mut out, |coords, line| {
                coefficients.evaluate_line(&input, coords, line)
            });
        }
        other => {
            return Err(Error::InvalidArgument(format!(
                "interpolator {} is not supported for resampling (use sitkNearestNeighbor, sitkLinear or sitkBSpline)",
                other.name()
            )));
        }
    }
    to_array(out, target)
}

/// The largest magnitude any voxel of `voxels` (whose values are `data`) can have: its
/// integer type's, or for floating-point storage the largest present.
fn magnitude_bound<T: Scalar>(voxels: &Voxels, data: &[T]) -> f64 {
    match voxels {
        Voxels::U8(_) => u8::MAX.into(),
        Voxels::I8(_) => 128.0,
        Voxels::U16(_) => u16::MAX.into(),
        Voxels::I16(_) => 32768.0,
        Voxels::I32(_) => 2_147_483_648.0,
        Voxels::F32(_) | Voxels::F64(_) => data
            .par_chunks(1 << 16)
            .map(|chunk| {
                chunk.iter().fold(0.0, |m: f64, &v| {
                    let a = v.into().abs();
                    // Not f64::max: a NaN must win (the windows are then not used).
                    if a > m || a.is_nan() { a } else { m }
                })
            })
            .reduce(|| 0.0, |a, b| if b > a || b.is_nan() { b } else { a }),
    }
}

/// Nearest-neighbour resampling of a label map onto `target` (ITK rounds half up).
pub fn resample_label_map(mask: &LabelMap, target: &Geometry) -> Result<LabelMap> {
    let input = ItkGeometry::new(&mask.geometry)?;
    let output = ItkGeometry::new(target)?;
    let size = mask.geometry.size;
    let mut out = vec![0u32; target.len()];
    with_labels!(&mask.labels, a => {
        let labels = a.as_standard_layout();
        let data = labels
            .as_slice()
            .ok_or_else(|| Error::InvalidArgument("label array is not contiguous".into()))?;
        // Along a scan line of an axis-aligned grid only x changes: the row of y and z (and
        // whether they are inside) is worked out once per line, not once per voxel.
        run_scanlines_batched(&input, &output, &mut out, |coords, line| {
            let mut row: Option<([u64; 2], Option<usize>)> = None;
            for (c, value) in coords.iter().zip(line.iter_mut()) {
                let key = [c[1].to_bits(), c[2].to_bits()];
                let start = match row {
                    Some((k, start)) if k == key => start,
                    _ => {
                        let start = (input.is_inside_axis(1, c[1]) && input.is_inside_axis(2, c[2]))
                            .then(|| (nearest_index(c[2], size[2]) * size[1] + nearest_index(c[1], size[1])) * size[0]);
                        row = Some((key, start));
                        start
                    }
                };
                *value = match start {
                    Some(start) if input.is_inside_axis(0, c[0]) => {
                        crate::image::label(data[start + nearest_index(c[0], size[0])])
                    }
                    _ => 0,
                };
            }
        });
    });
    let labels = Array3::from_shape_vec(target.shape_zyx(), out)
        .map_err(|e| Error::InvalidArgument(format!("resampled label map shape: {e}")))?;
    LabelMap::new(labels, target.clone())
}

/// The largest grid [`resample_to_spacing`] makes: 2^30 voxels (8 GiB as float64), beyond any
/// lesion's padded box at any sensible spacing.
pub(crate) const MAX_RESAMPLED_VOXELS: usize = 1 << 30;

/// pyradiomics' `resampleImage`: derive the output grid from the mask's ROI bounding box,
/// padded by `pad_distance`, with `spacing` (x, y, z; 0 keeps the mask spacing), and resample
/// image (with `interpolator`) and mask (nearest neighbour) onto it.
pub fn resample_to_spacing(
    image: &Image,
    mask: &LabelMap,
    label: u32,
    spacing: [f64; 3],
    interpolator: Interpolator,
    pad_distance: usize,
) -> Result<(Image, LabelMap)> {
    let mask_geometry = &mask.geometry;
    let mask_spacing = mask_geometry.spacing;
    let mut new_spacing = [0.0; 3];
    for a in 0..3 {
        new_spacing[a] = if spacing[a] == 0.0 { mask_spacing[a] } else { spacing[a] };
    }
    let (bb_lo, bb_size) = bounding_box(mask, label)?;
    check_roi_inside_image(image, mask, bb_lo, bb_size)?;
    // Axes where the ROI is one voxel thick are not resampled.
    for a in 0..3 {
        if bb_size[a] == 1 {
            new_spacing[a] = mask_spacing[a];
        }
    }
    let pad = pad_distance as f64;

    // numpy.allclose(imageSpacing, newSpacing): |a - b| <= 1e-8 + 1e-5·|b|.
    let already_there =
        (0..3).all(|a| (image.geometry.spacing[a] - new_spacing[a]).abs() <= 1e-8 + 1e-5 * new_spacing[a].abs());
    if already_there {
        let mask_on_image = resample_label_map(mask, &image.geometry)?;
        let (lo, size) = bounding_box(&mask_on_image, label)?;
        return crop_to_box(image, &mask_on_image, lo, size, pad_distance);
    }

    let mut new_size = [0usize; 3];
    let mut origin_index = [0.0; 3];
    for a in 0..3 {
        let ratio = mask_spacing[a] / new_spacing[a];
        let lo = bb_lo[a] as f64;
        let hi = (bb_lo[a] + bb_size[a]) as f64;
        let mut new_lo = ((lo - 0.5) * ratio - pad).floor();
        let mut new_hi = ((hi - 0.5) * ratio + pad).ceil();
        let max_hi = (mask_geometry.size[a] as f64 * ratio).ceil() - 1.0;
        if new_lo < 0.0 {
            new_lo = 0.0;
        }
        if new_hi > max_hi {
            new_hi = max_hi;
        }
        let extent = new_hi - new_lo + 1.0;
        if !(1.0..1e9).contains(&extent) {
            return Err(Error::InvalidArgument(format!(
                "resampling grid along axis {a} is empty or invalid (from {new_lo} to {new_hi}; spacing {:?} -> {:?})",
                mask_spacing, new_spacing
            )));
        }
        new_size[a] = extent as usize;
        origin_index[a] = 0.5 * (new_spacing[a] - mask_spacing[a]) / mask_spacing[a] + new_lo / ratio;
    }
    // A spacing given in the wrong unit (0.001 for 1 mm) asks for a grid of trillions of
    // voxels: refuse it here, with the numbers, rather than fail to allocate it.
    let voxels = new_size.iter().map(|&n| n as f64).product::<f64>();
    if voxels > MAX_RESAMPLED_VOXELS as f64 {
        return Err(Error::InvalidArgument(format!(
            "resampling the ROI's box to spacing {new_spacing:?} mm gives a grid of {}×{}×{} = {voxels:.3e} \
             voxels, more than {MAX_RESAMPLED_VOXELS}: check resampledPixelSpacing (in mm) and padDistance",
            new_size[0], new_size[1], new_size[2]
        )));
    }
    let mask_itk = ItkGeometry::new(mask_geometry)?;
    let target = Geometry {
        size: new_size,
        spacing: new_spacing,
        origin: mask_itk.continuous_index_to_point(origin_index),
        direction: mask_geometry.direction,
        dimension: mask_geometry.dimension,
    };
    let resampled_image = resample_image(image, &target, interpolator)?;
    let resampled_mask = resample_label_map(mask, &target)?;
    Ok((resampled_image, resampled_mask))
}

/// ITK's index ↔ physical point matrices of one image.
struct ItkGeometry {
    size: [usize; 3],
    origin: [f64; 3],
    /// direction · diag(spacing), row-major.
    index_to_physical: [f64; 9],
    /// Its inverse, row-major.
    physical_to_index: [f64; 9],
}

impl ItkGeometry {
    fn new(g: &Geometry) -> Result<Self> {
        if g.spacing.iter().any(|&s| s == 0.0 || !s.is_finite()) || g.origin.iter().any(|o| !o.is_finite()) {
            return Err(Error::InvalidArgument(format!(
                "invalid geometry for resampling: spacing {:?}, origin {:?}",
                g.spacing, g.origin
            )));
        }
        let index_to_physical = g.index_to_physical_matrix();
        // ITK inverts D · diag(spacing) through an SVD; the last bit of it decides where nearest
        // neighbour rounds points that lie half-way between voxels (see `itk_matrix_inverse`).
        let Some(physical_to_index) = g.physical_to_index_matrix() else {
            return Err(Error::InvalidArgument(format!(
                "direction matrix {:?} with spacing {:?} has no inverse",
                g.direction, g.spacing
            )));
        };
        Ok(ItkGeometry {
            size: g.size,
            origin: g.origin,
            index_to_physical,
            physical_to_index,
        })
    }

    /// `TransformIndexToPhysicalPoint`: the origin first, then each column.
    fn index_to_point(&self, index: [usize; 3]) -> [f64; 3] {
        let m = &self.index_to_physical;
        let mut p = self.origin;
        for (r, pr) in p.iter_mut().enumerate() {
            for (c, &i) in index.iter().enumerate() {
                *pr += m[3 * r + c] * i as f64;
            }
        }
        p
    }

    /// `TransformContinuousIndexToPhysicalPoint`: the columns first, then the origin.
    fn continuous_index_to_point(&self, index: [f64; 3]) -> [f64; 3] {
        let m = &self.index_to_physical;
        let mut p = [0.0; 3];
        for (r, pr) in p.iter_mut().enumerate() {
            let mut sum = 0.0;
            for (c, &i) in index.iter().enumerate() {
                sum += m[3 * r + c] * i;
            }
            *pr = sum + self.origin[r];
        }
        p
    }

    /// `TransformPhysicalPointToContinuousIndex`.
    fn point_to_continuous_index(&self, point: [f64; 3]) -> [f64; 3] {
        let m = &self.physical_to_index;
        let v = [
            point[0] - self.origin[0],
            point[1] - self.origin[1],
            point[2] - self.origin[2],
        ];
        let mut index = [0.0; 3];
        for (r, ir) in index.iter_mut().enumerate() {
            let mut sum = 0.0;
            for (c, vc) in v.iter().enumerate() {
                sum += m[3 * r + c] * vc;
            }
            *ir = sum;
        }
        index
    }

    /// ITK's `IsInsideBuffer` for continuous indices: −0.5 ≤ index < size − 0.5 (NaN is outside).
    fn is_inside(&self, c: [f64; 3]) -> bool {
        (0..3).all(|a| self.is_inside_axis(a, c[a]))
    }

    /// [`Self::is_inside`] along axis `a` alone.
    fn is_inside_axis(&self, a: usize, c: f64) -> bool {
        c >= -0.5 && c < self.size[a] as f64 - 0.5
    }
}

/// Walk the output grid as ResampleImageFilter's linear-transform path does (ITK 5.4, checked
/// bit for bit against SimpleITK): per scan line, the continuous indices of its first voxel `s`
/// and of the voxel one past its end `e` are mapped exactly, and voxel `i` of the `n` gets
/// `s + (e − s)·(i/n)`.
fn run_scanlines<T, F>(input: &ItkGeometry, output: &ItkGeometry, out: &mut [T], evaluate: F)
where
    T: Copy + Default + Send,
    F: Fn([f64; 3]) -> T + Sync,
{
    run_scanlines_batched(input, output, out, |coords, line| {
        for (c, value) in coords.iter().zip(line.iter_mut()) {
            *value = if input.is_inside(*c) {
                evaluate(*c)
            } else {
                T::default()
            };
        }
    });
}

/// [`run_scanlines`] handing each line's continuous indices to `evaluate_line` at once, which
/// must set every value (the default for points outside the input).
fn run_scanlines_batched<T, F>(input: &ItkGeometry, output: &ItkGeometry, out: &mut [T], evaluate_line: F)
where
    T: Copy + Default + Send,
    F: Fn(&[[f64; 3]], &mut [T]) + Sync,
{
    let [nx, ny, _] = output.size;
    if nx == 0 || ny == 0 || out.is_empty() {
        return;
    }
    let n = nx as f64;
    // The fraction of the line at each voxel, the same for every line: divided once.
    let alphas: Vec<f64> = (0..nx).map(|i| i as f64 / n).collect();
    out.par_chunks_mut(nx).enumerate().for_each_init(
        || vec![[0.0; 3]; nx],
        |coords, (row, line)| {
            let (y, z) = (row % ny, row / ny);
            let start = input.point_to_continuous_index(output.index_to_point([0, y, z]));
            let end = input.point_to_continuous_index(output.index_to_point([nx, y, z]));
            let span = [end[0] - start[0], end[1] - start[1], end[2] - start[2]];
            for (c, &alpha) in coords.iter_mut().zip(&alphas) {
                *c = [
                    start[0] + span[0] * alpha,
                    start[1] + span[1] * alpha,
                    start[2] + span[2] * alpha,
                ];
            }
            evaluate_line(coords, line);
        },
    );
}

fn to_array(values: Vec<f64>, target: &Geometry) -> Result<Array3<f64>> {
    Array3::from_shape_vec(target.shape_zyx(), values)
        .map_err(|e| Error::InvalidArgument(format!("resampled image shape: {e}")))
}

/// Flat offset of the voxel nearest to an inside continuous index. ITK rounds half up, as
/// `(rint(2x + 0.5)) >> 1`.
fn nearest_offset(c: [f64; 3], size: [usize; 3]) -> usize {
    (nearest_index(c[2], size[2]) * size[1] + nearest_index(c[1], size[1])) * size[0] + nearest_index(c[0], size[0])
}

/// [`nearest_offset`] along one axis of length `n`.
fn nearest_index(c: f64, n: usize) -> usize {
    let doubled = round_ties_even(2.0 * c + 0.5) as i64;
    (doubled >> 1).clamp(0, n as i64 - 1) as usize
}

/// `x.round_ties_even()` (C's `rint` in the default rounding mode) without the libm call it is
/// on baseline x86-64: adding and subtracting 2^52 leaves no fraction bits, so the sum rounds
/// to the nearest integer, ties to even. Larger magnitudes (and NaN, inf) are returned as they
/// are, being integers already (or not numbers).
fn round_ties_even(x: f64) -> f64 {
    const TWO_52: f64 = 4_503_599_627_370_496.0;
    if x.abs() < TWO_52 {
        ((x.abs() + TWO_52) - TWO_52).copysign(x)
    } else {
        x
    }
}

/// ITK's LinearInterpolateImageFunction (3-D optimized path): along each axis interpolate only
/// when the fractional distance is positive and the next voxel exists, lerping x, then y, then z.
fn linear(data: &[f64], size: [usize; 3], c: [f64; 3]) -> f64 {
    let mut base = [0usize; 3];
    let mut next = [0usize; 3];
    let mut dist = [0.0; 3];
    let mut active = [false; 3];
    for a in 0..3 {
        let mut b = c[a].floor();
        if b < 0.0 {
            b = 0.0;
        }
        let bi = (b as usize).min(size[a] - 1);
        dist[a] = c[a] - bi as f64;
        base[a] = bi;
        active[a] = dist[a] > 0.0 && bi + 1 < size[a];
        next[a] = if active[a] { bi + 1 } else { bi };
    }
    let at = |x: usize, y: usize, z: usize| data[(z * size[1] + y) * size[0] + x];
    let along_x = |y: usize, z: usize| {
        let v0 = at(base[0], y, z);
        if active[0] {
            v0 + (at(next[0], y, z) - v0) * dist[0]
        } else {
            v0
        }
    };
    let along_y = |z: usize| {
        let v0 = along_x(base[1], z);
        if active[1] {
            v0 + (along_x(next[1], z) - v0) * dist[1]
        } else {
            v0
        }
    };
    let v0 = along_y(base[2]);
    if active[2] {
        v0 + (along_y(next[2]) - v0) * dist[2]
    } else {
        v0
    }
}

/// Index box (inclusive, per axis x, y, z) of the B-spline coefficients any inside output point
/// can touch, or `None` if no output point falls inside the input.
fn support_box(input: &ItkGeometry, output: &ItkGeometry) -> Option<[[usize; 2]; 3]> {
    let mut lo = [f64::INFINITY; 3];
    let mut hi = [f64::NEG_INFINITY; 3];
    let last = [
        output.size[0].saturating_sub(1),
        output.size[1].saturating_sub(1),
        output.size[2].saturating_sub(1),
    ];
    // The map is affine, so the grid's extremes are at its corners.
    for corner in 0..8 {
        let idx = [
            if corner & 1 == 0 { 0 } else { last[0] },
            if corner & 2 == 0 { 0 } else { last[1] },
            if corner & 4 == 0 { 0 } else { last[2] },
        ];
        let c = input.point_to_continuous_index(output.index_to_point(idx));
        for a in 0..3 {
            lo[a] = lo[a].min(c[a]);
            hi[a] = hi[a].max(c[a]);
        }
    }
    let mut bbox = [[0usize; 2]; 3];
    for a in 0..3 {
        let n = input.size[a] as f64;
        if !(lo[a].is_finite() && hi[a].is_finite()) || hi[a] < -0.5 || lo[a] >= n - 0.5 {
            return None;
        }
        // Margin 4 covers the 4-tap support, float rounding of the index and the mirror.
        let from = (lo[a].floor() - 4.0).max(0.0);
        let to = (hi[a].floor() + 4.0).min(n - 1.0);
        bbox[a] = [from as usize, to as usize];
    }
    Some(bbox)
}

/// The cubic B-spline pole, √3 − 2.
fn bspline_pole() -> f64 {
    3.0f64.sqrt() - 2.0
}

/// Samples ITK sums for the causal initial coefficient of a long line: where the pole's powers
/// fall below its tolerance of 1e-10 (18 for the cubic pole).
fn bspline_horizon() -> usize {
    ((1e-10f64).ln() / bspline_pole().abs().ln()).ceil() as usize
}

/// Cubic B-spline coefficients of the whole image (ITK's BSplineDecompositionImageFilter with
/// its mirror boundaries), stored only inside the box the evaluation needs.
struct BSplineCoefficients {
    /// Input image size (x, y, z): mirror boundaries use it.
    size: [usize; 3],
    /// Stored box, inclusive index ranges per axis (x, y, z).
    bbox: [[usize; 2]; 3],
    /// Box extents (x, y, z).
    extent: [usize; 3],
    /// Coefficients in the box, `[y][z][x]` (each kept row's z lines together, as the z pass
    /// leaves them).
    values: Vec<f64>,
    /// A 2-D image, held as one z slice: ITK interpolates it over a 4×4 support.
    planar: bool,
}

impl BSplineCoefficients {
    /// Filter along x, then y, then z (ITK's order), keeping only what later passes use. Each
    /// coefficient depends on its whole line; where `input_bound` (the largest voxel
    /// magnitude) is finite, passes 1 and 2 filter only windows of the lines around the box,
    /// [`Bracket`]s standing in for the rest, with the same result bit for bit.
    fn compute<T: Scalar>(data: &[T], size: [usize; 3], bbox: [[usize; 2]; 3], planar: bool, input_bound: f64) -> Self {
        Self::compute_windowed(data, size, bbox, planar, input_bound, true)
    }

    /// [`Self::compute`], the z pass windowed too if `z_window` (turned off when its brackets
    /// do not meet: the slices outside the window were then never filtered).
    fn compute_windowed<T: Scalar>(
        data: &[T],
        size: [usize; 3],
        bbox: [[usize; 2]; 3],
        planar: bool,
        input_bound: f64,
        z_window: bool,
    ) -> Self {
        let [nx, ny, nz] = size;
        let [bx, by, bz] = [
            bbox[0][1] - bbox[0][0] + 1,
            bbox[1][1] - bbox[1][0] + 1,
            bbox[2][1] - bbox[2][0] + 1,
        ];
        let (x0, y0, z0) = (bbox[0][0], bbox[1][0], bbox[2][0]);

        // Passes 1 (x) and 2 (y), slice by slice: every x line of the slice, keeping columns
        // x0..x0+bx → [y][bx]; then every y line of those columns, keeping rows y0..y0+by →
        // [z][by][bx]. Lines are filtered X_LANES at a time, interleaved, so that independent
        // recursions hide each other's latency.
        let x_bounds = PrefilterBounds::for_input(input_bound);
        let y_bounds = PrefilterBounds::for_input(x_bounds.output);
        let z_bounds = PrefilterBounds::for_input(y_bounds.output);
        let windows = (input_bound.is_finite() && (window_leaves_out(bbox[0], nx) || window_leaves_out(bbox[1], ny)))
            .then_some([x_bounds, y_bounds]);
        let z_keep = [z0, z0 + bz - 1];
        // Only the slices the z pass reads: with a z window, those around the box.
        let z_window = z_window && input_bound.is_finite() && window_leaves_out(z_keep, nz);
        let [zlo, zhi] = if z_window { window(z_keep, nz) } else { [0, nz - 1] };
        let wz = zhi - zlo + 1;
        let mut after_y = vec![0.0; wz * by * bx];
        after_y
            .par_chunks_mut(by * bx)
            .zip(data[zlo * ny * nx..(zhi + 1) * ny * nx].par_chunks(ny * nx))
            .for_each_init(
                || (vec![[0.0; X_LANES]; nx], vec![0.0; nx], vec![0.0; ny * bx]),
                |(group, line, slab), (dst, src)| {
                    // ITK leaves a line of one sample as it is (no gain either).
                    let gain = if nx >= 2 { bspline_gain() } else { 1.0 };
                    if let Some(windows) = windows
                        && windowed_slice(src, [nx, ny], [x0, y0], [bx, by], windows, group, slab)
                    {
                        dst.copy_from_slice(&slab[..by * bx]);
                        return;
                    }
                    let mut y = 0;
                    while y + X_LANES <= ny {
                        // The group's rows as slices of one length: indexing them by x needs
                        // no bounds check per sample.
                        let rows: [&[T]; X_LANES] = std::array::from_fn(|k| &src[(y + k) * nx..(y + k + 1) * nx]);
                        prefilter_rows(&rows, gain, &mut group[..nx], x0);
                        for lane in 0..X_LANES {
                            let row = &mut slab[(y + lane) * bx..(y + lane + 1) * bx];
                            for (d, lanes) in row.iter_mut().zip(&group[x0..x0 + bx]) {
                                *d = lanes[lane];
                            }
                        }
                        y += X_LANES;
                    }
                    for y in y..ny {
                        for (l, &v) in line.iter_mut().zip(&src[y * nx..(y + 1) * nx]) {
                            *l = v.into();
                        }
                        prefilter_line(line);
                        slab[y * bx..(y + 1) * bx].copy_from_slice(&line[x0..x0 + bx]);
                    }
                    prefilter_lanes(slab, ny, bx);
                    dst.copy_from_slice(&slab[y0 * bx..(y0 + by) * bx]);
                },
            );

        // Pass 3 (z): per kept row y, the z lines of the kept columns, filtered in a slab of
        // [nz][bx] and kept straight in the row's part of the result → [by][bz][bx].
        let mut values = vec![0.0; by * bz * bx];
        let z_window_met = values
            .par_chunks_mut(bz * bx)
            .enumerate()
            .map_init(
                || vec![0.0; wz * bx],
                |slab, (y, dst)| {
                    for z in 0..wz {
                        let src = &after_y[(z * by + y) * bx..(z * by + y + 1) * bx];
                        slab[z * bx..(z + 1) * bx].copy_from_slice(src);
                    }
                    if z_window {
                        if !prefilter_lanes_window(slab, bx, nz, zlo, z_keep, Some(z_bounds)) {
                            return false;
                        }
                    } else {
                        prefilter_lanes(slab, nz, bx);
                    }
                    dst.copy_from_slice(&slab[(z0 - zlo) * bx..(z0 - zlo + bz) * bx]);
                    true
                },
            )
            .all(|met| met);
        if !z_window_met {
            return Self::compute_windowed(data, size, bbox, planar, input_bound, false);
        }
        BSplineCoefficients {
            size,
            bbox,
            extent: [bx, by, bz],
            values,
            planar,
        }
    }

    /// Evaluate every inside point of a scan line (others get 0), eight points at a time: their
    /// sums are independent chains, so interleaving them hides the latency of each one's
    /// strictly ordered 64-term sum. Along an axis-aligned line only x changes, so the y and z
    /// parts of the support are computed again only when y or z differ from the last point's.
    fn evaluate_line(&self, input: &ItkGeometry, coords: &[[f64; 3]], line: &mut [f64]) {
        let mut batch = [Support::default(); LANES];
        let mut slots = [0usize; LANES];
        let mut filled = 0;
        let mut yz: Option<([u64; 2], [AxisSupport; 2], [u32; 16])> = None;
        line.fill(0.0);
        for (i, c) in coords.iter().enumerate().take(line.len()) {
            if !input.is_inside(*c) {
                continue;
            }
            let key = [c[1].to_bits(), c[2].to_bits()];
            let (_, [sy, sz], rows) = match yz {
                Some(cached) if cached.0 == key => cached,
                _ => {
                    let (sy, mut sz) = (self.axis_support(1, c[1]), self.axis_support(2, c[2]));
                    if self.planar {
                        // ITK sums a 2-D image's 16 terms (wx·wy)·c. Weights 1, 0, 0, 0 on the
                        // placeholder z axis give exactly that sum: the first 16 of the 64
                        // terms, then zeros.
                        sz.weights = [1.0, 0.0, 0.0, 0.0];
                    }
                    let [bx, _, bz] = self.extent;
                    let mut rows = [0u32; 16];
                    for (iz, &oz) in sz.offsets.iter().enumerate() {
                        for (iy, &oy) in sy.offsets.iter().enumerate() {
                            rows[4 * iz + iy] = ((oy as usize * bz + oz as usize) * bx) as u32;
                        }
                    }
                    *yz.insert((key, [sy, sz], rows))
                }
            };
            let sx = self.axis_support(0, c[0]);
            let p = &mut batch[filled];
            for iy in 0..4 {
                for ix in 0..4 {
                    // ITK's weight product ((1·wx)·wy)·wz: its first factor shared by the z.
                    p.wxy[4 * iy + ix] = sx.weights[ix] * sy.weights[iy];
                }
            }
            p.wz = sz.weights;
            p.rows = rows;
            p.x = sx.offsets;
            slots[filled] = i;
            filled += 1;
            if filled == LANES {
                let sums = self.sum_lanes(&batch);
                for (&slot, sum) in slots.iter().zip(sums) {
                    line[slot] = sum;
                }
                filled = 0;
            }
        }
        for k in 0..filled {
            line[slots[k]] = self.sum(&batch[k]);
        }
    }

    /// BSplineInterpolateImageFunction's weights (order 3) and mirrored coefficient indices
    /// (within the stored box) along axis `a` for continuous index `ca`.
    fn axis_support(&self, a: usize, ca: f64) -> AxisSupport {
        // ITK floors the index after casting it to float.
        let first = floor_f32(ca as f32) - 1;
        let w = ca - (first + 1) as f64;
        let w3 = (1.0 / 6.0) * w * w * w;
        let w0 = (1.0 / 6.0) + 0.5 * w * (w - 1.0) - w3;
        let w2 = w + w0 - 2.0 * w3;
        let w1 = 1.0 - w0 - w2 - w3;
        let n = self.size[a] as i64;
        let end = n - 1;
        let mut offsets = [0u32; 4];
        for (k, offset) in offsets.iter_mut().enumerate() {
            let mut e = first + k as i64;
            if n == 1 {
                e = 0;
            } else {
                // ITK's two successive reflections (about 0, then about the last index).
                if e < 0 {
                    e = -e;
                }
                if e >= end {
                    e = end - (e - end);
                }
            }
            *offset = (e - self.bbox[a][0] as i64).clamp(0, self.extent[a] as i64 - 1) as u32;
        }
        AxisSupport {
            weights: [w0, w1, w2, w3],
            offsets,
        }
    }

    /// ITK's sum: ((1·wx)·wy)·wz · coefficient, x fastest, then y, then z.
    fn sum(&self, s: &Support) -> f64 {
        let mut sum = 0.0;
        for k in 0..64 {
            sum += s.wxy[k % 16] * s.wz[k / 16] * self.values[s.at(k)];
        }
        sum
    }

    /// [`Self::sum`] for LANES points in lockstep (each keeps its own ordered chain). A point
    /// whose four x coefficients are neighbours (all but those mirrored at the image's x
    /// border) reads each row of four as one slice.
    fn sum_lanes(&self, s: &[Support; LANES]) -> [f64; LANES] {
        let mut sums = [0.0; LANES];
        if s.iter()
            .all(|p| p.x[1] == p.x[0] + 1 && p.x[2] == p.x[0] + 2 && p.x[3] == p.x[0] + 3)
        {
            for r in 0..16 {
                for (sum, p) in sums.iter_mut().zip(s) {
                    let start = (p.rows[r] + p.x[0]) as usize;
                    let c: &[f64; 4] = self.values[start..start + 4].try_into().expect("four coefficients");
                    let (wxy, wz) = (&p.wxy[4 * (r % 4)..4 * (r % 4) + 4], p.wz[r / 4]);
                    for ix in 0..4 {
                        *sum += wxy[ix] * wz * c[ix];
                    }
                }
            }
            return sums;
        }
        for k in 0..64 {
            for (sum, p) in sums.iter_mut().zip(s) {
                *sum += p.wxy[k % 16] * p.wz[k / 16] * self.values[p.at(k)];
            }
        }
        sums
    }
}

/// One axis of a point's 4×4×4 support.
#[derive(Clone, Copy)]
struct AxisSupport {
    weights: [f64; 4],
    /// Coefficient indices along the axis, within the stored box.
    offsets: [u32; 4],
}

/// The 4×4×4 support of one B-spline evaluation (offsets fit u32: the stored box is the ROI's
/// neighbourhood, far below 2³² coefficients).
#[derive(Clone, Copy, Default)]
struct Support {
    /// wx·wy per (y, x), index 4·iy + ix.
    wxy: [f64; 16],
    /// wz per z.
    wz: [f64; 4],
    /// Flat offset of each (z, y) row within the stored box, index 4·iz + iy.
    rows: [u32; 16],
    /// x indices within the stored box.
    x: [u32; 4],
}

impl Support {
    /// Flat offset of coefficient k = 16·iz + 4·iy + ix.
    #[inline]
    fn at(&self, k: usize) -> usize {
        (self.rows[k / 4] + self.x[k % 4]) as usize
    }
}

/// `x.floor() as i64` without a libm call (baseline x86-64 has no rounding instruction): the
/// truncation, one less when it rounded up. Exact for every f32 (those of magnitude ≥ 2²³
/// are integers already; beyond i64 both saturate).
fn floor_f32(x: f32) -> i64 {
    let t = x as i64;
    if (t as f32) > x { t - 1 } else { t }
}

/// Points evaluated in lockstep by [`BSplineCoefficients::evaluate_line`].
const LANES: usize = 8;

/// [`prefilter_lanes`] for one contiguous line (same arithmetic, tighter loops).
fn prefilter_line(s: &mut [f64]) {
    let n = s.len();
    if n < 2 {
        return;
    }
    let z = bspline_pole();
    let gain = bspline_gain();
    for v in s.iter_mut() {
        *v *= gain;
    }
    let horizon = bspline_horizon();
    if horizon < n {
        let mut zn = z;
        let mut sum = s[0];
        for &v in &s[1..horizon] {
            sum += zn * v;
            zn *= z;
        }
        s[0] = sum;
    } else {
        prefilter_lanes_full_init(s, n, 1);
    }
    let mut previous = s[0];
    for v in s[1..].iter_mut() {
        *v += z * previous;
        previous = *v;
    }
    let factor = z / (z * z - 1.0);
    s[n - 1] = factor * (z * s[n - 2] + s[n - 1]);
    let mut next = s[n - 1];
    for v in s[..n - 1].iter_mut().rev() {
        *v = z * (next - *v);
        next = *v;
    }
}

/// Lines the x pass filters together: sixteen independent recursions keep the floating-point
/// units busy where one line would wait on each step's latency.
const X_LANES: usize = 16;

/// ITK's gain of the cubic B-spline prefilter, `1·(1 − z)(1 − 1/z)`.
fn bspline_gain() -> f64 {
    let z = bspline_pole();
    1.0 * (1.0 - z) * (1.0 - 1.0 / z)
}

/// [`prefilter_line`] for `L` interleaved lines (same arithmetic per line), whose samples
/// already carry the gain; coefficients before `keep_from` are not computed (they are left
/// holding intermediate values), as nothing reads them.
fn prefilter_group<const L: usize>(s: &mut [[f64; L]], keep_from: usize) {
    let n = s.len();
    if n < 2 {
        return;
    }
    let z = bspline_pole();
    let horizon = bspline_horizon();
    if horizon < n {
        causal_initial(s, horizon);
    } else {
        prefilter_lanes_full_init(s.as_flattened_mut(), n, L);
    }
    let mut previous = s[0];
    for quad in s[1..].iter_mut() {
        for (v, p) in quad.iter_mut().zip(previous) {
            *v += z * p;
        }
        previous = *quad;
    }
    anti_causal(s, keep_from);
}

/// [`prefilter_group`] reading its `L` lines straight from the image (`rows`, one slice per
/// line) into `s` and applying the gain on the way: past the initial coefficient's horizon,
/// each sample is converted in the same step as the causal recursion uses it, so the group is
/// written once instead of once for the samples and again for the recursion.
fn prefilter_rows<T: Scalar, const L: usize>(rows: &[&[T]; L], gain: f64, s: &mut [[f64; L]], keep_from: usize) {
    let n = s.len();
    let horizon = bspline_horizon();
    // Short lines take the plain path. So would lines of another length than the group (the
    // caller never passes one); checking it here also lets the reads below skip bounds checks.
    if n < 2 || horizon >= n || rows.iter().any(|r| r.len() != n) {
        for (x, lanes) in s.iter_mut().enumerate() {
            *lanes = std::array::from_fn(|k| rows[k].get(x).map_or(0.0, |&v| v.into()) * gain);
        }
        prefilter_group(s, keep_from);
        return;
    }
    // The whole line as its own window: exact at both ends, nothing to bracket.
    let whole = prefilter_rows_window(rows, gain, s, 0, [keep_from.min(n - 1), n - 1], None);
    assert!(whole, "a whole line needs no bracket");
}

/// The causal initial coefficient of `L` interleaved lines longer than `horizon`: ITK's
/// mirror-boundary sum over the first `horizon` samples, stored in `s[0]`.
#[inline(always)]
fn causal_initial<const L: usize>(s: &mut [[f64; L]], horizon: usize) {
    let z = bspline_pole();
    let mut zn = z;
    let mut sum = s[0];
    for quad in &s[1..horizon] {
        for (acc, v) in sum.iter_mut().zip(quad) {
            *acc += zn * v;
        }
        zn *= z;
    }
    s[0] = sum;
}

/// The anti-causal half of the prefilter on `L` interleaved lines (at least two samples)
/// that have been through the causal recursion: the mirror-boundary last coefficient, then
/// the recursion down to `keep_from`.
#[inline(always)]
fn anti_causal<const L: usize>(s: &mut [[f64; L]], keep_from: usize) {
    let n = s.len();
    let z = bspline_pole();
    let factor = z / (z * z - 1.0);
    let before_last = s[n - 2];
    for (v, p) in s[n - 1].iter_mut().zip(before_last) {
        *v = factor * (z * p + *v);
    }
    let next = s[n - 1];
    anti_causal_recursion(&mut s[keep_from.min(n - 1)..n - 1], next);
}

/// The anti-causal recursion over `s` (causal values in, coefficients out), from its last
/// sample down, `next` being the coefficient just after it.
#[inline(always)]
fn anti_causal_recursion<const L: usize>(s: &mut [[f64; L]], mut next: [f64; L]) {
    let z = bspline_pole();
    for quad in s.iter_mut().rev() {
        for (v, nx) in quad.iter_mut().zip(next) {
            *v = z * (nx - *v);
        }
        next = *quad;
    }
}

/// Samples filtered on each side of the kept part of a line when the rest of the line is left
/// out (see [`Bracket`]). The brackets of a CT close within about 40 samples.
const WINDOW_MARGIN: usize = 48;

/// The part of a line of `n` samples a windowed pass filters to keep `keep` (inclusive): the kept
/// part and [`WINDOW_MARGIN`] samples on each side, clipped to the line.
fn window(keep: [usize; 2], n: usize) -> [usize; 2] {
    [
        keep[0].saturating_sub(WINDOW_MARGIN),
        (keep[1] + WINDOW_MARGIN).min(n - 1),
    ]
}

/// Whether a [`window`] around `keep` (inclusive) leaves part of a line of `n` samples out.
fn window_leaves_out(keep: [usize; 2], n: usize) -> bool {
    keep[1] - keep[0] + 1 + 2 * WINDOW_MARGIN < n
}

/// Bounds of the prefilter's values for input samples of magnitude at most `input`: the causal
/// recursion's (`causal`) and the anti-causal's, which are the pass's output (`output`).
///
/// The gain is 6, the causal recursion sums |z|^j ≤ 1/(1 − |z|) of the gained samples (its
/// mirror initial value too), the anti-causal |z|^(j+1), i.e. |z|/(1 − |z|), of the causal
/// values (its mirror initial value (|z| + 1)·|z|/(1 − z²), the same); rounding adds relative
/// errors of about 1e-15, well inside the 1% slack.
#[derive(Clone, Copy)]
struct PrefilterBounds {
    causal: f64,
    output: f64,
}

impl PrefilterBounds {
    fn for_input(input: f64) -> Self {
        let z = bspline_pole().abs();
        let causal = 1.01 * bspline_gain().abs() * input / (1.0 - z);
        PrefilterBounds {
            causal,
            output: 1.01 * causal * z / (1.0 - z),
        }
    }
}

/// Two runs of a recursion started from the lowest and the highest value its state can hold.
///
/// Each step of the prefilter's recursions (`f + z·c`, `z·(c − f)`, rounded twice) is monotone in
/// the state, since rounding to nearest is, so the state of the run from the true start lies
/// between the two runs' states at every step. Both contract by |z| ≈ 0.27 a step: once they
/// hold the same non-zero value, the true run holds it too, bit for bit, and the samples before
/// the window were not needed. Where they do not meet (long runs of exact zeros, whose tails
/// only shrink), the caller filters the whole line instead.
struct Bracket<const L: usize> {
    low: [f64; L],
    high: [f64; L],
}

impl<const L: usize> Bracket<L> {
    fn new(bound: f64) -> Self {
        Bracket {
            low: [-bound; L],
            high: [bound; L],
        }
    }

    /// The common state, if every lane's runs met at a non-zero value (a zero's sign is the
    /// one thing the order cannot tell).
    fn met(&self) -> Option<[f64; L]> {
        runs_met(&self.low, &self.high).then_some(self.low)
    }
}

/// Whether every lane's two bracketing runs hold the same non-zero value.
fn runs_met(low: &[f64], high: &[f64]) -> bool {
    low.iter()
        .zip(high)
        .all(|(l, h)| l.to_bits() == h.to_bits() && *l != 0.0)
}

/// [`Bracket`] for `lanes` interleaved lines stored row after row: both runs of `step(state,
/// sample)` over `rows` (in the recursion's order) from ∓`bound`; their common state if they met.
fn bracket_lanes<'a>(
    rows: impl Iterator<Item = &'a [f64]>,
    lanes: usize,
    bound: f64,
    step: impl Fn(f64, f64) -> f64,
) -> Option<Vec<f64>> {
    let mut low = vec![-bound; lanes];
    let mut high = vec![bound; lanes];
    for row in rows {
        for ((l, h), &v) in low.iter_mut().zip(high.iter_mut()).zip(row) {
            *l = step(*l, v);
            *h = step(*h, v);
        }
    }
    runs_met(&low, &high).then_some(low)
}

/// The prefilter of `L` interleaved lines of `n` samples read straight from the image (`rows`,
/// gained on the way) over the window `lo..lo + s.len()`, keeping `keep` (absolute, inclusive,
/// inside the window). Where the window starts after the line's start or ends before its end,
/// a [`Bracket`] from `bounds` over the samples before `keep` stands in for the samples left
/// out. Returns `false`, with `s` unusable, if a bracket did not close or was needed without
/// `bounds`.
fn prefilter_rows_window<T: Scalar, const L: usize>(
    rows: &[&[T]; L],
    gain: f64,
    s: &mut [[f64; L]],
    lo: usize,
    keep: [usize; 2],
    bounds: Option<PrefilterBounds>,
) -> bool {
    let n = rows[0].len();
    let w = s.len();
    let z = bspline_pole();
    let horizon = bspline_horizon();
    let (a, b) = (keep[0] - lo, keep[1] - lo);
    if rows.iter().any(|r| r.len() != n) || lo + w > n || b >= w || horizon >= n || (lo == 0 && horizon >= w) {
        return false;
    }
    let rows: [&[T]; L] = std::array::from_fn(|k| &rows[k][lo..lo + w]);
    // Causal: exact from the line's start, or bracketed up to the kept part.
    let mut previous;
    let first;
    if lo == 0 {
        for (x, lanes) in s[..horizon].iter_mut().enumerate() {
            *lanes = std::array::from_fn(|k| rows[k][x].into() * gain);
        }
        causal_initial(s, horizon);
        previous = s[0];
        for quad in s[1..horizon].iter_mut() {
            for (v, p) in quad.iter_mut().zip(previous) {
                *v += z * p;
            }
            previous = *quad;
        }
        first = horizon;
    } else {
        let Some(bounds) = bounds else { return false };
        let mut bracket = Bracket::<L>::new(bounds.causal);
        let gained = (0..a).map(|x| -> [f64; L] { std::array::from_fn(|k| rows[k][x].into() * gain) });
        for f in gained {
            bracket.low = std::array::from_fn(|k| f[k] + z * bracket.low[k]);
            bracket.high = std::array::from_fn(|k| f[k] + z * bracket.high[k]);
        }
        let Some(met) = bracket.met() else { return false };
        previous = met;
        first = a;
    }
    for (x, quad) in s.iter_mut().enumerate().skip(first) {
        *quad = std::array::from_fn(|k| rows[k][x].into() * gain + z * previous[k]);
        previous = *quad;
    }
    // Anti-causal: exact from the line's end, or bracketed down to the kept part.
    if lo + w == n {
        anti_causal(s, a);
    } else {
        let Some(bounds) = bounds else { return false };
        let mut bracket = Bracket::<L>::new(bounds.output);
        for quad in s[b + 1..].iter().rev() {
            bracket.low = std::array::from_fn(|k| z * (bracket.low[k] - quad[k]));
            bracket.high = std::array::from_fn(|k| z * (bracket.high[k] - quad[k]));
        }
        let Some(next) = bracket.met() else { return false };
        anti_causal_recursion(&mut s[a..b + 1], next);
    }
    true
}

/// [`prefilter_lanes`] on the window `lo..lo + buf.len() / lanes` of `lanes` interleaved lines
/// of `n` samples, keeping `keep` (absolute, inclusive): [`prefilter_rows_window`]'s brackets
/// for lines stored as columns. Returns `false`, with `buf` unusable, if a bracket did not close.
fn prefilter_lanes_window(
    buf: &mut [f64],
    lanes: usize,
    n: usize,
    lo: usize,
    keep: [usize; 2],
    bounds: Option<PrefilterBounds>,
) -> bool {
    let w = buf.len() / lanes.max(1);
    let z = bspline_pole();
    let horizon = bspline_horizon();
    let (a, b) = (keep[0] - lo, keep[1] - lo);
    // A window that starts at the line's start needs the samples of the initial coefficient:
    // the first `horizon`, or the whole line if it is that short.
    let whole = lo == 0 && w == n;
    if lanes == 0 || n < 2 || lo + w > n || b >= w || (lo == 0 && horizon >= w && !whole) {
        return false;
    }
    let gain = bspline_gain();
    for v in buf.iter_mut() {
        *v *= gain;
    }
    let first = if lo == 0 {
        if horizon < n {
            let (first, rest) = buf.split_at_mut(lanes);
            let mut zn = z;
            for k in 1..horizon {
                for (s, &v) in first.iter_mut().zip(&rest[(k - 1) * lanes..k * lanes]) {
                    *s += zn * v;
                }
                zn *= z;
            }
        } else {
            prefilter_lanes_full_init(buf, n, lanes);
        }
        1
    } else {
        let Some(bounds) = bounds else { return false };
        let rows = buf[..a * lanes].chunks_exact(lanes);
        let Some(state) = bracket_lanes(rows, lanes, bounds.causal, |c, f| f + z * c) else {
            return false;
        };
        // The state before the kept part, where the recursion below reads it.
        buf[(a - 1) * lanes..a * lanes].copy_from_slice(&state);
        a
    };
    for k in first..w {
        let (done, current) = buf.split_at_mut(k * lanes);
        for (s, &p) in current[..lanes].iter_mut().zip(&done[(k - 1) * lanes..]) {
            *s += z * p;
        }
    }
    let last = if lo + w == n {
        let factor = z / (z * z - 1.0);
        let (head, end) = buf.split_at_mut((w - 1) * lanes);
        for (s, &p) in end.iter_mut().zip(&head[(w - 2) * lanes..]) {
            *s = factor * (z * p + *s);
        }
        w - 1
    } else {
        let Some(bounds) = bounds else { return false };
        let rows = buf[(b + 1) * lanes..].chunks_exact(lanes).rev();
        let Some(state) = bracket_lanes(rows, lanes, bounds.output, |c, v| z * (c - v)) else {
            return false;
        };
        buf[(b + 1) * lanes..(b + 2) * lanes].copy_from_slice(&state);
        b + 1
    };
    for k in (a..last).rev() {
        let (head, tail) = buf.split_at_mut((k + 1) * lanes);
        for (s, &nx) in head[k * lanes..].iter_mut().zip(&tail[..lanes]) {
            *s = z * (nx - *s);
        }
    }
    true
}

/// Passes 1 and 2 of [`BSplineCoefficients::compute`] on one slice (`src`, `size` x by y)
/// filtering only the windows around the kept box (`from`, `extent`): the x pass on the rows
/// of the y window, each over its x window, then the y pass over the y window. Leaves the kept
/// `[y][x]` box at the start of `slab`; `false` if a bracket did not close (the caller then
/// filters the whole slice).
fn windowed_slice<T: Scalar>(
    src: &[T],
    size: [usize; 2],
    from: [usize; 2],
    extent: [usize; 2],
    [x_bounds, y_bounds]: [PrefilterBounds; 2],
    group: &mut [[f64; X_LANES]],
    slab: &mut [f64],
) -> bool {
    let [nx, ny] = size;
    let [bx, by] = extent;
    let x_keep = [from[0], from[0] + bx - 1];
    let y_keep = [from[1], from[1] + by - 1];
    let [xlo, xhi] = window(x_keep, nx);
    let [ylo, yhi] = window(y_keep, ny);
    let (wx, wy) = (xhi - xlo + 1, yhi - ylo + 1);
    let gain = bspline_gain();
    let row = |y: usize| &src[y * nx..(y + 1) * nx];
    let keep_row = |slab: &mut [f64], y: usize, lane: usize, group: &[[f64; X_LANES]]| {
        let dst = &mut slab[(y - ylo) * bx..(y - ylo + 1) * bx];
        for (d, lanes) in dst.iter_mut().zip(&group[x_keep[0] - xlo..]) {
            *d = lanes[lane];
        }
    };
    let mut y = ylo;
    while y + X_LANES <= yhi + 1 {
        let rows: [&[T]; X_LANES] = std::array::from_fn(|k| row(y + k));
        if !prefilter_rows_window(&rows, gain, &mut group[..wx], xlo, x_keep, Some(x_bounds)) {
            return false;
        }
        for lane in 0..X_LANES {
            keep_row(slab, y + lane, lane, group);
        }
        y += X_LANES;
    }
    let mut single = vec![[0.0; 1]; if y <= yhi { wx } else { 0 }];
    for y in y..=yhi {
        if !prefilter_rows_window(&[row(y)], gain, &mut single, xlo, x_keep, Some(x_bounds)) {
            return false;
        }
        let dst = &mut slab[(y - ylo) * bx..(y - ylo + 1) * bx];
        for (d, v) in dst.iter_mut().zip(&single[x_keep[0] - xlo..]) {
            *d = v[0];
        }
    }
    let window_rows = &mut slab[..wy * bx];
    if !prefilter_lanes_window(window_rows, bx, ny, ylo, y_keep, Some(y_bounds)) {
        return false;
    }
    slab.copy_within((y_keep[0] - ylo) * bx..(y_keep[1] - ylo + 1) * bx, 0);
    true
}

/// Causal initial coefficient of short lines (no horizon shortcut), per lane.
fn prefilter_lanes_full_init(buf: &mut [f64], n: usize, lanes: usize) {
    let z = bspline_pole();
    let iz = 1.0 / z;
    let z2n_start = z.powf((n - 1) as f64);
    for lane in 0..lanes {
        let mut zn = z;
        let mut z2n = z2n_start;
        let mut sum = buf[lane] + z2n * buf[(n - 1) * lanes + lane];
        // ITK's `z2n *= z2n * iz`, i.e. z2n·(z2n/z).
        z2n = z2n * (z2n * iz);
        for k in 1..=n - 2 {
            sum += (zn + z2n) * buf[k * lanes + lane];
            zn *= z;
            z2n *= iz;
        }
        buf[lane] = sum / (1.0 - zn * zn);
    }
}

/// In-place cubic B-spline prefilter of `lanes` interleaved lines of length `n`
/// (`buf[i * lanes + lane]`), with ITK's arithmetic (gain, mirror initial coefficients with
/// the 1e-10 horizon, causal and anti-causal recursions).
fn prefilter_lanes(buf: &mut [f64], n: usize, lanes: usize) {
    if n < 2 || lanes == 0 {
        // ITK leaves a line of one sample unchanged.
        return;
    }
    // The whole line as its own window: exact at both ends, nothing to bracket.
    let whole = prefilter_lanes_window(buf, lanes, n, 0, [0, n - 1], None);
    assert!(whole, "a whole line needs no bracket");
}

/// LabelShapeStatistics bounding box of `label`: lower index and size (x, y, z).
fn bounding_box(mask: &LabelMap, label: u32) -> Result<([usize; 3], [usize; 3])> {
    let [nx, ny, _] = mask.geometry.size;
    type Corners = ([usize; 3], [usize; 3]);
    fn scan<L: Label>(a: &ndarray::Array3<L>, label: u32, nx: usize, ny: usize) -> Option<Corners> {
        let labels = a.as_standard_layout();
        let flat = labels.as_slice().filter(|_| label != 0 && nx > 0 && ny > 0)?;
        let is = |l: &L| Into::<u32>::into(*l) == label;
        // Rows in parallel (a whole CT's mask), each reduced to its first and last voxel.
        flat.par_chunks_exact(nx)
            .enumerate()
            .filter(|(_, line)| crate::image::holds(line, label))
            .filter_map(|(row, line)| {
                let first = line.iter().position(is)?;
                let last = line.iter().rposition(is).unwrap_or(first);
                let (y, z) = (row % ny, row / ny);
                Some(([first, y, z], [last, y, z]))
            })
            .reduce_with(|(lo, hi), (l, h)| {
                (
                    std::array::from_fn(|a| lo[a].min(l[a])),
                    std::array::from_fn(|a| hi[a].max(h[a])),
                )
            })
    }
    let found = with_labels!(&mask.labels, a => scan(a, label, nx, ny));
    let Some((lo, hi)) = found else {
        return Err(Error::LabelAbsent {
            label,
            present: mask.labels_present(),
        });
    };
    Ok((lo, [hi[0] - lo[0] + 1, hi[1] - lo[1] + 1, hi[2] - lo[2] + 1]))
}

/// pyradiomics' `_checkROI` bounds test: the ROI box corners (mask index lo − 0.5 and
/// lo + size − 0.5) mapped into the image's index space must lie within [−0.5, size − 0.5]
/// with a tolerance of 1e-3.
fn check_roi_inside_image(image: &Image, mask: &LabelMap, lo: [usize; 3], size: [usize; 3]) -> Result<()> {
    let mask_itk = ItkGeometry::new(&mask.geometry)?;
    let image_itk = ItkGeometry::new(&image.geometry)?;
    let corner_lo = [lo[0] as f64 - 0.5, lo[1] as f64 - 0.5, lo[2] as f64 - 0.5];
    let corner_hi = [
        (lo[0] + size[0]) as f64 - 0.5,
        (lo[1] + size[1]) as f64 - 0.5,
        (lo[2] + size[2]) as f64 - 0.5,
    ];
    let a = image_itk.point_to_continuous_index(mask_itk.continuous_index_to_point(corner_lo));
    let b = image_itk.point_to_continuous_index(mask_itk.continuous_index_to_point(corner_hi));
    let tolerance = 1e-3;
    for axis in 0..3 {
        let min = a[axis].min(b[axis]);
        let max = a[axis].max(b[axis]);
        if min < -0.5 - tolerance || max > image.geometry.size[axis] as f64 - 0.5 + tolerance {
            return Err(Error::GeometryMismatch {
                detail: format!(
                    "bounding box of the ROI lies outside the image: ROI bounds in image index space {a:?} to {b:?}, image size {:?}",
                    image.geometry.size
                ),
            });
        }
    }
    Ok(())
}

/// pyradiomics' `cropToTumorMask`: crop image and mask (same grid) to the box `lo`/`size`
/// padded by `pad` voxels, within the image.
fn crop_to_box(
    image: &Image,
    mask: &LabelMap,
    lo: [usize; 3],
    size: [usize; 3],
    pad: usize,
) -> Result<(Image, LabelMap)> {
    let full = image.geometry.size;
    let mut start = [0usize; 3];
    let mut end = [0usize; 3];
    for a in 0..3 {
        start[a] = lo[a].saturating_sub(pad);
        let hi = lo[a] + size[a] - 1;
        // Upper crop = max(full − hi − pad − 1, 0).
        let upper_crop = full[a].saturating_sub(hi + pad + 1);
        end[a] = full[a] - upper_crop;
        if end[a] <= start[a] {
            return Err(Error::InvalidArgument(format!(
                "crop to the ROI leaves no voxel along axis {a}"
            )));
        }
    }
    let itk = ItkGeometry::new(&image.geometry)?;
    let geometry = Geometry {
        size: [end[0] - start[0], end[1] - start[1], end[2] - start[2]],
        spacing: image.geometry.spacing,
        origin: itk.index_to_point(start),
        direction: image.geometry.direction,
        dimension: image.geometry.dimension,
    };
    let voxels = image.voxels.crop(start, geometry.size);
    let labels = mask.labels.crop(start, geometry.size);
    Ok((
        Image::new(voxels, image.pixel_type, geometry.clone())?,
        LabelMap::new(labels, geometry)?,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::phantom::{PhantomSpec, Rng, generate};

    /// The windowed passes must give the whole-line passes' coefficients bit for bit (ITK's,
    /// which the oracle tests compare with SimpleITK); an infinite bound turns the windows off.
    fn assert_windows_exact<T: Scalar>(data: &[T], size: [usize; 3], bbox: [[usize; 2]; 3], bound: f64) {
        let whole = BSplineCoefficients::compute(data, size, bbox, false, f64::INFINITY);
        let windowed = BSplineCoefficients::compute(data, size, bbox, false, bound);
        assert_eq!(whole.values.len(), windowed.values.len());
        let differ = whole
            .values
            .iter()
            .zip(&windowed.values)
            .filter(|(a, b)| a.to_bits() != b.to_bits())
            .count();
        assert_eq!(differ, 0, "{differ} coefficients differ, box {bbox:?} of {size:?}");
    }

    fn boxes(size: [usize; 3], rng: &mut Rng) -> Vec<[[usize; 2]; 3]> {
        (0..6)
            .map(|i| {
                std::array::from_fn(|a| {
                    let n = size[a];
                    let extent = if i == 0 {
                        n
                    } else {
                        1 + (rng.uniform() * (n as f64 / 3.0)) as usize
                    };
                    let start = (rng.uniform() * (n - extent + 1) as f64) as usize;
                    // Boxes touching the image's edges too.
                    let start = if i == 1 {
                        0
                    } else if i == 2 {
                        n - extent
                    } else {
                        start
                    };
                    [start, start + extent - 1]
                })
            })
            .collect()
    }

    #[test]
    fn windowed_prefilter_equals_whole_lines_on_a_ct() {
        let phantom = generate(&PhantomSpec {
            size: [300, 260, 6],
            ..PhantomSpec::default()
        })
        .unwrap();
        let hu: Vec<i16> = phantom.image.values().iter().map(|&v| v as i16).collect();
        let size = phantom.image.geometry.size;
        let mut rng = Rng(11);
        for bbox in boxes(size, &mut rng) {
            assert_windows_exact(&hu, size, bbox, 32768.0);
        }
        // A thin-slice CT, tall enough for the z window too.
        let tall = generate(&PhantomSpec {
            size: [40, 36, 200],
            spacing: [0.7, 0.7, 0.6],
            lesion_diameter_mm: 12.0,
            ..PhantomSpec::default()
        })
        .unwrap();
        let tall_hu: Vec<i16> = tall.image.values().iter().map(|&v| v as i16).collect();
        for bbox in boxes(tall.image.geometry.size, &mut rng) {
            assert_windows_exact(&tall_hu, tall.image.geometry.size, bbox, 32768.0);
        }
        // Not vacuously: on a CT the brackets close and the windows are what is used.
        let (keep, extent) = ([40, 50], [30, 25]);
        let mut group = vec![[0.0; X_LANES]; size[0]];
        let mut slab = vec![0.0; size[1] * extent[0]];
        for slice in hu.chunks_exact(size[0] * size[1]) {
            assert!(windowed_slice(
                slice,
                [size[0], size[1]],
                keep,
                extent,
                bounds(32768.0),
                &mut group,
                &mut slab
            ));
        }
    }

    #[test]
    fn windowed_prefilter_equals_whole_lines_on_noise_and_zeros() {
        for size in [[230, 210, 3], [20, 18, 190]] {
            noise_and_zeros(size);
        }
    }

    fn noise_and_zeros(size: [usize; 3]) {
        let n = size.iter().product::<usize>();
        let mut rng = Rng(5);
        // Full-range int16 noise: the brackets start as wide as they can.
        let noise: Vec<i16> = (0..n).map(|_| (rng.uniform() * 65535.0 - 32768.0) as i16).collect();
        // Floats on a background of exact zeros, where a bracket cannot close and the whole
        // line is filtered instead.
        let zeros: Vec<f32> = (0..n)
            .map(|i| {
                let (x, y, z) = (i % size[0], (i / size[0]) % size[1], i / (size[0] * size[1]));
                let inside = if size[2] > 100 {
                    (80..110).contains(&z)
                } else {
                    (100..130).contains(&x) && (90..120).contains(&y)
                };
                if inside { 1000.0 * rng.uniform() as f32 } else { 0.0 }
            })
            .collect();
        let tiny: Vec<f64> = (0..n).map(|_| (rng.uniform() - 0.5) * 1e-6).collect();
        for bbox in boxes(size, &mut rng) {
            assert_windows_exact(&noise, size, bbox, 32768.0);
            let zero_bound = zeros.iter().fold(0.0f64, |m, &v| m.max(v.abs() as f64));
            assert_windows_exact(&zeros, size, bbox, zero_bound);
            assert_windows_exact(&tiny, size, bbox, 1e-6);
        }
        if size[2] > 100 {
            return;
        }
        // Far from the object, in the zeros, the brackets cannot close: the whole lines were
        // filtered there.
        let (mut group, mut slab) = (vec![[0.0; X_LANES]; size[0]], vec![0.0; size[1] * 10]);
        let first_slice = &zeros[..size[0] * size[1]];
        assert!(!windowed_slice(
            first_slice,
            [size[0], size[1]],
            [5, 170],
            [10, 10],
            bounds(1000.0),
            &mut group,
            &mut slab
        ));
    }

    fn bounds(input: f64) -> [PrefilterBounds; 2] {
        let x = PrefilterBounds::for_input(input);
        [x, PrefilterBounds::for_input(x.output)]
    }
}
