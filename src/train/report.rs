//! The training report: one self-contained HTML file (inline SVG figures, no scripts, no network)
//! with the tables and figures of a clinical-radiomics paper, and every number of the model file.

use std::fmt::Write as _;

use super::{ClinicalKind, Term, TrainResult};
use crate::Result;
use crate::model::{PredictorKind, nomogram_svg};
use crate::stats::pretty::pretty;

/// One line of a plot.
struct Series {
    label: String,
    color: &'static str,
    points: Vec<(f64, f64)>,
    dashed: bool,
    /// Vertical error bars (x, low, high).
    bars: Vec<(f64, f64, f64)>,
    markers: bool,
}

impl Series {
    fn line(label: &str, color: &'static str, points: Vec<(f64, f64)>) -> Self {
        Series {
            label: label.into(),
            color,
            points,
            dashed: false,
            bars: Vec::new(),
            markers: false,
        }
    }
}

const PALETTE: [&str; 8] = [
    "#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf",
];

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A line chart as SVG: axes with R pretty() ticks, series, optional vertical reference lines.
fn plot(
    title: &str,
    xlabel: &str,
    ylabel: &str,
    series: &[Series],
    vlines: &[(f64, &str)],
    diagonal: bool,
    y_floor: Option<f64>,
) -> String {
    let (w, h, l, r, t, b) = (520.0, 380.0, 64.0, 16.0, 34.0, 52.0);
    let all = series.iter().flat_map(|s| {
        s.points
            .iter()
            .copied()
            .chain(s.bars.iter().flat_map(|&(x, lo, hi)| [(x, lo), (x, hi)]))
    });
    let (mut x0, mut x1, mut y0, mut y1) = (f64::INFINITY, f64::NEG_INFINITY, f64::INFINITY, f64::NEG_INFINITY);
    for (x, y) in all.filter(|(x, y)| x.is_finite() && y.is_finite()) {
        x0 = x0.min(x);
        x1 = x1.max(x);
        y0 = y0.min(y);
        y1 = y1.max(y);
    }
    if let Some(f) = y_floor {
        y0 = y0.max(f);
    }
    if !(x1 > x0) {
        x1 = x0 + 1.0;
    }
    if !(y1 > y0) {
        y1 = y0 + 1.0;
    }
    let xt = pretty(&[x0, x1], 6);
    let yt = pretty(&[y0, y1], 6);
    let (x0, x1) = (
        xt.first().copied().unwrap_or(x0).min(x0),
        xt.last().copied().unwrap_or(x1).max(x1),
    );
    let (y0, y1) = (
        yt.first().copied().unwrap_or(y0).min(y0),
        yt.last().copied().unwrap_or(y1).max(y1),
    );
    let sx = |x: f64| l + (x - x0) / (x1 - x0) * (w - l - r);
    let sy = |y: f64| h - b - (y.clamp(y0, y1) - y0) / (y1 - y0) * (h - t - b);
    let mut s = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" font-family="Helvetica, Arial, sans-serif" font-size="11"><rect width="{w}" height="{h}" fill="white"/>"#
    );
    let _ = write!(
        s,
        r#"<text x="{}" y="20" text-anchor="middle" font-size="13" font-weight="bold">{}</text>"#,
        w / 2.0,
        esc(title)
    );
    let _ = write!(
        s,
        r##"<rect x="{l}" y="{t}" width="{}" height="{}" fill="none" stroke="#444"/>"##,
        w - l - r,
        h - t - b
    );
    for &v in &xt {
        let x = sx(v);
        let _ = write!(
            s,
            r##"<line x1="{x:.1}" y1="{}" x2="{x:.1}" y2="{}" stroke="#444"/><text x="{x:.1}" y="{}" text-anchor="middle">{}</text>"##,
            h - b,
            h - b + 4.0,
            h - b + 16.0,
            tick(v)
        );
    }
    for &v in &yt {
        let y = sy(v);
        let _ = write!(
            s,
            r##"<line x1="{}" y1="{y:.1}" x2="{l}" y2="{y:.1}" stroke="#444"/><text x="{}" y="{:.1}" text-anchor="end">{}</text>"##,
            l - 4.0,
            l - 6.0,
            y + 4.0,
            tick(v)
        );
    }
    let _ = write!(
        s,
        r#"<text x="{}" y="{}" text-anchor="middle">{}</text>"#,
        l + (w - l - r) / 2.0,
        h - 12.0,
        esc(xlabel)
    );
    let _ = write!(
        s,
        r#"<text x="14" y="{}" text-anchor="middle" transform="rotate(-90 14 {})">{}</text>"#,
        t + (h - t - b) / 2.0,
        t + (h - t - b) / 2.0,
        esc(ylabel)
    );
    if diagonal {
        let lo = x0.max(y0);
        let hi = x1.min(y1);
        let _ = write!(
            s,
            r##"<line x1="{:.1}" y1="{:.1}" x2="{:.1}" y2="{:.1}" stroke="#999" stroke-dasharray="4 3"/>"##,
            sx(lo),
            sy(lo),
            sx(hi),
            sy(hi)
        );
    }
    for (v, label) in vlines {
        let x = sx(*v);
        let _ = write!(
            s,
            r##"<line x1="{x:.1}" y1="{t}" x2="{x:.1}" y2="{}" stroke="#777" stroke-dasharray="3 3"/><text x="{:.1}" y="{}" font-size="10">{}</text>"##,
            h - b,
            x + 3.0,
            t + 12.0,
            esc(label)
        );
    }
    for se in series {
        for &(x, lo, hi) in &se.bars {
            let _ = write!(
                s,
                r#"<line x1="{:.1}" y1="{:.1}" x2="{:.1}" y2="{:.1}" stroke="{}" stroke-opacity="0.5"/>"#,
                sx(x),
                sy(lo),
                sx(x),
                sy(hi),
                se.color
            );
        }
        let pts: Vec<String> = se
            .points
            .iter()
            .filter(|(x, y)| x.is_finite() && y.is_finite())
            .map(|&(x, y)| format!("{:.1},{:.1}", sx(x), sy(y)))
            .collect();
        let dash = if se.dashed { r#" stroke-dasharray="6 3""# } else { "" };
        let _ = write!(
            s,
            r#"<polyline points="{}" fill="none" stroke="{}" stroke-width="1.8"{dash}/>"#,
            pts.join(" "),
            se.color
        );
        if se.markers {
            for &(x, y) in se.points.iter().filter(|(x, y)| x.is_finite() && y.is_finite()) {
                let _ = write!(
                    s,
                    r#"<circle cx="{:.1}" cy="{:.1}" r="2.2" fill="{}"/>"#,
                    sx(x),
                    sy(y),
                    se.color
                );
            }
        }
    }
    let legend: Vec<&Series> = series.iter().filter(|se| !se.label.is_empty()).collect();
    for (k, se) in legend.iter().enumerate() {
        let y = t + 14.0 + 15.0 * k as f64;
        let _ = write!(
            s,
            r#"<line x1="{}" y1="{y}" x2="{}" y2="{y}" stroke="{}" stroke-width="2"/><text x="{}" y="{}">{}</text>"#,
            w - r - 170.0,
            w - r - 150.0,
            se.color,
            w - r - 145.0,
            y + 4.0,
            esc(&se.label)
        );
    }
    s.push_str("</svg>");
    s
}

