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

/// The example files as users run them: each on pyradiomics' own cases (CT settings on the
/// lung CTs, MR settings on the MRs), against pyradiomics' extractor on the same files, keys
/// and values. MR_2D_extraction asks for shape2D with force2D on multi-slice ROIs: both fail.
/// (exampleVoxel is voxel-based, which radscore does not compute.)
#[test]
fn pyradiomics_example_files_match_pyradiomics() {
    let Some(shared) = common::shared_dir() else { return };
    let Some(python) = common::oracle_python() else { return };
    let data = shared.join("data/pyradiomics");
    let runs = [
        ("Params.yaml", &["brain1", "breast1", "lung2"][..]),
        ("exampleCT.yaml", &["lung1", "lung2"][..]),
        ("exampleMR_3mm.yaml", &["brain1", "breast1"][..]),
        ("exampleMR_5mm.yaml", &["brain2"][..]),
        ("exampleMR_NoResampling.yaml", &["breast1"][..]),
        (
            "example_allShape.yaml",
            &["brain1", "brain2", "breast1", "lung1", "lung2"][..],
        ),
        ("MR_2D_extraction.yaml", &["brain2"][..]),
    ];
    let mut comparison = common::Comparison::default();
    let mut both_failed = 0;
    for (file, cases) in runs {
        let params = data.join("settings").join(file);
        let settings = Settings::from_file(&params).unwrap().validate().unwrap();
        for case in cases {
            let image = data.join(format!("{case}_image.nrrd"));
            let mask = data.join(format!("{case}_label.nrrd"));
            let ours = radscore::extract_files(&image, &mask, None, &settings);
            let oracle = std::process::Command::new(&python)
                .arg(common::oracle_script("extract.py"))
                .args([&image, &mask, &params])
                .output()
                .unwrap();
            match (ours, oracle.status.success()) {
                (Ok(ours), true) => {
                    let theirs: serde_json::Value = serde_json::from_slice(&oracle.stdout).unwrap();
                    let theirs = theirs.as_object().unwrap();
                    let keys: Vec<&String> = theirs.keys().collect();
                    let our_keys: Vec<&String> = ours.keys().collect();
                    assert_eq!(our_keys, keys, "{file} on {case}: feature keys or their order");
                    comparison.check_features(&format!("{file} {case}"), &ours, theirs);
                }
                (Err(e), false) => {
                    let theirs = String::from_utf8_lossy(&oracle.stderr);
                    assert!(
                        file == "MR_2D_extraction.yaml"
                            && e.to_string().contains("shape2D")
                            && theirs.contains("cannot compute 2D shape"),
                        "{file} on {case}: both fail, but differently: {e} / {theirs}"
                    );
                    both_failed += 1;
                }
                (Ok(_), false) => panic!(
                    "{file} on {case}: pyradiomics fails ({}), radscore does not",
                    String::from_utf8_lossy(&oracle.stderr)
                ),
                (Err(e), true) => panic!("{file} on {case}: radscore fails ({e}), pyradiomics does not"),
            }
        }
    }
    assert_eq!(both_failed, 1);
    comparison.finish("pyradiomics' example parameter files");
}
