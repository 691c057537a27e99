//! How a coordinator shard is stored: the tables in its SQLite database.
//!
//! | table | rows |
//! |---|---|
//! | `tickets` | one per ticket: `id`, `party` (the key of a party still forming), `complete` (0 while a party waits for members), `record` (bincode [`StoredTicket`]) |
//! | `rooms_created` | one per room this shard created: `room_id`, `location_hint`, `created_at_ms` |
//! | `room_records` | a view: a room with its build and ticket count; an insert into it records a room in one statement (its trigger writes `rooms_created`, `room_builds`, `match_tickets`, `room_counts`: [`rooms`]) |
//! | `room_builds` | one per public room this release's shard created: `room_id`, the `build` its object runs (a table of its own, so the previous release's inserts into `rooms_created` stay as they were) |
//! | `rooms_ended` | one per room this shard created that said it deleted itself (with its last counts), so it is no longer alive |
//! | `match_tickets` | one per public room this release's shard created: `room_id`, how many `tickets` its match was made from (a party that fills a room alone plays unrated) |
//! | `waits` | one per matched ticket: how long it waited, and when |
//! | `players` | the first releases: one per rated player of this mode (`player`, 16 hex digits, `name`, `rating`, `games`); now, in the mode's global shard, the mode's leaderboard, kept by the player objects ([`settled`]) |
//! | `results` | one per finished room that reported: `room_id`, `at_ms`, `record` (bincode) |
//! | `deliveries` | each person's line of a settled game until their player object took it ([`settled`]) |
//! | `player_matches` | the first releases: each rated player's games (`player`, `room_id`, `at_ms`, `result`, `rating_after`), which a player object adopts once |
//! | `private_rooms` | one per join code: `code`, `room_id`, `seats`, `claimed`, `expires_ms` |
//! | `guesses` | failed code guesses per client address in the current window |
//! | `members` | one per ticket socket in a ticket: its id, the `ticket`, the `player` ([`members`]) |
//! | `pending` | ticket sockets a previous release accepted with no valid first frame yet, and when their time is up ([`pending`]; this release keeps its own sockets' deadlines in their tags and in memory) |
//! | `arrivals` | in a regional shard, tickets that arrived in each of the last two minutes, to tell whether it is quiet ([`arrivals`]) |
//! | `players_seen` | when each player last played; players unseen for the retention are forgotten ([`seen`]) |
//! | `anonymous` | players this shard drew an id for (no guest token) until their game is settled: they are not rated ([`anonymous`]) |
//! | `tallies` | the last hour's counts for the dashboard, the shard's own and its rooms', by `minute` and `name` ([`crate::tally`]) |
//!
//! The queue is in SQLite, not in memory, so an evicted or restarted
//! coordinator keeps it. A ticket is deleted in the same synchronous step
//! that matches it, before the coordinator awaits anything, so no ticket is
//! ever matched twice.

mod anonymous;
mod arrivals;
mod members;
mod memory;
mod minutes;
mod pending;
mod rooms;
mod seen;
mod settled;
mod tickets;

pub use memory::Memory;
pub use rooms::RoomCounts;

