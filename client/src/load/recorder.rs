//! What a load run records while it runs: counters the progress bar reads
//! live, latency histograms (whole run, steady window, and per second for
//! the chart), games by room, and every error by kind.

use super::latency::Latency;
use super::moves::{MoveLog, WallClock};
use crate::native::{ClientError, GameReport, Traffic, TrafficCount};
use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::time::Duration;
use tokio::time::Instant;
use volley_shared::{RoomId, Seat};

/// How many error messages a report keeps as examples (besides the first
/// of each kind).
const ERROR_SAMPLES: usize = 10;

/// Live counts, for the progress bar.
#[derive(Debug, Default)]
pub struct Gauges {
    /// Players waiting for a match.
    pub queued: AtomicI64,
    /// Players in a game.
    pub playing: AtomicI64,
    /// Games a player finished (each game counts once per player).
    pub player_games: AtomicU64,
    /// Errors of any kind.
    pub errors: AtomicU64,
}

/// One room's tally, as its players saw it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RoomTally {
    /// Bots that joined the room to play.
    pub players_joined: u32,
    /// Bots that saw the game end.
    pub players_finished: u32,
    /// Moves the room resolved, summed over its players.
    pub moves: u32,
    /// Every move its players sent, by seat, as JSON.
    pub sent: Vec<(Seat, String)>,
}

/// Everything recorded in one second of the run.
#[derive(Clone, Debug, Default)]
pub struct Second {
    /// Round trips of the moves sent in that second.
    pub move_rtt: Latency,
    /// Frames both ways counted in that second.
    pub frames: u64,
}

/// The part behind the lock.
#[derive(Debug, Default)]
pub struct Tallies {
    /// Every move's round trip.
    pub move_rtt: Latency,
    /// Round trips of moves sent inside the steady window.
    pub steady_move_rtt: Latency,
    /// Round trips of each player's first move in a room.
    pub first_move_rtt: Latency,
    /// Round trips of every later move.
    pub later_move_rtt: Latency,
    /// Ticket opened to `Matched` received.
    pub time_to_match: Latency,
    /// Matches made inside the steady window.
    pub steady_matches: u64,
    /// Shots sent.
    pub shots: u64,
    /// Shots resolved by the room.
    pub resolved: u64,
    /// Shots the game ended without resolving.
    pub unresolved: u64,
    /// Aim updates sent.
    pub aims: u64,
    /// A bot's own turns that timed out.
    pub own_timeouts: u64,
    /// Refusals from rooms.
    pub refusals: u64,
    /// Times a bot rejoined its room after its connection dropped.
    pub reconnects: u64,
    /// Times a bot cut its own connection (fault injection).
    pub cuts: u64,
    /// Moves sent on a connection that was then lost, never resolved.
    pub lost_with_connection: u64,
    /// Moves whose fate a rejoin's fresh welcome hid.
    pub hidden_by_welcome: u64,
    /// Games each guest saw to the end, by player id.
    pub players: BTreeMap<String, u32>,
    /// Games by room.
    pub rooms: BTreeMap<String, RoomTally>,
    /// Errors by kind.
    pub errors: BTreeMap<String, u64>,
    /// The first few error messages.
    pub error_samples: Vec<String>,
    /// Per-second timeline, by second since the start.
    pub seconds: Vec<Second>,
    /// How late the run's 100 ms watcher woke: the load tool's own lag.
    pub timer_lag: Latency,
    /// Every move, when the run keeps them ([`Recorder::logging_moves`]).
    pub move_log: Option<MoveLog>,
}

/// Shared by every player task of a run.
#[derive(Debug)]
pub struct Recorder {
    /// When the run started, by the monotonic clock and the wall clock
    /// (the move log's).
    clock: WallClock,
    steady: (Instant, Instant),
    /// Live counts.
    pub gauges: Gauges,
    /// Frames and bytes of every connection.
    pub traffic: std::sync::Arc<Traffic>,
    tallies: Mutex<Tallies>,
}

impl Recorder {
    /// A recorder for a run starting now whose steady window is
    /// `[start + warmup, start + warmup + window)`.
    pub fn new(warmup: Duration, window: Duration) -> Self {
        let clock = WallClock::now();
        let start = clock.instant();
        Self {
            clock,
            steady: (start + warmup, start + warmup + window),
            gauges: Gauges::default(),
            traffic: std::sync::Arc::default(),
            tallies: Mutex::default(),
        }
    }

    /// This recorder, keeping every move ([`MoveLog`]) too.
    pub fn logging_moves(self) -> Self {
        self.with(|t| t.move_log = Some(MoveLog::default()));
        self
    }

    /// When the run started.
    pub fn start(&self) -> Instant {
        self.clock.instant()
    }

    fn in_steady(&self, at: Instant) -> bool {
        at >= self.steady.0 && at < self.steady.1
    }

    fn with<R>(&self, f: impl FnOnce(&mut Tallies) -> R) -> R {
        // A panicking player task cannot leave the tallies half-written in
        // a way that matters more than the panic itself, so poison is ignored.
        let mut tallies = self.tallies.lock().unwrap_or_else(|e| e.into_inner());
        f(&mut tallies)
    }

