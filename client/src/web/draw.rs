//! Drawing an artillery game on a 2D canvas whose units are world units
//! (1024 × 512, y up in the world, down on the canvas); the page scales
//! the canvas to the screen and its pixel ratio. The parts, one file each:
//! [`tank`] (hull, turret, barrel, hit points), [`aiming`] (angle arc and
//! power meter), [`shot`] (shell, trail, explosion, damage numbers) and
//! [`text`] (labels that keep their contrast).

mod aiming;
pub mod shot;
mod tank;
mod text;

use crate::web::palette::{self, OUTLINE};
use glam::Vec2;
use shot::Damage;
use volley_shared::Seat;
use volley_shared::artillery::{Artillery, Fire, MAX_WIND, WORLD_HEIGHT, WORLD_WIDTH, Weapon};
use web_sys::CanvasRenderingContext2d;

/// What to draw besides the game itself.
pub struct Overlay<'a> {
    /// The aim to show for each seat (mine, or another's live aim).
    pub aims: Vec<(Seat, Fire)>,
    /// The seat to move and the aim it shows, for its arc and meter.
    pub aiming: Option<(Seat, Fire)>,
    /// A shell in flight: the points of its path flown so far.
    pub shell: Option<&'a [Vec2]>,
    /// The last shot's whole path and who fired it.
    pub trail: Option<(Seat, &'a [Vec2])>,
    /// An explosion: centre, radius, and how strongly to draw it (0 to 1).
    pub blast: Option<(Vec2, f32, f64)>,
    /// Damage numbers of the last shot, while they show.
    pub damage: Vec<Damage>,
    /// Whose turn it is and the share of it left (0 to 1).
    pub clock: Option<(Seat, f64)>,
    /// How much to enlarge text, so it stays readable when the board is
    /// drawn small (1 on a desktop, up to 3 on a phone).
    pub text_scale: f64,
}

/// The canvas y of world height `y`.
fn screen_y(y: f32) -> f64 {
    f64::from(WORLD_HEIGHT - y)
}

/// Draws the whole scene.
pub fn scene(
    ctx: &CanvasRenderingContext2d,
    game: &Artillery,
    names: &[String],
    overlay: &Overlay,
) {
    let (w, h) = (f64::from(WORLD_WIDTH), f64::from(WORLD_HEIGHT));
    let sky = ctx.create_linear_gradient(0.0, 0.0, 0.0, h);
    let _ = sky.add_color_stop(0.0, "#8ccbee");
    let _ = sky.add_color_stop(1.0, "#e3f2fa");
    ctx.set_fill_style_canvas_gradient(&sky);
    ctx.fill_rect(0.0, 0.0, w, h);
    ground(ctx, game, h);

    if let Some((seat, path)) = overlay.trail {
        shot::trail(ctx, seat, path);
    }
    for tank in &game.tanks {
        let aim = overlay
            .aims
            .iter()
            .find(|(seat, _)| *seat == tank.seat)
            .map(|(_, fire)| fire);
        let name = names.get(tank.seat.index()).map_or("?", String::as_str);
        tank::draw(ctx, tank, aim, name, overlay.text_scale);
    }
    if overlay.shell.is_none()
        && let Some((seat, fire)) = &overlay.aiming
        && let Some(tank) = game.tank(*seat).filter(|t| t.alive())
    {
        aiming::draw(ctx, tank, fire, overlay.text_scale);
    }
    if let Some(path) = overlay.shell {
        shot::shell(ctx, path);
    }
    if let Some((at, radius, strength)) = overlay.blast {
        shot::blast(ctx, at, radius, strength);
    }
    for hit in &overlay.damage {
        shot::damage(ctx, hit, overlay.text_scale);
    }
    wind(ctx, game.wind, w, overlay.text_scale);
    if let Some((seat, left)) = overlay.clock {
        clock(ctx, seat, left, w);
    }
}

/// The ground, with a darker crust along its surface.
fn ground(ctx: &CanvasRenderingContext2d, game: &Artillery, h: f64) {
    ctx.begin_path();
    ctx.move_to(0.0, h);
    for (x, height) in game.terrain.heights().iter().enumerate().step_by(2) {
        ctx.line_to(x as f64, screen_y(*height));
    }
    ctx.line_to(f64::from(WORLD_WIDTH), h);
    ctx.close_path();
    let earth = ctx.create_linear_gradient(0.0, h * 0.3, 0.0, h);
    let _ = earth.add_color_stop(0.0, "#8a6a3b");
    let _ = earth.add_color_stop(1.0, "#5a4222");
    ctx.set_fill_style_canvas_gradient(&earth);
    ctx.fill();
    ctx.set_stroke_style_str("#3f5d22");
    ctx.set_line_width(3.0);
    ctx.stroke();
}

/// The wind: an arrow at the top whose length is its strength.
fn wind(ctx: &CanvasRenderingContext2d, wind: i8, w: f64, text_scale: f64) {
    let size = 13.0 * text_scale;
    let (cx, y) = (w / 2.0, 14.0 + size);
    let words = match wind {
        0 => "no wind".to_string(),
        w => format!("wind {}", w.unsigned_abs()),
    };
    text::label(ctx, &words, cx, y, size, "center");
    if wind == 0 {
        return;
    }
    let length = 90.0 * f64::from(wind.unsigned_abs()) / f64::from(MAX_WIND.unsigned_abs());
    let dir = f64::from(wind.signum());
    let (from, to, ay) = (cx - dir * length / 2.0, cx + dir * length / 2.0, y + 12.0);
    ctx.set_stroke_style_str(OUTLINE);
    ctx.set_fill_style_str(OUTLINE);
    ctx.set_line_width(3.0);
    ctx.begin_path();
    ctx.move_to(from, ay);
    ctx.line_to(to - dir * 8.0, ay);
    ctx.stroke();
    ctx.begin_path();
    ctx.move_to(to, ay);
    ctx.line_to(to - dir * 10.0, ay - 6.0);
    ctx.line_to(to - dir * 10.0, ay + 6.0);
    ctx.close_path();
    ctx.fill();
}

/// The turn's clock: a bar across the top in the seat's colour, draining.
fn clock(ctx: &CanvasRenderingContext2d, seat: Seat, left: f64, w: f64) {
    let left = left.clamp(0.0, 1.0);
    ctx.set_fill_style_str("rgba(27, 27, 27, 0.25)");
    ctx.fill_rect(0.0, 0.0, w, 7.0);
    ctx.set_fill_style_str(palette::colour(seat));
    ctx.fill_rect(0.0, 0.0, w * left, 7.0);
}

/// A weapon's name for people.
pub fn weapon_name(weapon: Weapon) -> &'static str {
    match weapon {
        Weapon::Shell => "shell",
        Weapon::Heavy => "heavy shell",
    }
}
