//! Scenario tests of whole matches in the in-process harness: the real
//! matcher, room engine and client session over an in-memory network, with
//! and without faults. Each run is checked by `volley_harness::check`
//! (every room finished, logs replay, players in sync, no move lost or
//! doubled, results applied once); each test then asserts what its
//! scenario is about.

use volley_harness::games::SimGame;
use volley_harness::player::Seen;
use volley_harness::{Behaviour, Checked, Config, Faults, Tally, World, check};
use volley_server::room::engine::REPORT_RETRY_MS;
use volley_shared::artillery::Artillery;
use volley_shared::connect_four::ConnectFour;
use volley_shared::{Mode, Outcome};

/// Simulated time a run may take: far more than any test needs, so every
/// run ends because nothing is due.
const LIMIT_MS: u64 = 24 * 60 * 60 * 1_000;

fn run<G: SimGame>(config: Config) -> (World<G>, Tally, Checked) {
    let mut world = World::<G>::new(config);
    let tally = world.run(LIMIT_MS);
    assert!(
        tally.elapsed_ms < LIMIT_MS,
        "the run did not settle: {tally:?}"
    );
    let checked = check(&world);
    assert!(
        checked.problems.is_empty(),
        "{} problems, the first: {:#?}",
        checked.problems.len(),
        &checked.problems[..checked.problems.len().min(10)]
    );
    (world, tally, checked)
}

/// Every player saw each of its games end.
fn all_games_seen<G: SimGame>(world: &World<G>) {
    let games = world.config().games_per_player as usize;
    for player in world.players() {
        assert_eq!(player.games.len(), games, "{}", player.name);
        assert!(
            player.games.iter().all(|g| g.outcome.is_some()),
            "{}",
            player.name
        );
    }
}

#[test]
fn artillery_duels_on_a_friendly_network_all_end_in_sync() {
    let (world, tally, checked) = run::<Artillery>(Config::new(Mode::Duel, 1, 60));
    all_games_seen(&world);
    assert_eq!(tally.rooms, 60);
    assert_eq!((checked.finished, checked.results), (60, 60));
    assert!(checked.moves_logged > 60 * 4, "{checked:?}");
    assert_eq!(world.coordinator().reports().1, 0, "no report repeated");
    // Each result went when its game's last mover acknowledged the move,
    // a network's round trip after it, not on the room's retry timer.
    assert!(tally.slowest_result_ms < REPORT_RETRY_MS / 10, "{tally:?}");
}

#[test]
fn connect_four_duels_and_artillery_free_for_alls_end_in_sync() {
    let (world, tally, checked) = run::<ConnectFour>(Config::new(Mode::ConnectFour, 2, 100));
    all_games_seen(&world);
    assert_eq!((tally.rooms, checked.results), (100, 100));

    let (world, tally, checked) = run::<Artillery>(Config::new(Mode::Ffa4, 3, 40));
    all_games_seen(&world);
    assert_eq!((tally.rooms, checked.results), (20, 20));
}

#[test]
fn under_chaos_no_move_is_lost_or_doubled_and_every_result_counts_once() {
    for seed in 0..3 {
        let mut config = Config::new(Mode::ConnectFour, 100 + seed, 200);
        config.faults = Faults::CHAOS;
        let (world, tally, checked) = run::<ConnectFour>(config);
        all_games_seen(&world);
        let i = tally.injected;
        assert!(
            i.drops > 0
                && i.delays > 0
                && i.duplicate_alarms > 0
                && i.early_alarms > 0
                && i.restarts > 0
                && i.lost_reports > 0
                && i.lost_acknowledgements > 0,
            "every fault struck: {i:?}"
        );
        assert_eq!(checked.results, tally.rooms);
        let rejoins: u32 = world
            .players()
            .iter()
            .flat_map(|p| &p.games)
            .map(|g| g.rejoins)
            .sum();
        assert!(rejoins > 0);
        assert!(
            world.coordinator().reports().1 > 0,
            "some report came twice"
        );
    }
    let mut config = Config::new(Mode::Duel, 7, 60);
    config.faults = Faults::CHAOS;
    let (world, _, _) = run::<Artillery>(config);
    all_games_seen(&world);
}

