//! How a headless bot plays any game a client knows: which move it makes,
//! with what error (or how it throws a game).

use crate::game::ClientGame;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use volley_shared::Seat;
use volley_shared::artillery::ai::Skill;

/// A bot's way of playing.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Strategy {
    /// Play the shared AI at this skill.
    Aim(Skill),
    /// Never move: every turn times out (to test turn deadlines).
    Idle,
    /// Make a move that changes nothing for anyone, every turn: to lose
    /// quickly (an artillery shot that hurts nobody). In a game without
    /// such a move (Connect Four), the same as [`Strategy::Idle`].
    Harmless,
    /// The game's quickest sensible move ([`ClientGame::quick`]): for a
    /// benchmark whose bots should answer a turn at once.
    Quick,
}

impl Strategy {
    /// The shared AI at its best.
    pub const BEST: Strategy = Strategy::Aim(Skill::BEST);
}

/// A strategy with the generator its error is drawn from.
#[derive(Clone, Debug)]
pub struct Bot {
    strategy: Strategy,
    rng: ChaCha8Rng,
}

impl Bot {
    /// A bot playing `strategy`, its error seeded with `seed`.
    pub fn new(strategy: Strategy, seed: u64) -> Self {
        Self {
            strategy,
            rng: ChaCha8Rng::seed_from_u64(seed),
        }
    }

    /// The move to make now, if any.
    pub fn decide<G: ClientGame>(&mut self, state: &G, seat: Seat) -> Option<G::Move> {
        match self.strategy {
            Strategy::Aim(skill) => state.choose(seat, skill, &mut self.rng),
            Strategy::Idle => None,
            Strategy::Harmless => state.harmless(seat),
            Strategy::Quick => state.quick(seat),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use volley_shared::Game;
    use volley_shared::artillery::{Artillery, ArtilleryConfig};

    fn duel() -> Artillery {
        let mut state = Artillery::new(&ArtilleryConfig::default(), 7, 2).expect("a duel");
        state.begin();
        state
    }

    #[test]
    fn the_same_seed_aims_the_same_and_idle_never_fires() {
        let state = duel();
        let seat = state.to_move().unwrap();
        let sloppy = Strategy::Aim(Skill(0.3));
        let a = Bot::new(sloppy, 5).decide(&state, seat);
        let b = Bot::new(sloppy, 5).decide(&state, seat);
        assert!(a.is_some());
        assert_eq!(a, b);
        assert_eq!(Bot::new(Strategy::Idle, 5).decide(&state, seat), None);
    }

    #[test]
    fn a_harmless_bot_fires_where_nobody_is_hurt() {
        let state = duel();
        let seat = state.to_move().unwrap();
        let fire = Bot::new(Strategy::Harmless, 5)
            .decide(&state, seat)
            .expect("a harmless shot");
        let report = state.preview(seat, &fire).unwrap();
        assert!(
            report.hits.is_empty() && report.falls.is_empty(),
            "{report:?}"
        );
        let other = volley_shared::Seat(1 - seat.0);
        assert_eq!(Bot::new(Strategy::Harmless, 5).decide(&state, other), None);
    }

    #[test]
    fn a_quick_bot_makes_the_games_quick_move() {
        let state = duel();
        let seat = state.to_move().unwrap();
        let quick = Bot::new(Strategy::Quick, 5).decide(&state, seat);
        assert_eq!(quick, state.quick(seat));
        assert_ne!(quick, Bot::new(Strategy::BEST, 5).decide(&state, seat));
    }
}
