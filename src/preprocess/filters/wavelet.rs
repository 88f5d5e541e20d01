//! pyradiomics' Wavelet image type (`getWaveletImage` + `_swt3`): an undecimated, periodic,
//! separable wavelet transform of the whole image, as `pywt.swtn(data, wavelet, level=1,
//! start_level=0, axes=(2, 1, 0))` computes it.
//!
//! - Each odd axis is first padded at its end by one voxel in numpy's `wrap` mode (a copy of
//!   index 0); the pad is cut off the outputs.
//! - Along an axis of (even) length N with filter h of length F, output n is
//!   Σ_j h[j]·x[(n + F/2 − j) mod N]. pywt sums the taps in ascending j, except where the
//!   filter wraps past the end of the line: there it first sums the wrapped taps from
//!   j = n + F/2 − N down to 0, then the rest ascending. We follow that order exactly, so
//!   flat regions give pywt's ±1e-14 residues with the same signs.
//! - Axes x, then y, then z (each band splits into `a` = low pass and `d` = high pass); the
//!   band letters name x, y, z in that order (`LLH` = low x, low y, high z).
//! - `level` > 1 and `start_level` > 0 re-apply a level-1 transform to the previous
//!   approximation (pyradiomics never dilates the filters).
//! - float32 images are transformed in float32 with pywt's single-precision taps (pywt keeps
//!   their dtype); all others in float64.

use rayon::prelude::*;

use super::wavelet_table::WAVELETS;
use super::{FilteredImage, Real, flat_values};
use crate::error::{Error, Result};
use crate::image::{Image, PixelType};
use crate::settings::GeneralSettings;

/// Decomposition filters of one wavelet, as PyWavelets stores them.
#[derive(Debug)]
pub struct WaveletFilters {
    /// pywt's name (`coif1`, `db4`, `bior1.3`, `dmey`, …).
    pub name: &'static str,
    /// Low-pass decomposition taps (`pywt.Wavelet(name).dec_lo`).
    pub dec_lo: &'static [f64],
    /// High-pass decomposition taps (`pywt.Wavelet(name).dec_hi`).
    pub dec_hi: &'static [f64],
    /// The low-pass taps pywt uses on float32 data (its own single-precision tables; for
    /// some wavelets these differ from `dec_lo` rounded to float).
    pub dec_lo_f32: &'static [f32],
    /// The high-pass taps pywt uses on float32 data.
    pub dec_hi_f32: &'static [f32],
}

/// The precisions pywt transforms in, each with its own filter taps.
trait WaveletReal: Real {
    fn taps(filters: &WaveletFilters) -> (Vec<Self>, Vec<Self>);
}

impl WaveletReal for f64 {
    fn taps(filters: &WaveletFilters) -> (Vec<f64>, Vec<f64>) {
        (filters.dec_lo.to_vec(), filters.dec_hi.to_vec())
    }
}

impl WaveletReal for f32 {
    fn taps(filters: &WaveletFilters) -> (Vec<f32>, Vec<f32>) {
        (filters.dec_lo_f32.to_vec(), filters.dec_hi_f32.to_vec())
    }
}

/// Names of every wavelet accepted (`pywt.wavelist(kind='discrete')`).
pub fn wavelet_names() -> impl Iterator<Item = &'static str> {
    WAVELETS.iter().map(|w| w.name)
}

/// The filters of wavelet `name`, or a setting error naming it.
pub fn wavelet_filters(name: &str) -> Result<&'static WaveletFilters> {
    WAVELETS.iter().find(|w| w.name == name).ok_or_else(|| {
        Error::setting(
            "wavelet",
            format!(
                "unknown wavelet '{name}' (expected one of PyWavelets' discrete wavelets: haar, dmey, \
                 db1..db38, sym2..sym20, coif1..coif17, bior1.1..bior6.8, rbio1.1..rbio6.8)"
            ),
        )
    })
}

/// Numpy axis numbers (0 = z, 1 = y, 2 = x) pyradiomics transforms, in pass order: the
/// image's own axes (x and y of a 2-D image), less force2Ddimension, which counts a 2-D
/// image's numpy axes (0 = y, 1 = x).
fn transform_axes(settings: &GeneralSettings, dimension: usize) -> Result<Vec<usize>> {
    let mut axes = if dimension == 2 { vec![2, 1] } else { vec![2, 1, 0] };
    if settings.force2d {
        let normal = settings.force2d_dimension + 3 - dimension.min(3);
        if !axes.contains(&normal) {
            return Err(Error::setting(
                "force2Ddimension",
                format!(
                    "is {} but a {dimension}-D image has no such axis for the wavelet",
                    settings.force2d_dimension
                ),
            ));
        }
        axes.retain(|&a| a != normal);
    }
    Ok(axes)
}

