//! The chart of a load run: move round-trip percentiles (p50, p90, p99)
//! for each second of the run, as an SVG (plotters).

use super::report::{LoadReport, TimelinePoint};
use plotters::prelude::*;
use std::path::Path;
use thiserror::Error;

/// The chart could not be drawn or written.
#[derive(Debug, Error)]
#[error("could not draw the chart {path}: {message}")]
pub struct ChartError {
    path: String,
    message: String,
}

/// Draws the report's latency timeline into an SVG file at `path`.
pub fn write_svg(report: &LoadReport, path: &Path) -> Result<(), ChartError> {
    let fail = |e: &dyn std::fmt::Display| ChartError {
        path: path.display().to_string(),
        message: e.to_string(),
    };
    let points: Vec<&TimelinePoint> = report.timeline.iter().filter(|p| p.moves > 0).collect();
    let seconds = report.timeline.len().max(1) as u32;
    let top = points.iter().map(|p| p.p99_ms).fold(1.0f64, f64::max) * 1.1;

    let root = SVGBackend::new(path, (960, 480)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| fail(&e))?;
    let title = format!(
        "Volley move round trip, {} bots ({}, think {} ms)",
        report.config.players, report.config.mode, report.config.think_ms
    );
    let mut chart = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 20))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(60)
        .build_cartesian_2d(0u32..seconds, 0f64..top)
        .map_err(|e| fail(&e))?;
    chart
        .configure_mesh()
        .x_desc("seconds since start")
        .y_desc("fire → resolved event (ms)")
        .draw()
        .map_err(|e| fail(&e))?;
    type Series = (&'static str, RGBColor, fn(&TimelinePoint) -> f64);
    let series: [Series; 3] = [
        ("p50", BLUE, |p| p.p50_ms),
        ("p90", GREEN, |p| p.p90_ms),
        ("p99", RED, |p| p.p99_ms),
    ];
    for (label, color, value) in series {
        chart
            .draw_series(LineSeries::new(
                points.iter().map(|p| (p.second, value(p))),
                color.stroke_width(2),
            ))
            .map_err(|e| fail(&e))?
            .label(label)
            .legend(move |(x, y)| PathElement::new([(x, y), (x + 20, y)], color.stroke_width(2)));
    }
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .draw()
        .map_err(|e| fail(&e))?;
    root.present().map_err(|e| fail(&e))?;
    Ok(())
}
