//! What a simulation counts as it runs: single numbers, waits and rating
//! spreads in histograms, and the load on player and leaderboard objects.

use super::shard::Load;
use serde::Serialize;
use std::collections::BTreeMap;
use volley_server::matchmaker::shards::Region;
use volley_shared::Mode;

/// Counts of small whole numbers (values past the last bucket land in it).
#[derive(Clone, Debug, PartialEq)]
pub struct Histogram {
    counts: Vec<u64>,
}

impl Default for Histogram {
    fn default() -> Self {
        Histogram {
            counts: vec![0; Histogram::BUCKETS],
        }
    }
}

impl Histogram {
    /// Buckets kept: values 0 to `BUCKETS - 1`.
    pub const BUCKETS: usize = 4_096;

    /// Counts one value.
    pub fn record(&mut self, value: u64) {
        let bucket = usize::try_from(value)
            .unwrap_or(usize::MAX)
            .min(Self::BUCKETS - 1);
        if let Some(count) = self.counts.get_mut(bucket) {
            *count += 1;
        }
    }

    /// Adds another histogram's counts.
    pub fn merge(&mut self, other: &Histogram) {
        for (count, more) in self.counts.iter_mut().zip(&other.counts) {
            *count += more;
        }
    }

    /// Values counted.
    pub fn len(&self) -> u64 {
        self.counts.iter().sum()
    }

    /// Whether nothing was counted.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The smallest value with at least `p` percent of the values at or
    /// below it.
    pub fn percentile(&self, p: f64) -> Option<u64> {
        let total = self.len();
        if total == 0 {
            return None;
        }
        let rank = ((p / 100.0) * total as f64).ceil().max(1.0) as u64;
        let mut seen = 0;
        for (value, count) in self.counts.iter().enumerate() {
            seen += count;
            if seen >= rank {
                return u64::try_from(value).ok();
            }
        }
        None
    }
}

/// The waits of one region's tickets in one mode.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Waits {
    /// In tenths of a second.
    pub waits: Histogram,
    /// Tickets matched.
    pub tickets: u64,
    /// Of them, matched in the global pool after spilling.
    pub spilled: u64,
}

/// How far apart the people of one mode's matches were.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Spreads {
    /// Highest rating minus lowest, in points.
    pub rating: Histogram,
    /// Highest true skill minus lowest, in points.
    pub skill: Histogram,
}

/// What a run counted, one number each.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Counts {
    /// Arrivals (a player, a party, or two friends).
    pub visits: u64,
    /// Tickets queued (a visit's every game queues one).
    pub tickets: u64,
    /// Matches made.
    pub matches: u64,
    /// Games finished and rated.
    pub games: u64,
    /// Matches with bots in empty seats.
    pub bot_filled: u64,
    /// Tickets handed on after the spill time.
    pub spilled: u64,
    /// Tickets a quiet regional shard handed to the global pool at once.
    pub deferred: u64,
    /// Private rooms made.
    pub private_rooms: u64,
    /// Tickets still waiting at the end.
    pub left_waiting: u64,
}

/// Everything a run counted.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Tallies {
    /// The single numbers.
    pub counts: Counts,
    /// Waits, by region (`None`: unknown) and mode.
    pub waits: BTreeMap<(Option<Region>, Mode), Waits>,
    /// Spreads, by mode.
    pub spreads: BTreeMap<Mode, Spreads>,
    /// Requests to the players' own objects (rating reads and result
    /// writes), all together.
    pub player_requests: Load,
    /// Requests to each mode's leaderboard object.
    pub leaderboards: BTreeMap<Mode, Load>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_of_a_histogram() {
        let mut h = Histogram::default();
        assert_eq!(h.percentile(50.0), None);
        for v in 1..=100 {
            h.record(v);
        }
        h.record(1_000_000);
        assert_eq!(h.len(), 101);
        assert_eq!(h.percentile(50.0), Some(51));
        assert_eq!(h.percentile(99.0), Some(100));
        assert_eq!(h.percentile(100.0), Some(Histogram::BUCKETS as u64 - 1));
    }
}