    fn second(tallies: &mut Tallies, index: usize) -> &mut Second {
        if tallies.seconds.len() <= index {
            tallies.seconds.resize_with(index + 1, Second::default);
        }
        &mut tallies.seconds[index]
    }

    /// A ticket opened at `opened` was matched now.
    pub fn matched(&self, opened: Instant) {
        let now = Instant::now();
        self.with(|t| {
            t.time_to_match.record(now - opened);
            if self.in_steady(now) {
                t.steady_matches += 1;
            }
        });
    }

    /// A bot joins `room` to play.
    pub fn joined(&self, room: &RoomId) {
        self.with(|t| t.rooms.entry(room.0.clone()).or_default().players_joined += 1);
    }

    /// A player (a guest's player id, if it plays as one) finished a game.
    pub fn game(&self, player: Option<&str>, report: &GameReport) {
        self.gauges.player_games.fetch_add(1, Ordering::Relaxed);
        self.with(|t| {
            t.shots += u64::from(report.shots);
            t.resolved += report.moves.len() as u64;
            t.unresolved += u64::from(report.unresolved);
            t.aims += u64::from(report.aims);
            t.own_timeouts += u64::from(report.own_timeouts);
            t.refusals += u64::from(report.refusals);
            t.reconnects += u64::from(report.reconnects);
            t.cuts += u64::from(report.cuts);
            t.lost_with_connection += u64::from(report.lost_with_connection);
            t.hidden_by_welcome += u64::from(report.hidden_by_welcome);
            if let Some(player) = player {
                *t.players.entry(player.to_string()).or_default() += 1;
            }
            for (index, timing) in report.moves.iter().enumerate() {
                t.move_rtt.record(timing.round_trip);
                match index {
                    0 => t.first_move_rtt.record(timing.round_trip),
                    _ => t.later_move_rtt.record(timing.round_trip),
                }
                if self.in_steady(timing.sent) {
                    t.steady_move_rtt.record(timing.round_trip);
                }
                let second = (timing.sent - self.start()).as_secs() as usize;
                Self::second(t, second).move_rtt.record(timing.round_trip);
            }
            if let Some(log) = t.move_log.as_mut() {
                log.game(&self.clock, report);
            }
            let room = t.rooms.entry(report.room.0.clone()).or_default();
            room.players_finished += 1;
            room.moves += report.moves.len() as u32;
        });
        self.sent_moves(report);
        // A game with a problem is an error too, even if no frame failed.
        if report.unresolved > 0 {
            self.error_kind("unresolved_move", format!("room {}", report.room));
        }
        if report.own_timeouts > 0 {
            self.error_kind(
                "own_turn_timed_out",
                format!("room {} seat {}", report.room, report.seat.0),
            );
        }
        if report.refusals > 0 {
            self.error_kind("move_refused", format!("room {}", report.room));
        }
    }

    /// Keeps the moves a player sent in its room, for the check of the
    /// room's log. A game that ended with an error keeps only these: its
    /// room may have logged them all the same.
    pub fn sent_moves(&self, report: &GameReport) {
        self.with(|t| {
            t.rooms
                .entry(report.room.0.clone())
                .or_default()
                .sent
                .extend(report.sent.iter().map(|mv| (report.seat, mv.clone())));
        });
    }

    /// A player's request or game failed.
    pub fn error(&self, error: &ClientError) {
        self.error_kind(&error.kind(), error.to_string());
    }

    /// Counts an error, its sample saying where it happened (`at`: the
    /// ticket, or the room, seat and how far the game had got).
    pub fn error_at(&self, at: &str, error: &ClientError) {
        self.error_kind(&error.kind(), format!("{at}: {error}"));
    }

    /// Counts an error of `kind`.
    pub fn error_kind(&self, kind: &str, message: String) {
        self.gauges.errors.fetch_add(1, Ordering::Relaxed);
        self.with(|t| {
            let count = t.errors.entry(kind.to_string()).or_default();
            *count += 1;
            // The first of each kind, and the first few of any.
            if *count == 1 || t.error_samples.len() < ERROR_SAMPLES {
                t.error_samples.push(format!("{kind}: {message}"));
            }
        });
    }

    /// The run's watcher woke `lag` later than asked.
    pub fn timer_lag(&self, lag: Duration) {
        self.with(|t| t.timer_lag.record(lag));
    }

    /// Notes the frames counted since the last call, in this second.
    pub fn frames_until_now(&self, since: &mut TrafficCount) {
        let now = self.traffic.read();
        let frames = now.since(since).frames();
        *since = now;
        let second = self.start().elapsed().as_secs() as usize;
        self.with(|t| Self::second(t, second).frames += frames);
    }

    /// Everything recorded, for the report (the recorder is left empty).
    pub fn take_tallies(&self) -> Tallies {
        std::mem::take(&mut *self.tallies.lock().unwrap_or_else(|e| e.into_inner()))
    }
}
