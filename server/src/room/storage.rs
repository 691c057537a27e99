//! How a room is stored: four tables in the room's own SQLite database.
//!
//! | table | rows | written |
//! |---|---|---|
//! | `room` | one: the room record (set-up, game state, phase, counters) | after every change |
//! | `actions` | the action log: `number`, `at_ms`, `action` (bincode) | once per accepted action, append-only |
//! | `events` | the event log: `seq`, `frame` (the encoded `Event` frame as broadcast) | with its action, append-only |
//! | `timers` | at most one per kind: `kind`, `due_ms`, `epoch` | when the room sets or cancels a timer |
//!
//! SQLite storage is synchronous and a Durable Object's writes between two
//! awaits are committed together, so an action, its events and the room
//! record land together or not at all, and before any frame announcing
//! them leaves (the runtime holds outgoing messages until writes are
//! durable). Every value that can exceed 2^53 is inside a bincode blob,
//! because SQL integers cross into JavaScript as doubles.

use super::durable::RoomGame;
use super::effects::{Commit, Timer, TimerKind};
use super::engine::Room;
use crate::alarm;
use crate::sql::{blob, from_blob, integer, text, unsigned};
use serde::{Deserialize, Serialize};
use volley_shared::codec;
use volley_shared::replay::LoggedAction;
use worker::{Error, Result, SqlStorage, SqlStorageValue};

/// Bumped when the stored layout changes incompatibly.
const RECORD_VERSION: u16 = 4;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS room (id INTEGER PRIMARY KEY CHECK (id = 1), record BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS actions (number INTEGER PRIMARY KEY, at_ms INTEGER NOT NULL, action BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS events (seq INTEGER PRIMARY KEY, frame BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS timers (kind TEXT PRIMARY KEY, due_ms INTEGER NOT NULL, epoch INTEGER NOT NULL);
";

/// Everything a room keeps in its one `room` row.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RoomRecord {
    /// Layout version of this record.
    pub version: u16,
    /// The room.
    pub room: Room<RoomGame>,
    /// The Durable Object id of the coordinator that created the room.
    pub created_by: String,
    /// The location hint the room was created with.
    pub location_hint: Option<String>,
    /// When the room was created, in ms since the Unix epoch.
    pub created_at_ms: u64,
}

impl RoomRecord {
    /// A record for a new room.
    pub fn new(
        room: Room<RoomGame>,
        created_by: String,
        location_hint: Option<String>,
        now_ms: u64,
    ) -> Self {
        RoomRecord {
            version: RECORD_VERSION,
            room,
            created_by,
            location_hint,
            created_at_ms: now_ms,
        }
    }
}

/// The room's tables.
pub struct Storage {
    sql: SqlStorage,
}

impl Storage {
    /// Opens the tables, creating them if this is a new room.
    pub fn open(sql: SqlStorage) -> Result<Storage> {
        sql.exec(SCHEMA, None)?;
        sql.exec(alarm::ALARM_TABLE, None)?;
        Ok(Storage { sql })
    }

    /// Opens tables that [`Storage::open`] already created in this
    /// object's storage (the caller keeps track; after `delete_all` they
    /// are gone).
    pub fn existing(sql: SqlStorage) -> Storage {
        Storage { sql }
    }

    /// Reads the room's record, if it has been initialised.
    pub fn load(&self) -> Result<Option<RoomRecord>> {
        let cursor = self
            .sql
            .exec("SELECT record FROM room WHERE id = 1", None)?;
        let Some(row) = cursor.raw().next() else {
            return Ok(None);
        };
        let record: RoomRecord = from_blob(row?.into_iter().next())?;
        if record.version != RECORD_VERSION {
            return Err(Error::RustError(format!(
                "room record version {} is not supported (this build reads {RECORD_VERSION})",
                record.version
            )));
        }
        Ok(Some(record))
    }

    /// Writes the room's record.
    pub fn save(&self, record: &RoomRecord) -> Result<()> {
        self.sql.exec(
            "INSERT OR REPLACE INTO room (id, record) VALUES (1, ?)",
            vec![blob(record)?],
        )?;
        Ok(())
    }

    /// Appends an action and its event frames to the logs. Fails (and
    /// writes nothing more) if a number is already taken: the logs never
    /// change what they hold.
    pub fn append(&self, commit: &Commit<RoomGame>) -> Result<()> {
        let action = &commit.action;
        self.sql.exec(
            "INSERT INTO actions (number, at_ms, action) VALUES (?, ?, ?)",
            vec![
                integer(action.number)?,
                integer(action.at_ms)?,
                blob(&action.action)?,
            ],
        )?;
        for (seq, frame) in &commit.events {
            self.sql.exec(
                "INSERT INTO events (seq, frame) VALUES (?, ?)",
                vec![
                    integer(*seq)?,
                    SqlStorageValue::Blob(
                        codec::encode(frame).map_err(|e| Error::RustError(e.to_string()))?,
                    ),
                ],
            )?;
        }
        Ok(())
    }

    /// The encoded event frames after `seq`, in order.
    pub fn events_after(&self, seq: u64) -> Result<Vec<Vec<u8>>> {
        self.sql
            .exec(
                "SELECT frame FROM events WHERE seq > ? ORDER BY seq",
                vec![integer(seq)?],
            )?
            .raw()
            .map(|row| match row?.into_iter().next() {
                Some(SqlStorageValue::Blob(bytes)) => Ok(bytes),
                other => Err(Error::RustError(format!("event is not a blob: {other:?}"))),
            })
            .collect()
    }

    /// The whole action log, in order.
    pub fn actions(&self) -> Result<Vec<LoggedAction<RoomGame>>> {
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

    /// Removes and returns every timer due at `now_ms`, earliest first.
    pub fn take_due_timers(&self, now_ms: u64) -> Result<Vec<Timer>> {
        let now = integer(now_ms)?;
        let rows: Vec<Vec<SqlStorageValue>> = self
            .sql
            .exec(
                "SELECT kind, due_ms, epoch FROM timers WHERE due_ms <= ? ORDER BY due_ms",
                vec![now.clone()],
            )?
            .raw()
            .collect::<Result<_>>()?;
        self.sql
            .exec("DELETE FROM timers WHERE due_ms <= ?", vec![now])?;
        let mut due = Vec::new();
        for row in rows {
            let mut values = row.into_iter();
            // A kind this build does not know (from a newer one) is dropped.
            if let Some(kind) = text(values.next()).as_deref().and_then(TimerKind::parse) {
                due.push(Timer {
                    kind,
                    due_ms: unsigned(values.next())?,
                    epoch: unsigned(values.next())?,
                });
            }
        }
        Ok(due)
    }

    /// When the alarm this room last set rings (or rang); `None` if it
    /// never set one or deleted it.
    pub fn alarm_ms(&self) -> Result<Option<u64>> {
        alarm::noted_ms(&self.sql)
    }

    /// Notes the time the alarm was set to, or that it was deleted.
    pub fn note_alarm_ms(&self, at_ms: Option<u64>) -> Result<()> {
        alarm::note_ms(&self.sql, at_ms)
    }

    /// When the earliest pending timer is due.
    pub fn next_due_ms(&self) -> Result<Option<u64>> {
        let cursor = self.sql.exec("SELECT MIN(due_ms) FROM timers", None)?;
        match cursor.raw().next() {
            Some(row) => match row?.into_iter().next() {
                None | Some(SqlStorageValue::Null) => Ok(None),
                value => unsigned(value).map(Some),
            },
            None => Ok(None),
        }
    }
}
