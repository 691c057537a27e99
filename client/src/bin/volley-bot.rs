//! `volley-bot`: a headless Volley player, and a load tool made of many.
//!
//! - `play`: one bot plays one game (quick match, a new private room, or a
//!   private room's code) and prints the result.
//! - `load`: many bots on one tokio runtime; writes a JSON report and an
//!   SVG chart, and exits non-zero when the run had errors.
//! - `bench`: Volley's four benchmarks, each against a baseline measured
//!   in the same run (see BENCHMARKS.md).

use anyhow::{Context, Result, bail};
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;
use std::time::Duration;
use volley_client::bot::Strategy;
use volley_client::load::{self, LoadConfig, Stop, Workload};
use volley_client::native::{Client, PlayStyle};
use volley_shared::artillery::ai::Skill;
use volley_shared::{Mode, Outcome};

#[derive(Parser)]
#[command(version, about = "A headless Volley player and load tool")]
struct Cli {
    /// The Volley server.
    #[arg(long, default_value = "http://127.0.0.1:8787", global = true)]
    server: url::Url,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Play one game to the end and print the result.
    Play(PlayArgs),
    /// Run many bots at once and report latency, throughput and errors.
    Load(LoadArgs),
    /// Run the benchmarks and their baselines, and print the ratios.
    Bench(volley_client::bench::BenchArgs),
}

#[derive(Args)]
struct PlayArgs {
    /// The kind of match (quick match or a new private room).
    #[arg(long, default_value = "duel", value_parser = parse_mode)]
    mode: Mode,
    /// The name shown to others.
    #[arg(long, default_value = "volley-bot")]
    name: String,
    /// Join the private room with this code instead of a quick match.
    #[arg(long, conflicts_with = "private")]
    code: Option<String>,
    /// Create a private room, print its code, and wait for players.
    #[arg(long)]
    private: bool,
    /// Skill from 0 to 1 (best): in artillery, 0 misses by up to 10° and
    /// 15 power; in Connect Four, 0 looks one move ahead.
    #[arg(long, default_value_t = 1.0, value_parser = parse_skill)]
    skill: f32,
    /// Milliseconds to think before each move.
    #[arg(long, default_value_t = 0)]
    think_ms: u64,
    /// Seeds the aiming error.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Never move (every turn of this bot times out).
    #[arg(long)]
    idle: bool,
}

#[derive(Args)]
struct LoadArgs {
    /// The kind of match.
    #[arg(long, default_value = "duel", value_parser = parse_mode)]
    mode: Mode,
    /// How many bots.
    #[arg(long, default_value_t = 20)]
    players: u32,
    /// Games each bot plays (the run ends when all are done).
    #[arg(long, conflicts_with = "duration")]
    games: Option<u32>,
    /// Seconds after which no bot opens a new ticket [default: 30].
    #[arg(long)]
    duration: Option<f64>,
    /// Bots arriving per second at the start.
    #[arg(long, default_value_t = 20.0)]
    arrival_rate: f64,
    /// Milliseconds a bot aims before it fires.
    #[arg(long, default_value_t = 2000)]
    think_ms: u64,
    /// Aim updates a bot sends per second while aiming.
    #[arg(long, default_value_t = 5.0)]
    aims_per_second: f64,
    /// Aiming skill from 0 to 1.
    #[arg(long, default_value_t = 1.0, value_parser = parse_skill)]
    skill: f32,
    /// Make the game's quick move (a coarse search, under a millisecond)
    /// instead of the AI's at --skill, so a turn is answered at once.
    #[arg(long, conflicts_with = "skill")]
    quick: bool,
    /// Only matchmake (never join the rooms): measures the coordinator.
    #[arg(long)]
    match_only: bool,
    /// Seconds at the start left out of the steady-state figures.
    #[arg(long, default_value_t = 0.0)]
    warmup: f64,
    /// Seconds games may run on after the duration ends.
    #[arg(long, default_value_t = 60.0)]
    grace: f64,
    /// Seconds any connection waits for a frame before it counts as an error.
    #[arg(long, default_value_t = 30.0)]
    frame_timeout: f64,
    /// Seconds a bot whose room connection drops keeps trying to rejoin
    /// (0: it gives the game up).
    #[arg(long, default_value_t = 30.0)]
    reconnect_for: f64,
    /// Seeds the bots' aiming error.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Where to write the JSON report.
    #[arg(long, default_value = "load-report.json")]
    report: PathBuf,
    /// Where to write the SVG chart of latency percentiles over time.
    #[arg(long, default_value = "load-report.svg")]
    chart: PathBuf,
    /// Also write every move's send time (wall clock) and round trip to
    /// this CSV file.
    #[arg(long)]
    moves: Option<PathBuf>,
    /// No progress bar.
    #[arg(long)]
    quiet: bool,
    /// Continents the bots say they are on, in turn (`EU,NA,AS`); only a
    /// server with `VOLLEY_TEST_HOOKS=1` believes them.
    #[arg(long, value_delimiter = ',')]
    continents: Vec<String>,
}

