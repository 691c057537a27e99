//! The `anonymous` table: the players this shard drew an id for, because
//! they came without a guest token (a ticket, or a private room's seat),
//! until their game is settled.
//!
//! Such an id is drawn for one ticket and never comes back, so a rating
//! kept for it could never be read again: the shard that settles the game
//! rates the others against them at the default rating, and makes them no
//! player object, no history and no leaderboard line
//! ([`crate::matchmaker::ratings`]). A table of its own, which the
//! previous release neither writes nor reads: a game it matched, or one it
//! settles, rates everyone, as it always did.
//!
//! A row goes when its game is settled or its ticket is cancelled (its
//! socket closed while it waited); one left behind otherwise (a room that
//! never reported) is removed by later rows once it is older than any game
//! could still report: every [`PRUNE_EVERY`]th row an instance notes looks
//! for a few, so most rows cost one statement.

use super::{Storage, memory};
use crate::error::Result;
use crate::sql::{integer, placeholders};
use std::collections::HashSet;
use volley_shared::PlayerId;

/// The table and its index; part of the shard's schema.
pub(super) const ANONYMOUS_TABLE: &str = "
CREATE TABLE IF NOT EXISTS anonymous (player TEXT PRIMARY KEY, at_ms INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS anonymous_at ON anonymous (at_ms);
";

/// The most expired rows removed per new row: more than one, so the table
/// keeps up with any rate of abandoned tickets.
const EXPIRED_PER_ROW: u64 = 2;

/// Expired rows are looked for at every this many rows an instance notes
/// (the first included), [`EXPIRED_PER_ROW`] for each of them at once.
const PRUNE_EVERY: u64 = 8;

impl Storage {
    /// Notes that `player`'s id was drawn at `now_ms` for someone without
    /// a guest token, and, at every [`PRUNE_EVERY`]th, forgets a few such
    /// ids drawn before `expired_ms` whose games never reported.
    pub fn note_anonymous(&self, player: PlayerId, now_ms: u64, expired_ms: u64) -> Result<()> {
        if memory::is_nth(&self.memory.anonymous_noted, PRUNE_EVERY) {
            self.sql.exec(
                "DELETE FROM anonymous WHERE player IN \
                 (SELECT player FROM anonymous WHERE at_ms < ? ORDER BY at_ms LIMIT ?)",
                vec![
                    integer(expired_ms)?,
                    integer(EXPIRED_PER_ROW * PRUNE_EVERY)?,
                ],
            )?;
        }
        self.sql.exec(
            "INSERT OR REPLACE INTO anonymous (player, at_ms) VALUES (?, ?)",
            vec![player.to_string().as_str().into(), integer(now_ms)?],
        )?;
        Ok(())
    }

    /// Which of `players` this shard drew an id for.
    pub fn anonymous_among(&self, players: &[PlayerId]) -> Result<HashSet<PlayerId>> {
        if players.is_empty() {
            return Ok(HashSet::new());
        }
        let keys: Vec<String> = players.iter().map(PlayerId::to_string).collect();
        let found = self.texts(
            &format!(
                "SELECT player FROM anonymous WHERE player IN {}",
                placeholders(1, keys.len())
            ),
            keys.iter().map(|key| key.as_str().into()).collect(),
        )?;
        Ok(players
            .iter()
            .copied()
            .filter(|player| found.contains(&player.to_string()))
            .collect())
    }

    /// Forgets `players`: their game is settled, or their ticket cancelled.
    pub fn forget_anonymous(&self, players: impl IntoIterator<Item = PlayerId>) -> Result<()> {
        let keys: Vec<String> = players.into_iter().map(|p| p.to_string()).collect();
        if keys.is_empty() {
            return Ok(());
        }
        self.sql.exec(
            &format!(
                "DELETE FROM anonymous WHERE player IN {}",
                placeholders(1, keys.len())
            ),
            keys.iter()
                .map(|key| key.as_str().into())
                .collect::<Vec<_>>(),
        )?;
        Ok(())
    }
}
