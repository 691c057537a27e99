//! A shot on the board: the shell in flight, the last shot's trail kept
//! faintly until the next, the explosion, and the damage it did.

use super::{screen_y, text};
use crate::web::palette;
use glam::Vec2;
use std::f64::consts::TAU;
use volley_shared::Seat;
use wasm_bindgen::JsValue;
use web_sys::CanvasRenderingContext2d;

/// A number of hit points lost, shown where it happened.
pub struct Damage {
    /// Where, in world units.
    pub at: Vec2,
    /// How many.
    pub points: u8,
    /// How far through its showing (0 to 1): it rises and fades.
    pub progress: f64,
}

/// The trail of `seat`'s last shot, dashed and faint.
pub fn trail(ctx: &CanvasRenderingContext2d, seat: Seat, path: &[Vec2]) {
    let Some(first) = path.first() else {
        return;
    };
    ctx.set_global_alpha(0.45);
    ctx.set_stroke_style_str(palette::colour(seat));
    ctx.set_line_width(2.0);
    let dashes = js_sys::Array::of2(&JsValue::from(6.0), &JsValue::from(6.0));
    let _ = ctx.set_line_dash(&dashes);
    ctx.begin_path();
    ctx.move_to(f64::from(first.x), screen_y(first.y));
    for point in path.iter().skip(1) {
        ctx.line_to(f64::from(point.x), screen_y(point.y));
    }
    ctx.stroke();
    let _ = ctx.set_line_dash(&js_sys::Array::new());
    ctx.set_global_alpha(1.0);
}

/// The shell at the end of the path it has flown so far.
pub fn shell(ctx: &CanvasRenderingContext2d, path: &[Vec2]) {
    let Some(at) = path.last() else {
        return;
    };
    ctx.set_fill_style_str("#1b1b1b");
    ctx.begin_path();
    let _ = ctx.arc(f64::from(at.x), screen_y(at.y), 3.5, 0.0, TAU);
    ctx.fill();
}

/// An explosion of `radius` at `at`, drawn at `strength` (0 to 1).
pub fn blast(ctx: &CanvasRenderingContext2d, at: Vec2, radius: f32, strength: f64) {
    let (x, y) = (f64::from(at.x), screen_y(at.y));
    let strength = strength.clamp(0.0, 1.0);
    for (share, colour) in [(1.0, "#ffb000"), (0.6, "#ff6a00"), (0.3, "#fff3b0")] {
        ctx.set_global_alpha(strength * 0.85);
        ctx.set_fill_style_str(colour);
        ctx.begin_path();
        let _ = ctx.arc(x, y, f64::from(radius) * share, 0.0, TAU);
        ctx.fill();
    }
    ctx.set_global_alpha(1.0);
}

/// A damage number, rising and fading as it goes.
pub fn damage(ctx: &CanvasRenderingContext2d, hit: &Damage, text_scale: f64) {
    let progress = hit.progress.clamp(0.0, 1.0);
    let rise = 36.0 * progress;
    ctx.set_global_alpha(1.0 - progress * progress);
    let size = 18.0 * text_scale;
    text::styled(
        ctx,
        &format!("−{}", hit.points),
        (
            f64::from(hit.at.x),
            screen_y(hit.at.y) - 84.0 * super::tank::zoom(text_scale) - rise,
        ),
        size,
        "center",
        "#a00000",
        "800",
    );
    ctx.set_global_alpha(1.0);
}
