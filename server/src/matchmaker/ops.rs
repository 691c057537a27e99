//! The operators' dashboard's view of a mode, as pure functions: what a
//! shard tells of its last hour ([`ShardHour`]) and a mode's shards merged
//! minute by minute, per pool and summed ([`mode_hour`]). Waits are
//! merged as samples and round trips as bucket counts, so a mode's
//! percentiles are its own, not an average of its shards'.

use super::stats::percentile;
use crate::tally;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use volley_shared::Mode;
use volley_shared::api::{OpsKind, OpsMinute, OpsMode, OpsPool};

/// The coordinator route a shard tells its hour at.
pub const OPS_HOUR_PATH: &str = "/api/ops/hour";

/// The format of [`ShardHour`] this release writes: 2 adds the rooms
/// alive per build and the counts ([`crate::tally`]); format 1 reads as
/// format 2 with neither.
pub const SHARD_HOUR_FORMAT: u16 = 2;

/// Minutes the dashboard shows.
pub const HOUR_MINUTES: u64 = 60;

/// A shard's answer to `GET /api/ops/hour`: JSON between the Worker and
/// a coordinator, which during a rollout may run another version. It says
/// its format (`format`, [`SHARD_HOUR_FORMAT`]); a later format only adds
/// fields, which this one ignores, and `fixtures/shard-hour-v1.json` and
/// `-v2.json` are what formats 1 and 2 look like. A coordinator of the
/// release before format 1 answers 404 and is left out of the sum.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShardHour {
    /// [`SHARD_HOUR_FORMAT`] when written by this release.
    pub format: u16,
    /// Rooms created, as (minute since the epoch, count).
    pub matches: Vec<(u64, u64)>,
    /// Matched tickets' waits, as (minute, wait in ms).
    pub waits: Vec<(u64, u64)>,
    /// Rooms created in the hour, per build of the room's object.
    pub per_build: Vec<(String, u64)>,
    /// Format 2: rooms made and not yet reported over, per build.
    #[serde(default)]
    pub alive_per_build: Vec<(String, u64)>,
    /// Format 2: the shard's and its rooms' counts, as (minute, name,
    /// count).
    #[serde(default)]
    pub tallies: Vec<(u64, String, u64)>,
}

/// The first millisecond of the hour that ends with `now_minute`.
pub fn hour_start_ms(now_minute: u64) -> u64 {
    Hour::ending(now_minute).first * 60_000
}

/// The hour's minutes, oldest first.
struct Hour {
    first: u64,
    now: u64,
}

impl Hour {
    fn ending(now_minute: u64) -> Hour {
        Hour {
            first: now_minute.saturating_sub(HOUR_MINUTES - 1),
            now: now_minute,
        }
    }

    /// `minute`'s place in the hour, if it is in it.
    fn slot(&self, minute: u64) -> Option<usize> {
        (self.first..=self.now)
            .contains(&minute)
            .then(|| usize::try_from(minute - self.first).ok())
            .flatten()
    }

    /// One empty `T` per minute.
    fn empty<T: Default>(&self) -> Vec<T> {
        (self.first..=self.now).map(|_| T::default()).collect()
    }
}

/// What one minute gathers before it is summed.
#[derive(Default)]
struct Gathered {
    matches: u64,
    waits: Vec<u64>,
    round_trips: Vec<(u64, u64)>,
}

/// Every minute of the hour ending with `now_minute`, from `hours`: each
/// sample is put in its minute once, then each minute is summed.
pub fn minutes(now_minute: u64, hours: &[&ShardHour]) -> Vec<OpsMinute> {
    let hour = Hour::ending(now_minute);
    let mut minutes: Vec<Gathered> = hour.empty();
    for (minute, n) in hours.iter().flat_map(|h| &h.matches) {
        if let Some(gathered) = hour.slot(*minute).and_then(|i| minutes.get_mut(i)) {
            gathered.matches += n;
        }
    }
    for (minute, wait) in hours.iter().flat_map(|h| &h.waits) {
        if let Some(gathered) = hour.slot(*minute).and_then(|i| minutes.get_mut(i)) {
            gathered.waits.push(*wait);
        }
    }
    for (minute, name, n) in hours.iter().flat_map(|h| &h.tallies) {
        if let (Some(bucket), Some(gathered)) = (
            tally::rtt_bucket_of(name),
            hour.slot(*minute).and_then(|i| minutes.get_mut(i)),
        ) {
            gathered.round_trips.push((bucket, *n));
        }
    }
    (hour.first..=hour.now)
        .zip(minutes)
        .map(|(minute, gathered)| OpsMinute {
            minute,
            matches: gathered.matches,
            matched_tickets: gathered.waits.len() as u64,
            wait_ms_p50: percentile(&gathered.waits, 50),
            wait_ms_p99: percentile(&gathered.waits, 99),
            moves_measured: gathered.round_trips.iter().map(|(_, n)| n).sum(),
            rtt_ms_p50: tally::rtt_percentile(&gathered.round_trips, 50),
            rtt_ms_p99: tally::rtt_percentile(&gathered.round_trips, 99),
        })
        .collect()
}

