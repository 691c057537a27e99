//! How a coordinator shard is stored: three tables in its SQLite database.
//!
//! | table | rows |
//! |---|---|
//! | `tickets` | one per ticket: `id`, `party` (the key of a party still forming), `complete` (0 while a party waits for members), `record` (bincode [`StoredTicket`]) |
//! | `rooms_created` | one per room this shard created: `room_id`, `location_hint`, `created_at_ms` |
//! | `waits` | one per matched ticket: how long it waited, and when |
//!
//! The queue is in SQLite, not in memory, so an evicted or restarted
//! coordinator keeps it. A ticket is deleted in the same synchronous step
//! that matches it, before the coordinator awaits anything, so no ticket is
//! ever matched twice.

use super::queue::Ticket;
use crate::sql::{blob, from_blob, integer, text, unsigned};
use serde::{Deserialize, Serialize};
use worker::{Result, SqlStorage, SqlStorageValue};

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS tickets (id INTEGER PRIMARY KEY, party TEXT, complete INTEGER NOT NULL, record BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS rooms_created (room_id TEXT PRIMARY KEY, location_hint TEXT, created_at_ms INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS waits (id INTEGER PRIMARY KEY AUTOINCREMENT, wait_ms INTEGER NOT NULL, at_ms INTEGER NOT NULL);
";

/// The waits kept for the statistics.
const WAITS_KEPT: u64 = 1_000;

/// A ticket as stored: complete, or a party still gathering its members.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StoredTicket {
    /// The ticket.
    pub ticket: Ticket,
    /// How many members it needs before it queues.
    pub want: usize,
    /// The party's key, for a party.
    pub party: Option<String>,
}

impl StoredTicket {
    /// Whether every member is there.
    pub fn complete(&self) -> bool {
        self.ticket.size() >= self.want
    }
}

/// The shard's tables.
pub struct Storage {
    sql: SqlStorage,
}

impl Storage {
    /// Opens the tables, creating them if needed.
    pub fn open(sql: SqlStorage) -> Result<Storage> {
        sql.exec(SCHEMA, None)?;
        Ok(Storage { sql })
    }

    /// Writes a ticket, new or changed.
    pub fn put_ticket(&self, stored: &StoredTicket) -> Result<()> {
        let party = if stored.complete() {
            None
        } else {
            stored.party.clone()
        };
        self.sql.exec(
            "INSERT OR REPLACE INTO tickets (id, party, complete, record) VALUES (?, ?, ?, ?)",
            vec![
                integer(stored.ticket.id)?,
                party.into(),
                i64::from(stored.complete()).into(),
                blob(stored)?,
            ],
        )?;
        Ok(())
    }

    /// Deletes a ticket; whether it was there.
    pub fn delete_ticket(&self, id: u64) -> Result<bool> {
        let cursor = self
            .sql
            .exec("DELETE FROM tickets WHERE id = ?", vec![integer(id)?])?;
        Ok(cursor.rows_written() > 0)
    }

    /// One ticket.
    pub fn ticket(&self, id: u64) -> Result<Option<StoredTicket>> {
        self.records(
            "SELECT record FROM tickets WHERE id = ?",
            vec![integer(id)?],
        )
        .map(|mut found| found.pop())
    }

    /// The party still forming under this key, if any.
    pub fn forming_party(&self, key: &str) -> Result<Option<StoredTicket>> {
        self.records(
            "SELECT record FROM tickets WHERE party = ? AND complete = 0",
            vec![key.into()],
        )
        .map(|mut found| found.pop())
    }

    /// Every complete ticket, the queue proper.
    pub fn queue(&self) -> Result<Vec<Ticket>> {
        Ok(self
            .records("SELECT record FROM tickets WHERE complete = 1", vec![])?
            .into_iter()
            .map(|stored| stored.ticket)
            .collect())
    }

    /// Tickets in the queue and parties still forming.
    pub fn counts(&self) -> Result<(u64, u64)> {
        let rows: Vec<Vec<SqlStorageValue>> = self
            .sql
            .exec(
                "SELECT COUNT(*) FILTER (WHERE complete = 1), COUNT(*) FILTER (WHERE complete = 0) FROM tickets",
                None,
            )?
            .raw()
            .collect::<Result<_>>()?;
        let mut values = rows.into_iter().flatten();
        Ok((unsigned(values.next())?, unsigned(values.next())?))
    }

    /// Notes a room this shard created.
    pub fn record_room(&self, room_id: &str, hint: Option<&str>, now_ms: u64) -> Result<()> {
        self.sql.exec(
            "INSERT INTO rooms_created (room_id, location_hint, created_at_ms) VALUES (?, ?, ?)",
            vec![
                room_id.into(),
                hint.map(str::to_string).into(),
                integer(now_ms)?,
            ],
        )?;
        Ok(())
    }

    /// Notes how long a matched ticket waited, keeping the latest
    /// [`WAITS_KEPT`].
    pub fn record_wait(&self, wait_ms: u64, now_ms: u64) -> Result<()> {
        self.sql.exec(
            "INSERT INTO waits (wait_ms, at_ms) VALUES (?, ?)",
            vec![integer(wait_ms)?, integer(now_ms)?],
        )?;
        self.sql.exec(
            "DELETE FROM waits WHERE id <= (SELECT MAX(id) FROM waits) - ?",
            vec![integer(WAITS_KEPT)?],
        )?;
        Ok(())
    }

    /// The latest waits, in ms.
    pub fn waits(&self) -> Result<Vec<u64>> {
        self.sql
            .exec("SELECT wait_ms FROM waits", None)?
            .raw()
            .map(|row| unsigned(row?.into_iter().next()))
            .collect()
    }

    /// Rooms created, in all and per location hint (`none` for no hint),
    /// and the latest few.
    pub fn rooms(&self) -> Result<RoomCounts> {
        let per_hint = self
            .sql
            .exec(
                "SELECT COALESCE(location_hint, 'none'), COUNT(*) FROM rooms_created GROUP BY 1 ORDER BY 1",
                None,
            )?
            .raw()
            .map(|row| {
                let mut values = row?.into_iter();
                let hint = text(values.next()).unwrap_or_default();
                Ok((hint, unsigned(values.next())?))
            })
            .collect::<Result<Vec<_>>>()?;
        let recent = self
            .sql
            .exec(
                "SELECT room_id, location_hint, created_at_ms FROM rooms_created ORDER BY created_at_ms DESC LIMIT 20",
                None,
            )?
            .raw()
            .map(|row| {
                let mut values = row?.into_iter();
                let room_id = text(values.next()).unwrap_or_default();
                let location_hint = text(values.next());
                Ok((room_id, location_hint, unsigned(values.next())?))
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(RoomCounts { per_hint, recent })
    }

    fn records(&self, query: &str, bindings: Vec<SqlStorageValue>) -> Result<Vec<StoredTicket>> {
        self.sql
            .exec(query, bindings)?
            .raw()
            .map(|row| from_blob(row?.into_iter().next()))
            .collect()
    }
}

/// Rooms created by one shard.
pub struct RoomCounts {
    /// Per location hint, with `none` for rooms created without one.
    pub per_hint: Vec<(String, u64)>,
    /// The latest rooms: id, hint, creation time.
    pub recent: Vec<(String, Option<String>, u64)>,
}