fn tick(v: f64) -> String {
    let s = format!("{v:.6}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" { "0".into() } else { s.into() }
}

/// Three significant decimals for tables.
fn d3(v: f64) -> String {
    if v.is_nan() { "NA".into() } else { format!("{v:.3}") }
}

fn pval(p: f64) -> String {
    if p.is_nan() {
        "NA".into()
    } else if p < 0.001 {
        "&lt;0.001".into()
    } else {
        format!("{p:.3}")
    }
}

fn table(head: &[&str], rows: &[Vec<String>]) -> String {
    let mut s = String::from("<table><thead><tr>");
    for h in head {
        let _ = write!(s, "<th>{h}</th>");
    }
    s.push_str("</tr></thead><tbody>");
    for row in rows {
        s.push_str("<tr>");
        for c in row {
            let _ = write!(s, "<td>{c}</td>");
        }
        s.push_str("</tr>");
    }
    s.push_str("</tbody></table>");
    s
}

fn term_label(r: &TrainResult, t: Term) -> String {
    match t {
        Term::Radscore => "Radscore".into(),
        Term::Clinical(c) => {
            let v = &r.clinical[c];
            match &v.kind {
                ClinicalKind::Continuous => esc(&v.name),
                ClinicalKind::Binary { levels } => {
                    format!("{} ({} vs {})", esc(&v.name), esc(&levels[1]), esc(&levels[0]))
                }
                ClinicalKind::Ordinal { levels } => {
                    format!("{} (per level: {})", esc(&v.name), esc(&levels.join(" < ")))
                }
            }
        }
    }
}

fn roc_series(d: &super::Discrimination, color: &'static str) -> Series {
    let mut pts: Vec<(f64, f64)> = d
        .roc
        .points()
        .iter()
        .map(|p| (1.0 - p.specificity, p.sensitivity))
        .collect();
    pts.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.total_cmp(&b.1)));
    Series::line(&format!("{} AUC {:.3}", d.name, d.roc.auc), color, pts)
}

