//! The rules of Volley's artillery duel.
//!
//! Tanks stand on a heightmap and take turns firing shells with an angle and
//! a power. Wind, drawn from the game's seed for every turn, pushes the shells
//! sideways. A shell explodes where it lands, hurting every tank in the blast
//! and carving a crater. The last tank standing wins; after [`ROUND_CAP`]
//! rounds the most hit points win.
//!
//! The state is deterministic: the same seed and the same moves give the same
//! state, bit for bit, so a client can replay the server's events.

mod ballistics;
mod terrain;

pub use ballistics::{Flight, Landing, fly, launch};
pub use terrain::Terrain;

use crate::ids::Seat;
use glam::Vec2;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// Width of the world, in world units.
pub const WORLD_WIDTH: f32 = 1024.0;
/// Height of the world, in world units.
pub const WORLD_HEIGHT: f32 = 512.0;
/// Hit points a tank starts with.
pub const START_HP: u8 = 100;
/// Radius of an explosion (damage and crater).
pub const BLAST_RADIUS: f32 = 36.0;
/// Damage at the centre of an explosion.
pub const MAX_DAMAGE: f32 = 60.0;
/// Largest wind strength, either way.
pub const MAX_WIND: i8 = 10;
/// Highest angle, in degrees (0 points right, 90 up, 180 left).
pub const MAX_ANGLE: u16 = 180;
/// Highest power.
pub const MAX_POWER: u16 = 100;
/// Timed-out turns in a row after which a tank forfeits.
pub const TIMEOUTS_TO_FORFEIT: u8 = 3;
/// After this many full rounds the game ends on hit points.
pub const ROUND_CAP: u32 = 30;

/// A shot's aim, quantised to whole degrees and power points.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Aim {
    /// 0 to [`MAX_ANGLE`] degrees.
    pub angle_deg: u16,
    /// 0 to [`MAX_POWER`].
    pub power: u16,
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
    /// Turns timed out in a row.
    pub timeouts: u8,
    /// Whether the tank forfeited by timing out too often.
    pub forfeited: bool,
}

impl Tank {
    /// Whether the tank is still in the game.
    pub fn alive(&self) -> bool {
        self.hp > 0 && !self.forfeited
    }

    /// The tank's centre, where shells leave and are caught.
    pub fn centre(&self) -> Vec2 {
        Vec2::new(self.x, self.y + ballistics::TANK_CENTRE_HEIGHT)
    }
}

/// How a game ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Outcome {
    /// This seat won.
    Winner(Seat),
    /// Nobody won.
    Draw,
}

/// Damage one explosion did to one tank.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hit {
    /// The tank hit.
    pub seat: Seat,
    /// Hit points it lost.
    pub damage: u8,
}

/// Something that happened in a game, in the order it happened.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum GameEvent {
    /// A seat fired; the server resolved the shot.
    Shot {
        /// Who fired.
        seat: Seat,
        /// With what aim.
        aim: Aim,
        /// Where the shell ended.
        landing: Landing,
        /// Damage done, per tank.
        hits: Vec<Hit>,
    },
    /// A seat let its turn time out.
    TurnTimedOut {
        /// Whose turn it was.
        seat: Seat,
        /// Whether this timeout made the tank forfeit.
        forfeited: bool,
    },
    /// A new turn began.
    TurnStarted {
        /// Whose turn it is.
        seat: Seat,
        /// The wind for this turn.
        wind: i8,
        /// The turn's number, from 1.
        turn: u32,
    },
    /// The game ended.
    GameOver {
        /// How.
        outcome: Outcome,
    },
}

/// Why a move was refused.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum RuleError {
    /// The game is over.
    #[error("the game is over")]
    GameOver,
    /// Somebody else is to move.
    #[error("it is {expected}'s turn, not {got}'s")]
    NotYourTurn {
        /// Whose turn it is.
        expected: Seat,
        /// Who tried to move.
        got: Seat,
    },
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
}

/// The whole state of one artillery game.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ArtilleryState {
    /// The seed terrain and wind come from.
    pub seed: u64,
    /// The ground.
    pub terrain: Terrain,
    /// One tank per seat, in seat order.
    pub tanks: Vec<Tank>,
    /// Whose turn it is.
    pub current: Seat,
    /// The wind for the current turn.
    pub wind: i8,
    /// The current turn's number, from 1.
    pub turn: u32,
    /// Full rounds completed.
    pub round: u32,
    /// Set when the game has ended.
    pub outcome: Option<Outcome>,
}

impl ArtilleryState {
    /// A new game for `players` tanks (2 to 4), spread evenly over terrain
    /// grown from `seed`. Seat 0 moves first.
    pub fn new(seed: u64, players: u8) -> ArtilleryState {
        let players = players.clamp(2, 4);
        let terrain = Terrain::generate(seed);
        let spacing = WORLD_WIDTH / f32::from(players);
        let tanks = (0..players)
            .map(|i| {
                let x = spacing * (f32::from(i) + 0.5);
                Tank {
                    seat: Seat(i),
                    x,
                    y: terrain.height_at(x),
                    hp: START_HP,
                    timeouts: 0,
                    forfeited: false,
                }
            })
            .collect();
        let mut state = ArtilleryState {
            seed,
            terrain,
            tanks,
            current: Seat(0),
            wind: 0,
            turn: 1,
            round: 0,
            outcome: None,
        };
        state.wind = state.wind_for_turn(1);
        state
    }