#[test]
fn a_game_a_move_ends_is_reported_once_the_mover_has_acknowledged_it() {
    // Every frame and report takes 20 ms: a result sent with the last
    // move's effects would reach the coordinator 20 ms after the move; on
    // the acknowledgement it takes the events' way to the mover, the
    // acknowledgement's back, and the report's: 60 ms.
    let mut config = Config::new(Mode::Duel, 5, 20);
    config.latency_ms = (20, 20);
    let (_, tally, checked) = run::<Artillery>(config);
    assert_eq!(checked.results, tally.rooms);
    assert!(tally.fastest_result_ms >= Some(60), "{tally:?}");
    assert!(tally.slowest_result_ms < REPORT_RETRY_MS / 10, "{tally:?}");
}

/// The games a player saw, with whether each was against an idle player.
fn outcomes(world: &World<ConnectFour>, player: usize) -> Vec<&Seen<ConnectFour>> {
    world.players()[player].games.iter().collect()
}

#[test]
fn an_idle_player_forfeits_and_two_idle_players_end_their_game_too() {
    let mut config = Config::new(Mode::ConnectFour, 11, 40);
    config.games_per_player = 1;
    // Players queue in order and match in pairs: (0, 1) both idle,
    // (2, 3) one idle, and so on.
    for (n, behaviour) in config.players.iter_mut().enumerate() {
        if n % 4 != 3 {
            *behaviour = Behaviour::Idle;
        }
    }
    let (world, _, checked) = run::<ConnectFour>(config.clone());
    assert_eq!(checked.finished, 20);
    let idle = |n: usize| config.players[n] == Behaviour::Idle;
    let (mut both_idle, mut one_idle) = (0, 0);
    for host in world.rooms() {
        let replay = host.replay().unwrap();
        let seats: Vec<usize> = (0..world.players().len())
            .filter(|&p| {
                world.players()[p]
                    .games
                    .iter()
                    .any(|g| world.rooms()[g.room].id() == host.id())
            })
            .collect();
        let (game, _) = replay.run().unwrap();
        let outcome = volley_shared::Game::outcome(&game).unwrap();
        match seats.iter().filter(|&&p| idle(p)).count() {
            1 => {
                let active = *seats.iter().find(|&&p| !idle(p)).unwrap();
                let seat = outcomes(&world, active)[0].seat;
                assert_eq!(outcome, Outcome::Winner(seat), "the one who moved wins");
                one_idle += 1;
            }
            2 => both_idle += 1,
            _ => {}
        }
    }
    assert_eq!((both_idle, one_idle), (10, 10));
}

#[test]
fn a_player_who_resigns_in_a_three_player_game_loses_and_the_game_goes_on() {
    let mut config = Config::new(Mode::Ffa3, 21, 30);
    config.games_per_player = 1;
    config.players[0] = Behaviour::Resigns(2);
    config.players[1] = Behaviour::Resigns(1);
    let (world, _, checked) = run::<Artillery>(config);
    assert_eq!(checked.finished, 10);
    for quitter in [0, 1] {
        let seen = &world.players()[quitter].games[0];
        assert_ne!(seen.outcome, Some(Outcome::Winner(seen.seat)));
        let replay = world.rooms()[seen.room].replay().unwrap();
        assert!(replay.actions.iter().any(|a| matches!(
            a.action,
            volley_shared::replay::Action::Resign { seat } if seat == seen.seat
        )));
    }
}

#[test]
fn the_same_seed_plays_the_same_run() {
    let config = || {
        let mut config = Config::new(Mode::ConnectFour, 5, 40);
        config.faults = Faults::CHAOS;
        config
    };
    let (first, tally, _) = run::<ConnectFour>(config());
    let (second, again, _) = run::<ConnectFour>(config());
    assert_eq!(tally, again);
    let replays = |w: &World<ConnectFour>| w.rooms().iter().map(|r| r.replay()).collect::<Vec<_>>();
    assert_eq!(replays(&first), replays(&second));
}
