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
    let warmup = secs(args.match_warmup_seconds)?;
    eprintln!(
        "bench: matchmaking ({} at once, {} s each, after {} s of each unmeasured)",
        args.match_concurrency, args.match_seconds, args.match_warmup_seconds
    );
    let echo_url = echo_object_url(server, "connect", &[])?;
    let matching = |stop| LoadConfig {
        arrival_rate: 0.0,
        workload: Workload::MatchOnly,
        ..LoadConfig::standard(server.clone(), args.match_concurrency, stop)
    };
    if !warmup.is_zero() {
        echo::connect_cycles(&echo_url, payload, args.match_concurrency, warmup).await;
        load::run(matching(Stop::After(warmup))).await;
    }
    let (cycles, echo_server_cpu) = with_server_cpu(echo::connect_cycles(
        &echo_url,
        payload,
        args.match_concurrency,
        duration,
    ))
    .await;
    let (volley, server_cpu) = with_server_cpu(load::run(with_progress(
        matching(Stop::After(duration)),
        args,
    )))
    .await;
    report_problems("matchmaking", &volley);
    let echo_rate = cycles.rate();
    Ok((
        MatchmakingBench {
            echo_cpu_us_per_cycle: cpu_per_unit_us(echo_server_cpu.workerd_cores, echo_rate),
            volley_cpu_us_per_player: cpu_per_unit_us(
                server_cpu.workerd_cores,
                volley.matched_per_second,
            ),
            echo_server_cpu,
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

/// workerd's CPU per unit of work, in µs: the cores it kept busy over the
/// units done per second (`None` if either is unknown or nothing was done).
fn cpu_per_unit_us(cores: Option<f64>, per_second: f64) -> Option<f64> {
    cores
        .filter(|_| per_second > 0.0)
        .map(|cores| cores / per_second * 1e6)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_per_unit_is_cores_over_rate() {
        // 1.2 cores for 400 cycles a second: 3 ms of CPU per cycle.
        let us = cpu_per_unit_us(Some(1.2), 400.0).expect("a figure");
        assert!((us - 3_000.0).abs() < 1e-6, "{us}");
        assert_eq!(cpu_per_unit_us(None, 400.0), None);
        assert_eq!(cpu_per_unit_us(Some(1.2), 0.0), None);
    }
}
