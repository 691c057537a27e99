//! Every move of a run, one line each (`volley-bot load --moves`,
//! `volley-bot bench --moves`): when it was sent, by the wall clock, and its
//! round trip, so it can be lined up with what the server did at the same
//! time (`scripts/trace-moves` lines it up with the Worker's storage
//! syscalls). `load` keeps it only when asked for, as a long run sends
//! many moves; `bench`'s move round trip step always does (a few thousand
//! moves), to tell each game's last move apart.

use crate::load::latency::Latency;
use crate::native::GameReport;
use std::collections::HashMap;
use std::io::Write;
use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tokio::time::Instant;

/// The CSV file's first line.
pub const CSV_HEADER: &str = "sent_unix_us,round_trip_us,index,room,seat";

/// One move.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MoveLine {
    /// When it was sent: microseconds since the Unix epoch.
    pub sent_unix_us: u64,
    /// Sent to the room's resolving event received.
    pub round_trip: Duration,
    /// Its player's how-manieth move in the game: 0 for the first.
    pub index: usize,
    /// The room.
    pub room: String,
    /// The mover's seat.
    pub seat: u8,
}

/// The moves of a run, in the order their games ended.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct MoveLog {
    /// One per move.
    pub lines: Vec<MoveLine>,
}

/// Turns the run's monotonic instants into wall-clock times: the two
/// clocks read at the same moment.
#[derive(Clone, Copy, Debug)]
pub struct WallClock {
    instant: Instant,
    wall: SystemTime,
}

impl WallClock {
    /// Both clocks, now.
    pub fn now() -> Self {
        Self {
            instant: Instant::now(),
            wall: SystemTime::now(),
        }
    }

    /// The monotonic clock's reading.
    pub fn instant(&self) -> Instant {
        self.instant
    }

    /// Microseconds since the Unix epoch at `at` (0 before 1970).
    pub fn unix_us(&self, at: Instant) -> u64 {
        let wall = if at >= self.instant {
            self.wall.checked_add(at - self.instant)
        } else {
            self.wall.checked_sub(self.instant - at)
        };
        wall.and_then(|wall| wall.duration_since(UNIX_EPOCH).ok())
            .map_or(0, |d| u64::try_from(d.as_micros()).unwrap_or(u64::MAX))
    }
}

impl MoveLog {
    /// Adds the moves of one player's game.
    pub fn game(&mut self, clock: &WallClock, report: &GameReport) {
        self.lines.extend(
            report
                .moves
                .iter()
                .enumerate()
                .map(|(index, timing)| MoveLine {
                    sent_unix_us: clock.unix_us(timing.sent),
                    round_trip: timing.round_trip,
                    index,
                    room: report.room.0.clone(),
                    seat: report.seat.0,
                }),
        );
    }

    /// Adds another run's.
    pub fn add(&mut self, other: MoveLog) {
        self.lines.extend(other.lines);
    }

    /// The round trip of each room's latest move, whoever made it: the
    /// move that ended its game, in a game a shot ended. A game's end
    /// brings work a move in the middle of it does not (the result report,
    /// its tallies), so the benchmark shows these apart.
    pub fn last_in_each_room(&self) -> Latency {
        let mut latest: HashMap<&str, &MoveLine> = HashMap::new();
        for line in &self.lines {
            let entry = latest.entry(line.room.as_str()).or_insert(line);
            if line.sent_unix_us > entry.sent_unix_us {
                *entry = line;
            }
        }
        let mut latency = Latency::default();
        for line in latest.values() {
            latency.record(line.round_trip);
        }
        latency
    }

    /// Writes the log as CSV ([`CSV_HEADER`]), sorted by when each move
    /// was sent.
    pub fn write_csv(&self, out: &mut impl Write) -> std::io::Result<()> {
        let mut lines: Vec<&MoveLine> = self.lines.iter().collect();
        lines.sort_by_key(|line| line.sent_unix_us);
        writeln!(out, "{CSV_HEADER}")?;
        for line in lines {
            writeln!(
                out,
                "{},{},{},{},{}",
                line.sent_unix_us,
                line.round_trip.as_micros(),
                line.index,
                line.room,
                line.seat
            )?;
        }
        Ok(())
    }

