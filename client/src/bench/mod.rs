//! `volley-bot bench`: Volley's four benchmarks, each as a ratio against a
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
//!
//! The server must run with `--var VOLLEY_BENCH:1`, and turns longer than
//! the idle wait (`scripts/bench` starts one so, with 60 s turns).

pub mod echo;
pub mod idle;

use crate::load::cpu::{node_cpu, workerd_cpu};
use crate::load::latency::LatencySummary;
use crate::load::{self, LoadConfig, LoadReport, Stop, Workload};
use crate::native::{Client, ws_url};
use anyhow::{Context, Result, bail};
use clap::{Args, ValueEnum};
use serde::Serialize;
use std::future::Future;
use std::path::PathBuf;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use url::Url;
use volley_shared::artillery::{Aim, Artillery, Fire, Weapon};
use volley_shared::codec;
use volley_shared::protocol::v1::ClientFrame;

/// A benchmark.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Which {
    /// Move round trip against the echo object's round trip.
    Rtt,
    /// Players matched per second against connect + round trip + close.
    Matchmaking,
    /// Frames per second at saturation, and rooms held under 50 ms p99.
    Saturation,
    /// A room's wake-ups between two moves.
    Idle,
}

/// `volley-bot bench` options.
#[derive(Args, Clone, Debug)]
pub struct BenchArgs {
    /// Run only these benchmarks (repeat the flag); all by default.
    #[arg(long, value_enum)]
    only: Vec<Which>,
    /// Games played one at a time for the move round trip.
    #[arg(long, default_value_t = 60)]
    rtt_games: u32,
    /// Round trips through each echo for the round-trip baseline.
    #[arg(long, default_value_t = 1000)]
    echo_round_trips: u32,
    /// Players (and echo connections) at once in the matchmaking benchmark.
    #[arg(long, default_value_t = 16)]
    match_concurrency: u32,
    /// Seconds of the matchmaking benchmark and its baseline.
    #[arg(long, default_value_t = 10.0)]
    match_seconds: f64,
    /// Rooms at each saturation step.
    #[arg(long, value_delimiter = ',', default_values_t = [4, 16, 32, 64, 128, 256])]
    rooms: Vec<u32>,
    /// Echo connections at each baseline saturation step.
    #[arg(long, value_delimiter = ',', default_values_t = [2, 8, 32, 128, 256])]
    echo_connections: Vec<u32>,
    /// Seconds of each saturation step (the first 5 are warm-up).
    #[arg(long, default_value_t = 20.0)]
    step_seconds: f64,
    /// Seconds the room sits idle between the two moves (workerd was seen
    /// to evict an idle object after 10 to over 30 s; keep this under the
    /// turn timeout).
    #[arg(long, default_value_t = 45.0)]
    idle_seconds: f64,
    /// Where to write the JSON report.
    #[arg(long, default_value = "bench-report.json")]
    report: PathBuf,
    /// No progress bars.
    #[arg(long)]
    quiet: bool,
}

/// Everything one `bench` run measured.
#[derive(Debug, Default, Serialize)]
pub struct BenchReport {
    /// When (seconds since the epoch).
    pub unix_time: u64,
    /// The machine's cores.
    pub cores: u32,
    /// The server measured.
    pub server: String,
    /// Benchmark 1.
    pub rtt: Option<RttBench>,
    /// Benchmark 2.
    pub matchmaking: Option<MatchmakingBench>,
    /// Benchmark 3.
    pub saturation: Option<SaturationBench>,
    /// Benchmark 4.
    pub idle: Option<idle::IdleResult>,
    /// Errors any load run reported.
    pub errors: u64,
}

/// Benchmark 1.
#[derive(Debug, Serialize)]
pub struct RttBench {
    /// Frame round trip through a tokio echo on loopback.
    pub loopback_echo: LatencySummary,
    /// Frame round trip through the echo Durable Object.
    pub echo_object: LatencySummary,
    /// The same with one SQLite row written per frame (what storage adds).
    pub echo_object_writing: LatencySummary,
    /// The same with the row written and the alarm moved per frame (what a
    /// move's storage and new turn deadline add).
    pub echo_object_writing_alarm: LatencySummary,
    /// Fire sent to resolving event received, one game at a time.
    pub volley_move: LatencySummary,
    /// Volley p50 / echo object p50 (target at most 1.5).
    pub ratio_p50: f64,
    /// Volley p99 / echo object p99 (target at most 1.5).
    pub ratio_p99: f64,
}

