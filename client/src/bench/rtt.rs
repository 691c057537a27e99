//! Benchmark 1, move round trip: one game at a time, its bots answering
//! each turn at once with the game's quick move, fire sent to the
//! resolving event received, against one frame's round trip through the
//! echo Durable Object (plain, writing a row, writing a row and moving the
//! alarm, and writing a row on a new object every game's worth of round
//! trips) and, for scale, a plain tokio echo on loopback. The echo
//! object and Volley take turns in rounds (`--rtt-rounds`), so a drift in
//! the machine's speed during the run weighs on both alike. Both are
//! measured warm: the echo's first round trips on each connection and
//! Volley's first games (`--rtt-warmup-games`) are not recorded.

use super::args::BenchArgs;
use super::echo;
use super::measure::{CpuTally, echo_object_url, report_problems, with_progress};
use super::report::RttBench;
use crate::bot::Strategy;
use crate::load::latency::Latency;
use crate::load::moves::MoveLog;
use crate::load::report::MoveHistograms;
use crate::load::{self, LoadConfig, Stop};
use anyhow::Result;
use std::time::Duration;
use url::Url;

/// The pause between two frames of the paced echo baseline.
const PACED_GAP: Duration = Duration::from_millis(10);

/// How long the paced echo baseline runs, over all rounds.
const PACED_TOTAL: Duration = Duration::from_secs(4);

/// Unrecorded round trips on each new echo connection.
const WARMUP: u32 = 50;

/// Round trips on each object of the echo baseline that makes new objects:
/// about a quick artillery game's moves (a game's last move is one in 13),
/// as every game has a room of its own.
const TRIPS_PER_NEW_OBJECT: u32 = 13;

