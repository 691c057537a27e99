//! An aiming AI that plays by the game's own rules.
//!
//! It simulates candidate shots with [`crate::artillery::fly`], wind
//! included, and keeps the one that lands closest to an enemy tank without
//! hurting its own: a coarse grid search, then a fine one around the best.
//! Then it resolves that aim with each weapon it has
//! ([`Artillery::preview`]) and fires the one with the best expected damage
//! (a heavy shell only when it does clearly better than a shell). A
//! [`Skill`] below 1 adds aiming error, drawn from a generator the caller
//! seeds. [`harmless_fire`] is its opposite: a shot that hurts nobody, for
//! a bot that should lose without waiting out its turns.

use crate::artillery::{
    Aim, Artillery, Fire, Landing, MAX_ANGLE, MAX_POWER, ShotReport, Tank, Weapon, fly,
};
use crate::ids::Seat;
use glam::Vec2;
use rand::{Rng, RngExt};

/// How well the AI aims: 1 is its best, 0 misses by up to 10° and 15 power.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Skill(pub f32);

impl Skill {
    /// The AI's best aim: no error added.
    pub const BEST: Skill = Skill(1.0);
}

/// Largest aiming error at skill 0.
const MAX_ANGLE_ERROR: f32 = 10.0;
const MAX_POWER_ERROR: f32 = 15.0;

/// Picks `seat`'s next move at `skill`, with aiming error drawn from `rng`.
/// Always legal for a seat whose turn it is.
pub fn choose_fire_with_skill(
    state: &Artillery,
    seat: Seat,
    skill: Skill,
    rng: &mut impl Rng,
) -> Fire {
    let mut fire = choose_fire(state, seat);
    let error = 1.0 - skill.0.clamp(0.0, 1.0);
    if error > 0.0 {
        let mut nudge = |value: u16, most: f32, max: u16| {
            let delta = rng.random_range(-1.0f32..=1.0) * most * error;
            (f32::from(value) + delta)
                .round()
                .clamp(0.0, f32::from(max)) as u16
        };
        fire.aim.angle_deg = nudge(fire.aim.angle_deg, MAX_ANGLE_ERROR, MAX_ANGLE);
        fire.aim.power = nudge(fire.aim.power, MAX_POWER_ERROR, MAX_POWER);
    }
    fire
}

/// Picks `seat`'s next move. Always returns a legal move for a seat whose
/// turn it is.
pub fn choose_fire(state: &Artillery, seat: Seat) -> Fire {
    search_fire(state, seat, &THOROUGH)
}

/// Picks `seat`'s next move from a coarse search only, in about a
/// twentieth of [`choose_fire`]'s time (0.1 to 0.3 ms against 2.5 to
/// 6.4 ms, release build, one core of a 2-core EPYC), always a shell. It
/// hits less often, so its games last longer. For a benchmark whose bots
/// should answer a turn at once, as an echo's client sends its next frame.
/// Always legal for a seat whose turn it is.
pub fn quick_fire(state: &Artillery, seat: Seat) -> Fire {
    search_fire(state, seat, &QUICK)
}

/// How finely a search tries aims.
struct Search {
    /// Steps of the grid of aims tried first, in degrees and power.
    angle_step: usize,
    power_step: usize,
    /// Whether to try every aim within 2 of the grid's best, then the
    /// heavy shell.
    refine: bool,
}

/// [`choose_fire`]'s search: about 1,900 aims, then a fine one.
const THOROUGH: Search = Search {
    angle_step: 3,
    power_step: 3,
    refine: true,
};

/// [`quick_fire`]'s search: 91 aims.
const QUICK: Search = Search {
    angle_step: 15,
    power_step: 15,
    refine: false,
};

fn search_fire(state: &Artillery, seat: Seat, search: &Search) -> Fire {
    let shell = |aim| Fire {
        aim,
        weapon: Weapon::Shell,
    };
    let fallback = shell(Aim {
        angle_deg: 45,
        power: 50,
    });
    let Some(me) = state.tank(seat) else {
        return fallback;
    };
    let enemies: Vec<&Tank> = state
        .tanks
        .iter()
        .filter(|t| t.alive() && t.seat != seat)
        .collect();
    let score = |aim: Aim| score_shot(state, me, &enemies, aim);

    let (angle_step, power_step) = (search.angle_step, search.power_step);
    let coarse = (0..=MAX_ANGLE).step_by(angle_step).flat_map(|angle_deg| {
        (10..=MAX_POWER)
            .step_by(power_step)
            .map(move |power| Aim { angle_deg, power })
    });
    let Some((_, best)) = best_of(coarse, score) else {
        return fallback;
    };
    if !search.refine {
        return shell(best);
    }
    let fine = (best.angle_deg.saturating_sub(2)..=(best.angle_deg + 2).min(MAX_ANGLE)).flat_map(
        |angle_deg| {
            (best.power.saturating_sub(2)..=(best.power + 2).min(MAX_POWER))
                .map(move |power| Aim { angle_deg, power })
        },
    );
    let (_, aim) = best_of(fine, score).unwrap_or((score(best), best));
    let value = |weapon| {
        state
            .preview(seat, &Fire { aim, weapon })
            .map_or(f32::MIN, |report| expected_value(&report, seat))
    };
    let heavy = Weapon::Heavy;
    // A heavy shell is kept for when it clearly does more.
    if me.has(heavy) && value(heavy) > value(Weapon::Shell) + 10.0 {
        Fire { aim, weapon: heavy }
    } else {
        shell(aim)
    }
}

