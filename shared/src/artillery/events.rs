//! What happens in an artillery game, and how each event changes the state.
//!
//! The server decides; the events say what it decided in full (where the
//! shell landed, the crater, the damage, where tanks came to rest, who was
//! destroyed), so a client only applies and animates them.

use super::{Artillery, Fire, Landing, Leave, TIMEOUTS_TO_FORFEIT, Weapon, terrain::Crater};
use crate::game::Outcome;
use crate::ids::Seat;
use serde::{Deserialize, Serialize};

/// Something that happened in an artillery game, in the order it happened.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum ArtilleryEvent {
    /// A new turn began.
    TurnStarted {
        /// Whose turn it is.
        seat: Seat,
        /// The wind for this turn.
        wind: i8,
        /// The turn's number, from 1.
        turn: u32,
        /// Full rounds completed before this turn.
        round: u32,
    },
    /// A seat fired; the server resolved the shot.
    Shot(ShotReport),
    /// A seat let its turn time out.
    TurnTimedOut {
        /// Whose turn it was.
        seat: Seat,
        /// Whether this timeout made the tank forfeit.
        forfeited: bool,
    },
    /// A seat gave up.
    Resigned {
        /// Who.
        seat: Seat,
    },
    /// The game ended.
    GameOver {
        /// How.
        outcome: Outcome,
    },
}

/// Everything one shot did.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ShotReport {
    /// Who fired.
    pub seat: Seat,
    /// Aim and weapon.
    pub fire: Fire,
    /// Where the shell ended.
    pub landing: Landing,
    /// The hole it made, if it exploded.
    pub crater: Option<Crater>,
    /// Damage done, per tank.
    pub hits: Vec<Hit>,
    /// Tanks whose ground fell away, and where they came to rest.
    pub falls: Vec<Fall>,
    /// Tanks destroyed by this shot.
    pub destroyed: Vec<Seat>,
}

/// Damage one explosion did to one tank.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hit {
    /// The tank hit.
    pub seat: Seat,
    /// Hit points it lost.
    pub damage: u8,
}

/// A tank settling onto the ground below it after a crater.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Fall {
    /// The tank.
    pub seat: Seat,
    /// Its new height.
    pub y: f32,
}

/// Applies one event to a state. The only code that changes an
/// [`Artillery`] after it is set up.
pub(super) fn apply(state: &mut Artillery, event: &ArtilleryEvent) {
    match event {
        ArtilleryEvent::TurnStarted {
            seat,
            wind,
            turn,
            round,
        } => {
            state.current = Some(*seat);
            state.wind = *wind;
            state.turn = *turn;
            state.round = *round;
        }
        ArtilleryEvent::Shot(shot) => {
            if let Some(tank) = state.tanks.get_mut(shot.seat.index()) {
                tank.timeouts = 0;
                if shot.fire.weapon == Weapon::Heavy {
                    tank.heavy_shells = tank.heavy_shells.saturating_sub(1);
                }
            }
            if let Some(crater) = shot.crater {
                state.terrain.carve(crater);
            }
            for hit in &shot.hits {
                if let Some(tank) = state.tanks.get_mut(hit.seat.index()) {
                    tank.hp = tank.hp.saturating_sub(hit.damage);
                }
            }
            for fall in &shot.falls {
                if let Some(tank) = state.tanks.get_mut(fall.seat.index()) {
                    tank.y = fall.y;
                }
            }
        }
        ArtilleryEvent::TurnTimedOut { seat, forfeited } => {
            if let Some(tank) = state.tanks.get_mut(seat.index()) {
                tank.timeouts = tank.timeouts.saturating_add(1).min(TIMEOUTS_TO_FORFEIT);
                if *forfeited {
                    tank.left = Some(Leave::Forfeited);
                }
            }
        }
        ArtilleryEvent::Resigned { seat } => {
            if let Some(tank) = state.tanks.get_mut(seat.index()) {
                tank.left = Some(Leave::Resigned);
            }
        }
        ArtilleryEvent::GameOver { outcome } => {
            state.outcome = Some(*outcome);
            state.current = None;
        }
    }
}
