//! How a headless bot plays: which shot it picks, with what aiming error.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use volley_shared::Seat;
use volley_shared::ai::{Skill, choose_fire_with_skill};
use volley_shared::artillery::{Artillery, Fire};

/// A bot's way of playing.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Strategy {
    /// Aim with the shared AI at this skill and fire.
    Aim(Skill),
    /// Never move: every turn times out (to test turn deadlines).
    Idle,
}

impl Strategy {
    /// The shared AI at its best.
    pub const BEST: Strategy = Strategy::Aim(Skill::BEST);
}

/// A strategy with the generator its aiming error is drawn from.
#[derive(Clone, Debug)]
pub struct Bot {
    strategy: Strategy,
    rng: ChaCha8Rng,
}

impl Bot {
    /// A bot playing `strategy`, its aiming error seeded with `seed`.
    pub fn new(strategy: Strategy, seed: u64) -> Self {
        Self {
            strategy,
            rng: ChaCha8Rng::seed_from_u64(seed),
        }
    }

    /// The shot to fire now, if any.
    pub fn decide(&mut self, state: &Artillery, seat: Seat) -> Option<Fire> {
        match self.strategy {
            Strategy::Aim(skill) => Some(choose_fire_with_skill(state, seat, skill, &mut self.rng)),
            Strategy::Idle => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use volley_shared::Game;
    use volley_shared::artillery::ArtilleryConfig;

    fn duel() -> Artillery {
        let mut state = Artillery::new(&ArtilleryConfig::default(), 7, 2).expect("a duel");
        state.begin();
        state
    }

    #[test]
    fn the_same_seed_aims_the_same_and_idle_never_fires() {
        let state = duel();
        let sloppy = Strategy::Aim(Skill(0.3));
        let a = Bot::new(sloppy, 5).decide(&state, Seat(0));
        let b = Bot::new(sloppy, 5).decide(&state, Seat(0));
        assert!(a.is_some());
        assert_eq!(a, b);
        assert_eq!(Bot::new(Strategy::Idle, 5).decide(&state, Seat(0)), None);
    }
}
