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
//!   nothing of its own waiting hands over the tickets that arrive within
//!   [`FOLLOW_MS`] of its last hand-over, up to one fewer than a match
//!   seats: players who arrive together (a benchmark's two bots, friends
//!   who press Play at once) stay together. Bounded, so a region whose
//!   demand jumps still turns busy after a match's worth of tickets.
//!
//! The decision is kept in memory only: an instance that starts has no
//! last hand-over, and keeps its next ticket if busy.

/// How long after a hand-over a busy shard with nothing of its own waiting
/// still hands over a new ticket (fewer than a match seats).
pub const FOLLOW_MS: u64 = 2_000;

/// A regional shard's last hand-over: when, and how many tickets followed
/// it after the shard turned busy.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct HandOvers {
    last: Option<LastHandOver>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct LastHandOver {
    at_ms: u64,
    followers: usize,
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
        let followers = if own_waiting > 0 {
            // Its own waiting tickets may be the newcomer's match.
            None
        } else if quiet {
            Some(0)
        } else {
            self.last
                .filter(|last| {
                    now_ms.saturating_sub(last.at_ms) < FOLLOW_MS && last.followers + 1 < seats
                })
                .map(|last| last.followers + 1)
        };
        self.last = followers.map(|followers| LastHandOver {
            at_ms: now_ms,
            followers,
        });
        followers.is_some()
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
