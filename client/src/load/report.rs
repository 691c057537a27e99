//! The report of a load run: what was asked, what happened, how fast, and
//! every error by kind. Written as JSON by `volley-bot load --report`.

use super::cpu::{CpuUse, SATURATED_SHARE};
use super::latency::{Latency, LatencySummary};
use super::moves::MoveLog;
use super::recorder::Recorder;
use super::{LoadConfig, Stop, Workload};
use crate::bot::Strategy;
use crate::native::TrafficCount;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::time::Duration;
use volley_shared::Seat;
use volley_shared::artillery::ai::Skill;

/// A load run's report.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LoadReport {
    /// What was asked.
    pub config: ConfigSummary,
    /// How long the run took, in seconds.
    pub wall_seconds: f64,
    /// The steady window the `steady_*` and rate figures cover, in seconds.
    pub window_seconds: f64,
    /// Games.
    pub games: Games,
    /// Moves.
    pub moves: Moves,
    /// Every move's round trip (fire sent to the room's resolving event).
    pub move_rtt: LatencySummary,
    /// Round trips of moves sent in the steady window.
    pub steady_move_rtt: LatencySummary,
    /// Round trips of each player's first move in a room.
    pub first_move_rtt: LatencySummary,
    /// Round trips of every later move.
    pub later_move_rtt: LatencySummary,
    /// The first and later moves' round trips, to add to another run's
    /// (not in the JSON report).
    #[serde(skip)]
    pub move_histograms: MoveHistograms,
    /// Every move, with [`super::LoadConfig::log_moves`] (not in the JSON
    /// report; empty otherwise).
    #[serde(skip)]
    pub move_log: MoveLog,
    /// Ticket opened to `Matched` received.
    pub time_to_match: LatencySummary,
    /// The same, to add to another run's (not in the JSON report).
    #[serde(skip)]
    pub time_to_match_histogram: Latency,
    /// Players matched per second in the steady window.
    pub matched_per_second: f64,
    /// Frames and bytes, the whole run.
    pub traffic: TrafficCount,
    /// Frames both ways per second in the steady window.
    pub frames_per_second: f64,
    /// Errors by kind.
    pub errors: BTreeMap<String, u64>,
    /// The first few errors, in words.
    pub error_samples: Vec<String>,
    /// The load tool itself.
    pub generator: Generator,
    /// Per second: moves sent, their round-trip percentiles, frames.
    pub timeline: Vec<TimelinePoint>,
    /// Moves resolved per room (summed over its players), for checking
    /// against the rooms' own logs.
    pub rooms: BTreeMap<String, u32>,
    /// Every move sent in each room, by seat, as JSON, for checking that
    /// a room's log holds nothing its players did not send, and nothing
    /// twice. Kept out of the JSON report (a long run sends many).
    #[serde(skip)]
    pub sent: BTreeMap<String, Vec<(Seat, String)>>,
    /// Games each guest saw to the end, by player id (with
    /// [`super::LoadConfig::guests`]), for checking against the players'
    /// game counts.
    #[serde(default)]
    pub players: BTreeMap<String, u32>,
    /// Matches each coordinator shard of the mode made during the run, by
    /// its pool (`eu`, `global`; [`super::shards`]); empty when the server
    /// does not say.
    #[serde(default)]
    pub matches_per_shard: BTreeMap<String, u64>,
}

/// The run's settings, as reported.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ConfigSummary {
    /// Server.
    pub server: String,
    /// Mode.
    pub mode: String,
    /// Bots.
    pub players: u32,
    /// `games-per-player N` or `seconds N`.
    pub stop: String,
    /// Bots arriving per second.
    pub arrival_rate: f64,
    /// Aiming time before each shot, in ms.
    pub think_ms: u64,
    /// Aim updates per second while aiming.
    pub aims_per_second: f64,
    /// Aiming skill, 0..=1.
    pub skill: f32,
    /// The bots made the game's quick move, not the AI's search at `skill`.
    #[serde(default)]
    pub quick: bool,
    /// `play` or `match-only`.
    pub workload: String,
}

