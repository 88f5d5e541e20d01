//! Image-type filters against pyradiomics' own generators (`radiomics.imageoperations.get<Kind>Image`,
//! through tests/oracle/filters.py): names, order, pixel types and every voxel.
//!
//! Run: `RADSCORE_PYTHON=/tmp/pyr/bin/python cargo test --test filters -- --nocapture`

mod common;

use common::{Rng, filter_oracle, oracle_python, sitk_type};
use radscore::preprocess::filters::{self, FilteredImage};
use radscore::settings::{GeneralSettings, ImageTypeKind};
use radscore::{Geometry, Image, LabelMap, PixelType};
use serde_json::{Value, json};

/// One filter run: an image, the image type, our settings and pyradiomics' kwargs.
struct Case {
    label: String,
    image: Image,
    kind: ImageTypeKind,
    settings: GeneralSettings,
    kwargs: Value,
}

/// How the test volume's values are made.
#[derive(Clone, Copy)]
enum Fill {
    /// Random values everywhere.
    Random,
    /// Random values with a large constant block (flat region) and a constant slab.
    Flat,
}

fn make_image(rng: &mut Rng, zyx: [usize; 3], spacing: [f64; 3], pixel_type: PixelType, fill: Fill) -> Image {
    let [nz, ny, nx] = zyx;
    let mut values = Vec::with_capacity(nz * ny * nx);
    for z in 0..nz {
        for y in 0..ny {
            for x in 0..nx {
                let flat = matches!(fill, Fill::Flat) && ((z < nz.div_ceil(2) && y < ny.div_ceil(2)) || x == nx / 2);
                let v = if flat {
                    40.0
                } else {
                    match pixel_type {
                        PixelType::F64 => rng.uniform() * 2400.0 - 1200.0,
                        PixelType::F32 => (rng.uniform() * 2400.0 - 1200.0) as f32 as f64,
                        PixelType::U8 => rng.int(0, 255) as f64,
                        _ => rng.int(-1024, 1500) as f64,
                    }
                };
                values.push(v);
            }
        }
    }
    let geometry = Geometry::new([nx, ny, nz], spacing);
    Image::new(
        ndarray::Array3::from_shape_vec((nz, ny, nx), values).unwrap(),
        pixel_type,
        geometry,
    )
    .unwrap()
}

fn full_mask(image: &Image) -> LabelMap {
    LabelMap::new(image.values().mapv(|_| 1u32), image.geometry.clone()).unwrap()
}

/// pyradiomics' outputs for every case: (name, voxels, SimpleITK pixel type).
fn oracle(py: &std::path::Path, dir: &str, cases: &[Case]) -> Vec<Vec<(String, Vec<f64>, String)>> {
    let cases: Vec<_> = cases.iter().map(|c| (&c.image, c.kind.name(), &c.kwargs)).collect();
    filter_oracle(py, dir, &cases)
}

/// Worst differences over a set of cases.
#[derive(Default, Debug)]
struct Stats {
    outputs: usize,
    voxels: usize,
    /// max |ours − theirs| / scale (scale: the input image's value range).
    max_rel: f64,
    /// Voxels that differ in any bit.
    not_bit_exact: usize,
    /// Voxels where pyradiomics' value is tiny (|v| ≤ 1e-9·scale) but not 0: flat-region residues.
    tiny: usize,
    /// Tiny voxels whose signs differ.
    sign_flips: usize,
    /// Voxels where one side is NaN and the other is not.
    nan_mismatch: usize,
}

