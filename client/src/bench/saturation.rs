//! Benchmark 3, saturation: frames per second (both ways) under the
//! standard workload at growing numbers of rooms, against the echo
//! objects' frames per second at saturation; and the most rooms held with
//! move round trip p99 under 50 ms and no errors. The echo search stops
//! once its rate grows by less than 10% or it sees errors; Volley's once it
//! sees errors or p99 over 200 ms.

use super::args::BenchArgs;
use super::echo;
use super::measure::{echo_object_url, report_problems, secs, with_progress, with_server_cpu};
use super::report::{SaturationBench, Step};
use crate::load::{self, LoadConfig, Stop};
use anyhow::Result;
use std::time::Duration;
use url::Url;

/// Runs benchmark 3; returns it and the Volley runs' error count.
pub(super) async fn run(
    server: &Url,
    args: &BenchArgs,
    payload: &[u8],
) -> Result<(SaturationBench, u64)> {
    let step = secs(args.step_seconds)?;
    let warmup = Duration::from_secs(5).min(step / 2);
    let mut errors = 0;

    let mut echo_steps: Vec<Step> = Vec::new();
    for &connections in &args.echo_connections {
        eprintln!("bench: echo saturation, {connections} connections");
        let urls = (0..connections)
            .map(|i| echo_object_url(server, &format!("sat-{}", i / 2), &[]))
            .collect::<Result<Vec<_>>>()?;
        let cpu = crate::load::cpu::CpuClock::start();
        let started = std::time::Instant::now();
        let (run, server_cpu) = with_server_cpu(echo::throughput(&urls, payload, step / 2)).await;
        let generator = cpu.read(started.elapsed());
        let frames = 2.0 * run.rate();
        let grew = echo_steps
            .last()
            .is_none_or(|last| frames > last.frames_per_second * 1.1);
        echo_steps.push(Step {
            load: connections,
            frames_per_second: frames,
            p50_ms: run.latency.summary().p50_ms,
            p99_ms: run.latency.summary().p99_ms,
            errors: run.errors,
            server_cpu,
            generator_cores: generator.cores_used,
            generator_saturated: generator.share_of_machine >= crate::load::cpu::SATURATED_SHARE,
        });
        if !grew || run.errors > 0 {
            break;
        }
    }

    let mut volley_steps: Vec<Step> = Vec::new();
    for &rooms in &args.rooms {
        let players = rooms * 2;
        eprintln!("bench: Volley saturation, {rooms} rooms ({players} bots, standard workload)");
        let (run, server_cpu) = with_server_cpu(load::run(with_progress(
            LoadConfig {
                arrival_rate: f64::from(players).max(20.0),
                warmup,
                ..LoadConfig::standard(server.clone(), players, Stop::After(step))
            },
            args,
        )))
        .await;
        report_problems(&format!("saturation at {rooms} rooms"), &run);
        errors += run.error_count();
        let over = run.error_count() > 0 || run.steady_move_rtt.p99_ms > 200.0;
        volley_steps.push(Step {
            load: rooms,
            frames_per_second: run.frames_per_second,
            p50_ms: run.steady_move_rtt.p50_ms,
            p99_ms: run.steady_move_rtt.p99_ms,
            errors: run.error_count(),
            server_cpu,
            generator_cores: run.generator.cpu.cores_used,
            generator_saturated: run.generator.saturated,
        });
        if over {
            break;
        }
    }

    let peak = |steps: &[Step]| {
        steps
            .iter()
            .map(|s| s.frames_per_second)
            .fold(0.0, f64::max)
    };
    let (echo_peak, volley_peak) = (peak(&echo_steps), peak(&volley_steps));
    let rooms_under_50ms = volley_steps
        .iter()
        .filter(|s| s.p99_ms < 50.0 && s.errors == 0)
        .map(|s| s.load)
        .max()
        .unwrap_or(0);
    Ok((
        SaturationBench {
            echo_steps,
            volley_steps,
            echo_peak_frames_per_second: echo_peak,
            volley_peak_frames_per_second: volley_peak,
            ratio: volley_peak / echo_peak,
            rooms_under_50ms,
        },
        errors,
    ))
}
