//! The training report: one self-contained HTML file (inline SVG figures, no scripts, no network)
//! with the tables and figures of a clinical-radiomics paper, and every number of the model file.

use std::fmt::Write as _;

use plotters::coord::ranged1d::{KeyPointHint, NoDefaultFormatting, ValueFormatter};
use plotters::element::DashedPathElement;
use plotters::prelude::*;

use super::{ClinicalKind, Term, TrainResult};
use crate::model::{PredictorKind, nomogram_svg};
use crate::stats::pretty::pretty;
use crate::{Error, Result};

/// One line of a figure.
struct Series {
    /// Legend text; empty for no legend entry.
    label: String,
    color: RGBColor,
    points: Vec<(f64, f64)>,
    dashed: bool,
    /// Vertical error bars (x, low, high).
    bars: Vec<(f64, f64, f64)>,
    markers: bool,
}

impl Series {
    fn line(label: &str, color: RGBColor, points: Vec<(f64, f64)>) -> Self {
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

/// A line chart: title, axis labels, series, optional dashed vertical reference lines and
/// identity diagonal; the y axis may be cut below at `y_floor` (lines are clipped there).
struct Figure<'a> {
    title: &'a str,
    xlabel: &'a str,
    ylabel: &'a str,
    series: Vec<Series>,
    vlines: Vec<(f64, &'a str)>,
    diagonal: bool,
    y_floor: Option<f64>,
    legend: SeriesLabelPosition,
}

impl<'a> Figure<'a> {
    fn new(title: &'a str, xlabel: &'a str, ylabel: &'a str, series: Vec<Series>) -> Self {
        Figure {
            title,
            xlabel,
            ylabel,
            series,
            vlines: Vec::new(),
            diagonal: false,
            y_floor: None,
            legend: SeriesLabelPosition::UpperRight,
        }
    }
}

const PALETTE: [RGBColor; 8] = [
    RGBColor(0x1f, 0x77, 0xb4),
    RGBColor(0xd6, 0x27, 0x28),
    RGBColor(0x2c, 0xa0, 0x2c),
    RGBColor(0xff, 0x7f, 0x0e),
    RGBColor(0x94, 0x67, 0xbd),
    RGBColor(0x8c, 0x56, 0x4b),
    RGBColor(0xe3, 0x77, 0xc2),
    RGBColor(0x17, 0xbe, 0xcf),
];
const GREY: RGBColor = RGBColor(0x77, 0x77, 0x77);
const LIGHT_GREY: RGBColor = RGBColor(0x99, 0x99, 0x99);
const GRID: RGBColor = RGBColor(0xe8, 0xe8, 0xe8);
/// Dashed reference lines (lambda.min, lambda.1se), told apart by colour.
const VLINE_COLORS: [RGBColor; 2] = [RGBColor(0x55, 0x55, 0x55), RGBColor(0xe6, 0x8a, 0x00)];
/// Generic family: the SVG names it and the viewer picks a font; plotters is built without a
/// font backend, so its layout uses its own size estimate and needs no font file.
const FONT: &str = "sans-serif";

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The pieces of a line that lie at or above `floor`, cut where it crosses the floor.
fn clip_below(points: &[(f64, f64)], floor: f64) -> Vec<Vec<(f64, f64)>> {
    let mut runs: Vec<Vec<(f64, f64)>> = Vec::new();
    let mut run: Vec<(f64, f64)> = Vec::new();
    for (k, &(x, y)) in points.iter().enumerate() {
        let crossing = |(xa, ya): (f64, f64)| (xa + (x - xa) * (floor - ya) / (y - ya), floor);
        let inside = y >= floor;
        if k > 0 {
            let prev = points[k - 1];
            let prev_inside = prev.1 >= floor;
            if inside && !prev_inside {
                run.push(crossing(prev));
            } else if !inside && prev_inside {
                run.push(crossing(prev));
                runs.push(std::mem::take(&mut run));
            }
        }
        if inside {
            run.push((x, y));
        }
    }
    runs.push(run);
    runs.retain(|r| r.len() > 1);
    runs
}

/// A linear axis over [lo, hi] whose ticks are given (R pretty() values) and labelled by [`tick`].
struct PrettyAxis {
    lo: f64,
    hi: f64,
    ticks: Vec<f64>,
}

impl Ranged for PrettyAxis {
    type FormatOption = NoDefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        let t = (value - self.lo) / (self.hi - self.lo);
        limit.0 + (f64::from(limit.1 - limit.0) * t).round() as i32
    }

    fn key_points<Hint: KeyPointHint>(&self, hint: Hint) -> Vec<f64> {
        // Ticks and grid lines at the pretty values only, no lighter minor grid.
        if hint.weight().allow_light_points() {
            Vec::new()
        } else {
            self.ticks.clone()
        }
    }

    fn range(&self) -> std::ops::Range<f64> {
        self.lo..self.hi
    }
}

impl ValueFormatter<f64> for PrettyAxis {
    fn format(value: &f64) -> String {
        tick(*value)
    }
}

fn figure_error(title: &str, e: impl std::fmt::Display) -> Error {
    Error::InvalidArgument(format!("report figure '{title}': {e}"))
}

/// A figure as an inline SVG document drawn with plotters: axes with R pretty() ticks, grid,
/// series (lines, dashes, markers, error bars), reference lines and a legend.
fn plot(fig: &Figure) -> Result<String> {
    let finite = |&(x, y): &(f64, f64)| x.is_finite() && y.is_finite();
    let series: Vec<(&Series, Vec<(f64, f64)>)> = fig
        .series
        .iter()
        .map(|s| (s, s.points.iter().copied().filter(finite).collect()))
        .collect();
    let (mut x0, mut x1, mut y0, mut y1) = (f64::INFINITY, f64::NEG_INFINITY, f64::INFINITY, f64::NEG_INFINITY);
    let bar_ends = fig
        .series
        .iter()
        .flat_map(|s| s.bars.iter().flat_map(|&(x, lo, hi)| [(x, lo), (x, hi)]))
        .filter(finite);
    for (x, y) in series.iter().flat_map(|(_, p)| p.iter().copied()).chain(bar_ends) {
        x0 = x0.min(x);
        x1 = x1.max(x);
        y0 = y0.min(y);
        y1 = y1.max(y);
    }
    if !x0.is_finite() {
        (x0, x1, y0, y1) = (0.0, 1.0, 0.0, 1.0);
    }
    if let Some(f) = fig.y_floor {
        y0 = y0.max(f);
    }
    if x1 <= x0 {
        x1 = x0 + 1.0;
    }
    if y1 <= y0 {
        y1 = y0 + 1.0;
    }
    // As R's plot(): the data range widened by 4 % on each side, ticks at the pretty() values in it.
    let axis = |lo: f64, hi: f64| {
        let pad = 0.04 * (hi - lo);
        let (lo, hi) = (lo - pad, hi + pad);
        let ticks = pretty(&[lo, hi], 6)
            .into_iter()
            .filter(|t| (lo - 1e-9 * pad..=hi + 1e-9 * pad).contains(t))
            .collect();
        PrettyAxis { lo, hi, ticks }
    };
    let (xaxis, yaxis) = (axis(x0, x1), axis(y0, y1));
    let (x0, x1, y0, y1) = (xaxis.lo, xaxis.hi, yaxis.lo, yaxis.hi);
    let err = |e: &dyn std::fmt::Display| figure_error(fig.title, e);

    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (560, 400)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| err(&e))?;
        let mut chart = ChartBuilder::on(&root)
            .caption(fig.title, (FONT, 18).into_font().style(FontStyle::Bold))
            .margin(12)
            .x_label_area_size(46)
            .y_label_area_size(62)
            .build_cartesian_2d(xaxis, yaxis)
            .map_err(|e| err(&e))?;
        chart
            .configure_mesh()
            .x_desc(fig.xlabel)
            .y_desc(fig.ylabel)
            .label_style((FONT, 13))
            .axis_desc_style((FONT, 15))
            .bold_line_style(GRID)
            .axis_style(BLACK)
            .draw()
            .map_err(|e| err(&e))?;
        chart
            .draw_series(std::iter::once(Rectangle::new([(x0, y0), (x1, y1)], BLACK)))
            .map_err(|e| err(&e))?;
        if fig.diagonal {
            let (lo, hi) = (x0.max(y0), x1.min(y1));
            chart
                .draw_series(DashedLineSeries::new(
                    [(lo, lo), (hi, hi)],
                    6,
                    4,
                    LIGHT_GREY.stroke_width(1),
                ))
                .map_err(|e| err(&e))?;
        }
        // Reference lines are named in the legend: close lines (lambda.min and lambda.1se are
        // often a few pixels apart) would make labels beside them ambiguous.
        for (k, &(v, label)) in fig.vlines.iter().enumerate() {
            if !v.is_finite() {
                continue;
            }
            let style = VLINE_COLORS[k % VLINE_COLORS.len()].stroke_width(2);
            chart
                .draw_series(DashedLineSeries::new([(v, y0), (v, y1)], 4, 4, style))
                .map_err(|e| err(&e))?
                .label(format!("{label} (log λ {v:.2})"))
                .legend(move |(x, y)| DashedPathElement::new(vec![(x, y), (x + 22, y)], 4, 4, style));
        }
        for (se, points) in &series {
            let bars = se
                .bars
                .iter()
                .filter(|&&(x, lo, hi)| [x, lo, hi].iter().all(|v| v.is_finite()));
            chart
                .draw_series(bars.map(|&(x, lo, hi)| {
                    ErrorBar::new_vertical(x, lo, 0.5 * (lo + hi), hi, LIGHT_GREY.stroke_width(1), 6)
                }))
                .map_err(|e| err(&e))?;
            let runs = match fig.y_floor {
                Some(f) => clip_below(points, f),
                None => vec![points.clone()],
            };
            let style = se.color.stroke_width(2);
            for (k, run) in runs.into_iter().enumerate() {
                let anno = if se.dashed {
                    chart.draw_series(DashedLineSeries::new(run, 8, 5, style))
                } else {
                    let marker = if se.markers { 3 } else { 0 };
                    chart.draw_series(LineSeries::new(run, se.color.filled().stroke_width(2)).point_size(marker))
                }
                .map_err(|e| err(&e))?;
                if k > 0 || se.label.is_empty() {
                    continue;
                }
                anno.label(se.label.as_str());
                if se.dashed {
                    anno.legend(move |(x, y)| DashedPathElement::new(vec![(x, y), (x + 22, y)], 6, 4, style));
                } else {
                    anno.legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 22, y)], style));
                }
            }
        }
        if fig.series.iter().any(|s| !s.label.is_empty()) || !fig.vlines.is_empty() {
            chart
                .configure_series_labels()
                .position(fig.legend.clone())
                .label_font((FONT, 13))
                .legend_area_size(30)
                .background_style(WHITE.mix(0.9))
                .border_style(LIGHT_GREY)
                .draw()
                .map_err(|e| err(&e))?;
        }
        root.present().map_err(|e| err(&e))?;
    }
    Ok(svg)
}

