//! The report of what a simulation counted ([`super::tally`]): requests per
//! shard against the ~1,000 a second one object is guided to, waits per
//! region and mode, the rating spread of the matches made, the tickets
//! that spilled to a global pool, and the load on player and leaderboard
//! objects, as JSON ([`super::chart`] draws the shards' requests).

use super::run::{Design, GameLengths};
use super::shard::Shard;
use super::tally::{Counts, Histogram, Tallies};
use serde::Serialize;
use std::collections::BTreeMap;
use volley_server::matchmaker::shards::Region;
use volley_shared::Mode;

/// Cloudflare's guidance for one Durable Object: about a thousand simple
/// requests a second.
pub const OBJECT_GUIDANCE_RPS: f64 = 1_000.0;

/// One shard's line.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ShardLine {
    /// Its name, as the Worker names it.
    pub shard: String,
    /// Requests received.
    pub requests: u64,
    /// Averaged over the run.
    pub mean_rps: f64,
    /// The busiest minute's average.
    pub peak_minute_rps: f64,
    /// The busiest second.
    pub peak_second: u32,
}

/// One region's waits in one mode.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct WaitLine {
    /// The region's code (`unknown`: no continent).
    pub region: String,
    /// The mode.
    pub mode: String,
    /// Tickets matched.
    pub tickets: u64,
    /// Median wait, s.
    pub p50_s: f64,
    /// 99th percentile wait, s.
    pub p99_s: f64,
    /// The share matched in another shard than their region's (spilled,
    /// or handed over by a quiet shard).
    pub spilled_share: f64,
}

/// One mode's spread.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SpreadLine {
    /// The mode.
    pub mode: String,
    /// Matches of two people or more.
    pub matches: u64,
    /// Rating spread, median and 99th percentile, points.
    pub rating_p50: u64,
    /// See `rating_p50`.
    pub rating_p99: u64,
    /// True skill spread, median and 99th percentile, points.
    pub skill_p50: u64,
    /// See `skill_p50`.
    pub skill_p99: u64,
}

/// A run's report.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Report {
    /// The design's name ([`Design::name`]).
    pub design: String,
    /// Simulated hours.
    pub hours: f64,
    /// The demand's players per hour (daily mean).
    pub players_per_hour: f64,
    /// The seed.
    pub seed: u64,
    /// What was counted.
    #[serde(flatten)]
    pub counts: Counts,
    /// Of the tickets queued, the share spilled.
    pub spilled_share: f64,
    /// Mean game length per mode, s, from the harness's games.
    pub game_length_s: BTreeMap<String, f64>,
    /// Every shard, busiest first.
    pub shards: Vec<ShardLine>,
    /// Waits per region and mode.
    pub waits: Vec<WaitLine>,
    /// Spreads per mode.
    pub spreads: Vec<SpreadLine>,
    /// All player objects together: requests and the busiest second.
    pub player_object_requests: u64,
    /// See `player_object_requests`.
    pub player_objects_peak_second: u32,
    /// Each leaderboard object's busiest minute, requests a second.
    pub leaderboard_peak_minute_rps: BTreeMap<String, f64>,
}

/// The Worker's name for a shard.
pub fn shard_label(shard: &Shard) -> String {
    shard.pool.shard_name(shard.mode)
}

impl Report {
    /// The report of a run.
    pub fn new(
        design: Design,
        players_per_hour: f64,
        seed: u64,
        duration_ms: u64,
        lengths: &GameLengths,
        tallies: &Tallies,
        shards: &[Shard],
    ) -> Report {
        let seconds = duration_ms as f64 / 1_000.0;
        let mut lines: Vec<ShardLine> = shards
            .iter()
            .map(|shard| ShardLine {
                shard: shard_label(shard),
                requests: shard.load.total(),
                mean_rps: round2(shard.load.total() as f64 / seconds.max(1.0)),
                peak_minute_rps: round2(shard.load.per_minute().into_iter().fold(0.0, f64::max)),
                peak_second: shard.load.peak_second(),
            })
            .collect();
        lines.sort_by(|a, b| b.peak_minute_rps.total_cmp(&a.peak_minute_rps));
        let tenths = |h: &Histogram, p| h.percentile(p).map_or(0.0, |v| v as f64 / 10.0);
        let waits = tallies
            .waits
            .iter()
            .map(|((region, mode), w)| WaitLine {
                region: region.map_or("unknown", Region::code).to_string(),
                mode: mode.as_str().to_string(),
                tickets: w.tickets,
                p50_s: tenths(&w.waits, 50.0),
                p99_s: tenths(&w.waits, 99.0),
                spilled_share: round2(w.spilled as f64 / w.tickets.max(1) as f64),
            })
            .collect();
        let spreads = tallies
            .spreads
            .iter()
            .map(|(mode, s)| SpreadLine {
                mode: mode.as_str().to_string(),
                matches: s.rating.len(),
                rating_p50: s.rating.percentile(50.0).unwrap_or(0),
                rating_p99: s.rating.percentile(99.0).unwrap_or(0),
                skill_p50: s.skill.percentile(50.0).unwrap_or(0),
                skill_p99: s.skill.percentile(99.0).unwrap_or(0),
            })
            .collect();
        Report {
            design: design.name().to_string(),
            hours: round2(seconds / 3_600.0),
            players_per_hour,
            seed,
            counts: tallies.counts.clone(),
            spilled_share: round2(
                tallies.counts.spilled as f64 / tallies.counts.tickets.max(1) as f64,
            ),
            game_length_s: Mode::ALL
                .iter()
                .map(|m| (m.as_str().to_string(), lengths.mean_ms(*m) as f64 / 1_000.0))
                .collect(),
            shards: lines,
            waits,
            spreads,
            player_object_requests: tallies.player_requests.total(),
            player_objects_peak_second: tallies.player_requests.peak_second(),
            leaderboard_peak_minute_rps: tallies
                .leaderboards
                .iter()
                .map(|(mode, load)| {
                    let peak = load.per_minute().into_iter().fold(0.0, f64::max);
                    (mode.as_str().to_string(), round2(peak))
                })
                .collect(),
        }
    }
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}
