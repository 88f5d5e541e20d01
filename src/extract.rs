//! The extraction pipeline, in pyradiomics' order (`RadiomicsFeatureExtractor.execute`):
//! load → mask checks → normalize → resample or pre-crop → bounding box → re-segment →
//! shape → for each image type: filter the whole image, crop to the ROI, run the classes.

use indexmap::IndexMap;
use rayon::prelude::*;
use std::path::Path;

use crate::error::{Error, Result};
use crate::features::{self, FeatureClass, GrayLevels, RoiView};
use crate::image::{self, Image, LabelMap, PixelType, SegmentSelector};
use crate::preprocess::discretize::{Binning, discretize};
use crate::preprocess::roi::{self, BoundingBox};
use crate::preprocess::{filters, normalize, resample, resegment};
use crate::settings::{GeneralSettings, ImageTypeKind, ImageTypeSpec, ValidSettings};

/// Ordered feature values keyed by pyradiomics names (`original_glcm_Imc1`), in
/// pyradiomics' output order.
pub type FeatureSet = IndexMap<String, f64>;

/// A filtered (or original) image, cropped to the ROI, ready for the feature classes.
struct TypedImage<'s> {
    /// Feature-key prefix: `original`, `wavelet-LLH`, ...
    name: String,
    /// Intensities over the image type's [`RoiBox`].
    intensities: Vec<f64>,
    pixel_type: PixelType,
    settings: &'s GeneralSettings,
}

/// Extract every enabled feature from `image` within `mask`.
pub fn extract(image: &Image, mask: &LabelMap, settings: &ValidSettings) -> Result<FeatureSet> {
    extract_with_progress(image, mask, settings, &mut |_, _| true)
}