/// A shot for `seat` that hurts nobody and moves no tank: preferably one
/// that leaves the world (the ground stays as it was), else one that digs
/// a crater away from every tank. Aims from flat out on either side up to
/// straight up, at full power, then less. `None` when it is not `seat`'s
/// turn or no aim tried is harmless.
pub fn harmless_fire(state: &Artillery, seat: Seat) -> Option<Fire> {
    let shells = (0..=MAX_ANGLE / 2).step_by(10).flat_map(|tilt| {
        [MAX_POWER, MAX_POWER * 3 / 4, MAX_POWER / 2]
            .into_iter()
            .flat_map(move |power| {
                [tilt, MAX_ANGLE - tilt].map(|angle_deg| Fire {
                    aim: Aim { angle_deg, power },
                    weapon: Weapon::Shell,
                })
            })
    });
    let mut first_harmless = None;
    for fire in shells {
        let Ok(report) = state.preview(seat, &fire) else {
            continue;
        };
        if !report.hits.is_empty() || !report.falls.is_empty() {
            continue;
        }
        if report.landing == Landing::Lost {
            return Some(fire);
        }
        first_harmless.get_or_insert(fire);
    }
    first_harmless
}

/// Damage to enemies, a bonus for each one destroyed, and a heavy penalty
/// for damage to oneself.
fn expected_value(report: &ShotReport, me: Seat) -> f32 {
    let dealt: f32 = report
        .hits
        .iter()
        .map(|hit| {
            let damage = f32::from(hit.damage);
            if hit.seat == me {
                -2.0 * damage
            } else {
                damage
            }
        })
        .sum();
    let kills = report.destroyed.iter().filter(|s| **s != me).count() as f32;
    dealt + 30.0 * kills
}

fn best_of(aims: impl Iterator<Item = Aim>, score: impl Fn(Aim) -> f32) -> Option<(f32, Aim)> {
    aims.map(|aim| (score(aim), aim))
        .min_by(|a, b| a.0.total_cmp(&b.0))
}

/// Lower is better: distance from the landing to the nearest enemy, with a
/// heavy penalty for landing near oneself and for losing the shell.
fn score_shot(state: &Artillery, me: &Tank, enemies: &[&Tank], aim: Aim) -> f32 {
    let flight = fly(&state.terrain, &state.tanks, me, aim, state.wind);
    let Landing::Impact { x, y } = flight.landing else {
        return f32::MAX;
    };
    let at = Vec2::new(x, y);
    let nearest = enemies
        .iter()
        .map(|t| t.centre().distance(at))
        .fold(f32::MAX, f32::min);
    let self_harm = if me.centre().distance(at) < Weapon::Heavy.blast_radius() * 1.2 {
        10_000.0
    } else {
        0.0
    };
    nearest + self_harm
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::artillery::{ArtilleryConfig, ArtilleryEvent};
    use crate::game::{Game, Outcome};

    fn duel(seed: u64) -> Artillery {
        let mut state = Artillery::new(&ArtilleryConfig::default(), seed, 2).unwrap();
        state.begin();
        state
    }

    #[test]
    fn ai_moves_are_legal_and_it_beats_an_idle_opponent() {
        for seed in 0..4 {
            let mut state = duel(seed);
            let mut shots = 0;
            while let Some(seat) = state.to_move() {
                let events = if seat == Seat(0) {
                    shots += 1;
                    let fire = choose_fire(&state, seat);
                    state.play(seat, &fire).unwrap()
                } else {
                    state.time_out()
                };
                assert!(!events.is_empty());
            }
            // The idle side forfeits after three timeouts, i.e. after the AI's
            // third shot at the latest; the AI should usually win sooner.
            assert_eq!(state.outcome, Some(Outcome::Winner(Seat(0))), "seed {seed}");
            assert!(shots <= 3);
        }
    }

    #[test]
    fn a_harmless_shot_hurts_nobody_and_loses_to_the_ai() {
        for seed in 0..20 {
            let mut state = duel(seed);
            let mut harmless = 0;
            while let Some(seat) = state.to_move() {
                let fire = if seat == Seat(0) {
                    choose_fire(&state, seat)
                } else {
                    let fire = harmless_fire(&state, seat).expect("a harmless shot");
                    let report = state.preview(seat, &fire).unwrap();
                    assert!(report.hits.is_empty(), "seed {seed}: {report:?}");
                    assert!(report.falls.is_empty(), "seed {seed}: {report:?}");
                    harmless += 1;
                    fire
                };
                state.play(seat, &fire).unwrap();
            }
            assert_eq!(state.outcome, Some(Outcome::Winner(Seat(0))), "seed {seed}");
            assert!(harmless >= 1, "seed {seed}: the AI won before seat 1 fired");
        }
        let state = duel(0);
        assert_eq!(harmless_fire(&state, Seat(1)), None, "not seat 1's turn");
    }

    #[test]
    fn ai_hits_a_target_within_a_few_shots() {
        let mut state = duel(11);
        let mut damage_dealt = 0u32;
        for _ in 0..3 {
            let fire = choose_fire(&state, Seat(0));
            for event in state.play(Seat(0), &fire).unwrap() {
                if let ArtilleryEvent::Shot(shot) = event {
                    damage_dealt += shot
                        .hits
                        .iter()
                        .filter(|h| h.seat == Seat(1))
                        .map(|h| u32::from(h.damage))
                        .sum::<u32>();
                }
            }
            if state.outcome.is_some() {
                break;
            }
            // Seat 1 wastes its shot out of the world to the left.
            let away = Fire {
                aim: Aim {
                    angle_deg: 180,
                    power: 100,
                },
                weapon: Weapon::Shell,
            };
            state.play(Seat(1), &away).unwrap();
        }
        assert!(damage_dealt >= 30, "AI dealt only {damage_dealt} damage");
    }
}

