//! The rooms a shard created: counted in `room_counts` (per location hint
//! and per build), and listed in `rooms_created` (with `room_builds` and
//! `match_tickets` beside it) only for as long as a room can still report
//! its result. So the statistics read a few counters, not every room ever
//! made, and no table grows with the shard's age. A room is recorded in one
//! statement, an insert into the view `room_records`, whose trigger writes
//! the four tables.
//!
//! The counters start from what `rooms_created` held when a shard first
//! opens them (rooms the previous release created included); a room a
//! previous release creates after that, during a rollback, is listed but
//! not counted.

use super::{Storage, memory};
use crate::error::Result;
use crate::internal::charter::CHARTERED_BUILD;
use crate::sql::{any_row, first_unsigned, integer, text, unsigned};

/// The counters and the index the listing is pruned by; part of the
/// shard's schema. The counters are seeded once, from the listing.
pub(super) const ROOMS_TABLES: &str = "
CREATE TABLE IF NOT EXISTS room_counts (key TEXT PRIMARY KEY, n INTEGER NOT NULL);
INSERT INTO room_counts (key, n)
    SELECT 'hint:' || COALESCE(location_hint, 'none'), COUNT(*) FROM rooms_created
    WHERE NOT EXISTS (SELECT 1 FROM room_counts) GROUP BY 1;
INSERT INTO room_counts (key, n)
    SELECT 'build:' || build, COUNT(*) FROM room_builds
    WHERE NOT EXISTS (SELECT 1 FROM room_counts WHERE key LIKE 'build:%') GROUP BY 1;
CREATE INDEX IF NOT EXISTS rooms_created_at ON rooms_created (created_at_ms);
CREATE INDEX IF NOT EXISTS results_at ON results (at_ms);
CREATE TABLE IF NOT EXISTS rooms_ended (room_id TEXT PRIMARY KEY);
CREATE VIEW IF NOT EXISTS room_records (room_id, location_hint, build, tickets, created_at_ms) AS
    SELECT r.room_id, r.location_hint, b.build, t.tickets, r.created_at_ms FROM rooms_created r
    LEFT JOIN room_builds b ON b.room_id = r.room_id LEFT JOIN match_tickets t ON t.room_id = r.room_id;
CREATE TRIGGER IF NOT EXISTS a_room_is_recorded INSTEAD OF INSERT ON room_records BEGIN
    INSERT INTO rooms_created (room_id, location_hint, created_at_ms)
        VALUES (NEW.room_id, NEW.location_hint, NEW.created_at_ms);
    INSERT OR REPLACE INTO room_builds (room_id, build) VALUES (NEW.room_id, NEW.build);
    INSERT OR REPLACE INTO match_tickets (room_id, tickets) VALUES (NEW.room_id, NEW.tickets);
    INSERT INTO room_counts (key, n)
        VALUES ('hint:' || COALESCE(NEW.location_hint, 'none'), 1), ('build:' || NEW.build, 1)
        ON CONFLICT(key) DO UPDATE SET n = n + 1;
END;
";

/// Old rows deleted at most per room created: more than one, so pruning
/// keeps up with any rate of new rooms, and few, so its cost is bounded.
const PRUNED_PER_ROOM: u64 = 16;

/// How long after its match a chartered room stays out of the latest
/// rooms listed (its players connect within moments).
pub const CHARTERED_UNLISTED_MS: u64 = 10_000;

/// Old rooms are looked for at every this many rooms an instance records
/// (the first included), not at each: a statement less for most matches.
const PRUNE_EVERY: u64 = 8;

/// Rooms created by one shard.
pub struct RoomCounts {
    /// Per location hint, with `none` for rooms created without one.
    pub per_hint: Vec<(String, u64)>,
    /// Per build of the room's object (public rooms this release created).
    pub per_build: Vec<(String, u64)>,
    /// The latest rooms: id, hint, creation time.
    pub recent: Vec<(String, Option<String>, u64)>,
}

impl Storage {
    /// Notes a room this shard created for a match of `tickets` tickets,
    /// counts it, and, at every [`PRUNE_EVERY`]th, forgets a few rooms
    /// created more than `keep_ms` ago.
    pub fn record_room(
        &self,
        room_id: &str,
        hint: Option<&str>,
        build: &str,
        tickets: usize,
        now_ms: u64,
        keep_ms: u64,
    ) -> Result<()> {
        // One statement: the view's trigger writes the four tables (the
        // previous release writes them one by one, and reads them so).
        self.sql.exec(
            "INSERT INTO room_records (room_id, location_hint, build, tickets, created_at_ms) \
             VALUES (?, ?, ?, ?, ?)",
            vec![
                room_id.into(),
                hint.map(str::to_string).into(),
                build.into(),
                integer(tickets as u64)?,
                integer(now_ms)?,
            ],
        )?;
        if memory::is_nth(&self.memory.rooms_recorded, PRUNE_EVERY) {
            self.forget_rooms_before(now_ms.saturating_sub(keep_ms))?;
        }
        Ok(())
    }

