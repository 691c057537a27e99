//! A shard's last hour for the operators' dashboard, read from what it
//! keeps anyway: `rooms_created` (with `room_builds` and `results`),
//! listed while a room may report, and `waits`, the latest thousand
//! matched tickets' waits; and from `tallies`, its own and its rooms'
//! counts ([`crate::tally`]), kept for the hour.

use super::Storage;
use crate::error::Result;
use crate::internal::charter::CHARTERED_BUILD;
use crate::matchmaker::ops::{SHARD_HOUR_FORMAT, ShardHour};
use crate::sql::{integer, text, unsigned};
use worker::SqlStorageValue;

/// The most counts a shard tells in its hour (sixty minutes of about
/// forty names).
const MAX_TALLIES: u64 = 3_000;

/// How long after its creation a room not reported over counts as alive
/// at most.
const ALIVE_FOR_MS: u64 = 3 * crate::time::HOUR_MS;

impl Storage {
    /// Rooms created and tickets' waits since `since_ms`, by minute. A
    /// chartered room that has not said it was set up counts as alive only
    /// if it was matched since `chartered_since_ms` (while its seats are
    /// still reserved: after that nobody came, and it was never made).
    pub fn hour(&self, since_ms: u64, chartered_since_ms: u64) -> Result<ShardHour> {
        let matches = self.pairs(
            "SELECT created_at_ms / 60000, COUNT(*) FROM rooms_created WHERE created_at_ms >= ? GROUP BY 1",
            since_ms,
            unsigned,
        )?;
        let waits = self.pairs(
            "SELECT at_ms / 60000, wait_ms FROM waits WHERE at_ms >= ?",
            since_ms,
            unsigned,
        )?;
        let per_build = self.pairs(
            "SELECT b.build, COUNT(*) FROM rooms_created r JOIN room_builds b ON b.room_id = r.room_id WHERE r.created_at_ms >= ? GROUP BY 1",
            since_ms,
            |value| Ok(text(value).unwrap_or_default()),
        )?;
        // Rooms made in the last hours that have neither reported a result
        // nor said they deleted themselves, by build: those alive. (A
        // game lasts minutes; a room of a release before the notice that
        // never began shows until the window passes it.)
        let alive_per_build = self.pairs_of(
            "SELECT b.build, COUNT(*) FROM rooms_created c JOIN room_builds b ON b.room_id = c.room_id LEFT JOIN results r ON r.room_id = c.room_id LEFT JOIN rooms_ended e ON e.room_id = c.room_id WHERE r.room_id IS NULL AND e.room_id IS NULL AND c.created_at_ms >= ? AND (b.build <> ? OR c.created_at_ms >= ?) GROUP BY 1",
            vec![
                integer(since_ms.saturating_sub(ALIVE_FOR_MS))?,
                CHARTERED_BUILD.into(),
                integer(chartered_since_ms)?,
            ],
            |value| Ok(text(value).unwrap_or_default()),
        )?;
        let tallies = self
            .tallies()
            .since(since_ms / 60_000, MAX_TALLIES)?
            .into_iter()
            .map(|c| (c.minute, c.name, c.n))
            .collect();
        Ok(ShardHour {
            format: SHARD_HOUR_FORMAT,
            matches,
            waits,
            per_build,
            alive_per_build,
            tallies,
        })
    }

    /// The rows of `query` (two columns, one `?` for `since_ms`): the first
    /// read by `first`, the second a count or a time.
    fn pairs<T>(
        &self,
        query: &str,
        since_ms: u64,
        first: impl Fn(Option<SqlStorageValue>) -> Result<T>,
    ) -> Result<Vec<(T, u64)>> {
        self.pairs_of(query, vec![integer(since_ms)?], first)
    }

    /// [`Storage::pairs`] with any parameters.
    fn pairs_of<T>(
        &self,
        query: &str,
        params: Vec<SqlStorageValue>,
        first: impl Fn(Option<SqlStorageValue>) -> Result<T>,
    ) -> Result<Vec<(T, u64)>> {
        self.sql
            .exec(query, params)?
            .raw()
            .map(|row| {
                let mut values = row?.into_iter();
                Ok((first(values.next())?, unsigned(values.next())?))
            })
            .collect()
    }
}
