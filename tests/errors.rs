//! Bad input gets a typed error whose message names the cause, never a panic.

mod common;

use ndarray::Array3;
use radscore::error::Error;
use radscore::image::{Geometry, Image, LabelMap, PixelType, write_nrrd};
use radscore::settings::Settings;

fn image_and_mask() -> (Image, LabelMap) {
    let g = Geometry::new([12, 10, 6], [1.0, 1.0, 2.0]);
    let voxels = Array3::from_shape_fn((6, 10, 12), |(z, y, x)| ((x * 7 + y * 3 + z * 11) % 50) as f64 - 10.0);
    let labels = Array3::from_shape_fn((6, 10, 12), |(z, y, x)| {
        u32::from((2..5).contains(&z) && (3..8).contains(&y) && (2..9).contains(&x))
    });
    (
        Image::new(voxels, PixelType::I16, g.clone()).unwrap(),
        LabelMap::new(labels, g).unwrap(),
    )
}

fn defaults() -> radscore::ValidSettings {
    Settings::default().validate().unwrap()
}

#[test]
fn empty_mask_is_reported_as_empty() {
    let (img, mut mask) = image_and_mask();
    mask.labels.make_u32().fill(0);
    let e = radscore::extract(&img, &mask, &defaults()).unwrap_err();
    assert!(matches!(e, Error::LabelAbsent { label: 1, .. }), "{e:?}");
    assert!(e.to_string().contains("empty"), "{e}");
}

#[test]
fn absent_label_lists_the_labels_present() {
    let (img, mask) = image_and_mask();
    let mut s = Settings::default();
    s.general.label = 3;
    let e = radscore::extract(&img, &mask, &s.validate().unwrap()).unwrap_err();
    assert!(matches!(e, Error::LabelAbsent { label: 3, .. }), "{e:?}");
    assert!(e.to_string().contains("labels present: 1"), "{e}");
}

#[test]
fn absent_label_is_reported_when_resampling_too() {
    // With resampling the label is first looked for by the bounding-box scan, not getMask's.
    let (img, mut mask) = image_and_mask();
    let mut s = Settings::default();
    s.general.label = 3;
    s.general.resampled_pixel_spacing = Some([1.0, 1.0, 1.0]);
    let e = radscore::extract(&img, &mask, &s.clone().validate().unwrap()).unwrap_err();
    assert!(matches!(e, Error::LabelAbsent { label: 3, .. }), "{e:?}");
    assert!(e.to_string().contains("labels present: 1"), "{e}");
    mask.labels.make_u32().fill(0);
    let e = radscore::extract(&img, &mask, &s.validate().unwrap()).unwrap_err();
    assert!(e.to_string().contains("empty"), "{e}");
}

#[test]
fn geometry_mismatch_names_the_difference() {
    let (img, mut mask) = image_and_mask();
    mask.geometry.origin[0] += 0.5;
    let e = radscore::extract(&img, &mask, &defaults()).unwrap_err();
    assert!(matches!(e, Error::GeometryMismatch { .. }), "{e:?}");
    assert!(e.to_string().contains("origin"), "{e}");
    assert!(e.to_string().contains("correctMask"), "{e}");
}

#[test]
fn single_voxel_roi_is_too_small() {
    let (img, mut mask) = image_and_mask();
    mask.labels.make_u32().fill(0);
    mask.labels.make_u32()[[3, 4, 5]] = 1;
    let e = radscore::extract(&img, &mask, &defaults()).unwrap_err();
    assert!(matches!(e, Error::RoiTooSmall { .. }), "{e:?}");
    assert!(e.to_string().contains("single voxel"), "{e}");
}

#[test]
fn one_dimensional_roi_fails_minimum_dimensions() {
    let (img, mut mask) = image_and_mask();
    mask.labels.make_u32().fill(0);
    for x in 2..8 {
        mask.labels.make_u32()[[3, 4, x]] = 1;
    }
    let e = radscore::extract(&img, &mask, &defaults()).unwrap_err();
    assert!(e.to_string().contains("minimumROIDimensions"), "{e}");
}

