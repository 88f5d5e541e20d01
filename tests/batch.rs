//! `radscore batch`: every case gives a row equal to a single extraction, failures go to the
//! errors file without stopping the run, and a second run skips the finished cases.

mod common;

use radscore::batch::{read_cohort, run_batch, split_csv_line};
use radscore::image::{PixelType, write_nrrd};
use radscore::phantom::{PhantomSpec, generate};
use radscore::settings::Settings;

#[test]
fn cohort_rows_errors_and_resume() {
    let dir = common::temp_dir("batch");
    for (i, lesion) in [(1u64, 12.0), (2, 16.0)] {
        let p = generate(&PhantomSpec {
            size: [64, 64, 12],
            spacing: [0.8, 0.8, 3.0],
            seed: i,
            lesion_diameter_mm: lesion,
            ..PhantomSpec::default()
        })
        .unwrap();
        let g = &p.image.geometry;
        write_nrrd(dir.join(format!("ct{i}.nrrd")), &p.image.voxels, p.image.pixel_type, g).unwrap();
        write_nrrd(
            dir.join(format!("mask{i}.nrrd")),
            &p.mask.labels.mapv(f64::from),
            PixelType::U8,
            g,
        )
        .unwrap();
    }
    let cohort = dir.join("cohort.csv");
    std::fs::write(
        &cohort,
        "ID,Image,Mask,Label,Ki67\n\
         p1,ct1.nrrd,mask1.nrrd,1,30\n\
         p2,ct2.nrrd,mask2.nrrd,,10\n\
         p3,missing.nrrd,mask2.nrrd,,5\n\
         p4,ct2.nrrd,mask2.nrrd,7,5\n",
    )
    .unwrap();
    let (header, cases) = read_cohort(&cohort).unwrap();
    assert_eq!(header, ["ID", "Image", "Mask", "Label", "Ki67"]);
    assert_eq!(cases.len(), 4);

    let out = dir.join("features.csv");
    let errors = dir.join("features.errors.csv");
    let settings = Settings::default().validate().unwrap();
    let s = run_batch(&cohort, &out, &errors, &settings, &|_, _, _| {}).unwrap();
    assert_eq!((s.total, s.succeeded, s.failed, s.skipped), (4, 2, 2, 0));
    let err = std::fs::read_to_string(&errors).unwrap();
    assert!(err.contains("missing.nrrd"), "{err}");
    assert!(err.contains("label 7 is not present"), "{err}");

    let text = std::fs::read_to_string(&out).unwrap();
    let rows: Vec<Vec<String>> = text.lines().map(split_csv_line).collect();
    assert_eq!(rows.len(), 3, "header + 2 rows");
    let single = radscore::extract_files(&dir.join("ct1.nrrd"), &dir.join("mask1.nrrd"), None, &settings).unwrap();
    let row = rows.iter().find(|r| r[0] == "p1").unwrap();
    assert_eq!(row[4], "30", "input columns are copied");
    for (k, v) in &single {
        let col = rows[0].iter().position(|h| h == k).unwrap();
        assert_eq!(row[col].parse::<f64>().unwrap().to_bits(), v.to_bits(), "{k}");
    }

    // A second run redoes nothing that succeeded.
    let s = run_batch(&cohort, &out, &errors, &settings, &|_, _, _| {}).unwrap();
    assert_eq!((s.skipped, s.succeeded), (2, 0));
    assert_eq!(std::fs::read_to_string(&out).unwrap(), text);
}