/// Runs benchmark 1; returns it and the load runs' error count.
pub(super) async fn run(server: &Url, args: &BenchArgs, payload: &[u8]) -> Result<(RttBench, u64)> {
    let rounds = args.rtt_rounds.max(1);
    eprintln!(
        "bench: move round trip ({} games one at a time, taking turns with the echo in {rounds} rounds)",
        args.rtt_games
    );
    let loopback = echo::LoopbackEcho::start()?;
    let loopback_echo =
        echo::round_trips(&loopback.url(), payload, WARMUP, args.echo_round_trips).await?;
    drop(loopback);
    // Each variant on an object of its own: plain, writing a row per frame,
    // and writing a row and moving the alarm per frame.
    let plain = echo_object_url(server, "rtt", &[])?;
    let writing = echo_object_url(server, "rtt-write", &["write"])?;
    let writing_alarm = echo_object_url(server, "rtt-write-alarm", &["write", "alarm"])?;
    let (mut echo_object, mut echo_object_writing, mut echo_object_writing_alarm) =
        (Latency::default(), Latency::default(), Latency::default());
    let mut echo_object_writing_paced = Latency::default();
    let mut echo_object_writing_new = echo::FirstAndLater::default();
    // New objects' names: this run's own, so none was made by a run before.
    let (run, mut new_objects) = (rand::random::<u64>(), 0);
    let mut volley = MoveHistograms::default();
    let mut move_log = MoveLog::default();
    let (mut echo_writing_cpu, mut volley_cpu) = (CpuTally::default(), CpuTally::default());
    let mut echo_writing_trips = 0;
    let mut errors = 0;
    if args.rtt_warmup_games > 0 {
        eprintln!(
            "bench: {} games to warm up, not recorded",
            args.rtt_warmup_games
        );
        let warmup = load::run(with_progress(
            quick_games(server, args.rtt_warmup_games, false),
            args,
        ))
        .await;
        report_problems("move round trip warm-up", &warmup);
        errors += warmup.error_count();
    }
    for round in 0..rounds {
        let trips = share(args.echo_round_trips, rounds, round);
        if trips > 0 {
            echo_object.add(&echo::round_trips(&plain, payload, WARMUP, trips).await?);
            let measured = echo_writing_cpu
                .measure(echo::round_trips(&writing, payload, WARMUP, trips))
                .await?;
            echo_object_writing.add(&measured);
            echo_writing_trips += u64::from(WARMUP + trips);
            echo_object_writing_alarm
                .add(&echo::round_trips(&writing_alarm, payload, WARMUP, trips).await?);
            let objects = trips.div_ceil(TRIPS_PER_NEW_OBJECT);
            let urls = (new_objects..new_objects + objects)
                .map(|n| echo_object_url(server, &format!("rtt-new-{run:016x}-{n}"), &["write"]))
                .collect::<Result<Vec<_>>>()?;
            new_objects += objects;
            echo_object_writing_new
                .add(&echo::round_trips_on_each(urls, payload, TRIPS_PER_NEW_OBJECT, trips).await?);
        }
        // The same object writing a row, one frame every 10 ms: a round
        // trip after a pause is slower on the same runtime (it measured
        // 0.9 ms back to back, 2.3 ms every 30 ms), and a person's moves
        // come after pauses.
        let paced = echo::paced(
            std::slice::from_ref(&writing),
            payload,
            PACED_GAP,
            PACED_TOTAL / rounds,
        )
        .await;
        echo_object_writing_paced.add(&paced.latency);
        errors += paced.errors;

        let games = share(args.rtt_games, rounds, round);
        if games == 0 {
            continue;
        }
        // Always logged: each room's last move is told apart from it.
        let mut report = volley_cpu
            .measure(load::run(with_progress(
                quick_games(server, games, true),
                args,
            )))
            .await;
        report_problems("move round trip", &report);
        volley.add(&report.move_histograms);
        move_log.add(std::mem::take(&mut report.move_log));
        errors += report.error_count();
    }
    if let Some(path) = &args.moves {
        move_log.save(path)?;
        eprintln!(
            "bench: {} moves written to {}",
            move_log.lines.len(),
            path.display()
        );
    }
    let (plain, writing) = (echo_object.summary(), echo_object_writing.summary());
    let paced = echo_object_writing_paced.summary();
    let new_objects = echo_object_writing_new.all().summary();
    let volley_move = volley.all().summary();
    let echo_writing_cpu = echo_writing_cpu.per_unit(echo_writing_trips);
    let volley_move_cpu = volley_cpu.per_unit(volley_move.count);
    Ok((
        RttBench {
            rounds,
            warmup_games: args.rtt_warmup_games,
            loopback_echo: loopback_echo.summary(),
            echo_object: plain,
            echo_object_writing: writing,
            echo_object_writing_alarm: echo_object_writing_alarm.summary(),
            echo_object_writing_paced: paced,
            trips_per_new_object: TRIPS_PER_NEW_OBJECT,
            echo_object_writing_new: new_objects,
            echo_object_writing_new_first: echo_object_writing_new.first.summary(),
            volley_move,
            volley_first_move: volley.first.summary(),
            volley_later_move: volley.later.summary(),
            volley_last_move: move_log.last_in_each_room().summary(),
            echo_writing_cpu,
            volley_move_cpu,
            cpu_ratio_to_writing: volley_move_cpu
                .workerd_us
                .zip(echo_writing_cpu.workerd_us)
                .map(|(volley, echo)| volley / echo),
            ratio_p99_to_writing: volley_move.p99_ms / writing.p99_ms,
            ratio_p99_to_writing_paced: volley_move.p99_ms / paced.p99_ms,
            ratio_p99_to_writing_new: volley_move.p99_ms / new_objects.p99_ms,
            ratio_p50: volley_move.p50_ms / plain.p50_ms,
            ratio_p99: volley_move.p99_ms / plain.p99_ms,
        },
        errors,
    ))
}

/// Two bots playing `games` games one at a time.
fn quick_games(server: &Url, games: u32, log_moves: bool) -> LoadConfig {
    LoadConfig {
        arrival_rate: 0.0,
        think: Duration::ZERO,
        aims_per_second: 0.0,
        // Each bot answers its turn at once, as the echo's client sends
        // its next frame: the AI's search (2.5 to 6.4 ms) would put a
        // pause before every move that the echo's frames do not have, and
        // a round trip after a pause is slower.
        strategy: Strategy::Quick,
        log_moves,
        ..LoadConfig::standard(server.clone(), 2, Stop::GamesPerPlayer(games))
    }
}

/// Round `round`'s share of `total` over `rounds`: as even as can be, the
/// first rounds taking one more when it does not divide.
fn share(total: u32, rounds: u32, round: u32) -> u32 {
    total / rounds + u32::from(round < total % rounds)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounds_share_the_work_evenly_and_all_of_it() {
        for (total, rounds) in [(60, 5), (3000, 5), (7, 3), (2, 5), (0, 4), (1, 1)] {
            let shares: Vec<u32> = (0..rounds).map(|r| share(total, rounds, r)).collect();
            assert_eq!(shares.iter().sum::<u32>(), total, "{shares:?}");
            let (least, most) = (shares.iter().min(), shares.iter().max());
            assert!(most.unwrap() - least.unwrap() <= 1, "{shares:?}");
        }
        assert_eq!(
            (0..3).map(|r| share(7, 3, r)).collect::<Vec<_>>(),
            [3, 2, 2]
        );
    }
}
