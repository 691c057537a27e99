//! How a room is stored: five tables in the room's own SQLite database.
//!
//! | table | rows | written |
//! |---|---|---|
//! | `room` | one: the room record (set-up, game state, phase, counters) | after every change |
//! | `actions` | the action log: `number`, `at_ms`, `action` (bincode) | once per accepted action, append-only |
//! | `events` | the event log: `seq`, `frame` (the `Event` frame in protocol version 1) | with its action, append-only |
//! | `timers` | at most one per kind: `kind`, `due_ms`, `epoch` | when the room sets or cancels a timer |
//! | `tallies` | what the room counted for the dashboard, by `minute` and `name` ([`crate::tally`]) | when it counts; emptied once its shard has them |
//!
//! SQLite storage is synchronous and a Durable Object's writes between two
//! awaits are committed together, so an action, its events and the room
//! record land together or not at all, and before any frame announcing
//! them leaves (the runtime holds outgoing messages until writes are
//! durable). Every value that can exceed 2^53 is inside a bincode blob,
//! because SQL integers cross into JavaScript as doubles.
//!
//! Formats: the record has its own ([`super::record`]). Logged events and
//! actions carry theirs ([`crate::blob`]): this release writes format 1,
//! the first release's (an event is a protocol version 1 `Event` frame,
//! which the first release sends as it is), and reads format 2 too (a
//! tagged version 2 frame; [`super::outbound::logged_events`] gives each
//! socket its version).

use super::effects::{Timer, TimerKind};
use super::outbound::Encoded;
use super::record::RoomRecord;
use crate::alarm;
use crate::error::Result;
use crate::sql::{
    any_row, blob, bytes, first_row, first_unsigned, from_blob, integer, placeholders,
    rows_per_statement, text, unsigned,
};
use crate::tally::table::{TALLIES_TABLE, Tallies};
use volley_shared::Game;
use volley_shared::protocol::v1;
use volley_shared::replay::{Action, LoggedAction};
use worker::{SqlStorage, SqlStorageValue};

