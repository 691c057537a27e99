//! What a room counts for the operators' dashboard ([`crate::tally`]):
//! closes, error frames, refusals and moves' round trips, kept in its
//! `tallies` table and handed to the shard that made it when its game
//! ends and before it deletes itself.
//!
//! Counting never fails a handler: a count that cannot be written is
//! logged and lost.

use super::GameRoom;
use crate::error::Result;
use crate::internal::link;
use crate::internal::tallies::{MAX_COUNTS, RoomTallies, TALLIES_PATH};
use crate::room::record::RoomRecord;
use crate::room::storage::Storage;
use crate::tally::Tally;
use volley_shared::Seat;
use volley_shared::protocol::room::move_ack;

impl GameRoom {
    /// Counts `tally` at `now`, `times` times, if the room still exists.
    pub(super) fn tally_times(&self, now: u64, tally: Tally, times: usize) {
        let counted = (|| -> Result<()> {
            if !self.schema.is_ready() && !Storage::holds_a_room(&self.state.storage().sql())? {
                return Ok(());
            }
            let storage = self.storage()?;
            for _ in 0..times {
                storage.tallies().add(now, tally)?;
            }
            Ok(())
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

    /// A ping from `seat` at `now`: if it acknowledges the seat's last
    /// move, that move's round trip is counted, and `true` returned.
    pub(super) fn note_ping(&self, seat: Seat, nonce: u64, now: u64) -> bool {
        let Some(acked) = move_ack::seq(nonce) else {
            return false;
        };
        let mut moves = self.moves_sent.borrow_mut();
        if let Some(&(seq, arrived)) = moves.get(&seat)
            && seq == acked
        {
            moves.remove(&seat);
            drop(moves);
            self.tally(
                now,
                Tally::MoveRoundTrip {
                    ms: now.saturating_sub(arrived),
                },
            );
            return true;
        }
        false
    }

    /// Hands what the room counted to the shard that made it. Counts
    /// stay for next time if the shard cannot be reached; a shard of a
    /// release before the counts (404) is not asked again.
    pub(super) async fn hand_over_tallies(&self, storage: &Storage, record: &RoomRecord) {
        if let Err(err) = self.try_hand_over(storage, record).await {
            crate::build::log_warn!("room could not hand its counts over: {err}");
        }
    }

    async fn try_hand_over(&self, storage: &Storage, record: &RoomRecord) -> Result<()> {
        let counts = storage.tallies().since(0, MAX_COUNTS as u64)?;
        if counts.is_empty() {
            return Ok(());
        }
        let message = RoomTallies { counts };
        let response = link::coordinator_by_id(&self.env, &record.created_by)?
            .fetch_with_request(link::post_message(TALLIES_PATH, &message)?)
            .await?;
        match response.status_code() {
            200..=299 | 404 => storage.tallies().subtract(&message.counts),
            status => {
                crate::build::log_warn!("the shard answered {status} to the room's counts");
                Ok(())
            }
        }
    }
}