/// [`extract`] reporting progress: `progress(fraction, stage)` is called on the calling thread
/// after each stage (preprocessing, shape, each image type); returning `false` cancels the
/// extraction with [`Error::Cancelled`].
pub fn extract_with_progress(
    image: &Image,
    mask: &LabelMap,
    settings: &ValidSettings,
    progress: &mut dyn FnMut(f64, &str) -> bool,
) -> Result<FeatureSet> {
    let g = settings.general();
    let label = g.label;
    let mut report = |fraction: f64, stage: &str| {
        if progress(fraction, stage) {
            Ok(())
        } else {
            Err(Error::Cancelled)
        }
    };

    // Every voxel of a float image (integer storage cannot hold NaN).
    let non_finite = image.voxels.count_non_finite();
    if non_finite > 0 {
        return Err(Error::NonFinite {
            count: non_finite,
            location: Some("the image".into()),
        });
    }
    // getMask: the label must be present before anything else. Resampling (without
    // normalization before it) starts with the label's bounding box, which fails with the
    // same error first, so there a whole-CT mask is scanned once, not twice (each scan of a
    // 512×512×60 mask costs milliseconds).
    let resampling_checks_label = g.interpolator.is_some() && g.resampled_pixel_spacing.is_some() && !g.normalize;
    if !resampling_checks_label && !mask.contains(label) {
        return Err(Error::LabelAbsent {
            label,
            present: mask.labels_present(),
        });
    }

    // loadImage: normalize, then resample (which also crops) or pre-crop.
    let normalized;
    let mut image = image;
    if g.normalize {
        normalized = normalize::normalize(image, g.normalize_scale, g.remove_outliers);
        image = &normalized;
    }
    let (image, mask): (Image, LabelMap) = match (g.interpolator, g.resampled_pixel_spacing) {
        (Some(_), Some(_)) if g.resampled_pixel_spacing_axes != mask.geometry.dimension => {
            // pyradiomics asserts one value per axis of the mask.
            let (given, needed) = (g.resampled_pixel_spacing_axes, mask.geometry.dimension);
            return Err(Error::setting(
                "resampledPixelSpacing",
                format!(
                    "has {given} values but the mask is {needed}-D: pyradiomics requires one per axis \
                     ({needed} values)"
                ),
            ));
        }
        (Some(interp), Some(spacing)) => {
            resample::resample_to_spacing(image, mask, label, spacing, interp, g.pad_distance)?
        }
        _ if g.pre_crop => {
            let (bb, corrected) = roi::check_mask(image, mask, g)?;
            let m = corrected.as_ref().unwrap_or(mask);
            roi::crop(image, m, &bb, g.pad_distance)
        }
        _ => (image.clone(), mask.clone()),
    };

    // checkMask (may resample the mask onto the image grid with correctMask).
    let (mut bb, corrected) = roi::check_mask(&image, &mask, g)?;
    let mask = corrected.unwrap_or(mask);
    let mut texture_mask = mask.clone();
    if let Some(range) = &g.resegment_range {
        texture_mask = resegment::resegment(&image, &mask, label, range, g.resegment_mode)?;
        let (rbb, _) = roi::check_mask(&image, &texture_mask, g)?;
        bb = rbb;
    }
    let shape_mask = if g.resegment_shape { &texture_mask } else { &mask };
    let stages = 2 + settings.image_types.len();
    report(1.0 / stages as f64, "preprocessing")?;

    let classes: Vec<(&'static dyn FeatureClass, &Option<Vec<String>>)> = settings
        .feature_classes
        .iter()
        .filter(|(name, _)| !name.starts_with("shape"))
        .filter_map(|(name, list)| features::class_by_name(name).map(|c| (c, list)))
        .collect();
    let roi = RoiBox::new(&texture_mask, label, &bb);
    let derive = |spec: &ImageTypeSpec, ts| derived_images(spec.kind, ts, &image, &texture_mask, &roi);
    let specs: Vec<(&ImageTypeSpec, &GeneralSettings)> = settings.image_types().collect();
    let shape = || shape_features(shape_mask, label, &bb, g, &settings.feature_classes);

    // A pipeline over the stages: the classes of one image type run beside the filter of the
    // next (and shape beside the first type's classes), so that neither a filter nor a type's
    // longest class leaves a core idle. Progress is still reported in pyradiomics' stage
    // order, on the calling thread.
    let mut out = FeatureSet::new();
    let Some(&(first_spec, first_ts)) = specs.first() else {
        out.extend(shape()?);
        report(2.0 / stages as f64, "shape")?;
        return Ok(out);
    };
    let mut derived = derive(first_spec, first_ts);
    for (i, &(spec, _)) in specs.iter().enumerate() {
        let typed = derived?;
        let ((shape_values, values), next) = rayon::join(
            || {
                rayon::join(
                    || if i == 0 { shape() } else { Ok(FeatureSet::new()) },
                    || {
                        // Owned here, so the cropped images are freed as soon as their classes
                        // are done, before the next filter's buffers are allocated (on one
                        // thread), not after it: fewer fresh pages.
                        let typed = typed;
                        class_features(&typed, &roi, &classes)
                    },
                )
            },
            || specs.get(i + 1).map(|&(spec, ts)| derive(spec, ts)),
        );
        if i == 0 {
            out.extend(shape_values?);
            report(2.0 / stages as f64, "shape")?;
        }
        out.extend(values?);
        report((3 + i) as f64 / stages as f64, spec.kind.name())?;
        match next {
            Some(next) => derived = next,
            None => break,
        }
    }
    Ok(out)
}

/// The images of one image type: run its filter on the whole loaded image and crop each
/// derived image to the ROI as soon as it exists, so whole-volume filter outputs (eight
/// float64 wavelet bands of a CT) are never all held at once.
fn derived_images<'s>(
    kind: ImageTypeKind,
    ts: &'s GeneralSettings,
    image: &Image,
    texture_mask: &LabelMap,
    roi: &RoiBox,
) -> Result<Vec<TypedImage<'s>>> {
    let mut typed: Vec<TypedImage> = Vec::new();
    if kind == ImageTypeKind::Original {
        typed.push(TypedImage {
            name: "original".into(),
            intensities: roi.crop(image),
            pixel_type: image.pixel_type,
            settings: ts,
        });
    } else {
        filters::for_each(kind, image, texture_mask, ts, |f| {
            typed.push(TypedImage {
                name: f.name,
                intensities: roi.crop(&f.image),
                pixel_type: f.image.pixel_type,
                settings: ts,
            });
            Ok(())
        })?;
    }
    Ok(typed)
}

