//! `volley-bot bench`: Volley's five benchmarks, each as a ratio against a
//! baseline measured on the same machine in the same run (see
//! BENCHMARKS.md). This is the CLI's edge, so its errors are `anyhow`.
//!
//! 1. **Move round trip**: one game at a time, fire sent to the resolving
//!    event received, against one frame's round trip through the echo
//!    Durable Object (and, for scale, a plain tokio echo on loopback).
//! 2. **Matchmaking**: players matched per second by one coordinator
//!    shard, against WebSocket connect + one round trip + close per second
//!    into one echo object, at the same concurrency.
//! 3. **Saturation**: frames per second (both ways) under the standard
//!    workload at growing numbers of rooms, against the echo objects'
//!    frames per second at saturation; and the most rooms held with move
//!    round trip p99 under 50 ms and no errors.
//! 4. **Idle cost**: a room's wake-ups between two moves 45 s apart.
//! 5. **Relay**: workerd's CPU per relayed aim update against its CPU per
//!    echoed frame, at the same frame rate.
//!
//! The server must run with `--var VOLLEY_BENCH:1`, and turns longer than
//! the idle wait (`scripts/bench` starts one so, with 60 s turns).
//!
//! # Layout
//!
//! - here: [`run`], which checks the server, runs the chosen benchmarks,
//!   writes the report and prints the summary;
//! - `args`: the command line ([`BenchArgs`], [`Which`]);
//! - `rtt`, `matchmaking`, `saturation`, [`idle`] and `relay`: benchmarks
//!   1 to 5, one per file;
//! - [`echo`]: the baselines (a loopback tokio echo, and the clients that
//!   measure any echo endpoint);
//! - `measure`: helpers the benchmarks share (server CPU, echo URLs,
//!   progress bars, problems);
//! - `report`: what was measured ([`BenchReport`] and its parts), as
//!   written to the JSON report;
//! - `print`: the report for a terminal ([`summary`]).
//!
//! Every public item is re-exported here, so paths stay `bench::X`.

pub mod echo;
pub mod idle;

mod args;
mod matchmaking;
mod measure;
mod print;
mod relay;
mod report;
mod rtt;
mod saturation;

pub use args::{BenchArgs, Which};
pub use print::summary;
pub use report::{
    BenchReport, MatchmakingBench, RelayBench, RttBench, SaturationBench, ServerCpu, Step,
};

use crate::native::Client;
use anyhow::{Context, Result, bail};
use measure::secs;
use std::time::{SystemTime, UNIX_EPOCH};
use url::Url;
use volley_shared::artillery::{Aim, Artillery, Fire, Weapon};
use volley_shared::codec;
use volley_shared::protocol::v1::ClientFrame;

/// Runs the chosen benchmarks against `server` and prints the ratios.
pub async fn run(server: Url, args: BenchArgs) -> Result<()> {
    let status = crate::native::http_json(false, server.join("/api/health")?)
        .await
        .context("is the server up? (scripts/bench starts one)")?;
    eprintln!("bench: server {server}: {status}");
    let echo_on = http_status(&server, "/api/bench/echo").await?;
    if echo_on != 200 {
        bail!(
            "the echo baseline answers {echo_on}: start the server with --var VOLLEY_BENCH:1 \
             (scripts/bench does)"
        );
    }
    let wants = |which| args.only.is_empty() || args.only.contains(&which);
    let mut report = BenchReport {
        unix_time: SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0),
        cores: std::thread::available_parallelism().map_or(1, |n| n.get() as u32),
        server: server.to_string(),
        ..BenchReport::default()
    };
    let payload = codec::encode(&ClientFrame::<Artillery>::Move(Fire {
        aim: Aim {
            angle_deg: 45,
            power: 70,
        },
        weapon: Weapon::Shell,
    }))?;
    let client = Client::new(server.clone());

    if wants(Which::Rtt) {
        let (rtt, errors) = rtt::run(&server, &args, &payload).await?;
        report.errors += errors;
        report.rtt = Some(rtt);
    }
    if wants(Which::Saturation) {
        let (saturation, errors) = saturation::run(&server, &args, &payload).await?;
        report.errors += errors;
        report.saturation = Some(saturation);
    }
    if wants(Which::Idle) {
        eprintln!(
            "bench: idle cost ({} s between two moves)",
            args.idle_seconds
        );
        let idle = idle::idle_wakeups(&client, secs(args.idle_seconds)?).await?;
        report.idle = Some(idle);
    }
    if wants(Which::Relay) {
        let (relay, errors) = relay::run(&server, &args, &payload).await?;
        report.errors += errors;
        report.relay = Some(relay);
    }
    if wants(Which::Matchmaking) {
        let (matchmaking, errors) = matchmaking::run(&server, &args, &payload).await?;
        report.errors += errors;
        report.matchmaking = Some(matchmaking);
    }

    std::fs::write(&args.report, serde_json::to_string_pretty(&report)?)
        .with_context(|| format!("could not write {}", args.report.display()))?;
    println!("{}", summary(&report));
    println!("report: {}", args.report.display());
    if report.errors > 0 {
        bail!("the benchmark load runs had {} errors", report.errors);
    }
    Ok(())
}

async fn http_status(server: &Url, path: &str) -> Result<u16> {
    let url = server.join(path)?;
    tokio::task::spawn_blocking(move || {
        let response = ureq::get(url.as_str())
            .config()
            .http_status_as_error(false)
            .build()
            .call()?;
        Ok(response.status().as_u16())
    })
    .await?
}