/// Run pyradiomics' wavelet filter on `image`, handing each sub-band image to `emit` in
/// pyradiomics' yield order: for each level the details (`LLH, LHL, LHH, HLL, HLH, HHL, HHH`
/// in 3D), then the last approximation (`LLL`). Names are `wavelet-<band>` for the first
/// level and `wavelet<k>-<band>` for the k-th.
pub fn wavelet_images(
    image: &Image,
    settings: &GeneralSettings,
    mut emit: impl FnMut(FilteredImage) -> Result<()>,
) -> Result<()> {
    let filters = wavelet_filters(&settings.wavelet)?;
    if settings.level == 0 {
        return Err(Error::setting("level", "must be ≥ 1"));
    }
    let axes = transform_axes(settings, image.geometry.dimension)?;
    if image.pixel_type == PixelType::F32 {
        run::<f32>(image, filters, &axes, settings, &mut emit)
    } else {
        run::<f64>(image, filters, &axes, settings, &mut emit)
    }
}

/// A volume in C order with its dimensions `[z, y, x]`.
struct Volume<T> {
    data: Vec<T>,
    dims: [usize; 3],
}

fn run<T: WaveletReal>(
    image: &Image,
    filters: &WaveletFilters,
    axes: &[usize],
    settings: &GeneralSettings,
    emit: &mut dyn FnMut(FilteredImage) -> Result<()>,
) -> Result<()> {
    let (lo, hi) = T::taps(filters);
    if lo.is_empty() || lo.len() != hi.len() {
        return Err(Error::InvalidArgument(format!(
            "wavelet '{}' has inconsistent filters",
            filters.name
        )));
    }
    let shape = image.voxels.dim();
    let original = [shape.0, shape.1, shape.2];
    if original.contains(&0) {
        return Err(Error::InvalidArgument("wavelet: the image has no voxel".into()));
    }
    let values = image.values();
    let mut data = match values.as_slice() {
        Some(values) => pad_wrap::<T>(values, original),
        None => pad_wrap::<T>(&flat_values(image), original),
    };
    let plans: Vec<Plan> = (0..3).map(|a| Plan::new(data.dims[a], lo.len())).collect();
    let approx_name = "L".repeat(axes.len());
    let output_type = if image.pixel_type == PixelType::F32 {
        PixelType::F32
    } else {
        PixelType::F64
    };

    for _ in 0..settings.start_level {
        data = one_level(data, axes, &plans, &lo, &hi, (original, false), &mut |_, _| Ok(()))?;
    }
    for k in 1..=settings.level {
        let prefix = if k == 1 {
            "wavelet-".to_string()
        } else {
            format!("wavelet{k}-")
        };
        let last_level = k == settings.level;
        data = one_level(
            data,
            axes,
            &plans,
            &lo,
            &hi,
            (original, last_level),
            &mut |band, vol| {
                emit(FilteredImage {
                    name: format!("{prefix}{band}"),
                    image: to_image(image, vol, original, output_type)?,
                })
            },
        )?;
    }
    let prefix = if settings.level == 1 {
        "wavelet-".to_string()
    } else {
        format!("wavelet{}-", settings.level)
    };
    emit(FilteredImage {
        name: format!("{prefix}{approx_name}"),
        image: to_image(image, data, original, output_type)?,
    })
}

