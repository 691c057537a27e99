//! The simulation's chart (plotters, SVG): one mode's coordinator shards,
//! requests a second minute by minute over the simulated day, for one
//! regional design against the one shard per mode, under the ~1,000
//! requests a second one object is guided to.

use super::report::{OBJECT_GUIDANCE_RPS, shard_label};
use super::shard::Shard;
use plotters::prelude::*;
use std::path::Path;
use volley_server::matchmaker::shards::{Pool, Region};
use volley_shared::Mode;

/// A colour per region, from Okabe and Ito's palette (distinguishable by
/// colour-blind readers); the global pool is black.
fn colour(pool: Pool) -> RGBColor {
    match pool {
        Pool::Regional(Region::Africa) => RGBColor(0xE6, 0x9F, 0x00),
        Pool::Regional(Region::Asia) => RGBColor(0x56, 0xB4, 0xE9),
        Pool::Regional(Region::Europe) => RGBColor(0x00, 0x9E, 0x73),
        Pool::Regional(Region::NorthAmerica) => RGBColor(0x00, 0x72, 0xB2),
        Pool::Regional(Region::Oceania) => RGBColor(0xD5, 0x5E, 0x00),
        Pool::Regional(Region::SouthAmerica) => RGBColor(0xCC, 0x79, 0xA7),
        Pool::Global => BLACK,
    }
}

/// Draws `mode`'s shards of `regional` (thin, one colour per region) and
/// of `per_mode` (thick, grey) into an SVG at `path`; `design` names the
/// regional design in the title.
pub fn write_svg(
    path: &Path,
    mode: Mode,
    design: &str,
    regional: &[Shard],
    per_mode: &[Shard],
) -> Result<(), String> {
    let fail = |e: &dyn std::fmt::Display| format!("could not draw {}: {e}", path.display());
    let mut series: Vec<(String, Vec<f64>, ShapeStyle)> = per_mode
        .iter()
        .filter(|s| s.mode == mode)
        .map(|s| {
            let label = format!("{} (one shard per mode)", shard_label(s));
            (
                label,
                s.load.per_minute(),
                RGBColor(0x99, 0x99, 0x99).stroke_width(5),
            )
        })
        .collect();
    series.extend(regional.iter().filter(|s| s.mode == mode).map(|s| {
        let label = match s.pool {
            Pool::Global => format!("{} (global pool)", shard_label(s)),
            Pool::Regional(_) => shard_label(s),
        };
        (label, s.load.per_minute(), colour(s.pool).stroke_width(2))
    }));
    let minutes = series
        .iter()
        .map(|(_, v, _)| v.len())
        .max()
        .unwrap_or(1)
        .max(1);
    let top = series
        .iter()
        .flat_map(|(_, v, _)| v.iter().copied())
        .fold(OBJECT_GUIDANCE_RPS * 1.15, f64::max);

    let root = SVGBackend::new(path, (960, 520)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| fail(&e))?;
    let title = format!(
        "{} coordinator shards over a simulated day: {design} against one shard per mode",
        mode.as_str()
    );
    let mut chart = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 18))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(60)
        .build_cartesian_2d(0f64..minutes as f64 / 60.0, 0f64..top)
        .map_err(|e| fail(&e))?;
    chart
        .configure_mesh()
        .x_desc("hour of the day (UTC)")
        .y_desc("requests a second (minute's mean)")
        .draw()
        .map_err(|e| fail(&e))?;
    let hours = minutes as f64 / 60.0;
    let guidance = RED.stroke_width(1);
    chart
        .draw_series(DashedLineSeries::new(
            [(0.0, OBJECT_GUIDANCE_RPS), (hours, OBJECT_GUIDANCE_RPS)],
            8,
            5,
            guidance,
        ))
        .map_err(|e| fail(&e))?
        .label("~1,000 requests/s: one object's guidance")
        .legend(move |(x, y)| PathElement::new([(x, y), (x + 20, y)], guidance));
    for (label, values, style) in series {
        chart
            .draw_series(LineSeries::new(
                values
                    .iter()
                    .enumerate()
                    .map(|(m, v)| (m as f64 / 60.0, *v)),
                style,
            ))
            .map_err(|e| fail(&e))?
            .label(label)
            .legend(move |(x, y)| PathElement::new([(x, y), (x + 20, y)], style));
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::MiddleRight)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .draw()
        .map_err(|e| fail(&e))?;
    root.present().map_err(|e| fail(&e))?;
    Ok(())
}
