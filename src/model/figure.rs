//! The nomogram as an SVG picture, laid out like R's rms `plot(nomogram(...))`: a Points
//! ruler (0–100), one axis per predictor, Total Points and the probability of the event;
//! optionally one patient's values marked in red.

use svg::Document;
use svg::node::element::{Circle, Line, Rectangle, Text as TextElement};

use super::card::ModelCard;
use super::nomogram::NomogramScale;
use crate::stats::pretty::pretty;
use super::predict::{Prediction, logistic};
use crate::error::Result;

const WIDTH: f64 = 960.0;
const LEFT: f64 = 250.0;
const RIGHT: f64 = 40.0;
const ROW: f64 = 56.0;
const TOP: f64 = 70.0;

fn text(x: f64, y: f64, s: &str, size: f64, anchor: &str) -> TextElement {
    TextElement::new(s)
        .set("x", x)
        .set("y", y)
        .set("font-family", "Helvetica, Arial, sans-serif")
        .set("font-size", size)
        .set("text-anchor", anchor)
}

fn line(x1: f64, y1: f64, x2: f64, y2: f64, color: &str, width: f64) -> Line {
    Line::new()
        .set("x1", x1)
        .set("y1", y1)
        .set("x2", x2)
        .set("y2", y2)
        .set("stroke", color)
        .set("stroke-width", width)
}

fn label(v: f64) -> String {
    let s = format!("{v:.4}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" { "0".into() } else { s.into() }
}

/// Draw the nomogram of a complete card; `patient` marks one prediction.
pub fn nomogram_svg(card: &ModelCard, patient: Option<&Prediction>) -> Result<String> {
    card.require_complete()?;
    let scale = NomogramScale::new(card)?;
    let span = WIDTH - LEFT - RIGHT;
    let max_total: f64 = scale
        .axes
        .iter()
        .map(|a| a.points.iter().cloned().fold(0.0, f64::max))
        .sum();
    let total_ticks = pretty(&[0.0, max_total.max(100.0)], 10);
    let total_max = *total_ticks.last().unwrap_or(&100.0);
    let px_points = |p: f64| LEFT + p / 100.0 * span;
    let px_total = |t: f64| LEFT + t / total_max * span;
    let rows = scale.axes.len() + 3;
    let height = TOP + rows as f64 * ROW + 40.0;
    let mut doc = Document::new()
        .set("viewBox", (0, 0, WIDTH, height))
        .set("width", WIDTH)
        .set("height", height)
        .add(
            Rectangle::new()
                .set("width", WIDTH)
                .set("height", height)
                .set("fill", "white"),
        )
        .add(text(WIDTH / 2.0, 30.0, &card.title, 15.0, "middle"))
        .add(text(
            WIDTH / 2.0,
            50.0,
            &format!("Probability of {}", card.event.description),
            12.0,
            "middle",
        ));

    // Points ruler.
    let mut y = TOP + 20.0;
    doc = doc.add(text(LEFT - 12.0, y + 4.0, "Points", 13.0, "end")).add(line(
        px_points(0.0),
        y,
        px_points(100.0),
        y,
        "black",
        1.2,
    ));
    for i in 0..=10 {
        let p = i as f64 * 10.0;
        doc = doc
            .add(line(px_points(p), y, px_points(p), y - 6.0, "black", 1.0))
            .add(text(px_points(p), y - 10.0, &label(p), 11.0, "middle"));
    }

    // One axis per predictor, ticks placed at their points.
    for a in &scale.axes {
        y += ROW;
        let lo = a.points.iter().cloned().fold(f64::INFINITY, f64::min);
        let hi = a.points.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
        doc = doc.add(text(LEFT - 12.0, y + 4.0, &a.label, 13.0, "end")).add(line(
            px_points(lo),
            y,
            px_points(hi),
            y,
            "black",
            1.2,
        ));
        let mut last_label = f64::NEG_INFINITY;
        for (tick, p) in a.ticks.iter().zip(&a.points) {
            let x = px_points(*p);
            doc = doc.add(line(x, y, x, y + 6.0, "black", 1.0));
            // Label a tick only where its text has room (rms thins crowded axes too).
            let room = 7.0 * tick.len().max(2) as f64;
            if (x - last_label).abs() >= room {
                doc = doc.add(text(x, y + 19.0, tick, 11.0, "middle"));
                last_label = x;
            }
        }
        if let Some(term) = patient.and_then(|pr| pr.terms.iter().find(|t| t.predictor == a.predictor)) {
            doc = doc
                .add(
                    Circle::new()
                        .set("cx", px_points(term.points))
                        .set("cy", y)
                        .set("r", 5.0)
                        .set("fill", "#c0392b"),
                )
                .add(
                    text(
                        px_points(term.points),
                        y - 9.0,
                        &format!("{:.1}", term.points),
                        10.0,
                        "middle",
                    )
                    .set("fill", "#c0392b"),
                );
        }
    }

    // Total points and probability.
    y += ROW;
    doc = doc
        .add(text(LEFT - 12.0, y + 4.0, "Total Points", 13.0, "end"))
        .add(line(px_total(0.0), y, px_total(total_max), y, "black", 1.2));
    for t in &total_ticks {
        doc = doc
            .add(line(px_total(*t), y, px_total(*t), y + 6.0, "black", 1.0))
            .add(text(px_total(*t), y + 19.0, &label(*t), 11.0, "middle"));
    }
    let y_total = y;
    y += ROW;
    doc = doc.add(text(LEFT - 12.0, y + 4.0, "Probability", 13.0, "end"));
    let mut drawn = Vec::new();
    let mut last_label = f64::NEG_INFINITY;
    for p in [0.01f64, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99] {
        let lp = (p / (1.0 - p)).ln();
        let t = (lp - scale.lp_at_zero) * scale.points_per_unit;
        if (0.0..=total_max).contains(&t) {
            let x = px_total(t);
            drawn.push(x);
            doc = doc.add(line(x, y, x, y + 6.0, "black", 1.0));
            if x - last_label >= 30.0 {
                doc = doc.add(text(x, y + 19.0, &label(p), 11.0, "middle"));
                last_label = x;
            }
        }
    }
    if let (Some(a), Some(b)) = (drawn.first(), drawn.last()) {
        doc = doc.add(line(*a, y, *b, y, "black", 1.2));
    }
    if let Some(pr) = patient {
        let x = px_total(pr.total_points.clamp(0.0, total_max));
        doc = doc.add(line(x, y_total - 8.0, x, y + 8.0, "#c0392b", 2.0)).add(
            text(
                x,
                y + 36.0,
                &format!(
                    "patient: {:.1} points, probability {:.3}",
                    pr.total_points,
                    logistic(pr.linear_predictor)
                ),
                12.0,
                "middle",
            )
            .set("fill", "#c0392b"),
        );
    }
    Ok(doc.to_string())
}
