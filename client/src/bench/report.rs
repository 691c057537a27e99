//! What a `bench` run measured, as written to the JSON report: one struct
//! per benchmark under [`BenchReport`], and the server's CPU use
//! ([`ServerCpu`]). Plain data, so the benchmarks fill it in and
//! [`super::summary`] prints it without knowing how it was measured.

use super::idle;
use crate::load::latency::LatencySummary;
use serde::Serialize;

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
    /// Benchmark 5.
    pub relay: Option<RelayBench>,
    /// Errors any load run reported.
    pub errors: u64,
}

/// Benchmark 1.
#[derive(Debug, Serialize)]
pub struct RttBench {
    /// Rounds the echo object and Volley took turns in.
    pub rounds: u32,
    /// Games played, and not recorded, before the first round.
    pub warmup_games: u32,
    /// Frame round trip through a tokio echo on loopback.
    pub loopback_echo: LatencySummary,
    /// Frame round trip through the echo Durable Object.
    pub echo_object: LatencySummary,
    /// The same with one SQLite row written per frame (what storage adds).
    pub echo_object_writing: LatencySummary,
    /// The same with the row written and the alarm moved per frame (what a
    /// move's storage and new turn deadline add).
    pub echo_object_writing_alarm: LatencySummary,
    /// The echo writing a row, one frame every 10 ms (a round trip after a
    /// pause, as a person's moves come).
    pub echo_object_writing_paced: LatencySummary,
    /// Round trips on each object of `echo_object_writing_new`.
    pub trips_per_new_object: u32,
    /// The echo writing a row on a new object, over a new connection, every
    /// `trips_per_new_object` round trips, every one recorded: what making
    /// an object per game (and freeing it ten seconds later) costs the
    /// runtime, without a room's work.
    pub echo_object_writing_new: LatencySummary,
    /// The same, each new object's first round trip only (its database's
    /// first write).
    pub echo_object_writing_new_first: LatencySummary,
    /// Fire sent to resolving event received, one game at a time, the bots
    /// answering each turn at once with the game's quick move.
    pub volley_move: LatencySummary,
    /// The same for each player's first move in a new room.
    pub volley_first_move: LatencySummary,
    /// The same for every later move.
    pub volley_later_move: LatencySummary,
    /// The same for each room's last move (the one that ended its game),
    /// counted too in `volley_first_move` or `volley_later_move`.
    pub volley_last_move: LatencySummary,
    /// The server's CPU per round trip of the echo writing a row (each
    /// connection's unrecorded first round trips included).
    pub echo_writing_cpu: CpuPerUnit,
    /// The server's CPU per recorded move: all of the games' work
    /// (matching, setting rooms up, settling results) over their moves.
    pub volley_move_cpu: CpuPerUnit,
    /// workerd's CPU per move / per round trip of the echo writing a row.
    pub cpu_ratio_to_writing: Option<f64>,
    /// Volley p99 / echo object writing a row p99 (issue 16: at most 2).
    pub ratio_p99_to_writing: f64,
    /// Volley p99 / the paced echo's p99 (no target: for scale, what a
    /// pause between frames alone does to the echo).
    pub ratio_p99_to_writing_paced: f64,
    /// Volley p99 / the p99 of the echo writing a row on new objects (no
    /// target: for scale, what a new object per game alone does).
    pub ratio_p99_to_writing_new: f64,
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
    /// Rounds the two took turns in.
    pub rounds: u32,
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
    /// Cores the server kept busy during the echo run.
    pub echo_server_cpu: ServerCpu,
    /// workerd's CPU per echo cycle, in µs.
    pub echo_cpu_us_per_cycle: Option<f64>,
    /// workerd's CPU per player matched, in µs.
    pub volley_cpu_us_per_player: Option<f64>,
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

/// Benchmark 5.
#[derive(Debug, Serialize)]
pub struct RelayBench {
    /// Duels, and echo connections.
    pub rooms: u32,
    /// Milliseconds between two frames on one connection.
    pub interval_ms: u64,
    /// Seconds of each window.
    pub seconds: f64,
    /// Cores workerd kept busy with no traffic, subtracted from both.
    pub idle_workerd_cores: f64,
    /// Frames the echo objects echoed.
    pub echo_frames: u64,
    /// The server's CPU during the echo window.
    pub echo_server_cpu: ServerCpu,
    /// workerd CPU per echoed frame, in microseconds.
    pub echo_cpu_us_per_frame: f64,
    /// Live aims the players to move sent.
    pub volley_aims_sent: u64,
    /// Live aims the other players received.
    pub volley_aims_relayed: u64,
    /// The server's CPU during the Volley window.
    pub volley_server_cpu: ServerCpu,
    /// workerd CPU per relayed aim, in microseconds.
    pub volley_cpu_us_per_aim: f64,
    /// Volley / echo (target at most 2).
    pub ratio: f64,
}

/// The server's processes' CPU per unit of work, in µs (`None` where it
/// could not be read: Linux `/proc` only).
#[derive(Clone, Copy, Debug, Default, Serialize)]
pub struct CpuPerUnit {
    /// `workerd` (the Worker and its Durable Objects, and `wrangler dev`'s
    /// proxy in front of them).
    pub workerd_us: Option<f64>,
    /// `node` (`wrangler dev` itself).
    pub wrangler_us: Option<f64>,
}

impl std::fmt::Display for CpuPerUnit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let show = |us: Option<f64>| us.map_or("?".into(), |us| format!("{us:.0} µs"));
        write!(
            f,
            "workerd {}, wrangler {}",
            show(self.workerd_us),
            show(self.wrangler_us)
        )
    }
}

/// Cores the server's processes kept busy during a measurement.
#[derive(Clone, Copy, Debug, Default, Serialize)]
pub struct ServerCpu {
    /// `workerd` (the Worker and its Durable Objects, and `wrangler dev`'s
    /// proxy in front of them).
    pub workerd_cores: Option<f64>,
    /// `node` (`wrangler dev` itself).
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
