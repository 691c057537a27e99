//! Benchmark 2, matchmaking: players matched per second by one coordinator
//! shard, against WebSocket connect + one round trip + close per second
//! into one echo object, at the same concurrency. The two take turns in
//! rounds (`--match-rounds`), so a drift in the machine's speed during the
//! run weighs on both alike.

use super::args::BenchArgs;
use super::echo;
use super::measure::{echo_object_url, report_problems, secs, with_progress, with_server_cpu};
use super::report::{MatchmakingBench, ServerCpu};
use crate::load::latency::Latency;
use crate::load::{self, LoadConfig, Stop, Workload};
use anyhow::Result;
use std::time::{Duration, Instant};
use url::Url;

/// Runs benchmark 2; returns it and the error count of both runs.
pub(super) async fn run(
    server: &Url,
    args: &BenchArgs,
    payload: &[u8],
) -> Result<(MatchmakingBench, u64)> {
    let rounds = args.match_rounds.max(1);
    let slice = secs(args.match_seconds)? / rounds;
    let warmup = secs(args.match_warmup_seconds)?;
    eprintln!(
        "bench: matchmaking ({} at once, {} s each in {rounds} rounds, after {} s of each unmeasured)",
        args.match_concurrency, args.match_seconds, args.match_warmup_seconds
    );
    let echo_url = echo_object_url(server, "connect", &[])?;
    let matching = |stop| LoadConfig {
        arrival_rate: 0.0,
        workload: Workload::MatchOnly,
        // A ticket left without a partner as a round ends is withdrawn
        // after a second, not the load run's usual 30 s.
        grace: Duration::from_secs(2),
        ..LoadConfig::standard(server.clone(), args.match_concurrency, stop)
    };
    if !warmup.is_zero() {
        echo::connect_cycles(&echo_url, payload, args.match_concurrency, warmup).await;
        load::run(matching(Stop::After(warmup))).await;
    }
    let (mut echo, mut volley) = (Side::default(), Side::default());
    let mut generator_core_seconds = 0.0;
    for _ in 0..rounds {
        let started = Instant::now();
        let (cycles, cpu) = with_server_cpu(echo::connect_cycles(
            &echo_url,
            payload,
            args.match_concurrency,
            slice,
        ))
        .await;
        echo.add(
            cycles.completed as f64,
            cycles.completed as f64,
            cycles.elapsed.as_secs_f64(),
            started.elapsed().as_secs_f64(),
            cpu,
        );
        echo.latency.add(&cycles.latency);
        echo.errors += cycles.errors;

        let started = Instant::now();
        let (report, cpu) =
            with_server_cpu(load::run(with_progress(matching(Stop::After(slice)), args))).await;
        report_problems("matchmaking", &report);
        volley.add(
            report.matched_per_second * report.window_seconds,
            // Every match of the round, its end included, as its CPU is.
            report.games.matched as f64,
            report.window_seconds,
            started.elapsed().as_secs_f64(),
            cpu,
        );
        volley.latency.add(&report.time_to_match_histogram);
        volley.errors += report.error_count();
        generator_core_seconds += report.generator.cpu.cores_used * report.wall_seconds;
    }
    let (echo_rate, volley_rate) = (echo.rate(), volley.rate());
    let (echo_server_cpu, server_cpu) = (echo.cpu(), volley.cpu());
    Ok((
        MatchmakingBench {
            echo_cpu_us_per_cycle: echo.cpu_per_unit_us(),
            volley_cpu_us_per_player: volley.cpu_per_unit_us(),
            echo_server_cpu,
            concurrency: args.match_concurrency,
            rounds,
            echo_cycles_per_second: echo_rate,
            echo_cycle: echo.latency.summary(),
            volley_matched_per_second: volley_rate,
            time_to_match: volley.latency.summary(),
            ratio: volley_rate / echo_rate,
            server_cpu,
            generator_cores: generator_core_seconds / volley.wall_seconds.max(1e-9),
        },
        volley.errors + echo.errors,
    ))
}

/// One side's rounds added up.
#[derive(Default)]
struct Side {
    /// Cycles or players matched in the windows the rate is counted over.
    units: f64,
    /// All of them, in the time the CPU is measured over.
    cpu_units: f64,
    /// The seconds they were counted over.
    seconds: f64,
    /// The rounds' wall time, which the CPU is measured over.
    wall_seconds: f64,
    /// Rounds added.
    rounds: u32,
    /// CPU seconds of `workerd` and of `wrangler`, while known.
    workerd_seconds: Option<f64>,
    wrangler_seconds: Option<f64>,
    latency: Latency,
    errors: u64,
}

impl Side {
    /// Adds a round of `wall` seconds, whose `units` were counted over
    /// `seconds`, with `cpu_units` done in all, in which the server kept
    /// `cpu` busy.
    fn add(&mut self, units: f64, cpu_units: f64, seconds: f64, wall: f64, cpu: ServerCpu) {
        let first = self.rounds == 0;
        let sum = |total: Option<f64>, cores: Option<f64>| match (total, cores) {
            (Some(total), Some(cores)) => Some(total + cores * wall),
            (None, Some(cores)) if first => Some(cores * wall),
            _ => None,
        };
        self.workerd_seconds = sum(self.workerd_seconds, cpu.workerd_cores);
        self.wrangler_seconds = sum(self.wrangler_seconds, cpu.wrangler_cores);
        self.units += units;
        self.cpu_units += cpu_units;
        self.seconds += seconds;
        self.wall_seconds += wall;
        self.rounds += 1;
    }

    /// Units per second.
    fn rate(&self) -> f64 {
        self.units / self.seconds.max(1e-9)
    }

    /// workerd's CPU per unit, in µs: its CPU over every round (a
    /// round's end, where tickets left alone are withdrawn, included) over
    /// the units done in that time.
    fn cpu_per_unit_us(&self) -> Option<f64> {
        self.workerd_seconds
            .filter(|_| self.cpu_units > 0.0)
            .map(|seconds| seconds / self.cpu_units * 1e6)
    }

    /// The cores kept busy over every round.
    fn cpu(&self) -> ServerCpu {
        let cores = |seconds: Option<f64>| seconds.map(|s| s / self.wall_seconds.max(1e-9));
        ServerCpu {
            workerd_cores: cores(self.workerd_seconds),
            wrangler_cores: cores(self.wrangler_seconds),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounds_add_up_to_one_rate_and_one_cpu_figure() {
        let mut side = Side::default();
        let cpu = |cores| ServerCpu {
            workerd_cores: Some(cores),
            wrangler_cores: None,
        };
        side.add(100.0, 100.0, 1.0, 1.0, cpu(1.0));
        side.add(300.0, 300.0, 1.0, 3.0, cpu(1.0));
        assert!((side.rate() - 200.0).abs() < 1e-9, "{}", side.rate());
        // One core over every round's wall time is one core in all.
        let total = side.cpu();
        assert!((total.workerd_cores.unwrap() - 1.0).abs() < 1e-9);
        // 4 s of CPU for 400 units: 10 ms each.
        let us = side.cpu_per_unit_us().expect("a figure");
        assert!((us - 10_000.0).abs() < 1e-6, "{us}");
        assert_eq!(total.wrangler_cores, None);
        // A round whose CPU is unknown makes the total unknown.
        side.add(
            1.0,
            1.0,
            1.0,
            1.0,
            ServerCpu {
                workerd_cores: None,
                wrangler_cores: None,
            },
        );
        assert_eq!(side.cpu().workerd_cores, None);
    }
}
