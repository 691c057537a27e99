//! The chaos soak: honest bots play the standard workload against a real
//! `wrangler dev` for a given time while faults are injected (socket drops,
//! SIGKILL restarts on the same storage, early and duplicate alarms) and
//! hostile clients are mixed in; then every move, room and result is
//! checked against what the server recorded.
//!
//! - [`stage`]: the server the soak owns, its clock and the log of faults.
//! - [`faults`]: the seeded schedule of restarts and alarms.
//! - [`hostile`]: the hostile clients and the refusals they must get.
//! - [`checks`]: the checks after the run.
//! - [`report`]: the JSON report, its verdict and its chart.
//!
//! `volley-soak` (`tests/src/bin/volley-soak.rs`, via `scripts/soak`) runs
//! one from the command line; `tests/tests/soak.rs` runs a short one in CI.

pub mod checks;
pub mod faults;
pub mod hostile;
pub mod report;
pub mod stage;

use crate::WranglerDev;
use anyhow::{Context, Result};
use report::SoakReport;
use stage::Stage;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;
use volley_client::load::{self, LoadConfig, Stop};

/// A soak's settings.
#[derive(Clone, Debug)]
pub struct SoakConfig {
    /// How long bots open tickets (games in progress then finish).
    pub duration: Duration,
    /// Honest bots.
    pub players: u32,
    /// The rooms' turn length (and seat reservation).
    pub turn_ms: u64,
    /// How long a bot thinks before it fires.
    pub think: Duration,
    /// The chance, after each event, that a bot cuts its connection.
    pub drop_chance: f64,
    /// The faults' schedule.
    pub schedule: faults::Schedule,
    /// The rooms' deadline for a socket's first frame.
    pub hello_ms: u64,
    /// The command line, for the report.
    pub command: String,
}

impl SoakConfig {
    /// The short soak CI runs: 16 bots for 60 s, a restart every 25 s, an
    /// alarm fault every 1.5 s, a hostile client every 2 s, one event in
    /// 40 followed by a dropped socket.
    pub fn short() -> Self {
        Self {
            duration: Duration::from_secs(60),
            players: 16,
            turn_ms: 6_000,
            think: Duration::from_millis(300),
            drop_chance: 0.025,
            schedule: faults::Schedule {
                restart_every: Some(Duration::from_secs(25)),
                alarm_every: Duration::from_millis(1_500),
                hostile_every: Duration::from_secs(2),
                seed: 14,
            },
            hello_ms: 3_000,
            command: "cargo test -p volley-tests --test soak".into(),
        }
    }
}

/// Starts `wrangler dev` (the Worker must be built), runs the soak and
/// checks it. Problems are in the report ([`SoakReport::problems`]); an
/// error means the soak itself could not run.
pub async fn run(config: &SoakConfig) -> Result<SoakReport> {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let secret = format!("soak-secret-{}-{nanos:x}", std::process::id());
    let turn = config.turn_ms.to_string();
    let hello = config.hello_ms.to_string();
    let server = tokio::task::spawn_blocking(move || {
        WranglerDev::start(&[
            ("TURN_TIMEOUT_MS", &turn),
            ("SEAT_RESERVATION_MS", &turn),
            ("LIMIT_HELLO_MS", &hello),
            ("JOIN_SECRET", &secret),
            ("VOLLEY_TEST_HOOKS", "1"),
            // No shard is quiet: the bots (of `wrangler dev`'s default
            // continent) queue in their regional shard, not the global
            // pool, so the soak covers a regional shard.
            ("QUIET_TICKETS_PER_MINUTE", "0"),
        ])
    })
    .await
    .context("the server's start task")??;
    let started = now_utc();
    let stage = Arc::new(Stage::new(server, config.hello_ms));

    let (stop_faults, stop) = watch::channel(false);
    let injector = tokio::spawn(faults::inject(stage.clone(), config.schedule, stop));
    let load = load::run(LoadConfig {
        think: config.think,
        arrival_rate: 50.0,
        aims_per_second: 2.0,
        drop_chance: config.drop_chance,
        guests: true,
        seed: config.schedule.seed,
        // Long enough to outlast a restart.
        reconnect_for: Some(Duration::from_secs(60)),
        grace: Duration::from_secs(120),
        ..LoadConfig::standard(
            stage.base().clone(),
            config.players,
            Stop::After(config.duration),
        )
    })
    .await;
    let _ = stop_faults.send(true);
    injector.await.context("the fault injector")?;

    // A check that cannot finish is a problem in the report, which is
    // written all the same.
    let checks = checks::run(&stage, &load, config.turn_ms)
        .await
        .unwrap_or_else(|err| report::Checks {
            failed: Some(format!("{err:#}")),
            ..report::Checks::default()
        });
    let injected = stage.injected();
    Ok(SoakReport {
        setup: report::Setup {
            command: config.command.clone(),
            started,
            machine: machine(),
            seconds: config.duration.as_secs(),
            players: config.players,
            turn_ms: config.turn_ms,
            restart_every_seconds: config.schedule.restart_every.map_or(0, |d| d.as_secs()),
            alarm_every_seconds: config.schedule.alarm_every.as_secs_f64(),
            hostile_every_seconds: config.schedule.hostile_every.as_secs_f64(),
            drop_chance: config.drop_chance,
            seed: config.schedule.seed,
        },
        games: load.games.rooms_finished,
        by_kind: SoakReport::count_kinds(&injected, &load),
        injected,
        checks,
        load,
    })
}

fn now_utc() -> String {
    command_output("date", &["-u", "+%Y-%m-%d %H:%M:%S UTC"])
}

fn machine() -> String {
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    format!("{}, {cores} cores", command_output("uname", &["-srm"]))
}

fn command_output(program: &str, args: &[&str]) -> String {
    std::process::Command::new(program)
        .args(args)
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default()
}
