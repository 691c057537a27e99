//! Artillery in the browser: aiming by keys or by dragging from one's tank,
//! the shells' flight, explosions and damage, the last shot's trail, the
//! turn's clock, and the line under the board.

use super::draw::shot::Damage;
use super::draw::{self, Overlay};
use super::ui::{GameUi, Intent};
use crate::session::{GameSession, Update};
use glam::Vec2;
use volley_shared::artillery::{
    Aim, Artillery, ArtilleryEvent, Fire, MAX_ANGLE, MAX_POWER, WORLD_HEIGHT, Weapon, fly_path,
};
use volley_shared::{Game, Seat};
use web_sys::CanvasRenderingContext2d;

/// How long a shot takes on screen: three quarters flight, a quarter
/// explosion.
const SHOT_MS: f64 = 1_200.0;
/// How long its damage numbers show, from the explosion on.
const DAMAGE_MS: f64 = 1_400.0;

/// A shot being drawn: the state from before it, and its path.
struct Animation {
    before: Artillery,
    path: Vec<Vec2>,
    /// The explosion at the end: centre and radius.
    blast: Option<(Vec2, f32)>,
    /// Hit points lost, at the tanks that lost them.
    hits: Vec<(Vec2, u8)>,
    started_ms: f64,
}

/// What an artillery screen keeps between frames.
pub struct ArtilleryUi {
    aim: Fire,
    others: Vec<(Seat, Fire)>,
    animation: Option<Animation>,
    /// The last shot's whole path and who fired it, kept until the next.
    trail: Option<(Seat, Vec<Vec2>)>,
    /// The turn's deadline and when this page first saw it: the clock
    /// drains from there.
    turn: Option<(u64, f64)>,
}

impl Default for ArtilleryUi {
    fn default() -> Self {
        Self {
            aim: Fire {
                aim: Aim {
                    angle_deg: 45,
                    power: 60,
                },
                weapon: Weapon::Shell,
            },
            others: Vec::new(),
            animation: None,
            trail: None,
            turn: None,
        }
    }
}

impl ArtilleryUi {
    /// The share of the turn left (0 to 1) by `deadline`, timed from when
    /// this page first saw that deadline (so a clock offset between page
    /// and server cancels out).
    fn clock_left(&mut self, deadline: Option<u64>, now: f64) -> Option<f64> {
        let deadline = deadline?;
        let seen = match self.turn {
            Some((known, seen)) if known == deadline => seen,
            _ => {
                self.turn = Some((deadline, now));
                now
            }
        };
        let whole = deadline as f64 - seen;
        (whole > 0.0).then(|| ((deadline as f64 - now) / whole).clamp(0.0, 1.0))
    }
}

impl GameUi for ArtilleryUi {
    type G = Artillery;

    fn on_update(&mut self, before: Option<&Artillery>, update: &Update<Artillery>, now: f64) {
        match update {
            Update::Event(ArtilleryEvent::Shot(shot)) => {
                if let Some(before) = before {
                    let path = before.tank(shot.seat).map(|shooter| {
                        fly_path(
                            &before.terrain,
                            &before.tanks,
                            shooter,
                            shot.fire.aim,
                            before.wind,
                            6,
                        )
                        .1
                    });
                    let path = path.unwrap_or_default();
                    self.trail = Some((shot.seat, path.clone()));
                    let hits = shot
                        .hits
                        .iter()
                        .filter_map(|hit| {
                            let tank = before.tank(hit.seat)?;
                            Some((Vec2::new(tank.x, tank.y), hit.damage))
                        })
                        .collect();
                    self.animation = Some(Animation {
                        before: before.clone(),
                        path,
                        blast: shot.crater.map(|c| (Vec2::new(c.x, c.y), c.radius)),
                        hits,
                        started_ms: now,
                    });
                }
                self.others.clear();
            }
            Update::Event(ArtilleryEvent::TurnStarted { .. }) => self.others.clear(),
            Update::Live { seat, live } => {
                self.others.retain(|(s, _)| s != seat);
                self.others.push((*seat, *live));
            }
            _ => {}
        }
    }