    /// Writes the log as CSV to the file at `path`.
    pub fn save(&self, path: &Path) -> Result<(), SaveError> {
        let write = || {
            let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
            self.write_csv(&mut out)?;
            out.flush()
        };
        write().map_err(|source| SaveError {
            path: path.to_path_buf(),
            source,
        })
    }
}

/// A move log that could not be written, and where.
#[derive(Debug, thiserror::Error)]
#[error("could not write {}", path.display())]
pub struct SaveError {
    /// The file.
    pub path: std::path::PathBuf,
    /// Why.
    #[source]
    pub source: std::io::Error,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::native::MoveTiming;
    use volley_shared::{RoomId, Seat};

    #[test]
    fn the_clock_gives_each_instant_its_wall_time() {
        let clock = WallClock::now();
        let base = clock.unix_us(clock.instant);
        let later = clock.instant + Duration::from_millis(1500);
        assert_eq!(clock.unix_us(later) - base, 1_500_000);
        let earlier = clock.instant - Duration::from_millis(2);
        assert_eq!(base - clock.unix_us(earlier), 2_000);
        // Today, give or take a minute.
        let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
        assert!(base.abs_diff(now.as_micros() as u64) < 60_000_000);
    }

    #[test]
    fn each_move_is_a_line_in_the_order_sent() {
        let clock = WallClock::now();
        let mut game = GameReport::empty(RoomId("r1".into()), Seat(1));
        game.moves = [5_u64, 1]
            .iter()
            .map(|&ms| MoveTiming {
                sent: clock.instant + Duration::from_millis(ms),
                round_trip: Duration::from_micros(1234 + ms),
            })
            .collect();
        let mut log = MoveLog::default();
        log.game(&clock, &game);
        let mut other = MoveLog::default();
        other.game(&clock, &GameReport::empty(RoomId("r2".into()), Seat(0)));
        log.add(other);
        assert_eq!(log.lines.len(), 2, "a game without moves adds no line");
        let mut csv = Vec::new();
        log.write_csv(&mut csv).unwrap();
        let base = clock.unix_us(clock.instant);
        assert_eq!(
            String::from_utf8(csv).unwrap(),
            format!(
                "{CSV_HEADER}\n{},1235,1,r1,1\n{},1239,0,r1,1\n",
                base + 1_000,
                base + 5_000
            )
        );
    }

    #[test]
    fn each_rooms_latest_move_is_its_last_whoever_made_it() {
        let clock = WallClock::now();
        let player = |room: &str, seat: u8, moves: &[(u64, u64)]| {
            let mut game = GameReport::empty(RoomId(room.into()), Seat(seat));
            game.moves = moves
                .iter()
                .map(|&(sent_ms, round_trip_us)| MoveTiming {
                    sent: clock.instant + Duration::from_millis(sent_ms),
                    round_trip: Duration::from_micros(round_trip_us),
                })
                .collect();
            game
        };
        let mut log = MoveLog::default();
        // r1: seat 1 moved last (at 7 ms); r2: seat 0 did (at 12 ms).
        log.game(&clock, &player("r1", 0, &[(1, 100), (5, 200)]));
        log.game(&clock, &player("r1", 1, &[(3, 300), (7, 4_000)]));
        log.game(&clock, &player("r2", 0, &[(10, 500), (12, 6_000)]));
        log.game(&clock, &player("r2", 1, &[(11, 700)]));
        let last = log.last_in_each_room();
        assert_eq!(last.count(), 2, "one move per room");
        assert_eq!(last.quantile_ms(0.0).round(), 4.0);
        assert_eq!(last.quantile_ms(1.0).round(), 6.0);
        assert_eq!(MoveLog::default().last_in_each_room().count(), 0);
    }

    #[test]
    fn a_log_that_cannot_be_written_says_where() {
        let path = Path::new("/nonexistent-volley-dir/moves.csv");
        let err = MoveLog::default().save(path).unwrap_err();
        assert_eq!(err.path, path);
        assert_eq!(
            err.to_string(),
            "could not write /nonexistent-volley-dir/moves.csv"
        );
    }
}
