//! Drawing a Connect Four board on the same 1024 × 512 canvas as
//! artillery, and which column a point on it is over.

use super::palette::{OUTLINE, colour};
use volley_shared::Seat;
use volley_shared::connect_four::{COLUMNS, ConnectFour, ROWS};
use web_sys::CanvasRenderingContext2d;

/// One cell's size, in canvas units.
const CELL: f64 = 66.0;
/// The board's left edge.
const LEFT: f64 = (1024.0 - CELL * COLUMNS as f64) / 2.0;
/// The board's top edge.
const TOP: f64 = 512.0 - CELL * ROWS as f64 - 8.0;

/// What to draw besides the board itself.
pub struct Overlay {
    /// The column each seat hovers over (mine, or another's live column).
    pub hovers: Vec<(Seat, u8)>,
    /// The last disc dropped, to mark it: column and row.
    pub last: Option<(u8, u8)>,
    /// How much to enlarge text, so it stays readable when drawn small.
    pub text_scale: f64,
}

/// The column under canvas x (in canvas units), if any.
pub fn column_at(x: f64) -> Option<u8> {
    let column = ((x - LEFT) / CELL).floor();
    (0.0..f64::from(COLUMNS))
        .contains(&column)
        .then_some(column as u8)
}

/// Draws the board, its discs, the hovered columns and the players' names.
pub fn scene(
    ctx: &CanvasRenderingContext2d,
    game: &ConnectFour,
    names: &[String],
    overlay: &Overlay,
) {
    ctx.set_fill_style_str("#f4f1e8");
    ctx.fill_rect(0.0, 0.0, 1024.0, 512.0);
    for (seat, column) in &overlay.hovers {
        let x = LEFT + CELL * f64::from(*column);
        ctx.set_global_alpha(0.25);
        ctx.set_fill_style_str(colour(*seat));
        ctx.fill_rect(x, 0.0, CELL, TOP);
        ctx.set_global_alpha(1.0);
        disc(ctx, x + CELL / 2.0, TOP - CELL / 2.0, colour(*seat));
    }
    // Slate, not blue: the blue seat's discs must stand out on it.
    ctx.set_fill_style_str("#3b4750");
    ctx.fill_rect(
        LEFT - 6.0,
        TOP - 6.0,
        CELL * f64::from(COLUMNS) + 12.0,
        CELL * f64::from(ROWS) + 12.0,
    );
    for column in 0..COLUMNS {
        for row in 0..ROWS {
            let x = LEFT + CELL * (f64::from(column) + 0.5);
            let y = TOP + CELL * (f64::from(ROWS - 1 - row) + 0.5);
            let held = game
                .columns
                .get(usize::from(column))
                .and_then(|discs| discs.get(usize::from(row)));
            let fill = held.map_or("#f4f1e8", |seat| colour(Seat(*seat)));
            disc(ctx, x, y, fill);
            if overlay.last == Some((column, row)) {
                ctx.set_stroke_style_str("#111");
                ctx.set_line_width(4.0);
                ctx.begin_path();
                let _ = ctx.arc(x, y, CELL * 0.2, 0.0, std::f64::consts::TAU);
                ctx.stroke();
            }
        }
    }
    let size = 16.0 * overlay.text_scale;
    ctx.set_font(&format!("{size:.0}px sans-serif"));
    // Each player's colour and name, in the margins beside the board.
    for (index, name) in names.iter().enumerate().take(2) {
        let seat = Seat(index as u8);
        let x = if index == 0 {
            16.0
        } else {
            1024.0 - LEFT + 16.0
        };
        disc(ctx, x + CELL * 0.4, 48.0, colour(seat));
        ctx.set_fill_style_str("#111");
        let _ = ctx.fill_text(name, x + CELL * 0.9, 48.0 + size / 3.0);
    }
}

/// A disc (or an empty hole), outlined so discs differ by more than hue.
fn disc(ctx: &CanvasRenderingContext2d, x: f64, y: f64, fill: &str) {
    ctx.set_fill_style_str(fill);
    ctx.set_stroke_style_str(OUTLINE);
    ctx.set_line_width(2.0);
    ctx.begin_path();
    let _ = ctx.arc(x, y, CELL * 0.4, 0.0, std::f64::consts::TAU);
    ctx.fill();
    ctx.stroke();
}
