//! `volley-soak`: the chaos soak from the command line (`scripts/soak`).
//! Builds the Worker (unless `VOLLEY_SKIP_BUILD=1`), starts its own
//! `wrangler dev` on loopback, runs the bots with faults and hostile
//! clients for the given time, checks everything, writes `soak.json` and
//! `soak.svg` to `--out`, and exits non-zero when the soak found a problem.

use anyhow::{Context, Result};
use clap::Parser;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;
use volley_tests::soak::{self, SoakConfig, faults::Schedule, report};

/// Runs honest bots with injected faults and hostile clients against a
/// local `wrangler dev`, then checks every move, room and result.
#[derive(Parser, Debug)]
#[command(version)]
struct Args {
    /// Seconds the bots open tickets (games in progress then finish).
    #[arg(long, default_value_t = 600)]
    seconds: u64,
    /// Honest bots.
    #[arg(long, default_value_t = 48)]
    players: u32,
    /// The rooms' turn length, ms.
    #[arg(long, default_value_t = 6_000)]
    turn_ms: u64,
    /// How long a bot thinks before it fires, ms.
    #[arg(long, default_value_t = 150)]
    think_ms: u64,
    /// The chance, after each event, that a bot cuts its connection.
    #[arg(long, default_value_t = 0.01)]
    drop_chance: f64,
    /// Seconds between SIGKILL restarts (0: none).
    #[arg(long, default_value_t = 60)]
    restart_every: u64,
    /// Seconds between alarm faults.
    #[arg(long, default_value_t = 1.0)]
    alarm_every: f64,
    /// Seconds between hostile clients.
    #[arg(long, default_value_t = 1.0)]
    hostile_every: f64,
    /// Seeds the schedule and the bots.
    #[arg(long, default_value_t = 14)]
    seed: u64,
    /// Where the report and the chart go.
    #[arg(long, default_value = "target/soak")]
    out: PathBuf,
}

fn main() -> ExitCode {
    match run() {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(err) => {
            eprintln!("volley-soak: {err:#}");
            ExitCode::from(2)
        }
    }
}

fn run() -> Result<bool> {
    let args = Args::parse();
    let seconds = |s: f64, what: &str| {
        Duration::try_from_secs_f64(s).with_context(|| format!("{what} {s} is not a duration"))
    };
    let config = SoakConfig {
        duration: Duration::from_secs(args.seconds),
        players: args.players,
        turn_ms: args.turn_ms,
        think: Duration::from_millis(args.think_ms),
        drop_chance: args.drop_chance,
        schedule: Schedule {
            restart_every: (args.restart_every > 0)
                .then(|| Duration::from_secs(args.restart_every)),
            alarm_every: seconds(args.alarm_every, "--alarm-every")?,
            hostile_every: seconds(args.hostile_every, "--hostile-every")?,
            seed: args.seed,
        },
        hello_ms: 3_000,
        command: std::env::args().collect::<Vec<_>>().join(" "),
    };
    if std::env::var("VOLLEY_SKIP_BUILD").as_deref() != Ok("1") {
        volley_tests::build_worker()?;
    }
    let runtime = tokio::runtime::Runtime::new()?;
    let report = runtime.block_on(soak::run(&config))?;
    std::fs::create_dir_all(&args.out)?;
    let json = args.out.join("soak.json");
    std::fs::write(&json, serde_json::to_string_pretty(&report)?)?;
    let chart = args.out.join("soak.svg");
    report::write_chart(&report, &chart)?;
    println!("{}", report.summary());
    println!("report: {}\nchart:  {}", json.display(), chart.display());
    Ok(report.problems().is_empty())
}