/// Compare our outputs of every case with pyradiomics' (names, order, pixel types, voxels).
fn compare(cases: &[Case], theirs: &[Vec<(String, Vec<f64>, String)>]) -> Stats {
    let mut st = Stats::default();
    for (c, th) in cases.iter().zip(theirs) {
        let ours: Vec<FilteredImage> = filters::apply(c.kind, &c.image, &full_mask(&c.image), &c.settings)
            .unwrap_or_else(|e| panic!("{}: {e}", c.label));
        let our_names: Vec<&str> = ours.iter().map(|f| f.name.as_str()).collect();
        let their_names: Vec<&str> = th.iter().map(|t| t.0.as_str()).collect();
        assert_eq!(our_names, their_names, "{}: names/order", c.label);
        let (lo, hi) = c
            .image
            .values()
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), &v| (l.min(v), h.max(v)));
        let scale = if hi > lo { hi - lo } else { hi.abs().max(1.0) };
        for (o, (name, tv, ttype)) in ours.iter().zip(th) {
            assert_eq!(sitk_type(o.image.pixel_type), ttype, "{}: {name} pixel type", c.label);
            assert_eq!(o.image.geometry, c.image.geometry, "{}: {name} geometry", c.label);
            let ov: Vec<f64> = o.image.values().iter().copied().collect();
            assert_eq!(ov.len(), tv.len(), "{}: {name} voxel count", c.label);
            st.outputs += 1;
            for (&a, &b) in ov.iter().zip(tv) {
                st.voxels += 1;
                if a.is_nan() || b.is_nan() {
                    if a.is_nan() != b.is_nan() {
                        st.nan_mismatch += 1;
                    }
                    continue;
                }
                if a.to_bits() != b.to_bits() {
                    st.not_bit_exact += 1;
                }
                if a.is_infinite() || b.is_infinite() {
                    if a != b {
                        st.nan_mismatch += 1;
                    }
                    continue;
                }
                st.max_rel = st.max_rel.max((a - b).abs() / scale);
                if b.abs() <= 1e-9 * scale && b != 0.0 {
                    st.tiny += 1;
                    if (a > 0.0) != (b > 0.0) || (a < 0.0) != (b < 0.0) {
                        st.sign_flips += 1;
                    }
                }
            }
        }
    }
    st
}

fn spacings() -> [[f64; 3]; 3] {
    [[1.0, 1.0, 1.0], [0.7, 0.8, 2.5], [1.3, 0.55, 0.9]]
}

fn wavelet_settings(name: &str, level: usize, start_level: usize) -> (GeneralSettings, Value) {
    let s = GeneralSettings {
        wavelet: name.into(),
        level,
        start_level,
        ..GeneralSettings::default()
    };
    (s, json!({"wavelet": name, "level": level, "start_level": start_level}))
}

#[test]
fn wavelet_coif1_matches_pyradiomics() {
    let Some(py) = oracle_python() else { return };
    let mut rng = Rng(0x5eed_0001);
    let mut cases = Vec::new();
    let shapes = [
        [5, 6, 7],
        [8, 9, 10],
        [4, 4, 4],
        [1, 6, 5],
        [3, 11, 2],
        [7, 2, 9],
        [21, 40, 33],
    ];
    let types = [PixelType::I16, PixelType::F64, PixelType::F32, PixelType::U8];
    for (i, &zyx) in shapes.iter().enumerate() {
        for (k, &pt) in types.iter().enumerate() {
            let fill = if (i + k) % 2 == 0 { Fill::Flat } else { Fill::Random };
            let sp = spacings()[(i + k) % 3];
            let image = make_image(&mut rng, zyx, sp, pt, fill);
            let (settings, kwargs) = wavelet_settings("coif1", 1, 0);
            cases.push(Case {
                label: format!("coif1 {zyx:?} {pt:?}"),
                image,
                kind: ImageTypeKind::Wavelet,
                settings,
                kwargs,
            });
        }
    }
    // Levels, start levels and force2D (every force2Ddimension).
    for (level, start) in [(2, 0), (1, 1), (3, 1)] {
        let image = make_image(&mut rng, [6, 8, 7], [0.8, 0.8, 2.0], PixelType::I16, Fill::Flat);
        let (settings, kwargs) = wavelet_settings("coif1", level, start);
        cases.push(Case {
            label: format!("coif1 level {level} start {start}"),
            image,
            kind: ImageTypeKind::Wavelet,
            settings,
            kwargs,
        });
    }
    for dim in 0..3 {
        let image = make_image(&mut rng, [5, 8, 6], [0.8, 0.8, 2.0], PixelType::I16, Fill::Flat);
        let (mut settings, mut kwargs) = wavelet_settings("db2", 1, 0);
        settings.force2d = true;
        settings.force2d_dimension = dim;
        kwargs["force2D"] = json!(true);
        kwargs["force2Ddimension"] = json!(dim);
        cases.push(Case {
            label: format!("force2D dimension {dim}"),
            image,
            kind: ImageTypeKind::Wavelet,
            settings,
            kwargs,
        });
    }
    let theirs = oracle(&py, "filters_wavelet_coif1", &cases);
    let st = compare(&cases, &theirs);
    eprintln!("wavelet coif1/levels/force2D: {st:?}");
    assert_eq!(st.nan_mismatch, 0);
    assert_eq!(st.sign_flips, 0, "signs of flat-region residues differ from pywt");
    assert!(st.max_rel <= 1e-12, "max relative difference {}", st.max_rel);
}

