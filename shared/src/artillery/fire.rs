//! What a tank fires: the [`Aim`], the [`Weapon`], the [`Fire`] move that
//! joins them, and why a shot can be [`Illegal`]. The move is what crosses
//! the wire and what the AI chooses, so it has a file of its own, apart
//! from the state it changes.

use super::{MAX_ANGLE, MAX_POWER};
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// A shot's aim, quantised to whole degrees and power points.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Aim {
    /// 0 to [`MAX_ANGLE`] degrees.
    pub angle_deg: u16,
    /// 0 to [`MAX_POWER`].
    pub power: u16,
}

/// What a tank can fire.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Weapon {
    /// The standard shell, unlimited.
    Shell,
    /// A heavy shell: a bigger blast and more damage; each tank has
    /// [`ArtilleryConfig::heavy_shells`](super::ArtilleryConfig::heavy_shells) of them.
    Heavy,
}

impl Weapon {
    /// Every weapon, in the order a player cycles through them.
    pub const ALL: [Weapon; 2] = [Weapon::Shell, Weapon::Heavy];

    /// Radius of the explosion (damage and crater).
    pub fn blast_radius(self) -> f32 {
        match self {
            Weapon::Shell => 36.0,
            Weapon::Heavy => 52.0,
        }
    }

    /// Damage at the centre of the explosion.
    pub fn max_damage(self) -> f32 {
        match self {
            Weapon::Shell => 60.0,
            Weapon::Heavy => 85.0,
        }
    }
}

/// A move: fire this weapon with this aim.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Fire {
    /// Angle and power.
    pub aim: Aim,
    /// What to fire.
    pub weapon: Weapon,
}

/// Why a shot breaks the artillery rules.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum Illegal {
    /// Angle or power are out of range.
    #[error(
        "aim out of range: angle {angle_deg} (0..={MAX_ANGLE}), power {power} (0..={MAX_POWER})"
    )]
    AimOutOfRange {
        /// The angle sent.
        angle_deg: u16,
        /// The power sent.
        power: u16,
    },
    /// The tank has none of this weapon left.
    #[error("no {0:?} left")]
    OutOfAmmo(Weapon),
}
