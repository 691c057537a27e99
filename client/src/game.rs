//! What a client needs from a game beyond the shared rules: how to check a
//! server's event against the local copy (so a desync is caught, and with
//! it any difference between the server's wasm32 build and this one), and
//! how the headless bots play it.
//!
//! Each game Volley hosts implements [`ClientGame`] here and is drawn by
//! the browser front end; `docs/GAMES.md` lists every step of adding one.

use rand::Rng;
use volley_shared::artillery::ai::{Skill, choose_fire_with_skill, harmless_fire, quick_fire};
use volley_shared::artillery::{Aim, Artillery, ArtilleryEvent, Fire};
use volley_shared::connect_four::{self, ConnectFour, ai::BEST_DEPTH};
use volley_shared::{Game, Seat};

/// A game a client can follow and a bot can play. Its view is the game
/// itself (both games show everyone everything).
pub trait ClientGame: Game<View = Self> {
    /// Checks `event` against the local rules before it is applied: `Err`
    /// says how the server's report differs from what the rules give here.
    fn verify(&self, event: &Self::Event) -> Result<(), String>;

    /// The seat whose move `event` resolves, if it resolves one (a client
    /// times its move's round trip to this event).
    fn resolves_move_of(event: &Self::Event) -> Option<Seat>;

    /// The seat whose turn `event` says timed out, if any.
    fn timed_out(event: &Self::Event) -> Option<Seat>;

    /// The move the shared AI makes for `seat` at `skill` (1 is its best),
    /// drawing any error from `rng`; `None` when `seat` may not move.
    fn choose(&self, seat: Seat, skill: Skill, rng: &mut impl Rng) -> Option<Self::Move>;

    /// A move for `seat` that changes nothing for anyone, to lose without
    /// waiting out turns; `None` when `seat` may not move or the game has
    /// no such move.
    fn harmless(&self, seat: Seat) -> Option<Self::Move>;

    /// A sensible move for `seat` found in a fraction of a millisecond, so
    /// a benchmark's bot answers its turn at once; `None` when `seat` may
    /// not move.
    fn quick(&self, seat: Seat) -> Option<Self::Move>;

    /// What a player lining up `mv` shows the others when `done` (0 to 1)
    /// of its thinking time has passed; `None` if the game shows nothing.
    fn lining_up(mv: &Self::Move, done: f32) -> Option<Self::Live>;
}

impl ClientGame for Artillery {
    fn verify(&self, event: &ArtilleryEvent) -> Result<(), String> {
        let ArtilleryEvent::Shot(report) = event else {
            return Ok(());
        };
        let mine = self
            .preview(report.seat, &report.fire)
            .map_err(|e| format!("server accepted a shot the rules refuse: {e}"))?;
        if mine == *report {
            Ok(())
        } else {
            Err(format!(
                "server reported {report:?}, local rules gave {mine:?}"
            ))
        }
    }

    fn resolves_move_of(event: &ArtilleryEvent) -> Option<Seat> {
        match event {
            ArtilleryEvent::Shot(shot) => Some(shot.seat),
            _ => None,
        }
    }

    fn timed_out(event: &ArtilleryEvent) -> Option<Seat> {
        match event {
            ArtilleryEvent::TurnTimedOut { seat, .. } => Some(*seat),
            _ => None,
        }
    }

    fn choose(&self, seat: Seat, skill: Skill, rng: &mut impl Rng) -> Option<Fire> {
        (self.to_move() == Some(seat)).then(|| choose_fire_with_skill(self, seat, skill, rng))
    }

    fn harmless(&self, seat: Seat) -> Option<Fire> {
        harmless_fire(self, seat)
    }

    fn quick(&self, seat: Seat) -> Option<Fire> {
        (self.to_move() == Some(seat)).then(|| quick_fire(self, seat))
    }

    fn lining_up(fire: &Fire, done: f32) -> Option<Fire> {
        // The barrel swings from a resting aim to the shot.
        const RESTING: Aim = Aim {
            angle_deg: 45,
            power: 50,
        };
        let done = done.clamp(0.0, 1.0);
        let between = |from: u16, to: u16| {
            (f32::from(from) + (f32::from(to) - f32::from(from)) * done).round() as u16
        };
        Some(Fire {
            aim: Aim {
                angle_deg: between(RESTING.angle_deg, fire.aim.angle_deg),
                power: between(RESTING.power, fire.aim.power),
            },
            weapon: fire.weapon,
        })
    }
}