    /// Deletes up to [`PRUNED_PER_ROOM`] times [`PRUNE_EVERY`] rooms
    /// created before `cutoff_ms`,
    /// with their build and ticket count.
    fn forget_rooms_before(&self, cutoff_ms: u64) -> Result<()> {
        // Most rooms find nothing to forget: one indexed look first, not
        // four deletes.
        let any_old = any_row(self.sql.exec(
            "SELECT 1 FROM rooms_created WHERE created_at_ms < ? LIMIT 1",
            vec![integer(cutoff_ms)?],
        )?)?;
        if !any_old {
            return Ok(());
        }
        let old = "SELECT room_id FROM rooms_created WHERE created_at_ms < ? ORDER BY created_at_ms LIMIT ?";
        for table in [
            "room_builds",
            "match_tickets",
            "rooms_ended",
            "rooms_created",
        ] {
            self.sql.exec(
                &format!("DELETE FROM {table} WHERE room_id IN ({old})"),
                vec![integer(cutoff_ms)?, integer(PRUNED_PER_ROOM * PRUNE_EVERY)?],
            )?;
        }
        Ok(())
    }

    /// Notes the build a chartered room runs, as it said when it set itself
    /// up ([`crate::internal::set_up`]): it was listed and counted as
    /// [`CHARTERED_BUILD`] at its match, and moves to its build in both. A
    /// room no longer listed, or told of twice, changes nothing.
    pub fn note_room_set_up(&self, room_id: &str, build: &str) -> Result<()> {
        let moved = first_unsigned(self.sql.exec(
            "UPDATE room_builds SET build = ? WHERE room_id = ? AND build = ? RETURNING 1",
            vec![build.into(), room_id.into(), CHARTERED_BUILD.into()],
        )?)?
        .is_some();
        if moved {
            let (to, from) = (format!("build:{build}"), format!("build:{CHARTERED_BUILD}"));
            // A room listed but not counted (made during a rollback by a
            // release before the counters) must not take the count below 0.
            self.sql.exec(
                "UPDATE room_counts SET n = n - 1 WHERE key = ? AND n > 0",
                vec![from.as_str().into()],
            )?;
            self.sql.exec(
                "INSERT INTO room_counts (key, n) VALUES (?, 1) ON CONFLICT(key) DO UPDATE SET n = n + 1",
                vec![to.as_str().into()],
            )?;
        }
        Ok(())
    }

    /// Notes that a room this shard made deleted itself (it said so when
    /// it handed its last counts over), so it no longer counts as alive.
    pub fn note_room_ended(&self, room_id: &str) -> Result<()> {
        self.sql.exec(
            "INSERT OR IGNORE INTO rooms_ended (room_id) SELECT room_id FROM rooms_created WHERE room_id = ?",
            vec![room_id.into()],
        )?;
        Ok(())
    }

    /// Rooms created, per location hint (`none` for no hint) and per
    /// build, and the latest few as of `now_ms`. A chartered room is
    /// listed only [`CHARTERED_UNLISTED_MS`] after its match: its object
    /// is made where its first request comes from, which is then its
    /// players', not a stranger's who read its id here
    /// ([`crate::internal::charter`]).
    pub fn rooms(&self, now_ms: u64) -> Result<RoomCounts> {
        let counted = |prefix: &str| -> Result<Vec<(String, u64)>> {
            self.sql
                .exec(
                    "SELECT key, n FROM room_counts WHERE key LIKE ? ORDER BY key",
                    vec![format!("{prefix}%").as_str().into()],
                )?
                .raw()
                .map(|row| {
                    let mut values = row?.into_iter();
                    let key = text(values.next()).unwrap_or_default();
                    let name = key.strip_prefix(prefix).unwrap_or(&key).to_string();
                    Ok((name, unsigned(values.next())?))
                })
                .collect()
        };
        let recent = self
            .sql
            .exec(
                "SELECT r.room_id, r.location_hint, r.created_at_ms FROM rooms_created r \
                 LEFT JOIN room_builds b ON b.room_id = r.room_id \
                 WHERE b.build IS NOT ? OR r.created_at_ms <= ? \
                 ORDER BY r.created_at_ms DESC LIMIT 20",
                vec![
                    CHARTERED_BUILD.into(),
                    integer(now_ms.saturating_sub(CHARTERED_UNLISTED_MS))?,
                ],
            )?
            .raw()
            .map(|row| {
                let mut values = row?.into_iter();
                let room_id = text(values.next()).unwrap_or_default();
                let location_hint = text(values.next());
                Ok((room_id, location_hint, unsigned(values.next())?))
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(RoomCounts {
            per_hint: counted("hint:")?,
            per_build: counted("build:")?,
            recent,
        })
    }
}
