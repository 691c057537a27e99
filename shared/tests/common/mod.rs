//! A scripted artillery game shared by the determinism test, the golden
//! frames and the codec benchmark: the same seed and the same moves every
//! time, with every kind of event in it.

#![allow(dead_code)]

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use volley_shared::artillery::{Aim, Artillery, ArtilleryConfig, ArtilleryEvent, Fire, Weapon};
use volley_shared::{Game, Seat};

/// The seed of the scripted game.
pub const SEED: u64 = 0x5eed_cafe_f00d_0001;

/// The scripted game's moves, from their own seeded generator: mostly
/// shots (some heavy), a timeout every seventh turn, and seat 3 resigning
/// at turn 20.
pub fn scripted_game(seats: u8, max_turns: u32) -> (Artillery, Vec<ArtilleryEvent>) {
    let mut game = Artillery::new(&ArtilleryConfig::default(), SEED, seats).unwrap();
    let mut moves = ChaCha8Rng::seed_from_u64(42);
    let mut events = game.begin();
    while let Some(seat) = game.to_move() {
        if game.turn >= max_turns {
            break;
        }
        if game.turn == 20 && seats == 4 && game.tank(Seat(3)).is_some_and(|t| t.alive()) {
            events.extend(game.resign(Seat(3)).unwrap());
            continue;
        }
        if game.turn % 7 == 0 {
            events.extend(game.time_out());
            continue;
        }
        let heavy = game.turn % 5 == 0 && game.tank(seat).is_some_and(|t| t.heavy_shells > 0);
        let fire = Fire {
            aim: Aim {
                angle_deg: moves.random_range(20..=160),
                power: moves.random_range(30..=100),
            },
            weapon: if heavy { Weapon::Heavy } else { Weapon::Shell },
        };
        events.extend(game.play(seat, &fire).unwrap());
    }
    (game, events)
}