#[test]
fn wavelet_every_family_matches_pywt() {
    let Some(py) = oracle_python() else { return };
    let names: Vec<&str> = filters::wavelet::wavelet_names().collect();
    assert_eq!(names.len(), 106, "pywt 1.8 has 106 discrete wavelets");
    let mut rng = Rng(0x5eed_0002);
    let mut cases = Vec::new();
    for (i, name) in names.iter().enumerate() {
        // Lines both longer and (much) shorter than the filters, so the wrapped-tap order is exercised.
        let zyx = if i % 2 == 0 { [3, 7, 12] } else { [2, 5, 3] };
        let pt = [PixelType::F64, PixelType::I16, PixelType::F32][i % 3];
        let image = make_image(&mut rng, zyx, spacings()[i % 3], pt, Fill::Flat);
        let (settings, kwargs) = wavelet_settings(name, 1, 0);
        cases.push(Case {
            label: format!("{name} {zyx:?}"),
            image,
            kind: ImageTypeKind::Wavelet,
            settings,
            kwargs,
        });
    }
    let theirs = oracle(&py, "filters_wavelet_all", &cases);
    let st = compare(&cases, &theirs);
    eprintln!("wavelet, all {} families: {st:?}", names.len());
    assert_eq!(st.nan_mismatch, 0);
    assert_eq!(st.sign_flips, 0, "signs of flat-region residues differ from pywt");
    assert!(st.max_rel <= 1e-12, "max relative difference {}", st.max_rel);
}

#[test]
fn unknown_wavelet_is_named() {
    let mut rng = Rng(3);
    let image = make_image(&mut rng, [4, 4, 4], [1.0; 3], PixelType::I16, Fill::Random);
    let settings = GeneralSettings {
        wavelet: "coif99".into(),
        ..GeneralSettings::default()
    };
    let e = filters::apply(ImageTypeKind::Wavelet, &image, &full_mask(&image), &settings).unwrap_err();
    assert!(e.to_string().contains("coif99"), "{e}");
}

#[test]
fn elementwise_match_pyradiomics() {
    let Some(py) = oracle_python() else { return };
    let mut rng = Rng(0x5eed_0004);
    let mut cases = Vec::new();
    let kinds = [
        ImageTypeKind::Square,
        ImageTypeKind::SquareRoot,
        ImageTypeKind::Logarithm,
        ImageTypeKind::Exponential,
        ImageTypeKind::Original,
    ];
    for (i, &pt) in [PixelType::I16, PixelType::F64, PixelType::F32, PixelType::U8]
        .iter()
        .enumerate()
    {
        for &kind in &kinds {
            let fill = if i % 2 == 0 { Fill::Flat } else { Fill::Random };
            let image = make_image(&mut rng, [5, 6, 7], spacings()[i % 3], pt, fill);
            cases.push(Case {
                label: format!("{kind:?} {pt:?}"),
                image,
                kind,
                settings: GeneralSettings::default(),
                kwargs: json!({}),
            });
        }
    }
    // Small magnitudes (max|x| < 1: log(M) < 0) and an all-zero image (NaN / inf outputs).
    for &kind in &kinds {
        let mut image = make_image(&mut rng, [3, 4, 5], [1.0; 3], PixelType::F64, Fill::Random);
        image.voxels.make_f64().mapv_inplace(|v| v / 5000.0);
        cases.push(Case {
            label: format!("{kind:?} small"),
            image,
            kind,
            settings: GeneralSettings::default(),
            kwargs: json!({}),
        });
        let mut zero = make_image(&mut rng, [2, 3, 4], [1.0; 3], PixelType::I16, Fill::Random);
        zero.voxels.make_f64().fill(0.0);
        cases.push(Case {
            label: format!("{kind:?} zero"),
            image: zero,
            kind,
            settings: GeneralSettings::default(),
            kwargs: json!({}),
        });
    }
    let theirs = oracle(&py, "filters_elementwise", &cases);
    let st = compare(&cases, &theirs);
    eprintln!("square/squareroot/logarithm/exponential/original: {st:?}");
    assert_eq!(st.nan_mismatch, 0);
    assert!(st.max_rel <= 1e-12, "max relative difference {}", st.max_rel);
}

