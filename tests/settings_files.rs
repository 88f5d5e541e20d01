//! Every example parameter file shipped with pyradiomics (`../shared/data/pyradiomics/settings/`)
//! loads, with the values written in it.

mod common;

use radscore::settings::{ImageTypeKind, Settings};

#[test]
fn pyradiomics_example_files_load() {
    let Some(shared) = common::shared_dir() else { return };
    let dir = shared.join("data/pyradiomics/settings");
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let s = Settings::from_file(&path)
            .and_then(|s| s.validate())
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        n += 1;
        if path.file_name().unwrap() == "exampleCT.yaml" {
            assert_eq!(s.general().resampled_pixel_spacing, Some([1.0, 1.0, 1.0]));
            assert_eq!(s.general().voxel_array_shift, 1000.0);
            assert_eq!(s.general().pad_distance, 10);
            let kinds: Vec<ImageTypeKind> = s.image_types.iter().map(|t| t.kind).collect();
            assert_eq!(
                kinds,
                [ImageTypeKind::Original, ImageTypeKind::LoG, ImageTypeKind::Wavelet]
            );
            let (_, log) = s.image_types().find(|(t, _)| t.kind == ImageTypeKind::LoG).unwrap();
            assert_eq!(log.sigma, [1.0, 2.0, 3.0, 4.0, 5.0]);
            assert_eq!(log.bin_width, 25.0);
            assert_eq!(s.feature_classes["glcm"].as_ref().unwrap().len(), 22);
        }
    }
    assert_eq!(n, 8, "expected the 8 example parameter files");
}