/// Games, as the bots saw them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Games {
    /// Times a bot was matched.
    pub matched: u64,
    /// Games a bot played to the end (each game once per bot).
    pub player_games: u64,
    /// Distinct rooms played to the end.
    pub rooms_finished: u64,
    /// Rooms where some bot that joined did not see the end.
    pub rooms_incomplete: u64,
    /// Times a bot rejoined its room after its connection dropped (a
    /// server restart, a network drop) and played on.
    #[serde(default)]
    pub reconnects: u64,
    /// Times a bot cut its own connection (fault injection,
    /// [`super::LoadConfig::drop_chance`]); each is also a reconnect.
    #[serde(default)]
    pub cuts: u64,
}

/// Moves, as the bots saw them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Moves {
    /// Shots fired.
    pub sent: u64,
    /// Shots the room resolved (an event came back).
    pub resolved: u64,
    /// Shots a game ended without resolving.
    pub unresolved: u64,
    /// Shots sent on a connection that was then lost, which the room
    /// never resolved (lost in transit; fired again if the turn allowed).
    #[serde(default)]
    pub lost_with_connection: u64,
    /// Shots in flight when a rejoin got a fresh welcome in which their
    /// turn had ended: resolved or timed out, the bot cannot tell which
    /// (the soak asks the room's log).
    #[serde(default)]
    pub hidden_by_welcome: u64,
    /// Aim updates sent.
    pub aims: u64,
    /// Bots' own turns that timed out.
    pub own_timeouts: u64,
}

/// The load tool's own use of the machine.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Generator {
    /// Its CPU.
    pub cpu: CpuUse,
    /// How late its 100 ms watcher woke, p99 in ms.
    pub timer_lag_p99_ms: f64,
    /// Whether it, rather than the server, was probably the bottleneck:
    /// it kept `SATURATED_SHARE` of the machine busy, or its timers were
    /// 10 ms late at p99.
    pub saturated: bool,
}

/// Move round trips as histograms, to add to another run's.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct MoveHistograms {
    /// Each player's first move in a room.
    pub first: Latency,
    /// Every later move.
    pub later: Latency,
}

impl MoveHistograms {
    /// Adds another run's.
    pub fn add(&mut self, other: &MoveHistograms) {
        self.first.add(&other.first);
        self.later.add(&other.later);
    }

    /// Every move, first and later.
    pub fn all(&self) -> Latency {
        let mut all = self.first.clone();
        all.add(&self.later);
        all
    }
}

/// One second of the run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TimelinePoint {
    /// Seconds since the start.
    pub second: u32,
    /// Moves sent in that second (and resolved).
    pub moves: u64,
    /// Their median round trip.
    pub p50_ms: f64,
    /// 90th percentile.
    pub p90_ms: f64,
    /// 99th percentile.
    pub p99_ms: f64,
    /// Frames both ways in that second.
    pub frames: u64,
}

