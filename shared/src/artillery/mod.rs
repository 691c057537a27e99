//! The rules of Volley's artillery game, for 2 to 4 tanks.
//!
//! Tanks stand on a heightmap and take turns, round-robin over the living,
//! firing shells with an angle, a power and a weapon. Wind, drawn for every
//! turn from a secret no view shows (the game's seed in a game the first
//! release made), pushes the shells sideways. A shell explodes
//! where it lands, hurting every tank in the blast (less the further away)
//! and carving a crater that tanks settle into. The last tank standing wins;
//! after the round cap the most hit points win.
//!
//! [`Artillery`] implements [`Game`]: every change goes through an
//! [`ArtilleryEvent`], and the same seed and moves give the same state, bit
//! for bit, natively and on wasm32 ([`Artillery::digest`] checks it).
//!
//! # Layout
//!
//! - here: the world's constants, [`ArtilleryConfig`], and the
//!   [`Artillery`] state with its rules (placement, turns, wind, resolving
//!   a shot, the end of the game);
//! - `fire`: the move, [`Fire`] (an [`Aim`] and a [`Weapon`]), and why a
//!   shot can be [`Illegal`];
//! - `tank`: one [`Tank`] and why it may [`Leave`] the game;
//! - `terrain`: the ground ([`Terrain`]) and its [`Crater`]s;
//! - `ballistics`: a shell's [`Flight`] under gravity and wind;
//! - `events`: every [`ArtilleryEvent`] and how it changes the state;
//! - [`ai`]: how a bot aims.
//!
//! Every item is re-exported here, so paths stay `artillery::X`.

pub mod ai;
mod ballistics;
mod events;
mod fire;
mod tank;
mod terrain;

pub use ballistics::{Flight, Landing, fly, fly_path, launch};
pub use events::{ArtilleryEvent, Fall, Hit, ShotReport};
pub use fire::{Aim, Fire, Illegal, Weapon};
pub use tank::{Leave, Tank};
pub use terrain::{Crater, Terrain};

use crate::game::{Game, Outcome, RuleError, SetupError, Viewer, check_seats, check_turn};
use crate::ids::Seat;
use glam::Vec2;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Width of the world, in world units.
pub const WORLD_WIDTH: f32 = 1024.0;
/// Height of the world, in world units.
pub const WORLD_HEIGHT: f32 = 512.0;
/// Hit points a tank starts with.
pub const START_HP: u8 = 100;
/// Largest wind strength, either way.
pub const MAX_WIND: i8 = 10;
/// Highest angle, in degrees (0 points right, 90 up, 180 left).
pub const MAX_ANGLE: u16 = 180;
/// Highest power.
pub const MAX_POWER: u16 = 100;
/// Timed-out turns in a row after which a tank forfeits.
pub const TIMEOUTS_TO_FORFEIT: u8 = 3;
/// How far a tank may stand from its even share of the width.
const PLACEMENT_JITTER: f32 = 40.0;
/// ChaCha stream for tank placement (streams from 1 up are the turns' wind).
const PLACEMENT_STREAM: u64 = 0;

/// Settings a mode chooses.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArtilleryConfig {
    /// Heavy shells each tank starts with.
    pub heavy_shells: u8,
    /// After this many full rounds the game ends on hit points.
    pub round_cap: u32,
}

impl Default for ArtilleryConfig {
    fn default() -> Self {
        ArtilleryConfig {
            heavy_shells: 2,
            round_cap: 30,
        }
    }
}

/// The whole state of one artillery game. Every player and spectator may
/// see all of it, so it is also the view.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Artillery {
    /// The mode's settings.
    pub config: ArtilleryConfig,
    /// What the wind comes from: the room's secret ([`Game::with_secret`]),
    /// or, in a game without one, the seed the terrain and the placement
    /// came from. A view shows 0.
    pub seed: u64,
    /// The ground.
    pub terrain: Terrain,
    /// One tank per seat, in seat order.
    pub tanks: Vec<Tank>,
    /// Whose turn it is; `None` before the game begins and after it ends.
    pub current: Option<Seat>,
    /// The wind for the current turn.
    pub wind: i8,
    /// The current turn's number, from 1; 0 before the game begins.
    pub turn: u32,
    /// Full rounds completed.
    pub round: u32,
    /// Set when the game has ended.
    pub outcome: Option<Outcome>,
}

impl Game for Artillery {
    type Config = ArtilleryConfig;
    type Move = Fire;
    type Live = Fire;
    type Event = ArtilleryEvent;
    type View = Artillery;
    type Illegal = Illegal;

    const MIN_SEATS: u8 = 2;
    const MAX_SEATS: u8 = 4;

