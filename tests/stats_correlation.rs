//! Spearman ρ against scipy (`spearmanr`, midranks), caret's findCorrelation on its documented R1
//! example (shared/docs/STATISTICS.md §2: cutoff .6 → exact {1,5,4}, fast {4,5,1,3}; the matrix is
//! the one in caret's `?findCorrelation` example), and z-scoring against R's scale() definition.

#![allow(clippy::needless_range_loop)] // index loops over parallel reference arrays read clearer

mod stats_support;
use nalgebra::DMatrix;
use radscore::stats::correlation::{
    RedundancyMethod, find_correlation, midranks, redundancy_filter, spearman, spearman_matrix,
};
use radscore::stats::zscore::ZScore;
use stats_support::*;

fn r1() -> DMatrix<f64> {
    // caret ?findCorrelation: R1 <- structure(c(1, 0.86, 0.56, 0.32, 0.85, ...), .Dim = c(5L, 5L))
    DMatrix::from_column_slice(
        5,
        5,
        &[
            1.0, 0.86, 0.56, 0.32, 0.85, 0.86, 1.0, 0.01, 0.74, 0.32, 0.56, 0.01, 1.0, 0.65, 0.91, 0.32, 0.74, 0.65,
            1.0, 0.36, 0.85, 0.32, 0.91, 0.36, 1.0,
        ],
    )
}

#[test]
fn caret_r1_example() {
    // R (1-based): findCorrelation(R1, cutoff = .6, exact = TRUE) → 1 5 4; exact = FALSE → 4 5 1 3
    let exact = find_correlation(&r1(), 0.6, RedundancyMethod::Exact).unwrap();
    assert_eq!(exact, vec![0, 4, 3]);
    let fast = find_correlation(&r1(), 0.6, RedundancyMethod::Fast).unwrap();
    assert_eq!(fast, vec![3, 4, 0, 2]);
    // Below 100 columns caret's default is exact.
    assert_eq!(
        find_correlation(&r1(), 0.6, RedundancyMethod::CaretDefault).unwrap(),
        exact
    );
    // A pair exactly at the cutoff is kept (strict >).
    assert!(
        find_correlation(&r1(), 0.91, RedundancyMethod::Exact)
            .unwrap()
            .is_empty()
    );
}

#[test]
fn midranks_match_r_rank() {
    // R: rank(c(3, 1, 4, 1, 5, 9, 2, 6, 5)) = 4.0 1.5 5.0 1.5 6.5 9.0 3.0 8.0 6.5
    assert_eq!(
        midranks(&[3.0, 1.0, 4.0, 1.0, 5.0, 9.0, 2.0, 6.0, 5.0]),
        vec![4.0, 1.5, 5.0, 1.5, 6.5, 9.0, 3.0, 8.0, 6.5]
    );
}

#[test]
fn spearman_matches_scipy_on_generated_data_with_ties() {
    let Some(python) = oracle_python(&["scipy"]) else {
        return;
    };
    let mut max_rel = 0.0f64;
    for (seed, n, p) in [(1u64, 30usize, 4usize), (2, 100, 7), (3, 12, 3)] {
        let mut rng = Rng(seed);
        let mut x = DMatrix::zeros(n, p);
        for i in 0..n {
            let base = rng.normal();
            for j in 0..p {
                let v = base * (j as f64 - 1.5) + rng.normal();
                // Every other column rounded to create ties; one with negatives and large scale.
                x[(i, j)] = if j % 2 == 1 { (v * 2.0).round() } else { v * 1e3 - 5e2 };
            }
        }
        let rows: Vec<Vec<f64>> = (0..n).map(|i| (0..p).map(|j| x[(i, j)]).collect()).collect();
        let out = run_oracle_json(&python, "stats_spearman.py", &serde_json::json!({ "x": rows }));
        let expected: Vec<Vec<f64>> = serde_json::from_value(out["rho"].clone()).unwrap();
        let ours = spearman_matrix(&x, None).unwrap();
        for a in 0..p {
            for b in 0..p {
                max_rel = max_rel.max(assert_rel("rho", ours[(a, b)], expected[a][b], 1e-12));
            }
        }
        let col = |j: usize| x.column(j).iter().copied().collect::<Vec<f64>>();
        assert_rel("pair", spearman(&col(0), &col(1)).unwrap(), expected[0][1], 1e-12);
    }
    println!("max rel diff vs scipy: {max_rel:.2e}");
}

#[test]
fn redundancy_filter_and_constant_feature() {
    let n = 40;
    let mut rng = Rng(5);
    let base: Vec<f64> = (0..n).map(|_| rng.normal()).collect();
    let x = DMatrix::from_fn(n, 3, |i, j| match j {
        0 => base[i],
        1 => base[i].powi(3) + 1e-3 * i as f64, // monotone in base: ρ ≈ 1
        _ => (i as f64 * 1.7).sin(),
    });
    let names: Vec<String> = ["a", "a_cubed", "other"].iter().map(|s| s.to_string()).collect();
    let r = redundancy_filter(&x, &names, 0.9, RedundancyMethod::Exact).unwrap();
    assert_eq!(r.removed.len(), 1);
    assert!(r.kept.contains(&"other".to_string()));
    let mut constant = x.clone();
    constant.column_mut(2).fill(1.0);
    let e = redundancy_filter(&constant, &names, 0.9, RedundancyMethod::Exact).unwrap_err();
    assert!(e.to_string().contains("'other' is constant"), "{e}");
}

#[test]
fn zscore_keeps_training_parameters() {
    // R: scale(c(2, 4, 4, 4, 5, 5, 7, 9)): mean 5, sd 2.138090 (n−1).
    let train = DMatrix::from_column_slice(8, 1, &[2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0]);
    let z = ZScore::fit(&train, &["f".to_string()]).unwrap();
    assert_eq!(z.means[0], 5.0);
    assert_rel("sd", z.sds[0], (32.0f64 / 7.0).sqrt(), 1e-15);
    let new = DMatrix::from_column_slice(2, 1, &[5.0, 9.0]);
    let t = z.transform(&new).unwrap();
    assert_eq!(t[(0, 0)], 0.0);
    assert_rel("z", t[(1, 0)], 4.0 / (32.0f64 / 7.0).sqrt(), 1e-15);
    let e = ZScore::fit(&DMatrix::from_element(3, 1, 2.0), &["flat".to_string()]).unwrap_err();
    assert!(e.to_string().contains("'flat'"), "{e}");
    let mut missing = new.clone();
    missing[(1, 0)] = f64::NAN;
    let e = z.transform(&missing).unwrap_err();
    assert!(e.to_string().contains("row 2, column 'f' is missing"), "{e}");
}