#[cfg(test)]
mod against_random {
    use super::*;
    use crate::artillery::{ArtilleryConfig, Weapon};
    use crate::game::{Game, Outcome};
    use rand::{RngExt, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    /// A bot that fires anywhere.
    fn random_fire(rng: &mut ChaCha8Rng) -> Fire {
        Fire {
            aim: Aim {
                angle_deg: rng.random_range(0..=MAX_ANGLE),
                power: rng.random_range(0..=MAX_POWER),
            },
            weapon: Weapon::Shell,
        }
    }

    #[test]
    fn skill_adds_error_and_full_skill_adds_none() {
        let mut state = Artillery::new(&ArtilleryConfig::default(), 5, 2).unwrap();
        state.begin();
        let best = choose_fire(&state, Seat(0));
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        assert_eq!(
            choose_fire_with_skill(&state, Seat(0), Skill(1.0), &mut rng),
            best
        );
        let sloppy: Vec<Fire> = (0..20)
            .map(|_| choose_fire_with_skill(&state, Seat(0), Skill(0.0), &mut rng))
            .collect();
        assert!(
            sloppy.iter().any(|f| f.aim != best.aim),
            "no error at skill 0"
        );
        for fire in &sloppy {
            assert!(state.preview(Seat(0), fire).is_ok(), "{fire:?} is illegal");
            assert!(fire.aim.angle_deg.abs_diff(best.aim.angle_deg) <= 10);
            assert!(fire.aim.power.abs_diff(best.aim.power) <= 15);
        }
    }

    /// Games of ten won by `choose` against a random shooter, each side
    /// moving first in half of them.
    fn wins_against_random(choose: fn(&Artillery, Seat) -> Fire) -> u32 {
        let mut wins = 0;
        for game in 0..10u64 {
            let mut state = Artillery::new(&ArtilleryConfig::default(), 1_000 + game, 2).unwrap();
            state.begin();
            let ai = Seat((game % 2) as u8);
            let mut rng = ChaCha8Rng::seed_from_u64(game);
            while let Some(seat) = state.to_move() {
                let fire = if seat == ai {
                    choose(&state, seat)
                } else {
                    random_fire(&mut rng)
                };
                state.play(seat, &fire).expect("the AI's moves are legal");
            }
            if state.outcome == Some(Outcome::Winner(ai)) {
                wins += 1;
            }
        }
        wins
    }

    #[test]
    fn the_ai_beats_a_random_shooter_in_at_least_nine_of_ten_games() {
        let wins = wins_against_random(choose_fire);
        assert!(wins >= 9, "the AI won only {wins} of 10");
    }

    #[test]
    fn the_quick_search_aims_on_its_coarse_grid_and_still_beats_a_random_shooter() {
        let wins = wins_against_random(quick_fire);
        assert!(wins >= 9, "the quick AI won only {wins} of 10");
        for seed in 0..10 {
            let mut state = Artillery::new(&ArtilleryConfig::default(), seed, 2).unwrap();
            state.begin();
            let seat = state.to_move().unwrap();
            let fire = quick_fire(&state, seat);
            assert_eq!(fire.weapon, Weapon::Shell, "seed {seed}");
            assert_eq!(fire.aim.angle_deg % 15, 0, "seed {seed}: {fire:?}");
            assert_eq!((fire.aim.power - 10) % 15, 0, "seed {seed}: {fire:?}");
        }
    }
}
