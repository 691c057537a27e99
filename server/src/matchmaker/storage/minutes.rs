//! A shard's last hour for the operators' dashboard, read from what it
//! keeps anyway: `rooms_created` (with `room_builds`), listed while a room
//! may report, and `waits`, the latest thousand matched tickets' waits.
//! No table of its own, so nothing more to write per match.

use super::Storage;
use crate::error::Result;
use crate::matchmaker::ops::ShardHour;
use crate::sql::{integer, text, unsigned};

impl Storage {
    /// Rooms created and tickets' waits since `since_ms`, by minute.
    pub fn hour(&self, since_ms: u64) -> Result<ShardHour> {
        let matches = self
            .sql
            .exec(
                "SELECT created_at_ms / 60000, COUNT(*) FROM rooms_created WHERE created_at_ms >= ? GROUP BY 1",
                vec![integer(since_ms)?],
            )?
            .raw()
            .map(|row| {
                let mut values = row?.into_iter();
                Ok((unsigned(values.next())?, unsigned(values.next())?))
            })
            .collect::<Result<_>>()?;
        let waits = self
            .sql
            .exec(
                "SELECT at_ms / 60000, wait_ms FROM waits WHERE at_ms >= ?",
                vec![integer(since_ms)?],
            )?
            .raw()
            .map(|row| {
                let mut values = row?.into_iter();
                Ok((unsigned(values.next())?, unsigned(values.next())?))
            })
            .collect::<Result<_>>()?;
        let per_build = self
            .sql
            .exec(
                "SELECT b.build, COUNT(*) FROM rooms_created r JOIN room_builds b ON b.room_id = r.room_id WHERE r.created_at_ms >= ? GROUP BY 1",
                vec![integer(since_ms)?],
            )?
            .raw()
            .map(|row| {
                let mut values = row?.into_iter();
                Ok((text(values.next()).unwrap_or_default(), unsigned(values.next())?))
            })
            .collect::<Result<_>>()?;
        Ok(ShardHour {
            matches,
            waits,
            per_build,
        })
    }
}