/// One level-1 `swtn` step over `axes`: hands every detail band to `detail` in pywt's dict
/// order (all-low excluded) and returns the approximation. Bands are named with L/H.
///
/// `(unpadded, last_level)`: the image's own dimensions, and whether no level follows. The
/// last pass computes the bands it hands out only over those dimensions (the padding is cut
/// off them anyway), so that `to_image` need not copy them; the approximation stays padded
/// when another level transforms it.
fn one_level<T: Real>(
    data: Volume<T>,
    axes: &[usize],
    plans: &[Plan],
    lo: &[T],
    hi: &[T],
    (unpadded, last_level): ([usize; 3], bool),
    detail: &mut dyn FnMut(&str, Volume<T>) -> Result<()>,
) -> Result<Volume<T>> {
    let mut bands: Vec<(String, Volume<T>)> = vec![(String::new(), data)];
    let mut approx = None;
    for (pass, &axis) in axes.iter().enumerate() {
        let last = pass + 1 == axes.len();
        let mut next = Vec::with_capacity(bands.len() * 2);
        for (name, vol) in bands {
            let approximation = last && name.bytes().all(|b| b == b'L');
            let unpad = last && axis != 2 && vol.dims != unpadded && (last_level || !approximation);
            let (low, high) = if unpad {
                axis_pass_yz(&vol, axis, &plans[axis], lo, hi, unpadded)
            } else {
                axis_pass(&vol, axis, &plans[axis], lo, hi)
            };
            drop(vol);
            let low_name = format!("{name}L");
            let high_name = format!("{name}H");
            if last {
                // The bands of the last pass are final: emit them now (pywt's order is
                // low before high, band by band), keeping only the approximation.
                if low_name.bytes().all(|b| b == b'L') {
                    approx = Some(low);
                } else {
                    detail(&low_name, low)?;
                }
                detail(&high_name, high)?;
            } else {
                next.push((low_name, low));
                next.push((high_name, high));
            }
        }
        bands = next;
    }
    approx.ok_or_else(|| Error::InvalidArgument("wavelet: no axis to transform".into()))
}

/// The order in which pywt sums the taps of each output along an axis of length `n`.
struct Plan {
    taps: usize,
    /// For output `o`, entries `o*taps..(o+1)*taps`: (tap index, source index along the axis).
    terms: Vec<(usize, usize)>,
}

impl Plan {
    fn new(n: usize, taps: usize) -> Self {
        let mut terms = Vec::with_capacity(n * taps);
        let wrap = |i: usize, j: usize| ((i as i64 - j as i64).rem_euclid(n as i64)) as usize;
        for o in 0..n {
            let i = taps / 2 + o;
            if i < n {
                terms.extend((0..taps).map(|j| (j, wrap(i, j))));
            } else {
                // The filter reaches past the end of the line: pywt first sums the wrapped
                // taps downwards from i − n, then continues upwards.
                let m = (i - n).min(taps - 1);
                terms.extend((0..=m).rev().map(|j| (j, wrap(i, j))));
                terms.extend((m + 1..taps).map(|j| (j, wrap(i, j))));
            }
        }
        Plan { taps, terms }
    }

    fn output(&self, o: usize) -> &[(usize, usize)] {
        &self.terms[o * self.taps..(o + 1) * self.taps]
    }
}

/// Filter `vol` along numpy axis `axis` with the low and high pass filters.
///
/// Each output is pywt's sum `((0 + c0·x0) + c1·x1) + …` in the plan's order. Adding whole
/// lines (or runs of a line) term by term keeps that order for every output while the loops
/// over outputs vectorize.
fn axis_pass<T: Real>(vol: &Volume<T>, axis: usize, plan: &Plan, lo: &[T], hi: &[T]) -> (Volume<T>, Volume<T>) {
    if axis != 2 {
        return axis_pass_yz(vol, axis, plan, lo, hi, vol.dims);
    }
    let [_, _, nx] = vol.dims;
    let len = vol.data.len();
    let mut low = vec![T::ZERO; len];
    let mut high = vec![T::ZERO; len];
    // Lines along x are contiguous: one output line per task.
    let taps = plan.taps;
    let half = taps / 2;
    // Outputs whose taps neither wrap nor take pywt's reordered path (o + half − j within
    // the line for every tap j): their sources are o + half − j.
    let start = taps.saturating_sub(1 + half);
    let middle = start..nx.saturating_sub(half).max(start);
    low.par_chunks_mut(nx)
        .zip(high.par_chunks_mut(nx))
        .zip(vol.data.par_chunks(nx))
        .for_each(|((lo_line, hi_line), line)| {
            for (o, (l_out, h_out)) in lo_line.iter_mut().zip(hi_line.iter_mut()).enumerate() {
                if middle.contains(&o) {
                    continue;
                }
                let mut sl = T::ZERO;
                let mut sh = T::ZERO;
                for &(j, src) in plan.output(o) {
                    let x = line[src];
                    sl = sl + lo[j] * x;
                    sh = sh + hi[j] * x;
                }
                *l_out = sl;
                *h_out = sh;
            }
            if middle.is_empty() {
                return;
            }
            let (lo_mid, hi_mid) = (&mut lo_line[middle.clone()], &mut hi_line[middle.clone()]);
            for j in 0..taps {
                let src = &line[middle.start + half - j..middle.end + half - j];
                accumulate(lo_mid, hi_mid, src, lo[j], hi[j], j == 0);
            }
        });
    (
        Volume {
            data: low,
            dims: vol.dims,
        },
        Volume {
            data: high,
            dims: vol.dims,
        },
    )
}

