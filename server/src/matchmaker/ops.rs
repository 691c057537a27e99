//! The operators' dashboard's view of matching, as pure functions: what a
//! shard tells of its last hour ([`ShardHour`]) and a mode's shards merged
//! minute by minute, per pool and summed ([`mode_hour`]). Waits are
//! merged as samples, so a mode's percentiles are its own, not an
//! average of its shards'.

use super::stats::percentile;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use volley_shared::Mode;
use volley_shared::api::{OpsMinute, OpsMode, OpsPool};

/// The coordinator route a shard tells its hour at.
pub const OPS_HOUR_PATH: &str = "/api/ops/hour";

/// The format of [`ShardHour`] this release writes.
pub const SHARD_HOUR_FORMAT: u16 = 1;

/// Minutes the dashboard shows.
pub const HOUR_MINUTES: u64 = 60;

/// A shard's answer to `GET /api/ops/hour`: JSON between the Worker and
/// a coordinator, which during a rollout may run another version. It says
/// its format (`format`, [`SHARD_HOUR_FORMAT`]); a later format only adds
/// fields, which this one ignores, and `fixtures/shard-hour-v1.json` is
/// what format 1 looks like. A coordinator of the previous release answers
/// 404 and is left out of the sum.
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
}

/// The first millisecond of the hour that ends with `now_minute`.
pub fn hour_start_ms(now_minute: u64) -> u64 {
    now_minute.saturating_sub(HOUR_MINUTES - 1) * 60_000
}

/// Every minute of the hour ending with `now_minute`, from `hours`: each
/// sample is put in its minute once, then each minute is summed.
pub fn minutes(now_minute: u64, hours: &[&ShardHour]) -> Vec<OpsMinute> {
    let first = now_minute.saturating_sub(HOUR_MINUTES - 1);
    let mut minutes: Vec<(u64, Vec<u64>)> = (first..=now_minute).map(|_| (0, Vec::new())).collect();
    let slot = |minute: u64| {
        (first..=now_minute)
            .contains(&minute)
            .then(|| usize::try_from(minute - first).ok())
            .flatten()
    };
    for (minute, n) in hours.iter().flat_map(|h| &h.matches) {
        if let Some((matches, _)) = slot(*minute).and_then(|i| minutes.get_mut(i)) {
            *matches += n;
        }
    }
    for (minute, wait) in hours.iter().flat_map(|h| &h.waits) {
        if let Some((_, waits)) = slot(*minute).and_then(|i| minutes.get_mut(i)) {
            waits.push(*wait);
        }
    }
    (first..=now_minute)
        .zip(minutes)
        .map(|(minute, (matches, waits))| OpsMinute {
            minute,
            matches,
            matched_tickets: waits.len() as u64,
            wait_ms_p50: percentile(&waits, 50),
            wait_ms_p99: percentile(&waits, 99),
        })
        .collect()
}

/// `mode`'s hour from its shards' answers, by pool code.
pub fn mode_hour(mode: Mode, now_minute: u64, shards: &[(&str, ShardHour)]) -> OpsMode {
    let all: Vec<&ShardHour> = shards.iter().map(|(_, hour)| hour).collect();
    let mut rooms_per_build = BTreeMap::new();
    for (build, n) in all.iter().flat_map(|h| &h.per_build) {
        *rooms_per_build.entry(build.clone()).or_default() += n;
    }
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
        rooms_per_build,
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
        }
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
        assert_eq!(
            fixture,
            hour(
                &[(29_400_000, 3)],
                &[(29_400_000, 1_250), (29_400_000, 40)],
                &[("0123abcd", 3)]
            )
        );
        assert_eq!(fixture.format, 1);
    }
}
