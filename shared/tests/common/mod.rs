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

/// The folder of one protocol version's golden frames.
pub fn golden_dir(version: &str) -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(version)
}

/// Compares `bytes` with the committed file `name` in `dir`; with
/// `VOLLEY_BLESS` set, writes the file if it is missing (an existing file
/// is never rewritten). Returns the committed bytes.
pub fn check_golden(dir: &std::path::Path, name: &str, bytes: &[u8]) -> Vec<u8> {
    let path = dir.join(format!("{name}.hex"));
    let committed = match std::fs::read_to_string(&path) {
        Ok(text) => hex::decode(text.trim()).unwrap(),
        Err(_) if std::env::var_os("VOLLEY_BLESS").is_some() => {
            std::fs::create_dir_all(dir).unwrap();
            std::fs::write(&path, format!("{}\n", hex::encode(bytes))).unwrap();
            bytes.to_vec()
        }
        Err(err) => panic!(
            "{}: {err}; a new frame needs a golden file: run with VOLLEY_BLESS=1 and commit it",
            path.display()
        ),
    };
    assert_eq!(
        hex::encode(bytes),
        hex::encode(&committed),
        "the encoding of {name} changed; a released protocol version must not change (see PROTOCOL.md)"
    );
    committed
}

/// Fails when a committed golden file in `dir` has no sample in `names`.
pub fn every_file_has_a_sample(dir: &std::path::Path, names: &std::collections::BTreeSet<String>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let file = entry.unwrap().file_name().into_string().unwrap();
        let name = file.trim_end_matches(".hex");
        assert!(
            names.contains(name),
            "{file} has no sample: a frame a released version promised to decode lost its test"
        );
    }
}
