//! One [`Tank`]: where it stands, what it has left, whether it is still in
//! the game, and why it left ([`Leave`]) if it left without being
//! destroyed. Apart from the game state so the per-tank rules read on their
//! own.

use super::Weapon;
use super::ballistics::TANK_CENTRE_HEIGHT;
use crate::ids::Seat;
use glam::Vec2;
use serde::{Deserialize, Serialize};

/// Why a tank left the game before being destroyed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Leave {
    /// It timed out [`TIMEOUTS_TO_FORFEIT`](super::TIMEOUTS_TO_FORFEIT) turns in a row.
    Forfeited,
    /// Its player resigned.
    Resigned,
}

/// One tank.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Tank {
    /// Whose tank this is.
    pub seat: Seat,
    /// Horizontal position.
    pub x: f32,
    /// Height of the ground under the tank.
    pub y: f32,
    /// Hit points left; 0 means destroyed.
    pub hp: u8,
    /// Heavy shells left.
    pub heavy_shells: u8,
    /// Turns timed out in a row.
    pub timeouts: u8,
    /// Set when the tank left the game without being destroyed.
    pub left: Option<Leave>,
}

impl Tank {
    /// Whether the tank is still in the game.
    pub fn alive(&self) -> bool {
        self.hp > 0 && self.left.is_none()
    }

    /// The tank's centre, where shells leave and are caught.
    pub fn centre(&self) -> Vec2 {
        Vec2::new(self.x, self.y + TANK_CENTRE_HEIGHT)
    }

    /// Whether the tank may fire this weapon now.
    pub fn has(&self, weapon: Weapon) -> bool {
        match weapon {
            Weapon::Shell => true,
            Weapon::Heavy => self.heavy_shells > 0,
        }
    }
}
