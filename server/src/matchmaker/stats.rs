//! Statistics for `GET /api/stats`, as pure functions: wait percentiles,
//! and a mode's shards summed into one answer.

use crate::tally::nearest_rank;
use volley_shared::api::ShardStats;

/// The `p`-th percentile (0 to 100) of `values` by the nearest-rank method;
/// `None` for no values.
pub fn percentile(values: &[u64], p: u32) -> Option<u64> {
    if values.is_empty() {
        return None;
    }
    let mut sorted = values.to_vec();
    sorted.sort_unstable();
    let rank = nearest_rank(u64::from(p), sorted.len() as u64);
    sorted.get(usize::try_from(rank - 1).ok()?).copied()
}

/// A mode's statistics from each of its shards' (`global` first, its id
/// kept): counts summed, maps merged, the newest rooms of all (as many as
/// the longest list). A wait
/// percentile is the highest of the shards' (percentiles do not add up;
/// the mode's own is at most that), so `wait_ms_p99` is an upper bound.
pub fn merge(global: ShardStats, others: impl IntoIterator<Item = ShardStats>) -> ShardStats {
    let mut sum = global;
    let mut keep = sum.recent_rooms.len();
    for shard in others {
        sum.tickets_waiting += shard.tickets_waiting;
        sum.parties_forming += shard.parties_forming;
        sum.matches_made += shard.matches_made;
        sum.wait_ms_p50 = sum.wait_ms_p50.max(shard.wait_ms_p50);
        sum.wait_ms_p99 = sum.wait_ms_p99.max(shard.wait_ms_p99);
        for (hint, n) in shard.rooms_per_location_hint {
            *sum.rooms_per_location_hint.entry(hint).or_default() += n;
        }
        for (build, n) in shard.rooms_per_build {
            *sum.rooms_per_build.entry(build).or_default() += n;
        }
        keep = keep.max(shard.recent_rooms.len());
        sum.recent_rooms.extend(shard.recent_rooms);
    }
    sum.recent_rooms
        .sort_by_key(|r| std::cmp::Reverse(r.created_at_ms));
    sum.recent_rooms.truncate(keep);
    sum
}

#[cfg(test)]
mod tests {
    use super::*;
    use volley_shared::api::CreatedRoom;
    use volley_shared::{Mode, RoomId};

    fn shard(id: &str, waiting: u64, p99: Option<u64>, rooms: &[(&str, u64)]) -> ShardStats {
        ShardStats {
            coordinator_id: id.into(),
            mode: Mode::Duel,
            tickets_waiting: waiting,
            parties_forming: 1,
            matches_made: rooms.len() as u64,
            wait_ms_p50: p99.map(|p| p / 2),
            wait_ms_p99: p99,
            rooms_per_location_hint: rooms.iter().map(|(h, _)| (h.to_string(), 1)).collect(),
            recent_rooms: rooms
                .iter()
                .map(|(h, at)| CreatedRoom {
                    room_id: RoomId(format!("{id}{at}")),
                    location_hint: Some(h.to_string()),
                    created_at_ms: *at,
                })
                .collect(),
            rooms_per_build: rooms.iter().map(|_| ("b".to_string(), 1)).collect(),
            build: "b".into(),
        }
    }

    #[test]
    fn a_modes_shards_sum_up_under_the_global_shards_id() {
        let global = shard("g", 1, Some(900), &[("weur", 5), ("enam", 1)]);
        let europe = shard("eu", 2, Some(4_000), &[("weur", 9)]);
        let quiet = shard("oc", 0, None, &[]);
        let sum = merge(global, [europe, quiet]);
        assert_eq!(sum.coordinator_id, "g");
        assert_eq!((sum.tickets_waiting, sum.parties_forming), (3, 3));
        assert_eq!(sum.matches_made, 3);
        assert_eq!(
            (sum.wait_ms_p50, sum.wait_ms_p99),
            (Some(2_000), Some(4_000))
        );
        assert_eq!(sum.rooms_per_location_hint["weur"], 2);
        assert_eq!(sum.rooms_per_location_hint["enam"], 1);
        assert_eq!(sum.rooms_per_build["b"], 2);
        let newest: Vec<u64> = sum.recent_rooms.iter().map(|r| r.created_at_ms).collect();
        assert_eq!(newest, [9, 5]);
    }

    #[test]
    fn percentiles_by_nearest_rank() {
        let waits: Vec<u64> = (1..=100).collect();
        assert_eq!(percentile(&waits, 50), Some(50));
        assert_eq!(percentile(&waits, 99), Some(99));
        assert_eq!(percentile(&waits, 100), Some(100));
        assert_eq!(percentile(&[7], 99), Some(7));
        assert_eq!(percentile(&[3, 1, 2], 50), Some(2));
        assert_eq!(percentile(&[], 50), None);
    }
}
