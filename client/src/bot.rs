//! How a headless bot plays.

use volley_shared::Seat;
use volley_shared::ai::choose_fire;
use volley_shared::artillery::{Artillery, Fire};

/// A bot's way of playing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Strategy {
    /// Aim with the shared AI and fire at once.
    Aim,
    /// Never move: every turn times out (to test turn deadlines).
    Idle,
}

impl Strategy {
    /// The shot to fire now, if any.
    pub fn decide(self, state: &Artillery, seat: Seat) -> Option<Fire> {
        match self {
            Strategy::Aim => Some(choose_fire(state, seat)),
            Strategy::Idle => None,
        }
    }
}
