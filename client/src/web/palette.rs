//! The seats' colours, shared by every game's board: the Okabe–Ito
//! palette, chosen to stay distinguishable with the common forms of
//! colour blindness, each drawn with a dark outline so shapes never
//! depend on hue alone.

use volley_shared::Seat;

/// Seat colours, in seat order: vermillion, blue, bluish green, orange.
const SEAT_COLOURS: [&str; 4] = ["#d55e00", "#0072b2", "#009e73", "#e69f00"];
/// The colours' names, for text that says which seat is which.
const SEAT_COLOUR_NAMES: [&str; 4] = ["red", "blue", "green", "orange"];

/// The outline every seat-coloured shape gets.
pub const OUTLINE: &str = "#1b1b1b";

/// A seat's colour.
pub fn colour(seat: Seat) -> &'static str {
    SEAT_COLOURS.get(seat.index()).copied().unwrap_or("#555555")
}

/// A seat's colour, in words.
pub fn colour_name(seat: Seat) -> &'static str {
    SEAT_COLOUR_NAMES
        .get(seat.index())
        .copied()
        .unwrap_or("grey")
}
