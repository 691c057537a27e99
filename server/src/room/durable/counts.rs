//! What a room counts for the operators' dashboard ([`crate::tally`]):
//! closes, error frames, refusals and moves' round trips, kept in its
//! `tallies` table and handed to the shard that made it with its game's
//! result, after the last move's round trip, and when it deletes itself
//! (which also tells the shard the room is gone).
//!
//! Counting never fails a handler: a count that cannot be written is
//! logged and lost.

use super::GameRoom;
use crate::error::Result;
use crate::internal::link;
use crate::internal::tallies::{MAX_COUNTS, RoomTallies, TALLIES_PATH};
use crate::room::record::RoomRecord;
use crate::room::storage::Storage;
use crate::tally::{Count, Tally};
use volley_shared::Seat;

impl GameRoom {
    /// Counts `tally` at `now`, `times` times, if the room still exists.
    pub(super) fn tally_times(&self, now: u64, tally: Tally, times: usize) {
        let counted = (|| -> Result<()> {
            if !self.schema.is_ready() && !Storage::holds_a_room(&self.state.storage().sql())? {
                return Ok(());
            }
            let storage = self.storage()?;
            storage.tallies().add(now, tally, times as u64)
        })();
        if let Err(err) = counted {
            crate::build::log_warn!("room could not count {}: {err}", tally.name());
        }
    }

    /// Counts `tally` once at `now`.
    pub(super) fn tally(&self, now: u64, tally: Tally) {
        self.tally_times(now, tally, 1);
    }

    /// `seat`'s move arrived at `now`; its first event is `seq`. Kept in
    /// memory until the player acknowledges it (a few ms; an instance
    /// evicted meanwhile only loses that one round trip).
    pub(super) fn note_move(&self, seat: Seat, seq: u64, now: u64) {
        self.moves_sent.borrow_mut().insert(seat, (seq, now));
    }

    /// `seat` acknowledged event `acked` at `now`: if that is its last
    /// move's first event, the move's round trip is counted, and `true`
    /// returned.
    pub(super) fn note_acknowledgement(&self, seat: Seat, acked: u64, now: u64) -> bool {
        let mut moves = self.moves_sent.borrow_mut();
        if let Some(&(seq, arrived)) = moves.get(&seat)
            && seq == acked
        {
            moves.remove(&seat);
            // Written with the room's next write, not on its own: an
            // acknowledgement then costs no write of its own (whose commit
            // the next move's frames would wait for).
            self.round_trips
                .borrow_mut()
                .push((now, now.saturating_sub(arrived)));
            return true;
        }
        false
    }

    /// Writes the round trips kept in memory ([`GameRoom::note_acknowledgement`])
    /// with whatever else this event writes.
    pub(super) fn write_round_trips(&self, storage: &Storage) {
        let round_trips = std::mem::take(&mut *self.round_trips.borrow_mut());
        for (at, ms) in round_trips {
            if let Err(err) = storage.tallies().add(at, Tally::MoveRoundTrip { ms }, 1) {
                crate::build::log_warn!("room could not count a round trip: {err}");
            }
        }
    }

    /// Hands what the room counted to the shard that made it; `ended`
    /// when the room is deleting itself, so the shard no longer counts it
    /// alive. Counts are taken out before the await; if the shard cannot
    /// take them they are put back for next time (a shard of a release
    /// before the counts answers 404, and they are let go).
    pub(super) async fn hand_over_tallies(&self, storage: &Storage, record: &RoomRecord) {
        let counts = self.take_tallies(storage);
        if counts.is_empty() {
            return;
        }
        if let Some(unsent) = self.send_tallies(record, counts, false).await
            && let Err(err) = storage.tallies().add_counts(&unsent)
        {
            crate::build::log_warn!("room lost {} counts: {err}", unsent.len());
        }
    }

    /// What the room has counted (its round trips in memory included),
    /// taken out to hand on. A room about to delete itself takes them
    /// before its storage goes; [`GameRoom::hand_over_last`] sends them
    /// after.
    pub(super) fn take_tallies(&self, storage: &Storage) -> Vec<Count> {
        self.write_round_trips(storage);
        storage
            .tallies()
            .take_oldest(MAX_COUNTS as u64)
            .unwrap_or_else(|err| {
                crate::build::log_warn!("room could not read its counts: {err}");
                Vec::new()
            })
    }

    /// Tells the shard the room is gone, with its last counts (lost if
    /// the shard cannot take them now: nothing is left to keep them in).
    pub(super) async fn hand_over_last(&self, record: &RoomRecord, counts: Vec<Count>) {
        if let Some(unsent) = self.send_tallies(record, counts, true).await {
            crate::build::log_warn!("a deleted room lost {} counts", unsent.len());
        }
    }

    /// Posts `counts` to the room's shard; gives them back if it failed.
    async fn send_tallies(
        &self,
        record: &RoomRecord,
        counts: Vec<Count>,
        ended: bool,
    ) -> Option<Vec<Count>> {
        let message = RoomTallies {
            counts,
            room: self.room_id(),
            ended,
        };
        let sent = link::post_to_coordinator(&self.env, &record.created_by, TALLIES_PATH, &message);
        match sent.await {
            Ok(200..=299 | 404) => None,
            Ok(status) => {
                crate::build::log_warn!("the shard answered {status} to the room's counts");
                Some(message.counts)
            }
            Err(err) => {
                crate::build::log_warn!("room could not hand its counts over: {err}");
                Some(message.counts)
            }
        }
    }
}
