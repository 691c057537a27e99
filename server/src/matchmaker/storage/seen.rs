//! The `players_seen` table: when each player last played in this shard.
//! A player not seen for the retention (`PLAYER_RETENTION_MS`, 180 days)
//! is forgotten (rating, game count, history), a few at each result, so
//! the player tables do not grow with the shard's age: an anonymous player
//! has a fresh id each time and is never seen again.
//!
//! A table of its own, so the previous release's writes to `players` stay
//! as they were. Players who last played before it existed have no row and
//! are kept until they play again.

use super::Storage;
use crate::error::Result;
use crate::sql::integer;

/// The table and its index; part of the shard's schema.
pub(super) const SEEN_TABLE: &str = "
CREATE TABLE IF NOT EXISTS players_seen (player TEXT PRIMARY KEY, last_ms INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS players_seen_by_last ON players_seen (last_ms);
";

/// The most players forgotten at one result.
const FORGET_BATCH: u64 = 16;

impl Storage {
    /// Notes that `player` played a game that ended at `at_ms`.
    pub(super) fn saw_player(&self, player: &str, at_ms: u64) -> Result<()> {
        self.sql.exec(
            "INSERT INTO players_seen (player, last_ms) VALUES (?, ?) \
             ON CONFLICT(player) DO UPDATE SET last_ms = MAX(last_ms, excluded.last_ms)",
            vec![player.into(), integer(at_ms)?],
        )?;
        Ok(())
    }

    /// Forgets a few players last seen before `cutoff_ms`; returns how many.
    pub(super) fn forget_players_unseen_since(&self, cutoff_ms: u64) -> Result<usize> {
        let gone = self.texts(
            "SELECT player FROM players_seen WHERE last_ms < ? ORDER BY last_ms LIMIT ?",
            vec![integer(cutoff_ms)?, integer(FORGET_BATCH)?],
        )?;
        for player in &gone {
            for table in ["players", "player_matches", "players_seen"] {
                self.sql.exec(
                    &format!("DELETE FROM {table} WHERE player = ?"),
                    vec![player.as_str().into()],
                )?;
            }
        }
        Ok(gone.len())
    }
}
