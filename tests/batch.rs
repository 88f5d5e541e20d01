//! `radscore batch`: every case gives a row equal to a single extraction, failures go to the
//! errors file (once each, with their cause) without stopping the run, a second run skips the
//! finished cases, and a run killed at any point (even mid-write) resumes without losing or
//! doubling a row.

mod common;

use radscore::batch::{read_cohort, run_batch, split_csv_line};
use radscore::image::{PixelType, write_nrrd};
use radscore::phantom::{PhantomSpec, generate};
use radscore::settings::{Settings, ValidSettings};
use std::collections::BTreeMap;
use std::path::Path;

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
        write_nrrd(
            dir.join(format!("ct{i}.nrrd")),
            &p.image.values(),
            p.image.pixel_type,
            g,
        )
        .unwrap();
        write_nrrd(
            dir.join(format!("mask{i}.nrrd")),
            &p.mask.values().mapv(f64::from),
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

// ---------------------------------------------------------------------------------------
// Broken cases, torn writes and a killed run.

/// Write a phantom's CT and mask as `ct{name}.nrrd` / `mask{name}.nrrd`; returns its geometry.
fn write_phantom(
    dir: &Path,
    name: &str,
    seed: u64,
    size: [usize; 3],
    spacing: [f64; 3],
    lesion_mm: f64,
) -> radscore::image::Geometry {
    let p = generate(&PhantomSpec {
        size,
        spacing,
        seed,
        lesion_diameter_mm: lesion_mm,
        ..PhantomSpec::default()
    })
    .unwrap();
    let g = p.image.geometry.clone();
    write_nrrd(
        dir.join(format!("ct{name}.nrrd")),
        &p.image.values(),
        p.image.pixel_type,
        &g,
    )
    .unwrap();
    write_nrrd(
        dir.join(format!("mask{name}.nrrd")),
        &p.mask.values().mapv(f64::from),
        PixelType::U8,
        &g,
    )
    .unwrap();
    g
}

/// A single extraction of one case, with the case's label.
fn single(dir: &Path, image: &str, mask: &str, label: u32, settings: &Settings) -> radscore::FeatureSet {
    let mut s = settings.clone();
    s.general.label = label;
    radscore::extract_files(&dir.join(image), &dir.join(mask), None, &s.validate().unwrap()).unwrap()
}

/// Every feature of `row` (under `header`) equals `expected` bit for bit, and the row has
/// exactly the header's columns.
fn assert_row_is(header: &[String], row: &[String], expected: &radscore::FeatureSet, what: &str) {
    assert_eq!(
        row.len(),
        header.len(),
        "{what}: row has {} fields, header {}",
        row.len(),
        header.len()
    );
    for (k, v) in expected {
        let col = header
            .iter()
            .position(|h| h == k)
            .unwrap_or_else(|| panic!("{what}: no column {k}"));
        let got: f64 = row[col]
            .parse()
            .unwrap_or_else(|e| panic!("{what}: {k} = '{}' is not a number: {e}", row[col]));
        assert!(
            got.to_bits() == v.to_bits() || got.is_nan() && v.is_nan(),
            "{what}: {k} is {got:?}, a single extraction gives {v:?}"
        );
    }
}

/// The errors file as rows (header first), checking that every line is complete.
fn read_errors(path: &Path) -> Vec<Vec<String>> {
    let text = std::fs::read_to_string(path).unwrap();
    assert!(
        text.is_empty() || text.ends_with('\n'),
        "errors file ends in a partial line:\n{text}"
    );
    let rows: Vec<Vec<String>> = text.lines().map(split_csv_line).collect();
    assert_eq!(rows[0], ["row", "Image", "Mask", "Label", "error"], "{text}");
    for r in &rows {
        assert_eq!(r.len(), 5, "errors line {r:?}");
    }
    rows
}

#[test]
fn broken_cases_are_listed_and_every_good_case_is_written() {
    let dir = common::temp_dir("batch-broken");
    let size = [64, 64, 12];
    let spacing = [0.8, 0.8, 3.0];
    let g1 = write_phantom(&dir, "1", 1, size, spacing, 12.0);
    write_phantom(&dir, "2", 2, size, spacing, 16.0);
    write_phantom(&dir, "3", 3, size, spacing, 14.0);
    // A mask of another size.
    write_phantom(&dir, "small", 4, [48, 48, 12], spacing, 12.0);
    let mask1 = radscore::image::read_label_map(dir.join("mask1.nrrd"), None).unwrap().0;
    let labels = mask1.values().mapv(f64::from);
    // Empty mask: all zeros, same geometry.
    write_nrrd(dir.join("mask_empty.nrrd"), &labels.mapv(|_| 0.0), PixelType::U8, &g1).unwrap();
    // Same voxels, different spacing (0.8 → 0.9 mm in x) or origin (2 mm in y): far beyond tolerance.
    let mut g = g1.clone();
    g.spacing[0] = 0.9;
    write_nrrd(dir.join("mask_spacing.nrrd"), &labels, PixelType::U8, &g).unwrap();
    let mut g = g1.clone();
    g.origin[1] += 2.0;
    write_nrrd(dir.join("mask_origin.nrrd"), &labels, PixelType::U8, &g).unwrap();
    // Corrupt images: a gzip NRRD cut in its data, one cut in its header, a raw NRRD whose data
    // is short, and a file that is no NRRD at all.
    let ct1 = std::fs::read(dir.join("ct1.nrrd")).unwrap();
    std::fs::write(dir.join("ct_cut_data.nrrd"), &ct1[..ct1.len() * 2 / 3]).unwrap();
    std::fs::write(dir.join("ct_cut_header.nrrd"), &ct1[..30]).unwrap();
    let mut raw = format!(
        "NRRD0004\ntype: short\ndimension: 3\nsizes: {} {} {}\nspacings: {} {} {}\nendian: little\nencoding: raw\n\n",
        size[0], size[1], size[2], spacing[0], spacing[1], spacing[2]
    )
    .into_bytes();
    raw.extend(std::iter::repeat_n(0u8, 1000));
    std::fs::write(dir.join("ct_short_raw.nrrd"), raw).unwrap();
    std::fs::write(dir.join("ct_garbage.nrrd"), "this is not an image\n").unwrap();

    let cohort = dir.join("cohort.csv");
    std::fs::write(
        &cohort,
        "ID,Image,Mask,Label\n\
         g1,ct1.nrrd,mask1.nrrd,1\n\
         missing_image,nope.nrrd,mask1.nrrd,1\n\
         g1b,ct1.nrrd,mask1.nrrd,2\n\
         missing_mask,ct1.nrrd,nope_mask.nrrd,1\n\
         empty,ct1.nrrd,mask_empty.nrrd,1\n\
         size,ct1.nrrd,masksmall.nrrd,1\n\
         g2,ct2.nrrd,mask2.nrrd,\n\
         spacing,ct1.nrrd,mask_spacing.nrrd,1\n\
         origin,ct1.nrrd,mask_origin.nrrd,1\n\
         cut_data,ct_cut_data.nrrd,mask1.nrrd,1\n\
         cut_header,ct_cut_header.nrrd,mask1.nrrd,1\n\
         short_raw,ct_short_raw.nrrd,mask1.nrrd,1\n\
         garbage,ct_garbage.nrrd,mask1.nrrd,1\n\
         absent_label,ct2.nrrd,mask2.nrrd,7\n\
         g3,ct3.nrrd,mask3.nrrd,1\n",
    )
    .unwrap();
    // Each broken case (by cohort row) and words its cause must contain.
    let broken: BTreeMap<usize, (&str, Vec<&str>)> = BTreeMap::from([
        (2, ("missing image", vec!["cannot read", "nope.nrrd"])),
        (4, ("missing mask", vec!["cannot read", "nope_mask.nrrd"])),
        (5, ("empty mask", vec!["label 1 is not present", "the mask is empty"])),
        (6, ("mask of another size", vec!["geometry mismatch", "size"])),
        (8, ("mask spacing", vec!["geometry mismatch", "spacing"])),
        (9, ("mask origin", vec!["geometry mismatch", "origin"])),
        (10, ("gzip data cut", vec!["ct_cut_data.nrrd", "gzip"])),
        (11, ("header cut", vec!["ct_cut_header.nrrd", "header"])),
        (12, ("raw data short", vec!["ct_short_raw.nrrd", "truncated"])),
        (13, ("not a NRRD", vec!["ct_garbage.nrrd", "not a NRRD"])),
        (14, ("absent label", vec!["label 7 is not present"])),
    ]);
    let good = [
        ("g1", "ct1.nrrd", "mask1.nrrd", 1),
        ("g1b", "ct1.nrrd", "mask1.nrrd", 2),
        ("g2", "ct2.nrrd", "mask2.nrrd", 1),
        ("g3", "ct3.nrrd", "mask3.nrrd", 1),
    ];

    let out = dir.join("features.csv");
    let errors = dir.join("features.errors.csv");
    let settings = Settings::default();
    let valid = settings.clone().validate().unwrap();
    let s = run_batch(&cohort, &out, &errors, &valid, &|_, _, _| {}).unwrap();
    assert_eq!(
        (s.total, s.succeeded, s.failed, s.skipped),
        (15, good.len(), broken.len(), 0)
    );

    let check_errors = || {
        let rows = read_errors(&errors);
        let listed: Vec<usize> = rows[1..].iter().map(|r| r[0].parse().unwrap()).collect();
        let mut sorted = listed.clone();
        sorted.sort();
        assert_eq!(
            sorted,
            broken.keys().copied().collect::<Vec<_>>(),
            "each failure once: {rows:?}"
        );
        for r in &rows[1..] {
            let (what, words) = &broken[&r[0].parse::<usize>().unwrap()];
            for w in words {
                assert!(r[4].contains(w), "{what}: cause '{}' should mention '{w}'", r[4]);
            }
        }
    };
    check_errors();

    let check_output = || {
        let text = std::fs::read_to_string(&out).unwrap();
        assert!(text.ends_with('\n'));
        let rows: Vec<Vec<String>> = text.lines().map(split_csv_line).collect();
        assert_eq!(rows.len(), 1 + good.len(), "header + one row per good case:\n{text}");
        for (id, image, mask, label) in good {
            let found: Vec<&Vec<String>> = rows[1..].iter().filter(|r| r[0] == id).collect();
            assert_eq!(found.len(), 1, "{id} appears once");
            assert_row_is(&rows[0], found[0], &single(&dir, image, mask, label, &settings), id);
        }
        text
    };
    let text = check_output();

    // Rerun: the good cases are skipped, the broken ones are tried again and each is still
    // listed once, with its cause.
    let s = run_batch(&cohort, &out, &errors, &valid, &|_, _, _| {}).unwrap();
    assert_eq!((s.skipped, s.succeeded, s.failed), (good.len(), 0, broken.len()));
    assert_eq!(std::fs::read_to_string(&out).unwrap(), text);
    check_errors();
}

/// One worker reads each lesion into the pages of the one before (see `SparePages`): a CT
/// after a larger one, a smaller one, one of another voxel type, and a failed read must each
/// still give exactly the row of a single extraction.
#[test]
fn one_worker_reusing_pages_across_sizes_and_types_matches_single_extractions() {
    let dir = common::temp_dir("batch-reuse");
    let spacing = [0.8, 0.8, 3.0];
    write_phantom(&dir, "big", 11, [72, 72, 14], spacing, 16.0);
    write_phantom(&dir, "small", 12, [48, 48, 10], spacing, 12.0);
    write_phantom(&dir, "mid", 13, [64, 64, 12], spacing, 14.0);
    // The mid CT again as float32, and its mask as uint16.
    let mid = radscore::image::read_image(dir.join("ctmid.nrrd")).unwrap();
    write_nrrd(dir.join("ctmid_f32.nrrd"), &mid.values(), PixelType::F32, &mid.geometry).unwrap();
    let mask = radscore::image::read_label_map(dir.join("maskmid.nrrd"), None)
        .unwrap()
        .0;
    let mask16 = mask.values().mapv(f64::from);
    write_nrrd(dir.join("maskmid_u16.nrrd"), &mask16, PixelType::U16, &mid.geometry).unwrap();
    // A gzip CT cut short, read into the pages of the CT before it.
    let big = std::fs::read(dir.join("ctbig.nrrd")).unwrap();
    std::fs::write(dir.join("ctbig_cut.nrrd"), &big[..big.len() * 3 / 4]).unwrap();

    let cases = [
        ("big", "ctbig.nrrd", "maskbig.nrrd"),
        ("small", "ctsmall.nrrd", "masksmall.nrrd"),
        ("cut", "ctbig_cut.nrrd", "maskbig.nrrd"),
        ("big2", "ctbig.nrrd", "maskbig.nrrd"),
        ("f32", "ctmid_f32.nrrd", "maskmid_u16.nrrd"),
        ("mid", "ctmid.nrrd", "maskmid.nrrd"),
        ("small2", "ctsmall.nrrd", "masksmall.nrrd"),
    ];
    let mut csv = String::from("ID,Image,Mask\n");
    for (id, image, mask) in cases {
        csv += &format!("{id},{image},{mask}\n");
    }
    let cohort = dir.join("cohort.csv");
    std::fs::write(&cohort, csv).unwrap();
    let out = dir.join("features.csv");
    let errors = dir.join("features.errors.csv");
    let settings = Settings::default();
    let valid = settings.clone().validate().unwrap();
    let pool = rayon::ThreadPoolBuilder::new().num_threads(1).build().unwrap();
    let s = pool
        .install(|| run_batch(&cohort, &out, &errors, &valid, &|_, _, _| {}))
        .unwrap();
    assert_eq!((s.succeeded, s.failed), (cases.len() - 1, 1));
    let errs = read_errors(&errors);
    assert!(errs[1][4].contains("gzip"), "{errs:?}");

    let text = std::fs::read_to_string(&out).unwrap();
    let rows: Vec<Vec<String>> = text.lines().map(split_csv_line).collect();
    assert_eq!(rows.len(), cases.len(), "header + one row per good case:\n{text}");
    for (id, image, mask) in cases.iter().filter(|c| c.0 != "cut") {
        let row = rows[1..].iter().find(|r| &r[0] == id).unwrap();
        assert_row_is(&rows[0], row, &single(&dir, image, mask, 1, &settings), id);
    }
}

/// A run killed while writing leaves the output (or the errors file) ending in a partial line;
/// resuming drops it, redoes that case, and leaves every other row alone.
#[test]
fn resume_drops_a_torn_last_line() {
    let dir = common::temp_dir("batch-torn");
    for (i, seed) in [1u64, 2, 3].into_iter().enumerate() {
        write_phantom(
            &dir,
            &(i + 1).to_string(),
            seed,
            [64, 64, 12],
            [0.8, 0.8, 3.0],
            12.0 + 2.0 * i as f64,
        );
    }
    // A patient with two lesions (same files, labels 1 and 2): two cases with one Patient id.
    let cohort = dir.join("cohort.csv");
    std::fs::write(
        &cohort,
        "Patient,Image,Mask,Label\n\
         P1,ct1.nrrd,mask1.nrrd,1\n\
         P1,ct1.nrrd,mask1.nrrd,2\n\
         P2,ct2.nrrd,mask2.nrrd,1\n\
         P3,ct3.nrrd,mask3.nrrd,1\n\
         P4,ct3.nrrd,gone.nrrd,1\n",
    )
    .unwrap();
    let cases = [
        ("P1", "ct1.nrrd", "mask1.nrrd", 1u32),
        ("P1", "ct1.nrrd", "mask1.nrrd", 2),
        ("P2", "ct2.nrrd", "mask2.nrrd", 1),
        ("P3", "ct3.nrrd", "mask3.nrrd", 1),
    ];
    let settings = Settings::default();
    let valid: ValidSettings = settings.clone().validate().unwrap();
    let out = dir.join("features.csv");
    let errors = dir.join("features.errors.csv");
    let s = run_batch(&cohort, &out, &errors, &valid, &|_, _, _| {}).unwrap();
    assert_eq!((s.succeeded, s.failed), (4, 1));
    let full = std::fs::read_to_string(&out).unwrap();
    let full_errors = std::fs::read_to_string(&errors).unwrap();
    let lines: Vec<&str> = full.split_inclusive('\n').collect();
    assert_eq!(lines.len(), 5);

    let check = |what: &str| {
        let text = std::fs::read_to_string(&out).unwrap();
        assert!(text.ends_with('\n'), "{what}: output ends in a partial line");
        let rows: Vec<Vec<String>> = text.lines().map(split_csv_line).collect();
        assert_eq!(rows.len(), 5, "{what}: header + 4 rows:\n{text}");
        assert_eq!(
            rows.iter().filter(|r| r[0] == "Patient").count(),
            1,
            "{what}: one header"
        );
        for (id, image, mask, label) in cases {
            let found: Vec<&Vec<String>> = rows[1..]
                .iter()
                .filter(|r| r[0] == id && r[3] == label.to_string())
                .collect();
            assert_eq!(found.len(), 1, "{what}: {id} label {label} appears once:\n{text}");
            assert_row_is(&rows[0], found[0], &single(&dir, image, mask, label, &settings), what);
        }
        let e = read_errors(&errors);
        assert_eq!(e.len(), 2, "{what}: the failure is listed once: {e:?}");
        assert!(e[1][4].contains("gone.nrrd"), "{what}: {e:?}");
    };
    check("first run");

    // Torn in the middle of a row (killed mid-write): header + 2 rows + half of the third.
    let torn_row = |n: usize| {
        let mut t: String = lines[..n].concat();
        t.push_str(&lines[n][..lines[n].len() / 2]);
        t
    };
    for n in [1, 2, 4] {
        std::fs::write(&out, torn_row(n)).unwrap();
        let s = run_batch(&cohort, &out, &errors, &valid, &|_, _, _| {}).unwrap();
        assert_eq!((s.skipped, s.succeeded), (n - 1, 4 - (n - 1)), "torn after {n} lines");
        check(&format!("torn after {n} lines"));
    }
    // Torn inside the header, and a row cut just before its newline.
    std::fs::write(&out, &lines[0][..lines[0].len() / 3]).unwrap();
    run_batch(&cohort, &out, &errors, &valid, &|_, _, _| {}).unwrap();
    check("torn header");
    std::fs::write(&out, lines[..2].concat() + lines[2].trim_end_matches('\n')).unwrap();
    let s = run_batch(&cohort, &out, &errors, &valid, &|_, _, _| {}).unwrap();
    assert_eq!((s.skipped, s.succeeded), (1, 3));
    check("row without its newline");
    // A torn errors file: its partial line goes, the failure is listed once.
    std::fs::write(&out, &full).unwrap();
    std::fs::write(&errors, &full_errors[..full_errors.len() - 5]).unwrap();
    let s = run_batch(&cohort, &out, &errors, &valid, &|_, _, _| {}).unwrap();
    assert_eq!((s.skipped, s.succeeded, s.failed), (4, 0, 1));
    check("torn errors file");
    assert_eq!(std::fs::read_to_string(&out).unwrap(), full);
}

/// `radscore batch` killed (SIGKILL) in the middle of a cohort, then run again: nothing is
/// lost, nothing is doubled, no partial line remains.
#[test]
fn killed_cli_run_resumes_without_loss_or_duplicates() {
    let dir = common::temp_dir("batch-kill");
    let n_patients = 5u64;
    let mut cohort_text = String::from("Patient,Image,Mask,Label,Ki67\n");
    let mut cases = Vec::new();
    for p in 1..=n_patients {
        write_phantom(
            &dir,
            &p.to_string(),
            10 + p,
            [80, 80, 16],
            [0.8, 0.8, 2.5],
            14.0 + p as f64,
        );
        // Two lesions per patient, in one mask: two cases with one Patient id.
        for label in [1u32, 2] {
            cohort_text += &format!("P{p},ct{p}.nrrd,mask{p}.nrrd,{label},{}\n", 10 * p + u64::from(label));
            cases.push((format!("P{p}"), format!("ct{p}.nrrd"), format!("mask{p}.nrrd"), label));
        }
        if p == 2 {
            cohort_text += "P9,ct2.nrrd,no_such_mask.nrrd,1,0\n";
        }
    }
    let cohort = dir.join("cohort.csv");
    std::fs::write(&cohort, &cohort_text).unwrap();
    let out = dir.join("features.csv");
    let errors = dir.join("features.errors.csv");
    let run = || {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_radscore"));
        cmd.arg("batch")
            .arg(&cohort)
            .arg("--out")
            .arg(&out)
            .args(["--preset", "surufatinib", "--threads", "1"]);
        cmd
    };
    let complete_rows = |path: &Path| -> usize {
        std::fs::read(path)
            .map(|b| b.iter().filter(|&&c| c == b'\n').count().saturating_sub(1))
            .unwrap_or(0)
    };

    let start = std::time::Instant::now();
    // Up to three runs, each killed (SIGKILL) as soon as it has completed a row of its own
    // (polling; a run takes about a second). A run that finishes first ends the killing.
    let mut kills = Vec::new();
    for _ in 0..3 {
        let rows_before = complete_rows(&out);
        let mut child = run()
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let killed = loop {
            if let Some(status) = child.try_wait().unwrap() {
                assert!(status.success(), "run failed: {status}");
                break false;
            }
            if complete_rows(&out) > rows_before {
                child.kill().unwrap();
                child.wait().unwrap();
                break true;
            }
            assert!(start.elapsed().as_secs() < 300, "no row written after 5 minutes");
            std::thread::sleep(std::time::Duration::from_millis(2));
        };
        if !killed {
            break;
        }
        kills.push(format!(
            "after {} rows{}",
            complete_rows(&out),
            if std::fs::read(&out).unwrap().ends_with(b"\n") {
                ""
            } else {
                " + a partial line"
            }
        ));
    }
    eprintln!(
        "{} kill(s) ({:.2} s): {}",
        kills.len(),
        start.elapsed().as_secs_f64(),
        kills.join(", ")
    );
    if kills.is_empty() {
        eprintln!("the first run finished before it could be killed; checking the restart only");
    }

    let check = |what: &str| {
        let text = std::fs::read_to_string(&out).unwrap();
        assert!(text.ends_with('\n'), "{what}: output ends in a partial line");
        let rows: Vec<Vec<String>> = text.lines().map(split_csv_line).collect();
        assert_eq!(
            rows.iter().filter(|r| r[0] == "Patient").count(),
            1,
            "{what}: one header"
        );
        assert_eq!(rows[0][..5], ["Patient", "Image", "Mask", "Label", "Ki67"]);
        assert_eq!(rows.len(), 1 + cases.len(), "{what}: header + one row per case");
        rows
    };
    let restart = run().output().unwrap();
    assert!(
        restart.status.success(),
        "restart failed: {}",
        String::from_utf8_lossy(&restart.stderr)
    );
    let rows = check("after the restart");
    let settings = Settings::preset("surufatinib").unwrap();
    for (id, image, mask, label) in &cases {
        let found: Vec<&Vec<String>> = rows[1..]
            .iter()
            .filter(|r| r[0] == *id && r[3] == label.to_string())
            .collect();
        assert_eq!(found.len(), 1, "{id} label {label} appears exactly once");
        assert_eq!(found[0][4], (id[1..].parse::<u32>().unwrap() * 10 + label).to_string());
        assert_row_is(
            &rows[0],
            found[0],
            &single(&dir, image, mask, *label, &settings),
            &format!("{id} label {label}"),
        );
    }
    let e = read_errors(&errors);
    assert_eq!(e.len(), 2, "the broken case is listed once: {e:?}");
    assert!(
        e[1][2].ends_with("no_such_mask.nrrd") && e[1][4].contains("cannot read"),
        "{e:?}"
    );

    // A third run has nothing left to do and changes nothing.
    let before = std::fs::read_to_string(&out).unwrap();
    let again = run().output().unwrap();
    assert!(again.status.success());
    let summary = String::from_utf8_lossy(&again.stderr);
    assert!(summary.contains(&format!("{} already done", cases.len())), "{summary}");
    assert_eq!(std::fs::read_to_string(&out).unwrap(), before);
    assert_eq!(read_errors(&errors).len(), 2);
    eprintln!("kill/restart test: {:.2} s", start.elapsed().as_secs_f64());
}