    /// The event that announces the current turn.
    pub fn turn_started(&self) -> GameEvent {
        GameEvent::TurnStarted {
            seat: self.current,
            wind: self.wind,
            turn: self.turn,
        }
    }

    /// The tank of a seat.
    pub fn tank(&self, seat: Seat) -> Option<&Tank> {
        self.tanks.get(seat.index())
    }

    /// The current player fires. Returns the events it caused: the shot, then
    /// either the next turn or the end of the game.
    pub fn fire(&mut self, seat: Seat, aim: Aim) -> Result<Vec<GameEvent>, RuleError> {
        self.check_turn(seat)?;
        if aim.angle_deg > MAX_ANGLE || aim.power > MAX_POWER {
            return Err(RuleError::AimOutOfRange {
                angle_deg: aim.angle_deg,
                power: aim.power,
            });
        }
        let shooter = self.tank(seat).cloned().ok_or(RuleError::NotYourTurn {
            expected: self.current,
            got: seat,
        })?;
        let flight = fly(&self.terrain, &self.tanks, &shooter, aim, self.wind);
        let hits = match flight.landing {
            Landing::Impact { x, y } => self.explode(Vec2::new(x, y)),
            Landing::Lost => Vec::new(),
        };
        if let Some(tank) = self.tanks.get_mut(seat.index()) {
            tank.timeouts = 0;
        }
        let mut events = vec![GameEvent::Shot {
            seat,
            aim,
            landing: flight.landing,
            hits,
        }];
        self.advance(&mut events);
        Ok(events)
    }

    /// The current player's turn ran out. Returns the events it caused.
    pub fn time_out(&mut self, seat: Seat) -> Result<Vec<GameEvent>, RuleError> {
        self.check_turn(seat)?;
        let mut forfeited = false;
        if let Some(tank) = self.tanks.get_mut(seat.index()) {
            tank.timeouts = tank.timeouts.saturating_add(1);
            forfeited = tank.timeouts >= TIMEOUTS_TO_FORFEIT;
            tank.forfeited = forfeited;
        }
        let mut events = vec![GameEvent::TurnTimedOut { seat, forfeited }];
        self.advance(&mut events);
        Ok(events)
    }

    fn check_turn(&self, seat: Seat) -> Result<(), RuleError> {
        if self.outcome.is_some() {
            return Err(RuleError::GameOver);
        }
        if seat != self.current {
            return Err(RuleError::NotYourTurn {
                expected: self.current,
                got: seat,
            });
        }
        Ok(())
    }

    /// Damages tanks around `at`, carves the crater and lets tanks settle.
    fn explode(&mut self, at: Vec2) -> Vec<Hit> {
        let mut hits = Vec::new();
        for tank in self.tanks.iter_mut().filter(|t| t.alive()) {
            let distance = tank.centre().distance(at);
            if distance < BLAST_RADIUS {
                let damage = libm::roundf(MAX_DAMAGE * (1.0 - distance / BLAST_RADIUS)) as u8;
                if damage > 0 {
                    tank.hp = tank.hp.saturating_sub(damage);
                    hits.push(Hit {
                        seat: tank.seat,
                        damage,
                    });
                }
            }
        }
        self.terrain.carve(at.x, at.y, BLAST_RADIUS);
        for tank in &mut self.tanks {
            tank.y = self.terrain.height_at(tank.x);
        }
        hits
    }

    /// Ends the game or passes the turn to the next living tank.
    fn advance(&mut self, events: &mut Vec<GameEvent>) {
        let alive: Vec<Seat> = self
            .tanks
            .iter()
            .filter(|t| t.alive())
            .map(|t| t.seat)
            .collect();
        let outcome = match alive.as_slice() {
            [] => Some(Outcome::Draw),
            [winner] => Some(Outcome::Winner(*winner)),
            _ => None,
        };
        if let Some(outcome) = outcome {
            return self.finish(outcome, events);
        }
        let count = self.tanks.len();
        let next = (1..=count)
            .map(|step| (self.current.index() + step) % count)
            .find(|&i| self.tanks.get(i).is_some_and(Tank::alive))
            .unwrap_or(0);
        if next <= self.current.index() {
            self.round += 1;
            if self.round >= ROUND_CAP {
                return self.finish(self.leader_on_hp(), events);
            }
        }
        self.current = Seat(next as u8);
        self.turn += 1;
        self.wind = self.wind_for_turn(self.turn);
        events.push(self.turn_started());
    }

    fn finish(&mut self, outcome: Outcome, events: &mut Vec<GameEvent>) {
        self.outcome = Some(outcome);
        events.push(GameEvent::GameOver { outcome });
    }

    fn leader_on_hp(&self) -> Outcome {
        let best = self.tanks.iter().filter(|t| t.alive()).map(|t| t.hp).max();
        let leaders: Vec<Seat> = self
            .tanks
            .iter()
            .filter(|t| t.alive() && Some(t.hp) == best)
            .map(|t| t.seat)
            .collect();
        match leaders.as_slice() {
            [winner] => Outcome::Winner(*winner),
            _ => Outcome::Draw,
        }
    }

    /// The wind of a turn: its own ChaCha stream of the game's seed, so it
    /// depends only on the seed and the turn number.
    fn wind_for_turn(&self, turn: u32) -> i8 {
        let mut rng = ChaCha8Rng::seed_from_u64(self.seed);
        rng.set_stream(u64::from(turn));
        rng.random_range(-MAX_WIND..=MAX_WIND)
    }
}

#[cfg(test)]
mod tests;