impl ClientGame for ConnectFour {
    fn verify(&self, event: &connect_four::Event) -> Result<(), String> {
        match event {
            connect_four::Event::Dropped { seat, column } => self
                .check_move(*seat, column)
                .map_err(|e| format!("server dropped a disc the rules refuse: {e}")),
            _ => Ok(()),
        }
    }

    fn resolves_move_of(event: &connect_four::Event) -> Option<Seat> {
        match event {
            connect_four::Event::Dropped { seat, .. } => Some(*seat),
            _ => None,
        }
    }

    fn timed_out(event: &connect_four::Event) -> Option<Seat> {
        match event {
            connect_four::Event::TimedOut { seat } => Some(*seat),
            _ => None,
        }
    }

    fn choose(&self, seat: Seat, skill: Skill, _rng: &mut impl Rng) -> Option<u8> {
        // Skill is search depth: 1 ply at 0, the AI's best at 1.
        let depth = 1.0 + skill.0.clamp(0.0, 1.0) * f32::from(BEST_DEPTH - 1);
        connect_four::ai::choose_column(self, seat, depth.round() as u8)
    }

    fn harmless(&self, _seat: Seat) -> Option<u8> {
        // Every disc changes the board.
        None
    }

    fn quick(&self, seat: Seat) -> Option<u8> {
        // A one-ply search.
        connect_four::ai::choose_column(self, seat, 1)
    }

    fn lining_up(column: &u8, done: f32) -> Option<u8> {
        // The disc hovers over its column once the player has made up
        // their mind, halfway through.
        (done >= 0.5).then_some(*column)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;
    use volley_shared::artillery::{ArtilleryConfig, Weapon};

    #[test]
    fn the_artillery_aim_swings_from_rest_to_the_shot() {
        let fire = Fire {
            aim: Aim {
                angle_deg: 65,
                power: 90,
            },
            weapon: Weapon::Heavy,
        };
        let start = Artillery::lining_up(&fire, 0.0).unwrap();
        assert_eq!((start.aim.angle_deg, start.aim.power), (45, 50));
        let half = Artillery::lining_up(&fire, 0.5).unwrap();
        assert_eq!((half.aim.angle_deg, half.aim.power), (55, 70));
        assert_eq!(half.weapon, Weapon::Heavy);
        assert_eq!(Artillery::lining_up(&fire, 1.0), Some(fire));
        assert_eq!(Artillery::lining_up(&fire, 7.0), Some(fire));
    }

    #[test]
    fn bots_only_move_on_their_turn_in_both_games() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let mut duel = Artillery::new(&ArtilleryConfig::default(), 3, 2).unwrap();
        duel.begin();
        let seat = duel.to_move().unwrap();
        let other = Seat(1 - seat.0);
        let fire = duel.choose(seat, Skill::BEST, &mut rng).unwrap();
        assert!(duel.check_move(seat, &fire).is_ok());
        assert_eq!(duel.choose(other, Skill::BEST, &mut rng), None);
        let quick = duel.quick(seat).unwrap();
        assert!(duel.check_move(seat, &quick).is_ok());
        assert_eq!(duel.quick(other), None);

        let mut board = ConnectFour::new(&(), 0, 2).unwrap();
        board.begin();
        for skill in [Skill(0.0), Skill(0.5), Skill::BEST] {
            let column = board.choose(Seat(0), skill, &mut rng).unwrap();
            assert!(board.check_move(Seat(0), &column).is_ok());
        }
        assert_eq!(board.choose(Seat(1), Skill::BEST, &mut rng), None);
        let quick = board.quick(Seat(0)).unwrap();
        assert!(board.check_move(Seat(0), &quick).is_ok());
        assert_eq!(board.quick(Seat(1)), None);
        assert_eq!(ConnectFour::lining_up(&3, 0.2), None);
        assert_eq!(ConnectFour::lining_up(&3, 0.6), Some(3));
    }

    #[test]
    fn a_drop_the_rules_refuse_is_a_desync() {
        let mut board = ConnectFour::new(&(), 0, 2).unwrap();
        board.begin();
        let out_of_turn = connect_four::Event::Dropped {
            seat: Seat(1),
            column: 2,
        };
        assert!(board.verify(&out_of_turn).is_err());
        let fine = connect_four::Event::Dropped {
            seat: Seat(0),
            column: 2,
        };
        assert!(board.verify(&fine).is_ok());
        assert_eq!(ConnectFour::resolves_move_of(&fine), Some(Seat(0)));
    }
}