/// The report as one HTML document.
pub fn render(r: &TrainResult) -> Result<String> {
    let s = &r.settings;
    let fit = &r.fit;
    let card = &r.card;
    let mut h = String::new();
    let _ = write!(
        h,
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{}</title><style>\
         body{{font-family:Helvetica,Arial,sans-serif;max-width:1100px;margin:2em auto;color:#222}}\
         table{{border-collapse:collapse;margin:0.6em 0 1.4em}}td,th{{border:1px solid #bbb;padding:3px 8px;text-align:left;font-size:13px}}\
         th{{background:#eee}}figure{{display:inline-block;margin:0.5em}}code{{font-size:12px}}</style></head><body>",
        esc(&card.title)
    );
    let _ = write!(h, "<h1>{}</h1>", esc(&card.title));
    let _ = write!(
        h,
        "<p>radscore {} · model id <code>{}</code> · outcome: {} · {} lesions{}, {} events, {} non-events.</p>",
        env!("CARGO_PKG_VERSION"),
        esc(&card.id),
        esc(&card.event.description),
        r.n,
        r.n_patients.map(|p| format!(" in {p} patients")).unwrap_or_default(),
        r.events,
        r.n - r.events
    );
    h.push_str("<h2>Settings</h2>");
    let lambda = match s.lambda {
        crate::stats::glmnet::LambdaChoice::Min => "lambda.min",
        crate::stats::glmnet::LambdaChoice::OneSe => "lambda.1se",
    };
    h.push_str(&table(
        &["step", "setting"],
        &[
            vec![
                "ICC filter".into(),
                format!(
                    "ICC(2,1) ≥ {} and not constant{}",
                    s.icc_threshold,
                    if r.icc.is_none() {
                        " (not applied: no second observer)"
                    } else {
                        ""
                    }
                ),
            ],
            vec![
                "Redundancy filter".into(),
                format!("Spearman |ρ| &gt; {} (caret findCorrelation, exact)", s.spearman_cutoff),
            ],
            vec![
                "LASSO".into(),
                format!(
                    "{}-fold CV (binomial deviance; folds by {}), Radscore at <b>{lambda}</b>",
                    s.nfolds,
                    if r.n_patients.is_some() { "patient" } else { "lesion" }
                ),
            ],
            vec![
                "Screening / stepwise".into(),
                format!(
                    "univariate p &lt; {}; backward elimination while the largest Wald p ≥ {}",
                    s.screening_p, s.stepwise_p
                ),
            ],
            vec![
                "Bootstrap".into(),
                format!(
                    "{} resamples (seed {}), whole selection repeated in each",
                    s.bootstrap, s.seed
                ),
            ],
        ],
    ));

    // Table 1
    h.push_str("<h2>Baseline characteristics by outcome</h2>");
    let mut rows = Vec::new();
    for b in &r.baseline {
        for (k, (label, a, e)) in b.lines.iter().enumerate() {
            rows.push(vec![
                if k == 0 { esc(&b.variable) } else { String::new() },
                esc(label),
                a.clone(),
                e.clone(),
                if k == 0 {
                    format!("{} ({})", pval(b.p_value), b.test)
                } else {
                    String::new()
                },
            ]);
        }
    }
    h.push_str(&table(
        &[
            "variable",
            "",
            &format!("non-event (n = {})", r.n - r.events),
            &format!("event (n = {})", r.events),
            "p",
        ],
        &rows,
    ));

    // Feature selection
    h.push_str("<h2>Feature selection</h2>");
    let mut counts = vec![vec!["features extracted".into(), r.n_features.to_string()]];
    if let Some(icc) = &r.icc {
        let constant = icc
            .iter()
            .filter(|f| matches!(f.dropped, Some(crate::stats::icc::IccDrop::Constant)))
            .count();
        let kept = icc.iter().filter(|f| f.dropped.is_none()).count();
        counts.push(vec!["ICC ≥ threshold (kept)".into(), kept.to_string()]);
        counts.push(vec![
            "dropped: ICC below threshold / constant".into(),
            format!("{} / {constant}", icc.len() - kept - constant),
        ]);
    }
    counts.push(vec![
        "removed as redundant (Spearman)".into(),
        fit.spearman_removed.len().to_string(),
    ]);
    counts.push(vec!["entering LASSO".into(), fit.spearman_kept.len().to_string()]);
    counts.push(vec![
        format!("selected by LASSO ({lambda} = {})", fit.lambda),
        fit.radscore_terms.len().to_string(),
    ]);
    h.push_str(&table(&["step", "features"], &counts));
    let cv = &fit.cv;
    let cv_series = Series {
        label: String::new(),
        color: PALETTE[1],
        points: cv.lambda.iter().zip(&cv.cvm).map(|(l, m)| (l.ln(), *m)).collect(),
        dashed: false,
        bars: cv
            .lambda
            .iter()
            .zip(cv.cvm.iter().zip(&cv.cvsd))
            .map(|(l, (m, sd))| (l.ln(), m - sd, m + sd))
            .collect(),
        markers: true,
    };
    let cv_plot = plot(
        "LASSO 10-fold cross-validation",
        "log(λ)",
        "binomial deviance",
        &[cv_series],
        &[(cv.lambda_min.ln(), "min"), (cv.lambda_1se.ln(), "1se")],
        false,
        None,
    );
    let path_series: Vec<Series> = (0..fit.spearman_kept.len())
        .filter(|&j| cv.fit.beta.iter().any(|b| b[j] != 0.0))
        .enumerate()
        .map(|(k, j)| {
            Series::line(
                "",
                PALETTE[k % PALETTE.len()],
                cv.lambda
                    .iter()
                    .zip(&cv.fit.beta)
                    .map(|(l, b)| (l.ln(), b[j]))
                    .collect(),
            )
        })
        .collect();
    let path_plot = plot(
        "LASSO coefficient path",
        "log(λ)",
        "coefficient (z-scored feature)",
        &path_series,
        &[(fit.lambda.ln(), lambda)],
        false,
        None,
    );
    let _ = write!(h, "<figure>{cv_plot}</figure><figure>{path_plot}</figure>");

    // Radscore formula
    h.push_str("<h2>Radscore</h2>");
    let mut formula = format!("Radscore = {}", card.radscore.intercept.unwrap_or(0.0));
    for f in &card.radscore.features {
        let _ = write!(
            formula,
            " {} {} × ({} − {}) / {}",
            if f.coefficient < 0.0 { "−" } else { "+" },
            f.coefficient.abs(),
            esc(&f.key),
            f.mean.unwrap_or(0.0),
            f.sd.unwrap_or(1.0)
        );
    }
    let _ = write!(h, "<p><code>{formula}</code></p>");
    let rows: Vec<Vec<String>> = card
        .radscore
        .features
        .iter()
        .map(|f| {
            vec![
                format!("<code>{}</code>", esc(&f.key)),
                f.coefficient.to_string(),
                f.mean.unwrap_or(f64::NAN).to_string(),
                f.sd.unwrap_or(f64::NAN).to_string(),
            ]
        })
        .collect();
    h.push_str(&table(
        &["feature", "coefficient (per SD)", "mean", "SD (n − 1)"],
        &rows,
    ));
    let _ = write!(
        h,
        "<p>Radscore intercept: {}</p>",
        card.radscore.intercept.unwrap_or(f64::NAN)
    );

    // Univariate and multivariable tables
    h.push_str("<h2>Univariate logistic regression</h2>");
    let candidates: Vec<Term> = std::iter::once(Term::Radscore)
        .chain((0..r.clinical.len()).map(Term::Clinical))
        .collect();
    let rows: Vec<Vec<String>> = candidates
        .iter()
        .zip(&fit.univariate)
        .map(|(&t, u)| {
            let c = &u.coefficient;
            vec![
                term_label(r, t),
                d3(c.odds_ratio),
                format!("{}–{}", d3(c.or_wald_ci.0), d3(c.or_wald_ci.1)),
                pval(c.p_value),
                if fit.screened.contains(&t) {
                    "yes".into()
                } else {
                    "no".into()
                },
            ]
        })
        .collect();
    h.push_str(&table(
        &["predictor", "OR", "95% CI (Wald)", "p", "p &lt; screening threshold"],
        &rows,
    ));
    h.push_str("<h2>Multivariable (fusion) model</h2>");
    let mut rows = Vec::new();
    for (k, c) in fit.fusion.coefficients.iter().enumerate() {
        let label = if k == 0 {
            "(Intercept)".to_string()
        } else {
            term_label(r, fit.terms[k - 1])
        };
        let prof = r
            .profile
            .get(k)
            .map(|p| format!("{}–{}", d3(p.lower.exp()), d3(p.upper.exp())))
            .unwrap_or_default();
        rows.push(vec![
            label,
            c.estimate.to_string(),
            d3(c.odds_ratio),
            format!("{}–{}", d3(c.or_wald_ci.0), d3(c.or_wald_ci.1)),
            prof,
            pval(c.p_value),
        ]);
    }
    h.push_str(&table(
        &["term", "β", "OR", "95% CI (Wald)", "95% CI (profile)", "p"],
        &rows,
    ));
    if !fit.removed.is_empty() {
        let removed: Vec<String> = fit
            .removed
            .iter()
            .map(|(t, p)| format!("{} (p = {})", term_label(r, *t), d3(*p)))
            .collect();
        let _ = write!(
            h,
            "<p>Removed by backward elimination, in order: {}.</p>",
            removed.join(", ")
        );
    }
    let _ = write!(
        h,
        "<p>Deviance {} on {} df (null {}), AIC {}.</p>",
        d3(fit.fusion.deviance),
        fit.fusion.df_residual,
        d3(fit.fusion.null_deviance),
        d3(fit.fusion.aic)
    );

    // Discrimination
    h.push_str("<h2>Discrimination</h2>");
    let mut models = vec![&r.radscore_roc];
    if let Some(c) = &r.clinical_roc {
        models.push(c);
    }
    models.push(&r.fusion_roc);
    let series: Vec<Series> = models
        .iter()
        .enumerate()
        .map(|(k, d)| roc_series(d, PALETTE[k]))
        .collect();
    let roc_plot = plot("ROC curves", "1 − specificity", "sensitivity", &series, &[], true, None);
    let rows: Vec<Vec<String>> = models
        .iter()
        .map(|d| {
            vec![
                esc(&d.name),
                d.roc.auc.to_string(),
                format!("{}–{}", d3(d.ci.0), d3(d.ci.1)),
                tick(d.youden.threshold),
                d3(d.youden.sensitivity),
                d3(d.youden.specificity),
            ]
        })
        .collect();
    let _ = write!(h, "<figure>{roc_plot}</figure>");
    h.push_str(&table(
        &[
            "model",
            "AUC",
            "95% CI (DeLong)",
            "Youden threshold",
            "sensitivity",
            "specificity",
        ],
        &rows,
    ));
    if let Some((z, p)) = r.fusion_vs_clinical {
        let _ = write!(
            h,
            "<p>Fusion vs clinical model (paired DeLong): Z = {}, p = {}.</p>",
            d3(z),
            pval(p)
        );
    }
    if let Some(b) = &r.bootstrap {
        let _ = write!(
            h,
            "<h3>Bootstrap validation</h3><p>{} resamples by {} ({} used, {} with one class skipped, {} failed{}). \
             Apparent AUC {}, optimism {}, optimism-corrected AUC {}; percentile 95% CI of the AUC {}–{}.</p>",
            b.requested,
            b.unit,
            b.used,
            b.skipped_one_class,
            b.failed,
            b.first_failure
                .as_ref()
                .map(|e| format!(": first failure “{}”", esc(e)))
                .unwrap_or_default(),
            r.fusion_roc.roc.auc,
            b.optimism,
            b.corrected_auc,
            d3(b.auc_ci.0),
            d3(b.auc_ci.1)
        );
        let mut freq: Vec<&(String, f64)> = b.feature_frequency.iter().filter(|(_, f)| *f > 0.0).collect();
        freq.sort_by(|a, b| b.1.total_cmp(&a.1));
        let rows: Vec<Vec<String>> = freq
            .iter()
            .take(25)
            .map(|(n, f)| vec![format!("<code>{}</code>", esc(n)), format!("{:.0}%", 100.0 * f)])
            .collect();
        h.push_str("<p>How often each feature entered the Radscore across resamples (top 25):</p>");
        h.push_str(&table(&["feature", "selected"], &rows));
        let rows: Vec<Vec<String>> = b
            .term_frequency
            .iter()
            .map(|(n, f)| vec![esc(n), format!("{:.0}%", 100.0 * f)])
            .collect();
        h.push_str(&table(&["fusion term", "kept"], &rows));
    }

    // Calibration and DCA
    h.push_str("<h2>Calibration</h2>");
    let (cx, cy) = &r.calibration_curve;
    let cal_plot = plot(
        "Calibration (apparent, lowess)",
        "predicted probability",
        "observed proportion",
        &[Series::line(
            "lowess",
            PALETTE[0],
            cx.iter().copied().zip(cy.iter().copied()).collect(),
        )],
        &[],
        true,
        None,
    );
    let _ = write!(h, "<figure>{cal_plot}</figure>");
    let c = &r.calibration;
    let hl = &r.hosmer_lemeshow;
    h.push_str(&table(
        &["intercept", "slope", "Brier", "Emax", "Hosmer–Lemeshow χ² (df)", "p"],
        &[vec![
            d3(c.intercept),
            d3(c.slope),
            d3(c.brier),
            d3(c.emax),
            format!("{} ({})", d3(hl.statistic), hl.df),
            pval(hl.p_value),
        ]],
    ));
    h.push_str("<h2>Decision curve</h2>");
    let nb = |v: &[crate::stats::dca::NetBenefit]| v.iter().map(|p| (p.threshold, p.net_benefit)).collect::<Vec<_>>();
    let mut all = Series::line("treat all", "#777", nb(&r.dca.treat_all));
    all.dashed = true;
    let dca_plot = plot(
        "Decision curve",
        "threshold probability",
        "net benefit",
        &[
            Series::line("fusion model", PALETTE[2], nb(&r.dca.model)),
            all,
            Series::line("treat none", "#000", nb(&r.dca.treat_none)),
        ],
        &[],
        false,
        Some(-0.1),
    );
    let _ = write!(h, "<figure>{dca_plot}</figure>");

    // Nomogram
    h.push_str("<h2>Nomogram</h2>");
    let _ = write!(h, "<figure>{}</figure>", nomogram_svg(card, None)?);

    // Every number of the model file
    h.push_str("<h2>Model file</h2><p>Every number written to the model file (full precision).</p>");
    let mut rows = vec![
        vec![
            "radscore.intercept".into(),
            card.radscore.intercept.map_or_else(|| "NA".into(), jnum),
        ],
        vec![
            "fusion.intercept".into(),
            card.fusion.intercept.map_or_else(|| "NA".into(), jnum),
        ],
    ];
    for f in &card.radscore.features {
        rows.push(vec![
            format!("{} coefficient / mean / sd", esc(&f.key)),
            format!(
                "{} / {} / {}",
                jnum(f.coefficient),
                f.mean.map_or_else(|| "NA".into(), jnum),
                f.sd.map_or_else(|| "NA".into(), jnum)
            ),
        ]);
    }
    for p in &card.fusion.predictors {
        let text = match &p.kind {
            PredictorKind::Radscore { coefficient } => {
                format!("coefficient {}", coefficient.map_or_else(|| "NA".into(), jnum))
            }
            PredictorKind::Continuous {
                min, max, coefficient, ..
            } => format!(
                "coefficient {}, range {} to {}",
                coefficient.map_or_else(|| "NA".into(), jnum),
                jnum(*min),
                jnum(*max)
            ),
            PredictorKind::Binary { levels, coefficient } => format!(
                "coefficient {} ({} vs {})",
                coefficient.map_or_else(|| "NA".into(), jnum),
                esc(&levels[1]),
                esc(&levels[0])
            ),
            PredictorKind::Ordinal {
                levels,
                codes,
                coefficient,
            } => format!(
                "coefficient {} per code; codes {}",
                coefficient.map_or_else(|| "NA".into(), jnum),
                levels
                    .iter()
                    .zip(codes.clone().unwrap_or_default())
                    .map(|(l, c)| format!("{} = {}", esc(l), jnum(c)))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            PredictorKind::Categorical { levels, coefficients } => {
                format!("levels {}; coefficients {:?}", esc(&levels.join(", ")), coefficients)
            }
        };
        let axis: Vec<String> = p.axis.iter().map(|v| v.to_string()).collect();
        let axis = if axis.is_empty() {
            String::new()
        } else {
            format!("; nomogram axis {}", axis.join(", "))
        };
        rows.push(vec![
            format!("fusion predictor {}", esc(&p.name)),
            format!("{text}{axis}"),
        ]);
    }
    rows.push(vec![
        "provenance".into(),
        format!(
            "cohort size {}; reported AUC {}; format version {}",
            card.provenance.cohort_size.map(|c| c.to_string()).unwrap_or_default(),
            card.provenance.reported_auc.map(jnum).unwrap_or_default(),
            card.format_version
        ),
    ]);
    for note in &card.provenance.notes {
        rows.push(vec!["note".into(), esc(note)]);
    }
    h.push_str(&table(&["entry", "value"], &rows));
    h.push_str("</body></html>\n");
    Ok(h)
}

/// A number exactly as the model file writes it (serde_json's shortest round-trip form).
fn jnum(v: f64) -> String {
    serde_json::to_string(&v).unwrap_or_else(|_| "NA".into())
}