#[test]
fn minimum_roi_size_is_enforced_with_numbers() {
    let (img, mask) = image_and_mask();
    let mut s = Settings::default();
    s.general.minimum_roi_size = Some(1000);
    let e = radscore::extract(&img, &mask, &s.validate().unwrap()).unwrap_err();
    assert!(e.to_string().contains("105 voxels"), "{e}");
}

#[test]
fn nan_voxels_are_rejected() {
    let (mut img, mask) = image_and_mask();
    img.voxels.make_f64()[[0, 0, 0]] = f64::NAN;
    img.voxels.make_f64()[[1, 0, 0]] = f64::INFINITY;
    let e = radscore::extract(&img, &mask, &defaults()).unwrap_err();
    assert!(matches!(e, Error::NonFinite { count: 2, .. }), "{e:?}");
    assert!(e.to_string().contains("NaN"), "{e}");
}

#[test]
fn shape_mismatch_of_buffers_is_rejected() {
    let g = Geometry::new([4, 4, 4], [1.0; 3]);
    let e = Image::new(Array3::zeros((4, 4, 3)), PixelType::F32, g).unwrap_err();
    assert!(matches!(e, Error::InvalidArgument(_)), "{e:?}");
}

#[test]
fn missing_file_names_the_path() {
    let e = radscore::image::read_image("/nonexistent/ct.nrrd").unwrap_err();
    assert!(e.to_string().contains("/nonexistent/ct.nrrd"), "{e}");
}

#[test]
fn unknown_extension_is_unsupported() {
    let e = radscore::image::read_image("scan.dcm").unwrap_err();
    assert!(matches!(e, Error::Unsupported { .. }), "{e:?}");
}

#[test]
fn corrupt_and_truncated_files_are_errors() {
    let dir = common::temp_dir("errors-corrupt");
    let (img, _) = image_and_mask();
    let good = dir.join("good.nrrd");
    write_nrrd(&good, &img.values(), img.pixel_type, &img.geometry).unwrap();
    let bytes = std::fs::read(&good).unwrap();
    // Truncated: every prefix length in steps must fail cleanly.
    for cut in (0..bytes.len()).step_by(7) {
        let p = dir.join("cut.nrrd");
        std::fs::write(&p, &bytes[..cut]).unwrap();
        let r = radscore::image::read_image(&p);
        assert!(r.is_err(), "a file cut at byte {cut} of {} was accepted", bytes.len());
    }
    // Garbage after a valid header: corrupt gzip stream.
    let header_end = bytes.windows(2).position(|w| w == b"\n\n").unwrap() + 2;
    let mut garbled = bytes[..header_end].to_vec();
    garbled.extend(std::iter::repeat_n(0xA5u8, 200));
    let p = dir.join("garbled.nrrd");
    std::fs::write(&p, &garbled).unwrap();
    let e = radscore::image::read_image(&p).unwrap_err();
    assert!(e.to_string().contains("garbled.nrrd"), "{e}");
    // Not an image at all.
    let p = dir.join("text.nii");
    std::fs::write(&p, b"hello, this is not a NIfTI file at all........").unwrap();
    let e = radscore::image::read_image(&p).unwrap_err();
    assert!(e.to_string().contains("text.nii"), "{e}");
}

#[test]
fn parameter_file_errors_name_the_key() {
    for (text, key) in [
        ("setting:\n  binWidht: 25\n", "setting.binWidht"),
        ("setting:\n  binWidth: -1\n", "setting.binWidth"),
        ("setting:\n  interpolator: sitkCubic\n", "setting.interpolator"),
        ("imageType:\n  Wavlet: {}\n", "imageType.Wavlet"),
        ("featureClass:\n  glcm: [Contrastt]\n", "featureClass.glcm"),
        (
            "setting:\n  resampledPixelSpacing: [1, 1, 1, 1]\n",
            "setting.resampledPixelSpacing",
        ),
        ("setting:\n  force2D: yes please\n", "setting.force2D"),
        ("setting:\n  binCount: 1000000000\n", "binCount"),
    ] {
        let e = Settings::from_str(text)
            .and_then(|s| s.validate().map(|_| ()))
            .unwrap_err();
        assert!(e.to_string().contains(key), "{text:?} → {e}");
    }
}

