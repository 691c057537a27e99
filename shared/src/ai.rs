//! An aiming AI that plays by the game's own rules.
//!
//! It simulates candidate shots with [`crate::artillery::fly`], wind
//! included, and keeps the one that lands closest to an enemy tank without
//! hurting its own: a coarse grid search, then a fine one around the best.
//! It fires a heavy shell when it has one and the shot lands close enough
//! for the bigger blast to matter.

use crate::artillery::{Aim, Artillery, Fire, Landing, MAX_ANGLE, MAX_POWER, Tank, Weapon, fly};
use crate::ids::Seat;
use glam::Vec2;

/// Picks `seat`'s next move. Always returns a legal move for a seat whose
/// turn it is.
pub fn choose_fire(state: &Artillery, seat: Seat) -> Fire {
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

    let coarse = (0..=MAX_ANGLE).step_by(3).flat_map(|angle_deg| {
        (10..=MAX_POWER)
            .step_by(3)
            .map(move |power| Aim { angle_deg, power })
    });
    let Some((_, best)) = best_of(coarse, score) else {
        return fallback;
    };
    let fine = (best.angle_deg.saturating_sub(2)..=(best.angle_deg + 2).min(MAX_ANGLE)).flat_map(
        |angle_deg| {
            (best.power.saturating_sub(2)..=(best.power + 2).min(MAX_POWER))
                .map(move |power| Aim { angle_deg, power })
        },
    );
    let (miss, aim) = best_of(fine, score).unwrap_or((score(best), best));
    let heavy = Weapon::Heavy;
    if me.has(heavy) && miss < heavy.blast_radius() && miss > Weapon::Shell.blast_radius() / 3.0 {
        Fire { aim, weapon: heavy }
    } else {
        shell(aim)
    }
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
    fn the_ai_beats_a_random_shooter_in_at_least_nine_of_ten_games() {
        let mut wins = 0;
        for game in 0..10u64 {
            let mut state = Artillery::new(&ArtilleryConfig::default(), 1_000 + game, 2).unwrap();
            state.begin();
            let ai = Seat((game % 2) as u8);
            let mut rng = ChaCha8Rng::seed_from_u64(game);
            while let Some(seat) = state.to_move() {
                let fire = if seat == ai {
                    choose_fire(&state, seat)
                } else {
                    random_fire(&mut rng)
                };
                state.play(seat, &fire).expect("the AI's moves are legal");
            }
            if state.outcome == Some(Outcome::Winner(ai)) {
                wins += 1;
            }
        }
        assert!(wins >= 9, "the AI won only {wins} of 10");
    }
}