fn parse_mode(name: &str) -> Result<Mode, String> {
    Mode::parse(name).ok_or_else(|| {
        let modes: Vec<&str> = Mode::ALL.iter().map(|m| m.as_str()).collect();
        format!("unknown mode {name:?}; modes: {}", modes.join(", "))
    })
}

fn parse_skill(text: &str) -> Result<f32, String> {
    let skill: f32 = text.parse().map_err(|e| format!("{e}"))?;
    if (0.0..=1.0).contains(&skill) {
        Ok(skill)
    } else {
        Err(format!("skill must be between 0 and 1, not {skill}"))
    }
}

fn seconds(value: f64, what: &str) -> Result<Duration> {
    Duration::try_from_secs_f64(value).with_context(|| format!("{what}: {value} is not a duration"))
}

#[tokio::main]
async fn main() -> Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Command::Play(args) => play(Client::new(cli.server), args).await,
        Command::Load(args) => run_load(cli.server, args).await,
        Command::Bench(args) => volley_client::bench::run(cli.server, args).await,
    }
}

async fn play(client: Client, args: PlayArgs) -> Result<()> {
    let name = &args.name;
    let matched = if let Some(code) = &args.code {
        eprintln!("{name}: joining private room {code} on {}", client.server());
        client
            .join_private(code, name)
            .await
            .context("could not join")?
    } else if args.private {
        let private = client
            .create_private(args.mode, name)
            .await
            .context("could not create a private room")?;
        println!("{name}: private room code {}", private.code);
        private.seat
    } else {
        eprintln!(
            "{name}: looking for a {} match on {}",
            args.mode.as_str(),
            client.server()
        );
        client
            .matchmake(args.mode, name)
            .await
            .context("matchmaking failed")?
    };
    eprintln!(
        "{name}: in {} room {} as seat {}",
        matched.game, matched.room, matched.seat.0
    );
    let style = PlayStyle {
        strategy: if args.idle {
            Strategy::Idle
        } else {
            Strategy::Aim(Skill(args.skill))
        },
        think: Duration::from_millis(args.think_ms),
        aims_per_second: 0.0,
        seed: args.seed,
        // A person's bot rides out a server restart or a deployment.
        reconnect_for: Some(Duration::from_secs(60)),
        drop_chance: 0.0,
        lowest_priority_search: false,
    };
    let report = client
        .play_any(&matched, &style)
        .await
        .context("the game failed")?;
    let result = match report.outcome {
        Outcome::Winner(seat) if seat == report.seat => "won".to_string(),
        Outcome::Winner(seat) => format!("lost (seat {} won)", seat.0),
        Outcome::Draw => "draw".to_string(),
    };
    println!(
        "{name}: {result} in room {} as seat {} after {} events ({} moves, {} timeouts)",
        report.room, report.seat.0, report.events, report.shots, report.timeouts
    );
    Ok(())
}

async fn run_load(server: url::Url, args: LoadArgs) -> Result<()> {
    let stop = match (args.games, args.duration) {
        (Some(games), _) => Stop::GamesPerPlayer(games),
        (None, duration) => Stop::After(seconds(duration.unwrap_or(30.0), "--duration")?),
    };
    let config = LoadConfig {
        mode: args.mode,
        arrival_rate: args.arrival_rate,
        think: Duration::from_millis(args.think_ms),
        aims_per_second: args.aims_per_second,
        strategy: if args.quick {
            Strategy::Quick
        } else {
            Strategy::Aim(Skill(args.skill))
        },
        workload: if args.match_only {
            Workload::MatchOnly
        } else {
            Workload::Play
        },
        warmup: seconds(args.warmup, "--warmup")?,
        grace: seconds(args.grace, "--grace")?,
        frame_timeout: seconds(args.frame_timeout, "--frame-timeout")?,
        seed: args.seed,
        reconnect_for: Some(seconds(args.reconnect_for, "--reconnect-for")?)
            .filter(|d| !d.is_zero()),
        log_moves: args.moves.is_some(),
        progress: !args.quiet,
        continents: args.continents.clone(),
        ..LoadConfig::standard(server, args.players, stop)
    };
    let report = load::run(config).await;
    std::fs::write(&args.report, serde_json::to_string_pretty(&report)?)
        .with_context(|| format!("could not write {}", args.report.display()))?;
    load::chart::write_svg(&report, &args.chart)?;
    println!("{}", report.summary());
    println!(
        "report: {}, chart: {}",
        args.report.display(),
        args.chart.display()
    );
    if let Some(path) = &args.moves {
        report.move_log.save(path)?;
        println!(
            "moves: {} ({} lines)",
            path.display(),
            report.move_log.lines.len()
        );
    }
    let problems = report.problems();
    if !problems.is_empty() {
        bail!("the load run had problems: {}", problems.join("; "));
    }
    Ok(())
}