    /// Arrows aim, W changes weapon, Space or Enter fires. (Not Tab,
    /// which keeps moving the keyboard's focus.)
    fn on_key(
        &mut self,
        _: &GameSession<Artillery>,
        key: &str,
        fast: bool,
    ) -> Option<Intent<Artillery>> {
        let step = if fast { 5 } else { 1 };
        let aim = &mut self.aim.aim;
        match key {
            "ArrowLeft" => aim.angle_deg = (aim.angle_deg + step).min(MAX_ANGLE),
            "ArrowRight" => aim.angle_deg = aim.angle_deg.saturating_sub(step),
            "ArrowUp" => aim.power = (aim.power + step).min(MAX_POWER),
            "ArrowDown" => aim.power = aim.power.saturating_sub(step),
            "w" | "W" => {
                let next = Weapon::ALL
                    .iter()
                    .position(|w| *w == self.aim.weapon)
                    .map_or(0, |i| (i + 1) % Weapon::ALL.len());
                self.aim.weapon = Weapon::ALL.get(next).copied().unwrap_or(Weapon::Shell);
            }
            " " | "Enter" => return Some(Intent::Move(self.aim)),
            _ => return None,
        }
        Some(Intent::Live(self.aim))
    }

    /// Dragging aims from one's tank towards the pointer: the direction is
    /// the angle, the distance the power.
    fn on_pointer(
        &mut self,
        session: &GameSession<Artillery>,
        x: f64,
        y: f64,
        pressed: bool,
        _released: bool,
    ) -> Option<Intent<Artillery>> {
        if !pressed {
            return None;
        }
        let tank = session.state()?.tank(session.seat()?)?;
        let y = f64::from(WORLD_HEIGHT) - y;
        let (dx, dy) = (x - f64::from(tank.x), (y - f64::from(tank.y)).max(0.0));
        let angle = dy.atan2(dx).to_degrees().clamp(0.0, f64::from(MAX_ANGLE));
        let power = ((dx * dx + dy * dy).sqrt() / 3.0).clamp(0.0, f64::from(MAX_POWER));
        self.aim.aim = Aim {
            angle_deg: angle.round() as u16,
            power: power.round() as u16,
        };
        Some(Intent::Live(self.aim))
    }

    fn draw(
        &mut self,
        ctx: &CanvasRenderingContext2d,
        session: &GameSession<Artillery>,
        text_scale: f64,
        now: f64,
    ) {
        let exploded_ms = 0.75 * SHOT_MS;
        if self
            .animation
            .as_ref()
            .is_some_and(|a| now - a.started_ms > exploded_ms + DAMAGE_MS)
        {
            self.animation = None;
        }
        let Some(game) = session.state() else {
            return;
        };
        let clock_left = self.clock_left(session.deadline_ms(), now);
        // The shell flies for the first three quarters, then explodes; the
        // damage numbers rise from the explosion on.
        let (mut shown, mut shell, mut blast, mut damage) = (game, None, None, Vec::new());
        if let Some(animation) = &self.animation {
            let elapsed = now - animation.started_ms;
            if elapsed < SHOT_MS {
                let done = elapsed / SHOT_MS;
                let flown = (done / 0.75).min(1.0);
                let upto = ((animation.path.len() as f64) * flown).ceil() as usize;
                shown = &animation.before;
                shell = Some(animation.path.get(..upto).unwrap_or(&animation.path));
                blast = animation
                    .blast
                    .filter(|_| done > 0.75)
                    .map(|(at, radius)| (at, radius, (1.0 - done) / 0.25));
            }
            if elapsed >= exploded_ms {
                let progress = (elapsed - exploded_ms) / DAMAGE_MS;
                damage = animation
                    .hits
                    .iter()
                    .map(|&(at, points)| Damage {
                        at,
                        points,
                        progress,
                    })
                    .collect();
            }
        }
        let mut aims = self.others.clone();
        if let Some(seat) = session.seat() {
            aims.push((seat, self.aim));
        }
        let to_move = game.to_move();
        let aiming = to_move.and_then(|seat| {
            let aim = aims
                .iter()
                .find(|(s, _)| *s == seat)
                .map(|(_, fire)| *fire)?;
            Some((seat, aim))
        });
        let clock = to_move.zip(clock_left);
        draw::scene(
            ctx,
            shown,
            session.names(),
            &Overlay {
                aims,
                aiming,
                shell,
                trail: self
                    .trail
                    .as_ref()
                    .map(|(seat, path)| (*seat, path.as_slice())),
                blast,
                damage,
                clock,
                text_scale,
            },
        );
    }

    fn hud(&self, _: &GameSession<Artillery>) -> String {
        format!(
            "angle {}° · power {} · {}",
            self.aim.aim.angle_deg,
            self.aim.aim.power,
            draw::weapon_name(self.aim.weapon)
        )
    }

    fn action_label(&self) -> &'static str {
        "Fire"
    }

    fn help(&self) -> &'static str {
        "Drag on the board to aim · or ← → angle, ↑ ↓ power (shift: faster) · W weapon · Space fire"
    }
}
