//! A regional shard's arrivals in the current and the previous minute, as
//! an instance keeps them in memory once read (only the shard writes them),
//! and which counts must be stored.
//!
//! The counts only decide whether the shard is quiet: below a threshold
//! ([`shards::is_quiet`]). So each count is stored while it is near the
//! threshold, and above that only every [`WRITE_EVERY`]th: a busy shard
//! stores one arrival in sixteen, not each. A restarted instance then
//! reads a count at most `WRITE_EVERY - 1` short, and only a count above
//! the threshold, so the current minute still reads as busy. The part of
//! the minute before that is carried into the last sixty seconds
//! ([`shards::last_minute`]) can be short by as much, so just after a
//! restart a shard that was barely busy can count as quiet up to a few
//! seconds early (and hand some tickets to the global pool, where they
//! are matched as well).
//!
//! [`shards::last_minute`]: super::shards::last_minute
//!
//! [`shards::is_quiet`]: super::shards::is_quiet

use super::shards;

/// Above the threshold and this many more, only every this-many-th count
/// is stored.
pub const WRITE_EVERY: u32 = 16;

/// The arrivals of one minute and of the minute before.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Arrivals {
    /// The minute (ms since the epoch / 60,000).
    pub minute: u64,
    /// Its arrivals so far.
    pub current: u32,
    /// The minute before's.
    pub previous: u32,
}

impl Arrivals {
    /// The counts as of `minute`, from the stored rows (minute, count);
    /// and whether some row is older than the minute before (to delete).
    pub fn from_rows(rows: impl IntoIterator<Item = (u64, u32)>, minute: u64) -> (Arrivals, bool) {
        let mut counts = Arrivals {
            minute,
            current: 0,
            previous: 0,
        };
        let mut stale = false;
        for (at, n) in rows {
            if at == minute {
                counts.current = n;
            } else if at.saturating_add(1) == minute {
                counts.previous = n;
            } else {
                stale |= at < minute;
            }
        }
        (counts, stale)
    }

    /// Moves on to `minute`; whether it is a later one (then the rows of
    /// minutes before the previous one can go).
    pub fn move_to(&mut self, minute: u64) -> bool {
        if minute <= self.minute {
            return false;
        }
        self.previous = if minute == self.minute + 1 {
            self.current
        } else {
            0
        };
        self.current = 0;
        self.minute = minute;
        true
    }

    /// Counts one arrival; whether its count must be stored, for a shard
    /// that is quiet below `threshold`.
    pub fn arrive(&mut self, threshold: u32) -> bool {
        self.current = self.current.saturating_add(1);
        self.current <= threshold.saturating_add(WRITE_EVERY)
            || self.current.is_multiple_of(WRITE_EVERY)
    }

    /// The arrivals of the last minute as of `now_ms`, not counting the
    /// latest (a ticket is not one of those before it).
    pub fn before_the_latest(&self, now_ms: u64) -> u32 {
        shards::last_minute(self.current.saturating_sub(1), self.previous, now_ms)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_give_this_minute_and_the_one_before() {
        let (counts, stale) = Arrivals::from_rows([(9, 4), (10, 7)], 10);
        assert_eq!((counts.current, counts.previous, stale), (7, 4, false));
        let (counts, stale) = Arrivals::from_rows([(7, 1), (9, 4)], 10);
        assert_eq!((counts.current, counts.previous, stale), (0, 4, true));
    }

    #[test]
    fn a_new_minute_carries_the_last_one_only_if_it_follows() {
        let mut counts = Arrivals::from_rows([(10, 7)], 10).0;
        assert!(!counts.move_to(10));
        assert_eq!(counts.current, 7);
        assert!(counts.move_to(11));
        assert_eq!((counts.current, counts.previous), (0, 7));
        assert!(counts.move_to(13));
        assert_eq!((counts.current, counts.previous), (0, 0));
    }

    #[test]
    fn counts_near_the_threshold_are_all_stored_and_beyond_it_one_in_sixteen() {
        let threshold = 120;
        let mut counts = Arrivals::from_rows([], 0).0;
        let stored: Vec<u32> = (0..400)
            .filter_map(|_| counts.arrive(threshold).then_some(counts.current))
            .collect();
        assert_eq!(stored[..136], (1..=136).collect::<Vec<_>>()[..]);
        assert!(stored[136..].iter().all(|n| n.is_multiple_of(WRITE_EVERY)));
        // And one in sixteen beyond it: 144, 160, .., 400.
        assert_eq!(stored.len(), 136 + (400 / 16 - 136 / 16));
        // Whatever the last stored count, a restart reads one that says the
        // same of the threshold: each count left unstored is above it.
        for true_count in 1..=400u32 {
            let read = stored
                .iter()
                .copied()
                .filter(|n| *n <= true_count)
                .max()
                .unwrap();
            assert_eq!(
                shards::is_quiet(read, threshold),
                shards::is_quiet(true_count, threshold),
                "{true_count} read back as {read}"
            );
            assert!(true_count - read < WRITE_EVERY);
        }
    }

    #[test]
    fn the_latest_arrival_is_not_one_of_those_before_it() {
        let mut counts = Arrivals::from_rows([], 0).0;
        counts.arrive(120);
        assert_eq!(counts.before_the_latest(0), 0);
        counts.arrive(120);
        assert_eq!(counts.before_the_latest(0), 1);
    }
}
