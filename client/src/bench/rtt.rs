//! Benchmark 1, move round trip: one game at a time, fire sent to the
//! resolving event received, against one frame's round trip through the
//! echo Durable Object (plain, writing a row, and writing a row and moving
//! the alarm) and, for scale, a plain tokio echo on loopback.

use super::args::BenchArgs;
use super::echo;
use super::measure::{echo_object_url, report_problems, with_progress};
use super::report::RttBench;
use crate::load::{self, LoadConfig, Stop};
use anyhow::Result;
use std::time::Duration;
use url::Url;

/// The pause between two frames of the paced echo baseline.
const PACED_GAP: Duration = Duration::from_millis(10);

/// Runs benchmark 1; returns it and the load run's error count.
pub(super) async fn run(server: &Url, args: &BenchArgs, payload: &[u8]) -> Result<(RttBench, u64)> {
    eprintln!(
        "bench: move round trip ({} games one at a time)",
        args.rtt_games
    );
    let loopback = echo::LoopbackEcho::start()?;
    let warmup = 50;
    let loopback_echo =
        echo::round_trips(&loopback.url(), payload, warmup, args.echo_round_trips).await?;
    drop(loopback);
    // Each variant on an object of its own: plain, writing a row per frame,
    // and writing a row and moving the alarm per frame.
    let echo_round_trips = |shard: &'static str, work: &'static [&'static str]| async move {
        let url = echo_object_url(server, shard, work)?;
        anyhow::Ok(echo::round_trips(&url, payload, warmup, args.echo_round_trips).await?)
    };
    let echo_object = echo_round_trips("rtt", &[]).await?;
    let echo_object_writing = echo_round_trips("rtt-write", &["write"]).await?;
    let echo_object_writing_alarm =
        echo_round_trips("rtt-write-alarm", &["write", "alarm"]).await?;
    // The same object writing a row, one frame every 10 ms: a round trip
    // after a pause is slower on the same runtime (it measured 0.9 ms back
    // to back, 2.3 ms every 30 ms), and a game's moves come after pauses.
    let echo_object_writing_paced = echo::paced(
        &[echo_object_url(server, "rtt-write", &["write"])?],
        payload,
        PACED_GAP,
        Duration::from_secs(4),
    )
    .await;
    let volley = load::run(with_progress(
        LoadConfig {
            arrival_rate: 0.0,
            think: Duration::ZERO,
            aims_per_second: 0.0,
            ..LoadConfig::standard(server.clone(), 2, Stop::GamesPerPlayer(args.rtt_games))
        },
        args,
    ))
    .await;
    report_problems("move round trip", &volley);
    let (echo_object, volley_move) = (echo_object.summary(), volley.move_rtt);
    Ok((
        RttBench {
            loopback_echo: loopback_echo.summary(),
            echo_object,
            echo_object_writing: echo_object_writing.summary(),
            echo_object_writing_alarm: echo_object_writing_alarm.summary(),
            echo_object_writing_paced: echo_object_writing_paced.latency.summary(),
            volley_move,
            volley_first_move: volley.first_move_rtt,
            volley_later_move: volley.later_move_rtt,
            ratio_p99_to_writing: volley_move.p99_ms / echo_object_writing.summary().p99_ms,
            ratio_p50: volley_move.p50_ms / echo_object.p50_ms,
            ratio_p99: volley_move.p99_ms / echo_object.p99_ms,
        },
        volley.error_count() + echo_object_writing_paced.errors,
    ))
}
