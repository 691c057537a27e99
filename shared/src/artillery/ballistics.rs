//! A shell's flight: fixed-step integration under gravity and wind.

use super::{Aim, Tank, WORLD_WIDTH, terrain::Terrain};
use glam::Vec2;
use serde::{Deserialize, Serialize};

/// Downward acceleration, in world units per second squared.
pub const GRAVITY: f32 = 300.0;
/// Horizontal acceleration per unit of wind, in world units per second squared.
pub const WIND_ACCEL_PER_UNIT: f32 = 6.0;
/// Muzzle speed per unit of power, in world units per second.
pub const SPEED_PER_POWER: f32 = 6.0;
/// Integration step, in seconds.
pub const TIME_STEP: f32 = 1.0 / 120.0;
/// A shell still flying after this many steps is lost.
pub const MAX_STEPS: u32 = 120 * 30;
/// A shell touching a tank's centre closer than this hits the tank.
pub const TANK_HIT_RADIUS: f32 = 10.0;
/// How far above the ground a tank's centre (and its barrel) sits.
pub const TANK_CENTRE_HEIGHT: f32 = 6.0;
/// How far from the tank's centre the shell leaves the barrel.
pub const BARREL_LENGTH: f32 = 14.0;

/// Where a shell's flight ended.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub enum Landing {
    /// It exploded at this point.
    Impact {
        /// Horizontal position.
        x: f32,
        /// Vertical position.
        y: f32,
    },
    /// It left the world through a side, or flew too long.
    Lost,
}

/// The result of simulating one shot.
#[derive(Clone, Debug, PartialEq)]
pub struct Flight {
    /// Where the flight ended.
    pub landing: Landing,
    /// How many integration steps it took.
    pub steps: u32,
}

/// The point a tank's shells leave from and their starting velocity.
pub fn launch(shooter: &Tank, aim: Aim) -> (Vec2, Vec2) {
    let radians = f32::from(aim.angle_deg).to_radians();
    let direction = Vec2::new(libm::cosf(radians), libm::sinf(radians));
    let centre = shooter.centre();
    (
        centre + direction * BARREL_LENGTH,
        direction * f32::from(aim.power) * SPEED_PER_POWER,
    )
}

/// Flies a shell from `shooter` until it hits the ground, a tank other than
/// the shooter, or leaves the world.
pub fn fly(terrain: &Terrain, tanks: &[Tank], shooter: &Tank, aim: Aim, wind: i8) -> Flight {
    simulate(terrain, tanks, shooter, aim, wind, |_| {})
}

/// The same flight as [`fly`], with the shell's position every
/// `every_steps` steps (for drawing it); the last point is where it ended.
pub fn fly_path(
    terrain: &Terrain,
    tanks: &[Tank],
    shooter: &Tank,
    aim: Aim,
    wind: i8,
    every_steps: u32,
) -> (Flight, Vec<Vec2>) {
    let mut path = Vec::new();
    let mut step = 0u32;
    let flight = simulate(terrain, tanks, shooter, aim, wind, |position| {
        if step.is_multiple_of(every_steps.max(1)) {
            path.push(position);
        }
        step += 1;
    });
    if let Landing::Impact { x, y } = flight.landing {
        path.push(Vec2::new(x, y));
    }
    (flight, path)
}

/// The one integration loop; `visit` sees every position.
fn simulate(
    terrain: &Terrain,
    tanks: &[Tank],
    shooter: &Tank,
    aim: Aim,
    wind: i8,
    mut visit: impl FnMut(Vec2),
) -> Flight {
    let (mut position, mut velocity) = launch(shooter, aim);
    let acceleration = Vec2::new(f32::from(wind) * WIND_ACCEL_PER_UNIT, -GRAVITY);
    for step in 1..=MAX_STEPS {
        velocity += acceleration * TIME_STEP;
        position += velocity * TIME_STEP;
        visit(position);
        if !(0.0..=WORLD_WIDTH).contains(&position.x) {
            return Flight {
                landing: Landing::Lost,
                steps: step,
            };
        }
        let hits_tank = tanks.iter().any(|t| {
            t.alive() && t.seat != shooter.seat && t.centre().distance(position) < TANK_HIT_RADIUS
        });
        if hits_tank || position.y <= terrain.height_at(position.x) {
            return Flight {
                landing: Landing::Impact {
                    x: position.x,
                    y: position.y,
                },
                steps: step,
            };
        }
    }
    Flight {
        landing: Landing::Lost,
        steps: MAX_STEPS,
    }
}
