//! Benchmark 2, matchmaking: players matched per second by one coordinator
//! shard, against WebSocket connect + one round trip + close per second
//! into one echo object, at the same concurrency.

use super::args::BenchArgs;
use super::echo;
use super::measure::{echo_object_url, report_problems, secs, with_progress, with_server_cpu};
use super::report::MatchmakingBench;
use crate::load::{self, LoadConfig, Stop, Workload};
use anyhow::Result;
use url::Url;

/// Runs benchmark 2; returns it and the error count of both runs.
pub(super) async fn run(
    server: &Url,
    args: &BenchArgs,
    payload: &[u8],
) -> Result<(MatchmakingBench, u64)> {
    let duration = secs(args.match_seconds)?;
    eprintln!(
        "bench: matchmaking ({} at once, {} s each)",
        args.match_concurrency, args.match_seconds
    );
    let cycles = echo::connect_cycles(
        &echo_object_url(server, "connect", &[])?,
        payload,
        args.match_concurrency,
        duration,
    )
    .await;
    let (volley, server_cpu) = with_server_cpu(load::run(with_progress(
        LoadConfig {
            arrival_rate: 0.0,
            workload: Workload::MatchOnly,
            ..LoadConfig::standard(
                server.clone(),
                args.match_concurrency,
                Stop::After(duration),
            )
        },
        args,
    )))
    .await;
    report_problems("matchmaking", &volley);
    let echo_rate = cycles.rate();
    Ok((
        MatchmakingBench {
            concurrency: args.match_concurrency,
            echo_cycles_per_second: echo_rate,
            echo_cycle: cycles.latency.summary(),
            volley_matched_per_second: volley.matched_per_second,
            time_to_match: volley.time_to_match,
            ratio: volley.matched_per_second / echo_rate,
            server_cpu,
            generator_cores: volley.generator.cpu.cores_used,
        },
        volley.error_count() + cycles.errors,
    ))
}
