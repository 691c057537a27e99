//! `volley-sim`: simulates a day of internet-scale demand on the
//! coordinator shards, for each layout ([`Design::ALL`]: one shard per
//! mode; a shard per mode and region, spilling to a global pool or to a
//! busier neighbour, or handing a quiet region's tickets to the global
//! pool), and writes each one's report as JSON, and a chart of the duel
//! shards' requests (one shard per mode against Volley's design, whose
//! quiet shards hand their tickets to the global pool).
//!
//! ```text
//! cargo run --release -p volley-harness --bin volley-sim -- \
//!     [--players-per-hour 1000000] [--hours 24] [--seed 1] \
//!     [--calibration-games 60] [--out target/sim] [--design NAME ...]
//! ```

use anyhow::{Result, bail};
use clap::Parser;
use std::path::PathBuf;
use std::time::Instant;
use volley_harness::sim::report::Report;
use volley_harness::sim::{Demand, Design, Sim, SimConfig, calibrate, chart};
use volley_server::matchmaker::shards::Spill;
use volley_shared::Mode;

/// Simulates a day of demand on the coordinator shards, for every layout.
#[derive(Parser)]
#[command(name = "volley-sim")]
struct Args {
    /// Players arriving per hour, averaged over the day.
    #[arg(long, default_value_t = 1_000_000.0)]
    players_per_hour: f64,
    /// Simulated hours, from midnight UTC (at most 48).
    #[arg(long, default_value_t = 24.0)]
    hours: f64,
    /// Seeds every draw.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Games per mode the harness plays to measure game lengths.
    #[arg(long, default_value_t = 60)]
    calibration_games: usize,
    /// Where the reports and the chart go.
    #[arg(long, default_value = "target/sim")]
    out: PathBuf,
    /// Only these layouts (by report name, such as `per-mode` or
    /// `regional-quiet-hand-over`; repeatable); every one by default.
    #[arg(long = "design")]
    designs: Vec<String>,
}

fn main() -> Result<()> {
    let args = Args::parse();
    if !(args.hours > 0.0 && args.hours <= 48.0) {
        bail!("--hours is between 0 and 48");
    }
    std::fs::create_dir_all(&args.out)?;
    let started = Instant::now();
    let lengths = calibrate(args.calibration_games, args.seed);
    eprintln!(
        "calibrated game lengths on {} harness games per mode in {:.1} s",
        args.calibration_games,
        started.elapsed().as_secs_f64()
    );
    let duration_ms = (args.hours * 3_600_000.0) as u64;
    let chosen: Vec<Design> = Design::ALL
        .into_iter()
        .filter(|d| args.designs.is_empty() || args.designs.iter().any(|n| n == d.name()))
        .collect();
    if chosen.is_empty() {
        let names: Vec<&str> = Design::ALL.iter().map(|d| d.name()).collect();
        bail!("no such design; the designs are {}", names.join(", "));
    }
    let mut shards_of = Vec::new();
    for &design in &chosen {
        let started = Instant::now();
        let config = SimConfig {
            demand: Demand::internet(args.players_per_hour),
            seed: args.seed,
            duration_ms,
            design,
            lengths: lengths.clone(),
            pause_ms: (3_000, 15_000),
        };
        let (tallies, shards) = Sim::new(config).run();
        let report = Report::new(
            design,
            args.players_per_hour,
            args.seed,
            duration_ms,
            &lengths,
            &tallies,
            &shards,
        );
        let name = format!("report-{}.json", report.design);
        std::fs::write(args.out.join(&name), serde_json::to_string_pretty(&report)?)?;
        eprintln!(
            "{}: {} visits, {} tickets, {} matches in {:.1} s wall; {}",
            report.design,
            report.counts.visits,
            report.counts.tickets,
            report.counts.matches,
            started.elapsed().as_secs_f64(),
            args.out.join(name).display()
        );
        print_summary(&report);
        shards_of.push(shards);
    }
    // One shard per mode against the regional design Volley runs: quiet
    // shards hand their tickets to the global pool.
    let proposed = Design::Regional(Spill::QuietHandOver);
    let shards_of = |design: Design| {
        chosen
            .iter()
            .position(|d| *d == design)
            .and_then(|n| shards_of.get(n))
    };
    if let (Some(per_mode), Some(regional)) = (shards_of(Design::PerMode), shards_of(proposed)) {
        let path = args.out.join("shards-duel.svg");
        chart::write_svg(&path, Mode::Duel, proposed.name(), regional, per_mode)
            .map_err(anyhow::Error::msg)?;
        eprintln!("chart: {}", path.display());
    }
    Ok(())
}

fn print_summary(report: &Report) {
    println!(
        "\n## {} ({} players/h, {} h, seed {})\n",
        report.design, report.players_per_hour, report.hours, report.seed
    );
    println!(
        "visits {}, tickets {}, matches {}, games {}, bot-filled {}, spilled {} ({:.1}%), handed over by quiet shards {}, private rooms {}, left waiting {}",
        report.counts.visits,
        report.counts.tickets,
        report.counts.matches,
        report.counts.games,
        report.counts.bot_filled,
        report.counts.spilled,
        report.spilled_share * 100.0,
        report.counts.deferred,
        report.counts.private_rooms,
        report.counts.left_waiting
    );
    println!("\n| shard | mean req/s | busiest minute req/s | busiest second |\n|---|---|---|---|");
    for line in &report.shards {
        println!(
            "| {} | {:.1} | {:.1} | {} |",
            line.shard, line.mean_rps, line.peak_minute_rps, line.peak_second
        );
    }
    println!(
        "\n| region | mode | tickets | wait p50 s | wait p99 s | spilled |\n|---|---|---|---|---|---|"
    );
    for line in &report.waits {
        println!(
            "| {} | {} | {} | {:.1} | {:.1} | {:.0}% |",
            line.region,
            line.mode,
            line.tickets,
            line.p50_s,
            line.p99_s,
            line.spilled_share * 100.0
        );
    }
    println!(
        "\n| mode | matches of people | rating spread p50 | p99 | skill spread p50 | p99 |\n|---|---|---|---|---|---|"
    );
    for line in &report.spreads {
        println!(
            "| {} | {} | {} | {} | {} | {} |",
            line.mode,
            line.matches,
            line.rating_p50,
            line.rating_p99,
            line.skill_p50,
            line.skill_p99
        );
    }
    println!(
        "\nplayer objects: {} requests, busiest second {} (all objects together); leaderboards' busiest minute req/s: {:?}; game lengths s: {:?}",
        report.player_object_requests,
        report.player_objects_peak_second,
        report.leaderboard_peak_minute_rps,
        report.game_length_s
    );
}
