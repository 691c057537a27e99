//! Results and ratings, now that ratings live in player objects
//! ([`crate::player`]):
//!
//! - `results`: one row per room that reported (as before), marking it
//!   settled;
//! - `deliveries`: each person's line of a settled game, until their player
//!   object took it, so a retried report delivers the same lines (a game
//!   is settled once, from the ratings before it);
//! - `players`: in a mode's global shard, the mode's leaderboard, kept by
//!   the player objects ([`Storage::put_leader`]). It is the table the first
//!   releases kept ratings in, so a player object adopts a rating from it
//!   once ([`Storage::player`]) and a rollback reads current ratings.

use super::Storage;
use crate::blob::{Kind, decode};
use crate::error::Result;
use crate::internal::GameResult;
use crate::internal::players::{LeaderLine, PlayerResult};
use crate::sql::{blob, bytes, integer};

/// The table; part of the shard's schema.
pub(super) const DELIVERIES_TABLE: &str = "
CREATE TABLE IF NOT EXISTS deliveries (room_id TEXT NOT NULL, player TEXT NOT NULL, line BLOB NOT NULL, PRIMARY KEY (room_id, player));
";

impl Storage {
    /// Whether `room`'s result was settled.
    pub fn result_seen(&self, room: &str) -> Result<bool> {
        Ok(self
            .sql
            .exec("SELECT 1 FROM results WHERE room_id = ?", vec![room.into()])?
            .raw()
            .next()
            .is_some())
    }

    /// Marks `result` settled with each person's `lines` to deliver, unless
    /// it already was (another report settled it meanwhile); returns
    /// whether it was new. Results older than `keep_ms` (and their
    /// undelivered lines) are forgotten, a few at a time: a room reports
    /// only while it exists.
    pub fn settle_result(
        &self,
        result: &GameResult,
        lines: &[PlayerResult],
        keep_ms: u64,
    ) -> Result<bool> {
        let room = result.room.0.as_str();
        if self.result_seen(room)? {
            return Ok(false);
        }
        self.sql.exec(
            "DELETE FROM results WHERE room_id IN (SELECT room_id FROM results WHERE at_ms < ? ORDER BY at_ms LIMIT 16)",
            vec![integer(result.at_ms.saturating_sub(keep_ms))?],
        )?;
        self.sql.exec(
            "DELETE FROM deliveries WHERE room_id NOT IN (SELECT room_id FROM results)",
            None,
        )?;
        self.sql.exec(
            "INSERT INTO results (room_id, at_ms, record) VALUES (?, ?, ?)",
            vec![room.into(), integer(result.at_ms)?, blob(result)?],
        )?;
        for line in lines {
            self.sql.exec(
                "INSERT OR REPLACE INTO deliveries (room_id, player, line) VALUES (?, ?, ?)",
                vec![
                    room.into(),
                    line.player.to_string().as_str().into(),
                    blob(line)?,
                ],
            )?;
        }
        Ok(true)
    }

    /// The lines of `room` that no player object took yet.
    pub fn undelivered(&self, room: &str) -> Result<Vec<PlayerResult>> {
        self.sql
            .exec(
                "SELECT line FROM deliveries WHERE room_id = ?",
                vec![room.into()],
            )?
            .raw()
            .map(|row| Ok(decode(Kind::Stored, &bytes(row?.into_iter().next())?)?))
            .collect()
    }

    /// A player object took its line of `room`.
    pub fn delivered(&self, line: &PlayerResult) -> Result<()> {
        self.sql.exec(
            "DELETE FROM deliveries WHERE room_id = ? AND player = ?",
            vec![
                line.room.0.as_str().into(),
                line.player.to_string().as_str().into(),
            ],
        )?;
        Ok(())
    }

    /// Puts a player's standing on the mode's leaderboard, unless the line
    /// is older than the one kept (fewer games); then forgets a few players
    /// not seen for `players_keep_ms`.
    pub fn put_leader(&self, line: &LeaderLine, players_keep_ms: u64) -> Result<()> {
        let key = line.player.to_string();
        self.sql.exec(
            "INSERT INTO players (player, name, rating, games) VALUES (?, ?, ?, ?) \
             ON CONFLICT(player) DO UPDATE SET name = excluded.name, rating = excluded.rating, \
             games = excluded.games WHERE excluded.games >= players.games",
            vec![
                key.as_str().into(),
                line.name.as_str().into(),
                line.standing.rating.into(),
                integer(line.standing.games)?,
            ],
        )?;
        self.saw_player(&key, line.at_ms)?;
        self.forget_players_unseen_since(line.at_ms.saturating_sub(players_keep_ms))?;
        Ok(())
    }
}
