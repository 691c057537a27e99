//! An aiming AI that plays by the game's own rules.
//!
//! It simulates candidate shots with [`crate::artillery::fly`], wind
//! included, and keeps the one that lands closest to an enemy tank without
//! hurting its own: a coarse grid search, then a fine one around the best.

use crate::artillery::{
    Aim, ArtilleryState, BLAST_RADIUS, Landing, MAX_ANGLE, MAX_POWER, Tank, fly,
};
use crate::ids::Seat;
use glam::Vec2;

/// Picks the aim for `seat`'s next shot. Always returns a legal aim.
pub fn choose_aim(state: &ArtilleryState, seat: Seat) -> Aim {
    let fallback = Aim {
        angle_deg: 45,
        power: 50,
    };
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
    let Some(best) = best_of(coarse, score) else {
        return fallback;
    };
    let fine = (best.angle_deg.saturating_sub(2)..=(best.angle_deg + 2).min(MAX_ANGLE)).flat_map(
        |angle_deg| {
            (best.power.saturating_sub(2)..=(best.power + 2).min(MAX_POWER))
                .map(move |power| Aim { angle_deg, power })
        },
    );
    best_of(fine, score).unwrap_or(best)
}

fn best_of(aims: impl Iterator<Item = Aim>, score: impl Fn(Aim) -> f32) -> Option<Aim> {
    aims.map(|aim| (score(aim), aim))
        .min_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, aim)| aim)
}

/// Lower is better: distance from the landing to the nearest enemy, with a
/// heavy penalty for landing near oneself and for losing the shell.
fn score_shot(state: &ArtilleryState, me: &Tank, enemies: &[&Tank], aim: Aim) -> f32 {
    let flight = fly(&state.terrain, &state.tanks, me, aim, state.wind);
    let Landing::Impact { x, y } = flight.landing else {
        return f32::MAX;
    };
    let at = Vec2::new(x, y);
    let nearest = enemies
        .iter()
        .map(|t| t.centre().distance(at))
        .fold(f32::MAX, f32::min);
    let self_harm = if me.centre().distance(at) < BLAST_RADIUS * 1.5 {
        10_000.0
    } else {
        0.0
    };
    nearest + self_harm
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::artillery::{GameEvent, Outcome};

    #[test]
    fn ai_aims_are_legal_and_it_beats_an_idle_opponent() {
        for seed in 0..4 {
            let mut state = ArtilleryState::new(seed, 2);
            let mut shots = 0;
            while state.outcome.is_none() {
                let seat = state.current;
                let events = if seat == Seat(0) {
                    shots += 1;
                    let aim = choose_aim(&state, seat);
                    assert!(aim.angle_deg <= MAX_ANGLE && aim.power <= MAX_POWER);
                    state.fire(seat, aim).unwrap()
                } else {
                    state.time_out(seat).unwrap()
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
        let mut state = ArtilleryState::new(11, 2);
        let mut damage_dealt = 0u32;
        for _ in 0..3 {
            let aim = choose_aim(&state, Seat(0));
            for event in state.fire(Seat(0), aim).unwrap() {
                if let GameEvent::Shot { hits, .. } = event {
                    damage_dealt += hits
                        .iter()
                        .filter(|h| h.seat == Seat(1))
                        .map(|h| u32::from(h.damage))
                        .sum::<u32>();
                }
            }
            if state.outcome.is_some() {
                break;
            }
            // Seat 1 wastes its shot straight up-left away from everyone.
            state
                .fire(
                    Seat(1),
                    Aim {
                        angle_deg: 180,
                        power: 100,
                    },
                )
                .unwrap();
        }
        assert!(damage_dealt >= 30, "AI dealt only {damage_dealt} damage");
    }
}