/// Builds the report of a finished run.
pub(super) fn build(
    config: &LoadConfig,
    recorder: &Recorder,
    wall: Duration,
    cpu: CpuUse,
) -> LoadReport {
    let traffic = recorder.traffic.read();
    let mut t = recorder.take_tallies();
    let window = config.window().min(wall.saturating_sub(config.warmup));
    let per_second = |count: u64| {
        if window.is_zero() {
            0.0
        } else {
            count as f64 / window.as_secs_f64()
        }
    };
    let first = config.warmup.as_secs() as usize;
    let last = first + window.as_secs() as usize;
    let steady_frames: u64 = t
        .seconds
        .iter()
        .enumerate()
        .filter(|(s, _)| (first..last).contains(s))
        .map(|(_, second)| second.frames)
        .sum();
    let timer_lag_p99_ms = t.timer_lag.quantile_ms(0.99);
    LoadReport {
        config: ConfigSummary {
            server: config.server.to_string(),
            mode: config.mode.as_str().into(),
            players: config.players,
            stop: match config.stop {
                Stop::GamesPerPlayer(n) => format!("games-per-player {n}"),
                Stop::After(d) => format!("seconds {}", d.as_secs_f64()),
            },
            arrival_rate: config.arrival_rate,
            think_ms: config.think.as_millis() as u64,
            aims_per_second: config.aims_per_second,
            // The AI's skill; the default for quick moves, which do not
            // search.
            skill: match config.strategy {
                Strategy::Aim(skill) => skill.0,
                _ => Skill::BEST.0,
            },
            quick: config.strategy == Strategy::Quick,
            workload: match config.workload {
                Workload::Play => "play",
                Workload::MatchOnly => "match-only",
            }
            .into(),
        },
        wall_seconds: wall.as_secs_f64(),
        window_seconds: window.as_secs_f64(),
        games: Games {
            matched: t.time_to_match.count(),
            player_games: t
                .rooms
                .values()
                .map(|r| u64::from(r.players_finished))
                .sum(),
            rooms_finished: t.rooms.values().filter(|r| r.players_finished > 0).count() as u64,
            rooms_incomplete: t
                .rooms
                .values()
                .filter(|r| r.players_finished < r.players_joined)
                .count() as u64,
            reconnects: t.reconnects,
            cuts: t.cuts,
        },
        moves: Moves {
            sent: t.shots,
            resolved: t.resolved,
            unresolved: t.unresolved,
            lost_with_connection: t.lost_with_connection,
            hidden_by_welcome: t.hidden_by_welcome,
            aims: t.aims,
            own_timeouts: t.own_timeouts,
        },
        move_rtt: t.move_rtt.summary(),
        steady_move_rtt: t.steady_move_rtt.summary(),
        first_move_rtt: t.first_move_rtt.summary(),
        later_move_rtt: t.later_move_rtt.summary(),
        move_histograms: MoveHistograms {
            first: t.first_move_rtt.clone(),
            later: t.later_move_rtt.clone(),
        },
        time_to_match: t.time_to_match.summary(),
        time_to_match_histogram: t.time_to_match.clone(),
        move_log: t.move_log.take().unwrap_or_default(),
        matched_per_second: per_second(t.steady_matches),
        traffic,
        frames_per_second: per_second(steady_frames),
        errors: t.errors,
        error_samples: t.error_samples,
        generator: Generator {
            cpu,
            timer_lag_p99_ms,
            saturated: cpu.share_of_machine >= SATURATED_SHARE || timer_lag_p99_ms >= 10.0,
        },
        timeline: t
            .seconds
            .iter()
            .enumerate()
            .map(|(second, s)| TimelinePoint {
                second: second as u32,
                moves: s.move_rtt.count(),
                p50_ms: s.move_rtt.quantile_ms(0.50),
                p90_ms: s.move_rtt.quantile_ms(0.90),
                p99_ms: s.move_rtt.quantile_ms(0.99),
                frames: s.frames,
            })
            .collect(),
        rooms: t
            .rooms
            .iter()
            .map(|(room, tally)| (room.clone(), tally.moves))
            .collect(),
        sent: t
            .rooms
            .into_iter()
            .map(|(room, tally)| (room, tally.sent))
            .collect(),
        players: t.players,
        matches_per_shard: BTreeMap::new(),
    }
}

impl LoadReport {
    /// Errors of every kind.
    pub fn error_count(&self) -> u64 {
        self.errors.values().sum()
    }

    /// What is wrong with the run, in words; empty when nothing is.
    pub fn problems(&self) -> Vec<String> {
        let mut problems: Vec<String> = self
            .errors
            .iter()
            .map(|(kind, n)| format!("{n} error(s) of kind {kind}"))
            .collect();
        let Moves {
            sent,
            resolved,
            unresolved,
            lost_with_connection,
            hidden_by_welcome,
            ..
        } = self.moves;
        if resolved + unresolved + lost_with_connection + hidden_by_welcome != sent {
            problems.push(format!(
                "{sent} moves sent but {resolved} resolved, {unresolved} unresolved, {lost_with_connection} lost with a connection and {hidden_by_welcome} hidden by a welcome"
            ));
        }
        if self.games.rooms_incomplete > 0 {
            problems.push(format!(
                "{} rooms where a bot that joined did not see the end",
                self.games.rooms_incomplete
            ));
        }
        problems
    }