/// Every kind counted in `hours` but round trips, minute by minute, most
/// frequent first.
pub fn kinds(now_minute: u64, hours: &[&ShardHour]) -> Vec<OpsKind> {
    let hour = Hour::ending(now_minute);
    let mut by_name: BTreeMap<&str, Vec<u64>> = BTreeMap::new();
    for (minute, name, n) in hours.iter().flat_map(|h| &h.tallies) {
        if name.starts_with(tally::RTT_PREFIX) {
            continue;
        }
        let Some(slot) = hour.slot(*minute) else {
            continue;
        };
        let per_minute = by_name.entry(name).or_insert_with(|| hour.empty());
        if let Some(count) = per_minute.get_mut(slot) {
            *count += n;
        }
    }
    let mut kinds: Vec<OpsKind> = by_name
        .into_iter()
        .map(|(name, per_minute)| OpsKind {
            name: name.to_string(),
            total: per_minute.iter().sum(),
            per_minute,
        })
        .collect();
    kinds.sort_by(|a, b| b.total.cmp(&a.total).then_with(|| a.name.cmp(&b.name)));
    kinds
}

/// Sums (name, count) pairs by name.
fn summed<'a>(pairs: impl Iterator<Item = &'a (String, u64)>) -> BTreeMap<String, u64> {
    let mut sums = BTreeMap::new();
    for (name, n) in pairs {
        *sums.entry(name.clone()).or_default() += n;
    }
    sums
}