/// Benchmark 2.
#[derive(Debug, Serialize)]
pub struct MatchmakingBench {
    /// Concurrency of both.
    pub concurrency: u32,
    /// Connect + round trip + close into one echo object, per second.
    pub echo_cycles_per_second: f64,
    /// Their latency.
    pub echo_cycle: LatencySummary,
    /// Players matched per second by one coordinator shard.
    pub volley_matched_per_second: f64,
    /// Ticket opened to `Matched`, at that rate.
    pub time_to_match: LatencySummary,
    /// Volley / echo (target at least 0.8).
    pub ratio: f64,
    /// Cores the server kept busy during the Volley run.
    pub server_cpu: ServerCpu,
    /// Cores the load tool kept busy during the Volley run.
    pub generator_cores: f64,
}

/// One step of a saturation search.
#[derive(Debug, Serialize)]
pub struct Step {
    /// Rooms (Volley) or connections (echo).
    pub load: u32,
    /// Frames both ways per second.
    pub frames_per_second: f64,
    /// Move (or frame) round trip p50 in the steady window.
    pub p50_ms: f64,
    /// Move (or frame) round trip p99 in the steady window.
    pub p99_ms: f64,
    /// Errors.
    pub errors: u64,
    /// Cores the server kept busy.
    pub server_cpu: ServerCpu,
    /// Cores the load tool kept busy.
    pub generator_cores: f64,
    /// Whether the load tool saturated first.
    pub generator_saturated: bool,
}

/// Benchmark 3.
#[derive(Debug, Serialize)]
pub struct SaturationBench {
    /// The echo objects, by connections.
    pub echo_steps: Vec<Step>,
    /// Volley under the standard workload, by rooms.
    pub volley_steps: Vec<Step>,
    /// The echo objects' highest frames per second.
    pub echo_peak_frames_per_second: f64,
    /// Volley's highest frames per second.
    pub volley_peak_frames_per_second: f64,
    /// Volley / echo (target at least 0.7).
    pub ratio: f64,
    /// The most rooms held with p99 under 50 ms and no errors.
    pub rooms_under_50ms: u32,
}

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
        let (rtt, errors) = rtt(&server, &args, &payload).await?;
        report.errors += errors;
        report.rtt = Some(rtt);
    }
    if wants(Which::Saturation) {
        let (saturation, errors) = saturation(&server, &args, &payload).await?;
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
    if wants(Which::Matchmaking) {
        let (matchmaking, errors) = matchmaking(&server, &args, &payload).await?;
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

fn secs(value: f64) -> Result<Duration> {
    Duration::try_from_secs_f64(value).with_context(|| format!("{value} is not a duration"))
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

/// Cores the server's processes kept busy during a measurement.
#[derive(Clone, Copy, Debug, Default, Serialize)]
pub struct ServerCpu {
    /// `workerd` (the Worker and its Durable Objects).
    pub workerd_cores: Option<f64>,
    /// `node` (`wrangler dev` and its proxy).
    pub wrangler_cores: Option<f64>,
}

impl std::fmt::Display for ServerCpu {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let show = |c: Option<f64>| c.map_or("?".into(), |c| format!("{c:.2}"));
        write!(
            f,
            "workerd {} cores, wrangler {} cores",
            show(self.workerd_cores),
            show(self.wrangler_cores)
        )
    }
}

/// Runs `work` and says how many cores the server's processes kept busy
/// meanwhile.
async fn with_server_cpu<T>(work: impl Future<Output = T>) -> (T, ServerCpu) {
    let before = (workerd_cpu(), node_cpu());
    let started = std::time::Instant::now();
    let out = work.await;
    let wall = started.elapsed().as_secs_f64();
    let cores = |before: Option<Duration>, after: Option<Duration>| match (before, after) {
        (Some(b), Some(a)) => Some(a.saturating_sub(b).as_secs_f64() / wall),
        _ => None,
    };
    let cpu = ServerCpu {
        workerd_cores: cores(before.0, workerd_cpu()),
        wrangler_cores: cores(before.1, node_cpu()),
    };
    (out, cpu)
}

/// The WebSocket URL of echo object `shard`, with each of `work`
/// (`write`, `alarm`) turned on.
fn echo_object_url(server: &Url, shard: &str, work: &[&str]) -> Result<Url> {
    let mut url = ws_url(server, "/api/bench/echo/ws")?;
    url.query_pairs_mut().append_pair("shard", shard);
    for flag in work {
        url.query_pairs_mut().append_pair(flag, "1");
    }
    Ok(url)
}

/// `config` with a progress bar unless `--quiet`.
fn with_progress(mut config: LoadConfig, args: &BenchArgs) -> LoadConfig {
    config.progress = !args.quiet;
    config
}

async fn rtt(server: &Url, args: &BenchArgs, payload: &[u8]) -> Result<(RttBench, u64)> {
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
            volley_move,
            ratio_p50: volley_move.p50_ms / echo_object.p50_ms,
            ratio_p99: volley_move.p99_ms / echo_object.p99_ms,
        },
        volley.error_count(),
    ))
}