/// Two spacing values suit a 2-D image; on a 3-D one pyradiomics asserts one value per axis,
/// and radscore refuses it too, saying how many the mask needs.
#[test]
fn two_resampling_spacings_on_a_3d_image_are_refused() {
    let (img, mask) = image_and_mask();
    let settings = Settings::from_str("setting:\n  resampledPixelSpacing: [1, 1]\n")
        .unwrap()
        .validate()
        .unwrap();
    let e = radscore::extract(&img, &mask, &settings).unwrap_err();
    for part in ["resampledPixelSpacing", "2 values", "3-D", "pyradiomics requires"] {
        assert!(e.to_string().contains(part), "{part:?} missing from: {e}");
    }
}

/// LBP2D's `var` pattern is NaN wherever the samples around a voxel are all equal. Where only
/// some are, radscore bins and averages as pyradiomics does (tests/lbp.rs); here the whole
/// flat ROI is NaN, its first voxel too, and pyradiomics' bin edges fail: so does radscore,
/// saying which image, where the NaN come from and why.
#[test]
fn lbp2d_var_all_nan_names_the_cause() {
    let (img, mask) = image_and_mask();
    // A float image: an integer one would take the NaN codes through numpy's cast.
    let flat = Image::new(img.values().mapv(|_| 40.0), PixelType::F32, img.geometry.clone()).unwrap();
    let settings = Settings::from_str("imageType:\n  LBP2D:\n    lbp2DMethod: var\nfeatureClass:\n  glcm:\n")
        .unwrap()
        .validate()
        .unwrap();
    let e = radscore::extract(&flat, &mask, &settings).unwrap_err();
    assert!(matches!(e, Error::NonFinite { .. }), "{e:?}");
    for part in [
        "lbp-2D image",
        "lbp2DMethod 'var'",
        "first voxel is NaN",
        "pyradiomics fails here too",
    ] {
        assert!(e.to_string().contains(part), "{part:?} missing from: {e}");
    }
}

/// Peak resident memory of this process so far (`VmHWM`), in bytes.
fn peak_rss() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map_or(0, |kb| kb * 1024)
}

/// A gzip NRRD whose header claims 4 GB (a wrong header, or a gzip bomb's tail) while its
/// stream inflates to 8 MB: a clear error, and the claimed size's pages are never touched
/// (they were once mapped, all 4 GB of them, before the stream's size was looked at).
#[test]
fn a_header_claiming_more_than_its_gzip_stream_is_refused_before_its_pages_are_touched() {
    use std::io::Write;
    let dir = common::temp_dir("errors-gzip-claims");
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(&vec![0u8; 8 << 20]).unwrap();
    let mut file = b"NRRD0004\ntype: short\ndimension: 3\nspace: left-posterior-superior\n\
        sizes: 2000 1000 1000\nspace directions: (1,0,0) (0,1,0) (0,0,1)\nendian: little\n\
        encoding: gzip\nspace origin: (0,0,0)\n\n"
        .to_vec();
    file.extend(gz.finish().unwrap());
    let path = dir.join("claims_4gb.nrrd");
    std::fs::write(&path, file).unwrap();
    let before = peak_rss();
    let e = radscore::image::read_image(&path).unwrap_err();
    let grown = peak_rss().saturating_sub(before);
    assert!(e.to_string().contains("truncated data"), "{e}");
    assert!(e.to_string().contains("claims_4gb.nrrd"), "{e}");
    if before > 0 {
        assert!(
            grown < 1 << 30,
            "reading it raised the peak resident memory by {grown} bytes"
        );
    }
}

/// A resampling spacing in the wrong unit (0.001 for 1 mm) asks for trillions of voxels: an
/// error naming the setting and the grid, where the allocation used to abort the process.
#[test]
fn a_resampling_grid_too_large_to_hold_is_an_error() {
    let (img, mask) = image_and_mask();
    let mut s = Settings::default();
    s.general.resampled_pixel_spacing = Some([0.001, 0.001, 0.001]);
    s.general.resampled_pixel_spacing_axes = 3;
    let e = radscore::extract(&img, &mask, &s.validate().unwrap()).unwrap_err();
    assert!(matches!(e, Error::InvalidArgument(_)), "{e:?}");
    let message = e.to_string();
    assert!(message.contains("resampledPixelSpacing"), "{message}");
    assert!(message.contains("voxels"), "{message}");
}
