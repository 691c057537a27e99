//! Text on the board: dark on a light halo, so it keeps its contrast over
//! sky, ground and shells alike.

use web_sys::CanvasRenderingContext2d;

/// Draws `words` at `(x, y)` (the baseline), `size` units high, aligned
/// `align` (`left`, `center`, `right`).
pub fn label(ctx: &CanvasRenderingContext2d, words: &str, x: f64, y: f64, size: f64, align: &str) {
    styled(ctx, words, (x, y), size, align, "#111111", "600");
}

/// As [`label`], in `colour` and bold: a damage number, the wind.
pub fn styled(
    ctx: &CanvasRenderingContext2d,
    words: &str,
    (x, y): (f64, f64),
    size: f64,
    align: &str,
    colour: &str,
    weight: &str,
) {
    ctx.set_font(&format!("{weight} {size:.1}px system-ui, sans-serif"));
    ctx.set_text_align(align);
    ctx.set_line_join("round");
    ctx.set_line_width(size / 4.0);
    ctx.set_stroke_style_str("rgba(255, 255, 255, 0.9)");
    let _ = ctx.stroke_text(words, x, y);
    ctx.set_fill_style_str(colour);
    let _ = ctx.fill_text(words, x, y);
    ctx.set_text_align("left");
}