async fn matchmaking(
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

async fn saturation(
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

fn report_problems(what: &str, report: &LoadReport) {
    let problems = report.problems();
    if !problems.is_empty() {
        eprintln!("bench: {what}: {}", problems.join("; "));
        for sample in &report.error_samples {
            eprintln!("  {sample}");
        }
    }
}

fn verdict(ratio: f64, target: f64, at_most: bool) -> String {
    let met = if at_most {
        ratio <= target
    } else {
        ratio >= target
    };
    if met {
        format!(
            "{ratio:.2}x (target {} {target}x: met)",
            if at_most { "≤" } else { "≥" }
        )
    } else {
        format!(
            "{ratio:.2}x (target {} {target}x: MISSED by {:.0}%)",
            if at_most { "≤" } else { "≥" },
            ((ratio / target) - 1.0).abs() * 100.0
        )
    }
}

/// The report as a few lines for a terminal.
pub fn summary(report: &BenchReport) -> String {
    let mut lines = Vec::new();
    if let Some(r) = &report.rtt {
        lines.push("1. move round trip, one game at a time".to_string());
        lines.push(format!("   loopback tokio echo: {}", r.loopback_echo));
        lines.push(format!("   echo Durable Object: {}", r.echo_object));
        lines.push(format!("   echo + SQLite write: {}", r.echo_object_writing));
        lines.push(format!(
            "   echo + write + alarm: {}",
            r.echo_object_writing_alarm
        ));
        lines.push(format!("   Volley move:         {}", r.volley_move));
        lines.push(format!("   ratio p50 {}", verdict(r.ratio_p50, 1.5, true)));
        lines.push(format!("   ratio p99 {}", verdict(r.ratio_p99, 1.5, true)));
    }
    if let Some(m) = &report.matchmaking {
        lines.push(format!("2. matchmaking, {} at once", m.concurrency));
        lines.push(format!(
            "   echo connect+round trip+close: {:.1}/s ({})",
            m.echo_cycles_per_second, m.echo_cycle
        ));
        lines.push(format!(
            "   Volley matched: {:.1}/s; time to match {}",
            m.volley_matched_per_second, m.time_to_match
        ));
        lines.push(format!(
            "   ratio {}; during Volley: {}",
            verdict(m.ratio, 0.8, false),
            m.server_cpu
        ));
    }
    if let Some(s) = &report.saturation {
        lines.push("3. saturation".to_string());
        for (name, steps) in [("echo", &s.echo_steps), ("Volley", &s.volley_steps)] {
            for step in steps.iter() {
                lines.push(format!(
                    "   {name} {:>4}: {:>6.0} frames/s, p50 {:>6.2} ms, p99 {:>7.2} ms, errors {}, {}, load tool {:.2} cores{}",
                    step.load,
                    step.frames_per_second,
                    step.p50_ms,
                    step.p99_ms,
                    step.errors,
                    step.server_cpu,
                    step.generator_cores,
                    if step.generator_saturated { " (load tool saturated)" } else { "" }
                ));
            }
        }
        lines.push(format!(
            "   peak frames/s: Volley {:.0} / echo {:.0} = {}",
            s.volley_peak_frames_per_second,
            s.echo_peak_frames_per_second,
            verdict(s.ratio, 0.7, false)
        ));
        lines.push(format!(
            "   rooms held with p99 < 50 ms and no errors: {}",
            s.rooms_under_50ms
        ));
    }
    if let Some(i) = &report.idle {
        lines.push(format!(
            "4. idle: {} s between two moves: wake-ups {:?}; unexpected: {}",
            i.idle_seconds, i.wakeups, i.unexpected
        ));
    }
    lines.join("\n")
}
