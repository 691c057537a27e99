//! What a shard counts for the operators' dashboard ([`crate::tally`]):
//! its own refusals, floods and closes, and the counts its rooms hand
//! over ([`TALLIES_PATH`](crate::internal::tallies::TALLIES_PATH)), kept for the hour the dashboard shows.
//!
//! Counting never fails a handler: a count that cannot be written is
//! logged and lost.

use super::Matchmaker;
use crate::error::Result;
use crate::http::now_ms;
use crate::internal::tallies::{MAX_COUNTS, RoomTallies};
use crate::matchmaker::ops::HOUR_MINUTES;
use crate::tally::Tally;

impl Matchmaker {
    /// Counts `tally` now.
    pub(super) fn tally(&self, tally: Tally) {
        self.tally_times(tally, 1);
    }

    /// Counts `tally` `times` times now, in one write.
    pub(super) fn tally_times(&self, tally: Tally, times: u64) {
        let now = now_ms();
        let counted = self.storage().and_then(|storage| {
            storage.tallies().add(now, tally, times)?;
            self.forget_old_tallies(&storage, now)
        });
        if let Err(err) = counted {
            crate::build::log_warn!("shard could not count {}: {err}", tally.name());
        }
    }

    /// Takes a room's counts.
    pub(super) fn take_room_tallies(&self, tallies: &RoomTallies) -> Result<()> {
        let storage = self.storage()?;
        let counts = tallies.counts.get(..MAX_COUNTS).unwrap_or(&tallies.counts);
        storage.tallies().add_counts(counts)?;
        if tallies.ended {
            storage.note_room_ended(&tallies.room.0)?;
        }
        self.forget_old_tallies(&storage, now_ms())
    }

    /// Forgets counts older than the hour, once a minute at most.
    fn forget_old_tallies(
        &self,
        storage: &crate::matchmaker::storage::Storage,
        now: u64,
    ) -> Result<()> {
        let minute = now / 60_000;
        if self.tallies_pruned.get() == minute {
            return Ok(());
        }
        storage
            .tallies()
            .forget_before(minute.saturating_sub(HOUR_MINUTES))?;
        self.tallies_pruned.set(minute);
        Ok(())
    }
}
