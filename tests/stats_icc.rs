//! ICC against irr/psych printed values (shared/data/stats/REFERENCE_VALUES.md, rows
//! "irr_anxiety.csv" and "shrout_fleiss_1979.csv") and against a statsmodels-ANOVA + scipy oracle
//! on generated tables; the ICC filter on a constant and a noisy feature.

#![allow(clippy::needless_range_loop)] // index loops over parallel reference arrays read clearer

mod stats_support;
use nalgebra::DMatrix;
use radscore::stats::icc::{IccDrop, IccModel, IccSettings, IccUnit, icc, icc_filter};
use stats_support::*;

fn table(file: &str, columns: &[&str]) -> Option<DMatrix<f64>> {
    let csv = Csv::read(&stats_data()?.join(file));
    let cols: Vec<Vec<f64>> = columns.iter().map(|c| csv.numbers(c)).collect();
    Some(DMatrix::from_fn(cols[0].len(), cols.len(), |i, j| cols[j][i]))
}

fn settings(model: IccModel, unit: IccUnit) -> IccSettings {
    IccSettings {
        model,
        unit,
        ..Default::default()
    }
}

#[test]
fn anxiety_icc_a1_matches_irr() {
    let Some(x) = table("irr_anxiety.csv", &["rater1", "rater2", "rater3"]) else {
        return;
    };
    let r = icc(&x, &IccSettings::default()).unwrap();
    // irr: icc(anxiety, model="twoway", type="agreement") prints
    // ICC(A,1) = 0.198, F(19,39.7) = 1.83, p = 0.0543, 95% CI -0.039 < ICC < 0.494
    assert_printed("ICC(A,1)", r.value, 0.198, 3);
    assert_printed("F", r.f_value, 1.83, 2);
    assert_eq!(r.df1, 19.0);
    assert_printed("df2", r.df2, 39.7, 1);
    assert_printed("p", r.p_value, 0.0543, 4);
    assert_printed("lower", r.lower, -0.039, 3);
    assert_printed("upper", r.upper, 0.494, 3);
}

#[test]
fn shrout_fleiss_table_matches_psych() {
    let Some(x) = table("shrout_fleiss_1979.csv", &["J1", "J2", "J3", "J4"]) else {
        return;
    };
    // psych::ICC(sf): ICC1 .166, ICC2 .290, ICC3 .715, ICC1k .443, ICC2k .620, ICC3k .909; F(5,15) = 11.03
    let cases = [
        (IccModel::OneWay, IccUnit::Single, 0.166),
        (IccModel::TwoWayAgreement, IccUnit::Single, 0.290),
        (IccModel::TwoWayConsistency, IccUnit::Single, 0.715),
        (IccModel::OneWay, IccUnit::Average, 0.443),
        (IccModel::TwoWayAgreement, IccUnit::Average, 0.620),
        (IccModel::TwoWayConsistency, IccUnit::Average, 0.909),
    ];
    for (model, unit, expected) in cases {
        let r = icc(&x, &settings(model, unit)).unwrap();
        assert_printed(&format!("{model:?} {unit:?}"), r.value, expected, 3);
    }
    let r = icc(&x, &settings(IccModel::TwoWayConsistency, IccUnit::Single)).unwrap();
    assert_printed("F(5,15)", r.f_value, 11.03, 2);
    assert_eq!((r.df1, r.df2), (5.0, 15.0));
}

#[test]
fn generated_tables_match_anova_oracle() {
    let Some(python) = oracle_python(&["statsmodels", "scipy", "pandas"]) else {
        return;
    };
    let mut max_rel = 0.0f64;
    for (seed, n, k) in [(1u64, 20usize, 2usize), (2, 35, 3), (3, 8, 4), (4, 50, 2), (5, 12, 5)] {
        let mut rng = Rng(seed);
        let offsets: Vec<f64> = (0..k).map(|_| rng.normal() * 0.5).collect();
        let x = DMatrix::from_fn(n, k, |_, _| 0.0);
        let mut x = x;
        for i in 0..n {
            let subject = rng.normal() * 3.0 - 100.0;
            for j in 0..k {
                x[(i, j)] = subject + offsets[j] + rng.normal();
            }
        }
        let rows: Vec<Vec<f64>> = (0..n).map(|i| (0..k).map(|j| x[(i, j)]).collect()).collect();
        let out = run_oracle_json(&python, "stats_icc.py", &serde_json::json!({ "ratings": rows }));
        for (key, model, unit) in [
            ("oneway_single", IccModel::OneWay, IccUnit::Single),
            ("oneway_average", IccModel::OneWay, IccUnit::Average),
            ("agreement_single", IccModel::TwoWayAgreement, IccUnit::Single),
            ("agreement_average", IccModel::TwoWayAgreement, IccUnit::Average),
            ("consistency_single", IccModel::TwoWayConsistency, IccUnit::Single),
            ("consistency_average", IccModel::TwoWayConsistency, IccUnit::Average),
        ] {
            let expected: Vec<f64> = serde_json::from_value(out[key].clone()).unwrap();
            let r = icc(&x, &settings(model, unit)).unwrap();
            let ours = [r.value, r.f_value, r.df1, r.df2, r.p_value, r.lower, r.upper];
            for (name, (o, e)) in ["icc", "F", "df1", "df2", "p", "lower", "upper"]
                .iter()
                .zip(ours.iter().zip(&expected))
            {
                max_rel = max_rel.max(assert_rel(&format!("seed {seed} {key} {name}"), *o, *e, 1e-9));
            }
        }
    }
    println!("max rel diff vs oracle: {max_rel:.2e}");
}

#[test]
fn filter_drops_constant_and_unreliable_features() {
    let mut rng = Rng(42);
    let n = 30;
    let truth: Vec<f64> = (0..n).map(|_| rng.normal() * 10.0).collect();
    let obs1 = DMatrix::from_fn(n, 3, |i, j| match j {
        0 => truth[i] + 0.1 * ((i * 7 % 5) as f64),
        1 => 5.0,
        _ => (i as f64 * 0.37).sin(),
    });
    let obs2 = DMatrix::from_fn(n, 3, |i, j| match j {
        0 => truth[i] - 0.05 * ((i * 3 % 4) as f64),
        1 => 5.0,
        _ => (i as f64 * 1.91).cos(),
    });
    let names = vec!["stable".to_string(), "constant".to_string(), "noise".to_string()];
    let res = icc_filter(&[&obs1, &obs2], &names, &IccSettings::default(), 0.75).unwrap();
    assert!(res[0].dropped.is_none());
    assert_eq!(res[1].dropped, Some(IccDrop::Constant));
    assert!(matches!(res[2].dropped, Some(IccDrop::Below { .. })));
    let mut bad = obs2.clone();
    bad[(4, 2)] = f64::NAN;
    let e = icc_filter(&[&obs1, &bad], &names, &IccSettings::default(), 0.75).unwrap_err();
    assert!(e.to_string().contains("observer 2: row 5, column 'noise'"), "{e}");
}
