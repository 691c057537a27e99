//! The `arrivals` table: how many tickets reached a regional shard in each
//! of the last two minutes, handed over or kept, so the shard knows whether
//! it is quiet ([`shards::is_quiet`]) after a restart too.
//!
//! [`shards::is_quiet`]: crate::matchmaker::shards::is_quiet

use super::Storage;
use crate::error::Result;
use crate::matchmaker::shards;
use crate::sql::{integer, unsigned};

/// The table; part of the shard's schema.
pub(super) const ARRIVALS_TABLE: &str = "
CREATE TABLE IF NOT EXISTS arrivals (minute INTEGER PRIMARY KEY, n INTEGER NOT NULL);
";

impl Storage {
    /// Counts a ticket arriving at `now_ms`; returns the tickets of the
    /// last minute before it. Two statements: the count, then every row
    /// (two minutes, a third at a minute's turn, when the older go).
    pub fn note_arrival(&self, now_ms: u64) -> Result<u32> {
        let minute = now_ms / 60_000;
        self.sql.exec(
            "INSERT INTO arrivals (minute, n) VALUES (?, 1) ON CONFLICT(minute) DO UPDATE SET n = n + 1",
            vec![integer(minute)?],
        )?;
        let (mut current, mut previous, mut stale) = (0, 0, false);
        for row in self.sql.exec("SELECT minute, n FROM arrivals", None)?.raw() {
            let mut values = row?.into_iter();
            let (at, n) = (unsigned(values.next())?, unsigned(values.next())?);
            let n = u32::try_from(n).unwrap_or(u32::MAX);
            if at == minute {
                current = n;
            } else if at.saturating_add(1) == minute {
                previous = n;
            } else {
                stale |= at < minute;
            }
        }
        if stale {
            self.sql.exec(
                "DELETE FROM arrivals WHERE minute < ?",
                vec![integer(minute.saturating_sub(1))?],
            )?;
        }
        // This ticket is not one of those before it.
        Ok(shards::last_minute(
            current.saturating_sub(1),
            previous,
            now_ms,
        ))
    }

    /// Sets the arrivals of the minute of `now_ms` (a test hook's way to
    /// make a shard busy or quiet).
    pub fn set_arrivals(&self, now_ms: u64, n: u32) -> Result<()> {
        let minute = now_ms / 60_000;
        self.sql.exec(
            "INSERT INTO arrivals (minute, n) VALUES (?, ?) ON CONFLICT(minute) DO UPDATE SET n = excluded.n",
            vec![integer(minute)?, integer(u64::from(n))?],
        )?;
        self.sql.exec(
            "DELETE FROM arrivals WHERE minute <> ?",
            vec![integer(minute)?],
        )?;
        Ok(())
    }
}
