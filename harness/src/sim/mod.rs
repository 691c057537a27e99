//! A deterministic simulation of internet-scale demand on the coordinator
//! shards: the real matcher, the real shard routing and spill rule, the
//! real rating rules, on a simulated clock, driven by a synthetic arrival
//! model (a day's curve per region, a regional and mode mix, a skill
//! spread, parties and private rooms). It answers what the design must:
//! how many requests each shard gets against the ~1,000 a second one
//! object is guided to, how long players wait per region and mode, how far
//! apart in rating the matches are, and how many tickets spill to a global
//! pool. `cargo run --release -p volley-harness --bin volley-sim`.
//!
//! Games are not played move by move here (a day at a million players an
//! hour is tens of millions of games): each lasts as long as one of the
//! games the harness played with the real engines ([`calibrate`]).
//!
//! - [`demand`]: who arrives, where, when.
//! - [`shard`]: one shard's queue, matcher, spill and load.
//! - [`run`]: the simulated day. [`tally`]: what it counts.
//! - [`report`]: the figures. [`chart`]: the shards' load over the day.

pub mod chart;
pub mod demand;
pub mod report;
pub mod run;
pub mod shard;
pub mod tally;

use crate::games::SimGame;
use crate::player::Behaviour;
use crate::world::{Config, World};
use std::collections::BTreeMap;
use volley_shared::Mode;
use volley_shared::artillery::Artillery;
use volley_shared::connect_four::ConnectFour;

pub use demand::Demand;
pub use report::Report;
pub use run::{Design, GameLengths, Sim, SimConfig};

/// How long games last, per mode, measured on `games` complete matches of
/// each that the harness plays with the real engines and client sessions:
/// players who think 2 to 8 s a move, the server's 30 s turns. A game's
/// length is from its first action to its last, as its room logged them.
pub fn calibrate(games: usize, seed: u64) -> GameLengths {
    let mut samples = BTreeMap::new();
    for &mode in &Mode::ALL {
        let lengths = match mode {
            Mode::ConnectFour => lengths_of::<ConnectFour>(mode, games, seed),
            _ => lengths_of::<Artillery>(mode, games, seed),
        };
        samples.insert(mode, lengths);
    }
    GameLengths::from_samples(samples)
}

fn lengths_of<G: SimGame>(mode: Mode, games: usize, seed: u64) -> Vec<u64> {
    let mut config = Config::new(mode, seed, games * mode.players());
    config.players = vec![
        Behaviour::Plays {
            min_ms: 2_000,
            max_ms: 8_000,
        };
        games * mode.players()
    ];
    config.games_per_player = 1;
    config.turn_timeout_ms = volley_server::settings::DEFAULT_TURN_TIMEOUT_MS;
    // Kept past the run, so every room's log can be read.
    config.retention_ms = 48 * 3_600_000;
    let mut world = World::<G>::new(config);
    world.run(24 * 3_600_000);
    world
        .rooms()
        .iter()
        .filter_map(|room| {
            let replay = room.replay()?;
            let first = replay.actions.first()?.at_ms;
            let last = replay.actions.last()?.at_ms;
            Some(last.saturating_sub(first))
        })
        .collect()
}
