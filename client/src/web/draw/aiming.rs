//! The aiming player's instruments: an arc of the angles a barrel can
//! take with the chosen one marked, and a power meter beside the tank.
//! Zoomed as the tank is ([`tank::zoom`]).

use super::{tank, text};
use crate::web::palette::{self, OUTLINE};
use std::f64::consts::PI;
use volley_shared::artillery::{Fire, MAX_ANGLE, MAX_POWER, Tank};
use web_sys::CanvasRenderingContext2d;

/// The arc's radius around the barrel's pivot.
const ARC: f64 = 40.0;
/// The meter's size.
const METER: (f64, f64) = (7.0, 44.0);

/// Draws the arc and the meter for `tank` aiming `fire`.
pub fn draw(ctx: &CanvasRenderingContext2d, tank: &Tank, fire: &Fire, text_scale: f64) {
    let zoom = tank::zoom(text_scale);
    let (px, py) = tank::pivot(tank, zoom);
    ctx.save();
    // From here on the barrel's pivot is the origin.
    let _ = ctx.translate(px, py);
    let _ = ctx.scale(zoom, zoom);
    let colour = palette::colour(tank.seat);
    let max = f64::from(MAX_ANGLE).to_radians();
    // The whole range, faint, with a tick every 45°.
    ctx.set_stroke_style_str("rgba(27, 27, 27, 0.35)");
    ctx.set_line_width(1.5);
    ctx.begin_path();
    let _ = ctx.arc(0.0, 0.0, ARC, 2.0 * PI - max, 2.0 * PI);
    ctx.stroke();
    for tick in (0..=MAX_ANGLE).step_by(45) {
        let a = f64::from(tick).to_radians();
        ctx.begin_path();
        ctx.move_to((ARC - 4.0) * a.cos(), -(ARC - 4.0) * a.sin());
        ctx.line_to((ARC + 4.0) * a.cos(), -(ARC + 4.0) * a.sin());
        ctx.stroke();
    }
    // The chosen angle: a wedge from level to it, and a dot on the arc
    // (the angle in numbers is in the line under the board).
    let angle = f64::from(fire.aim.angle_deg).to_radians();
    ctx.set_global_alpha(0.22);
    ctx.set_fill_style_str(colour);
    ctx.begin_path();
    ctx.move_to(0.0, 0.0);
    let _ = ctx.arc_with_anticlockwise(0.0, 0.0, ARC, 0.0, -angle, true);
    ctx.close_path();
    ctx.fill();
    ctx.set_global_alpha(1.0);
    ctx.set_fill_style_str(colour);
    ctx.set_stroke_style_str(OUTLINE);
    ctx.begin_path();
    let _ = ctx.arc(ARC * angle.cos(), -ARC * angle.sin(), 4.0, 0.0, 2.0 * PI);
    ctx.fill();
    ctx.stroke();
    // The power meter, right of the tank (left near the right edge).
    let (w, h) = METER;
    let x = if px > 900.0 {
        -ARC - 8.0 - w
    } else {
        ARC + 8.0
    };
    let top = 8.0 - h;
    let share = f64::from(fire.aim.power) / f64::from(MAX_POWER);
    ctx.set_fill_style_str("#f5f5f5");
    ctx.fill_rect(x, top, w, h);
    ctx.set_fill_style_str(colour);
    ctx.fill_rect(x, top + h * (1.0 - share), w, h * share);
    ctx.set_line_width(1.0);
    ctx.stroke_rect(x, top, w, h);
    let size = 11.0 * text_scale / zoom;
    let power = fire.aim.power.to_string();
    text::label(ctx, &power, x + w / 2.0, top - 4.0, size, "center");
    ctx.restore();
}