use super::codes::{GUESS_WINDOW_MS, Guesses};
use super::queue::Ticket;
use crate::alarm;
use crate::error::Result;
use crate::sql::{
    first_row, first_two_unsigned, first_unsigned, from_blob, integer, placeholders, played_match,
    real, text, unsigned,
};
use crate::tally::table::{TALLIES_TABLE, Tallies};
use serde::{Deserialize, Serialize};
use std::rc::Rc;
use volley_shared::PlayerId;
use volley_shared::api::{Leader, PlayerRecord};
use worker::{SqlStorage, SqlStorageValue};

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS tickets (id INTEGER PRIMARY KEY, party TEXT, complete INTEGER NOT NULL, record BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS rooms_created (room_id TEXT PRIMARY KEY, location_hint TEXT, created_at_ms INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS waits (id INTEGER PRIMARY KEY AUTOINCREMENT, wait_ms INTEGER NOT NULL, at_ms INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS players (player TEXT PRIMARY KEY, name TEXT NOT NULL, rating REAL NOT NULL, games INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS players_by_rating ON players (rating DESC);
CREATE TABLE IF NOT EXISTS results (room_id TEXT PRIMARY KEY, at_ms INTEGER NOT NULL, record BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS private_rooms (code TEXT PRIMARY KEY, room_id TEXT NOT NULL, seats INTEGER NOT NULL, claimed INTEGER NOT NULL, expires_ms INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS room_builds (room_id TEXT PRIMARY KEY, build TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS match_tickets (room_id TEXT PRIMARY KEY, tickets INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS guesses (address TEXT PRIMARY KEY, window_start_ms INTEGER NOT NULL, failed INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS player_matches (player TEXT NOT NULL, room_id TEXT NOT NULL, at_ms INTEGER NOT NULL, result TEXT NOT NULL, rating_after REAL NOT NULL, PRIMARY KEY (player, room_id));
";

/// Games listed per player.
const RECENT_MATCHES: u64 = 20;

/// The waits kept for the statistics (up to [`WAITS_PRUNED_EVERY`] more
/// between two prunings).
const WAITS_KEPT: u64 = 1_000;

/// How many waits are noted between two prunings of the older ones.
const WAITS_PRUNED_EVERY: u64 = 64;
/// The most waits one insert notes: two values each, within
/// [`crate::sql::MAX_BINDINGS`].
const WAITS_PER_INSERT: usize = 40;

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

impl crate::blob::Versioned for StoredTicket {
    const NAME: &'static str = "stored ticket";
}

impl StoredTicket {
    /// Whether every member is there.
    pub fn complete(&self) -> bool {
        self.ticket.size() >= self.want
    }
}

/// The shard's tables, and what this instance keeps of them in memory.
pub struct Storage {
    sql: SqlStorage,
    memory: Rc<Memory>,
}

impl Storage {
    /// Opens the tables, creating them if needed.
    pub fn open(sql: SqlStorage) -> Result<Storage> {
        sql.exec(SCHEMA, None)?;
        sql.exec(members::MEMBERS_TABLE, None)?;
        sql.exec(pending::PENDING_TABLE, None)?;
        sql.exec(seen::SEEN_TABLE, None)?;
        sql.exec(anonymous::ANONYMOUS_TABLE, None)?;
        sql.exec(settled::DELIVERIES_TABLE, None)?;
        sql.exec(arrivals::ARRIVALS_TABLE, None)?;
        sql.exec(rooms::ROOMS_TABLES, None)?;
        sql.exec(alarm::ALARM_TABLE, None)?;
        sql.exec(TALLIES_TABLE, None)?;
        sql.exec(tickets::TICKETS_TRIGGER, None)?;
        Ok(Storage::existing(sql))
    }

    /// The last hour's counts for the dashboard.
    pub fn tallies(&self) -> Tallies<'_> {
        Tallies::new(&self.sql)
    }

    /// Opens tables that [`Storage::open`] already created in this
    /// object's storage.
    pub fn existing(sql: SqlStorage) -> Storage {
        Storage {
            sql,
            memory: Rc::default(),
        }
    }

    /// The tables with what the instance keeps of them in `memory` (shared
    /// by every `Storage` it opens), not a copy of its own.
    pub fn remembering(self, memory: &Rc<Memory>) -> Storage {
        Storage {
            memory: Rc::clone(memory),
            ..self
        }
    }

    /// When the alarm this shard last set rings (or rang).
    pub fn alarm_ms(&self, noted: &alarm::Noted) -> Result<Option<u64>> {
        noted.get(&self.sql)
    }

    /// Notes the time the alarm was set to, or that none is pending.
    pub fn note_alarm_ms(&self, noted: &alarm::Noted, at_ms: Option<u64>) -> Result<()> {
        noted.set(&self.sql, at_ms)
    }

    /// Notes how long the tickets matched in one run waited, keeping the latest
    /// [`WAITS_KEPT`].
    pub fn record_waits(&self, waits_ms: &[u64], now_ms: u64) -> Result<()> {
        // One statement for a run's matches, or a few for a large run: a
        // statement binds at most 100 values.
        for chunk in waits_ms.chunks(WAITS_PER_INSERT) {
            let rows = placeholders(chunk.len(), 2);
            let mut values = Vec::with_capacity(chunk.len() * 2);
            for wait_ms in chunk {
                values.push(integer(*wait_ms)?);
                values.push(integer(now_ms)?);
            }
            self.sql.exec(
                &format!("INSERT INTO waits (wait_ms, at_ms) VALUES {rows}"),
                values,
            )?;
            // Older ones go in batches, not at every wait (the first run
            // of an instance, then every `WAITS_PRUNED_EVERY`): a
            // statement saved per matched ticket, for at most a batch
            // more rows.
            let before = self.memory.waits_recorded.get();
            let after = before + chunk.len() as u64;
            self.memory.waits_recorded.set(after);
            if before == 0 || before / WAITS_PRUNED_EVERY != after / WAITS_PRUNED_EVERY {
                self.sql.exec(
                    "DELETE FROM waits WHERE id <= (SELECT MAX(id) FROM waits) - ?",
                    vec![integer(WAITS_KEPT)?],
                )?;
            }
        }
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

    /// A player this shard rated in the first releases (or, in a global
    /// shard, whose standing the player objects put on the leaderboard
    /// since), with the latest games it kept: what a player object adopts
    /// the first time it is asked about this mode.
    pub fn player(&self, player: PlayerId) -> Result<Option<PlayerRecord>> {
        let key = player.to_string();
        let Some(mut values) = first_row(self.sql.exec(
            "SELECT name, rating, games FROM players WHERE player = ?",
            vec![key.as_str().into()],
        )?)?
        else {
            return Ok(None);
        };
        let name = text(values.next()).unwrap_or_default();
        let rating = real(values.next())?;
        let games = unsigned(values.next())?;
        let recent = self
            .sql
            .exec(
                "SELECT room_id, at_ms, result, rating_after FROM player_matches WHERE player = ? ORDER BY at_ms DESC LIMIT ?",
                vec![key.as_str().into(), integer(RECENT_MATCHES)?],
            )?
            .raw()
            .map(|row| played_match(row?))
            .collect::<Result<_>>()?;
        Ok(Some(PlayerRecord {
            player: key,
            name,
            rating,
            games,
            recent,
            mode: None,
        }))
    }

    /// The best rated players, at most `limit`, best first (ties: more
    /// games first, then by id), read through the rating index.
    pub fn leaders(&self, limit: usize) -> Result<Vec<Leader>> {
        let limit = integer(u64::try_from(limit).unwrap_or(u64::MAX))?;
        let rows: Vec<Vec<SqlStorageValue>> = self
            .sql
            .exec(
                "SELECT player, name, rating, games FROM players WHERE games > 0 ORDER BY rating DESC, games DESC, player LIMIT ?",
                vec![limit],
            )?
            .raw()
            .collect::<worker::Result<_>>()?;
        rows.into_iter()
            .zip(1u32..)
            .map(|(row, rank)| {
                let mut values = row.into_iter();
                Ok(Leader {
                    rank,
                    player: text(values.next()).unwrap_or_default(),
                    name: text(values.next()).unwrap_or_default(),
                    rating: real(values.next())?,
                    games: unsigned(values.next())?,
                })
            })
            .collect()
    }

    /// How many tickets the match of `room_id` was made from; rooms this
    /// release did not note (private rooms, and matches the previous
    /// release made) count as two, so they are rated as before.
    pub fn match_tickets(&self, room_id: &str) -> Result<usize> {
        let tickets = first_unsigned(self.sql.exec(
            "SELECT tickets FROM match_tickets WHERE room_id = ?",
            vec![room_id.into()],
        )?)?;
        Ok(tickets.map_or(2, |n| usize::try_from(n).unwrap_or(usize::MAX)))
    }

    /// Registers a private room's join code, its first seat taken.
    pub fn put_private_room(&self, room: &PrivateRoom) -> Result<()> {
        self.sql.exec(
            "INSERT OR REPLACE INTO private_rooms (code, room_id, seats, claimed, expires_ms) VALUES (?, ?, ?, ?, ?)",
            vec![
                room.code.as_str().into(),
                room.room_id.as_str().into(),
                integer(room.seats)?,
                integer(room.claimed)?,
                integer(room.expires_ms)?,
            ],
        )?;
        Ok(())
    }

    /// The private room of a code, if the code exists.
    pub fn private_room(&self, code: &str) -> Result<Option<PrivateRoom>> {
        let Some(mut values) = first_row(self.sql.exec(
            "SELECT room_id, seats, claimed, expires_ms FROM private_rooms WHERE code = ?",
            vec![code.into()],
        )?)?
        else {
            return Ok(None);
        };
        Ok(Some(PrivateRoom {
            code: code.to_string(),
            room_id: text(values.next()).unwrap_or_default(),
            seats: unsigned(values.next())?,
            claimed: unsigned(values.next())?,
            expires_ms: unsigned(values.next())?,
        }))
    }

    /// Deletes codes that expired before `now_ms`.
    pub fn forget_expired_codes(&self, now_ms: u64) -> Result<()> {
        self.sql.exec(
            "DELETE FROM private_rooms WHERE expires_ms <= ?",
            vec![integer(now_ms)?],
        )?;
        Ok(())
    }

    /// A client address's failed guesses in its current window.
    pub fn guesses(&self, address: &str) -> Result<Guesses> {
        let Some(mut values) = first_row(self.sql.exec(
            "SELECT window_start_ms, failed FROM guesses WHERE address = ?",
            vec![address.into()],
        )?)?
        else {
            return Ok(Guesses {
                window_start_ms: 0,
                failed: 0,
            });
        };
        Ok(Guesses {
            window_start_ms: unsigned(values.next())?,
            failed: u32::try_from(unsigned(values.next())?).unwrap_or(u32::MAX),
        })
    }

    /// Counts one against `key`'s budget of `most` a window if it has room
    /// left; whether it had.
    pub fn spend(&self, key: &str, now_ms: u64, most: u32) -> Result<bool> {
        let spent = self.guesses(key)?;
        if !spent.allowed_up_to(now_ms, most) {
            return Ok(false);
        }
        self.put_guesses(key, spent.after_failure(now_ms))?;
        Ok(true)
    }

    /// For a test hook: moves every guess window `ms` into the past, and
    /// says how many windows are kept and how many of them closed before
    /// `now_ms` (which the next write forgets).
    pub fn age_guesses(&self, ms: u64, now_ms: u64) -> Result<(u64, u64)> {
        if ms > 0 {
            self.sql.exec(
                "UPDATE guesses SET window_start_ms = MAX(window_start_ms - ?, 0)",
                vec![integer(ms)?],
            )?;
        }
        first_two_unsigned(self.sql.exec(
            "SELECT COUNT(*), COALESCE(SUM(window_start_ms < ?), 0) FROM guesses",
            vec![integer(now_ms.saturating_sub(GUESS_WINDOW_MS))?],
        )?)
    }

    /// Stores a client address's failed guesses (or any budget's count).
    pub fn put_guesses(&self, address: &str, guesses: Guesses) -> Result<()> {
        // Windows that have closed count for nothing: forget a few.
        self.sql.exec(
            "DELETE FROM guesses WHERE address IN (SELECT address FROM guesses WHERE window_start_ms < ? LIMIT 16)",
            vec![integer(guesses.window_start_ms.saturating_sub(GUESS_WINDOW_MS))?],
        )?;
        self.sql.exec(
            "INSERT OR REPLACE INTO guesses (address, window_start_ms, failed) VALUES (?, ?, ?)",
            vec![
                address.into(),
                integer(guesses.window_start_ms)?,
                integer(u64::from(guesses.failed))?,
            ],
        )?;
        Ok(())
    }

    pub(super) fn records(
        &self,
        query: &str,
        bindings: Vec<SqlStorageValue>,
    ) -> Result<Vec<StoredTicket>> {
        self.sql
            .exec(query, bindings)?
            .raw()
            .map(|row| from_blob(row?.into_iter().next()))
            .collect()
    }

    /// The first column of every row `query` reads, as text (socket ids,
    /// player ids).
    pub(super) fn texts(&self, query: &str, bindings: Vec<SqlStorageValue>) -> Result<Vec<String>> {
        self.sql
            .exec(query, bindings)?
            .raw()
            .map(|row| Ok(text(row?.into_iter().next()).unwrap_or_default()))
            .collect()
    }
}

/// A private room's join code and how many of its seats are taken.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PrivateRoom {
    /// The join code.
    pub code: String,
    /// The room.
    pub room_id: String,
    /// Its seats.
    pub seats: u64,
    /// Seats handed out so far (the creator's first).
    pub claimed: u64,
    /// When the code stops working.
    pub expires_ms: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A ticket as the first release stored it (a committed fixture).
    #[test]
    fn a_ticket_stored_by_the_first_release_still_reads() {
        let bytes = hex::decode(include_str!("fixtures/stored-ticket-v1.hex").trim()).unwrap();
        let stored: StoredTicket = crate::blob::decode(crate::blob::Kind::Stored, &bytes).unwrap();
        assert_eq!(stored.ticket.id, 42);
        assert_eq!(stored.ticket.protocol, 1);
        assert_eq!(stored.ticket.mode, volley_shared::Mode::Duel);
        assert_eq!(stored.ticket.members[0].player, PlayerId(u64::MAX));
        assert_eq!(stored.ticket.members[0].rating, 1516.5);
        assert!(stored.complete());
        // And this release writes it the same way.
        assert_eq!(
            crate::blob::encode(crate::blob::Kind::Stored, &stored).unwrap(),
            bytes
        );
    }

    #[test]
    fn a_ticket_tagged_as_format_2_reads_the_same() {
        let stored: StoredTicket = crate::blob::assert_fixtures(
            crate::blob::Kind::Stored,
            include_str!("fixtures/stored-ticket-v1.hex"),
            include_str!("fixtures/stored-ticket-v2.hex"),
        );
        assert_eq!(stored.ticket.id, 42);
    }
}