    fn new(config: &ArtilleryConfig, seed: u64, seats: u8) -> Result<Self, SetupError> {
        check_seats::<Self>(seats)?;
        let terrain = Terrain::generate(seed);
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        rng.set_stream(PLACEMENT_STREAM);
        let spacing = WORLD_WIDTH / f32::from(seats);
        let tanks = (0..seats)
            .map(|i| {
                let jitter = rng.random_range(-PLACEMENT_JITTER..=PLACEMENT_JITTER);
                let x = spacing * (f32::from(i) + 0.5) + jitter;
                Tank {
                    seat: Seat(i),
                    x,
                    y: terrain.height_at(x),
                    hp: START_HP,
                    heavy_shells: config.heavy_shells,
                    timeouts: 0,
                    left: None,
                }
            })
            .collect();
        Ok(Artillery {
            config: config.clone(),
            seed,
            terrain,
            tanks,
            current: None,
            wind: 0,
            turn: 0,
            round: 0,
            outcome: None,
        })
    }

    fn begin(&mut self) -> Vec<ArtilleryEvent> {
        if self.turn > 0 {
            return Vec::new();
        }
        let mut events = Vec::new();
        self.record(
            &mut events,
            ArtilleryEvent::TurnStarted {
                seat: Seat(0),
                wind: self.wind_for_turn(1),
                turn: 1,
                round: 0,
            },
        );
        events
    }

    fn to_move(&self) -> Option<Seat> {
        self.current
    }

    fn turn(&self) -> u32 {
        self.turn
    }

    fn play(&mut self, seat: Seat, fire: &Fire) -> Result<Vec<ArtilleryEvent>, RuleError<Illegal>> {
        self.check_fire(seat, fire)?;
        let shot = self.resolve(seat, *fire);
        let mut events = Vec::new();
        self.record(&mut events, ArtilleryEvent::Shot(shot));
        self.advance(&mut events);
        Ok(events)
    }

    fn check_move(&self, seat: Seat, fire: &Fire) -> Result<(), RuleError<Illegal>> {
        self.check_fire(seat, fire)
    }

    fn check_live(&self, seat: Seat, fire: &Fire) -> Result<(), RuleError<Illegal>> {
        self.check_fire(seat, fire)
    }

    fn time_out(&mut self) -> Vec<ArtilleryEvent> {
        let Some(seat) = self.to_move() else {
            return Vec::new();
        };
        let timeouts = self.tank(seat).map_or(0, |t| t.timeouts);
        let mut events = Vec::new();
        self.record(
            &mut events,
            ArtilleryEvent::TurnTimedOut {
                seat,
                forfeited: timeouts.saturating_add(1) >= TIMEOUTS_TO_FORFEIT,
            },
        );
        self.advance(&mut events);
        events
    }

    fn resign(&mut self, seat: Seat) -> Result<Vec<ArtilleryEvent>, RuleError<Illegal>> {
        if self.current.is_none() {
            return Err(RuleError::NotInPlay);
        }
        if !self.tank(seat).is_some_and(Tank::alive) {
            return Err(RuleError::NotPlaying(seat));
        }
        let mut events = Vec::new();
        self.record(&mut events, ArtilleryEvent::Resigned { seat });
        if self.current == Some(seat) || self.living().len() < 2 {
            self.advance(&mut events);
        }
        Ok(events)
    }

    fn outcome(&self) -> Option<Outcome> {
        self.outcome
    }

    fn bot_move(&self, seat: Seat) -> Option<Fire> {
        (self.to_move() == Some(seat)).then(|| ai::choose_fire(self, seat))
    }

    fn view(&self, _viewer: Viewer) -> Artillery {
        // The terrain keeps its own seed: the wind's stays hidden.
        Artillery {
            seed: 0,
            ..self.clone()
        }
    }

    fn with_secret(self, secret: u64) -> Artillery {
        Artillery {
            seed: secret,
            ..self
        }
    }

    fn secret(&self) -> Option<u64> {
        (self.seed != self.terrain.seed()).then_some(self.seed)
    }

    fn apply(view: &mut Artillery, event: &ArtilleryEvent) {
        events::apply(view, event);
    }
}

impl Artillery {
    /// The tank of a seat.
    pub fn tank(&self, seat: Seat) -> Option<&Tank> {
        self.tanks.get(seat.index())
    }

    /// A SHA-256 of the whole state, terrain heights included, to compare
    /// states across platforms.
    pub fn digest(&self) -> [u8; 32] {
        let mut hasher = Sha256::new();
        if let Ok(bytes) = crate::codec::encode(self) {
            hasher.update(&bytes);
        }
        for height in self.terrain.heights() {
            hasher.update(height.to_bits().to_le_bytes());
        }
        hasher.finalize().into()
    }

    /// What `fire` from `seat` would do now, without doing it (for the AI
    /// and for previews). Refused like the move itself would be.
    pub fn preview(&self, seat: Seat, fire: &Fire) -> Result<ShotReport, RuleError<Illegal>> {
        self.check_fire(seat, fire)?;
        Ok(self.resolve(seat, *fire))
    }

