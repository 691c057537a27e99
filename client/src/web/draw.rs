//! Drawing a game on a 2D canvas whose pixels are world units (1024 × 512,
//! y up in the world, down on the canvas); CSS scales it to the screen.

use volley_shared::Seat;
use volley_shared::artillery::{Artillery, Fire, WORLD_HEIGHT, WORLD_WIDTH, Weapon};
use web_sys::CanvasRenderingContext2d;

const SEAT_COLOURS: [&str; 4] = ["#e4572e", "#2e86ab", "#76b041", "#f3a712"];

/// What to draw besides the game itself.
pub struct Overlay<'a> {
    /// The aim to show for each seat (mine, or another's live aim).
    pub aims: Vec<(Seat, Fire)>,
    /// A shell in flight: the points of its path flown so far.
    pub shell: Option<&'a [glam::Vec2]>,
    /// An explosion: centre, radius, and how strongly to draw it (0 to 1).
    pub blast: Option<(glam::Vec2, f32, f64)>,
    /// How much to enlarge text, so it stays readable when the board is
    /// drawn small (1 on a desktop, up to 3 on a phone).
    pub text_scale: f64,
}

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
    ctx.set_fill_style_str("#9fd3f0");
    ctx.fill_rect(0.0, 0.0, w, h);

    ctx.set_fill_style_str("#6b4f2a");
    ctx.begin_path();
    ctx.move_to(0.0, h);
    for (x, height) in game.terrain.heights().iter().enumerate().step_by(2) {
        ctx.line_to(x as f64, screen_y(*height));
    }
    ctx.line_to(w, h);
    ctx.close_path();
    ctx.fill();

    for tank in &game.tanks {
        let colour = SEAT_COLOURS
            .get(tank.seat.index())
            .copied()
            .unwrap_or("#333");
        let (x, y) = (f64::from(tank.x), screen_y(tank.y));
        ctx.set_global_alpha(if tank.alive() { 1.0 } else { 0.35 });
        ctx.set_fill_style_str(colour);
        ctx.fill_rect(x - 10.0, y - 9.0, 20.0, 9.0);
        if let Some((_, fire)) = overlay.aims.iter().find(|(seat, _)| *seat == tank.seat) {
            let radians = f64::from(fire.aim.angle_deg).to_radians();
            ctx.set_stroke_style_str(colour);
            ctx.set_line_width(3.0);
            ctx.begin_path();
            ctx.move_to(x, y - 6.0);
            ctx.line_to(x + 14.0 * radians.cos(), y - 6.0 - 14.0 * radians.sin());
            ctx.stroke();
        }
        ctx.set_fill_style_str("#111");
        let size = 12.0 * overlay.text_scale;
        ctx.set_font(&format!("{size:.0}px sans-serif"));
        let name = names.get(tank.seat.index()).map_or("?", String::as_str);
        let _ = ctx.fill_text(&format!("{name} {}", tank.hp), x - 2.0 * size, y - 16.0);
        ctx.set_global_alpha(1.0);
    }

    if let Some(path) = overlay.shell
        && let Some(last) = path.last()
    {
        ctx.set_fill_style_str("#111");
        ctx.begin_path();
        let _ = ctx.arc(
            f64::from(last.x),
            screen_y(last.y),
            3.0,
            0.0,
            std::f64::consts::TAU,
        );
        ctx.fill();
    }

    if let Some((at, radius, strength)) = overlay.blast {
        ctx.set_global_alpha(strength.clamp(0.0, 1.0));
        ctx.set_fill_style_str("#ff8c1a");
        ctx.begin_path();
        let _ = ctx.arc(
            f64::from(at.x),
            screen_y(at.y),
            f64::from(radius),
            0.0,
            std::f64::consts::TAU,
        );
        ctx.fill();
        ctx.set_global_alpha(1.0);
    }

    ctx.set_fill_style_str("#111");
    let size = 14.0 * overlay.text_scale;
    ctx.set_font(&format!("{size:.0}px sans-serif"));
    let wind = match game.wind {
        w if w < 0 => format!("wind ← {}", -w),
        w if w > 0 => format!("wind → {w}"),
        _ => "no wind".to_string(),
    };
    let _ = ctx.fill_text(&wind, w / 2.0 - 2.5 * size, 1.5 * size);
}

/// A weapon's name for people.
pub fn weapon_name(weapon: Weapon) -> &'static str {
    match weapon {
        Weapon::Shell => "shell",
        Weapon::Heavy => "heavy shell",
    }
}
