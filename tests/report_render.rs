//! The training report's figures render: every inline `<svg>` of the report of a model trained on
//! the simulated cohort parses, rasterises (resvg, no fonts) to a picture that is not blank, and
//! carries its title, axis labels and legend as SVG text. The PNGs are written to
//! `$CARGO_TARGET_TMPDIR/report_render/` (with the SVGs) for a look.

mod train_support;

use radscore::model::simulate::{CohortSpec, simulate_cohort};
use radscore::stats::io::Table;
use radscore::train::{Cohort, TrainSettings, report, train};
use std::collections::HashSet;
use std::path::Path;
use train_support::columns;

fn report_html() -> String {
    let files = simulate_cohort(&CohortSpec::default()).unwrap().files().unwrap();
    let table = |name: &str| {
        let (_, text) = files.iter().find(|(n, _)| *n == name).unwrap();
        Table::parse(text, Path::new(name)).unwrap()
    };
    let (features, observer2, clinical) = (
        table("features.csv"),
        table("features_observer2.csv"),
        table("clinical.csv"),
    );
    let cohort = Cohort::from_tables(&features, Some(&observer2), &clinical, &columns()).unwrap();
    let settings = TrainSettings {
        bootstrap: 10,
        ..TrainSettings::default()
    };
    report::render(&train(&cohort, &settings).unwrap()).unwrap()
}

/// Every `<svg ...>...</svg>` of the document, in order.
fn svgs(html: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find("<svg") {
        let end = rest[start..].find("</svg>").expect("unclosed <svg>") + start + "</svg>".len();
        out.push(&rest[start..end]);
        rest = &rest[end..];
    }
    out
}

/// The text content of every `<text>` element.
fn texts(svg: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = svg;
    while let Some(open) = rest.find("<text") {
        let body = &rest[open..];
        let start = body.find('>').unwrap() + 1;
        let end = body.find("</text>").expect("unclosed <text>");
        out.push(body[start..end].trim().replace("&apos;", "'").replace("&amp;", "&"));
        rest = &body[end..];
    }
    out
}

struct Raster {
    /// Fraction of pixels that are not (near) white or transparent.
    inked: f64,
    /// Distinct opaque colours.
    colours: usize,
    /// Pixels of a saturated colour (a coloured curve, not grey or black).
    coloured: usize,
}

fn rasterise(svg: &str, png: &Path) -> Raster {
    let tree = resvg::usvg::Tree::from_str(svg, &resvg::usvg::Options::default()).expect("valid SVG");
    let size = tree.size().to_int_size();
    let mut pixmap = resvg::tiny_skia::Pixmap::new(size.width(), size.height()).unwrap();
    pixmap.fill(resvg::tiny_skia::Color::WHITE);
    resvg::render(&tree, resvg::tiny_skia::Transform::default(), &mut pixmap.as_mut());
    pixmap.save_png(png).unwrap();
    let pixels = pixmap.pixels();
    let rgb = |p: &resvg::tiny_skia::PremultipliedColorU8| [p.red(), p.green(), p.blue()];
    let inked = pixels.iter().filter(|p| rgb(p).iter().any(|&c| c < 235)).count();
    let colours: HashSet<[u8; 3]> = pixels.iter().map(rgb).collect();
    let coloured = pixels
        .iter()
        .filter(|p| {
            let c = rgb(p);
            c.iter().max().unwrap() - c.iter().min().unwrap() > 80
        })
        .count();
    Raster {
        inked: inked as f64 / pixels.len() as f64,
        colours: colours.len(),
        coloured,
    }
}

#[test]
fn every_report_figure_renders_and_is_labelled() {
    let html = report_html();
    assert!(!html.contains("href") && !html.contains("src="), "self-contained");
    assert!(!html.contains("<script"), "no scripts");
    let figures = svgs(&html);
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("report_render");
    std::fs::create_dir_all(&dir).unwrap();
    // (title, x label, y label, legend entries) of the line charts, in report order.
    let expected: [(&str, &str, &str, &[&str]); 5] = [
        (
            "LASSO 10-fold cross-validation",
            "log(λ)",
            "binomial deviance",
            &["lambda.min", "lambda.1se"],
        ),
        (
            "LASSO coefficient path",
            "log(λ)",
            "coefficient (z-scored feature)",
            &[],
        ),
        (
            "ROC curves",
            "1 − specificity",
            "sensitivity",
            &["Radscore AUC", "Clinical model AUC", "Fusion model AUC"],
        ),
        (
            "Calibration (apparent, lowess)",
            "predicted probability",
            "observed proportion",
            &["lowess"],
        ),
        (
            "Decision curve",
            "threshold probability",
            "net benefit",
            &["fusion model", "treat all", "treat none"],
        ),
    ];
    assert_eq!(figures.len(), expected.len() + 1, "five charts and the nomogram");
    for (k, svg) in figures.iter().enumerate() {
        let text = texts(svg);
        std::fs::write(dir.join(format!("figure{}.svg", k + 1)), svg).unwrap();
        let raster = rasterise(svg, &dir.join(format!("figure{}.png", k + 1)));
        println!(
            "figure {}: {} bytes, {} text elements, {:.1}% inked, {} colours, {} coloured pixels",
            k + 1,
            svg.len(),
            text.len(),
            100.0 * raster.inked,
            raster.colours,
            raster.coloured
        );
        assert!(
            raster.inked > 0.01,
            "figure {} is blank: {:.4} inked",
            k + 1,
            raster.inked
        );
        assert!(raster.colours > 2, "figure {} has {} colours", k + 1, raster.colours);
        let Some((title, xlabel, ylabel, legend)) = expected.get(k) else {
            // The nomogram (drawn by model::figure, tested in tests/model.rs).
            assert!(text.iter().any(|t| t == "Total Points"), "nomogram axes: {text:?}");
            continue;
        };
        assert!(
            raster.coloured > 200,
            "figure {} ({title}) draws no coloured curve",
            k + 1
        );
        for label in [title, xlabel, ylabel].into_iter().chain(legend.iter()) {
            assert!(
                text.iter().any(|t| t.starts_with(label)),
                "figure {} ({title}): no text '{label}' in {text:?}",
                k + 1
            );
        }
        // Tick labels: at least three numbers on each axis.
        let numbers = text.iter().filter(|t| t.parse::<f64>().is_ok()).count();
        assert!(numbers >= 6, "figure {} ({title}): {numbers} tick labels", k + 1);
        assert!(svg.contains("<polyline"), "figure {} ({title}) has no line", k + 1);
    }
}