/// [`axis_pass`] along numpy axis 0 or 1, computing only the outputs inside `dims` (at most
/// `vol`'s: the image's own dimensions cut the padding off a band that is handed out). An
/// output line of x is a sum of whole source lines, each scaled by a tap, in pywt's order.
fn axis_pass_yz<T: Real>(
    vol: &Volume<T>,
    axis: usize,
    plan: &Plan,
    lo: &[T],
    hi: &[T],
    dims: [usize; 3],
) -> (Volume<T>, Volume<T>) {
    let [_, ny, nx] = vol.dims;
    let [uz, uy, ux] = dims;
    let mut low = vec![T::ZERO; uz * uy * ux];
    let mut high = vec![T::ZERO; uz * uy * ux];
    let data = &vol.data;
    low.par_chunks_mut(ux)
        .zip(high.par_chunks_mut(ux))
        .enumerate()
        .for_each(|(line, (lo_line, hi_line))| {
            let (z, y) = (line / uy, line % uy);
            // The output's position along the filtered axis, and where the source line of a
            // tap at `src` along that axis starts.
            let (o, start): (usize, &dyn Fn(usize) -> usize) = if axis == 0 {
                (z, &|src| (src * ny + y) * nx)
            } else {
                (y, &|src| (z * ny + src) * nx)
            };
            for (t, &(j, src)) in plan.output(o).iter().enumerate() {
                let from = start(src);
                accumulate(lo_line, hi_line, &data[from..from + ux], lo[j], hi[j], t == 0);
            }
        });
    (Volume { data: low, dims }, Volume { data: high, dims })
}

/// Add one tap's terms, `cl·x` and `ch·x`, to the low and high outputs. The first tap writes
/// `0 + c·x` without reading: the outputs are fresh zeroed pages, and reading one before
/// writing it maps the shared zero page first, so the write then copies it and flushes the
/// other threads' TLBs (an inter-processor interrupt per page, which on two threads cost more
/// than the whole filter).
#[inline(always)]
fn accumulate<T: Real>(low: &mut [T], high: &mut [T], source: &[T], cl: T, ch: T, first: bool) {
    if first {
        for ((l, h), &x) in low.iter_mut().zip(high.iter_mut()).zip(source) {
            *l = T::ZERO + cl * x;
            *h = T::ZERO + ch * x;
        }
    } else {
        for ((l, h), &x) in low.iter_mut().zip(high.iter_mut()).zip(source) {
            *l = *l + cl * x;
            *h = *h + ch * x;
        }
    }
}

/// Pad each odd axis at its end by one voxel in numpy's `wrap` mode (a copy of index 0).
fn pad_wrap<T: Real>(values: &[f64], dims: [usize; 3]) -> Volume<T> {
    let padded = dims.map(|d| d + d % 2);
    let [pz, py, px] = padded;
    let [nz, ny, nx] = dims;
    let mut data = Vec::with_capacity(pz * py * px);
    for z in 0..pz {
        for y in 0..py {
            let row = ((z % nz) * ny + (y % ny)) * nx;
            data.extend(values[row..row + nx].iter().map(|&v| T::from_f64(v)));
            if px > nx {
                data.push(T::from_f64(values[row]));
            }
        }
    }
    Volume { data, dims: padded }
}

/// Cut the padding off a band and wrap it as an image with the input's geometry.
fn to_image<T: Real>(image: &Image, vol: Volume<T>, dims: [usize; 3], pixel_type: PixelType) -> Result<Image> {
    if vol.dims == dims {
        return super::derived(image, T::into_f64_vec(vol.data), pixel_type);
    }
    let [nz, ny, nx] = dims;
    let [_, py, px] = vol.dims;
    let mut values = Vec::with_capacity(nz * ny * nx);
    for z in 0..nz {
        for y in 0..ny {
            let row = (z * py + y) * px;
            values.extend(vol.data[row..row + nx].iter().map(|v| v.to_f64()));
        }
    }
    super::derived(image, values, pixel_type)
}
