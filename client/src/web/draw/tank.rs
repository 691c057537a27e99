//! A tank: hull, turret and a barrel at its aimed angle in its seat's
//! colour, a hit-point bar over it, and its player's name. Drawn larger
//! when the board is shown small, so a phone still shows a tank.

use super::{screen_y, text};
use crate::web::palette::{self, OUTLINE};
use std::f64::consts::PI;
use volley_shared::artillery::{Fire, START_HP, Tank};
use web_sys::CanvasRenderingContext2d;

/// The hull's half width and height, in world units at zoom 1.
const HULL: (f64, f64) = (15.0, 8.0);
/// The turret's radius.
const TURRET: f64 = 7.5;
/// The barrel's length from the turret's centre.
const BARREL: f64 = 22.0;

/// How much larger than world size tanks and their instruments are drawn
/// for a text scale (1 on a desktop, up to 3 on a phone).
pub fn zoom(text_scale: f64) -> f64 {
    text_scale.max(1.0).sqrt()
}

/// Where a tank's barrel turns, on the canvas.
pub fn pivot(tank: &Tank, zoom: f64) -> (f64, f64) {
    (f64::from(tank.x), screen_y(tank.y) - HULL.1 * zoom)
}

/// Draws `tank` aimed at `aim` (level when unknown), with its bar and
/// `name`.
pub fn draw(
    ctx: &CanvasRenderingContext2d,
    tank: &Tank,
    aim: Option<&Fire>,
    name: &str,
    text_scale: f64,
) {
    let zoom = zoom(text_scale);
    let x = f64::from(tank.x);
    ctx.save();
    // From here on the tank's ground point is the origin.
    let _ = ctx.translate(x, screen_y(tank.y));
    let _ = ctx.scale(zoom, zoom);
    ctx.set_global_alpha(if tank.alive() { 1.0 } else { 0.35 });
    ctx.set_line_join("round");
    ctx.set_line_cap("round");
    let colour = palette::colour(tank.seat);
    let (w, h) = HULL;
    if tank.alive() {
        let level = if x < 512.0 { 45.0 } else { 135.0 };
        let radians = aim
            .map_or(level, |f| f64::from(f.aim.angle_deg))
            .to_radians();
        let end = (BARREL * radians.cos(), -h - BARREL * radians.sin());
        ctx.set_stroke_style_str(OUTLINE);
        ctx.set_line_width(6.0);
        line(ctx, (0.0, -h), end);
        ctx.set_stroke_style_str(colour);
        ctx.set_line_width(3.5);
        line(ctx, (0.0, -h), end);
    }
    // The turret, a half disc on the hull.
    ctx.set_fill_style_str(colour);
    ctx.set_stroke_style_str(OUTLINE);
    ctx.set_line_width(1.5);
    ctx.begin_path();
    let _ = ctx.arc(0.0, -h, TURRET, PI, 2.0 * PI);
    ctx.close_path();
    ctx.fill();
    ctx.stroke();
    // The hull, narrower at the bottom, over its wheels.
    ctx.begin_path();
    ctx.move_to(-w, -h);
    ctx.line_to(w, -h);
    ctx.line_to(w - 3.0, -1.0);
    ctx.line_to(-w + 3.0, -1.0);
    ctx.close_path();
    ctx.fill();
    ctx.stroke();
    ctx.set_fill_style_str(OUTLINE);
    for wheel in [-9.0, 0.0, 9.0] {
        ctx.begin_path();
        let _ = ctx.arc(wheel, -2.5, 2.6, 0.0, 2.0 * PI);
        ctx.fill();
    }
    // Above the aiming arc ([`super::aiming`]), which reaches 52 units up.
    hit_points(ctx, tank, -60.0);
    let size = 12.0 * text_scale / zoom;
    let label = format!("{name} · {}", tank.hp);
    text::label(ctx, &label, 0.0, -63.0 - size * 0.2, size, "center");
    ctx.restore();
}

/// The hit-point bar centred over the origin at height `y`: the share
/// left, outlined; the label above says the number.
fn hit_points(ctx: &CanvasRenderingContext2d, tank: &Tank, y: f64) {
    let (w, h) = (34.0, 5.0);
    let share = f64::from(tank.hp) / f64::from(START_HP);
    ctx.set_fill_style_str("#f5f5f5");
    ctx.fill_rect(-w / 2.0, y, w, h);
    ctx.set_fill_style_str(palette::colour(tank.seat));
    ctx.fill_rect(-w / 2.0, y, w * share.clamp(0.0, 1.0), h);
    ctx.set_stroke_style_str(OUTLINE);
    ctx.set_line_width(1.0);
    ctx.stroke_rect(-w / 2.0, y, w, h);
}

fn line(ctx: &CanvasRenderingContext2d, from: (f64, f64), to: (f64, f64)) {
    ctx.begin_path();
    ctx.move_to(from.0, from.1);
    ctx.line_to(to.0, to.1);
    ctx.stroke();
}