/// `mode`'s hour from its shards' answers, by pool code.
pub fn mode_hour(mode: Mode, now_minute: u64, shards: &[(&str, ShardHour)]) -> OpsMode {
    let all: Vec<&ShardHour> = shards.iter().map(|(_, hour)| hour).collect();
    OpsMode {
        mode,
        all: minutes(now_minute, &all),
        pools: shards
            .iter()
            .map(|(pool, hour)| OpsPool {
                pool: (*pool).to_string(),
                minutes: minutes(now_minute, &[hour]),
            })
            .collect(),
        rooms_per_build: summed(all.iter().flat_map(|h| &h.per_build)),
        rooms_alive_per_build: summed(all.iter().flat_map(|h| &h.alive_per_build)),
        kinds: kinds(now_minute, &all),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hour(matches: &[(u64, u64)], waits: &[(u64, u64)], builds: &[(&str, u64)]) -> ShardHour {
        ShardHour {
            format: SHARD_HOUR_FORMAT,
            matches: matches.to_vec(),
            waits: waits.to_vec(),
            per_build: builds.iter().map(|(b, n)| ((*b).to_string(), *n)).collect(),
            ..ShardHour::default()
        }
    }

    fn counted(tallies: &[(u64, &str, u64)]) -> Vec<(u64, String, u64)> {
        tallies
            .iter()
            .map(|(m, name, n)| (*m, (*name).to_string(), *n))
            .collect()
    }

    #[test]
    fn an_hour_has_sixty_minutes_oldest_first_empty_ones_included() {
        let minutes = minutes(1_000, &[]);
        assert_eq!(minutes.len(), 60);
        assert_eq!(minutes.first().map(|m| m.minute), Some(941));
        assert_eq!(minutes.last().map(|m| m.minute), Some(1_000));
        assert!(
            minutes
                .iter()
                .all(|m| m.matches == 0 && m.wait_ms_p50.is_none())
        );
        assert_eq!(hour_start_ms(1_000), 941 * 60_000);
    }

    #[test]
    fn shards_add_up_and_their_waits_merge_as_samples() {
        let global = hour(
            &[(999, 2), (1_000, 1)],
            &[(1_000, 100), (1_000, 300)],
            &[("a", 3)],
        );
        let eu = hour(
            &[(1_000, 4), (900, 9)],
            &[(1_000, 200), (1_000, 10_000)],
            &[("a", 1), ("b", 3)],
        );
        let mode = mode_hour(Mode::Duel, 1_000, &[("global", global), ("eu", eu)]);
        let now = mode.all.last().cloned().unwrap_or_default();
        // Minute 900 is out of the hour.
        assert_eq!(mode.all.iter().map(|m| m.matches).sum::<u64>(), 7);
        assert_eq!((now.matches, now.matched_tickets), (5, 4));
        // Of 100, 200, 300, 10000: the median is 200, p99 the slowest.
        assert_eq!(
            (now.wait_ms_p50, now.wait_ms_p99),
            (Some(200), Some(10_000))
        );
        assert_eq!(mode.pools.len(), 2);
        assert_eq!(mode.pools[1].pool, "eu");
        assert_eq!(mode.pools[1].minutes.last().map(|m| m.matches), Some(4));
        assert_eq!(mode.rooms_per_build.get("a"), Some(&4));
        assert_eq!(mode.rooms_per_build.get("b"), Some(&3));
    }

    #[test]
    fn a_format_1_answer_reads_as_written() {
        let fixture: ShardHour =
            serde_json::from_str(include_str!("fixtures/shard-hour-v1.json")).unwrap();
        let mut expected = hour(
            &[(29_400_000, 3)],
            &[(29_400_000, 1_250), (29_400_000, 40)],
            &[("0123abcd", 3)],
        );
        expected.format = 1;
        assert_eq!(fixture, expected);
    }

    #[test]
    fn a_format_2_answer_reads_as_written() {
        let fixture: ShardHour =
            serde_json::from_str(include_str!("fixtures/shard-hour-v2.json")).unwrap();
        let mut expected = hour(&[(29_400_000, 3)], &[(29_400_000, 40)], &[("0123abcd", 3)]);
        expected.alive_per_build = vec![("0123abcd".into(), 1)];
        expected.tallies = counted(&[
            (29_400_000, "rtt:12", 5),
            (29_400_000, "close:1000", 4),
            (29_400_000, "refused:LIMIT_SPECTATORS", 1),
        ]);
        assert_eq!(fixture, expected);
        assert_eq!(fixture.format, SHARD_HOUR_FORMAT);
        assert_eq!(
            serde_json::to_value(&fixture).unwrap(),
            serde_json::from_str::<serde_json::Value>(include_str!("fixtures/shard-hour-v2.json"))
                .unwrap()
        );
    }

    #[test]
    fn round_trips_merge_as_buckets_and_other_counts_as_kinds() {
        let mut global = hour(&[], &[], &[("a", 5)]);
        global.alive_per_build = vec![("a".into(), 2)];
        global.tallies = counted(&[
            (1_000, "rtt:2", 60),
            (1_000, "close:1000", 3),
            (999, "close:4008", 1),
            (900, "close:4008", 50),
        ]);
        let mut eu = hour(&[], &[], &[]);
        eu.alive_per_build = vec![("a".into(), 1), ("b".into(), 4)];
        eu.tallies = counted(&[
            (1_000, "rtt:3", 39),
            (1_000, "rtt:96", 1),
            (1_000, "close:1000", 2),
        ]);
        let mode = mode_hour(Mode::Duel, 1_000, &[("global", global), ("eu", eu)]);
        let now = mode.all.last().cloned().unwrap_or_default();
        assert_eq!(now.moves_measured, 100);
        assert_eq!((now.rtt_ms_p50, now.rtt_ms_p99), (Some(2), Some(3)));
        assert_eq!(
            mode.pools[1].minutes.last().and_then(|m| m.rtt_ms_p99),
            Some(96)
        );
        assert_eq!(mode.rooms_alive_per_build.get("a"), Some(&3));
        assert_eq!(mode.rooms_alive_per_build.get("b"), Some(&4));
        // Round trips are not kinds; minute 900 is out of the hour.
        let names: Vec<(&str, u64)> = mode
            .kinds
            .iter()
            .map(|k| (k.name.as_str(), k.total))
            .collect();
        assert_eq!(names, [("close:1000", 5), ("close:4008", 1)]);
        assert_eq!(mode.kinds[1].per_minute.len(), 60);
        assert_eq!(mode.kinds[1].per_minute[58], 1);
    }
}