impl<G: Game> crate::blob::Versioned for Action<G> {
    const NAME: &'static str = "logged action";
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS room (id INTEGER PRIMARY KEY CHECK (id = 1), record BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS actions (number INTEGER PRIMARY KEY, at_ms INTEGER NOT NULL, action BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS events (seq INTEGER PRIMARY KEY, frame BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS timers (kind TEXT PRIMARY KEY, due_ms INTEGER NOT NULL, epoch INTEGER NOT NULL);
";

/// The room's tables.
pub struct Storage {
    sql: SqlStorage,
}

impl Storage {
    /// Opens the tables, creating them if this is a new room.
    pub fn open(sql: SqlStorage) -> Result<Storage> {
        // One statement list, one call: a room is opened once per match.
        sql.exec(
            &format!("{SCHEMA}{}{TALLIES_TABLE}", alarm::ALARM_TABLE),
            None,
        )?;
        Ok(Storage { sql })
    }

    /// Whether this object holds a room at all, asked without creating
    /// anything: a request for a room that never existed, or was deleted,
    /// must not leave tables behind.
    pub fn holds_a_room(sql: &SqlStorage) -> Result<bool> {
        any_row(sql.exec(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'room'",
            None,
        )?)
    }

    /// Opens tables that [`Storage::open`] already created in this
    /// object's storage (the caller keeps track; after `delete_all` they
    /// are gone).
    pub fn existing(sql: SqlStorage) -> Storage {
        Storage { sql }
    }

    /// What the room counts for the dashboard, until its shard has it.
    pub fn tallies(&self) -> Tallies<'_> {
        Tallies::new(&self.sql)
    }

    /// Reads the room's record, if it has been initialised.
    pub fn load(&self) -> Result<Option<RoomRecord>> {
        let Some(mut values) = first_row(
            self.sql
                .exec("SELECT record FROM room WHERE id = 1", None)?,
        )?
        else {
            return Ok(None);
        };
        let stored = bytes(values.next())?;
        Ok(Some(RoomRecord::from_blob(&stored)?))
    }

    /// Writes the room's record.
    pub fn save(&self, record: &RoomRecord) -> Result<()> {
        self.sql.exec(
            "INSERT OR REPLACE INTO room (id, record) VALUES (1, ?)",
            vec![SqlStorageValue::Blob(record.to_blob()?)],
        )?;
        Ok(())
    }

    /// Appends an action and its event frames (stored in the version 1
    /// encoding [`Encoded`] already holds) to the logs. Fails (and
    /// writes nothing more) if a number is already taken: the logs never
    /// change what they hold.
    pub fn append<G: Game>(
        &self,
        action: &LoggedAction<G>,
        events: &[(u64, Encoded)],
    ) -> Result<()> {
        self.sql.exec(
            "INSERT INTO actions (number, at_ms, action) VALUES (?, ?, ?)",
            vec![
                integer(action.number)?,
                integer(action.at_ms)?,
                blob(&action.action)?,
            ],
        )?;
        // One statement for a whole action's events (a shot's are two or
        // three), in as few as the binding limit allows.
        for chunk in events.chunks(rows_per_statement(2)) {
            let rows = placeholders(chunk.len(), 2);
            let mut values = Vec::with_capacity(2 * chunk.len());
            for (seq, frame) in chunk {
                values.push(integer(*seq)?);
                values.push(SqlStorageValue::Blob(
                    frame.for_version(v1::VERSION).to_vec(),
                ));
            }
            self.sql.exec(
                &format!("INSERT INTO events (seq, frame) VALUES {rows}"),
                values,
            )?;
        }
        Ok(())
    }

    /// The logged event frames after `seq`, in order, as stored (protocol
    /// version 1).
    pub fn events_after(&self, seq: u64) -> Result<Vec<Vec<u8>>> {
        self.sql
            .exec(
                "SELECT frame FROM events WHERE seq > ? ORDER BY seq",
                vec![integer(seq)?],
            )?
            .raw()
            .map(|row| bytes(row?.into_iter().next()))
            .collect()
    }

    /// The whole action log, in order.
    pub fn actions<G: Game>(&self) -> Result<Vec<LoggedAction<G>>> {
        self.sql
            .exec(
                "SELECT number, at_ms, action FROM actions ORDER BY number",
                None,
            )?
            .raw()
            .map(|row| {
                let mut values = row?.into_iter();
                Ok(LoggedAction {
                    number: unsigned(values.next())?,
                    at_ms: unsigned(values.next())?,
                    action: from_blob(values.next())?,
                })
            })
            .collect()
    }

    /// Starts or moves a timer.
    pub fn set_timer(&self, timer: Timer) -> Result<()> {
        self.sql.exec(
            "INSERT OR REPLACE INTO timers (kind, due_ms, epoch) VALUES (?, ?, ?)",
            vec![
                timer.kind.as_str().into(),
                integer(timer.due_ms)?,
                integer(timer.epoch)?,
            ],
        )?;
        Ok(())
    }

    /// Drops a timer, if pending.
    pub fn cancel_timer(&self, kind: TimerKind) -> Result<()> {
        self.sql.exec(
            "DELETE FROM timers WHERE kind = ?",
            vec![kind.as_str().into()],
        )?;
        Ok(())
    }

    /// Whether a timer of this kind is pending.
    pub fn has_timer(&self, kind: TimerKind) -> Result<bool> {
        let cursor = self.sql.exec(
            "SELECT 1 FROM timers WHERE kind = ? LIMIT 1",
            vec![kind.as_str().into()],
        )?;
        Ok(first_unsigned(cursor)?.is_some())
    }

    /// Every timer due at `now_ms`, earliest first. They stay in the table
    /// until [`Storage::forget_timer`] removes each in the same write as its
    /// work, so a reset halfway through an alarm loses none: the runtime
    /// retries the alarm and finds the rest still due. (A due timer of a
    /// kind this build does not know, from a newer one, is dropped here.)
    pub fn due_timers(&self, now_ms: u64) -> Result<Vec<Timer>> {
        let now = integer(now_ms)?;
        let rows: Vec<Vec<SqlStorageValue>> = self
            .sql
            .exec(
                "SELECT kind, due_ms, epoch FROM timers WHERE due_ms <= ? ORDER BY due_ms",
                vec![now],
            )?
            .raw()
            .collect::<worker::Result<_>>()?;
        let mut due = Vec::new();
        for row in rows {
            let mut values = row.into_iter();
            let name = text(values.next());
            match name.as_deref().and_then(TimerKind::parse) {
                Some(kind) => due.push(Timer {
                    kind,
                    due_ms: unsigned(values.next())?,
                    epoch: unsigned(values.next())?,
                }),
                None => {
                    self.sql
                        .exec("DELETE FROM timers WHERE kind = ?", vec![name.into()])?;
                }
            }
        }
        Ok(due)
    }

    /// Removes exactly this timer, if it is still pending as it was (a
    /// timer its own work set again is kept).
    pub fn forget_timer(&self, timer: &Timer) -> Result<()> {
        self.sql.exec(
            "DELETE FROM timers WHERE kind = ? AND due_ms = ? AND epoch = ?",
            vec![
                timer.kind.as_str().into(),
                integer(timer.due_ms)?,
                integer(timer.epoch)?,
            ],
        )?;
        Ok(())
    }

    /// When the alarm this room last set rings (or rang); `None` if it
    /// never set one or deleted it.
    pub fn alarm_ms(&self, noted: &alarm::Noted) -> Result<Option<u64>> {
        noted.get(&self.sql)
    }

    /// Notes the time the alarm was set to, or that it was deleted.
    pub fn note_alarm_ms(&self, noted: &alarm::Noted, at_ms: Option<u64>) -> Result<()> {
        noted.set(&self.sql, at_ms)
    }

    /// When the earliest pending timer is due.
    pub fn next_due_ms(&self) -> Result<Option<u64>> {
        let row = first_row(self.sql.exec("SELECT MIN(due_ms) FROM timers", None)?)?;
        match row.and_then(|mut values| values.next()) {
            None | Some(SqlStorageValue::Null) => Ok(None),
            value => unsigned(value).map(Some),
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::blob::{self, Kind};
    use volley_shared::Seat;
    use volley_shared::artillery::{Aim, Artillery, Fire, Weapon};
    use volley_shared::replay::Action;

    /// Logged actions as the first release stored them (committed
    /// fixtures): this release reads them and writes the same bytes.
    #[test]
    fn actions_logged_by_the_first_release_still_read() {
        let fixtures = [
            (include_str!("fixtures/action-v1-begin.hex"), Action::Begin),
            (
                include_str!("fixtures/action-v1-move.hex"),
                Action::Move {
                    seat: Seat(1),
                    mv: Fire {
                        aim: Aim {
                            angle_deg: 135,
                            power: 72,
                        },
                        weapon: Weapon::Heavy,
                    },
                },
            ),
            (
                include_str!("fixtures/action-v1-time-out.hex"),
                Action::TimeOut,
            ),
            (
                include_str!("fixtures/action-v1-resign.hex"),
                Action::Resign { seat: Seat(0) },
            ),
        ];
        for (text, action) in fixtures {
            let bytes = hex::decode(text.trim()).unwrap();
            let read: Action<Artillery> = blob::decode(Kind::Stored, &bytes).unwrap();
            assert_eq!(read, action);
            assert_eq!(blob::encode(Kind::Stored, &action).unwrap(), bytes);
        }
    }

    #[test]
    fn actions_tagged_as_format_2_read_the_same() {
        let action: Action<Artillery> = blob::assert_fixtures(
            Kind::Stored,
            include_str!("fixtures/action-v1-move.hex"),
            include_str!("fixtures/action-v2-move.hex"),
        );
        assert!(matches!(action, Action::Move { seat: Seat(1), .. }));
    }
}