/// A tick label: at most six decimals, trailing zeros dropped, no "-0".
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

fn roc_series(d: &super::Discrimination, color: RGBColor) -> Series {
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
    let cv_title = format!("LASSO {}-fold cross-validation", s.nfolds);
    let cv_plot = plot(&Figure {
        vlines: vec![(cv.lambda_min.ln(), "lambda.min"), (cv.lambda_1se.ln(), "lambda.1se")],
        ..Figure::new(&cv_title, "log(λ)", "binomial deviance", vec![cv_series])
    })?;
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
    let path_plot = plot(&Figure {
        vlines: vec![(fit.lambda.ln(), lambda)],
        ..Figure::new(
            "LASSO coefficient path",
            "log(λ)",
            "coefficient (z-scored feature)",
            path_series,
        )
    })?;
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
    let roc_plot = plot(&Figure {
        diagonal: true,
        legend: SeriesLabelPosition::LowerRight,
        ..Figure::new("ROC curves", "1 − specificity", "sensitivity", series)
    })?;
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
    let cal_plot = plot(&Figure {
        diagonal: true,
        legend: SeriesLabelPosition::LowerRight,
        ..Figure::new(
            "Calibration (apparent, lowess)",
            "predicted probability",
            "observed proportion",
            vec![Series::line(
                "lowess",
                PALETTE[0],
                cx.iter().copied().zip(cy.iter().copied()).collect(),
            )],
        )
    })?;
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
    let mut all = Series::line("treat all", GREY, nb(&r.dca.treat_all));
    all.dashed = true;
    let dca_plot = plot(&Figure {
        y_floor: Some(-0.1),
        ..Figure::new(
            "Decision curve",
            "threshold probability",
            "net benefit",
            vec![
                Series::line("fusion model", PALETTE[2], nb(&r.dca.model)),
                all,
                Series::line("treat none", BLACK, nb(&r.dca.treat_none)),
            ],
        )
    })?;
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

#[cfg(test)]
mod tests {
    use super::clip_below;

    #[test]
    fn lines_are_cut_where_they_cross_the_floor() {
        let runs = clip_below(&[(0.0, 1.0), (1.0, -1.0), (2.0, 1.0), (3.0, 3.0)], 0.0);
        assert_eq!(
            runs,
            vec![vec![(0.0, 1.0), (0.5, 0.0)], vec![(1.5, 0.0), (2.0, 1.0), (3.0, 3.0)]]
        );
        assert!(clip_below(&[(0.0, -1.0), (1.0, -2.0)], 0.0).is_empty());
        assert_eq!(
            clip_below(&[(0.0, 1.0), (1.0, 2.0)], 0.0),
            vec![vec![(0.0, 1.0), (1.0, 2.0)]]
        );
    }
}
