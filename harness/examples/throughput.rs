//! How many complete matches the in-process harness plays per second of
//! wall time, per game, on a friendly network and under chaos; each run
//! is checked as the tests check it. A measurement for TESTING.md, not a
//! test: `cargo run --release -p volley-harness --example throughput`.

use std::time::Instant;
use volley_harness::games::SimGame;
use volley_harness::{Config, Faults, World, check};
use volley_shared::Mode;
use volley_shared::artillery::Artillery;
use volley_shared::connect_four::ConnectFour;

fn measure<G: SimGame>(label: &str, mode: Mode, players: usize, faults: Faults) {
    let mut config = Config::new(mode, 1, players);
    config.faults = faults;
    let started = Instant::now();
    let mut world = World::<G>::new(config);
    let tally = world.run(u64::MAX / 4);
    let wall = started.elapsed().as_secs_f64();
    let checked = check(&world);
    println!(
        "{label:32} {:6} matches, {:7} moves, {:6.2} s wall: {:8.0} matches/s, {:6.0} simulated s; problems {}",
        tally.rooms,
        tally.moves_sent,
        wall,
        tally.rooms as f64 / wall,
        tally.elapsed_ms as f64 / 1_000.0,
        checked.problems.len()
    );
}

fn main() {
    measure::<ConnectFour>(
        "connect four, friendly",
        Mode::ConnectFour,
        4_000,
        Faults::default(),
    );
    measure::<ConnectFour>(
        "connect four, chaos",
        Mode::ConnectFour,
        4_000,
        Faults::CHAOS,
    );
    measure::<Artillery>(
        "artillery duel, friendly",
        Mode::Duel,
        1_000,
        Faults::default(),
    );
    measure::<Artillery>("artillery duel, chaos", Mode::Duel, 1_000, Faults::CHAOS);
    measure::<Artillery>(
        "artillery ffa4, friendly",
        Mode::Ffa4,
        1_000,
        Faults::default(),
    );
}