    /// Applies `event` and records it.
    fn record(&mut self, events: &mut Vec<ArtilleryEvent>, event: ArtilleryEvent) {
        events::apply(self, &event);
        events.push(event);
    }

    fn check_fire(&self, seat: Seat, fire: &Fire) -> Result<(), RuleError<Illegal>> {
        check_turn(self.current, seat)?;
        let Fire { aim, weapon } = *fire;
        if aim.angle_deg > MAX_ANGLE || aim.power > MAX_POWER {
            return Err(RuleError::Illegal(Illegal::AimOutOfRange {
                angle_deg: aim.angle_deg,
                power: aim.power,
            }));
        }
        if !self.tank(seat).is_some_and(|t| t.has(weapon)) {
            return Err(RuleError::Illegal(Illegal::OutOfAmmo(weapon)));
        }
        Ok(())
    }

    /// Flies the shell and works out everything it does, without changing
    /// the state.
    fn resolve(&self, seat: Seat, fire: Fire) -> ShotReport {
        let landing = self.tank(seat).map_or(Landing::Lost, |shooter| {
            fly(&self.terrain, &self.tanks, shooter, fire.aim, self.wind).landing
        });
        let mut report = ShotReport {
            seat,
            fire,
            landing,
            crater: None,
            hits: Vec::new(),
            falls: Vec::new(),
            destroyed: Vec::new(),
        };
        let Landing::Impact { x, y } = landing else {
            return report;
        };
        (report.hits, report.destroyed) = self.blast(Vec2::new(x, y), fire.weapon);
        let crater = Crater {
            x,
            y,
            radius: fire.weapon.blast_radius(),
        };
        let mut ground = self.terrain.clone();
        ground.carve(crater);
        report.crater = Some(crater);
        report.falls = self
            .tanks
            .iter()
            .filter_map(|tank| {
                let y = ground.height_at(tank.x);
                (y != tank.y).then_some(Fall { seat: tank.seat, y })
            })
            .collect();
        report
    }

    /// The damage `weapon` bursting at `at` does to each living tank (none
    /// to a tank whose damage rounds to nothing), and the tanks it
    /// destroys.
    fn blast(&self, at: Vec2, weapon: Weapon) -> (Vec<Hit>, Vec<Seat>) {
        let radius = weapon.blast_radius();
        let (mut hits, mut destroyed) = (Vec::new(), Vec::new());
        for tank in self.tanks.iter().filter(|t| t.alive()) {
            let distance = tank.centre().distance(at);
            if distance >= radius {
                continue;
            }
            let damage = libm::roundf(weapon.max_damage() * (1.0 - distance / radius));
            let damage = damage.clamp(0.0, f32::from(u8::MAX)) as u8;
            if damage > 0 {
                hits.push(Hit {
                    seat: tank.seat,
                    damage,
                });
                if damage >= tank.hp {
                    destroyed.push(tank.seat);
                }
            }
        }
        (hits, destroyed)
    }

    fn living(&self) -> Vec<Seat> {
        self.tanks
            .iter()
            .filter(|t| t.alive())
            .map(|t| t.seat)
            .collect()
    }

    /// The current turn is over: ends the game or starts the next living
    /// tank's turn.
    fn advance(&mut self, events: &mut Vec<ArtilleryEvent>) {
        let outcome = match self.living().as_slice() {
            [] => Some(Outcome::Draw),
            [winner] => Some(Outcome::Winner(*winner)),
            _ => None,
        };
        if let Some(outcome) = outcome {
            return self.record(events, ArtilleryEvent::GameOver { outcome });
        }
        let count = self.tanks.len();
        let from = self.current.map_or(0, Seat::index);
        let next = (1..=count)
            .map(|step| (from + step) % count)
            .find(|&i| self.tanks.get(i).is_some_and(Tank::alive))
            .unwrap_or(from);
        let mut round = self.round;
        if next <= from {
            round += 1;
            if round >= self.config.round_cap {
                let outcome = self.leader_on_hp();
                return self.record(events, ArtilleryEvent::GameOver { outcome });
            }
        }
        let turn = self.turn + 1;
        let event = ArtilleryEvent::TurnStarted {
            seat: Seat(u8::try_from(next).unwrap_or(0)),
            wind: self.wind_for_turn(turn),
            turn,
            round,
        };
        self.record(events, event);
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

    /// The wind of a turn: its own ChaCha stream of the wind's seed (the
    /// secret), so it depends only on that and the turn number.
    fn wind_for_turn(&self, turn: u32) -> i8 {
        let mut rng = ChaCha8Rng::seed_from_u64(self.seed);
        rng.set_stream(u64::from(turn));
        rng.random_range(-MAX_WIND..=MAX_WIND)
    }
}

#[cfg(test)]
mod tests;