    /// A few lines for a terminal.
    pub fn summary(&self) -> String {
        let mut lines = vec![
            format!(
                "{} bots, {} ({}), {:.1} s: {} matches, {} games finished in {} rooms",
                self.config.players,
                self.config.mode,
                self.config.workload,
                self.wall_seconds,
                self.games.matched,
                self.games.player_games,
                self.games.rooms_finished
            ),
            format!(
                "moves: {} sent, {} resolved; aim updates {}",
                self.moves.sent, self.moves.resolved, self.moves.aims
            ),
            format!("move round trip: {}", self.move_rtt),
            format!("time to match:   {}", self.time_to_match),
            format!(
                "steady window {:.1} s: {:.1} matched/s, {:.1} frames/s, move round trip p99 {:.2} ms",
                self.window_seconds,
                self.matched_per_second,
                self.frames_per_second,
                self.steady_move_rtt.p99_ms
            ),
            format!(
                "traffic: {} frames / {} B sent, {} frames / {} B received",
                self.traffic.frames_sent,
                self.traffic.bytes_sent,
                self.traffic.frames_received,
                self.traffic.bytes_received
            ),
            format!(
                "load tool: {:.2} cores ({:.0}% of {}), timer lag p99 {:.1} ms{}",
                self.generator.cpu.cores_used,
                self.generator.cpu.share_of_machine * 100.0,
                self.generator.cpu.machine_cores,
                self.generator.timer_lag_p99_ms,
                if self.generator.saturated {
                    " — SATURATED: the load tool, not the server, may be the bottleneck"
                } else {
                    ""
                }
            ),
        ];
        if !self.matches_per_shard.is_empty() {
            let shards: Vec<String> = self
                .matches_per_shard
                .iter()
                .map(|(pool, n)| format!("{pool} {n}"))
                .collect();
            lines.push(format!("matches per shard: {}", shards.join(", ")));
        }
        let problems = self.problems();
        if problems.is_empty() {
            lines.push("errors: none".into());
        } else {
            lines.push(format!("PROBLEMS: {}", problems.join("; ")));
            for sample in &self.error_samples {
                lines.push(format!("  {sample}"));
            }
        }
        lines.join("\n")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::native::{GameReport, MoveTiming};
    use tokio::time::Instant;
    use volley_shared::{Outcome, RoomId, Seat};

    fn config() -> LoadConfig {
        LoadConfig::standard(
            "http://127.0.0.1:8787".parse().expect("a URL"),
            2,
            Stop::GamesPerPlayer(1),
        )
    }

    fn game(room: &str, seat: u8, moves: u32) -> GameReport {
        let mut report = GameReport::empty(RoomId(room.into()), Seat(seat));
        report.outcome = Outcome::Winner(Seat(0));
        report.shots = moves;
        report.moves = (0..moves)
            .map(|ms| MoveTiming {
                sent: Instant::now(),
                round_trip: Duration::from_millis(u64::from(ms) + 1),
            })
            .collect();
        report
    }

    #[tokio::test]
    async fn a_clean_run_reports_its_games_moves_and_rooms() {
        let recorder = Recorder::new(Duration::ZERO, Duration::from_secs(60));
        for seat in 0..2 {
            recorder.matched(Instant::now());
            recorder.joined(&RoomId("r1".into()));
            recorder.game(Some("p1"), &game("r1", seat, 3));
        }
        let report = build(
            &config(),
            &recorder,
            Duration::from_secs(2),
            CpuUse::default(),
        );
        assert_eq!(report.problems(), Vec::<String>::new());
        assert_eq!(report.games.matched, 2);
        assert_eq!(report.games.player_games, 2);
        assert_eq!(report.games.rooms_finished, 1);
        assert_eq!((report.moves.sent, report.moves.resolved), (6, 6));
        assert_eq!(report.move_rtt.count, 6);
        // Each of the two players' first moves, then their four others.
        assert_eq!(
            (report.first_move_rtt.count, report.later_move_rtt.count),
            (2, 4)
        );
        assert_eq!(report.rooms.get("r1"), Some(&6));
        assert_eq!(report.players.get("p1"), Some(&2));
        assert_eq!(report.timeline.first().map(|p| p.moves), Some(6));
        assert!(report.summary().contains("errors: none"));
    }

    #[tokio::test]
    async fn a_run_keeps_its_moves_only_when_asked() {
        for asked in [false, true] {
            let recorder = Recorder::new(Duration::ZERO, Duration::from_secs(60));
            let recorder = if asked {
                recorder.logging_moves()
            } else {
                recorder
            };
            recorder.game(None, &game("r1", 1, 3));
            let report = build(
                &config(),
                &recorder,
                Duration::from_secs(1),
                CpuUse::default(),
            );
            let lines = &report.move_log.lines;
            assert_eq!(lines.len(), if asked { 3 } else { 0 });
            assert!(lines.iter().all(|l| l.room == "r1" && l.seat == 1));
            let indices: Vec<usize> = lines.iter().map(|l| l.index).collect();
            assert_eq!(indices, if asked { vec![0, 1, 2] } else { vec![] });
        }
    }

    #[test]
    fn the_report_says_how_the_bots_chose_their_moves() {
        let said = |strategy| {
            let config = LoadConfig {
                strategy,
                ..config()
            };
            let recorder = Recorder::new(Duration::ZERO, Duration::from_secs(60));
            let report = build(
                &config,
                &recorder,
                Duration::from_secs(1),
                CpuUse::default(),
            );
            (report.config.skill, report.config.quick)
        };
        assert_eq!(said(Strategy::Aim(Skill(0.25))), (0.25, false));
        assert_eq!(said(Strategy::BEST), (1.0, false));
        assert_eq!(said(Strategy::Quick), (Skill::BEST.0, true));
    }

    #[tokio::test]
    async fn errors_and_lost_moves_are_problems() {
        let recorder = Recorder::new(Duration::ZERO, Duration::from_secs(60));
        recorder.joined(&RoomId("r1".into()));
        recorder.joined(&RoomId("r1".into()));
        let mut lost = game("r1", 0, 2);
        lost.shots = 3;
        lost.unresolved = 1;
        recorder.game(None, &lost);
        recorder.error_at(
            "room r1 seat 0, after 4 events and 3 moves sent",
            &crate::native::ClientError::Timeout(Duration::from_secs(30)),
        );
        let report = build(
            &config(),
            &recorder,
            Duration::from_secs(2),
            CpuUse::default(),
        );
        assert_eq!(report.errors.get("timeout"), Some(&1));
        // The sample says where it happened.
        assert!(
            report
                .error_samples
                .iter()
                .any(|s| s.starts_with("timeout: room r1 seat 0, after 4 events")),
            "{:?}",
            report.error_samples
        );
        assert_eq!(report.errors.get("unresolved_move"), Some(&1));
        assert_eq!(report.error_count(), 2);
        assert_eq!(
            report.games.rooms_incomplete, 1,
            "one of two bots never saw the end"
        );
        let problems = report.problems();
        assert!(
            problems.iter().any(|p| p.contains("timeout")),
            "{problems:?}"
        );
        assert!(
            problems.iter().any(|p| p.contains("did not see the end")),
            "{problems:?}"
        );
        assert!(report.summary().contains("PROBLEMS"));
    }

    #[tokio::test]
    async fn a_failed_games_sent_moves_are_kept_for_the_log_check() {
        let recorder = Recorder::new(Duration::ZERO, Duration::from_secs(60));
        recorder.joined(&RoomId("r1".into()));
        recorder.joined(&RoomId("r1".into()));
        let mut finished = game("r1", 0, 1);
        finished.sent = vec!["a".into()];
        recorder.game(None, &finished);
        let mut failed = GameReport::empty(RoomId("r1".into()), Seat(1));
        failed.sent = vec!["b".into(), "c".into()];
        recorder.sent_moves(&failed);
        let report = build(
            &config(),
            &recorder,
            Duration::from_secs(2),
            CpuUse::default(),
        );
        let sent = |seat: u8, mv: &str| (Seat(seat), mv.to_string());
        assert_eq!(
            report.sent.get("r1"),
            Some(&vec![sent(0, "a"), sent(1, "b"), sent(1, "c")])
        );
        assert_eq!(report.games.player_games, 1, "a failed game is not played");
        assert_eq!(report.games.rooms_incomplete, 1);
    }
}
