//! Which coordinator shards a run used: the matches each shard of the
//! run's mode made during it, from the server's own counters
//! (`GET /api/stats?mode=..&pool=..`, read before and after), so a run
//! spread over continents (`--continents`) shows where its players were
//! matched.

use crate::native::http_body;
use std::collections::BTreeMap;
use url::Url;
use volley_shared::Mode;
use volley_shared::api::ShardStats;

/// A mode's shards as `/api/stats` names them (`pool=`): one per
/// continent (Cloudflare's codes, lower case), and the global pool.
pub const POOLS: [&str; 7] = ["af", "as", "eu", "na", "oc", "sa", "global"];

/// Matches made so far by each shard of `mode`; `None` when the server
/// does not say (a server of the first releases has one shard per mode and
/// no `pool`).
pub async fn matches_made(server: &Url, mode: Mode) -> Option<BTreeMap<String, u64>> {
    let mut made = BTreeMap::new();
    for pool in POOLS {
        let mut url = server.join("/api/stats").ok()?;
        url.query_pairs_mut()
            .append_pair("mode", mode.as_str())
            .append_pair("pool", pool);
        let stats: ShardStats = http_body(false, url).await.ok()?;
        made.insert(pool.to_string(), stats.matches_made);
    }
    Some(made)
}

/// The matches each shard made between `before` and `after`, for the
/// shards that made any.
pub fn made_between(
    before: &BTreeMap<String, u64>,
    after: &BTreeMap<String, u64>,
) -> BTreeMap<String, u64> {
    after
        .iter()
        .filter_map(|(pool, &n)| {
            let made = n.saturating_sub(before.get(pool).copied().unwrap_or(0));
            (made > 0).then(|| (pool.clone(), made))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_shards_that_made_matches_are_listed() {
        let before: BTreeMap<String, u64> =
            [("eu".to_string(), 5), ("global".to_string(), 7)].into();
        let after: BTreeMap<String, u64> = [
            ("eu".to_string(), 9),
            ("global".to_string(), 7),
            ("oc".to_string(), 2),
        ]
        .into();
        let made = made_between(&before, &after);
        assert_eq!(made, [("eu".to_string(), 4), ("oc".to_string(), 2)].into());
        // A counter that went back (a shard forgot) counts nothing.
        assert!(made_between(&after, &before).is_empty());
    }
}
