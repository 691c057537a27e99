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
    /// last minute before it.
    pub fn note_arrival(&self, now_ms: u64) -> Result<u32> {
        let before = self.arrivals_last_minute(now_ms)?;
        let minute = now_ms / 60_000;
        self.sql.exec(
            "INSERT INTO arrivals (minute, n) VALUES (?, 1) ON CONFLICT(minute) DO UPDATE SET n = n + 1",
            vec![integer(minute)?],
        )?;
        self.sql.exec(
            "DELETE FROM arrivals WHERE minute < ?",
            vec![integer(minute.saturating_sub(1))?],
        )?;
        Ok(before)
    }

    /// The tickets that arrived in the last minute, as of `now_ms`.
    pub fn arrivals_last_minute(&self, now_ms: u64) -> Result<u32> {
        let minute = now_ms / 60_000;
        let count = |m: u64| -> Result<u32> {
            let row = self
                .sql
                .exec("SELECT n FROM arrivals WHERE minute = ?", vec![integer(m)?])?
                .raw()
                .next();
            match row {
                Some(row) => {
                    Ok(u32::try_from(unsigned(row?.into_iter().next())?).unwrap_or(u32::MAX))
                }
                None => Ok(0),
            }
        };
        Ok(shards::last_minute(
            count(minute)?,
            count(minute.saturating_sub(1))?,
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
