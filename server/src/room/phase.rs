//! Where a room is in its life: the [`Phase`] enum, each variant saying how
//! it is entered and left. Kept apart from [`super::engine`], which moves a
//! room from phase to phase, so the life cycle reads on its own and the
//! Durable Object's status pages can name a phase without the engine.

use serde::{Deserialize, Serialize};
use volley_shared::game::Outcome;

/// Where a room is in its life.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Phase {
    /// Waiting for seats. Entered at creation. Left for `InTurn` when every
    /// seat has said hello, or when the seat reservation runs out with at
    /// least one seat taken; for `Closed` when it runs out with none.
    Waiting {
        /// Which seats have connected at least once.
        joined: Vec<bool>,
    },
    /// A seat is to move before a deadline. Each new turn moves the
    /// deadline; a missed deadline times the turn out. Left for `Finished`
    /// when the game ends.
    InTurn {
        /// When the current turn times out, in ms since the Unix epoch.
        deadline_ms: u64,
    },
    /// The game is over; the replay is kept until the retention timer.
    /// Left for `Closed` when it fires.
    Finished {
        /// How the game ended.
        outcome: Outcome,
    },
    /// The room deleted its storage; final. (A room in this phase is never
    /// loaded again: its record is gone.)
    Closed,
}

impl Phase {
    /// A short name for status pages.
    pub fn name(&self) -> &'static str {
        match self {
            Phase::Waiting { .. } => "waiting",
            Phase::InTurn { .. } => "in_turn",
            Phase::Finished { .. } => "finished",
            Phase::Closed => "closed",
        }
    }
}
