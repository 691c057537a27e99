//! `volley-bot`: a headless player that matchmakes, plays a whole game
//! against whoever it is matched with, and prints the result.

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use volley_client::bot::Strategy;
use volley_client::native::{matchmake, play};
use volley_shared::Mode;
use volley_shared::Outcome;

#[derive(Parser)]
#[command(version, about = "A headless Volley player")]
struct Cli {
    /// The Volley server.
    #[arg(long, default_value = "http://127.0.0.1:8787", global = true)]
    server: url::Url,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Find a match and play it to the end.
    Play {
        /// The kind of match.
        #[arg(long, default_value = "duel", value_parser = parse_mode)]
        mode: Mode,
        /// The name shown to others.
        #[arg(long, default_value = "volley-bot")]
        name: String,
        /// Never fire (every turn of this bot times out).
        #[arg(long)]
        idle: bool,
    },
}

fn parse_mode(name: &str) -> Result<Mode, String> {
    Mode::parse(name).ok_or_else(|| {
        let modes: Vec<&str> = Mode::ALL.iter().map(|m| m.as_str()).collect();
        format!("unknown mode {name:?}; modes: {}", modes.join(", "))
    })
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Command::Play { mode, name, idle } => {
            let strategy = if idle { Strategy::Idle } else { Strategy::Aim };
            eprintln!(
                "{name}: looking for a {} match on {}",
                mode.as_str(),
                cli.server
            );
            let matched = matchmake(&cli.server, mode, &name)
                .await
                .context("matchmaking failed")?;
            eprintln!(
                "{name}: matched into room {} as seat {}",
                matched.room, matched.seat.0
            );
            let report = play(&cli.server, &matched, strategy)
                .await
                .context("the game failed")?;
            let result = match report.outcome {
                Outcome::Winner(seat) if seat == report.seat => "won".to_string(),
                Outcome::Winner(seat) => format!("lost (seat {} won)", seat.0),
                Outcome::Draw => "draw".to_string(),
            };
            println!(
                "{name}: {result} in room {} as seat {} after {} events ({} shots, {} timeouts)",
                report.room, report.seat.0, report.events, report.shots, report.timeouts
            );
        }
    }
    Ok(())
}
