//! Whether a regional shard hands a new ticket to the mode's global pool
//! or keeps it. Pure: the shard says whether it is quiet
//! ([`super::shards::is_quiet`]), what of its own waits, and the time.
//!
//! Quiet or busy alone would part players who could meet whenever the
//! shard changes its mind between them, and the parted ones wait for bot
//! fill, with nobody to meet where they are:
//!
//! - **Busy to quiet.** Tickets queued while the shard was busy stay in
//!   it; if every newcomer went to the global pool, they would wait alone.
//!   So a shard keeps new tickets while any of its own wait (queued, or on
//!   a socket that has not said `FindMatch` yet), quiet or not.
//! - **Quiet to busy.** The tickets just handed over wait in the global
//!   pool, and the next ticket, kept, would wait here. So a busy shard with
//!   nothing of its own waiting hands over the next ticket when the run of
//!   hand-overs just before it (each within [`FOLLOW_MS`] of the one
//!   before) did not fill whole matches: players who arrive together (a
//!   benchmark's two bots, friends who press Play at once) stay together,
//!   and a run that ends on a whole match is not followed, so the next
//!   pair is not split either (the first kept, the second follows). Bounded,
//!   so a region whose demand jumps still turns busy within a match's worth
//!   of tickets.
//!
//! The decision is kept in memory only: an instance that starts has no
//! last hand-over, and keeps its next ticket if busy.

/// How long after a hand-over a busy shard with nothing of its own waiting
/// still hands over a new ticket (to fill a match with it).
pub const FOLLOW_MS: u64 = 2_000;

/// A regional shard's latest run of hand-overs: each within [`FOLLOW_MS`]
/// of the one before, and none kept between.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct HandOvers {
    last: Option<Run>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Run {
    /// The latest hand-over.
    at_ms: u64,
    /// The tickets handed over in the run.
    tickets: usize,
}

impl HandOvers {
    /// Whether a ticket arriving at `now_ms` goes to the global pool, for a
    /// shard that is `quiet` (or not), with `own_waiting` tickets of its
    /// own waiting, whose matches seat `seats` players.
    pub fn hands_over(
        &mut self,
        quiet: bool,
        own_waiting: usize,
        seats: usize,
        now_ms: u64,
    ) -> bool {
        let run = self
            .last
            .filter(|run| now_ms.saturating_sub(run.at_ms) < FOLLOW_MS);
        // Its own waiting tickets may be the newcomer's match; busy, only
        // a run short of whole matches is followed.
        let hands_over =
            own_waiting == 0 && (quiet || run.is_some_and(|run| run.tickets % seats.max(1) != 0));
        self.last = hands_over.then(|| Run {
            at_ms: now_ms,
            tickets: run.map_or(0, |run| run.tickets) + 1,
        });
        hands_over
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_quiet_shard_with_nothing_waiting_hands_over_and_a_busy_one_keeps() {
        let mut shard = HandOvers::default();
        assert!(shard.hands_over(true, 0, 2, 0));
        assert!(shard.hands_over(true, 0, 2, 10));
        let mut busy = HandOvers::default();
        assert!(!busy.hands_over(false, 0, 2, 0));
        assert!(!busy.hands_over(false, 0, 2, 10));
    }

    #[test]
    fn a_quiet_shard_keeps_newcomers_while_its_own_tickets_wait() {
        let mut shard = HandOvers::default();
        assert!(!shard.hands_over(true, 1, 2, 0));
        assert!(!shard.hands_over(true, 3, 4, 5));
        // Once nothing of its own waits, it hands over again.
        assert!(shard.hands_over(true, 0, 2, 10));
    }

    #[test]
    fn players_arriving_together_follow_a_hand_over_as_the_shard_turns_busy() {
        // A duel: the one ticket after the hand-over follows it; the next
        // is kept, and so is every one after.
        let mut duel = HandOvers::default();
        assert!(duel.hands_over(true, 0, 2, 1_000));
        assert!(duel.hands_over(false, 0, 2, 1_005));
        assert!(!duel.hands_over(false, 0, 2, 1_200));
        assert!(!duel.hands_over(false, 0, 2, 1_201));
        // Four seats: three follow.
        let mut ffa4 = HandOvers::default();
        assert!(ffa4.hands_over(true, 0, 4, 0));
        for at in [1, 2, 3] {
            assert!(ffa4.hands_over(false, 0, 4, at), "follower at {at}");
        }
        assert!(!ffa4.hands_over(false, 0, 4, 4));
    }

    /// Two bots playing one game after another: each pair is handed over
    /// while the shard is quiet, and once it is busy the next pair is kept
    /// whole (the first ticket kept, so the second is kept to meet it),
    /// not split with its first ticket following the pair before.
    #[test]
    fn a_run_of_whole_matches_is_not_followed_by_half_the_next() {
        let mut duel = HandOvers::default();
        for at in [0, 1, 100, 101] {
            assert!(duel.hands_over(true, 0, 2, at));
        }
        assert!(!duel.hands_over(false, 0, 2, 200));
        assert!(!duel.hands_over(false, 1, 2, 201));
        // Three seats, a run of four handed over while quiet: two follow.
        let mut three = HandOvers::default();
        for at in 0..4 {
            assert!(three.hands_over(true, 0, 3, at));
        }
        assert!(three.hands_over(false, 0, 3, 10));
        assert!(three.hands_over(false, 0, 3, 11));
        assert!(!three.hands_over(false, 0, 3, 12));
    }

    #[test]
    fn only_a_recent_hand_over_with_nothing_kept_since_is_followed() {
        let mut late = HandOvers::default();
        assert!(late.hands_over(true, 0, 2, 0));
        assert!(!late.hands_over(false, 0, 2, FOLLOW_MS));
        // A ticket of its own waiting: kept, and the hand-over is over.
        let mut kept = HandOvers::default();
        assert!(kept.hands_over(true, 0, 4, 0));
        assert!(!kept.hands_over(false, 1, 4, 1));
        assert!(!kept.hands_over(false, 0, 4, 2));
        // The time is measured from the latest hand-over.
        let mut chain = HandOvers::default();
        assert!(chain.hands_over(true, 0, 4, 0));
        assert!(chain.hands_over(false, 0, 4, FOLLOW_MS - 1));
        assert!(chain.hands_over(false, 0, 4, 2 * FOLLOW_MS - 2));
        assert!(!chain.hands_over(false, 0, 4, 3 * FOLLOW_MS - 2));
    }

    #[test]
    fn a_shard_that_is_never_quiet_never_hands_over() {
        let mut shard = HandOvers::default();
        for at in 0..100 {
            assert!(!shard.hands_over(false, at % 3, 4, at as u64));
        }
    }
}