/// Features of every class on every image of an image type, keys in pyradiomics' order
/// (image by image, class by class). The images run side by side, as do the classes of each.
fn class_features(
    typed: &[TypedImage],
    roi: &RoiBox,
    classes: &[(&'static dyn FeatureClass, &Option<Vec<String>>)],
) -> Result<Vec<(String, f64)>> {
    let per_image: Vec<Result<Vec<(String, f64)>>> =
        typed.par_iter().map(|t| texture_features(t, roi, classes)).collect();
    let mut out = Vec::new();
    for values in per_image {
        out.extend(values?);
    }
    Ok(out)
}

/// Where a class goes in the order its tasks are handed out: the classes that take longest on
/// a large ROI first (GLSZM's zone search, then GLRLM's 13 directions, GLCM, GLDM, NGTDM, first
/// order), as a profile of the 80 mm benchmark lesion ranks them, so the last task to finish
/// is a short one.
fn cost_rank(class: &dyn FeatureClass) -> usize {
    const ORDER: [&str; 6] = ["glszm", "glrlm", "glcm", "gldm", "ngtdm", "firstorder"];
    ORDER.iter().position(|&n| n == class.name()).unwrap_or(ORDER.len())
}

/// The bounding box (no padding) every derived image is cropped to, with the ROI mask over it:
/// the same for all of them, so built once.
struct RoiBox {
    lower: [usize; 3],
    size: [usize; 3],
    /// `(z, y, x)`, as the classes see it.
    shape: [usize; 3],
    spacing: [f64; 3],
    mask: Vec<bool>,
    /// The image is 2-D (held as one z slice).
    planar: bool,
}

impl RoiBox {
    fn new(mask: &LabelMap, label: u32, bb: &BoundingBox) -> Self {
        let (geometry, lower) = roi::crop_geometry(&mask.geometry, bb, 0);
        let size = geometry.size;
        RoiBox {
            lower,
            size,
            shape: [size[2], size[1], size[0]],
            spacing: [geometry.spacing[2], geometry.spacing[1], geometry.spacing[0]],
            mask: mask.labels.crop(lower, size).equals(label),
            planar: mask.geometry.dimension == 2,
        }
    }

    /// The texture classes' settings for this ROI. On a 2-D image, force2Ddimension counts
    /// the image's own axes (0 = y, 1 = x, and 2 excludes none), which are axes 1 and 2 here.
    fn class_settings(&self, g: &GeneralSettings) -> features::ClassSettings {
        let mut cs = g.class_settings();
        if self.planar && cs.force2d {
            cs.force2d_dimension = match cs.force2d_dimension {
                d @ (0 | 1) => d + 1,
                _ => 0,
            };
        }
        cs
    }

    /// An image's intensities over the box, as float64 in C order.
    fn crop(&self, image: &Image) -> Vec<f64> {
        image.voxels.crop_f64(self.lower, self.size)
    }
}

/// pyradiomics' `computeShape`: the `shape` class, then `shape2D` where pyradiomics 3.1
/// computes it, over the mask cropped to the bounding box.
fn shape_features(
    mask: &LabelMap,
    label: u32,
    bb: &BoundingBox,
    g: &GeneralSettings,
    classes: &IndexMap<String, Option<Vec<String>>>,
) -> Result<FeatureSet> {
    let mut out = FeatureSet::new();
    // A 2-D image has 2D shape only. On a 3-D one, pyradiomics checks the bounding box's size
    // along force2Ddimension read as an x, y, z index (0 = x), although force2Ddimension is a
    // numpy axis (0 = z) everywhere else: it tries 2D shape only when that size is above 1,
    // and the class then needs the numpy axis to be one voxel thick. So an axial slice wider
    // than a voxel gets 2D shape with dimension 0; with dimension 2 it is skipped; any ROI
    // thicker than one voxel fails.
    let planar = mask.geometry.dimension == 2;
    let shape2d = classes
        .get("shape2D")
        .filter(|_| planar || (g.force2d && bb.size().get(g.force2d_dimension).is_some_and(|&n| n > 1)));
    let shape = classes.get("shape").filter(|_| !planar);
    if shape.is_none() && shape2d.is_none() {
        return Ok(out);
    }
    let (geometry, lower) = roi::crop_geometry(&mask.geometry, bb, 0);
    let mask = mask.labels.crop(lower, geometry.size).equals(label);
    let zeros = vec![0.0; mask.len()];
    let levels = vec![0u32; mask.len()];
    let view = RoiView {
        shape: [geometry.size[2], geometry.size[1], geometry.size[0]],
        spacing: [geometry.spacing[2], geometry.spacing[1], geometry.spacing[0]],
        mask: &mask,
        intensities: &zeros,
        gray_levels: &levels,
        levels: None,
    };
    let mut cs = g.class_settings();
    if planar {
        // The 2-D image is held as one slice along z.
        cs.force2d_dimension = 0;
    }
    let classes: [(&dyn FeatureClass, _); 2] = [(&features::Shape, shape), (&features::Shape2D, shape2d)];
    for (class, list) in classes {
        if let Some(list) = list {
            push_class(&mut out, "original", class, list, &class.compute(&view, &cs)?);
        }
    }
    Ok(out)
}

fn texture_features(
    t: &TypedImage,
    roi: &RoiBox,
    classes: &[(&'static dyn FeatureClass, &Option<Vec<String>>)],
) -> Result<Vec<(String, f64)>> {
    let binning = match t.settings.bin_count {
        Some(n) => Binning::Count(n),
        None if t.settings.bin_width_is_integer && t.settings.bin_width.fract() == 0.0 => {
            Binning::IntegerWidth(t.settings.bin_width as u64)
        }
        None => Binning::Width(t.settings.bin_width),
    };
    let d = discretize(&t.intensities, &roi.mask, binning, t.pixel_type).map_err(|e| match e {
        // Name the derived image, where its NaN come from, and why the ROI cannot be binned.
        Error::NonFinite { count, location } => {
            let origin = match t.name.as_str() {
                "lbp-3D-k" => " (the kurtosis is NaN where every sample around a voxel is equal)",
                "lbp-2D" => " (lbp2DMethod 'var' is NaN where every sample around a voxel is equal)",
                _ => "",
            };
            let why = location
                .as_deref()
                .and_then(|l| l.strip_prefix("the ROI "))
                .unwrap_or("");
            Error::NonFinite {
                count,
                location: Some(format!("the ROI of the {} image{origin} {why}", t.name)),
            }
        }
        e => e,
    })?;
    let mut view = RoiView {
        shape: roi.shape,
        spacing: roi.spacing,
        mask: &roi.mask,
        intensities: &t.intensities,
        gray_levels: &d.gray_levels,
        levels: None,
    };
    // Every texture class starts from the same gray-level index: build it once. A view it
    // refuses (no ROI voxel) is left to the classes, which report it as they always have.
    let texture = classes.iter().any(|(c, _)| c.name() != "firstorder");
    // Only bin edges that overflowed an integer type leave ROI voxels below the first edge
    // (gray level 0), where pyradiomics' texture classes fail ("Calculation of GLCM Failed").
    if texture && d.gray_levels.iter().zip(&roi.mask).any(|(&g, &m)| m && g == 0) {
        let (w, (lo, hi)) = (t.settings.bin_width, d.range);
        return Err(Error::setting(
            "binWidth",
            format!(
                "{w} written as an integer: pyradiomics computes the bin edges of this {} image in its \
                 own type, and for ROI intensities {lo}..{hi} they overflow it, so that ROI voxels fall \
                 below the first edge and its texture classes fail. Write binWidth as a float ({w}.0) \
                 or convert the image to a wider type",
                t.pixel_type.numpy_name()
            ),
        ));
    }
    let levels = texture.then(|| GrayLevels::new(&view).ok()).flatten();
    view.levels = levels.as_ref();
    let cs = roi.class_settings(t.settings);
    // The classes are handed to the threads one at a time, costliest first.
    let mut order: Vec<usize> = (0..classes.len()).collect();
    order.sort_by_key(|&c| cost_rank(classes[c].0));
    let mut per_class: Vec<(usize, Result<Vec<f64>>)> = order
        .into_par_iter()
        .map(|c| (c, classes[c].0.compute(&view, &cs)))
        .collect();
    per_class.sort_by_key(|&(c, _)| c);
    let mut out = FeatureSet::new();
    for (c, values) in per_class {
        let (class, list) = classes[c];
        push_class(&mut out, &t.name, class, list, &values?);
    }
    Ok(out.into_iter().collect())
}

/// Append a class's enabled features: the listed ones in list order, or every
/// non-deprecated feature in the class's order.
fn push_class(
    out: &mut FeatureSet,
    prefix: &str,
    class: &dyn FeatureClass,
    list: &Option<Vec<String>>,
    values: &[f64],
) {
    let defs = class.features();
    match list {
        Some(names) => {
            for n in names {
                if let Some(i) = defs.iter().position(|d| d.name == n && !d.omitted) {
                    let v = values.get(i).copied().unwrap_or(f64::NAN);
                    out.insert(format!("{prefix}_{}_{n}", class.name()), v);
                }
            }
        }
        None => {
            for i in pyradiomics_order(defs) {
                let d = &defs[i];
                if !d.deprecated {
                    let v = values.get(i).copied().unwrap_or(f64::NAN);
                    out.insert(format!("{prefix}_{}_{}", class.name(), d.name), v);
                }
            }
        }
    }
}

/// pyradiomics lists a class's features in the order of their method names
/// (`get<Name>FeatureValue`), so `MeanAbsoluteDeviation` comes before `Mean`.
fn pyradiomics_order(defs: &[features::FeatureDef]) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..defs.len()).collect();
    idx.sort_by_key(|&i| format!("get{}FeatureValue", defs[i].name));
    idx
}

/// Read image and mask files and extract. `segment` selects a segment of a Slicer
/// `.seg.nrrd` mask (its label value then overrides the settings' label).
pub fn extract_files(
    image_path: &Path,
    mask_path: &Path,
    segment: Option<&SegmentSelector>,
    settings: &ValidSettings,
) -> Result<FeatureSet> {
    if rayon::current_num_threads() > 1 {
        // The two files are independent: read them side by side.
        let (img, mask) = rayon::join(
            || image::read_image(image_path),
            || image::read_label_map(mask_path, segment),
        );
        let (img, (mask, seg_label)) = (img?, mask?);
        extract_read(&img, &mask, seg_label, settings)
    } else {
        extract_files_reusing(
            image_path,
            mask_path,
            segment,
            settings,
            &mut image::SparePages::default(),
        )
    }
}

/// [`extract_files`] reading one file after the other into `spare`'s pages, and leaving the
/// volumes' pages there for the next lesion (see [`image::SparePages`]): a batch's workers each
/// keep one, so that a cohort of CTs of one size maps its big buffers once per worker.
pub(crate) fn extract_files_reusing(
    image_path: &Path,
    mask_path: &Path,
    segment: Option<&SegmentSelector>,
    settings: &ValidSettings,
    spare: &mut image::SparePages,
) -> Result<FeatureSet> {
    // The mask's voxels can go where the image's compressed bytes were (pages already
    // mapped), as they cannot on two threads at once.
    let img = image::read_image_reusing(image_path, spare)?;
    let (mask, seg_label) = image::read_label_map_reusing(mask_path, segment, spare)?;
    let features = extract_read(&img, &mask, seg_label, settings);
    spare.keep_volumes(img, mask);
    features
}

/// Extract from the volumes read for [`extract_files`]; `seg_label` is the label of the
/// segment picked from a Slicer segmentation, which overrides the settings' label.
fn extract_read(img: &Image, mask: &LabelMap, seg_label: Option<u32>, settings: &ValidSettings) -> Result<FeatureSet> {
    let settings = settings.with_label(seg_label)?;
    extract(img, mask, &settings)
}
