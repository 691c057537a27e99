//! The `arrivals` table: how many tickets reached a regional shard in each
//! of the last two minutes, handed over or kept, so the shard knows whether
//! it is quiet ([`shards::is_quiet`]) after a restart too. Kept in memory
//! once read; which counts are stored: [`crate::matchmaker::arrivals`].
//!
//! [`shards::is_quiet`]: crate::matchmaker::shards::is_quiet

use super::Storage;
use crate::error::Result;
use crate::matchmaker::arrivals::Arrivals;
use crate::sql::{integer, unsigned};

/// The table; part of the shard's schema.
pub(super) const ARRIVALS_TABLE: &str = "
CREATE TABLE IF NOT EXISTS arrivals (minute INTEGER PRIMARY KEY, n INTEGER NOT NULL);
";

impl Storage {
    /// Counts a ticket arriving at `now_ms` at a shard that is quiet below
    /// `threshold`; returns the tickets of the last minute before it. The
    /// counts are read once per instance; a count is stored when
    /// [`Arrivals::arrive`] says, and the rows of older minutes go when a
    /// minute turns.
    pub fn note_arrival(&self, now_ms: u64, threshold: u32) -> Result<u32> {
        let minute = now_ms / 60_000;
        let (mut counts, mut stale) = match self.memory.arrivals.take() {
            Some(counts) => (counts, false),
            None => Arrivals::from_rows(self.arrival_rows()?, minute),
        };
        stale |= counts.move_to(minute);
        if stale {
            self.sql.exec(
                "DELETE FROM arrivals WHERE minute < ?",
                vec![integer(minute.saturating_sub(1))?],
            )?;
        }
        if counts.arrive(threshold) {
            self.store_arrivals(counts.minute, counts.current)?;
        }
        // Kept only once stored as far as it must be: a failed write reads
        // again next time.
        self.memory.arrivals.set(Some(counts));
        Ok(counts.before_the_latest(now_ms))
    }

    /// Stores `n` as the count of `minute`.
    fn store_arrivals(&self, minute: u64, n: u32) -> Result<()> {
        self.sql.exec(
            "INSERT INTO arrivals (minute, n) VALUES (?, ?) ON CONFLICT(minute) DO UPDATE SET n = excluded.n",
            vec![integer(minute)?, integer(u64::from(n))?],
        )?;
        Ok(())
    }

    /// Every stored minute's count.
    fn arrival_rows(&self) -> Result<Vec<(u64, u32)>> {
        self.sql
            .exec("SELECT minute, n FROM arrivals", None)?
            .raw()
            .map(|row| {
                let mut values = row?.into_iter();
                let (at, n) = (unsigned(values.next())?, unsigned(values.next())?);
                Ok((at, u32::try_from(n).unwrap_or(u32::MAX)))
            })
            .collect()
    }

    /// Sets the arrivals of the minute of `now_ms` (a test hook's way to
    /// make a shard busy or quiet).
    pub fn set_arrivals(&self, now_ms: u64, n: u32) -> Result<()> {
        self.memory.arrivals.set(None);
        let minute = now_ms / 60_000;
        self.store_arrivals(minute, n)?;
        self.sql.exec(
            "DELETE FROM arrivals WHERE minute <> ?",
            vec![integer(minute)?],
        )?;
        Ok(())
    }
}
