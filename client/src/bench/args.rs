//! What `volley-bot bench` takes on its command line: which benchmarks to
//! run ([`Which`]) and how hard to push each ([`BenchArgs`]). Apart from the
//! benchmarks so the flags and their defaults read in one place.

use clap::{Args, ValueEnum};
use std::path::PathBuf;

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
    /// workerd's CPU per relayed aim update against per echoed frame.
    Relay,
}

/// `volley-bot bench` options.
#[derive(Args, Clone, Debug)]
pub struct BenchArgs {
    /// Run only these benchmarks (repeat the flag); all by default.
    #[arg(long, value_enum)]
    pub(super) only: Vec<Which>,
    /// Games played one at a time for the move round trip.
    #[arg(long, default_value_t = 60)]
    pub(super) rtt_games: u32,
    /// Rounds the move round trip and its echo baselines take turns in,
    /// each playing `rtt-games / rtt-rounds` games (and as many echo round
    /// trips), for the reason `match-rounds` gives.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..))]
    pub(super) rtt_rounds: u32,
    /// Games played one at a time, and not recorded, before the move round
    /// trip's first round, as the echo's first round trips on each
    /// connection are not: a fresh `wrangler dev` compiles the Worker's
    /// hot code to optimised machine code over its first seconds of load
    /// (BENCHMARKS.md, "Measured warm, and rooms that no longer wake for
    /// nothing").
    #[arg(long, default_value_t = 40)]
    pub(super) rtt_warmup_games: u32,
    /// Round trips through each echo for the round-trip baseline.
    #[arg(long, default_value_t = 1000)]
    pub(super) echo_round_trips: u32,
    /// Players (and echo connections) at once in the matchmaking benchmark.
    #[arg(long, default_value_t = 16)]
    pub(super) match_concurrency: u32,
    /// Seconds of the matchmaking benchmark and its baseline.
    #[arg(long, default_value_t = 10.0)]
    pub(super) match_seconds: f64,
    /// Rounds the matchmaking benchmark and its baseline take turns in,
    /// each running `match-seconds / match-rounds` per round, so both see
    /// the machine as it is over the same stretch of time (a shared
    /// machine's speed drifts by more than the effects measured).
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..))]
    pub(super) match_rounds: u32,
    /// Seconds of each unmeasured warm-up run before the matchmaking
    /// benchmark (the echo, then Volley): without it the echo, measured
    /// first, ran on a cold isolate and a CPU just out of the build.
    #[arg(long, default_value_t = 3.0)]
    pub(super) match_warmup_seconds: f64,
    /// Rooms at each saturation step.
    #[arg(long, value_delimiter = ',', default_values_t = [4, 16, 32, 64, 128, 256])]
    pub(super) rooms: Vec<u32>,
    /// Echo connections at each baseline saturation step.
    #[arg(long, value_delimiter = ',', default_values_t = [2, 8, 32, 128, 256])]
    pub(super) echo_connections: Vec<u32>,
    /// Seconds of each saturation step (the first 5 are warm-up).
    #[arg(long, default_value_t = 20.0)]
    pub(super) step_seconds: f64,
    /// Seconds the room sits idle between the two moves (workerd was seen
    /// to evict an idle object after 10 to over 30 s; keep this under the
    /// turn timeout).
    #[arg(long, default_value_t = 45.0)]
    pub(super) idle_seconds: f64,
    /// Duels (and echo connections) in the relay benchmark.
    #[arg(long, default_value_t = 32)]
    pub(super) relay_rooms: u32,
    /// Milliseconds between two aims (or echo frames) on one connection;
    /// more than the rooms' 50 ms relay limit, so no aim is dropped.
    #[arg(long, default_value_t = 60)]
    pub(super) relay_interval_ms: u64,
    /// Seconds of the relay benchmark and of its baseline (under the turn
    /// timeout: the player to move keeps the turn throughout).
    #[arg(long, default_value_t = 15.0)]
    pub(super) relay_seconds: f64,
    /// Where to write the JSON report.
    #[arg(long, default_value = "bench-report.json")]
    pub(super) report: PathBuf,
    /// Also write every move of the move round trip benchmark (send time
    /// by the wall clock, round trip) to this CSV file.
    #[arg(long)]
    pub(super) moves: Option<PathBuf>,
    /// No progress bars.
    #[arg(long)]
    pub(super) quiet: bool,
}