#[test]
fn log_matches_simpleitk() {
    let Some(py) = oracle_python() else { return };
    let mut rng = Rng(0x5eed_0005);
    let mut cases = Vec::new();
    let shapes = [
        [6, 7, 8],
        [9, 5, 12],
        [4, 4, 4],
        [5, 16, 4],
        [3, 8, 8],
        [12, 10, 9],
        [20, 33, 27],
    ];
    for (i, &zyx) in shapes.iter().enumerate() {
        for (k, &pt) in [PixelType::I16, PixelType::F64, PixelType::F32].iter().enumerate() {
            let fill = if (i + k) % 2 == 0 { Fill::Flat } else { Fill::Random };
            let sp = spacings()[(i + k) % 3];
            let image = make_image(&mut rng, zyx, sp, pt, fill);
            // Includes sigmas too large for the image (skipped) and a non-positive one.
            let sigma = vec![0.5, 1.0, 2.5, 3.0, 6.0, 0.0];
            cases.push(Case {
                label: format!("LoG {zyx:?} {pt:?} {sp:?}"),
                image,
                kind: ImageTypeKind::LoG,
                settings: GeneralSettings {
                    sigma: sigma.clone(),
                    ..GeneralSettings::default()
                },
                kwargs: json!({ "sigma": sigma }),
            });
        }
    }
    let theirs = oracle(&py, "filters_log", &cases);
    let st = compare(&cases, &theirs);
    eprintln!("LoG: {st:?}");
    assert_eq!(st.nan_mismatch, 0);
    assert!(st.max_rel <= 1e-9, "max relative difference {}", st.max_rel);
}

#[test]
fn log_names_follow_python_str() {
    use filters::log::log_image_name;
    assert_eq!(log_image_name(1.0, false), "log-sigma-1-0-mm-3D");
    assert_eq!(log_image_name(0.5, false), "log-sigma-0-5-mm-3D");
    assert_eq!(log_image_name(2.25, false), "log-sigma-2-25-mm-3D");
    assert_eq!(log_image_name(3.0, true), "log-sigma-3-mm-3D");
    assert_eq!(log_image_name(1e-5, false), "log-sigma-1e-05-mm-3D");
    assert_eq!(log_image_name(1e16, false), "log-sigma-1e+16-mm-3D");
}

#[test]
fn gradient_matches_simpleitk() {
    let Some(py) = oracle_python() else { return };
    let mut rng = Rng(0x5eed_0006);
    let mut cases = Vec::new();
    let shapes = [[5, 6, 7], [1, 6, 5], [8, 3, 2], [2, 2, 2]];
    for (i, &zyx) in shapes.iter().enumerate() {
        for (k, &pt) in [PixelType::I16, PixelType::F64, PixelType::F32].iter().enumerate() {
            for use_spacing in [true, false] {
                let fill = if (i + k) % 2 == 0 { Fill::Flat } else { Fill::Random };
                let sp = spacings()[(i + k + 1) % 3];
                let image = make_image(&mut rng, zyx, sp, pt, fill);
                cases.push(Case {
                    label: format!("gradient {zyx:?} {pt:?} spacing {use_spacing}"),
                    image,
                    kind: ImageTypeKind::Gradient,
                    settings: GeneralSettings {
                        gradient_use_spacing: use_spacing,
                        ..GeneralSettings::default()
                    },
                    kwargs: json!({ "gradientUseSpacing": use_spacing }),
                });
            }
        }
    }
    let theirs = oracle(&py, "filters_gradient", &cases);
    let st = compare(&cases, &theirs);
    eprintln!("gradient: {st:?}");
    assert_eq!(st.nan_mismatch, 0);
    assert!(st.max_rel <= 1e-9, "max relative difference {}", st.max_rel);
}

/// Time of the whole-CT wavelet transform (512×512×60, int16). Ignored by default; run with
/// `cargo test --release --test filters wavelet_timing -- --ignored --nocapture`.
#[test]
#[ignore]
fn wavelet_timing() {
    let mut rng = Rng(7);
    let image = make_image(&mut rng, [60, 512, 512], [0.7, 0.7, 2.5], PixelType::I16, Fill::Random);
    let mask = full_mask(&image);
    let settings = GeneralSettings::default();
    for kind in [ImageTypeKind::Wavelet, ImageTypeKind::LoG, ImageTypeKind::Gradient] {
        let settings = GeneralSettings {
            sigma: vec![1.0],
            ..settings.clone()
        };
        let t = std::time::Instant::now();
        let mut n = 0;
        filters::for_each(kind, &image, &mask, &settings, |_| {
            n += 1;
            Ok(())
        })
        .unwrap();
        eprintln!("{kind:?}: {n} images in {:.2?}", t.elapsed());
    }
}
